"""``edgeopt reproduce``: every benchmark and every paper reproduction, written as one report with figures.

The report (``DIR/report.md``, with ``DIR/report.html`` holding the same
content and the figures embedded) has one section per paper. A section shows

- the summary of its benchmarks' rows (``shared/BENCH_SCHEMA.md``): per
  benchmark section, method and solver, the statuses, the largest objective
  gap to the row's reference and the median time ratio against each CVXPY
  solver, all measured in this run, then each benchmark's own Markdown report
  (folded);
- the reproduced paper tables beside the paper's numbers and the figures of
  the notebook (``edgeopt.reproduce.<problem>``, whose ``plot_*`` functions
  the notebooks call too);
- the known departures from the paper and the limitations.

A header gives the library and solver versions, the CPU, the thread settings
and the wall time of each part. The benchmarks' CSV tables and the figures are
written beside the report. Nothing is downloaded.

Which problem belongs to which paper's section: a problem named in
:data:`COVERED_BY` appears in the section of the problem it names (the DAG
split and the compression study are part of paper 000's notebook, the offload
fleet of paper 001's); every other problem of ``edgeopt.PROBLEMS`` with a
benchmark or a reproduction module has a section of its own.
"""

from __future__ import annotations

import base64
import html
import importlib
import importlib.metadata
import importlib.util
import inspect
import math
import os
import platform
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib  # the report's figures (extra "bench")
import matplotlib.pyplot as plt
import pandas as pd  # the report's tables (extra "bench")
from tqdm import tqdm

from edgeopt.bench import benchmark, benchmarks
from edgeopt.bench.common import results_directory
from edgeopt.problems.registry import PROBLEMS
from edgeopt.reproduce.common import Reproduction

#: Problems reported inside another problem's section (the paper they belong to).
COVERED_BY = {"dag_split": "cut_selection", "compression": "cut_selection", "offload_fleet": "offload"}
#: The wide-range fuzzing benchmark covers every problem: its own section at the end.
FUZZ = "fuzz"
DEFAULT_OUT = Path("benchmarks/results")
QUICK_OUT = DEFAULT_OUT / "quick"  # --quick never overwrites the full report
#: Packages whose versions the header lists (those installed).
VERSIONED = (
    "edgeopt",
    "numpy",
    "scipy",
    "cvxpy",
    "clarabel",
    "ecos",
    "scs",
    "highspy",
    "numba",
    "networkx",
    "ortools",
    "scikit-learn",
    "pandas",
    "matplotlib",
    "dask",
    "distributed",
    "pyarrow",
)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


@dataclass
class Section:
    """One paper's part of the report."""

    name: str  #: the problem whose section it is
    problems: list[str]  #: that problem and those of COVERED_BY pointing to it
    benches: list[str]
    reproduction: str | None  #: the module name under edgeopt.reproduce, if one exists
    title: str = ""
    bench_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bench_reports: dict[str, str] = field(default_factory=dict)
    result: Reproduction | None = None
    figures: list[tuple[str, str]] = field(default_factory=list)  #: (png file name, caption)


def plan() -> list[Section]:
    """The report's sections, in the order of ``edgeopt.PROBLEMS``, then the fuzzing section."""
    available = set(benchmarks())
    sections: dict[str, Section] = {}
    for name in PROBLEMS:
        owner = COVERED_BY.get(name, name)
        section = sections.setdefault(owner, Section(owner, [], [], None))
        section.problems.append(name)
        if name in available:
            section.benches.append(name)
        if importlib.util.find_spec(f"edgeopt.reproduce.{name}") is not None:
            section.reproduction = name
    fuzz = Section(FUZZ, [], [FUZZ], None, title="Wide-range fuzzing (every problem)")
    return [s for s in sections.values() if s.benches or s.reproduction] + [fuzz]


@contextmanager
def _timed(times: dict[str, float], part: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        times[part] = time.perf_counter() - start


def build(out: Path | None = None, *, quick: bool = False, progress: bool = True) -> Path:
    """Run every benchmark and reproduction and write the report; returns the path of ``report.md``.

    Parameters
    ----------
    out : Path, optional
        The directory of the report, its figures and tables (created);
        ``benchmarks/results`` by default, ``benchmarks/results/quick`` with
        ``quick`` so that a smoke run never overwrites the full report.
    quick : bool
        Every benchmark's ``quick`` sizes and every reproduction's ``quick``
        mode: the same sections, figures and tables on fewer instances.
    progress : bool
        tqdm bars: one over the parts, and the parts' own.

    """
    # Figures are drawn without a display. Switched here, not at import, so that a notebook importing this
    # module keeps its inline backend.
    matplotlib.use("Agg")
    out = Path(out) if out is not None else (QUICK_OUT if quick else DEFAULT_OUT)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stamp = datetime.now(UTC)
    commit = _commit()  # before the benchmarks rewrite their tracked result files
    sections = plan()
    parts = [(s, b) for s in sections for b in s.benches] + [(s, None) for s in sections if s.reproduction]
    times: dict[str, float] = {}
    bar = tqdm(parts, desc="edgeopt reproduce", unit="part", disable=not progress)
    for section, bench in bar:
        if bench is not None:
            bar.set_postfix_str(f"benchmark {bench}")
            with _timed(times, f"benchmark {bench}"), results_directory(out):
                rows, report = _run_benchmark(bench, quick, progress)
            section.bench_rows[bench], section.bench_reports[bench] = rows, report
        else:
            assert section.reproduction is not None
            bar.set_postfix_str(f"reproduction {section.reproduction}")
            with _timed(times, f"reproduction {section.reproduction}"):
                section.result = _run_reproduction(section.reproduction, quick, progress)
            section.title = section.result.title
            for item in section.result.figures:
                png = f"{item.stem}.png"
                item.figure.savefig(out / png, dpi=100, bbox_inches="tight")
                plt.close(item.figure)
                section.figures.append((png, item.caption))
            for table in section.result.tables:
                table.frame.to_csv(out / f"{table.stem}.csv", index=False)
    times["total"] = time.perf_counter() - started
    text = render(sections, times, quick, stamp, commit)
    path = out / "report.md"
    path.write_text(text)
    (out / "report.html").write_text(_html(text, out))
    return path


def _run_benchmark(name: str, quick: bool, progress: bool) -> tuple[list[dict[str, Any]], str]:
    runner = benchmark(name)
    options = {"progress": progress} if "progress" in inspect.signature(runner).parameters else {}
    return runner(quick=quick, **options)


def _run_reproduction(name: str, quick: bool, progress: bool) -> Reproduction:
    reproduce: Callable[..., Reproduction] = importlib.import_module(f"edgeopt.reproduce.{name}").reproduce
    result = reproduce(quick=quick, progress=progress)
    if not isinstance(result, Reproduction):
        raise TypeError(f"edgeopt.reproduce.{name}.reproduce returned {type(result).__name__}, not a Reproduction")
    return result


# ---------------------------------------------------------------------------------------------------------- rendering


def render(sections: list[Section], times: dict[str, float], quick: bool, stamp: datetime, commit: str) -> str:
    """The report's Markdown."""
    lines = [
        "# edgeopt: benchmarks and paper reproductions",
        "",
        f"Generated by `edgeopt reproduce{' --quick' if quick else ''}` on {stamp:%Y-%m-%d %H:%M} UTC "
        f"in {_duration(times['total'])}"
        + (" (quick mode: every benchmark's small sizes and fewer points per figure)." if quick else "."),
        "",
        *header(times, commit),
        "",
        "## Contents",
        "",
    ]
    for s in sections:
        lines.append(f"- [{_heading(s)}](#{_anchor(_heading(s))})")
    for s in sections:
        lines += ["", f"## {_heading(s)}", ""]
        if s.problems:
            lines.append("Problems: " + ", ".join(f"`{p}`" for p in s.problems) + ".")
            lines.append("")
        for bench in s.benches:
            lines += _bench_lines(bench, s.bench_rows[bench], s.bench_reports[bench])
        if s.result is not None:
            for table in s.result.tables:
                lines += [
                    f"### Table: {table.caption}",
                    "",
                    _markdown_table(table.frame),
                    "",
                    f"(`{table.stem}.csv`)",
                    "",
                ]
            for png, caption in s.figures:
                lines += [f"![{caption}]({png})", "", f"*{caption}*", ""]
            if s.result.notes:
                lines += ["### Known departures and limitations", ""]
                lines += [f"- {note}" for note in s.result.notes]
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _heading(s: Section) -> str:
    if s.title:
        return f"{s.name}: {s.title}" if s.name != FUZZ else s.title
    return s.name


def _anchor(heading: str) -> str:
    # GitHub's rule: lower case, punctuation dropped, spaces to hyphens.
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def header(times: dict[str, float], commit: str) -> list[str]:
    """Versions, CPU, thread settings and the wall time of each part."""
    versions = []
    for package in VERSIONED:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    threads = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in THREAD_VARIABLES)
    lines = [
        "| | |",
        "|---|---|",
        f"| edgeopt commit | {commit} |",
        f"| Python | {platform.python_version()} ({platform.python_implementation()}) |",
        f"| packages | {', '.join(versions)} |",
        f"| CPU | {_cpu()} |",
        f"| threads | {threads}; numba {_numba_threads()}; BLAS {_blas_threads()} |",
        f"| load average at the end | {_load()} |",
        "",
        "| part | wall time |",
        "|---|---|",
    ]
    lines += [f"| {part} | {_duration(seconds)} |" for part, seconds in times.items()]
    return lines


def _bench_lines(name: str, rows: list[dict[str, Any]], report: str) -> list[str]:
    """The summary of one benchmark's rows, then its own report, folded."""
    lines = [f"### Benchmark `edgeopt bench {name}`: summary of its {len(rows)} rows", ""]
    summary = summarise(rows)
    if len(summary):
        lines += [_markdown_table(summary), ""]
        lines.append(
            "*max gap*: largest signed objective gap `rel_gap` to the row's `reference`; *CVXPY / analytic*: the "
            "median of `speedup_resolve` (a CVXPY re-solve's time over the analytic method's on the same instance, "
            "same run), `-` where the benchmark does not pair them. Rows of different sections measure different "
            "things; the benchmark's own report below says what each holds on."
        )
        lines.append("")
    # Its headings sit two levels down, under this section's, so that the report's outline stays the papers'.
    nested = re.sub(r"^(#{1,4}) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", report.strip(), flags=re.MULTILINE)
    lines += ["<details><summary>The benchmark's own report</summary>", "", nested, "", "</details>", ""]
    return lines


def summarise(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Per (section, method, solver): row count, statuses, largest gap, median times and time ratios."""
    if not rows:
        return pd.DataFrame()
    records = []
    for r in rows:
        extra = r.get("extra") or {}
        records.append(
            {
                "section": str(extra.get("section") or "-"),
                "method": r.get("method"),
                "solver": r.get("solver") or "-",
                "status": r.get("status"),
                "reference": r.get("reference"),
                "rel_gap": _number(r.get("rel_gap")),
                "time_first_s": _number(r.get("time_first_s")),
                "time_resolve_s": _number(r.get("time_resolve_s")),
                "speedup": _number(r.get("speedup_resolve")),
            }
        )
    frame = pd.DataFrame.from_records(records)
    out = []
    for (section, method, solver), group in frame.groupby(["section", "method", "solver"], sort=False, dropna=False):
        statuses = group["status"].value_counts()
        out.append(
            {
                "section": section,
                "method": method,
                "solver": solver,
                "rows": len(group),
                "statuses": ", ".join(f"{k} {v}" for k, v in statuses.items()),
                "reference": ", ".join(sorted({str(x) for x in group["reference"].dropna()})) or "-",
                "max gap": _fmt(group["rel_gap"].max()),
                "median first solve (s)": _fmt(group["time_first_s"].median()),
                "median re-solve (s)": _fmt(group["time_resolve_s"].median()),
                "CVXPY / analytic (median)": _fmt(group["speedup"].median(), ".3g"),
            }
        )
    return pd.DataFrame.from_records(out)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _fmt(value: float, spec: str = ".2e") -> str:
    return "-" if value is None or not math.isfinite(float(value)) else format(float(value), spec)


def _markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a GitHub Markdown table (no tabulate dependency); floats in 4 significant digits."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "-" if not math.isfinite(value) else format(value, ".4g")
        return str(value).replace("|", "\\|").replace("\n", " ")

    columns = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)} min {rest:.0f} s" if minutes else f"{rest:.1f} s"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    return (done.stdout.strip() or "unknown") + (" (with local changes)" if dirty.stdout.strip() else "")


def _cpu() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}; {usable} usable cores of {os.cpu_count()}"


def _numba_threads() -> str:
    try:
        import numba  # the fog kernel's thread count (a runtime dependency)
    except ImportError:
        return "not installed"
    return f"{numba.config.NUMBA_NUM_THREADS} threads"  # type: ignore[attr-defined]


def _blas_threads() -> str:
    from threadpoolctl import threadpool_info  # a runtime dependency

    pools = {f"{p.get('internal_api')} {p.get('num_threads')}" for p in threadpool_info()}
    return ", ".join(sorted(pools)) or "none loaded"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _html(markdown: str, out: Path) -> str:
    """A static page with the report's content; figures embedded as base64 PNG, tables as HTML tables."""
    body: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            body.append(_html_table(block))
            continue
        image = re.fullmatch(r"!\[(.*)\]\((.+\.png)\)", line)
        if image:
            data = base64.b64encode((out / image.group(2)).read_bytes()).decode()
            body.append(f'<p><img alt="{html.escape(image.group(1))}" src="data:image/png;base64,{data}"></p>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            text = line[level:].strip()
            body.append(f'<h{level} id="{_anchor(text)}">{_inline(text)}</h{level}>')
        elif line.startswith("<details>") or line.startswith("</details>"):
            body.append(line)
        elif line.startswith("- "):
            body.append(f"<ul><li>{_inline(line[2:])}</li></ul>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
        i += 1
    style = (
        "body{font-family:sans-serif;max-width:80em;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}"
    )
    head = f"<!doctype html><html><head><meta charset='utf-8'><title>edgeopt</title><style>{style}</style></head>"
    return head + "<body>\n" + "\n".join(body) + "\n</body></html>\n"


def _html_table(block: list[str]) -> str:
    rows = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]] for line in block]
    rows = [r for r in rows if not all(set(c) <= {"-", ":"} for c in r)]
    if not rows:
        return ""
    head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline(text: str) -> str:
    text = html.escape(text.replace("\\|", "|"))
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", text)
    return re.sub(r"\[([^\]]+)\]\(#([^)]+)\)", r'<a href="#\2">\1</a>', text)


__all__ = ["COVERED_BY", "Section", "build", "header", "plan", "render", "summarise"]
