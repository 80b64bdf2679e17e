"""FISTA for problem (10) (method ``"fista"``): accelerated proximal gradient with restart.

The smooth part is ``mu loss(W, c)``, the non-smooth one ``(1 - mu) ||W||_1``,
whose prox is soft-thresholding of ``W`` (the biases pass through). The
iteration itself is the generic :func:`edgeopt.solvers.first_order.fista`
(Beck and Teboulle 2009, with O'Donoghue and Candes' function-value restart)
on the pair ``(W, c)``, from ``W = 0`` and the optimal biases there (the log
class frequencies).

Step ``1 / L`` with ``L = mu ||[X 1]||_2^2 / (2 n)``: the Hessian of
log-sum-exp is at most 1/2 in spectral norm. Every 25 iterations the
certificate of :mod:`.certificate` is evaluated; the loop stops when it is
below ``kkt_tol``, or when the objective has not moved by more than 1e-15
relative for 200 iterations (rounding level). The answer is ``OPTIMAL``
when the final certificate is at most :data:`~.certificate.OPTIMALITY_TOL`,
else ``FEASIBLE`` with the certificate in ``extras["reason"]``.

This was the default; its rate depends on the conditioning (on the digits
at ``mu = 0.9999``, 17,525 iterations), and :mod:`.newton` replaced it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tqdm import tqdm

from edgeopt.core import validate
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.compression import blas
from edgeopt.problems.compression.certificate import OPTIMALITY_TOL, subgradient_residual
from edgeopt.problems.compression.model import L1LogisticParams, _loss_gradient, _objective
from edgeopt.solvers.first_order import MAX_ITER, STATUS_MESSAGES, fista

Pair = tuple[np.ndarray, np.ndarray]


def solve_fista(
    params: L1LogisticParams, *, kkt_tol: float = 2e-7, max_iter: int = 50_000, progress: bool = False
) -> Solution:
    """Method ``"fista"``: problem (10) by accelerated proximal gradient with function-value restart.

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    kkt_tol : float
        Stop when the certificate, evaluated every 25 iterations, is at most this.
    max_iter : int
        Iterations at most (restarts included).
    progress : bool
        Show a tqdm bar of the iterations (updated every 25).

    Returns
    -------
    Solution
        ``x["W"]`` (features, classes), ``x["c"]`` (classes,), the iterations,
        the final certificate in ``extras["kkt_residual"]`` and why the loop
        stopped in ``extras["stopped"]``.

    Notes
    -----
    Complexity: ``O(n d k)`` per iteration for ``n`` samples, ``d`` features
    and ``k`` classes (one gradient and one objective evaluation).

    """
    kkt_tol = validate.positive_scalar("kkt_tol", kkt_tol)
    max_iter = validate.integer("max_iter", max_iter, minimum=1)
    progress = validate.boolean("progress", progress)
    n, features = params.x.shape
    augmented = np.hstack([params.x, np.ones((n, 1))])
    lipschitz = params.mu * np.linalg.norm(augmented, 2) ** 2 / (2.0 * n)
    l1 = params.l1_weight
    bar = tqdm(total=max_iter, desc="fista (compression)", disable=not progress, leave=False)

    def value(x: Pair) -> float:
        return _objective(params, *x)

    def smooth_gradient(x: Pair) -> Pair:
        gw, gc = _loss_gradient(params, *x)
        return params.mu * gw, params.mu * gc

    def prox(z: Pair, step: float) -> Pair:
        zw, zc = z
        return np.sign(zw) * np.maximum(np.abs(zw) - step * l1, 0.0), zc

    def small_residual(x: Any) -> bool:
        residual = subgradient_residual(params, *x)[0]
        bar.update(25)
        bar.set_postfix(certificate=f"{residual:.1e}")
        return residual <= kkt_tol

    start = (np.zeros((features, params.n_classes)), np.log(params.class_frequencies))
    try:
        with blas.single_thread():
            result = fista(
                value,
                smooth_gradient,
                prox,
                start,
                1.0 / lipschitz,
                max_iter=max_iter,
                check=small_residual,
                check_every=25,
            )
    finally:
        bar.close()
    w, c = result.x
    residual = subgradient_residual(params, w, c)[0]
    sol = Solution(
        status=Status.OPTIMAL,
        objective=result.value,
        x={"W": w, "c": c},
        iterations=result.iterations,
        extras={"kkt_residual": residual, "stopped": STATUS_MESSAGES[int(result.status)]},
    )
    sol.extras["hit_iteration_cap"] = int(result.status) == MAX_ITER
    if not residual <= OPTIMALITY_TOL:
        sol.status = Status.FEASIBLE
        sol.extras["reason"] = f"stopped ({sol.extras['stopped']}) with certificate {residual:.1e}"
    return sol
