"""A point whose solve raises is recorded ``failed`` with the message, and the sweep goes on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edgeopt.core.solution import Solution
from edgeopt.problems.iscc.baselines import BASELINES
from edgeopt.problems.iscc.problem import IsccProblem
from edgeopt.sweeps import sweep

BAD_T_MAX = 0.8


class PointError(Exception):
    """A user's own exception class: the result contract lets it through, the sweep must catch it."""


def _cheap(params: Any) -> Solution:
    return BASELINES["typical_iscc"](params)


def raises_user_error(params: Any) -> Solution:
    if params.T_max == BAD_T_MAX:
        raise PointError(f"no answer at T_max = {params.T_max}")
    return _cheap(params)


def raises_value_error(params: Any) -> Solution:
    if params.T_max == BAD_T_MAX:
        raise ValueError("math domain error at the bad point")
    return _cheap(params)


def batch_that_raises(params: Sequence[Any]) -> list[Solution]:
    if any(p.T_max == BAD_T_MAX for p in params):
        raise PointError("the batch holds a bad point")
    return [_cheap(p) for p in params]


@pytest.fixture
def methods(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three methods on IsccProblem for this test only (the class's tables are restored afterwards)."""
    monkeypatch.setattr(
        IsccProblem,
        "METHODS",
        {
            **IsccProblem.METHODS,
            "user_error": raises_user_error,
            "value_error": raises_value_error,
            "flaky_batch": raises_user_error,
        },
    )
    monkeypatch.setattr(IsccProblem, "BATCH_METHODS", {**IsccProblem.BATCH_METHODS, "flaky_batch": batch_that_raises})


def test_a_raising_point_is_recorded_failed_and_the_sweep_goes_on(methods: None, tmp_path: Path) -> None:
    spec = {
        "problem": "iscc",
        "scenario": "latency",
        "methods": ["user_error", "value_error", "flaky_batch", "typical_iscc"],
        "grid": {"T_max": [0.6, 0.7, BAD_T_MAX, 0.9, 1.0]},
        "chunk_size": 5,
    }
    with pytest.warns(RuntimeWarning, match="batched iscc method 'flaky_batch' raised PointError"):
        df = sweep(spec, tmp_path / "out", progress=False)
    assert len(df) == 20 and list(df["index"]) == list(range(20))
    bad = df["param.T_max"] == BAD_T_MAX
    reference = df[df["method"] == "typical_iscc"].set_index("param.T_max")["objective"]

    for method in ("user_error", "value_error", "flaky_batch"):
        rows = df[df["method"] == method]
        failed = rows[rows["param.T_max"] == BAD_T_MAX].iloc[0]
        assert failed["status"] == "failed"
        assert np.isnan(failed["objective"])
        assert all(failed[c] is None or np.isnan(failed[c]) for c in df.columns if c.startswith("x."))
        others = rows[rows["param.T_max"] != BAD_T_MAX]
        assert (others["status"] == "feasible").all()
        assert others["error"].isna().all()
        # The other points got the answers of the method they delegate to, untouched by the failure.
        np.testing.assert_array_equal(others["objective"].to_numpy(), reference.drop(BAD_T_MAX).to_numpy())

    user = df[(df["method"] == "user_error") & bad].iloc[0]
    assert user["error"] == "PointError: no answer at T_max = 0.8"
    assert user["reason"] == "the solve raised PointError: no answer at T_max = 0.8"
    # A dependency-family error is turned into a failed solution by the result contract; its text is kept.
    value = df[(df["method"] == "value_error") & bad].iloc[0]
    assert "raised ValueError: math domain error at the bad point" in value["reason"]
    assert value["error"] == value["reason"]
    # The batch raised for the whole chunk; solved again point by point, only the bad point failed.
    flaky = df[(df["method"] == "flaky_batch") & bad].iloc[0]
    assert flaky["error"] == "PointError: no answer at T_max = 0.8"
