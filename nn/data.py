"""Toy 2-D datasets (pure Python, seeded) and `DataLoader`, which cuts data into mini-batches.

The datasets follow scikit-learn's generators: `X` is a list of `[x1, x2]` floats and
`y` a list of int labels; samples come shuffled; the same `seed` gives the same data.
`noise` is the standard deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

from nn.checks import as_count

Dataset = tuple[list[list[float]], list[int]]


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    """Add the noise, shuffle, and split into (X, y)."""
    if not noise >= 0.0:
        raise ValueError(f"noise is a standard deviation, it must be >= 0, got {noise}")
    rng.shuffle(points)
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b] for a, b, _ in points]
    return X, [label for *_, label in points]


def _split(n: int, k: int) -> list[int]:
    """n samples over k groups, the first groups taking one more when k does not divide n."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def make_moons(n: int = 100, noise: float = 0.0, seed: int | None = None) -> Dataset:
    """Two interleaving half circles: label 0 the upper moon, 1 the lower (as scikit-learn)."""
    rng = random.Random(seed)
    n_outer, n_inner = _split(as_count("n", n, 2), 2)
    outer = [(math.cos(t), math.sin(t), 0) for t in linspace(0.0, math.pi, n_outer)]
    inner = [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in linspace(0.0, math.pi, n_inner)]
    return _finish(outer + inner, noise, rng)


def make_circles(n: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = None) -> Dataset:
    """A circle of radius 1 (label 0) around one of radius `factor` (label 1)."""
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor is the inner radius, between 0 and 1, got {factor}")
    rng = random.Random(seed)
    n_outer, n_inner = _split(as_count("n", n, 2), 2)
    points = []
    for count, radius, label in ((n_outer, 1.0, 0), (n_inner, factor, 1)):
        angles = [2 * math.pi * i / count for i in range(count)]
        points += [(radius * math.cos(t), radius * math.sin(t), label) for t in angles]
    return _finish(points, noise, rng)


def make_xor(n: int = 100, noise: float = 0.0, seed: int | None = None) -> Dataset:
    """Points uniform in [-1, 1]^2; label 1 when exactly one coordinate is positive (XOR)."""
    rng = random.Random(seed)
    points = []
    for _ in range(as_count("n", n)):
        a, b = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        points.append((a, b, int((a > 0) != (b > 0))))
    return _finish(points, noise, rng)


def make_spiral(n: int = 150, classes: int = 3, noise: float = 0.0, seed: int | None = None) -> Dataset:
    """`classes` interleaved spiral arms (CS231n's spiral), labels 0..classes-1."""
    as_count("classes", classes, 2)
    rng = random.Random(seed)
    points = []
    for label, count in enumerate(_split(as_count("n", n, classes), classes)):
        for r in linspace(0.0, 1.0, count):
            t = 4.0 * label + 4.0 * r
            points.append((r * math.sin(t), r * math.cos(t), label))
    return _finish(points, noise, rng)


def make_blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 1.0,
    seed: int | None = None,
) -> Dataset:
    """Gaussian blobs of standard deviation `std` around `centers`, labels 0..k-1.

    `centers` is a number of centres drawn uniformly in [-10, 10]^2 (as scikit-learn)
    or an explicit list of `[x, y]` centres.
    """
    rng = random.Random(seed)
    if isinstance(centers, int):
        as_count("centers", centers)
        centres = [(rng.uniform(-10.0, 10.0), rng.uniform(-10.0, 10.0)) for _ in range(centers)]
    else:
        centres = [(float(c[0]), float(c[1])) for c in centers]
        if not centres:
            raise ValueError("make_blobs needs at least one centre")
    if not std >= 0.0:
        raise ValueError(f"std must be >= 0, got {std}")
    points = []
    for label, count in enumerate(_split(as_count("n", n, len(centres)), len(centres))):
        cx, cy = centres[label]
        points += [(cx + rng.gauss(0.0, std), cy + rng.gauss(0.0, std), label) for _ in range(count)]
    return _finish(points, 0.0, rng)


def linspace(start: float, stop: float, count: int) -> list[float]:
    """`count` evenly spaced numbers from start to stop inclusive (numpy.linspace)."""
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1)
    return [start + i * step for i in range(count)]


class DataLoader:
    """Mini-batches of (X, y): each epoch (each `for` loop over it) yields every sample once.

    `len(loader)` is the number of batches per epoch: ceil(n / batch_size), or
    floor with `drop_last=True` (1000 samples, batch 100 -> 10 batches). With
    `shuffle=True` each epoch has a new order; `seed` makes that sequence of orders
    reproducible. Batch size n is full-batch gradient descent; 1 is pure SGD.

    >>> for xb, yb in nn.DataLoader(X, y, batch_size=32, seed=0): ...
    """

    def __init__(
        self,
        X: Sequence[Any],
        y: Sequence[Any],
        batch_size: int,
        shuffle: bool = True,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        if len(X) != len(y):
            raise ValueError(f"DataLoader: {len(X)} samples but {len(y)} labels")
        if not X:
            raise ValueError("DataLoader: the dataset is empty")
        as_count("batch_size", batch_size)
        self.X, self.y = list(X), list(y)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = random.Random(seed)

    def __len__(self) -> int:
        n, b = len(self.X), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[list, list]]:
        order = list(range(len(self.X)))
        if self.shuffle:
            self._rng.shuffle(order)
        for batch in range(len(self)):
            idx = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            yield [self.X[i] for i in idx], [self.y[i] for i in idx]

    def __repr__(self) -> str:
        return (
            f"DataLoader({len(self.X)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, {len(self)} batches)"
        )
