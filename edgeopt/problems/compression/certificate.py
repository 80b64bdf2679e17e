"""The certificate of problem (10), behind ``L1Logistic.check``: the subgradient optimality residual.

At an optimum of ``mu loss(W, c) + (1 - mu) ||W||_1`` (with ``g = grad_W``
of ``mu loss``): ``g + (1 - mu) sign(W) = 0`` on non-zero weights,
``|g| <= 1 - mu`` on zero ones, and ``grad_c = 0``. The largest violation is
scaled by ``lambda_max = max |grad_W|`` at ``W = 0`` with the best biases
(the log class priors), the L1 weight above which ``W = 0`` is optimal: the
natural size of the gradients.
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.compression.model import L1LogisticParams, gradient


def subgradient_residual(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> tuple[float, int]:
    """The subgradient optimality residual of ``(W, c)`` relative to ``lambda_max``, and the support size.

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    w, c : numpy.ndarray
        Weights (features, classes) and biases (classes,).

    Returns
    -------
    residual : float
        The largest violation of the optimality conditions over ``lambda_max``.
    support : int
        The number of non-zero weights.

    """
    gw, gc = gradient(params, w, c)
    lam = params.l1_weight
    prior = np.log(np.bincount(params.y, minlength=params.n_classes) / params.y.size + 1e-300)
    scale = float(np.abs(gradient(params, np.zeros_like(w), prior)[0]).max())
    nonzero = w != 0
    on_support = np.abs(gw + lam * np.sign(w))[nonzero]
    off_support = np.maximum(np.abs(gw) - lam, 0.0)[~nonzero]
    residual = max(float(on_support.max(initial=0.0)), float(off_support.max(initial=0.0)), float(np.abs(gc).max()))
    return residual / scale, int(nonzero.sum())


def subgradient_report(params: L1LogisticParams, solution: Solution) -> KKTReport:
    """Subgradient optimality residual of ``solution.x["W"]``, ``solution.x["c"]`` relative to ``lambda_max``.

    The residual of a point is zero exactly at the optimum; a conic solver's
    tiny non-zero weights in place of exact zeros show up as a residual of
    about ``(1 - mu) / lambda_max``.

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    solution : Solution
        A solution with ``x["W"]`` and ``x["c"]``.

    Returns
    -------
    KKTReport
        ``stationarity`` the relative residual (:func:`subgradient_residual`);
        ``details["support"]`` the number of non-zero weights; no duality gap
        (``inf``). A solution without a point reports ``inf`` everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    residual, support = subgradient_residual(params, solution.x["W"], solution.x["c"])
    return KKTReport(
        primal_feasibility=0.0,
        dual_feasibility=0.0,
        stationarity=residual,
        complementary_slackness=0.0,
        duality_gap=math.inf,
        details={"support": float(support)},
    )
