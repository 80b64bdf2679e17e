"""The fog benchmark (:mod:`edgeopt.bench.fog`): the budget sweep of issue 15, its counts, the report.

The fast tests run a tiny sweep (one size, one instance per regime, three budgets) and a tiny grid (one
instance per regime at K = 4); the quick run of the CLI is marked slow. Expected counts and medians of
:func:`sweep_summary` are worked out by hand on rows typed out below; budgets are recomputed with
:func:`math.exp` and each sweep answer is compared with the nested decomposition, an independent method.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from tolerances import FOG_METHODS_AGREE

from edgeopt.bench import fog as bench
from edgeopt.bench.compare import COLUMNS
from edgeopt.problems.fog import decomposition
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.scenarios import REGIMES, random_params

# The columns of shared/BENCH_SCHEMA.md, in its order (one list for every benchmark test).
SCHEMA_KEYS = tuple(COLUMNS)
STATUSES = {"optimal", "feasible", "infeasible", "failed"}
TINY = {"sizes": [(4, 2)], "instances": 1, "factors": 3}


@pytest.fixture(scope="module")
def sweep_rows() -> list[dict[str, Any]]:
    return bench.sweep(**TINY)


@pytest.fixture(scope="module")
def grid_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for regime in REGIMES:
        rows += bench._grid_instance(
            bench._grid_seed(regime, 4, 2, 0), 4, 2, regime, resolves=1, batch=3, singles=2, solvers=bench.SOLVERS
        )
    return rows


def test_factors_run_from_1_0001_to_3_log_spaced_in_the_spare_latency() -> None:
    factors = bench.sweep_factors(20)
    # Spare latency s = f - 1 from 1e-4 to 2 in 19 equal steps of log(s).
    expected = [1.0 + math.exp(math.log(1e-4) + j * (math.log(2.0) - math.log(1e-4)) / 19) for j in range(20)]
    assert factors == pytest.approx(expected, rel=1e-12)
    assert factors[0] == pytest.approx(1.0001, rel=1e-15) and factors[-1] == pytest.approx(3.0, rel=1e-15)
    assert bench.sweep_factors(5)[0] == pytest.approx(1.0001, rel=1e-15)


def test_sweep_seeds_are_new() -> None:
    sweep = {bench._sweep_seed(r, K, N, i) for r in REGIMES for K, N in bench.SWEEP_SIZES for i in range(5)}
    grid = {bench._grid_seed(r, K, N, i) for r in REGIMES for K, N in bench.SIZES for i in range(2)}
    assert len(sweep) == len(REGIMES) * len(bench.SWEEP_SIZES) * 5
    assert not sweep & grid
    assert not sweep & set(range(bench.WIDE))  # the wide row's seeds
    # The "offload" grid keeps the seeds of the grid before issue 15.
    assert bench._grid_seed("offload", 20, 4, 1) == 20041


def test_sweep_rows_follow_the_schema(sweep_rows: list[dict[str, Any]]) -> None:
    assert len(sweep_rows) == 2 * len(REGIMES) * TINY["factors"]  # an analytic and a Clarabel row per point
    for r in sweep_rows:
        assert tuple(r) == SCHEMA_KEYS
        assert r["problem"] == "fog" and r["status"] in STATUSES
        assert r["extra"]["section"] == "sweep" and r["extra"]["regime"] in REGIMES
        assert r["size"] == {"K": 4, "n_layers": 2}
    analytic = [r for r in sweep_rows if r["method"] == "analytic"]
    cvxpy = [r for r in sweep_rows if r["method"] == "cvxpy"]
    assert {r["solver"] for r in cvxpy} == {"CLARABEL"}
    assert {r["instance"] for r in analytic} == {r["instance"] for r in cvxpy}
    for r in analytic:
        e = r["extra"]
        assert e["single_s"] == r["time_first_s"] > 0 and e["batch_s"] == r["time_resolve_s"] > 0
        assert e["batch_size"] == TINY["factors"]
        assert e["path"] in {"barrier", "barrier-path", "barrier-deep", "nested"}


def test_sweep_budgets_and_answers_are_those_of_the_instances(sweep_rows: list[dict[str, Any]]) -> None:
    """At the tightest budget (1.0001x) each answer matches the nested decomposition of the same instance.

    The decomposition takes about 2 s per point there, so only the tightest point of each regime is checked.
    """
    analytic = [r for r in sweep_rows if r["method"] == "analytic"]
    low = min(r["extra"]["tau_factor"] for r in analytic)
    assert low == pytest.approx(1.0001, rel=1e-15)
    tightest = [r for r in analytic if r["extra"]["tau_factor"] == low]
    assert len(tightest) == len(REGIMES)
    for r in tightest:
        e = r["extra"]
        base = random_params(e["seed"], 4, 2, e["regime"])
        p = base.replace(tau=e["tau_factor"] * minimum_latency(base)[0])
        ref = decomposition.solve(p)
        assert ref.status.value == "optimal"
        if r["status"] == "optimal":
            assert r["objective"] == pytest.approx(ref.objective, rel=FOG_METHODS_AGREE)
        if e["batch_status"] == "optimal":
            assert e["batch_objective"] == pytest.approx(ref.objective, rel=FOG_METHODS_AGREE)


def _row(regime: str, status: str, path: str, single: float, batch_status: str, batch_path: str, **kw: Any) -> dict:
    return {
        "method": "analytic",
        "status": status,
        "duality_gap": kw.get("gap"),
        "rel_gap": kw.get("rel"),
        "time_resolve_s": 0.002,
        "extra": {
            "regime": regime,
            "path": path,
            "single_s": single,
            "batch_s": kw.get("batch_s", 0.002),
            "batch_status": batch_status,
            "batch_path": batch_path,
            "batch_duality_gap": kw.get("batch_gap"),
        },
    }


def _clarabel(seconds: float) -> dict:
    return {"method": "cvxpy", "time_resolve_s": seconds, "rel_gap": 0.5, "extra": {}}


def test_sweep_summary_counts_by_hand() -> None:
    rows = [
        _row("offload", "optimal", "barrier", 0.010, "optimal", "barrier", gap=1e-12, batch_gap=-3e-12, rel=0.0),
        _row("offload", "optimal", "nested", 0.030, "optimal", "barrier-path", gap=2e-10, batch_gap=1e-13, rel=0.0),
        _row("offload", "feasible", "nested", 0.020, "optimal", "nested", gap=5e-6, batch_gap=4e-11, rel=1e-7),
        _row("offload", "failed", "barrier-path", 0.040, "infeasible", "nested", batch_s=0.004),
        _clarabel(0.005),
        _clarabel(float("nan")),  # a re-solve without a point: counted, not timed
        _clarabel(0.007),
        _clarabel(0.009),
    ]
    s = bench.sweep_summary(rows)
    assert s["points"] == 4
    assert s["single"] == {"optimal": 2, "feasible": 1, "failed": 1, "nested": 2, "barrier-path": 1, "barrier-deep": 0}
    assert s["batch"] == {"optimal": 3, "feasible": 0, "failed": 1, "nested": 2, "barrier-path": 1, "barrier-deep": 0}
    assert s["max_duality_gap"] == 2e-10  # the feasible answer's 5e-6 is not an optimal one's
    assert s["single_median_s"] == pytest.approx(0.025) and s["single_max_s"] == 0.040
    assert s["batch_s"] == pytest.approx(0.0025)
    assert s["clarabel_median_s"] == 0.007 and s["clarabel_failed"] == 1
    assert s["max_rel_gap"] == 1e-7


def _tables(report: str) -> list[list[str]]:
    """The Markdown tables of a report, each as its body lines (header and rule left out)."""
    tables, current = [], []
    for line in report.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current[2:])
            current = []
    return tables


def test_both_regimes_appear_in_every_table(grid_rows: list[dict[str, Any]], sweep_rows: list[dict[str, Any]]) -> None:
    report = bench._report(grid_rows + sweep_rows)
    tables = _tables(report)
    assert len(tables) == 3  # the grid, the sweep per size, the sweep per budget
    for body in tables:
        for regime in REGIMES:
            assert any(f"| {regime} |" in line for line in body)
    assert "single median ms" in report and "batch ms per instance" in report
    assert "fallbacks s/b" in report
    assert "Single-call fallbacks by instance (of 3 budgets each): " in report
    for regime in REGIMES:
        assert f"({regime}: no instances of size K=20, n_layers=4 in this run)" in report


def test_grid_rows_carry_single_and_batch_times(grid_rows: list[dict[str, Any]]) -> None:
    analytic = [r for r in grid_rows if r["method"] == "analytic"]
    assert {r["extra"]["regime"] for r in analytic} == set(REGIMES)
    for r in analytic:
        e = r["extra"]
        assert e["section"] == "grid" and e["singles"] == 2
        assert 0 < e["single_s"] <= e["single_max_s"]
        assert e["batch_s"] == r["time_resolve_s"] > 0 and e["batch_size"] == 3
    for r in grid_rows:
        assert tuple(r) == SCHEMA_KEYS


@pytest.mark.slow
def test_quick_run_writes_both_regimes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the benchmark writes benchmarks/results/ under the working directory
    rows, report = bench.run(quick=True)
    assert (tmp_path / "benchmarks/results/fog_quick.md").read_text() == report
    sweep = [r for r in rows if r["extra"].get("section") == "sweep" and r["method"] == "analytic"]
    assert len(sweep) == len(REGIMES) * len(bench.QUICK_SWEEP_SIZES) * 2 * 5
    assert "## Budget sweep (issue 15)" in report
