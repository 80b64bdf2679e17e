"""Helpers shared by the sweep tests: small sweep specs, bit-for-bit comparison of result frames."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def bits(frame: pd.DataFrame, *, drop: tuple[str, ...] = ("solve_time_s",)) -> dict[str, Any]:
    """Every column of ``frame`` but ``drop`` as exact bytes (floats by their bit patterns; NaN equals NaN)."""
    out: dict[str, Any] = {"columns": [c for c in frame.columns if c not in drop]}
    for column in out["columns"]:
        values = frame[column].to_numpy()
        if values.dtype.kind in "fiub":
            out[column] = (values.dtype.str, values.tobytes())
        else:
            out[column] = [
                ("array", np.asarray(v).dtype.str, np.asarray(v).tobytes())
                if isinstance(v, np.ndarray)
                else ("none",)
                if v is None or (isinstance(v, float) and np.isnan(v))
                else ("value", v)
                for v in values
            ]
    return out


def assert_same(a: pd.DataFrame, b: pd.DataFrame, *, drop: tuple[str, ...] = ("solve_time_s",)) -> None:
    """``a`` and ``b`` are equal bit for bit outside ``drop``, with the same columns and row order."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    left, right = bits(a, drop=drop), bits(b, drop=drop)
    differing = [c for c in left["columns"] if left[c] != right[c]]
    assert not differing, f"columns that differ: {differing}"
