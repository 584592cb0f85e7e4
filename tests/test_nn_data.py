"""Toy datasets and DataLoader.

As in *[원티드_프리온보딩] 5. 딥러닝 핵심개념 정리*: dataset 1000, batch 100 -> 10 updates an epoch.
"""

import math

import pytest

import nn

DATASETS = {
    "make_moons": lambda seed: nn.datasets.make_moons(100, noise=0.1, seed=seed),
    "make_circles": lambda seed: nn.datasets.make_circles(100, noise=0.05, seed=seed),
    "make_xor": lambda seed: nn.datasets.make_xor(100, seed=seed),
    "make_spiral": lambda seed: nn.datasets.make_spiral(99, classes=3, seed=seed),
    "make_blobs": lambda seed: nn.datasets.make_blobs(100, centers=3, seed=seed),
}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_is_lists_of_two_floats_and_int_labels(name):
    X, y = DATASETS[name](0)
    assert len(X) == len(y) in (99, 100)
    assert all(isinstance(x, list) and len(x) == 2 and all(isinstance(v, float) for v in x) for x in X)
    assert all(type(label) is int for label in y)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_same_seed_same_data_other_seed_other_data(name):
    assert DATASETS[name](3) == DATASETS[name](3)
    assert DATASETS[name](3) != DATASETS[name](4)


@pytest.mark.parametrize(("name", "classes"), [("make_moons", 2), ("make_circles", 2), ("make_xor", 2),
                                               ("make_spiral", 3), ("make_blobs", 3)])  # fmt: skip
def test_dataset_labels_are_0_to_k_minus_1(name, classes):
    _, y = DATASETS[name](0)
    assert set(y) == set(range(classes))


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = nn.datasets.make_moons(50, seed=0)
    for (a, b), label in zip(X, y):
        # Label 0: the unit upper half circle; label 1: centred at (1, 0.5), lower half.
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - cx, b - cy) == pytest.approx(1.0)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)
    assert y.count(0) == y.count(1) == 25


def test_circles_inner_radius_is_factor():
    X, y = nn.datasets.make_circles(40, factor=0.3, seed=0)
    radii = {label: {round(math.hypot(*x), 9) for x, lab in zip(X, y) if lab == label} for label in (0, 1)}
    assert radii == {0: {1.0}, 1: {0.3}}


def test_xor_label_is_1_when_exactly_one_coordinate_is_positive():
    X, y = nn.datasets.make_xor(200, seed=0)
    assert y == [int((a > 0) != (b > 0)) for a, b in X]


def test_blobs_scatter_around_given_centres():
    X, y = nn.datasets.make_blobs(300, centers=[[-5.0, 0.0], [5.0, 0.0]], std=0.5, seed=0)
    for label, cx in ((0, -5.0), (1, 5.0)):
        xs = [x[0] for x, lab in zip(X, y) if lab == label]
        assert sum(xs) / len(xs) == pytest.approx(cx, abs=0.15)  # 150 draws: standard error 0.04


def test_datasets_come_shuffled():
    _, y = nn.datasets.make_moons(100, seed=0)
    assert y != sorted(y)


# DataLoader -----------------------------------------------------------------------------------------


def test_loader_1000_samples_batch_100_gives_10_batches():
    X, y = nn.datasets.make_moons(1000, seed=0)
    loader = nn.DataLoader(X, y, batch_size=100)
    assert len(loader) == 10
    assert [len(xb) for xb, _ in loader] == [100] * 10


def test_loader_last_batch_is_smaller_unless_dropped():
    X, y = [[float(i), 0.0] for i in range(10)], [0] * 10
    assert [len(xb) for xb, _ in nn.DataLoader(X, y, batch_size=4)] == [4, 4, 2]
    assert len(nn.DataLoader(X, y, batch_size=4)) == 3
    assert len(nn.DataLoader(X, y, batch_size=4, drop_last=True)) == 2


def test_loader_yields_every_sample_once_an_epoch_with_its_label():
    X, y = [[float(i), 0.0] for i in range(25)], list(range(25))
    loader = nn.DataLoader(X, y, batch_size=7, seed=0)
    seen = [(xb_i[0], yb_i) for xb, yb in loader for xb_i, yb_i in zip(xb, yb)]
    assert sorted(seen) == [(float(i), i) for i in range(25)]


def test_loader_without_shuffle_keeps_the_order():
    X, y = [[float(i), 0.0] for i in range(6)], list(range(6))
    assert [yb for _, yb in nn.DataLoader(X, y, batch_size=4, shuffle=False)] == [[0, 1, 2, 3], [4, 5]]


def test_loader_shuffles_each_epoch_differently_and_reproducibly_with_a_seed():
    X, y = [[float(i), 0.0] for i in range(20)], list(range(20))

    def epochs(loader):
        return [[label for _, yb in loader for label in yb] for _ in range(2)]

    first, second = epochs(nn.DataLoader(X, y, 5, seed=1)), epochs(nn.DataLoader(X, y, 5, seed=1))
    assert first == second
    assert first[0] != first[1]
    assert first[0] != list(range(20))


def test_loader_rejects_mismatched_lengths_and_bad_batch_size():
    with pytest.raises(ValueError, match="3 samples but 2 labels"):
        nn.DataLoader([[0.0, 0.0]] * 3, [0, 1], batch_size=1)
    with pytest.raises(ValueError, match="batch_size"):
        nn.DataLoader([[0.0, 0.0]], [0], batch_size=0)
