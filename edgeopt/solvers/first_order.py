"""First-order methods: FISTA with function-value restart, projected gradient with Armijo backtracking.

:func:`row_scaled_projected_gradient` is the projected gradient for one coupled objective over many
rows (users, say) whose scales differ by decades: each row of each block gets its own Barzilai-Borwein
step, and one Armijo test on the whole objective keeps it a descent method.

Both know no problem: they take the objective, its gradient and a prox or a
projection as functions. :func:`fista` works on an iterate that is one array
or a tuple / list of arrays (the weights and the biases of a classifier, say);
:func:`projected_gradient` on one array, optionally a batch of independent
instances stacked on the leading axis.

Status codes (``FirstOrderResult.status``), numbered as in
:mod:`edgeopt.solvers.scalar`: ``CONVERGED = 0`` (the caller's test or the
tolerance held), ``MAX_ITER = 1``, ``STALLED = 4`` (no progress at rounding
level: FISTA's objective flat for ``calm_iterations`` iterations, or no step
of the projected-gradient line search decreased the objective).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeopt.core.errors import InvalidParameterError

__all__ = [
    "CONVERGED",
    "MAX_ITER",
    "STALLED",
    "STATUS_MESSAGES",
    "FirstOrderResult",
    "fista",
    "projected_gradient",
    "project_simplex",
    "row_scaled_projected_gradient",
]

FloatArray = NDArray[np.float64]
_EPS = float(np.finfo(float).eps)

CONVERGED = 0
MAX_ITER = 1
STALLED = 4

STATUS_MESSAGES: dict[int, str] = {
    CONVERGED: "converged",
    MAX_ITER: "iteration limit reached",
    STALLED: "stalled at rounding level",
}


@dataclass(frozen=True)
class FirstOrderResult:
    """Result of :func:`fista` or :func:`projected_gradient`.

    Attributes
    ----------
    x : numpy.ndarray or tuple or list of numpy.ndarray
        The final iterate, in the structure of ``x0``.
    value : float or numpy.ndarray
        The objective at ``x`` (one value per instance for a batch).
    iterations : int or numpy.ndarray of int
        Iterations taken (per instance for a batch). FISTA counts restarts as iterations.
    status : int or numpy.ndarray of int
        :data:`CONVERGED`, :data:`MAX_ITER` or :data:`STALLED`.
    restarts : int
        Momentum restarts (FISTA; 0 for the projected gradient).

    """

    x: Any
    value: Any
    iterations: Any
    status: Any
    restarts: int = 0

    @property
    def converged(self) -> Any:
        """``status == CONVERGED`` (elementwise for a batch)."""
        return np.asarray(self.status) == CONVERGED


def _parts(x: Any) -> tuple[list[FloatArray], Callable[[Sequence[FloatArray]], Any]]:
    """The arrays of an iterate and a function that packs arrays back into its structure."""
    if isinstance(x, tuple | list):
        kind = type(x)
        return [np.asarray(p) for p in x], lambda parts: kind(parts)
    return [np.asarray(x)], lambda parts: parts[0]


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise InvalidParameterError(f"{name} must be finite and > 0, got {value!r}")


def _check_count(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")


def fista(
    value: Callable[[Any], float],
    gradient: Callable[[Any], Any],
    prox: Callable[[Any, float], Any],
    x0: Any,
    step: float,
    *,
    max_iter: int = 50_000,
    check: Callable[[Any], bool] | None = None,
    check_every: int = 25,
    calm_iterations: int = 200,
    calm_rtol: float = 1e-15,
) -> FirstOrderResult:
    """Minimise ``g(x) + h(x)`` by FISTA (Beck and Teboulle 2009) with function-value restart.

    Each iteration takes the proximal gradient step from the extrapolated
    point ``v``: ``x+ = prox(v - step grad g(v), step)``. When the objective
    would rise, the step is discarded and the momentum restarts from the
    current iterate (O'Donoghue and Candes 2015); otherwise
    ``t+ = (1 + sqrt(1 + 4 t^2)) / 2`` and ``v = x+ + ((t - 1) / t+)(x+ - x)``.

    Parameters
    ----------
    value : callable
        ``value(x)``: the full objective ``g + h`` (it decides restarts and the stall test).
    gradient : callable
        ``gradient(x)``: the gradient of the smooth part ``g``, in the structure of ``x``.
    prox : callable
        ``prox(z, step)``: the proximal map of ``step * h`` at ``z`` (the
        identity on parts that ``h`` does not touch).
    x0 : numpy.ndarray or tuple or list of numpy.ndarray
        Start (copied); every function receives and returns this structure.
    step : float
        Step size, at most ``1 / L`` for an ``L``-Lipschitz gradient of ``g``.
    max_iter : int
        Iterations at most (restarts included).
    check : callable, optional
        ``check(x) -> bool``: the caller's stopping test (a KKT residual,
        say), called after every ``check_every``-th iteration that is not a restart.
    check_every : int
        Period of ``check``.
    calm_iterations : int
        Stop (status :data:`STALLED`) after this many consecutive accepted
        iterations that each decreased the objective by at most
        ``calm_rtol * |value|``.
    calm_rtol : float
        Relative decrease counted as no progress.

    Returns
    -------
    FirstOrderResult
        ``x``, ``value = value(x)``, ``iterations``, ``status`` and ``restarts``.

    Raises
    ------
    InvalidParameterError
        On a non-positive step or invalid counts.

    Notes
    -----
    Complexity: per iteration one gradient, one prox and one objective
    evaluation; ``O(1 / k^2)`` convergence of the objective for convex ``g + h``.

    """
    _check_positive("step", step)
    _check_count("max_iter", max_iter, 0)
    _check_count("check_every", check_every, 1)
    _check_count("calm_iterations", calm_iterations, 1)
    if not calm_rtol >= 0:
        raise InvalidParameterError(f"calm_rtol must be >= 0, got {calm_rtol!r}")
    parts, pack = _parts(x0)
    x = [np.array(p, dtype=float) for p in parts]
    v = [p.copy() for p in x]
    t = 1.0
    val = value(pack(x))
    calm = 0
    iterations = 0
    restarts = 0
    status = MAX_ITER
    while iterations < max_iter:
        iterations += 1
        grad, _ = _parts(gradient(pack(v)))
        z = [vi - step * gi for vi, gi in zip(v, grad, strict=True)]
        x_new, _ = _parts(prox(pack(z), step))
        new_val = value(pack(x_new))
        if new_val > val:  # restart the momentum (O'Donoghue and Candes 2015)
            t = 1.0
            v = [p.copy() for p in x]
            restarts += 1
            continue
        t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        v = [xn + ((t - 1.0) / t_new) * (xn - xo) for xn, xo in zip(x_new, x, strict=True)]
        calm = calm + 1 if val - new_val <= calm_rtol * abs(new_val) else 0
        x, t, val = x_new, t_new, new_val
        if calm >= calm_iterations:
            status = STALLED
            break
        if check is not None and iterations % check_every == 0 and check(pack(x)):
            status = CONVERGED
            break
    return FirstOrderResult(x=pack(x), value=val, iterations=iterations, status=status, restarts=restarts)


def projected_gradient(
    value: Callable[[FloatArray], ArrayLike],
    gradient: Callable[[FloatArray], ArrayLike],
    project: Callable[[FloatArray], ArrayLike],
    x0: ArrayLike,
    step: float,
    *,
    batch: bool = False,
    max_iter: int = 1000,
    gtol: float = 1e-8,
    armijo: float = 1e-4,
    shrink: float = 0.5,
    grow: float = 1.0,
    max_backtracks: int = 60,
) -> FirstOrderResult:
    """Minimise a smooth ``f`` over a convex set by projected gradient with Armijo backtracking.

    From ``x`` (feasible), the trial point ``x(s) = P(x - s grad f(x))`` is
    accepted when ``f(x(s)) <= f(x) + armijo * grad f(x) . (x(s) - x) + 4 eps |f(x)|``
    (the Armijo rule along the projection arc, Bertsekas, *Nonlinear
    Programming*, 2.3, with an allowance for rounding in ``f``), ``s`` shrinking by ``shrink`` until it is; the next
    iteration tries ``grow * s`` (by default the same ``s``: a non-increasing
    step, which on the test problems converged several times faster than
    letting it grow back to the largest acceptable one). An instance stops when its projected
    gradient ``max |x - P(x - grad f(x))|`` is at most ``gtol``
    (:data:`CONVERGED`), or when no step passes the test within
    ``max_backtracks`` reductions or the accepted one no longer moves ``x``
    (:data:`STALLED`: rounding level, for a ``gtol`` below what rounding allows).

    Parameters
    ----------
    value : callable
        ``value(x)``: ``f``, a scalar, or shape ``(B,)`` for a batch.
    gradient : callable
        ``gradient(x)``: the gradient, the shape of ``x``.
    project : callable
        ``project(x)``: the Euclidean projection onto the feasible set (row by row for a batch).
    x0 : array_like
        Start; projected first.
    step : float
        First trial step (about ``1 / L``).
    batch : bool
        Whether axis 0 of ``x0`` indexes independent instances, each with its
        own step, test and status; ``value`` then returns one value per instance.
    max_iter : int
        Iterations at most.
    gtol : float
        Tolerance on the projected gradient (in the units of ``x``).
    armijo, shrink, grow : float
        Sufficient-decrease fraction in (0, 1), step reduction in (0, 1), step growth >= 1.
    max_backtracks : int
        Step reductions per iteration before the instance counts as stalled.

    Returns
    -------
    FirstOrderResult
        ``x`` (shape of ``x0``), ``value`` and, for a batch, per-instance
        ``iterations`` and ``status`` arrays.

    Raises
    ------
    InvalidParameterError
        On invalid options or a function returning the wrong shape.

    Notes
    -----
    Complexity: per iteration one gradient, two projections and, per trial
    step, one projection and one objective evaluation, all on the whole batch
    (converged instances are frozen, not removed). Linear convergence for
    strongly convex ``f``.

    """
    _check_positive("step", step)
    if not (0.0 < armijo < 1.0):
        raise InvalidParameterError(f"armijo must be in (0, 1), got {armijo!r}")
    if not (0.0 < shrink < 1.0):
        raise InvalidParameterError(f"shrink must be in (0, 1), got {shrink!r}")
    if not (math.isfinite(grow) and grow >= 1.0):
        raise InvalidParameterError(f"grow must be finite and >= 1, got {grow!r}")
    if not gtol >= 0:
        raise InvalidParameterError(f"gtol must be >= 0, got {gtol!r}")
    _check_count("max_iter", max_iter, 0)
    _check_count("max_backtracks", max_backtracks, 1)
    x_in = np.asarray(x0, dtype=float)
    if batch and x_in.ndim == 0:
        raise InvalidParameterError("x0 must have a leading batch axis with batch=True, got a scalar")
    # Work on a batch internally; a single instance is a batch of one.
    xb = x_in if batch else x_in[None]
    size = xb.shape[0]

    def lift(fn: Callable[[FloatArray], ArrayLike], what: str, shape: tuple[int, ...]) -> Callable[..., FloatArray]:
        expected = shape if batch else shape[1:]

        def call(z: FloatArray) -> FloatArray:
            out = np.asarray(fn(z if batch else z[0]), dtype=float)
            if out.shape != expected:
                raise InvalidParameterError(f"{what} must return shape {expected}, got {out.shape}")
            return out if batch else out[None]

        return call

    f_of = lift(value, "value", (size,))
    g_of = lift(gradient, "gradient", xb.shape)
    p_of = lift(project, "project", xb.shape)
    axes = tuple(range(1, xb.ndim))

    def per_instance(a: FloatArray) -> FloatArray:
        return a.reshape(a.shape + (1,) * len(axes))

    x = p_of(xb)
    f = f_of(x)
    g = g_of(x)
    trial = np.full(size, float(step))
    status = np.full(size, MAX_ITER, dtype=np.int64)
    iterations = np.zeros(size, dtype=np.int64)
    live = np.ones(size, dtype=bool)
    for it in range(max_iter + 1):
        residual = np.abs(x - p_of(x - g)).max(axis=axes, initial=0.0)
        done = residual <= gtol
        status[live & done] = CONVERGED
        live &= ~done
        if it == max_iter or not live.any():
            break
        accepted = ~live
        x_new, f_new, s = x.copy(), f.copy(), trial.copy()
        for _ in range(max_backtracks):
            xt = p_of(x - per_instance(s) * g)
            ft = f_of(xt)
            decrease = np.sum(g * (xt - x), axis=axes)
            # The allowance of a few rounding units of f: near the optimum f is flat to rounding while
            # the gradient still points the way; without it the search stalls at sqrt(eps) from x*.
            ok = ~accepted & (ft <= f + armijo * decrease + 4.0 * _EPS * np.abs(f))
            x_new[ok], f_new[ok] = xt[ok], ft[ok]
            accepted |= ok
            if accepted.all():
                break
            s = np.where(accepted, s, shrink * s)
        # No step passed, or the one that passed moved nothing (the step fell below rounding of x):
        # the instance cannot progress further.
        stalled = live & (~accepted | np.all(x_new == x, axis=axes))
        status[stalled] = STALLED
        iterations += live
        live &= ~stalled
        trial = np.where(live, grow * s, trial)
        x, f = x_new, f_new
        g = g_of(x)
    if batch:
        return FirstOrderResult(x=x, value=f, iterations=iterations, status=status)
    return FirstOrderResult(x=x[0], value=float(f[0]), iterations=int(iterations[0]), status=int(status[0]))


def project_simplex(v: ArrayLike, total: float = 1.0) -> FloatArray:
    """Euclidean projection of each row (last axis) of ``v`` onto ``{x >= 0, sum(x) = total}``.

    The sort-based algorithm (Held, Wolfe and Crowder 1974; Duchi et al.
    2008): with ``u`` the entries sorted in decreasing order, ``rho`` the
    largest ``k`` with ``u_k > (sum_{j<=k} u_j - total) / k``, and ``theta =
    (sum_{j<=rho} u_j - total) / rho``, the projection is ``max(v - theta, 0)``.

    Parameters
    ----------
    v : array_like, shape (..., n)
        Points, one per row; any leading batch axes.
    total : float
        The simplex's sum, > 0.

    Returns
    -------
    numpy.ndarray
        The projections, the shape of ``v``.

    Raises
    ------
    InvalidParameterError
        If ``total`` is not positive and finite, ``v`` is a scalar or has an empty last axis.

    Notes
    -----
    ``O(n log n)`` per row (the sort).

    Examples
    --------
    >>> project_simplex([[0.5, 1.0, 1.5], [2.0, 0.0, 0.0]]).tolist()
    [[0.0, 0.25, 0.75], [1.0, 0.0, 0.0]]

    """
    _check_positive("total", total)
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise InvalidParameterError(f"v must have a non-empty last axis, got shape {arr.shape}")
    u = -np.sort(-arr, axis=-1)
    css = np.cumsum(u, axis=-1) - total
    k = np.arange(1, arr.shape[-1] + 1)
    # The test holds on a prefix of the sorted entries; the largest k is taken, robust to rounding at ties.
    rho = np.where(u - css / k > 0, k, 0).max(axis=-1, keepdims=True)
    rho = np.maximum(rho, 1)  # NaN rows: keep the index valid, the NaN propagates
    theta = np.take_along_axis(css, rho - 1, axis=-1) / rho
    return np.asarray(np.maximum(arr - theta, 0.0))


def row_scaled_projected_gradient(
    value: Callable[[list[FloatArray]], float],
    value_and_gradient: Callable[[list[FloatArray]], tuple[float, list[FloatArray]]],
    project: Callable[[list[FloatArray]], list[FloatArray]],
    stationarity: Callable[[list[FloatArray], list[FloatArray], float], float],
    x0: Sequence[ArrayLike],
    step0: Sequence[ArrayLike],
    *,
    max_iter: int = 500,
    gtol: float = 1e-9,
    ftol: float = 0.0,
    armijo: float = 1e-4,
    shrink: float = 0.5,
    max_backtracks: int = 60,
    step_range: tuple[float, float] = (1e-12, 1e12),
    memory: int = 10,
    stall_gap: float = math.inf,
) -> FirstOrderResult:
    """Minimise a smooth coupled ``f(x_1, ..., x_K)`` over a product of per-row sets by scaled projected gradient.

    Each block ``x_k`` has rows (axis 0, e.g. users) with their own step ``s_{k,i}``: the trial point is
    ``P(x - t D g)`` with ``D`` the diagonal of the row steps (constant inside a row, so a row's
    projection stays Euclidean) and ``t`` halved (``shrink``) until the non-monotone Armijo test on
    the *whole* objective, ``f(x_t) <= max(last memory values of f) + armijo g . (x_t - x) + 4 eps |f|``,
    holds (Grippo, Lampariello and Lucidi 1986, as in the spectral projected gradient of Birgin,
    Martinez and Raydan 2000): convergent for any bounded positive ``D`` (Bonettini, Zanella and Zanni,
    *Inverse Problems* 25, 2009, scaled gradient projection). After an accepted step each row takes
    the Barzilai-Borwein step ``(dx . dx) / (dx . dg)`` of its own move; a row that moved along
    non-positive curvature doubles its step, and a row that did not move keeps it (a row held at a
    vertex by its projection must not build up a step that throws it across the set when its gradient
    turns), never more than twice the step just taken (after a backtrack the BB value overshoots
    again), and kept within ``step_range`` times its first step; rows whose
    scales differ by decades so advance at the same rate, which one global step cannot do, and the
    non-monotone test lets the BB steps through without the backtracking a monotone test forces.

    Stops when ``stationarity(x, g, f) <= gtol`` or the best ``f`` has fallen by at most ``ftol``
    (relative) in each of ``memory`` consecutive iterations (:data:`CONVERGED`; the best point is
    returned), after ``max_iter`` iterations (:data:`MAX_ITER`), or when no step passes the test
    within ``max_backtracks`` reductions (:data:`STALLED`).

    Parameters
    ----------
    value, value_and_gradient : callable
        ``f(blocks)`` and ``(f, [grad_k])`` of a list of block arrays.
    project : callable
        Row-wise Euclidean projection of a list of blocks onto the feasible set.
    stationarity : callable
        ``(blocks, gradients, f) -> float``, a non-negative measure that is 0 exactly at a stationary point
        (e.g. the relative Frank-Wolfe gap).
    x0 : sequence of array_like
        Start (projected first); each block has rows on axis 0.
    step0 : sequence of array_like
        First row steps, one ``(rows,)`` array per block.
    max_iter : int
        Iterations at most.
    gtol, ftol : float
        Tolerances on ``stationarity`` and on the relative decrease of ``f`` per iteration.
    armijo, shrink : float
        Sufficient-decrease fraction and step reduction, both in (0, 1).
    max_backtracks : int
        Step reductions per iteration before the descent counts as stalled.
    step_range : tuple of float
        Bounds of every row step, as factors of its first step (a bounded scaling keeps the theory).
    memory : int
        Values of ``f`` the non-monotone test compares with (1: the monotone Armijo test).
    stall_gap : float
        The ``ftol`` rule ends the descent only where ``stationarity`` is at most this (a run of tiny
        steps after a deep backtrack is not convergence); above it only ``gtol`` and ``max_iter`` do.

    Returns
    -------
    FirstOrderResult
        ``x`` (list of blocks), ``value``, ``iterations`` and ``status``.

    """
    if not (0.0 < armijo < 1.0):
        raise InvalidParameterError(f"armijo must be in (0, 1), got {armijo!r}")
    if not (0.0 < shrink < 1.0):
        raise InvalidParameterError(f"shrink must be in (0, 1), got {shrink!r}")
    _check_count("max_iter", max_iter, 0)
    _check_count("max_backtracks", max_backtracks, 1)
    _check_count("memory", memory, 1)
    x = project([np.asarray(b, dtype=float) for b in x0])
    first = [np.asarray(s, dtype=float) for s in step0]
    if len(first) != len(x) or any(s.shape != (b.shape[0],) for s, b in zip(first, x, strict=True)):
        raise InvalidParameterError("step0 needs one (rows,) array per block of x0")
    if any(not np.all(np.isfinite(s) & (s > 0)) for s in first):
        raise InvalidParameterError("step0 must be finite and > 0")
    with np.errstate(over="ignore", under="ignore"):
        bounds = [(np.maximum(step_range[0] * s, 1e-300), np.minimum(step_range[1] * s, 1e300)) for s in first]
    steps = [s.copy() for s in first]

    def rowwise(step: FloatArray, block: FloatArray) -> FloatArray:
        return step.reshape(step.shape + (1,) * (block.ndim - 1))

    def row_sum(a: FloatArray) -> FloatArray:
        return a.reshape(a.shape[0], -1).sum(axis=1)

    f, g = value_and_gradient(x)
    history = [f]
    status = MAX_ITER
    iterations = 0
    # The non-monotone test lets f rise for a while, so the best point is kept and returned, and the
    # "no more progress" rule asks that the best value has not fallen by more than ftol (relative) over
    # `memory` consecutive iterations: one flat step of a cycle does not stop it, a cycle does.
    best_x, best_f, best_g = x, f, g
    stale = 0
    bound = math.inf  # the stationarity the returned point must meet: gtol or stall_gap when it converged
    for iterations in range(max_iter + 1):  # noqa: B007 - the count is returned
        measure = stationarity(x, g, f)
        if measure <= gtol:
            status, bound = CONVERGED, gtol
            break
        measured = (x, f, g)
        if iterations == max_iter:
            break
        t = 1.0
        g_new: list[FloatArray] | None = None
        for attempt in range(max_backtracks):
            trial = project([b - t * rowwise(s, b) * gb for b, s, gb in zip(x, steps, g, strict=True)])
            decrease = sum(float(np.sum(gb * (tb - b))) for b, gb, tb in zip(x, g, trial, strict=True))
            # The first trial passes most of the time (the BB steps and the non-monotone test): take its
            # gradient with its value, so an accepted first trial costs one evaluation, not two.
            if attempt == 0:
                f_trial, g_new = value_and_gradient(trial)
            else:
                f_trial, g_new = value(trial), None
            if f_trial <= max(history) + armijo * decrease + 4.0 * _EPS * abs(f):
                break
            t *= shrink
        else:
            status = STALLED
            break
        if g_new is None:
            f_new, g_new = value_and_gradient(trial)
        else:
            f_new = f_trial
        for k, (b, tb, gb, gn) in enumerate(zip(x, trial, g, g_new, strict=True)):
            dx, dg = tb - b, gn - gb
            ss, sy = row_sum(dx * dx), row_sum(dx * dg)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                bb = np.where(ss > 0, np.where(sy > 0, ss / sy, 2.0 * steps[k]), steps[k])
            # At most twice the step just taken (t times the old one): after a backtrack the next trial starts
            # near the accepted step instead of the BB value that overshot (coupled rows: each row's BB
            # ignores the others' moves, measured to cycle at a 3 % Frank-Wolfe gap without this bound).
            steps[k] = np.clip(np.minimum(bb, 2.0 * t * steps[k]), *bounds[k])
        x, f, g = trial, f_new, g_new
        history = [*history[-(memory - 1) :], f] if memory > 1 else [f]
        if f < best_f:
            stale = 0 if best_f - f > ftol * abs(best_f) else stale + 1
            best_x, best_f, best_g = x, f, g
        else:
            stale += 1
        if stale >= memory and measure <= stall_gap:
            # `measure` belongs to the iterate before this step: return that one (or the best, below).
            x, f, g = measured
            status, bound = CONVERGED, stall_gap
            iterations += 1
            break
    # The best point seen, unless the descent converged and the best point does not meet the test the
    # current one met (a non-monotone run can pass below a point that is not yet stationary).
    if best_f < f and (bound == math.inf or stationarity(best_x, best_g, best_f) <= bound):
        x, f, g = best_x, best_f, best_g
    return FirstOrderResult(x=x, value=f, iterations=iterations, status=status)
