"""Classification metrics on lists of labels, with scikit-learn's signatures and conventions.

Every function takes `(y_true, y_pred)`. Labels are ints 0..k-1; in the binary case the
positive class is 1. From the confusion table [[TN, FP], [FN, TP]]:
accuracy = (TP + TN) / all, precision = TP / (TP + FP), recall = TP / (TP + FN),
F1 = 2 * precision * recall / (precision + recall). A ratio with nothing to count
(e.g. precision when nothing was predicted positive) is 0.0, as scikit-learn returns.
"""

from __future__ import annotations

from collections.abc import Sequence

Labels = Sequence[int]


def _check(y_true: Labels, y_pred: Labels) -> int:
    """Validate the two label lists; return the number of classes (at least 2)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    if not y_true:
        raise ValueError("metrics need at least one label")
    for y in (*y_true, *y_pred):
        if isinstance(y, bool) or not isinstance(y, int) or y < 0:
            raise ValueError(f"labels must be ints 0..k-1, got {y!r}")
    return max(max(y_true), max(y_pred), 1) + 1


def confusion_matrix(y_true: Labels, y_pred: Labels) -> list[list[int]]:
    """Counts with rows = true class and columns = predicted class.

    Binary: [[TN, FP], [FN, TP]] (always 2 x 2, even if one class is absent).
    """
    k = _check(y_true, y_pred)
    table = [[0] * k for _ in range(k)]
    for t, p in zip(y_true, y_pred):
        table[t][p] += 1
    return table


def accuracy(y_true: Labels, y_pred: Labels) -> float:
    """The fraction of labels predicted right: (TP + TN) / all in the binary case."""
    _check(y_true, y_pred)
    return sum(t == p for t, p in zip(y_true, y_pred)) / len(y_true)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _per_class(y_true: Labels, y_pred: Labels, average: str) -> list[tuple[int, int, int]]:
    """(TP, FP, FN) for the positive class 1 ("binary") or for each class ("macro")."""
    table = confusion_matrix(y_true, y_pred)
    k = len(table)
    if average == "binary":
        if k > 2:
            raise ValueError(f"labels go up to {k - 1}, so the target is multiclass; use average='macro'")
        classes = [1]
    elif average == "macro":
        classes = list(range(k))
    else:
        raise ValueError(f"average must be 'binary' or 'macro', got {average!r}")
    counts = []
    for c in classes:
        tp = table[c][c]
        fp = sum(table[r][c] for r in range(k)) - tp
        fn = sum(table[c]) - tp
        counts.append((tp, fp, fn))
    return counts


def precision(y_true: Labels, y_pred: Labels, average: str = "binary") -> float:
    """TP / (TP + FP): of the samples predicted positive, how many are. "macro" averages over classes."""
    scores = [_ratio(tp, tp + fp) for tp, fp, _ in _per_class(y_true, y_pred, average)]
    return sum(scores) / len(scores)


def recall(y_true: Labels, y_pred: Labels, average: str = "binary") -> float:
    """TP / (TP + FN): of the positive samples, how many were found. "macro" averages over classes."""
    scores = [_ratio(tp, tp + fn) for tp, _, fn in _per_class(y_true, y_pred, average)]
    return sum(scores) / len(scores)


def f1(y_true: Labels, y_pred: Labels, average: str = "binary") -> float:
    """The harmonic mean of precision and recall, 2TP / (2TP + FP + FN). "macro" averages per-class F1."""
    scores = [_ratio(2 * tp, 2 * tp + fp + fn) for tp, fp, fn in _per_class(y_true, y_pred, average)]
    return sum(scores) / len(scores)
