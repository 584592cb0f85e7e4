"""The checks and conversions every part of `nn` shares, each written once.

Numbers come into `nn` as plain numbers or as `Value`s (a sample, a target, a weight in a
state dict); sizes come as ints (layer widths, epochs, batch sizes). These helpers turn
them into what the code needs, or raise an error that names the argument.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from autograd import Value, constant


def as_value(x: Value | float) -> Value:
    """`x` itself if it is a Value, else a new leaf constant holding the number."""
    return x if isinstance(x, Value) else constant(x)


def as_number(x: Value | float) -> float:
    """The number in `x`: its `.data` if it is a Value, else `x` as a float."""
    return x.data if isinstance(x, Value) else float(x)


def as_count(name: str, n: object, minimum: int = 1) -> int:
    """`n` if it is an int >= minimum (a bool is not a count), else a ValueError naming `name`."""
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {n!r}")
    return n


def finite_number_problem(name: str, x: Any) -> str | None:
    """Why `x` cannot be the number `name` (a weight read from a file, say), or None if it can.

    Accepted: finite real numbers within float range. Rejected: bools (JSON's true/false),
    strings and other non-numbers, NaN, infinities and ints too large for a float (10**400).
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return f"{name} should be a number, got {type(x).__name__}"
    try:
        number = float(x)
    except OverflowError:
        return f"{name} should be a finite number, got an int beyond float range (about 1.8e308)"
    if not math.isfinite(number):
        return f"{name} should be a finite number, got {number}"
    return None
