"""FISTA for problem (10) (method ``"fista"``, the default): accelerated proximal gradient with restart.

The smooth part is ``mu loss(W, c)`` (:func:`~.model.gradient`), the
non-smooth one ``(1 - mu) ||W||_1``, whose prox is soft-thresholding of ``W``
(the biases pass through). The iteration itself is the generic
:func:`edgeopt.solvers.first_order.fista` (Beck and Teboulle 2009, with
O'Donoghue and Candes' function-value restart) on the pair ``(W, c)``, from
``W = 0, c = 0``.

Step ``1 / L`` with ``L = mu ||[X 1]||_2^2 / (2 n)``: the Hessian of
log-sum-exp is at most 1/2 in spectral norm. Every 25 iterations the
subgradient residual of :func:`~.certificate.subgradient_residual` is
evaluated; the loop stops when it is below ``kkt_tol``, or when the objective
has not moved by more than 1e-15 relative for 200 iterations (rounding level).
The answer is ``OPTIMAL`` when the final residual is at most 1e-6, else
``FEASIBLE`` with the residual in ``extras["reason"]``.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.compression.certificate import subgradient_residual
from edgeopt.problems.compression.model import L1LogisticParams, gradient, objective
from edgeopt.solvers.first_order import fista

# The subgradient residual (relative to lambda_max) below which the answer counts as optimal.
OPTIMAL_RESIDUAL = 1e-6

Pair = tuple[np.ndarray, np.ndarray]


def solve_fista(params: L1LogisticParams, *, kkt_tol: float = 2e-7, max_iter: int = 50_000) -> Solution:
    """Method ``"fista"``: problem (10) by accelerated proximal gradient with function-value restart.

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    kkt_tol : float
        Stop when the relative subgradient residual, evaluated every 25
        iterations, is at most this.
    max_iter : int
        Iterations at most (restarts included).

    Returns
    -------
    Solution
        ``x["W"]`` (features, classes), ``x["c"]`` (classes,), the iterations,
        and the final residual in ``extras["kkt_residual"]``.

    Notes
    -----
    Complexity: ``O(n d k)`` per iteration for ``n`` samples, ``d`` features
    and ``k`` classes (one gradient and one objective evaluation).

    """
    n, features = params.x.shape
    augmented = np.hstack([params.x, np.ones((n, 1))])
    lipschitz = params.mu * np.linalg.norm(augmented, 2) ** 2 / (2.0 * n)
    l1 = params.l1_weight

    def value(x: Pair) -> float:
        return objective(params, *x)

    def smooth_gradient(x: Pair) -> Pair:
        return gradient(params, *x)

    def prox(z: Pair, step: float) -> Pair:
        zw, zc = z
        return np.sign(zw) * np.maximum(np.abs(zw) - step * l1, 0.0), zc

    def small_residual(x: Pair) -> bool:
        return subgradient_residual(params, *x)[0] <= kkt_tol

    start = (np.zeros((features, params.n_classes)), np.zeros(params.n_classes))
    result = fista(
        value, smooth_gradient, prox, start, 1.0 / lipschitz, max_iter=max_iter, check=small_residual, check_every=25
    )
    w, c = result.x
    sol = Solution(status=Status.OPTIMAL, objective=result.value, x={"W": w, "c": c}, iterations=result.iterations)
    residual = subgradient_residual(params, w, c)[0]
    sol.extras["kkt_residual"] = residual
    if residual > OPTIMAL_RESIDUAL:
        sol.status = Status.FEASIBLE
        sol.extras["reason"] = f"stopped with subgradient residual {residual:.1e}"
    return sol
