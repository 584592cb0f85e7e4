"""Loss functions, softmax and the L2 penalty, built from engine ops.

Every loss takes one sample or a batch. One sample (a `Value`, or for the
cross-entropies one list of logits) gives that sample's loss; a list of samples gives
the MEAN over them, PyTorch's default `reduction="mean"`. The mean is one n-ary `sum`
node (`autograd.add_n`) times 1/n, so the graph stays small for any batch. In a batch,
sample i's part of the loss is computed inside `autograd.scope("sample i")`, the scope
`nn.fit` gives that sample's forward pass, so a diagram draws each sample as one cluster.

    nn.mse([p1, p2], [1.0, 0.0])             # ((p1-1)^2 + (p2-0)^2) / 2
    nn.cross_entropy([z0, z1, z2], 2)        # -log softmax(z)[2]
    nn.cross_entropy([[z0, z1], [u0, u1]], [1, 0])   # mean over the two samples
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, add_n, dot, scope
from nn.checks import as_number, as_value

Number = int | float
Scalar = Value | int | float

# Like torch.nn.BCELoss, log(p) is clamped at -100 so p = 0 or 1 gives a finite loss.
_LOG_FLOOR = -100.0
_SMALLEST_P = math.exp(_LOG_FLOOR)


def _mean(items: list[Value]) -> Value:
    """The mean of `items` as one `sum` node and one `mul` (the item itself when there is one)."""
    if len(items) == 1:
        return items[0]
    return add_n(items) * (1.0 / len(items))


def _is_batch(x: Any) -> bool:
    return isinstance(x, (list, tuple))


def _pairs(pred: list, target: Any, loss: str) -> list[tuple[Any, Any]]:
    """(prediction, target) per sample of a batch, checked: one target per prediction, at least one."""
    if not _is_batch(target) or len(target) != len(pred):
        size = len(target) if _is_batch(target) else "a single target"
        raise ValueError(f"{loss}: {len(pred)} predictions but {size}; give one target per prediction")
    if not pred:
        raise ValueError(f"{loss}: the batch is empty")
    return list(zip(pred, target))


def _per_sample(loss_one: Callable[[Any, Any], Any], pairs: list[tuple[Any, Any]]) -> list:
    """loss_one(prediction, target) for each pair, sample i's nodes made inside scope "sample i"."""
    results = []
    for i, (p, t) in enumerate(pairs):
        with scope(f"sample {i}"):
            results.append(loss_one(p, t))
    return results


def _batch_mean(loss_one: Callable[[Any, Any], Value], pred: Any, target: Any, loss: str) -> Value:
    """loss_one of one sample, or the mean of loss_one over a batch (a list of predictions)."""
    if not _is_batch(pred):
        if _is_batch(target):
            raise ValueError(f"{loss}: one prediction but {len(target)} targets")
        return loss_one(pred, target)
    return _mean(_per_sample(loss_one, _pairs(pred, target, loss)))


def _flatten(x: Any) -> list:
    if not _is_batch(x):
        return [x]
    return [item for part in x for item in _flatten(part)]


def _squared_errors(pred: Any, target: Any) -> list[Value]:
    preds, targets = _flatten(pred), _flatten(target)
    if len(preds) != len(targets):
        raise ValueError(f"mse: {len(preds)} predictions but {len(targets)} targets")
    return [(as_value(p) - t) ** 2 for p, t in zip(preds, targets)]


def mse(pred: Any, target: Any) -> Value:
    """Mean squared error: mean of (pred - target)^2 over every element.

    `pred` is a Value, a list of them, or a list of lists (multi-output); `target` has
    the same shape. Its gradient per element is 2 * (pred - target) / n.
    """
    if _is_batch(pred) and _is_batch(target) and len(pred) == len(target):
        errors = [e for sample in _per_sample(_squared_errors, list(zip(pred, target))) for e in sample]
    else:
        errors = _squared_errors(pred, target)
    if not errors:
        raise ValueError("mse: the batch is empty")
    return _mean(errors)


def _log(p: Value) -> Value:
    return p.log() if p.data > _SMALLEST_P else Value(_LOG_FLOOR)


def _bce_one(prob: Scalar, target: Number) -> Value:
    p, t = as_value(prob), as_number(target)
    if not 0.0 <= p.data <= 1.0:
        raise ValueError(f"bce takes probabilities in [0, 1], got {p.data}; for raw scores use nn.bce_with_logits")
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"bce targets are in [0, 1], got {t}")
    terms = []
    if t != 0.0:
        terms.append(_log(p) if t == 1.0 else t * _log(p))
    if t != 1.0:
        terms.append(_log(1.0 - p) if t == 0.0 else (1.0 - t) * _log(1.0 - p))
    return -(terms[0] if len(terms) == 1 else terms[0] + terms[1])


def bce(prob: Any, target: Any) -> Value:
    """Binary cross-entropy of probabilities: -(t*log(p) + (1-t)*log(1-p)), mean over a list.

    For a sigmoid output. Each log is clamped at -100 as in `torch.nn.BCELoss`, so a
    probability of exactly 0 or 1 gives a finite loss. Prefer `bce_with_logits` on raw scores.
    """
    return _batch_mean(_bce_one, prob, target, "bce")


def _bce_with_logits_one(logit: Scalar, target: Number) -> Value:
    z, t = as_value(logit), as_number(target)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"bce_with_logits targets are in [0, 1], got {t}")
    # softplus(z) = log(1 + e^z) = relu(z) + log(1 + e^-|z|): the exponent is never positive,
    # so a logit of 1000 is as finite as one of 1.
    minus_abs = -z if z.data > 0.0 else z
    softplus = z.relu() + (1.0 + minus_abs.exp()).log()
    return softplus if t == 0.0 else softplus - z * t


def bce_with_logits(logit: Any, target: Any) -> Value:
    """Binary cross-entropy on a raw score z: the same as bce(sigmoid(z), t), computed stably.

    Equal to softplus(z) - t*z; its gradient is sigmoid(z) - t. Mean over a list.
    Like `torch.nn.BCEWithLogitsLoss`: use it with `MLP(..., [.., 1])` whose last layer is linear.
    """
    return _batch_mean(_bce_with_logits_one, logit, target, "bce_with_logits")


def _shifted_exps(zs: list[Value]) -> tuple[list[Value], float]:
    """e^(z - m) for each logit and m = max(z): with the max subtracted no exponent is positive."""
    m = max(z.data for z in zs)
    return [(z + -m).exp() for z in zs], m


def _logsumexp(zs: list[Value]) -> Value:
    """log(sum(e^z)), computed as log(sum(e^(z - m))) + m."""
    exps, m = _shifted_exps(zs)
    return add_n(exps).log() + m


def _logits(values: Sequence[Scalar], who: str) -> list[Value]:
    if not _is_batch(values) or not values:
        raise ValueError(f"{who} takes one sample's logits as a non-empty list, got {values!r}")
    return [as_value(v) for v in values]


def softmax(values: Sequence[Scalar]) -> list[Value]:
    """e^z_i / sum_j e^z_j for a list of logits, the max subtracted first (finite at 1000)."""
    exps, _ = _shifted_exps(_logits(values, "softmax"))
    inverse_total = add_n(exps).recip()
    return [e * inverse_total for e in exps]


def log_softmax(values: Sequence[Scalar]) -> list[Value]:
    """z_i - log(sum_j e^z_j) for a list of logits, the max subtracted first (finite at 1000)."""
    zs = _logits(values, "log_softmax")
    minus_lse = -_logsumexp(zs)
    return [z + minus_lse for z in zs]


def _one_sample(logits: Any) -> bool:
    """True unless `logits` is a batch: a non-empty list whose items are lists of logits."""
    return not _is_batch(logits) or not logits or not _is_batch(logits[0])


def _cross_entropy_one(logits: Sequence[Scalar], target: int) -> Value:
    zs = _logits(logits, "cross_entropy")
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(zs):
        raise ValueError(
            f"cross_entropy takes a class index 0..{len(zs) - 1}, got {target!r}; "
            "for one-hot targets use nn.categorical_cross_entropy"
        )
    return _logsumexp(zs) - zs[target]


def cross_entropy(logits: Any, target: Any) -> Value:
    """Sparse categorical cross-entropy: -log softmax(logits)[target] for an int class index.

    `logits` is one sample's list of raw scores (or a list of such lists, with a list of
    indices, for the batch mean). Its gradient is softmax(logits) - one_hot(target).
    Like `torch.nn.functional.cross_entropy`.
    """
    if _one_sample(logits):
        return _cross_entropy_one(logits, target)
    return _mean(_per_sample(_cross_entropy_one, _pairs(logits, target, "cross_entropy")))


def _categorical_one(logits: Sequence[Scalar], one_hot: Sequence[Number]) -> Value:
    zs = _logits(logits, "categorical_cross_entropy")
    if not _is_batch(one_hot) or len(one_hot) != len(zs):
        raise ValueError(f"categorical_cross_entropy: {len(zs)} logits need a one-hot list of {len(zs)}")
    ys = [as_number(y) for y in one_hot]
    if any(y < 0.0 for y in ys):
        raise ValueError(f"categorical_cross_entropy targets are probabilities (>= 0), got {ys}")
    # -sum_i y_i * (z_i - lse) = lse * sum(y) - y . z, the y . z as one dot node.
    total = sum(ys)
    lse = _logsumexp(zs)
    return (lse if total == 1.0 else lse * total) - dot(zs, ys)


def categorical_cross_entropy(logits: Any, one_hot: Any) -> Value:
    """Categorical cross-entropy with a one-hot (or probability) target: -sum_i y_i log softmax(z)_i.

    Same value as `cross_entropy(logits, index)` when `one_hot` has a 1 at `index`; a
    list of samples gives the batch mean.
    """
    if _one_sample(logits):
        return _categorical_one(logits, one_hot)
    return _mean(_per_sample(_categorical_one, _pairs(logits, one_hot, "categorical_cross_entropy")))


def _hinge_one(score: Scalar, target: Scalar) -> Value:
    t = as_number(target)
    if t not in (-1.0, 1.0):
        raise ValueError(f"hinge takes targets -1 or +1, got {t!r}; turn 0/1 labels into 2*y - 1")
    return (1.0 + as_value(score) * -t).relu()


def hinge(score: Any, target_pm1: Any) -> Value:
    """Hinge loss max(0, 1 - t*s) for a raw score s and a target t of -1 or +1; mean over a list."""
    return _batch_mean(_hinge_one, score, target_pm1, "hinge")


def l2_penalty(parameters: Sequence[Value], strength: float) -> Value:
    """strength * sum(p^2) over `parameters`: add it to a loss to keep weights small.

    The sum of squares is one `dot` node (p . p). Its gradient is 2 * strength * p, so
    `strength = wd / 2` matches `torch.optim.SGD(weight_decay=wd)`.

        loss = nn.bce_with_logits(outputs, yb) + nn.l2_penalty(model.parameters(), 1e-4)
    """
    params = list(parameters)
    if not params:
        raise ValueError("l2_penalty needs at least one parameter")
    return dot(params, params) * strength
