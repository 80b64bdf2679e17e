"""``compare``: any problem's methods, built-in or a user's own, side by side in the schema's rows.

The rows follow ``shared/BENCH_SCHEMA.md`` (the same keys as ``edgeopt bench
PROBLEM --json``), so a method a user registers with
:func:`edgeopt.register_method` is measured exactly as the built-in ones are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from edgeopt.bench.common import timed_solves
from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import Problem
from edgeopt.core.solution import Solution

MethodSpec = str | tuple[str, str]

COLUMNS = [
    "problem",
    "instance",
    "size",
    "method",
    "solver",
    "status",
    "solver_status",
    "objective",
    "reference",
    "rel_gap",
    "max_violation",
    "duality_gap",
    "time_first_s",
    "time_resolve_s",
    "speedup_resolve",
    "throughput",
    "extra",
]


def compare(
    problem: Problem,
    methods: Sequence[MethodSpec] | None = None,
    *,
    repeats: int = 3,
    reference: str = "best_feasible",
    instance: str | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> Any:
    """Solve ``problem`` with each method and return one schema row per method.

    Parameters
    ----------
    problem : Problem
        Any edgeopt problem instance.
    methods : sequence of str or (str, str), optional
        Method names, or ``(method, solver)`` pairs such as ``("cvxpy", "ECOS")``;
        by default every registered method of the problem.
    repeats : int
        Solves per method; ``time_first_s`` is the first, ``time_resolve_s`` the
        median of all of them.
    reference : str
        What ``rel_gap`` compares with: ``"best_feasible"`` (the lowest
        objective of any row with a point) or a method name among ``methods``.
    instance : str, optional
        The rows' instance name; by default the scenario name, else ``"custom"``.
    options : dict of str to dict, optional
        Extra options per method name, passed to ``solve``.

    Returns
    -------
    pandas.DataFrame
        The rows of ``shared/BENCH_SCHEMA.md``, one per method, in that column order.

    """
    # Optional backend: pandas comes with the "bench" extra, not with the solver API.
    import pandas as pd

    if not isinstance(problem, Problem):
        raise InvalidParameterError(f"problem must be an edgeopt Problem instance, got {type(problem).__name__}")
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise InvalidParameterError(f"repeats must be an integer >= 1, got {repeats!r}")
    specs: list[tuple[str, str | None]] = []
    for spec in problem.methods if methods is None else methods:
        if isinstance(spec, str):
            specs.append((spec, None))
        elif isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(s, str) for s in spec):
            specs.append((spec[0], spec[1]))
        else:
            raise InvalidParameterError(f"methods entries must be a name or a (method, solver) pair, got {spec!r}")
    names = [name for name, _ in specs]
    if reference != "best_feasible" and reference not in names:
        raise InvalidParameterError(
            f"reference must be 'best_feasible' or one of the methods {names}, got {reference!r}"
        )
    extra_options = options or {}
    label = instance or getattr(problem, "scenario", None) or "custom"
    rows = []
    for name, solver in specs:
        kwargs = dict(extra_options.get(name, {}))
        if solver is not None:
            kwargs["solver"] = solver
        solution, first, median = timed_solves(problem, name, repeats, **kwargs)
        rows.append(_row(problem, label, name, solver, solution, first, median))
    _fill_gaps(rows, reference)
    _fill_speedups(rows, problem.DEFAULT_METHOD)
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(
    problem: Problem, instance: str, method: str, solver: str | None, sol: Solution, first: float, median: float
) -> dict[str, Any]:
    violation = sol.extras.get("max_violation")
    if violation is None and sol.has_point:
        violation = problem.check(sol).primal_feasibility
    gap = sol.extras.get("duality_gap")
    return {
        "problem": problem.NAME,
        "instance": instance,
        "size": problem.size,
        "method": method,
        "solver": solver,
        "status": sol.status.value,
        "solver_status": sol.extras.get("solver_status"),
        "objective": sol.objective if sol.has_point else None,
        "reference": None,
        "rel_gap": None,
        "max_violation": None if violation is None else float(violation),
        "duality_gap": None if gap is None else float(gap),
        "time_first_s": first,
        "time_resolve_s": median,
        "speedup_resolve": None,
        "throughput": None,
        "extra": {"iterations": sol.iterations, **({"reason": sol.reason} if sol.reason else {})},
    }


def _fill_gaps(rows: list[dict[str, Any]], reference: str) -> None:
    if reference == "best_feasible":
        values = [r["objective"] for r in rows if r["objective"] is not None]
        target = min(values) if values else None
    else:
        target = next(r["objective"] for r in rows if r["method"] == reference)
    for r in rows:
        r["reference"] = reference
        if target is not None and r["objective"] is not None and math.isfinite(target):
            r["rel_gap"] = (r["objective"] - target) / max(abs(target), 1e-300)


def _fill_speedups(rows: list[dict[str, Any]], default: str) -> None:
    """On ``cvxpy`` rows, the re-solve time over the default method's, as the schema defines it."""
    base = next((r["time_resolve_s"] for r in rows if r["method"] == default and r["solver"] is None), None)
    if not base:
        return
    for r in rows:
        if r["method"] == "cvxpy":
            r["speedup_resolve"] = r["time_resolve_s"] / base
