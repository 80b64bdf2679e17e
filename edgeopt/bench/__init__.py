"""The benchmark harness: :func:`compare` and each problem's benchmark (``edgeopt bench PROBLEM``).

``fuzz`` (:mod:`edgeopt.bench.fuzz`) runs the wide-range fuzzing of every
problem. A problem has a benchmark when a module ``edgeopt.bench.<problem name>`` with
a ``run(quick=False) -> (rows, report)`` function exists; :func:`benchmarks`
finds them from ``edgeopt.PROBLEMS``, so nothing here lists problems by hand.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from edgeopt.bench.compare import COLUMNS, compare
from edgeopt.core.errors import UnknownMethodError
from edgeopt.problems.registry import PROBLEMS

__all__ = ["COLUMNS", "benchmark", "benchmarks", "compare"]


def benchmarks() -> list[str]:
    """Names of the problems that have a benchmark module, then ``fuzz`` (every problem's wide-range counts)."""
    names = [name for name in PROBLEMS if importlib.util.find_spec(f"edgeopt.bench.{name}") is not None]
    return [*names, "fuzz"]


def benchmark(name: str) -> Callable[..., tuple[list[dict[str, Any]], str]]:
    """The ``run`` function of a problem's benchmark."""
    available = benchmarks()
    if name not in available:
        raise UnknownMethodError(f"no benchmark for {name!r}; available: {', '.join(available)}")
    run: Callable[..., tuple[list[dict[str, Any]], str]] = importlib.import_module(f"edgeopt.bench.{name}").run
    return run
