"""Helpers shared by the problems' benchmarks."""

from __future__ import annotations

import csv
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import cvxpy as cp
import numpy as np

from edgeopt.core.problem import Problem
from edgeopt.core.solution import Solution


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """Write benchmark rows as CSV, dict columns flattened as ``size.K``, ``extra.x`` (BENCH_SCHEMA.md)."""
    flat = []
    for r in rows:
        f = {k: v for k, v in r.items() if not isinstance(v, dict)}
        f.update({f"size.{k}": v for k, v in r["size"].items()})
        f.update({f"extra.{k}": v for k, v in r["extra"].items()})
        flat.append(f)
    keys = sorted({k for f in flat for k in f})
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(flat)


def fmt(x: float | None, spec: str = ".2e") -> str:
    """A number for a Markdown table, ``-`` for None or NaN."""
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def environment() -> str:
    """The software and machine line every benchmark report opens with."""
    return (
        f"Python {platform.python_version()}, cvxpy {cp.__version__}, numpy {np.__version__}, "
        f"{platform.processor() or platform.machine()}."
    )


RESULTS = Path("benchmarks/results")
_results: ContextVar[Path] = ContextVar("results", default=RESULTS)


@contextmanager
def results_directory(path: Path) -> Iterator[Path]:
    """Within the block, :func:`save` writes into ``path``, not ``benchmarks/results`` (``edgeopt reproduce --out``)."""
    token = _results.set(Path(path))
    try:
        yield Path(path)
    finally:
        _results.reset(token)


def save(rows: list[dict[str, Any]], report: str, stem: str) -> None:
    """Write ``<stem>.csv`` and ``<stem>.md`` into ``benchmarks/results`` (relative to the working directory).

    Inside :func:`results_directory`, into that directory instead.
    """
    directory = _results.get()
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(rows, directory / f"{stem}.csv")
    (directory / f"{stem}.md").write_text(report)


def timed_solves(
    problem: Problem, method: str, repeats: int, skip_first: bool = False, **options: Any
) -> tuple[Solution, float, float]:
    """Solve ``repeats`` times; returns the last solution, the first time and the median time.

    ``skip_first`` leaves the first (cold) solve out of the median.
    """
    times: list[float] = []
    sol = None
    for _ in range(repeats):
        start = time.perf_counter()
        sol = problem.solve(method, **options)
        times.append(time.perf_counter() - start)
    assert sol is not None
    counted = times[1:] if skip_first and repeats > 1 else times
    return sol, times[0], statistics.median(counted)
