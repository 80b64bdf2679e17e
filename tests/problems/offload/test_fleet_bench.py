"""The fleet benchmark rows (:mod:`edgeopt.bench.fleet`): the shared schema, gaps recomputed, the report's lines.

Run on a reduced configuration (U = 10 and 100, one instance each, two wide ones) so that it takes about a
second; ``edgeopt bench offload`` runs the full one.
"""

from __future__ import annotations

import math

import pytest

from edgeopt.bench import fleet
from edgeopt.bench.compare import COLUMNS

# The columns of shared/BENCH_SCHEMA.md: the list compare() itself writes its rows with.
SCHEMA_KEYS = tuple(COLUMNS)


@pytest.fixture(scope="module")
def result():
    patch = pytest.MonkeyPatch()
    patch.setattr(fleet, "SIZES", (10, 100))
    patch.setattr(fleet, "SEEDS", {10: (1, 1), 100: (1, 1)})
    patch.setattr(fleet, "WIDE", (2, 2))
    patch.setattr(fleet, "FLOW_REPEATS", 2)
    try:
        yield fleet.fleet_rows(quick=True)
    finally:
        patch.undo()


def test_rows_follow_the_schema(result) -> None:
    rows, _ = result
    assert len(rows) == 2 * (2 + 2 + 2)  # random and busy at two sizes, two wide: a flow and a MILP row each
    for row in rows:
        assert tuple(row) == SCHEMA_KEYS
        assert row["problem"] == "offload" and row["extra"]["section"] == "fleet"
        assert row["method"] in ("flow", "cvxpy")
        assert row["solver"] == ("HIGHS" if row["method"] == "cvxpy" else None)
        assert row["status"] in ("optimal", "infeasible")
        assert set(row["size"]) == {"devices", "servers"}
        assert row["time_first_s"] > 0 and row["time_resolve_s"] > 0


def test_gaps_are_recomputed_from_the_objectives(result) -> None:
    rows, _ = result
    for flow_row, milp_row in zip(rows[0::2], rows[1::2], strict=True):
        assert flow_row["instance"] == milp_row["instance"]
        assert flow_row["reference"] == "cvxpy" and milp_row["reference"] == "flow"
        if flow_row["objective"] is None:
            assert milp_row["objective"] is None
            continue
        expected = (flow_row["objective"] - milp_row["objective"]) / abs(milp_row["objective"])
        assert flow_row["rel_gap"] == pytest.approx(expected, abs=1e-300)
        assert abs(flow_row["rel_gap"]) <= 1e-9
        ratio = milp_row["time_resolve_s"] / flow_row["time_resolve_s"]
        assert milp_row["speedup_resolve"] == pytest.approx(ratio, rel=1e-12)
        assert math.isfinite(milp_row["extra"]["milp_time_s"])


def test_report_states_the_bars(result) -> None:
    _, report = result
    assert report.startswith("## The fleet of devices")
    assert "within 1e-09 relative on every instance with U <= 200: met." in report
    assert "Speed line (U = 10,000): not run (quick)." in report
