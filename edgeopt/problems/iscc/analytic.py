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

**Many instances** (:func:`solve_analytic_batch`, ``IsccProblem.solve_batch``)
go through the same code: :func:`search_many` stacks the pairs of every
instance into the rows of one :class:`~edgeopt.problems.iscc.pairs.PairRows`
(instances grouped by their number of layers, rows cut into chunks of about
:data:`CHUNK_ROWS`), and every step above is elementwise along the rows, with
the two steps that involve a whole instance (the least energy sampled over
its pairs, and the final pick) taken per instance on its own rows. A pair
stops on its own test and is then frozen: the stages run while any pair of
any instance is open, and an instance's rows no longer move once its pairs
are done. A single solve is a batch of one, so an instance's answer is the
same, bit for bit, alone or in any batch (the tests check both).

Complexity: two bisections of 60 steps on ``(L (Q_max - 1) + 1)`` pairs, and
about ``log(1 / rtol) / log((grid - 1) / 2)`` stages of ``pairs x grid``
instances of :func:`lemma4` (12 stages of 24 samples on Table II); in a
batch, the same per instance, in arrays of up to :data:`CHUNK_ROWS` pairs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer, number
from edgeopt.problems.iscc.lemma4 import time_feasible
from edgeopt.problems.iscc.model import IsccParams, infeasibility_reason, make_solution, point
from edgeopt.problems.iscc.pairs import PairRows
from edgeopt.solvers.batch import take_batch
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
# Pairs per chunk of a batch: the first stage forms (pairs x grid x L) arrays, 8192 x 24 x 7 doubles ~ 11 MB,
# large enough that the numpy calls of a stage cost far more than their Python overhead.
CHUNK_ROWS = 8192

_NO_DESIGN = "no (split, Q, p) meets both the accuracy target and the latency budget"


def design_grid(params: IsccParams) -> tuple[np.ndarray, np.ndarray]:
    """All (split, Q) pairs of the outer enumeration (:meth:`IsccParams.design_pairs`)."""
    return params.design_pairs()


def _one_instance_rows(params: IsccParams, split: np.ndarray, q: np.ndarray) -> tuple[PairRows, tuple[int, ...]]:
    """Rows for every entry of the broadcast ``(split, q)`` of one instance, and that broadcast shape."""
    split, q = np.broadcast_arrays(np.asarray(split), np.asarray(q))
    return PairRows([params], [split.reshape(-1)], [q.reshape(-1)]), split.shape


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
    sub-problem (26) with ``T2 = T_max - T_sen - A_s(l) / v_s``
    (:meth:`~edgeopt.problems.iscc.pairs.PairRows.reduced_energy`, one row per
    broadcast entry).

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
        Lemma 4's ``mu_1``, of the broadcast shape.

    """
    shape = np.broadcast_shapes(np.shape(split), np.shape(q), np.shape(p))
    rows, _ = _one_instance_rows(params, np.broadcast_to(split, shape), np.broadcast_to(q, shape))
    flat_p = np.broadcast_to(np.asarray(p, dtype=float), shape).reshape(-1)
    start = None if mu_start is None else np.broadcast_to(np.asarray(mu_start, dtype=float), shape).reshape(-1)
    return tuple(np.reshape(out, shape) for out in rows.reduced_energy(flat_p, p_s_fixed, start))


def _window(rows: PairRows, p_s_fixed: float | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`feasible_window` of every row (pair) of ``rows``."""

    def accurate(p: np.ndarray) -> np.ndarray:
        if p_s_fixed is None:
            return np.asarray(np.isfinite(rows.sensing_power(p)))
        return np.asarray(rows.accuracy(p_s_fixed, p) >= rows.R_t)

    def fast(p: np.ndarray) -> np.ndarray:
        a2 = rows.device_flops(p)
        return np.asarray((rows.t2 > 0) & time_feasible(rows.a1, a2, rows.gamma, rows.t2, rows.v_max, rows.p_max))

    shape = (rows.size,)
    ones, floor = np.ones(shape), np.full(shape, P_FLOOR)
    log_lo, log_hi = np.full(shape, math.log(P_FLOOR)), np.zeros(shape)
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
    everywhere). The arrays have the broadcast shape of ``splits`` and ``qs``.
    """
    rows, shape = _one_instance_rows(params, splits, qs)
    p_lo, p_hi = _window(rows, p_s_fixed)
    return p_lo.reshape(shape), p_hi.reshape(shape)


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


class _Segments:
    """The rows of each instance in a set of rows sorted by instance: per-instance minima and first minimisers.

    ``ids`` are the instances present, ``starts`` where their rows begin and
    ``of_row`` each row's position in ``ids``. Both reductions are exact
    (a minimum, an index), so they equal the same reduction over one
    instance's rows alone.
    """

    def __init__(self, instance: np.ndarray) -> None:
        self.ids, self.starts = np.unique(instance, return_index=True)
        self.of_row = np.searchsorted(self.ids, instance)
        self.n_rows = instance.size

    def minimum(self, values: np.ndarray) -> np.ndarray:
        """Each instance's least value (NaN if it has one, as ``np.min``)."""
        return np.asarray(np.minimum.reduceat(values, self.starts))

    def argmin(self, values: np.ndarray) -> np.ndarray:
        """Each instance's first row of least value, as ``np.argmin`` over its rows (a NaN counts as least)."""
        least = self.minimum(values)[self.of_row]
        hit = (values == least) | (np.isnan(least) & np.isnan(values))
        return np.asarray(np.minimum.reduceat(np.where(hit, np.arange(self.n_rows), self.n_rows), self.starts))


def _zoom(
    rows: PairRows, p_lo: np.ndarray, p_hi: np.ndarray, grid: int, stages: int, p_s_fixed: float | None, rtol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The stages of :func:`search` on every row (pair) of ``rows`` at once.

    Returns each row's best sample ``p`` and energy, its relative gap to the
    convexity bound, and each instance's stage count (indexed like
    ``_Segments(rows.instance).ids``).
    """
    segments = _Segments(rows.instance)
    n = rows.size
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
    mu_all = np.full(n, np.nan)
    stage_count = np.zeros(segments.ids.size, dtype=np.int64)
    mu_best: np.ndarray | None = None
    open_, live = np.arange(n), rows
    lo = hi = np.zeros(0)
    for stage in range(1, stages + 1):
        if stage > 1:
            ps = lo[:, None] + (hi - lo)[:, None] * steps[None, :]
        mu_start = None if mu_best is None else mu_best[:, None]
        energy, _, _, _, mu = live.reduced_energy(ps, p_s_fixed, mu_start)
        best = np.argmin(energy, axis=1)
        at = np.arange(open_.size)
        e_k = energy[at, best]
        bound = _lower_bound(ps, energy, best)
        with np.errstate(invalid="ignore"):
            gap_k = np.where(np.isfinite(e_k), (e_k - bound) / np.maximum(np.abs(e_k), 1e-300), np.inf)
        p_best[open_], e_best[open_], gap[open_] = ps[at, best], e_k, np.maximum(gap_k, 0.0)
        mu_all[open_] = mu[at, best]
        stage_count[segments.of_row[open_]] = stage
        # Collapsed brackets (the window is one point, or the zoom reached rounding) are done too.
        lo = ps[at, np.maximum(best - 1, 0)]
        hi = ps[at, np.minimum(best + 1, ps.shape[1] - 1)]
        done = (gap_k <= rtol) | (hi - lo <= 4.0 * np.finfo(float).eps * np.abs(hi)) | ~np.isfinite(e_k)
        # By convexity the bracket holds the pair's minimum, so `bound` bounds the pair's optimum: a pair
        # whose bound is above the best energy sampled in any pair of its instance cannot win and is
        # searched no further.
        done |= bound > segments.minimum(e_best)[segments.of_row[open_]] * (1.0 + rtol)
        still = ~done
        if not still.any():
            break
        open_, lo, hi = open_[still], lo[still], hi[still]
        live = take_batch(live, still)
        mu_best = mu_all[open_]
    return p_best, e_best, gap, stage_count


def _prechecks(params: Sequence[IsccParams]) -> list[str | None]:
    """:func:`~edgeopt.problems.iscc.model.infeasibility_reason` of instances with one layer count, vectorised.

    The two bounds of the model's check for every instance at once: the best
    accuracy over the splits (at ``P_max``, ``p = 1``, ``Q = Q_max``) and the
    shortest latency (full power and CPU speed, ``p = 1e-9``, ``Q = 2``). An
    instance that fails either gets the model's own message.
    """
    n_layers = params[0].n_layers
    splits = np.arange(n_layers + 1)
    last = splits == n_layers
    count = n_layers + 1
    rows = PairRows(params, [splits] * len(params), [np.where(last, 0, p.q_max) for p in params])
    best = rows.acc_a * np.arctan(rows.acc_b * rows.p_max) * (1.0 - rows.error(np.ones(rows.size)))
    rows = PairRows(params, [splits] * len(params), [np.where(last, 0, 2)] * len(params))
    fastest = rows.latency(np.full(rows.size, 1e-9), rows.p_max, rows.v_max)
    best, fastest = best.reshape(-1, count).max(axis=1), fastest.reshape(-1, count).min(axis=1)
    r_t, t_max = rows.R_t[::count], rows.T_max[::count]
    flagged = (best < r_t) | (fastest > t_max)
    return [infeasibility_reason(p) if flag else None for p, flag in zip(params, flagged, strict=True)]


def _chunks(counts: Sequence[int], limit: int) -> list[list[int]]:
    """Consecutive groups of positions whose counts sum to at most ``limit`` (at least one position each)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, count in enumerate(counts):
        if current and total + count > limit:
            chunks.append(current)
            current, total = [], 0
        current.append(i)
        total += count
    if current:
        chunks.append(current)
    return chunks


def _solve_chunk(
    params: Sequence[IsccParams],
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    grid: int,
    stages: int,
    p_fixed: float | None,
    p_s_fixed: float | None,
    rtol: float,
) -> list[Solution]:
    """:func:`search` of instances with one layer count (each with at least one pair), in one pass."""
    rows = PairRows(params, [s for s, _ in pairs], [q for _, q in pairs])
    extras: list[dict[str, int | float]]
    if p_fixed is not None:
        message = "no (split, Q) meets both the accuracy target and the latency budget at this p"
        p_star = np.where(rows.split == 0, 1.0, p_fixed)
        extras = [{"pairs": int(np.size(s))} for s, _ in pairs]
        live = rows
    else:
        message = _NO_DESIGN
        p_lo, p_hi = _window(rows, p_s_fixed)
        keep = p_lo <= p_hi
        live = take_batch(rows, keep)
        extras = [{} for _ in params]
        if live.size:
            segments = _Segments(live.instance)
            p_best, e_best, gap, stage_count = _zoom(live, p_lo[keep], p_hi[keep], grid, stages, p_s_fixed, rtol)
            p_star = np.where(live.split == 0, 1.0, p_best)  # no device layers: pruning has no effect
            chosen = segments.argmin(np.where(np.isfinite(e_best), e_best, np.inf))
            pairs_kept = np.diff(np.append(segments.starts, live.size))
            for j, i in enumerate(segments.ids):
                extras[i] = {
                    "pairs": int(pairs_kept[j]),
                    "stages": int(stage_count[j]),
                    "bracket_gap": float(gap[chosen[j]]),
                }
    solutions: list[Solution] = [infeasible(message) for _ in params]
    if live.size == 0:
        return solutions
    segments = _Segments(live.instance)
    energy, p_s, p_c, v_e, _ = live.reduced_energy(p_star, p_s_fixed)
    best = segments.argmin(energy)
    for j, i in enumerate(segments.ids):
        k = int(best[j])
        if not math.isfinite(float(energy[k])):
            continue
        p_c_k = float(p_c[k]) if live.bits[k] > 0 else 0.0
        x = point(int(live.split[k]), int(live.q[k]), float(p_star[k]), float(p_s[k]), p_c_k, float(v_e[k]))
        solutions[i] = make_solution(params[i], x, Status.FEASIBLE, **extras[i])
    return solutions


def search_many(
    params: Sequence[IsccParams],
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    grid: int = 24,
    stages: int = MAX_STAGES,
    p_fixed: float | None = None,
    p_s_fixed: float | None = None,
    rtol: float = ZOOM_RTOL,
) -> list[Solution]:
    """:func:`search` of many instances, each over its own (split, Q) pairs, in a few vectorised passes.

    Instances are grouped by their number of layers and their pairs stacked
    into chunks of about :data:`CHUNK_ROWS` rows (:class:`~edgeopt.problems.iscc.pairs.PairRows`);
    every step runs on a chunk's rows at once, each instance's answer being
    the one :func:`search` returns for it alone, bit for bit.

    Parameters
    ----------
    params : sequence of IsccParams
        The instances.
    pairs : sequence of (splits, qs)
        Each instance's pairs, e.g. :func:`design_grid`.
    grid, stages, p_fixed, p_s_fixed, rtol
        As in :func:`search`, the same for every instance.

    Returns
    -------
    list of Solution
        One per instance, in order.

    Raises
    ------
    InvalidParameterError
        As :func:`search`, or if ``pairs`` does not have one entry per instance.

    """
    grid = integer("grid", grid, minimum=4, maximum=10_000)
    stages = integer("stages", stages, minimum=1, maximum=1_000)
    rtol = number("rtol", rtol, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True)
    if len(pairs) != len(params):
        raise InvalidParameterError(f"search_many needs one (splits, qs) per instance: {len(pairs)} for {len(params)}")
    solutions: list[Solution | None] = [None] * len(params)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(params):
        groups.setdefault(p.n_layers, []).append(i)
    for members in groups.values():
        reasons = _prechecks([params[i] for i in members])
        todo = []
        for i, reason in zip(members, reasons, strict=True):
            if reason is not None:
                solutions[i] = infeasible(reason)
            elif np.size(pairs[i][0]) == 0:
                solutions[i] = infeasible(_NO_DESIGN)
            else:
                todo.append(i)
        for chunk in _chunks([int(np.size(pairs[i][0])) for i in todo], CHUNK_ROWS):
            picked = [todo[j] for j in chunk]
            found = _solve_chunk(
                [params[i] for i in picked], [pairs[i] for i in picked], grid, stages, p_fixed, p_s_fixed, rtol
            )
            for i, solution in zip(picked, found, strict=True):
                solutions[i] = solution
    return [s for s in solutions if s is not None]


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
    bracket (:func:`_lower_bound`), or after ``stages`` stages. The same code
    as :func:`search_many`, with one instance.

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
    return search_many([params], [(np.asarray(splits), np.asarray(qs))], grid, stages, p_fixed, p_s_fixed, rtol)[0]


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


def solve_analytic_batch(
    params: Sequence[IsccParams], *, grid: int = 24, stages: int = MAX_STAGES, rtol: float = ZOOM_RTOL
) -> list[Solution]:
    """``IsccProblem.BATCH_METHODS["analytic"]``: :func:`solve_analytic` of many instances in one call.

    The instances may differ in any field, the network included
    (:func:`search_many` groups them by layer count). Each answer equals, bit
    for bit, :func:`solve_analytic` of that instance alone, whatever else is
    in the batch.

    Parameters
    ----------
    params : sequence of IsccParams
        The instances.
    grid, stages, rtol
        As in :func:`solve_analytic`.

    Returns
    -------
    list of Solution
        One per instance, in order; ``solve_time_s`` is the batch's wall time per instance.

    """
    start = time.perf_counter()
    grids: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}  # the pairs depend on (L, Q_max) only
    for p in params:
        if (p.n_layers, p.q_max) not in grids:
            grids[p.n_layers, p.q_max] = design_grid(p)
    pairs = [grids[p.n_layers, p.q_max] for p in params]
    solutions = search_many(params, pairs, grid, stages, rtol=rtol)
    share = (time.perf_counter() - start) / max(len(params), 1)
    for solution in solutions:
        solution.solve_time_s = share
    return solutions
