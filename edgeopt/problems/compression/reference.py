"""The CVXPY reference for problem (10) (method ``"cvxpy"``): exponential cones, independent of the methods.

CVXPY minimises ``(1 / n) sum_i [log_sum_exp(x_i^T W + c) - (x_i^T w_{y_i} +
c_{y_i})] + ((1 - mu) / mu) ||W||_1``, problem (10) divided by ``mu`` (the
same minimisers; written so that a tiny ``mu`` does not scale the loss to
nothing), with CVXPY atoms (``log_sum_exp``, ``abs``); Clarabel by default,
at its default tolerances.

Repair: a conic solver returns tiny non-zero weights where the optimum has
exact zeros. Weights below ``10^-e`` times the largest, for ``e`` = 12, 11, ...,
5, are set to 0 where that lowers the exact objective; the returned point
is the lowest of these candidates and the solver's own point. The
``objective`` is the exact objective of (10) (:func:`~.model.objective`) at
the returned point; ``extras["solver_objective"]`` is ``mu`` times CVXPY's
``problem.value`` (the backend's reported objective of (10)) and
``extras["solver_status"]`` its status string. An ``optimal`` from the
backend stays ``optimal`` only when the two objectives agree within
:data:`~.certificate.OPTIMALITY_TOL` (or the point's certificate holds);
otherwise ``feasible``, with the gap in ``reason``.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
from tqdm import tqdm

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status
from edgeopt.problems.compression.certificate import OPTIMALITY_TOL, residuals
from edgeopt.problems.compression.model import L1LogisticParams, objective

# Relative magnitudes below which the repair tries zeroing weights (module docstring).
REPAIR_THRESHOLDS = tuple(10.0**-e for e in range(12, 4, -1))


def solve_cvxpy(params: L1LogisticParams, *, solver: str = "CLARABEL", progress: bool = False) -> Solution:
    """Method ``"cvxpy"``: problem (10) by a CVXPY conic solver.

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    solver : str
        A CVXPY solver supporting exponential cones (its default tolerances).
    progress : bool
        Show a tqdm bar of the three stages (build, solve, repair).

    Returns
    -------
    Solution
        ``x["W"]`` (features, classes) and ``x["c"]`` (classes,); ``FAILED``
        with the solver's status when it gives no point.

    """
    if not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name, got {solver!r}")
    progress = validate.boolean("progress", progress)
    with tqdm(total=3, desc=f"cvxpy {solver} (compression)", disable=not progress, leave=False) as bar:
        n, features = params.x.shape
        k = params.n_classes
        w = cp.Variable((max(features, 1), k))  # CVXPY has no empty variables: one dummy row without data
        c = cp.Variable(k)
        x = params.x if features else np.zeros((n, 1))
        scores = x @ w + np.ones((n, 1)) @ cp.reshape(c, (1, k), order="C")
        data_fit = cp.sum(cp.log_sum_exp(scores, axis=1)) - cp.sum(cp.multiply(params.one_hot(), scores))
        model = cp.Problem(cp.Minimize(data_fit / n + (params.l1_weight / params.mu) * cp.sum(cp.abs(w))))
        bar.update(1)
        try:
            model.solve(solver=solver)
        except cp.SolverError as exc:
            return failed(f"{solver}: {exc}", solver_status="solver_error")
        bar.update(1)
        status = from_cvxpy_status(model.status)
        if not status.has_point or w.value is None or c.value is None:
            return failed(f"{solver} returned {model.status}", solver_status=model.status)
        wv, cv = np.asarray(w.value, dtype=float)[:features], np.asarray(c.value, dtype=float)
        reported = float(model.value) if model.value is not None else np.nan
        if not (np.all(np.isfinite(wv)) and np.all(np.isfinite(cv)) and np.isfinite(reported)):
            return failed(f"{solver} returned a non-finite point ({model.status})", solver_status=model.status)
        best_w, best = wv, objective(params, wv, cv)
        peak = float(np.abs(wv).max(initial=0.0))
        thresholded = 0.0
        for rel in REPAIR_THRESHOLDS:
            trial = np.where(np.abs(wv) < rel * peak, 0.0, wv)
            value = objective(params, trial, cv)
            if value < best:
                best_w, best, thresholded = trial, value, rel
        bar.update(1)
    sol = Solution(
        status=status,
        objective=best,
        x={"W": best_w, "c": cv},
        extras={
            "solver_status": model.status,
            "solver_objective": params.mu * reported,
            "repair_threshold": thresholded,
        },
    )
    # The label the result contract would give (L1Logistic.CERTIFICATE_TOL is OPTIMALITY_TOL): optimal only
    # where the repaired point's exact objective matches the backend's, or its certificate holds.
    gap = abs(best - params.mu * reported) / max(abs(best), abs(params.mu * reported), 1e-300)
    if (
        sol.status is Status.OPTIMAL
        and gap > OPTIMALITY_TOL
        and residuals(params, best_w, cv)["certificate"] > OPTIMALITY_TOL
    ):
        sol.status = Status.FEASIBLE
        sol.extras["reason"] = (
            f"{solver} reported optimal; its repaired point's objective is {gap:.2e} (relative) from the reported one"
        )
    return sol
