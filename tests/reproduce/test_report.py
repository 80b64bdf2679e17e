"""``edgeopt reproduce --quick`` builds one report with every problem's section, figures and tables.

One quick build (every benchmark's quick sizes and every reproduction's quick mode, under 3 min on 2 cores)
serves the tests here; it is the command a new user runs, so it runs in CI rather than a stand-in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edgeopt.problems.registry import PROBLEMS
from edgeopt.reproduce import report as report_module
from edgeopt.reproduce.report import COVERED_BY, build, plan, summarise


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report")
    path = build(out, quick=True, progress=False)
    return out, path.read_text()


def test_every_problem_has_its_section(quick_report: tuple[Path, str]) -> None:
    _, text = quick_report
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    for name in PROBLEMS:
        owner = COVERED_BY.get(name, name)
        assert any(h.startswith(f"{owner}:") or h == owner for h in headings), (name, headings)
        assert f"`{name}`" in text, name
    assert "Wide-range fuzzing (every problem)" in headings


def test_every_figure_and_table_is_written_beside_the_report(quick_report: tuple[Path, str]) -> None:
    out, text = quick_report
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert len(figures) >= 5  # at least one per paper
    for png in figures:
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2_000, png
    for csv_name in re.findall(r"\(`([^`]+\.csv)`\)", text):
        assert (out / csv_name).stat().st_size > 0, csv_name
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(figures)


def test_each_paper_section_has_figures_tables_and_notes(quick_report: tuple[Path, str]) -> None:
    _, text = quick_report
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    for section in plan():
        if section.reproduction is None:
            continue
        body = next(s for s in sections if s.startswith(f"{section.name}:"))
        assert "![" in body, section.name
        assert "### Table:" in body, section.name
        assert "### Known departures and limitations" in body, section.name


def test_header_states_versions_cpu_threads_and_part_times(quick_report: tuple[Path, str]) -> None:
    _, text = quick_report
    for needle in ("| packages |", "numpy ", "cvxpy ", "| CPU |", "| threads |", "NUMBA_NUM_THREADS", "| total |"):
        assert needle in text, needle
    for section in plan():
        for bench in section.benches:
            assert re.search(rf"^\| benchmark {bench} \| ", text, flags=re.MULTILINE), bench


def test_benchmark_csvs_go_to_the_report_directory(quick_report: tuple[Path, str]) -> None:
    out, _ = quick_report
    assert (out / "fog_quick.csv").exists() and (out / "iscc_quick.csv").exists()


def test_summary_counts_statuses_gaps_and_ratios_per_method() -> None:
    rows = [
        {
            "method": "analytic",
            "solver": None,
            "status": "optimal",
            "reference": "best_feasible",
            "rel_gap": 0.0,
            "time_first_s": 1e-3,
            "time_resolve_s": 1e-3,
            "speedup_resolve": None,
            "extra": {},
        },
        {
            "method": "cvxpy",
            "solver": "CLARABEL",
            "status": "optimal",
            "reference": "best_feasible",
            "rel_gap": 2e-9,
            "time_first_s": 0.1,
            "time_resolve_s": 0.03,
            "speedup_resolve": 30.0,
            "extra": {},
        },
        {
            "method": "cvxpy",
            "solver": "CLARABEL",
            "status": "failed",
            "reference": "best_feasible",
            "rel_gap": None,
            "time_first_s": 0.1,
            "time_resolve_s": 0.05,
            "speedup_resolve": 50.0,
            "extra": {},
        },
    ]
    frame = summarise(rows)
    assert list(frame["method"]) == ["analytic", "cvxpy"]
    clarabel = frame.iloc[1]
    assert clarabel["rows"] == 2 and clarabel["statuses"] == "optimal 1, failed 1"
    assert clarabel["max gap"] == "2.00e-09" and clarabel["CVXPY / analytic (median)"] == "40"
    assert frame.iloc[0]["CVXPY / analytic (median)"] == "-"


def test_markdown_table_escapes_pipes() -> None:
    import pandas as pd

    text = report_module._markdown_table(pd.DataFrame({"a": ["x|y"], "b": [0.5]}))
    assert text.splitlines()[2] == "| x\\|y | 0.5 |"
