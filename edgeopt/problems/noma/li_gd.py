"""Li-GD, the paper's Algorithm 1 (Table I): loop-iteration gradient descent over the split, then rounding.

For each common split ``s = 1..F`` (the paper's loop) the relaxed problem is solved by projected
gradient descent on ``(beta_up, p)``, ``(beta_dn, P)`` and ``r``; split ``s + 1`` starts from the
optimum of split ``s`` (the loop iteration, Corollary 4). Split 0 (Edge-Only) is solved after the loop
from split 1's optimum, and split ``F`` (Device-Only) needs nothing. The best split's relaxed
allocation is then rounded to a feasible assignment and the powers and ``r`` re-optimised for it.

Choices the paper leaves open, and ours
---------------------------------------
* **Projection.** The paper's update has none; the relaxed ``beta`` must stay on each user's
  simplex and the powers and ``r`` in their boxes, so every step is projected
  (:func:`edgeopt.solvers.first_order.project_simplex`, a clip for the boxes).
* **Step size.** The paper gives none. We use :func:`edgeopt.solvers.first_order.row_scaled_projected_gradient`:
  a Barzilai-Borwein step per user and block (gains span decades, so one shared step would crawl for
  most users) with Armijo backtracking on the whole utility, which keeps every step a descent step.
* **Stopping** (the paper's two rules): the relative Frank-Wolfe gap (the scale-free
  projected-gradient residual, :func:`~edgeopt.problems.noma.model.relaxed_utility_and_gaps`) below
  ``gtol``, or the relative change of the utility below ``ftol``.
* **Blocks.** For a common split the utility is a sum of an uplink, a downlink and a compute part with
  no variable in common (:mod:`edgeopt.problems.noma.model`), so the three are descended separately:
  the same iterates as one joint descent with a block-diagonal scaling.
* **Rounding.** The paper's ``beta > 0.5 -> 1`` can leave a user with no subchannel or put more than
  ``cluster_cap`` users on one. We take each user's largest ``beta`` and then repair every cluster
  over the cap: per round, each over-full cluster moves its user whose move costs least (its per-bit
  link cost on the best subchannel with room, at the current interference) and each receiving cluster
  takes one user, until no cluster is over the cap.
* **Local search** (not in the paper): single-user moves to subchannels with room, kept only where
  the exact utility falls (:func:`improve_assignment`), then the powers once more: the relaxed descent
  is local, and a move it cannot see often lowers the utility.
* **Re-optimisation** (not in the paper): with the assignment fixed, the powers by L-BFGS-B
  (:func:`polish_power`: the coupled power problem converges only linearly under per-user steps) and
  ``r`` by the descent.
  For a common split the uplink part is ``w_s`` times a function of ``(beta_up, p)`` alone, and ``r``'s
  optimum does not depend on ``f_e(s)``, so the re-optimised powers and ``r`` are optimal for every
  split ``s < F`` with that assignment: the exact utility of every split, 0 and ``F`` included, is then
  evaluated and the best taken.

``gd`` (:func:`solve_gd`) is the same without warm starts: every split starts from the uninformed
point (uniform ``beta``, powers and ``r`` at the middle of their boxes), for Corollary 4's comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from tqdm import tqdm

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import boolean, integer, number
from edgeopt.problems.noma import model
from edgeopt.problems.noma.model import LinkGains, NomaDecision, NomaParams, RelaxedPoint
from edgeopt.solvers.first_order import CONVERGED, project_simplex, row_scaled_projected_gradient
from edgeopt.solvers.threads import single_blas_thread

FloatArray = np.ndarray
GTOL = 1e-8
FTOL = 1e-10
# The "utility stopped changing" rule stops a descent only once its relative Frank-Wolfe gap is below this:
# a run of tiny steps after a deep backtrack had stopped one at a gap of 5.5e-3 (random_params(43)).
STALL_GAP = 1e-5
MAX_ITER = 1000


def _link(direction: str) -> Any:
    return model.uplink if direction == "up" else model.downlink


def _power_box(params: NomaParams, direction: str) -> tuple[float, float]:
    if direction == "up":
        return params.device_power_min, params.device_power_max
    return params.ap_power_min, params.ap_power_max


def descend_link(
    params: NomaParams,
    gains: LinkGains,
    direction: str,
    bits: FloatArray,
    beta: FloatArray,
    power: FloatArray,
    *,
    gtol: float = GTOL,
    ftol: float = FTOL,
    max_iter: int = MAX_ITER,
) -> tuple[FloatArray, FloatArray, float, int, bool]:
    """Descend one direction's part over ``(beta, power)``.

    Returns ``(beta, power, value, iterations, converged)``.
    """
    link = _link(direction)
    low, high = _power_box(params, direction)

    # The descent sees the value over its start value: O(1) whatever the instance's units (the wide
    # instances span 1e-30..1e30), so steps and their products stay far from overflow.
    scale = float(link(params, gains, bits, beta, power, gradient=False).value)
    if scale == 0.0:  # a silent direction (s = F): nothing to descend
        return beta, power, 0.0, 0, True

    def value(blocks: list[FloatArray]) -> float:
        return float(link(params, gains, bits, blocks[0], blocks[1], gradient=False).value) / scale

    def value_and_gradient(blocks: list[FloatArray]) -> tuple[float, list[FloatArray]]:
        ev = link(params, gains, bits, blocks[0], blocks[1])
        return float(ev.value) / scale, [ev.grad_beta / scale, ev.grad_power / scale]

    def project(blocks: list[FloatArray]) -> list[FloatArray]:
        return [project_simplex(blocks[0]), np.clip(blocks[1], low, high)]

    def stationarity(blocks: list[FloatArray], grads: list[FloatArray], f: float) -> float:
        scale = max(abs(f), 1e-300)
        gap = model.box_frank_wolfe_gap(blocks[1], grads[1], low, high)
        return (gap + model.simplex_frank_wolfe_gap(blocks[0], grads[0])) / scale

    x0 = [beta, power]
    _, g0 = value_and_gradient(x0)
    # First steps: a move of a tenth of the simplex or of the power box for each user.
    steps = [_first_step(g, 1.0) for g in g0[:-1]] + [_first_step(g0[-1], 0.1 * (high - low))]
    res = row_scaled_projected_gradient(
        value,
        value_and_gradient,
        project,
        stationarity,
        x0,
        steps,
        max_iter=max_iter,
        gtol=gtol,
        ftol=ftol,
        stall_gap=STALL_GAP,
    )
    b, q = res.x
    return b, q, float(res.value) * scale, int(res.iterations), res.status == CONVERGED


def polish_power(
    params: NomaParams,
    gains: LinkGains,
    direction: str,
    bits: FloatArray,
    beta: FloatArray,
    power: FloatArray,
    *,
    max_iter: int = MAX_ITER,
) -> tuple[FloatArray, float, int]:
    """One direction's powers for a fixed assignment by L-BFGS-B; returns ``(power, value, iterations)``.

    With the assignment fixed the powers of a cell's cluster still interact through SIC and every cell
    through inter-cell interference; a per-user step (the relaxed descent's) converges only linearly
    on that coupling (measured: 1,000 iterations to a Frank-Wolfe gap of 1e-7 on
    ``yuan2023-networks-vgg16``), while L-BFGS-B's curvature pairs capture it. The variables are the
    powers over the box's top (so all are O(1)) and the objective is divided by its start value.
    """
    from scipy.optimize import minimize

    link = _link(direction)
    low, high = _power_box(params, direction)
    start_value = float(link(params, gains, bits, beta, power, gradient=False).value)
    if start_value == 0.0 or low == high:
        return np.clip(power, low, high), start_value, 0

    def fun(z: FloatArray) -> tuple[float, FloatArray]:
        ev = link(params, gains, bits, beta, z * high)
        assert ev.grad_power is not None
        return float(ev.value) / start_value, ev.grad_power * high / start_value

    res = minimize(
        fun,
        np.clip(power, low, high) / high,
        jac=True,
        method="L-BFGS-B",
        bounds=[(low / high, 1.0)] * power.shape[0],
        # Tolerances at rounding level of the scaled problem: the iteration cap or L-BFGS-B's own
        # "no progress" test ends it, the OMA cross-check's 1e-6 needs far less.
        options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 20},
    )
    polished = np.clip(res.x * high, low, high)
    value = float(link(params, gains, bits, beta, polished, gradient=False).value)
    if value > start_value:  # never worse than the start (L-BFGS-B is a descent method; rounding aside)
        return np.clip(power, low, high), start_value, int(res.nit)
    return polished, value, int(res.nit)


def descend_compute(
    params: NomaParams,
    split: FloatArray,
    r: FloatArray,
    *,
    gtol: float = GTOL,
    ftol: float = FTOL,
    max_iter: int = MAX_ITER,
) -> tuple[FloatArray, float, int, bool]:
    """Descend the compute part over ``r`` in its box; returns ``(r, value, iterations, converged)``."""
    scale = model.compute_value_and_gradient(params, split, r)[0]
    if scale == 0.0:  # nothing computed at the edge (s = F)
        return r, 0.0, 0, True

    def value(blocks: list[FloatArray]) -> float:
        return model.compute_value_and_gradient(params, split, blocks[0])[0] / scale

    def value_and_gradient(blocks: list[FloatArray]) -> tuple[float, list[FloatArray]]:
        v, g = model.compute_value_and_gradient(params, split, blocks[0])
        return v / scale, [g / scale]

    def project(blocks: list[FloatArray]) -> list[FloatArray]:
        return [np.clip(blocks[0], params.r_min, params.r_max)]

    def stationarity(blocks: list[FloatArray], grads: list[FloatArray], f: float) -> float:
        return model.box_frank_wolfe_gap(blocks[0], grads[0], params.r_min, params.r_max) / max(abs(f), 1e-300)

    _, g0 = value_and_gradient([r])
    steps = [_first_step(g0[0], 0.1 * (params.r_max - params.r_min))]
    res = row_scaled_projected_gradient(
        value,
        value_and_gradient,
        project,
        stationarity,
        [r],
        steps,
        max_iter=max_iter,
        gtol=gtol,
        ftol=ftol,
        stall_gap=STALL_GAP,
    )
    return res.x[0], float(res.value) * scale, int(res.iterations), res.status == CONVERGED


def _first_step(grad: FloatArray, move: float) -> FloatArray:
    """Row steps that move each row by about ``move`` along its gradient (1 where the gradient is 0)."""
    norm = np.abs(grad).reshape(grad.shape[0], -1).max(axis=1)
    usable = (norm > 0) & np.isfinite(norm) & (move > 0)
    # A degenerate box (p_min = p_max) has nothing to move: any positive step, the projection pins it.
    with np.errstate(over="ignore"):
        step = np.where(usable, move / np.where(usable, norm, 1.0), 1.0)
    return np.clip(np.where(np.isfinite(step) & (step > 0), step, 1.0), 1e-200, 1e200)


def uninformed_point(params: NomaParams, split: int) -> RelaxedPoint:
    """Algorithm 1's start "without any information": uniform ``beta``, powers and ``r`` mid-box."""
    u, m = params.n_users, params.n_subchannels
    uniform = np.full((u, m), 1.0 / m)
    return RelaxedPoint(
        split,
        uniform,
        np.full(u, 0.5 * (params.device_power_min + params.device_power_max)),
        uniform.copy(),
        np.full(u, 0.5 * (params.ap_power_min + params.ap_power_max)),
        np.full(u, 0.5 * (params.r_min + params.r_max)),
    )


STARTS = ("spread", "greedy", "uniform")


def initial_point(params: NomaParams, gains: LinkGains, split: int, start: str) -> RelaxedPoint:
    """The first split's start: ``"uniform"`` or ``"greedy"`` (the default).

    ``"uniform"`` is Algorithm 1's start "without any information" (L1520): uniform ``beta``, powers and
    ``r`` mid-box. ``"greedy"`` puts every user on its strongest subchannel with room (the rounding of
    :func:`round_assignment` applied to ``beta`` proportional to the own gains) at full power: a vertex of
    the relaxed set, from which the descent converged 2.5x faster at paper scale and to a lower utility
    (VGG16, split 1, seed 0: 157 iterations to a Frank-Wolfe gap of 3e-10, utility 7068, against
    400 iterations to 3e-6, utility 7086, from the uniform start).
    """
    if start == "uniform":
        return uninformed_point(params, split)
    point = uninformed_point(params, split)
    m = params.n_subchannels
    p = np.full(params.n_users, params.device_power_max)
    big_p = np.full(params.n_users, params.ap_power_max)
    placing = params
    if start == "spread" and params.access == "noma":
        counts = np.bincount(gains.cell, minlength=params.n_aps)
        # One user per subchannel in each cell where the cell has room for it (reuse across cells stays).
        placing = replace(params, cluster_cap=int(max(1, -(-int(counts.max()) // m))))
    sub_up, _ = round_assignment(placing, gains, "up", gains.own_up / gains.own_up.sum(axis=1, keepdims=True), p)
    sub_dn, _ = round_assignment(placing, gains, "dn", gains.own_dn / gains.own_dn.sum(axis=1, keepdims=True), big_p)
    return RelaxedPoint(split, model.one_hot(sub_up, m), p, model.one_hot(sub_dn, m), big_p, point.r)


def descend_split(
    params: NomaParams, gains: LinkGains, start: RelaxedPoint, split: int, **options: Any
) -> tuple[RelaxedPoint, float, int, bool]:
    """The relaxed optimum of one common split from ``start``: ``(point, utility, iterations, converged)``."""
    s = np.full(params.n_users, split)
    bits_up, bits_dn = model.split_bits(params, s)
    beta_up, p, v_up, it_up, ok_up = descend_link(params, gains, "up", bits_up, start.beta_up, start.p, **options)
    beta_dn, big_p, v_dn, it_dn, ok_dn = descend_link(params, gains, "dn", bits_dn, start.beta_dn, start.P, **options)
    r, v_cp, it_cp, ok_cp = descend_compute(params, s, start.r, **options)
    t_dev, e_dev = model.device_part(params, s)
    utility = float(np.sum(params.w_T * t_dev + params.w_E * e_dev)) + v_up + v_dn + v_cp
    point = RelaxedPoint(split, beta_up, p, beta_dn, big_p, r)
    return point, utility, it_up + it_dn + it_cp, ok_up and ok_dn and ok_cp


# ---------------------------------------------------------------------------------------------- rounding
def round_assignment(
    params: NomaParams, gains: LinkGains, direction: str, beta: FloatArray, power: FloatArray
) -> tuple[np.ndarray, int]:
    """A feasible subchannel per user from a relaxed ``beta``: argmax, then the cap repair (module docstring).

    Returns ``(subchannel per user, users moved by the repair)``.
    """
    u, m = params.n_users, params.n_subchannels
    sub = np.asarray(np.argmax(beta, axis=1), dtype=np.int64)
    oma = params.access == "oma"
    key = np.zeros(u, dtype=np.int64) if oma else gains.cell
    n_keys = 1 if oma else params.n_aps
    cap = 1 if oma else params.cluster_cap
    link = _link(direction)
    # Per-bit cost weights: a silent user still holds a subchannel (18.e)-(18.f), so it moves by the same rule.
    weight = params.w_T + params.w_E * power
    ones = np.ones(u)
    moved = 0
    for _ in range(u * m + 1):  # each round moves at least one user; the bound is never reached
        load = np.bincount(key * m + sub, minlength=n_keys * m).reshape(n_keys, m)
        over_user = load[key, sub] > cap
        if not over_user.any():
            break
        sinr = link(params, gains, ones, model.one_hot(sub, m), power, gradient=False).sinr
        cost = weight[:, None] / (params.subchannel_bandwidth * np.log2(1.0 + sinr))
        room = (load < cap)[key]  # (U, M): subchannels with room in the user's cluster row
        alt = np.where(room, cost, np.inf)
        target = np.argmin(alt, axis=1)
        delta = alt[np.arange(u), target] - cost[np.arange(u), sub]
        candidate = over_user & np.isfinite(delta)
        users = np.flatnonzero(candidate)
        users = users[np.argsort(delta[users], kind="stable")]
        # One mover per over-full cluster and one arrival per receiving cluster in this round.
        _, first = np.unique(key[users] * m + sub[users], return_index=True)
        users = users[np.sort(first)]
        _, first = np.unique(key[users] * m + target[users], return_index=True)
        users = users[np.sort(first)]
        sub[users] = target[users]
        moved += int(users.size)
    return sub, moved


def improve_assignment(
    params: NomaParams,
    gains: LinkGains,
    direction: str,
    bits: FloatArray,
    sub: np.ndarray,
    power: FloatArray,
    *,
    rounds: int | None = None,
) -> tuple[np.ndarray, int]:
    """Single-user moves that lower the exact link value, after the rounding (beyond the paper).

    Each round prices every transmitting user on every subchannel with room in its cluster at the
    current interference (``bits (w_T + w_E q) / (b log2(1 + SINR))``, the move's own effect on the
    others left out), moves each cell's user with the largest estimated saving, and keeps the moves
    only if the exact value (:func:`~edgeopt.problems.noma.model.uplink` / ``downlink``) falls; failing
    that it tries the single best move, and stops when that fails too. Monotone by construction.

    Returns ``(subchannels, moves kept)``.
    """
    u, m = params.n_users, params.n_subchannels
    oma = params.access == "oma"
    key = np.zeros(u, dtype=np.int64) if oma else gains.cell
    n_keys = 1 if oma else params.n_aps
    cap = 1 if oma else params.cluster_cap
    link = _link(direction)
    weight = bits * (params.w_T + params.w_E * power)
    users = np.arange(u)
    sub = sub.copy()
    ev = link(params, gains, bits, model.one_hot(sub, m), power, gradient=False)
    value = float(ev.value)
    kept = 0
    for _ in range(rounds if rounds is not None else 4 * u):
        load = np.bincount(key * m + sub, minlength=n_keys * m).reshape(n_keys, m)
        room = (load < cap)[key]
        room[users, sub] = True
        with np.errstate(divide="ignore"):
            cost = weight[:, None] / (params.subchannel_bandwidth * np.log2(1.0 + ev.sinr))
        cost = np.where(room, cost, np.inf)
        target = np.argmin(cost, axis=1)
        saving = cost[users, sub] - cost[users, target]
        movers = np.flatnonzero((saving > 0) & (weight > 0))
        if movers.size == 0:
            break
        movers = movers[np.argsort(-saving[movers], kind="stable")]
        _, first = np.unique(key[movers], return_index=True)
        batch = movers[np.sort(first)]
        accepted = False
        for trial_users in (batch, movers[:1]):
            trial = sub.copy()
            trial[trial_users] = target[trial_users]
            if np.bincount(key * m + trial, minlength=n_keys * m).max() > cap:
                continue
            trial_ev = link(params, gains, bits, model.one_hot(trial, m), power, gradient=False)
            if trial_ev.value < value:
                sub, ev, value = trial, trial_ev, float(trial_ev.value)
                kept += int(trial_users.size)
                accepted = True
                break
        if not accepted:
            break
    return sub, kept


# ---------------------------------------------------------------------------------------------- methods
def _check_options(gtol: float, ftol: float, max_iter: int, progress: bool) -> None:
    number("gtol", gtol, minimum=0.0)
    number("ftol", ftol, minimum=0.0)
    integer("max_iter", max_iter, minimum=1)
    boolean("progress", progress)


def reoptimise(
    params: NomaParams,
    gains: LinkGains,
    split: np.ndarray,
    sub_up: np.ndarray,
    sub_dn: np.ndarray,
    start: RelaxedPoint,
    **options: Any,
) -> tuple[NomaDecision, int]:
    """Powers and ``r`` descended for a fixed (per-user) split and assignment; ``(decision, iterations)``."""
    bits_up, bits_dn = model.split_bits(params, split)
    m = params.n_subchannels
    polish = {k: v for k, v in options.items() if k == "max_iter"}
    p, _, it_up = polish_power(params, gains, "up", bits_up, model.one_hot(sub_up, m), start.p, **polish)
    big_p, _, it_dn = polish_power(params, gains, "dn", bits_dn, model.one_hot(sub_dn, m), start.P, **polish)
    # r for a user with nothing at the edge is free: keep its start.
    r, _, it_cp, _ = descend_compute(params, split, start.r, **options)
    return NomaDecision(split, sub_up, sub_dn, p, big_p, r), it_up + it_dn + it_cp


def solve_li_gd(
    params: NomaParams,
    *,
    warm_start: bool = True,
    start: str = "spread",
    starts: int | None = None,
    seed: int = 0,
    local_search: bool = True,
    split: int | None = None,
    sub_up: Any = None,
    sub_dn: Any = None,
    gtol: float = GTOL,
    ftol: float = FTOL,
    max_iter: int = MAX_ITER,
    progress: bool = False,
    method: str = "li_gd",
) -> Solution:
    """Li-GD (Algorithm 1) with rounding and re-optimisation; ``FEASIBLE`` (the problem is not convex).

    Parameters
    ----------
    params : NomaParams
        The instance.
    warm_start : bool
        Start split ``s + 1`` from split ``s``'s optimum (Li-GD); False gives :func:`solve_gd`.
    start : str
        The first start (:func:`initial_point`): ``"spread"``, ``"greedy"`` or ``"uniform"``.
    starts : int, optional
        Runs of Algorithm 1 from different starts, the best kept: ``start``, the other named starts, then
        seeded random ``beta`` (:func:`start_point`). None: :func:`auto_starts` (6 on small instances, 1 at
        paper scale).
    seed : int
        Seed of the random starts.
    local_search : bool
        Run :func:`improve_assignment` after the rounding (beyond the paper). ``starts=1,
        local_search=False`` is Algorithm 1 with only the issue's additions (projection, Armijo steps,
        rounding with the cap repair, re-optimised powers and ``r``).
    split : int, optional
        Solve this common split only (``0..F``).
    sub_up, sub_dn : array of int (U,), optional
        Hold the assignment fixed (both or neither): only the powers and ``r`` are descended. With
        ``split`` too this is the OMA cross-check's "li_gd with the split and assignment held fixed".
    gtol, ftol, max_iter : float, float, int
        Stopping rules of every descent (module docstring).
    progress : bool
        A tqdm bar over the split indices.
    method : str
        The name the solution carries (``"gd"`` from :func:`solve_gd`).

    Returns
    -------
    Solution
        ``x``: the decision's fields; ``iterations``: gradient iterations over all splits; ``extras``:
        ``relaxed`` (the best split's relaxed point), ``relaxed_utility`` per split (NaN-free; ``inf``
        for a split not solved), ``iterations_per_split``, ``repair_moves``, ``converged``.

    """
    started = time.perf_counter()
    _check_options(gtol, ftol, max_iter, progress)
    boolean("warm_start", warm_start)
    integer("seed", seed, minimum=0)
    if start not in STARTS:
        raise InvalidParameterError(f"start must be one of {STARTS}, got {start!r}")
    boolean("local_search", local_search)
    options = {"gtol": gtol, "ftol": ftol, "max_iter": max_iter}
    reason = model.capacity_shortfall(params)
    if reason is not None:
        return Solution(Status.INFEASIBLE, method=method, problem="noma", extras={"reason": reason})
    if (sub_up is None) != (sub_dn is None):
        raise InvalidParameterError("sub_up and sub_dn are held fixed together: give both or neither")
    n_units = params.n_units
    if split is not None:
        split = integer("split", split, minimum=0, maximum=n_units)
    gains = model.link_gains(params)
    u = params.n_users

    if sub_up is not None:
        fixed_up = model.decision(
            params,
            split=0,
            sub_up=sub_up,
            sub_dn=sub_dn,
            p=params.device_power_min,
            P=params.ap_power_min,
            r=params.r_min,
        )
        origin = uninformed_point(params, 0)
        chosen = n_units - 1 if split is None else split
        dec, its = reoptimise(params, gains, np.full(u, chosen), fixed_up.sub_up, fixed_up.sub_dn, origin, **options)
        candidates = [chosen] if split is not None else list(range(n_units + 1))
        best = _best_split(params, gains, dec, candidates)
        return _solution(params, gains, best, method, its, started, {"repair_moves": 0})

    with single_blas_thread():  # the L-BFGS-B polish multiplies small arrays (edgeopt.solvers.threads)
        return _multi_start(
            params, gains, split, start, starts, seed, warm_start, progress, local_search, options, method, started
        )


def _multi_start(
    params: NomaParams,
    gains: LinkGains,
    split: int | None,
    start: str,
    starts: int | None,
    seed: int,
    warm_start: bool,
    progress: bool,
    local_search: bool,
    options: dict[str, Any],
    method: str,
    started: float,
) -> Solution:
    """The best of ``starts`` runs of :func:`_one_start`."""
    n_units = params.n_units
    orders = [split] if split is not None else [*range(1, n_units + 1), 0]
    n_starts = auto_starts(params) if starts is None else integer("starts", starts, minimum=1, maximum=100)
    best_run: _Run | None = None
    runs: list[float] = []
    total_per_split = np.zeros(n_units + 1, dtype=np.int64)
    total_iterations = 0
    for k in range(n_starts):
        cold_start = start_point(params, gains, start, k, seed)
        run = _one_start(params, gains, orders, cold_start, warm_start, progress, split, local_search, options)
        runs.append(run.objective)
        total_per_split += run.extras["iterations_per_split"]
        total_iterations += run.iterations
        if best_run is None or run.objective < best_run.objective:
            best_run = run
    assert best_run is not None
    extras = dict(best_run.extras, iterations_per_split=total_per_split, start_objectives=np.array(runs))
    return _solution(params, gains, best_run.decision, method, total_iterations, started, extras)


@dataclass
class _Run:
    decision: NomaDecision
    objective: float
    iterations: int
    extras: dict[str, Any]


# Work budget of the automatic number of starts: U N M entries per start, summed over the starts.
START_BUDGET = 200_000
MAX_STARTS = 6


def auto_starts(params: NomaParams) -> int:
    """Starts of the default: ``MAX_STARTS`` where they fit :data:`START_BUDGET`, down to 1 at paper scale.

    The relaxed descent is local and the rounded assignment depends on its start. On 200
    ``small_noma_params`` instances against ``exhaustive`` (2026-12-01), the worst gap of one start was
    3.5 % (5 instances above 2 %), of the best of the three named starts 2.0 % (1 above), of the best of
    five 1.3 % and of six 1.1 % (none above 2 %). One start costs ``O(U N M)`` per iteration, so the
    budget keeps six starts on the figures' instances (e.g. 90 users, 5 APs, 6 subchannels: 2,700
    entries) and one at paper scale (1.56 M).
    """
    size = params.n_users * params.n_aps * params.n_subchannels
    return int(min(MAX_STARTS, max(1, START_BUDGET // size)))


def start_point(params: NomaParams, gains: LinkGains, first: str, k: int, seed: int) -> Any:
    """A function ``split -> RelaxedPoint`` for start ``k`` of a multi-start run.

    Start 0 is ``first``, then the other named starts, then random ``beta`` (Dirichlet(1) per user,
    seeded by ``seed + k``) with the uninformed powers and ``r``.
    """
    named = [first, *[name for name in STARTS if name != first]]
    if k < len(named):
        return lambda s: initial_point(params, gains, s, named[k])
    rng = np.random.default_rng(seed + k)
    u, m = params.n_users, params.n_subchannels
    beta_up, beta_dn = rng.dirichlet(np.ones(m), u), rng.dirichlet(np.ones(m), u)
    return lambda s: replace(uninformed_point(params, s), beta_up=beta_up, beta_dn=beta_dn)


def _one_start(
    params: NomaParams,
    gains: LinkGains,
    order: list[int],
    cold_start: Any,
    warm_start: bool,
    progress: bool,
    split: int | None,
    local_search: bool,
    options: dict[str, Any],
) -> _Run:
    """Algorithm 1 from one start: the loop over the splits, rounding, re-optimisation, local search."""
    n_units = params.n_units
    u = params.n_users
    relaxed: dict[int, RelaxedPoint] = {}
    utilities = np.full(n_units + 1, np.inf)
    per_split = np.zeros(n_units + 1, dtype=np.int64)
    converged = True
    previous: RelaxedPoint | None = None
    cold: RelaxedPoint | None = None  # the cold start, computed once
    bar = tqdm(order, desc="li_gd splits" if warm_start else "gd splits", disable=not progress, leave=False)
    for s in bar:
        if s == 0 and warm_start and 1 in relaxed:
            begin = relaxed[1]
        elif warm_start and previous is not None:
            begin = previous
        else:
            begin = cold_start(s) if cold is None else replace(cold, split=s)
            cold = begin
        point, value, its, ok = descend_split(params, gains, begin, s, **options)
        relaxed[s], utilities[s], per_split[s] = point, value, its
        converged &= ok
        # A split that sends nothing (s = F) leaves the link variables where they started: carry the
        # last informative point forward, not that one.
        previous = point if s < n_units or previous is None else previous
    best_split = int(np.argmin(utilities))
    point = relaxed[best_split]
    if best_split == n_units and len(relaxed) > 1:
        # Device-Only sends nothing: round the allocation of the best split that sends something.
        sending = [s for s in relaxed if s < n_units]
        point = relaxed[min(sending, key=lambda s: utilities[s])]
    up_sub, moves_up = round_assignment(params, gains, "up", point.beta_up, point.p)
    dn_sub, moves_dn = round_assignment(params, gains, "dn", point.beta_dn, point.P)
    reopt_split = point.split if point.split < n_units else best_split
    dec, its = reoptimise(params, gains, np.full(u, reopt_split), up_sub, dn_sub, point, **options)
    # Local search on the assignment at the re-optimised powers, then the powers once more.
    bits_up, bits_dn = model.split_bits(params, dec.split)
    rounds = None if local_search else 0
    up_sub, search_up = improve_assignment(params, gains, "up", bits_up, dec.sub_up, dec.p, rounds=rounds)
    dn_sub, search_dn = improve_assignment(params, gains, "dn", bits_dn, dec.sub_dn, dec.P, rounds=rounds)
    if search_up or search_dn:
        polished = RelaxedPoint(reopt_split, point.beta_up, dec.p, point.beta_dn, dec.P, dec.r)
        dec, more = reoptimise(params, gains, dec.split, up_sub, dn_sub, polished, **options)
        its += more
    candidates = [split] if split is not None else list(range(n_units + 1))
    best = _best_split(params, gains, dec, candidates)
    extras = {
        "relaxed": relaxed[best_split].as_dict(),
        "relaxed_utility": utilities,
        "iterations_per_split": per_split,
        "repair_moves": moves_up + moves_dn,
        "search_moves": search_up + search_dn,
        "converged": bool(converged),
        "warm_start": warm_start,
    }
    objective = float(np.sum(model.utility_terms(params, best, gains)["utility"]))
    return _Run(best, objective, int(per_split.sum()) + its, extras)


def _best_split(params: NomaParams, gains: LinkGains, dec: NomaDecision, candidates: list[int]) -> NomaDecision:
    """The decision's assignment and powers at the candidate split of least exact utility."""
    best: NomaDecision | None = None
    best_value = np.inf
    for s in candidates:
        trial = NomaDecision(np.full(params.n_users, s), dec.sub_up, dec.sub_dn, dec.p, dec.P, dec.r)
        value = float(np.sum(model.utility_terms(params, trial, gains)["utility"]))
        if value < best_value:
            best, best_value = trial, value
    assert best is not None
    return best


def _solution(
    params: NomaParams,
    gains: LinkGains,
    dec: NomaDecision,
    method: str,
    iterations: int,
    started: float,
    extras: dict[str, Any],
) -> Solution:
    return model.make_solution(params, dec, method, started, iterations=iterations, extras=extras, gains=gains)


def solve_gd(params: NomaParams, **options: Any) -> Solution:
    """Plain projected GD, every split from the uninformed start (Corollary 4's comparison)."""
    return solve_li_gd(params, warm_start=False, method="gd", **options)
