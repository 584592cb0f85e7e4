"""Losses, softmax and the L2 penalty: values and gradients by hand and by central differences.

Hand values are closed forms: d mse/dp = 2(p - t)/n, d bce/dp = -t/p + (1-t)/(1-p),
d bce_with_logits/dz = sigmoid(z) - t, d cross_entropy/dz = softmax(z) - one_hot.
"""

import math

import pytest

import nn
from autograd import Value, gradcheck


def values(*xs):
    return [Value(x) for x in xs]


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


# mse ------------------------------------------------------------------------------------------


def test_mse_is_the_mean_of_squared_errors_with_gradient_2_err_over_n():
    p = values(2.0, -1.0)
    loss = nn.mse(p, [1.0, 1.0])
    assert loss.data == pytest.approx((1.0**2 + 2.0**2) / 2)  # 2.5
    loss.backward()
    assert [v.grad for v in p] == pytest.approx([2 * 1.0 / 2, 2 * -2.0 / 2])


def test_mse_of_one_value_is_that_squared_error():
    p = Value(3.0)
    loss = nn.mse(p, 1.0)
    loss.backward()
    assert (loss.data, p.grad) == (4.0, 4.0)


def test_mse_averages_over_every_output_of_a_multi_output_batch():
    assert nn.mse([values(1.0, 2.0), values(3.0, 4.0)], [[0.0, 0.0], [0.0, 0.0]]).data == pytest.approx(30 / 4)


def test_mse_matches_central_differences():
    assert gradcheck(lambda a, b, c: nn.mse([a, b, c], [0.5, -1.0, 2.0]), [1.0, 0.3, -0.7])


def test_mse_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        nn.mse(values(1.0, 2.0), [1.0, 2.0, 3.0])


# bce ------------------------------------------------------------------------------------------


def test_bce_of_one_probability():
    p = Value(0.8)
    loss = nn.bce(p, 1)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(0.8))  # 0.2231
    assert p.grad == pytest.approx(-1 / 0.8)


def test_bce_batch_is_the_mean_and_each_gradient_is_divided_by_n():
    p = values(0.8, 0.3)
    loss = nn.bce(p, [1, 0])
    loss.backward()
    assert loss.data == pytest.approx((-math.log(0.8) - math.log(0.7)) / 2)
    assert [v.grad for v in p] == pytest.approx([-1 / 0.8 / 2, 1 / 0.7 / 2])


def test_bce_matches_central_differences_for_soft_targets():
    assert gradcheck(lambda a, b: nn.bce([a, b], [0.25, 0.9]), [0.4, 0.6])


def test_bce_clamps_the_log_at_minus_100_like_torch():
    assert nn.bce(Value(0.0), 1).data == 100.0
    assert nn.bce(Value(1.0), 0).data == 100.0
    assert nn.bce(Value(1.0), 1).data == 0.0


def test_bce_rejects_a_probability_outside_0_1_and_points_to_logits():
    with pytest.raises(ValueError, match="bce_with_logits"):
        nn.bce(Value(1.5), 1)


# bce_with_logits --------------------------------------------------------------------------------


@pytest.mark.parametrize(("z", "t"), [(0.0, 1), (2.0, 0), (-1.5, 1), (0.7, 0.3)])
def test_bce_with_logits_equals_bce_of_sigmoid_with_gradient_sigmoid_minus_t(z, t):
    logit = Value(z)
    loss = nn.bce_with_logits(logit, t)
    loss.backward()
    s = sigmoid(z)
    assert loss.data == pytest.approx(-(t * math.log(s) + (1 - t) * math.log(1 - s)))
    assert logit.grad == pytest.approx(s - t)


def test_bce_with_logits_at_zero_is_log_2():
    assert nn.bce_with_logits(Value(0.0), 1).data == pytest.approx(math.log(2))


def test_bce_with_logits_matches_central_differences():
    assert gradcheck(lambda a, b, c: nn.bce_with_logits([a, b, c], [1, 0, 0.5]), [0.3, -2.0, 4.0])


@pytest.mark.parametrize(
    ("z", "t", "expected", "grad"), [(1000.0, 0, 1000.0, 1.0), (-1000.0, 1, 1000.0, -1.0), (1000.0, 1, 0.0, 0.0)]
)
def test_bce_with_logits_is_finite_at_logits_of_1000(z, t, expected, grad):
    logit = Value(z)
    loss = nn.bce_with_logits(logit, t)
    loss.backward()
    assert loss.data == pytest.approx(expected)
    assert logit.grad == pytest.approx(grad)  # sigmoid(+-1000) - t


def test_bce_with_logits_batch_mean_is_one_sum_node():
    loss = nn.bce_with_logits(values(*[0.1 * i for i in range(10)]), [i % 2 for i in range(10)])
    assert loss.op == "mul"
    total = next(p for p in loss.parents if p.op == "sum")
    assert len(total.parents) == 10


# cross-entropy and softmax -----------------------------------------------------------------------

SOFTMAX_123 = [math.exp(k) / (math.exp(1) + math.exp(2) + math.exp(3)) for k in (1, 2, 3)]  # .090 .245 .665


def test_cross_entropy_is_minus_log_softmax_of_the_target():
    z = values(1.0, 2.0, 3.0)
    loss = nn.cross_entropy(z, 2)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(SOFTMAX_123[2]))  # 0.4076
    assert [v.grad for v in z] == pytest.approx([SOFTMAX_123[0], SOFTMAX_123[1], SOFTMAX_123[2] - 1])


def test_cross_entropy_matches_central_differences():
    assert gradcheck(lambda a, b, c: nn.cross_entropy([a, b, c], 0), [0.5, -1.0, 2.0])


def test_cross_entropy_batch_is_the_mean_over_samples():
    loss = nn.cross_entropy([values(1.0, 2.0, 3.0), values(0.0, 0.0, 0.0)], [2, 1])
    assert loss.data == pytest.approx((-math.log(SOFTMAX_123[2]) + math.log(3)) / 2)


@pytest.mark.parametrize(("target", "expected"), [(0, 0.0), (1, 1000.0), (2, 2000.0)])
def test_cross_entropy_is_finite_at_logits_of_1000(target, expected):
    assert nn.cross_entropy(values(1000.0, 0.0, -1000.0), target).data == pytest.approx(expected)


def test_cross_entropy_rejects_an_out_of_range_index_and_points_to_one_hot():
    with pytest.raises(ValueError, match="categorical_cross_entropy"):
        nn.cross_entropy(values(1.0, 2.0), 2)


def test_categorical_cross_entropy_with_one_hot_equals_sparse_cross_entropy():
    z = values(1.0, 2.0, 3.0)
    loss = nn.categorical_cross_entropy(z, [0, 0, 1])
    loss.backward()
    assert loss.data == pytest.approx(-math.log(SOFTMAX_123[2]))
    assert [v.grad for v in z] == pytest.approx([SOFTMAX_123[0], SOFTMAX_123[1], SOFTMAX_123[2] - 1])


def test_categorical_cross_entropy_matches_central_differences_for_soft_labels():
    assert gradcheck(lambda a, b, c: nn.categorical_cross_entropy([a, b, c], [0.2, 0.5, 0.3]), [0.5, -1.0, 2.0])


def test_categorical_cross_entropy_batch_and_logits_of_1000():
    loss = nn.categorical_cross_entropy([values(1000.0, -1000.0), values(0.0, 0.0)], [[0, 1], [1, 0]])
    assert loss.data == pytest.approx((2000.0 + math.log(2)) / 2)


def test_softmax_sums_to_one_and_is_finite_at_1000():
    assert [p.data for p in nn.softmax(values(1.0, 2.0, 3.0))] == pytest.approx(SOFTMAX_123)
    assert [p.data for p in nn.softmax(values(1000.0, 1000.0))] == [0.5, 0.5]
    assert [p.data for p in nn.softmax([1000.0, 0.0])] == pytest.approx([1.0, 0.0])


def test_softmax_gradient_matches_central_differences():
    assert gradcheck(lambda a, b, c: nn.softmax([a, b, c])[1] * 2 + nn.softmax([a, b, c])[0], [0.1, 1.0, -0.5])


def test_log_softmax_is_finite_at_1000_and_matches_central_differences():
    assert [p.data for p in nn.log_softmax(values(1000.0, 0.0))] == pytest.approx([0.0, -1000.0])
    assert gradcheck(lambda a, b: nn.log_softmax([a, b])[1], [0.3, -0.8])


# hinge and L2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("s", "t", "loss", "grad"), [(0.3, 1, 0.7, -1.0), (2.0, 1, 0.0, 0.0), (0.5, -1, 1.5, 1.0)])
def test_hinge_is_max_0_1_minus_t_s(s, t, loss, grad):
    score = Value(s)
    out = nn.hinge(score, t)
    out.backward()
    assert (out.data, score.grad) == (pytest.approx(loss), grad)


def test_hinge_matches_central_differences_and_averages_a_batch():
    assert nn.hinge(values(0.3, 0.5), [1, -1]).data == pytest.approx((0.7 + 1.5) / 2)
    assert gradcheck(lambda a, b: nn.hinge([a, b], [1, -1]), [0.3, 0.5])


def test_hinge_rejects_0_1_labels_with_the_fix():
    with pytest.raises(ValueError, match="2\\*y - 1"):
        nn.hinge(Value(0.3), 0)


def test_l2_penalty_is_strength_times_sum_of_squares_in_one_dot_node():
    params = values(1.0, -2.0)
    penalty = nn.l2_penalty(params, 0.1)
    penalty.backward()
    assert penalty.data == pytest.approx(0.1 * (1 + 4))
    assert [p.grad for p in params] == pytest.approx([2 * 0.1 * 1.0, 2 * 0.1 * -2.0])
    assert [p.op for p in penalty.parents] == ["dot", ""]


def test_l2_penalty_matches_central_differences():
    assert gradcheck(lambda a, b, c: nn.l2_penalty([a, b, c], 0.01), [0.5, -1.5, 3.0])


def test_losses_accept_targets_given_as_values():
    # The notebooks write targets as Value(1.0); a target is a constant of the loss.
    p = Value(0.8)
    assert nn.bce(p, Value(1.0)).data == pytest.approx(-math.log(0.8))
    assert nn.bce_with_logits(Value(0.0), Value(1.0)).data == pytest.approx(math.log(2))
    assert nn.hinge(Value(0.3), Value(-1.0)).data == pytest.approx(1.3)
    assert nn.mse(Value(3.0), Value(1.0)).data == 4.0
