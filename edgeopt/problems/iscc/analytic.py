"""The default ISCC method (paper 002): exact in each (split, Q) by a certified 1-D search in ``p``.

For a fixed split ``l``, bit count ``Q`` and pruning ratio ``p``, Lemma 3
gives the least sensing power meeting the accuracy target (21),
``P_s = r(eps) = tan(R_t / (a (1 - eps))) / b`` (:meth:`IsccParams.sensing_power`),
and Lemma 4 (:func:`~edgeopt.problems.iscc.lemma4.lemma4`) the optimal
transmit power and CPU speed of sub-problem (26) in closed form. What is
left of problem (22) is the reduced energy ``h(p)`` of
:func:`reduced_energy`, one-dimensional in ``p``.

**The feasible window.** ``u(p)`` of (17) falls from 2 to 0 on ``(0, 1]``
(``u'(p) = -(ln p)^2``), so the accuracy target holds with ``P_s <= P_max``
exactly on ``p >= p_lo``; ``A_2(l, p)`` of (3) rises with ``p``, so the
deadline holds at full power and CPU speed exactly on ``p <= p_hi``.
:func:`feasible_window` finds both ends by bisection on ``log p`` with the
model's own tests (Lemma 3's and Lemma 4's feasibility), so a pair whose
window is narrower than any grid (a slow CPU, a tight deadline) is not
lost, and ``p`` down to 1e-300 is reached.

**Convexity.** On its window ``h`` is convex: ``u`` is convex (``u'' = -2 ln
p / p >= 0``) and decreasing, ``r`` is convex and increasing in ``eps`` (``tan``
of the convex increasing ``R_t / (a (1 - eps))``), so ``T_sen r(u(p))`` is
convex; the optimum ``E_26(A_2)`` of (26) is convex and non-decreasing in
``A_2`` (with ``w = A_2 / v_e`` it minimises the jointly convex ``f(t) +
kappa A_2^3 / w^2`` over ``A_1 t + w <= T_2``, ``w >= A_2 / v_max``), and
``A_2(l, p)``, a sum of ``max(2 m p - o, 0)`` and constants, is convex and
non-decreasing, so ``E_26(A_2(p))`` is convex. (The same holds with ``P_s``
fixed, the ``jcc`` baseline.)

**The search** (:func:`search`) samples every pair's window at once (half
the samples uniform, half geometric, crowding ``p_lo`` down to 1e-12 of the
window's width, both ends included), then zooms onto the two intervals beside each pair's best sample
with ``grid`` uniform samples per stage. By convexity the minimum lies in
that bracket, and the secants of the neighbouring samples, extended, bound
``h`` from below there: a pair stops when its best sample is within
``rtol`` (relative) of that bound, so each pair's answer is certified to
``rtol`` given exact closed forms. The same bound is a lower bound of the
pair's optimum, so a pair whose bound lies above the best energy sampled in
any pair is dropped. One vectorised :func:`lemma4` call per stage on the
pairs still open.

Complexity: two bisections of 60 steps on ``(L (Q_max - 1) + 1)`` pairs, and
about ``log(1 / rtol) / log((grid - 1) / 2)`` stages of ``pairs x grid``
instances of :func:`lemma4` (12 stages of 24 samples on Table II).
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer, number
from edgeopt.problems.iscc.lemma4 import solve_checked, time_feasible
from edgeopt.problems.iscc.model import IsccParams, infeasibility_reason, make_solution, point
from edgeopt.solvers.scalar import find_root_bisect

# The smallest pruning ratio searched: u_pruning floors p there, so below it nothing changes.
P_FLOOR = 1e-300
# Halvings of the bisections for the window's ends on log p in [log P_FLOOR, 0]: 690.8 / 2^60 ~ 6e-16,
# i.e. each end to a relative 6e-16 in p (rounding level).
WINDOW_HALVINGS = 60
# The geometric half of the first stage crowds p_lo down to this share of the window's width.
GEOMETRIC_SPAN = 1e-12
# Default stopping rule of the zoom: best sample within 1e-12 (relative) of the convexity lower bound.
ZOOM_RTOL = 1e-12
# Default cap on the stages (the bracket shrinks by (grid - 1) / 2 per stage; 11.5^40 ~ 3e42).
MAX_STAGES = 40


def design_grid(params: IsccParams) -> tuple[np.ndarray, np.ndarray]:
    """All (split, Q) pairs of the outer enumeration (:meth:`IsccParams.design_pairs`)."""
    return params.design_pairs()


def reduced_energy(
    params: IsccParams,
    split: np.ndarray,
    q: np.ndarray,
    p: np.ndarray,
    p_s_fixed: float | None = None,
    mu_start: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """``h(p)``: the energy with Lemma 3's ``P_s`` and Lemma 4's ``(P_c, v_e)``, for broadcast (split, Q, p).

    ``h(p) = T_sen r(u(p)) + E_26(A1 = N_l Q / B, A2 = A_2(l, p), T2)``: the
    sensing energy at the least power meeting (21) plus the optimum of
    sub-problem (26) with ``T2 = T_max - T_sen - A_s(l) / v_s``.

    Parameters
    ----------
    params : IsccParams
        The instance.
    split, q, p : array_like
        Broadcast arrays of splits, bit counts and pruning ratios.
    p_s_fixed : float, optional
        Hold the sensing power there (the JC&C baseline) and check the
        accuracy constraint instead of solving it for ``P_s``.
    mu_start : array_like, optional
        Passed to :func:`~edgeopt.problems.iscc.lemma4.lemma4` (a guess of ``mu_1``).

    Returns
    -------
    tuple of numpy.ndarray
        The energy (``inf`` where infeasible), ``P_s``, ``P_c``, ``v_e`` and
        Lemma 4's ``mu_1``.

    """
    if p_s_fixed is None:
        p_s = params.sensing_power(split, p, q)
    else:
        meets = params.accuracy(p_s_fixed, split, p, q) >= params.R_t
        p_s = np.where(meets, p_s_fixed, np.inf)
    a1 = params.upload_bits(split, q) / params.bandwidth
    a2 = params.device_flops(split, p)
    t2 = params.device_and_upload_time(split)
    sub = solve_checked(
        a1,
        a2,
        params.bandwidth,
        params.noise_psd,
        params.gain,
        params.kappa,
        np.maximum(t2, 1e-300),
        params.v_max,
        params.p_max,
        mu_start=mu_start,
    )
    energy = np.where((t2 > 0) & sub.feasible & np.isfinite(p_s), params.T_sen * p_s + sub.energy, np.inf)
    return energy, p_s, sub.p_c, sub.v_e, sub.mu1


def _best_sample(
    params: IsccParams, split: np.ndarray, q: np.ndarray, p: np.ndarray, p_s_fixed: float | None
) -> tuple[dict[str, np.ndarray], float]:
    """The design of least :func:`reduced_energy` among the (split, Q, p) samples, and that energy."""
    energy, p_s, p_c, v_e, _ = reduced_energy(params, split, q, p, p_s_fixed)
    k = int(np.argmin(energy))
    p_c_k = float(p_c[k]) if params.upload_bits(split[k], q[k]) > 0 else 0.0
    x = point(int(split[k]), int(q[k]), float(p[k]), float(p_s[k]), p_c_k, float(v_e[k]))
    return x, float(energy[k])


def feasible_window(
    params: IsccParams, splits: np.ndarray, qs: np.ndarray, p_s_fixed: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The interval ``[p_lo, p_hi]`` of pruning ratios where each (split, Q) pair is feasible.

    ``p_lo``: the least ``p`` at which Lemma 3 has a sensing power within
    ``P_max`` (or the fixed ``P_s`` meets the target), 0 where every ``p``
    does; ``p_hi``: the largest ``p`` at which (26) is feasible at full power
    and CPU speed (:func:`~edgeopt.problems.iscc.lemma4.time_feasible`), 1 where
    ``p = 1`` is. Both by bisection on ``log p`` (:data:`WINDOW_HALVINGS`
    steps), returning the feasible end of the final bracket. An empty window
    has ``p_lo > p_hi`` (``p_lo = inf``, ``p_hi = -inf`` where one test fails
    everywhere).
    """
    splits, qs = np.asarray(splits), np.asarray(qs)
    a1 = params.upload_bits(splits, qs) / params.bandwidth
    t2 = params.device_and_upload_time(splits)

    def accurate(p: np.ndarray) -> np.ndarray:
        if p_s_fixed is None:
            return np.asarray(np.isfinite(params.sensing_power(splits, p, qs)))
        return np.asarray(params.accuracy(p_s_fixed, splits, p, qs) >= params.R_t)

    def fast(p: np.ndarray) -> np.ndarray:
        a2 = params.device_flops(splits, p)
        return np.asarray((t2 > 0) & time_feasible(a1, a2, params.gamma, t2, params.v_max, params.p_max))

    ones, floor = np.ones(splits.shape), np.full(splits.shape, P_FLOOR)
    log_lo, log_hi = np.full(splits.shape, math.log(P_FLOOR)), np.zeros(splits.shape)
    acc_all, acc_one = accurate(floor), accurate(ones)
    fast_one, fast_floor = fast(ones), fast(floor)
    # Accuracy: infeasible below the edge (f = -1), feasible above (f = +1); "lo" keeps f <= 0 as the lower end.
    edge = find_root_bisect(
        lambda y: np.where(accurate(np.exp(y)), 1.0, -1.0),
        log_lo,
        log_hi,
        increasing=True,
        zero="lo",
        xtol=0.0,
        rtol=0.0,
        max_iter=WINDOW_HALVINGS,
    )
    p_lo = np.where(acc_all, 0.0, np.where(acc_one, np.minimum(np.exp(edge.hi), 1.0), np.inf))
    # Latency: feasible below the edge (f = -1), infeasible above (f = +1).
    edge = find_root_bisect(
        lambda y: np.where(fast(np.exp(y)), -1.0, 1.0),
        log_lo,
        log_hi,
        increasing=True,
        zero="lo",
        xtol=0.0,
        rtol=0.0,
        max_iter=WINDOW_HALVINGS,
    )
    p_hi = np.where(fast_one, 1.0, np.where(fast_floor, np.exp(edge.lo), -np.inf))
    return np.asarray(p_lo), np.asarray(p_hi)


def _lower_bound(ps: np.ndarray, energy: np.ndarray, best: np.ndarray) -> np.ndarray:
    """A lower bound of a convex ``h`` on the bracket beside each row's best sample, from extended secants.

    On ``[p_j, p_{j+1}]`` a convex function lies above the secant of
    ``[p_{j-1}, p_j]`` extended to the right and above that of ``[p_{j+1},
    p_{j+2}]`` extended to the left; the larger of their least values on the
    interval bounds its minimum. The row's bound is the smaller over the two
    intervals beside ``best`` (one at an end of the samples); ``-inf`` where a
    needed sample is missing or not finite.
    """
    rows = np.arange(ps.shape[0])
    n = ps.shape[1]

    def at(j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inside = (j >= 0) & (j < n)
        jj = np.clip(j, 0, n - 1)
        return np.where(inside, ps[rows, jj], np.nan), np.where(inside, energy[rows, jj], np.nan)

    def interval(j: np.ndarray) -> np.ndarray:  # bound on [p_j, p_{j+1}]
        (pm, hm), (p0, h0), (p1, h1), (p2, h2) = at(j - 1), at(j), at(j + 1), at(j + 2)
        width = p1 - p0
        with np.errstate(invalid="ignore", divide="ignore"):
            left = h0 + np.minimum((h0 - hm) / (p0 - pm), 0.0) * width
            right = h1 - np.maximum((h2 - h1) / (p2 - p1), 0.0) * width
        left = np.where(np.isfinite(left), left, -np.inf)
        right = np.where(np.isfinite(right), right, -np.inf)
        bound = np.maximum(left, right)
        valid = (j >= 0) & (j + 1 < n) & np.isfinite(h0) & np.isfinite(h1)
        bound = np.where(width > 0, bound, np.minimum(h0, h1))  # a collapsed interval is its samples
        return np.where(valid, bound, np.inf)  # no such interval: it constrains nothing

    bound = np.minimum(interval(best - 1), interval(best))
    return np.asarray(np.where(np.isfinite(energy[rows, best]), bound, -np.inf))


def search(
    params: IsccParams,
    splits: np.ndarray,
    qs: np.ndarray,
    grid: int = 24,
    stages: int = MAX_STAGES,
    p_fixed: float | None = None,
    p_s_fixed: float | None = None,
    rtol: float = ZOOM_RTOL,
) -> Solution:
    """Best design over the given (split, Q) pairs: exact in each pair by a certified 1-D search in ``p``.

    For a fixed (split, Q) and ``p``, Lemmas 3 and 4 give the optimal
    ``P_s`` and ``(P_c, v_e)`` in closed form, so the remaining problem is
    one-dimensional in ``p`` and convex on the pair's feasible window (see
    the module docstring). The window's ends are found by bisection
    (:func:`feasible_window`); the first stage samples it with ``grid``
    points (half uniform, half geometric, both ends included), every later
    stage zooms onto the two intervals beside each pair's best sample with
    ``grid`` uniform points. A pair stops when its best sample is within
    ``rtol`` (relative) of the lower bound that convexity gives on that
    bracket (:func:`_lower_bound`), or after ``stages`` stages.

    Parameters
    ----------
    params : IsccParams
        The instance.
    splits, qs : numpy.ndarray
        The (split, Q) pairs to search, e.g. :func:`design_grid`.
    grid : int
        Samples of ``p`` per pair and stage (at least 4: the bound needs the
        best sample's neighbours and theirs).
    stages : int
        Cap on the sampling stages (at least 1).
    p_fixed : float, optional
        Hold the pruning ratio there (no search; the ``no_pruning`` baseline).
    p_s_fixed : float, optional
        Hold the sensing power there (the ``jcc`` baseline; see :func:`reduced_energy`).
    rtol : float
        Relative gap to the convexity bound at which a pair stops.

    Returns
    -------
    Solution
        ``FEASIBLE`` at the best design, with ``extras["pairs"]`` the number
        of pairs with a non-empty window, ``extras["stages"]`` the stages run
        and ``extras["bracket_gap"]`` the chosen pair's relative gap to its
        lower bound; or ``INFEASIBLE`` with the reason.

    Raises
    ------
    InvalidParameterError
        If ``grid < 4``, ``stages < 1`` or ``rtol`` is not in ``(0, 1)``.

    """
    grid = integer("grid", grid, minimum=4, maximum=10_000)
    stages = integer("stages", stages, minimum=1, maximum=1_000)
    rtol = number("rtol", rtol, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True)
    reason = infeasibility_reason(params)
    if reason is not None:
        return infeasible(reason)
    if p_fixed is not None:
        p_star = np.where(splits == 0, 1.0, p_fixed)
        x, value = _best_sample(params, splits, qs, p_star, p_s_fixed)
        if not math.isfinite(value):
            return infeasible("no (split, Q) meets both the accuracy target and the latency budget at this p")
        return make_solution(params, x, Status.FEASIBLE, pairs=int(splits.size))
    p_lo, p_hi = feasible_window(params, splits, qs, p_s_fixed)
    keep = p_lo <= p_hi
    if not keep.any():
        return infeasible("no (split, Q, p) meets both the accuracy target and the latency budget")
    splits, qs, p_lo, p_hi = splits[keep], qs[keep], p_lo[keep], p_hi[keep]
    n = splits.size
    # First stage: the window's ends, uniform samples and geometric ones crowding p_lo (down to GEOMETRIC_SPAN
    # of the width above it: p itself where p_lo = 0), all distinct while the window has a width.
    n_lin = grid // 2
    shares = np.concatenate([np.linspace(0.0, 1.0, n_lin), np.logspace(math.log10(GEOMETRIC_SPAN), 0.0, grid - n_lin)])
    shares = np.unique(shares)  # sorted, and 1 only once
    ps = p_lo[:, None] + (p_hi - p_lo)[:, None] * shares[None, :]
    steps = np.linspace(0.0, 1.0, grid)
    p_best = np.full(n, np.nan)
    e_best = np.full(n, np.inf)
    gap = np.full(n, np.inf)
    mu_best: np.ndarray | None = None
    mu_all = np.full(n, np.nan)
    open_ = np.arange(n)
    lo = hi = np.zeros(0)
    stage = 0
    for stage in range(1, stages + 1):
        if stage > 1:
            ps = lo[:, None] + (hi - lo)[:, None] * steps[None, :]
        mu_start = None if mu_best is None else mu_best[:, None]
        energy, _, _, _, mu = reduced_energy(params, splits[open_, None], qs[open_, None], ps, p_s_fixed, mu_start)
        best = np.argmin(energy, axis=1)
        rows = np.arange(open_.size)
        e_k = energy[rows, best]
        bound = _lower_bound(ps, energy, best)
        with np.errstate(invalid="ignore"):
            gap_k = np.where(np.isfinite(e_k), (e_k - bound) / np.maximum(np.abs(e_k), 1e-300), np.inf)
        p_best[open_], e_best[open_], gap[open_] = ps[rows, best], e_k, np.maximum(gap_k, 0.0)
        mu_all[open_] = mu[rows, best]
        # Collapsed brackets (the window is one point, or the zoom reached rounding) are done too.
        lo = ps[rows, np.maximum(best - 1, 0)]
        hi = ps[rows, np.minimum(best + 1, ps.shape[1] - 1)]
        done = (gap_k <= rtol) | (hi - lo <= 4.0 * np.finfo(float).eps * np.abs(hi)) | ~np.isfinite(e_k)
        # By convexity the bracket holds the pair's minimum, so `bound` bounds the pair's optimum: a pair
        # whose bound is above the best energy sampled anywhere cannot win and is searched no further.
        done |= bound > np.min(e_best) * (1.0 + rtol)
        still = ~done
        if not still.any():
            break
        open_, lo, hi = open_[still], lo[still], hi[still]
        mu_best = mu_all[open_]
    p_star = np.where(splits == 0, 1.0, p_best)  # no device layers: pruning has no effect
    x, value = _best_sample(params, splits, qs, p_star, p_s_fixed)
    if not math.isfinite(value):
        return infeasible("no (split, Q, p) meets both the accuracy target and the latency budget")
    k = int(np.argmin(np.where(np.isfinite(e_best), e_best, np.inf)))
    return make_solution(params, x, Status.FEASIBLE, pairs=int(n), stages=int(stage), bracket_gap=float(gap[k]))


def solve_analytic(
    params: IsccParams, *, grid: int = 24, stages: int = MAX_STAGES, rtol: float = ZOOM_RTOL
) -> Solution:
    """The default method: :func:`search` over every (split, Q) pair of :func:`design_grid`.

    Parameters
    ----------
    params : IsccParams
        The instance.
    grid : int
        Samples of ``p`` per pair and stage.
    stages : int
        Cap on the sampling stages.
    rtol : float
        Per-pair stopping gap to the convexity lower bound (relative).

    Returns
    -------
    Solution
        ``FEASIBLE`` (problem (22) is not convex over the split and ``Q``: no
        certificate) or ``INFEASIBLE`` with ``extras["reason"]``.

    """
    splits, qs = design_grid(params)
    return search(params, splits, qs, grid, stages, rtol=rtol)
