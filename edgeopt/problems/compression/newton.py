"""Proximal Newton for problem (10) (method ``"newton"``, the default): exact quadratic models, line search.

Problem (10) divided by ``mu`` is ``F = loss(W, c) + lam ||W||_1`` with
``lam = (1 - mu) / mu`` (same minimisers; the objective is ``mu F``). Each
iteration (Lee, Sun and Saunders, "Proximal Newton-type methods for
minimizing composite functions", SIAM J. Optim. 24, 2014; the glmnet /
newGLMNET scheme for L1 logistic regression):

1. At ``theta = (W, c)`` take the gradient ``G`` and the Hessian ``H`` of the
   loss on the *free set*: the non-zero weights, the zero ones whose
   gradient reaches the threshold (``|G| >= lam``: the only zeros that can
   move), and every bias. On the multinomial loss,
   ``H[(j,a),(l,b)] = (1/n) sum_i x_ij x_il p_ia (delta_ab - p_ib)``.
2. Solve the quadratic model ``G.d + d.H.d / 2 + lam ||W + d||_1`` over the
   free set *exactly*, by feature-sign search (Lee, Battle, Raina and Ng,
   "Efficient sparse coding algorithms", NIPS 2006; :func:`feature_sign_qp`):
   guess the signs, solve the linear system of the smooth model on that
   orthant, move to the best sign change on the segment (the objective is
   convex along it) or to the projected minimiser, repeat; add the zeros
   that violate their optimality condition when the signs are consistent.
   It ends at the model's exact minimiser (finitely many sign patterns,
   strict descent each step). When many zeros enter at once (the first
   iterations), 200 FISTA steps on the model first supply the sign guesses.
3. Backtrack (Armijo, factor 1/2) on ``F`` along ``d`` from the unit step.
   The change of ``F`` is computed as a difference (``log1p`` / ``expm1`` of
   the score changes), not as ``F(new) - F(old)``: near the optimum the
   decrease is far below the rounding of ``F`` itself.

The loop stops when the certificate of :mod:`.certificate` (computed in the
scaled coordinates below, identical in exact arithmetic) is at most ``tol``,
or when no step decreases ``F`` (rounding level). The exact models make the
convergence quadratic once the signs settle (on the digits: 7 iterations).

Scaling: the columns of ``x`` are centred and divided by their root mean
square before the loop. Centring is exact (the unpenalised biases absorb the
means: ``c = c~ - mean^T W``), and scaling column ``j`` by ``s_j`` turns its
L1 weight into ``lam / s_j``, so the iteration solves the same problem with
per-weight thresholds, far better conditioned when the feature scales span
decades. Constant columns (and all-zero ones) drop out: their optimal
weights are 0, the biases do their work.

The Hessian has exact null directions: all biases shifted together (given
the curvature of the largest diagonal entry) and one feature's weights
shifted together over the classes (a ridge of 1e-8 of it: the L1 term is
piecewise linear along them, and the search jumps to its kinks). Neither
changes the fixed point (any positive definite model has the same fixed
points, the optima of ``F``).

The loop runs with one BLAS thread (:mod:`.blas`): its matrices are small.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sla
from tqdm import tqdm

from edgeopt.core import validate
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.compression import blas
from edgeopt.problems.compression.certificate import OPTIMALITY_TOL, residuals
from edgeopt.problems.compression.model import L1LogisticParams, _objective

# Ridge on the quadratic model, relative to its largest diagonal entry (module docstring).
RIDGE = 1e-8
# FISTA iterations on a quadratic model before its feature-sign search, when more than WARM_ENTERING
# zero weights are free (below that the search's block additions are cheap).
WARM_ITERATIONS = 200
WARM_ENTERING = 16
# Armijo sufficient-decrease fraction of the line search and its smallest step.
ARMIJO = 1e-4
MIN_STEP = 1e-12
# Newton iterations in the original coordinates after a scaled run that ended above OPTIMALITY_TOL.
POLISH_ITERATIONS = 10
# A free weight is one that is non-zero or whose |gradient| is at least this fraction of its threshold.
FREE_MARGIN = 1.0 - 1e-9


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _hessian(a: np.ndarray, p: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Hessian of the mean multinomial loss on the variables ``(rows[i], cols[i])`` of ``theta`` (D, k).

    ``a`` (n, D) is the design with the bias column, ``p`` (n, k) the class
    probabilities. ``H = blockdiag_a (A_a^T diag(p_a) A_a) - B^T B`` with
    ``B[:, i] = a[:, rows[i]] * p[:, cols[i]]``, divided by ``n``.
    """
    b = a[:, rows] * p[:, cols]
    h = -(b.T @ b)
    for cls in np.unique(cols):
        block = np.flatnonzero(cols == cls)
        h[np.ix_(block, block)] += b[:, block].T @ a[:, rows[block]]
    return np.asarray(h / a.shape[0])


def _change(h: np.ndarray, grad: np.ndarray, lam: np.ndarray, u: np.ndarray, new: np.ndarray) -> tuple[float, float]:
    """``q(new) - q(u)`` (``grad`` the smooth gradient at ``u``), and the size of its terms (for rounding).

    Computed from the difference ``new - u``, not as a difference of two values of ``q``, so that a
    change far below the rounding of ``q`` itself is still resolved.
    """
    step = new - u
    curvature = 0.5 * float(step @ (h @ step))
    linear = float(grad @ step)
    l1 = float(lam @ (np.abs(new) - np.abs(u)))
    return linear + curvature + l1, abs(linear) + curvature + float(lam @ np.abs(step))


def _improves(change: tuple[float, float]) -> bool:
    """A change counted as a decrease: negative by more than rounding of its terms."""
    return change[0] < -8e-16 * change[1]


def _solve_spd(system: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``system^-1 rhs`` by Cholesky with one step of iterative refinement (least squares if not PD).

    The ridge directions make ``system`` ill conditioned (condition ~1 / RIDGE); the refinement
    step recovers the digits the factorisation loses there.
    """
    try:
        factor = sla.cho_factor(system, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return np.asarray(np.linalg.lstsq(system, rhs, rcond=None)[0])
    solution = sla.cho_solve(factor, rhs, check_finite=False)
    return np.asarray(solution + sla.cho_solve(factor, rhs - system @ solution, check_finite=False))


def _fista_qp(h: np.ndarray, b: np.ndarray, lam: np.ndarray, u0: np.ndarray, iterations: int) -> np.ndarray:
    """``iterations`` FISTA steps on ``q`` from ``u0`` (gradient restart), to guess the signs for the search.

    The step is ``1 / L`` with ``L`` the largest eigenvalue of ``H`` (LAPACK's ``syevr``, that one only:
    a power-iteration estimate can fall short of it, and a step above ``2 / L`` diverges).
    """
    top = float(sla.eigh(h, eigvals_only=True, subset_by_index=[b.size - 1, b.size - 1], check_finite=False)[0])
    if not top > 0:
        return u0
    step = 1.0 / top
    u, z, t = u0.copy(), u0.copy(), 1.0
    for _ in range(iterations):
        grad = h @ z + b
        moved = z - step * grad
        new = np.sign(moved) * np.maximum(np.abs(moved) - step * lam, 0.0)
        if grad @ (new - u) > 0:  # gradient restart (O'Donoghue and Candes 2015)
            z, t = u.copy(), 1.0
            continue
        t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        z = new + ((t - 1.0) / t_new) * (new - u)
        u, t = new, t_new
    return u


def feature_sign_qp(
    h: np.ndarray, b: np.ndarray, lam: np.ndarray, u0: np.ndarray, max_steps: int, warm_iterations: int = 200
) -> tuple[np.ndarray, int, bool]:
    """Minimise ``q(u) = b.u + u.H.u / 2 + sum_j lam_j |u_j|`` exactly by feature-sign search.

    Parameters
    ----------
    h : numpy.ndarray (m, m)
        Positive definite.
    b : numpy.ndarray (m,)
        Linear term.
    lam : numpy.ndarray (m,)
        L1 weights, >= 0 (0: the coordinate is unpenalised and always active).
    u0 : numpy.ndarray (m,)
        Start.
    max_steps : int
        Linear solves at most.
    warm_iterations : int
        FISTA iterations on ``q`` first (:func:`_fista_qp`); the search starts
        from their point when it is lower than ``u0``.

    Returns
    -------
    u : numpy.ndarray
        The minimiser (the best point reached when the step budget ran out).
    steps : int
        Linear solves done.
    exact : bool
        True when the optimality conditions of ``q`` hold at ``u`` (to rounding).

    Notes
    -----
    Lee, Battle, Raina and Ng (NIPS 2006), generalised to a weighted L1 term
    and unpenalised coordinates: solve the smooth model of the current
    orthant, move to the lowest point of the segment towards its minimiser
    (a sign change or the end; ``q`` is convex along it) or to the projected
    minimiser (wrong signs set to 0: Bertsekas' projected Newton step) if
    that is lower; when the orthant is solved, add the zeros that violate
    ``|grad| <= lam``. Violators are added in a block, halved while it fails
    to decrease ``q`` (a wrong sign guess), down to the single worst one,
    which always decreases ``q``; the block doubles again after a success.
    Every step decreases ``q``, so no sign pattern repeats. Each step costs
    one Cholesky solve on the active set, ``O(m^3)``.

    """
    m = b.size
    penalised = lam > 0
    u = u0.copy()
    if warm_iterations:
        warm = _fista_qp(h, b, lam, u0, warm_iterations)
        if _improves(_change(h, h @ u0 + b, lam, u0, warm)):
            u = warm
    solved = False  # the smooth model of the current orthant is minimised at u
    block = m  # violators added at once
    steps = 0
    while steps < max_steps:
        grad = h @ u + b
        active = (u != 0) | ~penalised
        theta = np.sign(u)
        if not solved:
            residual = np.abs(grad + lam * theta)[active]
            solved = bool(residual.max(initial=0.0) <= 1e-13 * (np.abs(grad).max(initial=0.0) + lam.max()))
        adding = 0
        if solved:
            excess = np.where(~active, np.abs(grad) - lam, -np.inf)
            violating = np.flatnonzero(excess > 0)
            if violating.size == 0:
                return u, steps, True
            if violating.size > block:
                violating = violating[np.argsort(-excess[violating], kind="stable")[:block]]
            adding = violating.size
            theta[violating] = -np.sign(grad[violating])
            active[violating] = True
        steps += 1
        act = np.flatnonzero(active)
        rhs = -(b[act] + lam[act] * theta[act])
        system = h[np.ix_(act, act)]
        solution = _solve_spd(system, rhs)
        target = np.zeros(m)
        target[act] = solution
        delta = target - u
        # Sign changes of the weights on the segment u -> target: q is the smooth model up to the first
        # one and convex all along, so its minimum over the segment is at a change or at the end.
        flips = penalised & (u != 0) & (np.sign(target) != theta)
        crossing = np.zeros(m)
        crossing[flips] = u[flips] / (u[flips] - target[flips])
        inner = crossing[flips]
        candidates = np.concatenate([np.unique(inner[(inner > 0) & (inner < 1)]), [1.0]])
        points = u[None, :] + candidates[:, None] * delta[None, :]
        changes = (
            candidates * (grad @ delta)
            + 0.5 * candidates**2 * (delta @ (h @ delta))
            + (np.abs(points) - np.abs(u)) @ lam
        )
        best = int(np.argmin(changes))
        projected = np.where(penalised & (np.sign(target) != theta), 0.0, target)
        projected_change = _change(h, grad, lam, u, projected)
        if projected_change[0] < changes[best]:
            candidate, change, t = projected, projected_change, math.nan
        else:
            t = float(candidates[best])
            candidate = points[best]
            if t < 1.0:
                candidate[flips & (np.abs(crossing - t) <= 1e-12 * t)] = 0.0
            change = _change(h, grad, lam, u, candidate)
        if not _improves(change):
            if adding > 1:  # a wrong sign guess in the block: try half of it
                block = max(adding // 2, 1)
                continue
            break
        if adding:
            block = min(2 * adding, m)
        u = candidate
        solved = t == 1.0 and not flips.any()
    return u, steps, False


def solve_newton(
    params: L1LogisticParams,
    *,
    tol: float = 1e-9,
    max_iter: int = 100,
    max_free: int = 4000,
    progress: bool = False,
) -> Solution:
    """Method ``"newton"``: problem (10) by proximal Newton with exact quadratic models (module docstring).

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    tol : float
        Stop when the certificate (:func:`~.certificate.residuals`, in the
        scaled coordinates) is at most this; the answer is ``OPTIMAL`` when
        the certificate of the returned point is at most
        :data:`~.certificate.OPTIMALITY_TOL`.
    max_iter : int
        Newton iterations at most.
    max_free : int
        Largest free set (variables of one quadratic model); beyond it the
        non-zero weights and the largest violators are kept (a working
        set). The model costs ``O(n m^2 + m^3)`` for ``m`` free variables.
    progress : bool
        Show a tqdm bar of the iterations (the certificate as its postfix).

    Returns
    -------
    Solution
        ``x["W"]`` (features, classes), ``x["c"]`` (classes,); ``iterations``
        the Newton iterations; ``extras``: ``kkt_residual`` (the
        certificate of the returned point), ``stopped`` (``"converged"``,
        ``"stalled"`` or ``"max_iter"``), ``qp_steps`` (linear solves in
        all) and ``qp_inexact`` (models whose search hit its step budget).

    Notes
    -----
    Complexity per iteration: ``O(n d k)`` for the gradient, ``O(n m^2)`` for
    the Hessian on ``m`` free variables, ``O(m^3)`` per feature-sign step.

    """
    tol = validate.positive_scalar("tol", tol)
    max_iter = validate.integer("max_iter", max_iter, minimum=1)
    max_free = validate.integer("max_free", max_free, minimum=1)
    progress = validate.boolean("progress", progress)
    with blas.single_thread():
        sol = _newton(params, tol, max_iter, max_free, progress)
        if sol.status is Status.FEASIBLE:
            # Rounding in c = c~ - mean^T W (offset columns, mu near 1) can leave the point in the original
            # coordinates less accurate than in the scaled ones: a few steps there, from it.
            polished = _newton(params, tol, POLISH_ITERATIONS, max_free, progress, start=(sol.x["W"], sol.x["c"]))
            if polished.extras.get("kkt_residual", math.inf) < sol.extras["kkt_residual"]:
                polished.iterations += sol.iterations
                polished.extras["polished"] = True
                sol = polished
        return sol


def _newton(
    params: L1LogisticParams,
    tol: float,
    max_iter: int,
    max_free: int,
    progress: bool,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> Solution:
    """The loop of :func:`solve_newton`; from ``start``, in the original coordinates (no centring or scaling)."""
    x, y, k = params.x, params.y, params.n_classes
    n, features = x.shape
    freq = params.class_frequencies
    lam = params.l1_weight / params.mu  # may be huge (tiny mu); finite thresholds are kept below

    # Centre and scale the columns (module docstring); dead columns (constant, or a threshold that
    # overflows) keep weight 0.
    mean = x.mean(axis=0)
    centred = x - mean
    peak = np.abs(centred).max(axis=0, initial=0.0)
    rms = peak * np.sqrt(np.mean((centred / np.where(peak > 0, peak, 1.0)) ** 2, axis=0))
    if start is not None:  # the original coordinates; constant columns still drop out (their weights are 0)
        mean, centred, rms = np.zeros(features), x, np.where(rms > 0, 1.0, 0.0)
    with np.errstate(over="ignore", divide="ignore"):
        thresholds = np.where(rms > 0, lam / np.where(rms > 0, rms, 1.0), np.inf)
    live = np.isfinite(thresholds) & (rms > 0)
    scale = rms[live]
    design = np.hstack([centred[:, live] / scale, np.ones((n, 1))])
    d_live = int(live.sum())
    penalty = np.zeros((d_live + 1, k))
    penalty[:d_live] = thresholds[live][:, None]
    one_hot = params.one_hot()
    theta = np.zeros((d_live + 1, k))
    theta[-1] = np.log(freq)  # the optimal biases at W = 0
    if start is not None:
        theta[:d_live], theta[-1] = start[0][live], start[1]

    rows_n = np.arange(n)

    def change(th: np.ndarray, p: np.ndarray, direction: np.ndarray, t: float) -> float:
        """``F(th + t direction) - F(th)``, resolved far below the rounding of ``F``.

        ``lse(z + dz) - lse(z) = log1p(sum_k p_k expm1(dz_k))`` with ``p`` the
        probabilities at ``z``; the L1 change is ``sign(w) t d`` where the sign
        holds, ``|w + t d| - |w|`` elsewhere.
        """
        dz = t * (design @ direction)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a too long step: inf, then backtrack
            growth = np.sum(p * np.expm1(dz), axis=1)
            lse = np.where(growth > -1.0, np.log1p(np.maximum(growth, -1.0)), np.inf)
        loss = float(np.mean(lse - dz[rows_n, y]))
        w, dw = th[:d_live], t * direction[:d_live]
        moved = w + dw
        same = (np.sign(moved) == np.sign(w)) & (w != 0)
        l1 = np.where(same, np.sign(w) * dw, np.abs(moved) - np.abs(w))
        return loss + float(np.sum(penalty[:d_live] * l1))

    stopped = "max_iter"
    qp_steps = 0
    qp_inexact = 0
    iterations = 0
    bar = tqdm(total=max_iter, desc="newton (compression)", disable=not progress, leave=False)
    try:
        for iterations in range(max_iter + 1):
            p = _softmax(design @ theta)
            grad = design.T @ (p - one_hot) / n
            ratio = grad[:d_live] / penalty[:d_live]
            nonzero = theta[:d_live] != 0
            weight_res = np.where(nonzero, np.abs(ratio + np.sign(theta[:d_live])), np.maximum(np.abs(ratio) - 1, 0))
            certificate = max(float(weight_res.max(initial=0.0)), float(np.max(np.abs(grad[-1]) / freq)))
            bar.set_postfix(certificate=f"{certificate:.1e}")
            if certificate <= tol:
                stopped = "converged"
                break
            if iterations == max_iter:
                break
            free = np.zeros_like(theta, dtype=bool)
            free[:d_live] = nonzero | (np.abs(ratio) >= FREE_MARGIN)
            free[-1] = True
            index = np.flatnonzero(free.ravel())
            if index.size > max_free:
                index = _working_set(free, theta, ratio, max_free)
            rows, cols = index // k, index % k
            hess = _hessian(design, p, rows, cols)
            _lift_null_directions(hess, rows, k, d_live)
            g = grad.ravel()[index]
            u0 = theta.ravel()[index]
            weights = penalty.ravel()[index]
            # The FISTA warm start pays where many zeros enter at once (a block of sign guesses).
            entering = int(np.count_nonzero((u0 == 0) & (weights > 0)))
            warm = WARM_ITERATIONS if entering > WARM_ENTERING else 0
            u, steps, exact = feature_sign_qp(
                hess, g - hess @ u0, weights, u0, max_steps=20 + 4 * index.size, warm_iterations=warm
            )
            qp_steps += steps
            qp_inexact += not exact
            step = u - u0
            decrease = float(g @ step + weights @ (np.abs(u) - np.abs(u0)))
            if not decrease < 0:
                stopped = "stalled"
                break
            direction = np.zeros(theta.size)
            direction[index] = step
            direction = direction.reshape(theta.shape)
            t = 1.0
            trial = change(theta, p, direction, t)
            while not trial <= ARMIJO * t * decrease and t > MIN_STEP:
                t *= 0.5
                trial = change(theta, p, direction, t)
            if not trial < 0:
                stopped = "stalled"
                break
            theta = theta + t * direction
            bar.update(1)
    finally:
        bar.close()

    w = np.zeros((features, k))
    w[live] = theta[:d_live] / scale[:, None]
    c = theta[-1] - mean @ w
    objective = _objective(params, w, c)
    if not math.isfinite(objective):  # cannot happen for validated data; a status, never a NaN
        return failed(f"the objective overflowed ({objective!r})", stopped=stopped)
    res = residuals(params, w, c)
    sol = Solution(
        status=Status.OPTIMAL,
        objective=objective,
        x={"W": w, "c": c},
        iterations=iterations,
        extras={
            "kkt_residual": res["certificate"],
            "stopped": stopped,
            "qp_steps": qp_steps,
            "qp_inexact": qp_inexact,
            "hit_iteration_cap": stopped == "max_iter",
        },
    )
    if not res["certificate"] <= OPTIMALITY_TOL:
        sol.status = Status.FEASIBLE
        sol.extras["reason"] = f"stopped ({stopped}) with certificate {res['certificate']:.2e} above {OPTIMALITY_TOL:g}"
    return sol


def _lift_null_directions(hess: np.ndarray, rows: np.ndarray, k: int, d_live: int) -> None:
    """Make the model's Hessian positive definite in place (module docstring).

    The loss is invariant to shifting all biases together: ``H N = 0`` for
    that unit direction ``N``, which gets the curvature ``rho`` of the
    largest diagonal entry (``rho N N^T`` touches no other eigenvector; the
    gradient has no component along ``N``). A ridge of :data:`RIDGE` times
    ``rho`` covers the other null directions (one feature's weights shifted
    together, duplicate columns), along which the L1 term is piecewise
    linear: a tiny curvature lets the feature-sign search jump to its kinks.
    """
    rho = max(float(hess.diagonal().max()), 1e-300)
    bias = np.flatnonzero(rows == d_live)
    hess[np.ix_(bias, bias)] += rho / k
    hess[np.diag_indices_from(hess)] += RIDGE * rho


def _working_set(free: np.ndarray, theta: np.ndarray, ratio: np.ndarray, size: int) -> np.ndarray:
    """Flat indices of a working set: every bias and non-zero weight, then the free zeros by ``|ratio|``."""
    d_live = ratio.shape[0]
    keep = np.zeros_like(free)
    keep[:d_live] = theta[:d_live] != 0
    keep[-1] = True
    candidates = np.flatnonzero((free & ~keep)[:d_live].ravel())
    room = max(size - int(keep.sum()), 0)
    chosen = candidates[np.argsort(-np.abs(ratio.ravel()[candidates]), kind="stable")[:room]]
    flat = keep.ravel()
    flat[chosen] = True
    return np.flatnonzero(flat)
