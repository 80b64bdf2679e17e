"""Helpers shared by the problems' benchmarks."""

from __future__ import annotations

import csv
import platform
from pathlib import Path
from typing import Any

import cvxpy as cp
import numpy as np


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
