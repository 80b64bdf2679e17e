"""The CVXPY reference for problem (10) (method ``"cvxpy"``): exponential cones, independent of FISTA.

``mu / n sum_i [log_sum_exp(x_i^T W + c) - (x_i^T w_{y_i} + c_{y_i})] +
(1 - mu) ||W||_1`` written with CVXPY atoms (``log_sum_exp``, ``abs``);
Clarabel by default, at its default tolerances. The returned objective is
re-evaluated in the model (:func:`~.model.objective`) at the solver's point;
the solver's own value is kept in ``extras["reported_objective"]``.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import from_cvxpy_status
from edgeopt.problems.compression.model import L1LogisticParams, objective


def solve_cvxpy(params: L1LogisticParams, *, solver: str = "CLARABEL") -> Solution:
    """Method ``"cvxpy"``: problem (10) by a CVXPY conic solver.

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    solver : str
        A CVXPY solver supporting exponential cones (its default tolerances).

    Returns
    -------
    Solution
        ``x["W"]`` (features, classes) and ``x["c"]`` (classes,); ``FAILED``
        with the solver's status when it gives no point.

    """
    n, features = params.x.shape
    w = cp.Variable((features, params.n_classes))
    c = cp.Variable(params.n_classes)
    scores = params.x @ w + np.ones((n, 1)) @ cp.reshape(c, (1, params.n_classes), order="C")
    data_fit = cp.sum(cp.log_sum_exp(scores, axis=1)) - cp.sum(cp.multiply(params.one_hot(), scores))
    model = cp.Problem(cp.Minimize(params.mu * data_fit / n + params.l1_weight * cp.sum(cp.abs(w))))
    try:
        model.solve(solver=solver)
    except cp.SolverError as exc:
        return failed(f"{solver}: {exc}", solver_status="solver_error")
    status = from_cvxpy_status(model.status)
    if not status.has_point or w.value is None or c.value is None:
        return failed(f"{solver} returned {model.status}", solver_status=model.status)
    wv, cv = np.asarray(w.value), np.asarray(c.value)
    return Solution(
        status=status,
        objective=objective(params, wv, cv),
        x={"W": wv, "c": cv},
        extras={"solver_status": model.status, "reported_objective": float(model.value)},
    )
