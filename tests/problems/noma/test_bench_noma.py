"""The NOMA benchmark (``edgeopt bench noma``, :mod:`edgeopt.bench.noma`): rows in the shared schema, the report.

One quick run (about 20 s on 2 cores) serves every fast test here. The expected keys are those of
``shared/BENCH_SCHEMA.md`` (``edgeopt.bench.compare.COLUMNS``, checked against the file by
``tests/test_bench_schema.py``); every ``rel_gap`` is recomputed from the objectives of the rows it names as
its reference.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from edgeopt.bench.compare import COLUMNS
from edgeopt.bench.noma import run
from edgeopt.problems.noma.problem import NomaProblem

# The columns of shared/BENCH_SCHEMA.md, in its order (one list for every benchmark test).
SCHEMA_KEYS = tuple(COLUMNS)
STATUSES = {"optimal", "feasible", "infeasible", "failed"}
SECTIONS = {"exhaustive", "oma", "iterations", "paper_scale", "per_user", "baselines"}
HEADINGS = (
    "## 1. Li-GD against exhaustive search",
    "## 2. OMA",
    "## 3. Li-GD against GD",
    "## 4. Paper scale",
    "## 5. A split per user",
    "## 6. Baselines",
)


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], str, Path]:
    where = tmp_path_factory.mktemp("noma_bench")
    patch = pytest.MonkeyPatch()
    patch.chdir(where)  # the benchmark writes benchmarks/results/ under the working directory
    try:
        rows, report = run(quick=True, progress=False)
    finally:
        patch.undo()
    return rows, report, where


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def test_rows_follow_the_schema(quick: tuple[list[dict[str, Any]], str, Path]) -> None:
    rows, _, _ = quick
    assert rows
    methods = set(NomaProblem.method_names())
    for r in rows:
        assert tuple(r) == SCHEMA_KEYS, r["instance"]
        assert r["problem"] == "noma"
        assert isinstance(r["instance"], str) and r["instance"]
        assert set(r["size"]) == {"U", "N", "M", "F"} and all(isinstance(v, int) for v in r["size"].values())
        assert r["method"] in methods, r["method"]
        assert r["solver"] == ("CLARABEL" if r["method"] == "cvxpy" else None)
        assert r["status"] in STATUSES
        assert (r["objective"] is None) == (r["status"] in ("infeasible", "failed"))
        for key in ("objective", "rel_gap", "max_violation", "duality_gap", "speedup_resolve", "throughput"):
            assert r[key] is None or _number(r[key]), (key, r[key])
        assert _number(r["time_first_s"]) and r["time_first_s"] >= 0.0
        assert _number(r["time_resolve_s"]) and r["time_resolve_s"] >= 0.0
        assert (r["speedup_resolve"] is not None) == (r["method"] == "cvxpy")
        assert isinstance(r["reference"], str)
        assert r["extra"]["section"] in SECTIONS
        if r["max_violation"] is not None:
            assert r["max_violation"] <= 1e-8, (r["instance"], r["method"])
    json.dumps(rows, allow_nan=False)  # what `edgeopt bench noma --json` prints: plain, finite JSON
    assert {r["extra"]["section"] for r in rows} == SECTIONS


def test_rel_gaps_match_their_reference_rows(quick: tuple[list[dict[str, Any]], str, Path]) -> None:
    rows, _, _ = quick
    checked = 0
    for r in rows:
        if r["rel_gap"] is None:
            continue
        refs = [q for q in rows if q["instance"] == r["instance"] and q["method"] == r["reference"]]
        assert len(refs) == 1, (r["instance"], r["method"], r["reference"])
        ref = refs[0]["objective"]
        assert r["rel_gap"] == pytest.approx((r["objective"] - ref) / abs(ref), rel=1e-12, abs=1e-15)
        checked += 1
    assert checked > len(rows) // 2


def test_quick_run_sizes_and_measurements(quick: tuple[list[dict[str, Any]], str, Path]) -> None:
    rows, _, _ = quick

    def section(name: str, method: str) -> list[dict[str, Any]]:
        return [r for r in rows if r["extra"]["section"] == name and r["method"] == method]

    assert len(section("exhaustive", "li_gd")) == len(section("exhaustive", "exhaustive")) == 20
    assert len(section("oma", "analytic")) == len(section("oma", "cvxpy")) == len(section("oma", "li_gd")) == 10
    assert len(section("iterations", "li_gd")) == len(section("iterations", "gd")) == 6
    for r in section("iterations", "li_gd") + section("iterations", "gd"):
        e = r["extra"]
        assert e["loop_iterations"] == sum(e["iterations_per_split"])
        assert e["loop_iterations"] + e["reopt_iterations"] == e["iterations"]
    for r in section("oma", "cvxpy"):
        analytic = next(q for q in section("oma", "analytic") if q["instance"] == r["instance"])
        assert r["speedup_resolve"] == pytest.approx(r["time_resolve_s"] / analytic["time_resolve_s"])
    (paper,) = section("paper_scale", "li_gd")
    assert paper["instance"] == "yuan2023-paper-scale-reduced"
    assert paper["size"] == {"U": 250, "N": 5, "M": 50, "F": paper["size"]["F"]}
    assert paper["extra"]["tracemalloc_peak_mb"] > 0.0
    assert paper["extra"]["ru_maxrss_after_mb"] >= paper["extra"]["ru_maxrss_before_mb"] > 0.0
    networks = {"yuan2023-networks-vgg16", "yuan2023-networks-nin", "yuan2023-networks-tiny-yolov2"}
    assert {r["instance"] for r in rows if r["extra"]["section"] == "baselines"} == networks
    for r in rows:
        e = r["extra"]
        if "speedup_vs_device_only" in e:
            base = next(q for q in rows if q["instance"] == r["instance"] and q["method"] == "device_only")
            assert e["speedup_vs_device_only"] == pytest.approx(base["extra"]["T_total"] / e["T_total"])
            assert e["energy_ratio_vs_device_only"] == pytest.approx(base["extra"]["E_total"] / e["E_total"])


def test_report_names_every_section_and_is_saved(quick: tuple[list[dict[str, Any]], str, Path]) -> None:
    rows, report, where = quick
    for heading in HEADINGS:
        assert heading in report, heading
    for phrase in ("seeds 0..19", "seeds 0..9", "worst", "median", "tracemalloc", "ru_maxrss", "3.1-8x", "0.85-0.97"):
        assert phrase in report, phrase
    results = where / "benchmarks" / "results"
    assert (results / "noma_quick.md").read_text() == report
    header = (results / "noma_quick.csv").read_text().splitlines()[0].split(",")
    assert {"problem", "instance", "method", "rel_gap", "size.U", "extra.section"} <= set(header)


def test_no_method_fails_in_the_quick_run(quick: tuple[list[dict[str, Any]], str, Path]) -> None:
    rows, _, _ = quick
    failures = [(r["method"], r["instance"], r["extra"]["reason"]) for r in rows if r["status"] == "failed"]
    assert not failures


@pytest.mark.slow
def test_cli_json_is_one_clean_array(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edgeopt.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["bench", "noma", "--json", "--quick", "--no-progress"]) == 0
    rows = json.loads(capfd.readouterr().out)
    assert rows and all(tuple(r) == SCHEMA_KEYS for r in rows)
