"""The certificate of problem (10), behind ``L1Logistic.check``: the relative subgradient optimality residual.

With ``g = grad_W loss`` and ``lambda = 1 - mu``, a point ``(W, c)`` is
optimal for ``mu loss(W, c) + lambda ||W||_1`` exactly when

* ``mu g + lambda sign(W) = 0`` on the non-zero weights,
* ``|mu g| <= lambda`` on the zero weights, and
* ``grad_c loss = mean_i softmax(x_i^T W + c) - freq = 0`` (each class's
  predicted mass equals its frequency ``freq``).

The certificate is the largest violation, each relative to the terms it
balances: the weight conditions over ``lambda`` (computed as
``(mu / lambda) g``, which neither overflows for tiny ``mu`` nor divides by a
vanishing gradient scale), the bias conditions over ``freq`` per class.

Why ``lambda``: let ``r`` be the weight residual (absolute) and ``(W*, c*)``
an optimum. Convexity gives ``f - f* <= r ||W - W*||_1 + grad_c . (c - c*)``
and ``lambda ||W||_1 <= f``, ``lambda ||W*||_1 <= f* <= f``, so

.. math:: \\frac{f - f^*}{f} \\le 2\\,\\frac{r}{\\lambda} + O(\\text{bias residual}^2),

the bias term being second order (the loss is smooth in ``c``). A
certificate of :data:`OPTIMALITY_TOL` = 5e-7 thus proves the objective within
1e-6 (relative) of the optimum, the project's stated objective accuracy.
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.compression.model import L1LogisticParams, _loss_gradient

# The certificate (relative subgradient residual) of a point labelled optimal: 2 x 5e-7 bounds the
# relative objective gap by 1e-6 (module docstring). L1Logistic.CERTIFICATE_TOL is this value.
OPTIMALITY_TOL = 5e-7


def residuals(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> dict[str, float]:
    """The relative residuals of the optimality conditions of (10) at ``(W, c)`` (module docstring).

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    w, c : numpy.ndarray
        Weights (features, classes) and biases (classes,).

    Returns
    -------
    dict
        ``weights``: the largest weight-condition violation over ``1 - mu``;
        ``biases``: the largest ``|grad_c loss_k| / freq_k``;
        ``certificate``: the larger of the two; ``support``: the number of
        non-zero weights.

    """
    gw, gc = _loss_gradient(params, w, c)
    ratio = gw * (params.mu / params.l1_weight)  # (mu g) / lambda
    nonzero = w != 0
    on_support = np.abs(ratio + np.sign(w))[nonzero]
    off_support = np.maximum(np.abs(ratio) - 1.0, 0.0)[~nonzero]
    weights = max(float(on_support.max(initial=0.0)), float(off_support.max(initial=0.0)))
    biases = float(np.max(np.abs(gc) / params.class_frequencies))
    return {
        "weights": weights,
        "biases": biases,
        "certificate": max(weights, biases),
        "support": float(np.count_nonzero(nonzero)),
    }


def subgradient_residual(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> tuple[float, int]:
    """The certificate of ``(W, c)`` (:func:`residuals`) and the number of non-zero weights."""
    res = residuals(params, w, c)
    return res["certificate"], int(res["support"])


def subgradient_report(params: L1LogisticParams, solution: Solution) -> KKTReport:
    """The KKT report of ``solution.x["W"]``, ``solution.x["c"]``: the certificate as ``stationarity``.

    The residual of a point is zero exactly at the optimum; a conic
    solver's tiny non-zero weights in place of exact zeros show up as a
    weight residual of about 1 (their sign term is not balanced).

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    solution : Solution
        A solution with ``x["W"]`` and ``x["c"]``.

    Returns
    -------
    KKTReport
        ``stationarity`` the certificate (:func:`residuals`); problem (10)
        has no constraints, so ``primal_feasibility``, ``dual_feasibility``
        and ``complementary_slackness`` are 0; no duality gap (``inf``);
        ``details`` the weight and bias residuals and the support size. A
        solution without a point reports ``inf`` everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    w = np.asarray(solution.x["W"], dtype=float)
    c = np.asarray(solution.x["c"], dtype=float)
    res = residuals(params, w, c)
    return KKTReport(
        primal_feasibility=0.0,
        dual_feasibility=0.0,
        stationarity=res["certificate"],
        complementary_slackness=0.0,
        duality_gap=math.inf,
        details={"weights": res["weights"], "biases": res["biases"], "support": res["support"]},
    )
