"""edgeopt.solvers.batch: restricting, writing and merging batch-first state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.solvers.batch import put_fields, take_batch, take_fields, where_fields


@dataclass
class Point:
    d: np.ndarray  # (B, K)
    t: np.ndarray  # (B, K, N)
    value: np.ndarray  # (B,)


def point(b: int, seed: int = 0) -> Point:
    rng = np.random.default_rng(seed)
    return Point(rng.normal(size=(b, 3)), rng.normal(size=(b, 3, 2)), rng.normal(size=b))


class Model:
    def __init__(self, b: int) -> None:
        self.a = np.arange(b * 2.0).reshape(b, 2)  # batch-first
        self.shared = np.ones(7)  # another length: shared
        self.names = [f"i{k}" for k in range(b)]  # one item per instance
        self.pair = (np.arange(b), 3.0)  # a tuple of such
        self.scalar = 1.5


class System:
    def __init__(self, b: int) -> None:
        self.m = Model(b)
        self.rhs = np.arange(b * 1.0)


def test_take_batch_restricts_batch_first_attributes_and_nested_objects() -> None:
    keep = np.array([True, False, True, True])
    model = Model(4)
    sub = take_batch(model, keep)
    assert isinstance(sub, Model) and sub is not model
    np.testing.assert_array_equal(sub.a, model.a[keep])
    assert sub.shared is model.shared and sub.scalar == 1.5
    assert sub.names == ["i0", "i2", "i3"]
    np.testing.assert_array_equal(sub.pair[0], [0, 2, 3])
    assert sub.pair[1] == 3.0
    np.testing.assert_array_equal(model.a, np.arange(8.0).reshape(4, 2))  # the original is untouched
    # A nested model is restricted only when its type is named (as fog's systems name their model).
    system = System(4)
    shallow = take_batch(system, keep)
    assert shallow.m is system.m
    deep = take_batch(system, keep, nested=(Model,))
    np.testing.assert_array_equal(deep.m.a, system.m.a[keep])
    np.testing.assert_array_equal(deep.rhs, [0.0, 2.0, 3.0])
    with pytest.raises(InvalidParameterError, match="keep must be a 1-D boolean mask"):
        take_batch(model, np.array([0, 2]))


def test_take_put_where_fields() -> None:
    full = point(5)
    keep = np.array([False, True, True, False, True])
    part = take_fields(full, keep)
    assert isinstance(part, Point) and part.d.shape == (3, 3) and part.t.shape == (3, 3, 2)
    np.testing.assert_array_equal(part.value, full.value[keep])
    part.d[:] = 0.0  # copies: the original is untouched
    assert np.all(full.d[keep] != 0.0)
    # put_fields writes the part back at given indices, in place.
    out = point(5, seed=1)
    idx = np.flatnonzero(keep)
    put_fields(out, idx, part)
    np.testing.assert_array_equal(out.d[idx], 0.0)
    np.testing.assert_array_equal(out.t[idx], full.t[keep])
    np.testing.assert_array_equal(out.value[~keep], point(5, seed=1).value[~keep])
    # where_fields merges per instance, broadcasting the mask over trailing axes.
    new, old = point(5, seed=2), point(5, seed=3)
    merged = where_fields(keep, new, old)
    for name in ("d", "t", "value"):
        a, b, m = getattr(old, name), getattr(new, name), getattr(merged, name)
        np.testing.assert_array_equal(m[keep], b[keep])
        np.testing.assert_array_equal(m[~keep], a[~keep])
