"""Metrics on a fixed confusion table, binary and macro.

The formulas are those of *[원티드_프리온보딩] 5. 딥러닝 핵심개념 정리*.
"""

import pytest

import nn

# A fixed table: TN = 5, FP = 1, FN = 2, TP = 3 (11 samples).
Y_TRUE = [0] * 5 + [0] + [1] * 2 + [1] * 3
Y_PRED = [0] * 5 + [1] + [0] * 2 + [1] * 3


def test_confusion_matrix_is_tn_fp_fn_tp():
    assert nn.confusion_matrix(Y_TRUE, Y_PRED) == [[5, 1], [2, 3]]


def test_accuracy_is_tp_plus_tn_over_all():
    assert nn.accuracy(Y_TRUE, Y_PRED) == pytest.approx((3 + 5) / 11)


def test_precision_is_tp_over_tp_plus_fp():
    assert nn.precision(Y_TRUE, Y_PRED) == pytest.approx(3 / 4)


def test_recall_is_tp_over_tp_plus_fn():
    assert nn.recall(Y_TRUE, Y_PRED) == pytest.approx(3 / 5)


def test_f1_is_the_harmonic_mean_of_precision_and_recall():
    p, r = 3 / 4, 3 / 5
    assert nn.f1(Y_TRUE, Y_PRED) == pytest.approx(2 * p * r / (p + r))  # 2/3


def test_macro_averages_the_per_class_scores():
    # Class 0: precision 5/7, recall 5/6; class 1: precision 3/4, recall 3/5.
    assert nn.precision(Y_TRUE, Y_PRED, average="macro") == pytest.approx((5 / 7 + 3 / 4) / 2)
    assert nn.recall(Y_TRUE, Y_PRED, average="macro") == pytest.approx((5 / 6 + 3 / 5) / 2)
    f1_0, f1_1 = 2 * 5 / (2 * 5 + 1 + 2), 2 * 3 / (2 * 3 + 1 + 2)
    assert nn.f1(Y_TRUE, Y_PRED, average="macro") == pytest.approx((f1_0 + f1_1) / 2)


def test_multiclass_confusion_matrix_rows_are_true_classes():
    assert nn.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1]) == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]


def test_binary_average_on_multiclass_labels_asks_for_macro():
    with pytest.raises(ValueError, match="average='macro'"):
        nn.precision([0, 1, 2], [0, 1, 2])


def test_nothing_predicted_positive_gives_precision_0_like_scikit_learn():
    assert nn.precision([1, 0], [0, 0]) == 0.0
    assert nn.f1([0, 0], [0, 0]) == 0.0


def test_confusion_matrix_is_2x2_even_when_one_class_is_missing():
    assert nn.confusion_matrix([1, 1], [1, 1]) == [[0, 0], [0, 2]]


def test_metrics_reject_mismatched_lengths_and_non_int_labels():
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 1"):
        nn.accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="ints"):
        nn.accuracy([0.0, 1.0], [0, 1])
