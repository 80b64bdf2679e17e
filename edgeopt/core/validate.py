"""Parameter validation helpers: each error names the field, value and range."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError


def positive_scalar(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, checking it is finite and > 0 (or >= 0)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a real number, got {value!r}") from None
    bound = ">= 0" if allow_zero else "> 0"
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise InvalidParameterError(f"{name} must be finite and {bound}, got {value!r}")
    return number


def array(
    name: str,
    value: Any,
    shapes: tuple[tuple[int, ...], ...],
    *,
    allow_zero: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array of one of ``shapes``, finite and > 0 (or >= 0)."""
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a numeric array, got {value!r}") from None
    if arr.shape not in shapes:
        allowed = " or ".join(str(s) for s in shapes)
        raise InvalidParameterError(f"{name} must have shape {allowed}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(f"{name} must be finite, got {arr.tolist()}")
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        bound = ">= 0" if allow_zero else "> 0"
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameterError(f"{name} must be {bound} everywhere, got {float(arr[index])!r} at index {index}")
    arr.setflags(write=False)
    return arr
