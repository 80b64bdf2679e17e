"""Parameter validation helpers: each error names the field, the value and the allowed range.

No helper coerces silently: a bool is not a number, a float is not an
integer, a string is never parsed. Every check raises
:class:`~edgeopt.core.errors.InvalidParameterError`, so no ``TypeError`` or
``ValueError`` from numpy reaches a user.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError


def _describe(value: Any) -> str:
    """``value`` for an error message: short repr plus its type."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def _interval(
    minimum: float | None,
    maximum: float | None,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
) -> str:
    low = "-inf" if minimum is None else f"{minimum:g}"
    high = "inf" if maximum is None else f"{maximum:g}"
    left = "(" if exclusive_minimum or minimum is None else "["
    right = ")" if exclusive_maximum or maximum is None else "]"
    return f"{left}{low}, {high}{right}"


def _in_range(
    number: float,
    minimum: float | None,
    maximum: float | None,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
) -> bool:
    if minimum is not None and (number < minimum or (exclusive_minimum and number == minimum)):
        return False
    return not (maximum is not None and (number > maximum or (exclusive_maximum and number == maximum)))


def number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """``value`` as a finite float within the stated bounds.

    Accepts Python and numpy reals (and 0-d real arrays); rejects bools,
    strings, None, complex numbers, NaN and infinities.

    Parameters
    ----------
    name : str
        The field's name, for the error message.
    value : object
        The value to check.
    minimum, maximum : float, optional
        Bounds (inclusive unless made strict).
    exclusive_minimum, exclusive_maximum : bool
        Make the corresponding bound strict.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        Naming ``name``, the value and the allowed interval.

    """
    interval = _interval(minimum, maximum, exclusive_minimum, exclusive_maximum)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number in {interval}, got {_describe(value)}")
    result = float(value)
    if not math.isfinite(result) or not _in_range(result, minimum, maximum, exclusive_minimum, exclusive_maximum):
        raise InvalidParameterError(f"{name} must be finite and in {interval}, got {value!r}")
    return result


def positive_scalar(name: str, value: Any, *, allow_zero: bool = False, maximum: float | None = None) -> float:
    """``value`` as a float, finite and > 0 (or >= 0 with ``allow_zero``), at most ``maximum``."""
    bound = ">= 0" if allow_zero else "> 0"
    if maximum is not None:
        bound += f" and <= {maximum:g}"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name} must be a real number, finite and {bound}, got {_describe(value)}")
    result = float(value)
    ok = math.isfinite(result) and (result > 0 or (allow_zero and result == 0))
    if not ok or (maximum is not None and result > maximum):
        raise InvalidParameterError(f"{name} must be finite and {bound}, got {value!r}")
    return result


def integer(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int within the bounds; floats (even ``3.0``), bools and strings are rejected."""
    interval = _interval(minimum, maximum, False, False)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(f"{name} must be an integer in {interval}, got {_describe(value)}")
    result = int(value)
    if not _in_range(result, minimum, maximum, False, False):
        raise InvalidParameterError(f"{name} must be an integer in {interval}, got {result}")
    return result


def boolean(name: str, value: Any) -> bool:
    """``value`` as a bool; only ``True``/``False`` (or numpy bools) are accepted, never ``"no"`` or ``0``."""
    if not isinstance(value, bool | np.bool_):
        raise InvalidParameterError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def array(
    name: str,
    value: Any,
    shapes: Sequence[tuple[int, ...]] | None = None,
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
    maximum: float | None = None,
    ndim: int | None = None,
) -> np.ndarray:
    """``value`` as a read-only float array of one of ``shapes``, finite, with the stated sign.

    Parameters
    ----------
    name : str
        The field's name, for the error message.
    value : array_like
        Real numbers only: strings, None, bools and objects are rejected.
    shapes : sequence of tuple of int, optional
        The allowed shapes; None allows any shape (see ``ndim``).
    allow_zero : bool
        Entries may be 0 (the default requires > 0).
    allow_negative : bool
        Entries may have any sign (overrides ``allow_zero``).
    maximum : float, optional
        Largest allowed entry.
    ndim : int, optional
        Required number of dimensions when ``shapes`` is None.

    Returns
    -------
    numpy.ndarray

    """
    raw = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray(object())
    if raw.dtype.kind not in "iuf":
        raise InvalidParameterError(f"{name} must be an array of real numbers, got {_describe(value)}")
    arr = np.array(raw, dtype=float)
    if shapes is not None and arr.shape not in [tuple(s) for s in shapes]:
        allowed = " or ".join(str(tuple(s)) for s in shapes)
        raise InvalidParameterError(f"{name} must have shape {allowed}, got {arr.shape}")
    if ndim is not None and arr.ndim != ndim:
        raise InvalidParameterError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise InvalidParameterError(f"{name} must be finite, got {float(arr[index])!r} at index {index}")
    if not allow_negative:
        bad = arr < 0 if allow_zero else arr <= 0
        if np.any(bad):
            bound = ">= 0" if allow_zero else "> 0"
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidParameterError(
                f"{name} must be {bound} everywhere, got {float(arr[index])!r} at index {index}"
            )
    if maximum is not None and np.any(arr > maximum):
        index = tuple(int(i) for i in np.argwhere(arr > maximum)[0])
        raise InvalidParameterError(
            f"{name} must be <= {maximum:g} everywhere, got {float(arr[index])!r} at index {index}"
        )
    arr.setflags(write=False)
    return arr
