"""Helpers for batches of independent instances stored batch-first.

A batched solver keeps its state in objects whose arrays have the batch axis
first: dataclasses of arrays (iterates, duals) and plain objects holding
precomputed data (a vectorised model, a linear system). When some instances
finish, the solver restricts its state to the others (:func:`take_batch`,
:func:`take_fields`), writes finished ones into the output
(:func:`put_fields`) and merges accepted trial steps per instance
(:func:`where_fields`), so that no Python loop runs per instance.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeopt.core.errors import InvalidParameterError

__all__ = [
    "take_batch",
    "take_fields",
    "put_fields",
    "where_fields",
]

_T = TypeVar("_T")


def _mask(keep: ArrayLike) -> NDArray[np.bool_]:
    mask = np.asarray(keep)
    if mask.dtype != np.bool_ or mask.ndim != 1:
        raise InvalidParameterError(f"keep must be a 1-D boolean mask, got dtype {mask.dtype} and shape {mask.shape}")
    return mask


def take_batch(obj: _T, keep: ArrayLike, *, nested: tuple[type, ...] = ()) -> _T:
    """A shallow copy of a batch object restricted to the instances where ``keep``.

    Every attribute (``vars(obj)``) that is an array with the batch axis
    first, a list with one item per instance, a tuple of such, or an object
    of the type of ``obj`` or of a type in ``nested`` (restricted the same
    way, recursively) is restricted; anything else (shared data, scalars) is
    shared with ``obj``.

    Parameters
    ----------
    obj : object
        An object with a ``__dict__`` (not a frozen dataclass: attributes are set on the copy).
    keep : array_like of bool, shape (B,)
        The instances to keep; ``B`` is the batch size that identifies batch-first attributes.
    nested : tuple of type
        Types of attributes to restrict recursively, e.g. a model object held by a solver's system.

    Returns
    -------
    object
        The restricted copy, of the type of ``obj``.

    Raises
    ------
    InvalidParameterError
        If ``keep`` is not a 1-D boolean mask.

    Notes
    -----
    An attribute whose length happens to equal ``B`` is taken as batch-first:
    keep per-instance data batch-first and shared data of other lengths.

    """
    mask = _mask(keep)
    return _take_object(obj, mask, (type(obj), *nested))


def _take_object(obj: _T, keep: NDArray[np.bool_], nested: tuple[type, ...]) -> _T:
    new = copy.copy(obj)
    for name, value in vars(obj).items():
        setattr(new, name, _take_value(value, keep, nested))
    return new


def _take_value(value: Any, keep: NDArray[np.bool_], nested: tuple[type, ...]) -> Any:
    size = keep.shape[0]
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == size:
        return value[keep]
    if isinstance(value, list) and len(value) == size:
        return [item for item, k in zip(value, keep, strict=True) if k]
    if isinstance(value, tuple):
        return tuple(_take_value(item, keep, nested) for item in value)
    if isinstance(value, nested):
        return _take_object(value, keep, nested)
    return value


def take_fields(dc: _T, keep: ArrayLike) -> _T:
    """Copies of the instances ``keep`` of a dataclass whose fields are batch-first arrays.

    Parameters
    ----------
    dc : dataclass instance
        Every field an array with the batch axis first, all fields passed to the constructor.
    keep : array_like of bool or int
        A mask or indices along the batch axis.

    Returns
    -------
    dataclass instance
        A new instance of the same type holding copies.

    """
    return type(dc)(*[np.array(getattr(dc, f.name)[keep]) for f in dataclasses.fields(dc)])  # type: ignore[arg-type]


def put_fields(full: Any, idx: ArrayLike, part: Any) -> None:
    """Write the instances of ``part`` into instances ``idx`` of ``full``, in place.

    Parameters
    ----------
    full, part : dataclass instances of the same type
        Fields are batch-first arrays; ``part`` has ``len(idx)`` instances.
    idx : array_like of int (or bool mask)
        Where the instances of ``part`` go in ``full``.

    """
    for f in dataclasses.fields(full):
        getattr(full, f.name)[idx] = getattr(part, f.name)


def where_fields(take: NDArray[np.bool_], new: _T, old: _T) -> _T:
    """Per instance, ``new`` where ``take`` else ``old`` (dataclasses of batch-first arrays).

    Parameters
    ----------
    take : numpy.ndarray of bool, shape (B,)
        Which instances take the new values.
    new, old : dataclass instances of the same type
        Fields are arrays with the batch axis first (``take`` is broadcast over the trailing axes).

    Returns
    -------
    dataclass instance
        A new instance of the type of ``old``.

    """
    out = []
    for f in dataclasses.fields(old):  # type: ignore[arg-type]
        a, b = getattr(old, f.name), getattr(new, f.name)
        out.append(np.where(take.reshape(take.shape + (1,) * (np.ndim(a) - 1)), b, a))
    return type(old)(*out)
