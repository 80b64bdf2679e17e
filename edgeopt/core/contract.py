"""The result contract every ``Problem.solve`` and ``solve_batch`` applies before returning.

A method, built in or registered by a user, may return any :class:`Solution`;
the label the user sees is earned by re-checking its point with the
problem's own :meth:`~edgeopt.core.problem.Problem.check`:

1. **Feasibility.** A point labelled ``optimal`` or ``feasible`` whose
   largest relative constraint violation exceeds the problem's
   ``FEASIBILITY_TOL`` becomes ``failed``; the violation is in ``reason``
   and ``extras["max_violation"]``, the rejected label in
   ``extras["rejected_status"]`` and its objective in
   ``extras["rejected_objective"]``. A point the problem's check cannot
   even read (wrong keys or shapes) is rejected the same way.
2. **Optimality.** ``optimal`` needs a certificate: the problem's
   certificate value (its duality gap by default,
   :meth:`~edgeopt.core.problem.Problem.certificate`) at most
   ``CERTIFICATE_TOL``, or, for a backend that reports its own objective
   (CVXPY: ``extras["solver_objective"]``), the exact objective of the
   returned (repaired) point within ``CERTIFICATE_TOL`` of it, relative.
   Otherwise the label becomes ``feasible``, the backend's status is kept
   in ``extras["solver_status"]`` and the reason in ``extras["downgraded"]``.
3. **No crash.** An error a dependency raises inside a method (HiGHS,
   scipy, networkx, numpy) becomes a ``failed`` solution whose ``reason``
   names it and whose ``extras["exception"]`` holds its type
   (:func:`is_dependency_error`: the builtin families ``ArithmeticError``,
   ``ValueError``, ``RuntimeError``, ``LookupError``, ``MemoryError``, and any
   exception class of a dependency package). Everything else propagates:
   edgeopt's own errors, ``TypeError`` and ``AttributeError`` (bugs), and a
   user's own exception classes.

What the check found is in ``extras["contract"]``: the violation, the
certificate value and the time the check took (``check_time_s``, not part
of ``solve_time_s``).

:func:`enforce` re-checks one answer; :func:`enforce_batch`, behind
``Problem.solve_batch``, re-checks a batch through the problem's
``check_batch`` (vectorised where the problem provides it) and labels each
answer by the same rules, with the same result as :func:`enforce` one at a
time; its ``check_time_s`` is the instance's share of the batch's check.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Sequence
from typing import Any, Protocol

from edgeopt.core.errors import EdgeOptError, InvalidParameterError
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status


class CheckedProblem(Protocol):
    """What the contract needs of a problem (``edgeopt.core.problem.Problem`` provides it)."""

    @property
    def FEASIBILITY_TOL(self) -> float: ...  # noqa: D102, N802

    @property
    def CERTIFICATE_TOL(self) -> float: ...  # noqa: D102, N802

    def check(self, solution: Solution) -> KKTReport: ...  # noqa: D102

    def certificate(self, report: KKTReport) -> float: ...  # noqa: D102


class BatchCheckedProblem(Protocol):
    """What :func:`enforce_batch` needs of a problem class (``edgeopt.core.problem.Problem`` provides it)."""

    def __call__(self, params: Any) -> CheckedProblem: ...  # noqa: D102

    def check_batch(self, params: Sequence[Any], solutions: Sequence[Solution]) -> list[KKTReport]: ...  # noqa: D102


# What a dependency raises when an instance is numerically hard: builtin error families numpy, scipy and the
# solver bindings use, and any exception class defined in one of the dependency packages below. Everything
# else (edgeopt's own errors, TypeError, AttributeError, a user's own exception classes) propagates.
DEPENDENCY_ERRORS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    ValueError,
    RuntimeError,
    LookupError,
    MemoryError,
)
DEPENDENCY_PACKAGES = frozenset(
    {
        "numpy",
        "scipy",
        "cvxpy",
        "clarabel",
        "scs",
        "ecos",
        "highspy",
        "osqp",
        "networkx",
        "sklearn",
        "threadpoolctl",
        "ortools",
    }
)


def failed_from_exception(method: str, err: Exception) -> Solution:
    """A ``FAILED`` solution naming the dependency error ``err`` raised inside ``method``."""
    frames = traceback.extract_tb(err.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return Solution(
        status=Status.FAILED,
        objective=math.inf,
        extras={
            "reason": f"method {method!r} raised {type(err).__name__}: {err}{where}",
            "exception": type(err).__name__,
        },
    )


def is_dependency_error(err: BaseException) -> bool:
    """True for an error a dependency raised on a hard instance: it becomes a ``failed`` status.

    edgeopt's own errors are never dependency errors (they reach the user as
    raised); nor are ``TypeError``, ``AttributeError`` or a user's own
    exception classes, which mean the code is wrong.
    """
    if isinstance(err, EdgeOptError):
        return False
    if isinstance(err, DEPENDENCY_ERRORS):
        return True
    return type(err).__module__.split(".")[0] in DEPENDENCY_PACKAGES


def _relative(a: float, b: float) -> float:
    scale = max(abs(a), abs(b), 1e-300)
    return abs(a - b) / scale


def enforce(problem: CheckedProblem, solution: Solution) -> Solution:
    """Re-check ``solution`` against ``problem`` and correct its label (see the module docstring)."""
    if not solution.has_point:
        return solution
    start = time.perf_counter()
    try:
        report = problem.check(solution)
    except InvalidParameterError as err:
        return _reject(solution, f"the returned point does not fit the instance: {err}", math.inf, start)
    return _label(problem, solution, report, start)


def enforce_batch(problem: BatchCheckedProblem, params: Sequence[Any], solutions: Sequence[Solution]) -> list[Solution]:
    """:func:`enforce` on every answer of a batch, with one ``problem.check_batch`` call for all of them.

    Parameters
    ----------
    problem : type
        The problem class; ``problem(p)`` is the instance of parameters ``p``.
    params : sequence
        The instances' parameters.
    solutions : sequence of Solution
        One answer per instance, relabelled in place.

    Returns
    -------
    list of Solution
        ``solutions``, each labelled as :func:`enforce` labels it. Where
        ``check_batch`` finds a point that does not fit its instance
        (``InvalidParameterError``), the batch is re-checked one answer at a
        time, so that each answer gets its own verdict.

    """
    if len(params) != len(solutions):
        raise InvalidParameterError(f"{len(params)} instances but {len(solutions)} solutions")
    todo = [i for i, solution in enumerate(solutions) if solution.has_point]
    if not todo:
        return list(solutions)
    start = time.perf_counter()
    try:
        reports = problem.check_batch([params[i] for i in todo], [solutions[i] for i in todo])
    except InvalidParameterError:
        return [enforce(problem(p), solution) for p, solution in zip(params, solutions, strict=True)]
    share = (time.perf_counter() - start) / len(todo)
    for i, report in zip(todo, reports, strict=True):
        _label(problem(params[i]), solutions[i], report, time.perf_counter() - share)
    return list(solutions)


def _label(problem: CheckedProblem, solution: Solution, report: KKTReport, start: float) -> Solution:
    """Rules 1 and 2 of the module docstring, given the check's ``report``; ``start`` is when the check began."""
    tol = problem.FEASIBILITY_TOL
    violation = report.primal_feasibility
    if not violation <= tol:  # also catches NaN
        worst = max(report.details.items(), key=lambda kv: _finite_or_inf(kv[1]), default=None)
        detail = f" (worst: {worst[0]} = {worst[1]:.3g})" if worst is not None else ""
        reason = f"constraint violation {violation:.3g} above the problem's tolerance {tol:g}{detail}"
        return _reject(solution, reason, violation, start)
    certificate = problem.certificate(report)
    contract: dict[str, Any] = {"max_violation": violation, "certificate": certificate}
    if solution.status is Status.OPTIMAL and not certificate <= problem.CERTIFICATE_TOL:
        solver_objective = solution.extras.get("solver_objective")
        matched = solver_objective is not None and (
            _relative(solution.objective, float(solver_objective)) <= problem.CERTIFICATE_TOL
        )
        if matched:
            contract["certified_by"] = "solver_objective"
        else:
            solution.status = Status.FEASIBLE
            solution.extras.setdefault("solver_status", "optimal")
            why = f"certificate {certificate:.3g} above {problem.CERTIFICATE_TOL:g}"
            if solver_objective is not None:
                gap = _relative(solution.objective, float(solver_objective))
                why += f"; the returned point's objective is {gap:.3g} (relative) from the backend's reported one"
            solution.extras["downgraded"] = f"'optimal' not certified: {why}"
    elif solution.status is Status.OPTIMAL:
        contract["certified_by"] = "certificate"
    contract["check_time_s"] = time.perf_counter() - start
    solution.extras["contract"] = contract
    return solution


def _finite_or_inf(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return -math.inf
    return math.inf if math.isnan(number) else number


def _reject(solution: Solution, reason: str, violation: float, start: float) -> Solution:
    solution.extras["rejected_status"] = solution.status.value
    solution.extras["rejected_objective"] = solution.objective
    solution.extras["max_violation"] = violation
    solution.extras["reason"] = reason
    solution.extras["contract"] = {"max_violation": violation, "check_time_s": time.perf_counter() - start}
    solution.status = Status.FAILED
    solution.objective = math.inf
    return solution
