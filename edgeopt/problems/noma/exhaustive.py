"""Exhaustive search for small NOMA instances (``method="exhaustive"``): every assignment, multi-start powers.

The reference ``li_gd`` is measured against on instances small enough to enumerate (2 APs, at most
6 users, 2-3 subchannels: :func:`~edgeopt.problems.noma.scenarios.small_noma_params`). It is exact in
the split, the assignments and the edge speed, and a multi-start local search in the powers, which
makes the link problems nonconvex (a user's power is every other user's interference): ``FEASIBLE``,
not a certificate.

**The decomposition.** For a common split ``s`` every user sends the same ``w_s`` bits up and
``m`` bits down (``s < F``), so the utility (19)-(22) is

.. math:: U(s) = \\sum_i \\big(w_T T_{dev,i} + w_E E_{dev,i}\\big)(s)
    + w_s\\, L_{up}(a_{up}, p) + m\\, L_{dn}(a_{dn}, P)
    + \\phi_e f_e(s) \\sum_i \\Big(\\frac{w_T}{v_i} + w_E \\xi_e v_i^2\\Big),

with the per-bit link values ``L(a, q) = sum_i (w_T + w_E q_i) / R_i(a, q)`` ((7), (10), (14), (15)
with ``bits = 1``: :func:`~edgeopt.problems.noma.model.uplink` and
:func:`~edgeopt.problems.noma.model.downlink`) and ``v_i = lambda(r_i) c_min``. The four terms share
no variable: the device term depends on ``s`` alone, ``L_up`` on the uplink assignment and ``p``,
``L_dn`` on the downlink assignment and ``P``, the compute term on ``r``. So for every ``s < F``

.. math:: \\min U(s) = \\text{device}(s) + w_s \\min L_{up} + m \\min L_{dn}
    + \\phi_e f_e(s) \\min_v \\Big(\\frac{w_T}{v} + w_E \\xi_e v^2\\Big),

and, because ``w_s > 0``, ``m > 0`` and ``phi_e f_e(s) >= 0`` only scale their terms, the minimisers
of ``L_up``, ``L_dn`` and of the compute term per cycle do not depend on ``s``: one search per
direction with ``bits = 1`` serves every split. (At ``s = F`` nothing is sent or computed at the
edge, ``U(F)`` is the device term alone, and any assignment, powers and ``r`` attain it: we return
the same ones.) The compute term per cycle is convex in ``v > 0`` with its minimum at
``v* = (w_T / (2 w_E xi_e))^{1/3}``, clipped to ``[lambda(r_min) c_min, lambda(r_max) c_min]``
(``w_E = 0``: the top of the box) and mapped back to ``r`` by
:func:`~edgeopt.problems.noma.model.units_for_speed`
(:func:`~edgeopt.problems.noma.analytic.optimal_edge_speed`, the same for every user). Every split
``s = 0..F`` is then scored from the two link minima in one pass and the least taken.

**The assignments.** Each direction is enumerated on its own: every map of the users to subchannels
``0..M-1`` with at most ``cluster_cap`` users per (AP, subchannel) (under ``access="oma"``: at most
one user per subchannel in the network). The uplink and downlink sets are the same set, since the
cap depends only on the association. Their number is counted exactly before anything is built
(:func:`assignment_count`), and an instance with more than ``max_assignments`` per direction is
refused.

**The powers** of one assignment: ``L(a, q)`` over the box ``[q_min, q_max]^U`` by L-BFGS-B in
``x = log q`` (gradient ``q dL/dq``), from ``starts`` points: all users at ``q_max``, all at
``q_min``, all at the middle of the box in ``log q``, then seeded log-uniform points (``seed``), one
draw per assignment. All assignments of one direction are solved by one L-BFGS-B run per start on
their sum, each assignment's value divided by its value at the start: the assignments share no
variable, so the sum is minimised exactly where each of its terms is, and the scaling weighs them
alike in the stopping rule. The sum is evaluated in a stacked form of the SINRs (5) and (8)
(:func:`interference`, :func:`stacked_link`): for a 0/1 allocation the denominator of user ``i`` is
``sigma^2 + sum_j C_ij q_j``, with ``C_ij`` the factor the model's formula gives the interferer
``j`` (nonzero only when ``j`` shares ``i``'s subchannel), so all ``K`` assignments cost one
``(K, U, U)`` product. Per assignment the best start is kept.

**Pruning** (exact): every interferer sends at least ``q_min``, so :func:`lower_bounds` bounds each
assignment's least value from below by a sum of one-user closed forms. After each start, an
assignment whose bound is above the least value found cannot hold the optimum and takes no further
start (on the 50 instances of the tests, 65 % of the assignments of the instances with over 200 of
them were pruned after the first start).

**Refinement.** The assignments within :data:`REFINE_WITHIN` of the least stacked value are refined
by one more L-BFGS-B run each on the model's own
:func:`~edgeopt.problems.noma.model.uplink` / :func:`~edgeopt.problems.noma.model.downlink` value and
gradient; the least is kept, and the returned objective is
:func:`~edgeopt.problems.noma.model.evaluate` of the decision.

Measured on ``small_noma_params(0)`` (6 users, 3 subchannels, 702 assignments per direction, 8
starts, one BLAS thread, a loaded 2-core machine): one L-BFGS-B run per assignment and start on
:func:`~edgeopt.problems.noma.model.uplink` / :func:`~edgeopt.problems.noma.model.downlink` itself took
25 s for both directions; the stacked runs 1.3 s without pruning and 0.12 s with it, to the same
values (within 6e-11 relative per assignment). Over ``small_noma_params(0..199)`` the whole method
took 0.11 s median and 3.7 s at most (``seed = 10``, where the bound prunes nothing).

Complexity: ``K = `` :func:`assignment_count` per direction (counted in ``O(M U^2)``); per start one
L-BFGS-B run on at most ``K U`` variables, whose evaluations cost ``O(K U^2)``; the splits
``O((F + 1) U)``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy.optimize import minimize

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.validate import integer
from edgeopt.problems.noma import model
from edgeopt.problems.noma.analytic import link_optimum, optimal_edge_speed
from edgeopt.problems.noma.model import LN2, LinkEvaluation, LinkGains, NomaParams
from edgeopt.solvers.threads import single_blas_thread

FloatArray = np.ndarray
DIRECTIONS = ("up", "dn")
# L-BFGS-B stopping of the stacked runs: relative decrease of the scaled sum (about K: one per assignment at
# the start) below STACK_FTOL, or every projected slope below GTOL. It ranks the assignments: on the 702
# uplink assignments of small_noma_params(10) every value was within 3e-8 (relative) and the least within
# 6e-11 of its value at 1e-15, in 139 iterations instead of 227.
STACK_FTOL = 1e-11
GTOL = 1e-10
MAX_ITER = 20_000
# The assignments within REFINE_WITHIN (relative) of the least stacked value, at most REFINE_MAX of them,
# are refined one by one to REFINE_FTOL on the model's own link value.
REFINE_WITHIN = 1e-6
REFINE_MAX = 8
REFINE_FTOL = 1e-15
# An assignment is pruned when its lower bound is above the least value found by this much (relative): far
# above the rounding of the closed-form bound.
PRUNE_MARGIN = 1e-9


# ---------------------------------------------------------------------------------------------- assignments
def _cap(params: NomaParams) -> int:
    return 1 if params.access == "oma" else params.cluster_cap


def _cap_groups(params: NomaParams) -> np.ndarray:
    """The group of each user within which the cap counts: its AP (NOMA) or the whole network (OMA)."""
    if params.access == "oma":
        return np.zeros(params.n_users, dtype=np.int64)
    return model.association(params)


def _group_count(users: int, n_sub: int, cap: int) -> int:
    """Maps of ``users`` labelled users to ``n_sub`` subchannels with at most ``cap`` per subchannel (exact)."""
    ways = [1] + [0] * users  # ways[t]: placements of t users on the subchannels seen so far
    for _ in range(n_sub):
        ways = [sum(math.comb(t, j) * ways[t - j] for j in range(min(cap, t) + 1)) for t in range(users + 1)]
    return ways[users]


def assignment_count(params: NomaParams) -> int:
    """Cap-respecting assignments per direction: ``prod_n`` over the cap groups of :func:`_group_count`."""
    counts = np.bincount(_cap_groups(params), minlength=1)
    return math.prod(_group_count(int(k), params.n_subchannels, _cap(params)) for k in counts)


def _describe_count(count: int) -> str:
    """``count`` in full up to 15 digits, else as ``d.dd x 10^k`` (the paper's scale has about 3000 digits)."""
    digits = str(count)
    return digits if len(digits) <= 15 else f"{digits[0]}.{digits[1:3]} x 10^{len(digits) - 1}"


def enumerate_assignments(params: NomaParams) -> np.ndarray:
    """Every cap-respecting assignment, ``(K, U)`` subchannel indices (rows in lexicographic order).

    Built user by user, each partial assignment extended by every subchannel with room in the user's
    cap group. A partial assignment that respects the cap always extends to a full one (the group has
    room for all its users), so no partial row is wasted and the peak size is ``K M``.
    """
    m, cap = params.n_subchannels, _cap(params)
    group = _cap_groups(params)
    n_groups = int(group.max()) + 1
    rows = np.zeros((1, 0), dtype=np.int64)
    load = np.zeros((1, n_groups * m), dtype=np.int64)
    for g in group:  # one step per user of a tiny instance (the size was checked before)
        columns = int(g) * m + np.arange(m)
        room = load[:, columns] < cap  # (rows, M)
        parent, sub = np.nonzero(room)
        rows = np.concatenate([rows[parent], sub[:, None]], axis=1)
        load = load[parent]
        load[np.arange(parent.size), columns[sub]] += 1
    return rows


# ---------------------------------------------------------------------------------------------- stacked links
def interference(params: NomaParams, gains: LinkGains, direction: str) -> tuple[FloatArray, FloatArray]:
    """``(own, coef)`` of one direction: the own gains ``(U, M)`` and ``coef[i, m, j]``, ``(U, M, U)``.

    ``coef[i, m, j]`` is the factor of ``q_j`` in the denominator of user ``i``'s SINR when both are on
    subchannel ``m`` (0 for ``j = i``):

    * uplink (5): ``g_{j, a_i}^m`` if ``j`` is in another cell or weaker than ``i`` in the uplink SIC
      order of its cell, else 0;
    * downlink (8): ``H_i^m`` if ``j`` is in ``i``'s cell and stronger in the downlink SIC order,
      ``G_{i, a_j}^m`` if ``j`` is in another cell, else 0.

    The SIC orders are the model's (ascending own gain inside a cell, ties by index), read from the
    ranks of the stable sort of each subchannel's own gains.
    """
    u = params.n_users
    cell = gains.cell
    own = gains.own_up if direction == "up" else gains.own_dn
    rank = np.empty_like(own, dtype=np.int64)
    order = np.argsort(own, axis=0, kind="stable")
    np.put_along_axis(rank, order, np.arange(u)[:, None].repeat(own.shape[1], axis=1), axis=0)
    same_cell = (cell[:, None] == cell[None, :])[:, None, :]  # (i, 1, j)
    weaker = rank.T[None, :, :] < rank[:, :, None]  # (i, m, j): j weaker than i on m
    if direction == "up":
        heard = np.transpose(gains.up[:, cell, :], (1, 2, 0))  # (i, m, j): g_{j, a_i}^m
        coef = np.where(same_cell, np.where(weaker, heard, 0.0), heard)
    else:
        from_cell = np.transpose(gains.dn[:, cell, :], (0, 2, 1))  # (i, m, j): G_{i, a_j}^m
        stronger = rank.T[None, :, :] > rank[:, :, None]
        coef = np.where(same_cell, np.where(stronger, own[:, :, None], 0.0), from_cell)
    coef[np.arange(u), :, np.arange(u)] = 0.0
    return own, coef


def stacked_coefficients(own: FloatArray, coef: FloatArray, assignments: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """``(gain, C)`` of ``K`` 0/1 assignments: own gains ``(K, U)``, ``C_k[i, j] = coef[i, a_ki, j] [a_kj = a_ki]``."""
    users = np.arange(assignments.shape[1])[None, :]
    shared = assignments[:, :, None] == assignments[:, None, :]  # (K, i, j)
    return own[users, assignments], coef[users, assignments] * shared


def stacked_link(
    params: NomaParams, gain: FloatArray, c_mat: FloatArray, power: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per-bit link values ``L_k`` ``(K,)`` and gradients ``dL_k / dq`` ``(K, U)`` of ``K`` 0/1 assignments.

    ``L_k = sum_i (w_T + w_E q_ki) / R_ki`` with ``R_ki = b log2(1 + S_ki)``, ``S_ki = q_ki g_ki / D_ki``
    and ``D_k = sigma^2 + C_k q_k`` (:func:`stacked_coefficients`). With ``c = w_T + w_E q`` and
    ``rho = -c / R^2``: ``dL/dq_j = w_E / R_j + rho_j b g_j / (ln 2 D_j (1 + S_j)) + sum_i C_ij t_i``,
    ``t_i = -rho_i b S_i / (ln 2 D_i (1 + S_i))``.
    """
    den = np.einsum("kij,kj->ki", c_mat, power) + params.noise_power
    sinr = power * gain / den
    b = params.subchannel_bandwidth
    rate = b * np.log1p(sinr) / LN2
    weight = params.w_T + params.w_E * power
    value = np.sum(weight / rate, axis=1)
    rho = -weight / rate**2
    scale = b / (LN2 * den * (1.0 + sinr))
    t = -rho * scale * sinr
    grad = params.w_E / rate + rho * scale * gain + np.einsum("kij,ki->kj", c_mat, t)
    return value, grad


def _model_link(
    params: NomaParams, gains: LinkGains, direction: str, sub: np.ndarray, power: FloatArray
) -> LinkEvaluation:
    """The model's own per-bit link value and power gradient of one assignment (:func:`refine`)."""
    link = model.uplink if direction == "up" else model.downlink
    ones = np.ones(params.n_users)
    return link(params, gains, ones, model.one_hot(sub, params.n_subchannels), power, gradient=True)


def _power_box(params: NomaParams, direction: str) -> tuple[float, float]:
    if direction == "up":
        return params.device_power_min, params.device_power_max
    return params.ap_power_min, params.ap_power_max


def start_points(
    low: float, high: float, shape: tuple[int, int], starts: int, rng: np.random.Generator
) -> list[FloatArray]:
    """The log-power starts: ``q_max``, ``q_min``, the log-middle, then log-uniform draws; ``starts`` of them."""
    lo, hi = math.log(low), math.log(high)
    fixed = [np.full(shape, hi), np.full(shape, lo), np.full(shape, 0.5 * (lo + hi))]
    points = fixed[:starts]
    points += [rng.uniform(lo, hi, size=shape) for _ in range(starts - len(points))]
    return points


def lower_bounds(params: NomaParams, gain: FloatArray, c_mat: FloatArray, low: float, high: float) -> FloatArray:
    """A lower bound of each assignment's least per-bit link value over the box, ``(K,)``.

    Every interferer sends at least ``q_min``, so user ``i`` sees at least ``I_i = q_min sum_j C_ij`` and
    its term ``(w_T + w_E q_i) / R_i``, which grows with the interference, is at least its value at
    ``I_i``, and so at least the least of that over ``q_i``: the one-user (OMA) closed form of
    :func:`~edgeopt.problems.noma.analytic.link_optimum` with the gain ``g_i sigma^2 / (sigma^2 + I_i)``.
    """
    noise = params.noise_power
    floor = low * c_mat.sum(axis=2)
    cost = link_optimum(params, gain * (noise / (noise + floor)), low, high).cost_per_bit
    return np.asarray(np.sum(cost, axis=1))


def minimise_powers(
    params: NomaParams,
    gains: LinkGains,
    direction: str,
    assignments: np.ndarray,
    *,
    starts: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, int, int]:
    """The least per-bit link value of every assignment over the power box (multi-start L-BFGS-B).

    After each start, an assignment whose :func:`lower_bounds` value is above the least value found
    (by more than :data:`PRUNE_MARGIN`, relative) cannot hold the optimum and takes no further start.

    Returns ``(power (K, U), value (K,), iterations, pruned)``: per assignment the best of its starts
    (for a pruned one, of the starts it took), and the number of assignments pruned.
    """
    low, high = _power_box(params, direction)
    log_low, log_high = math.log(low), math.log(high)
    gain, c_mat = stacked_coefficients(*interference(params, gains, direction), assignments)
    bound = lower_bounds(params, gain, c_mat, low, high)
    best_value = np.full(assignments.shape[0], np.inf)
    best_power = np.full(assignments.shape, high)
    active = np.arange(assignments.shape[0])
    iterations = 0
    for x_all in start_points(low, high, assignments.shape, starts, rng):
        x0 = x_all[active]
        shape = x0.shape
        g_act, c_act = gain[active], c_mat[active]
        scale, _ = stacked_link(params, g_act, c_act, np.exp(x0))

        def fun(x: FloatArray, g: FloatArray = g_act, c: FloatArray = c_act, s: FloatArray = scale) -> Any:
            q = np.exp(x.reshape(g.shape))
            value, grad = stacked_link(params, g, c, q)
            return float(np.sum(value / s)), (grad * q / s[:, None]).ravel()

        res = minimize(
            fun,
            x0.ravel(),
            jac=True,
            method="L-BFGS-B",
            bounds=[(log_low, log_high)] * x0.size,
            options={"ftol": STACK_FTOL, "gtol": GTOL, "maxiter": MAX_ITER},
        )
        iterations += int(res.get("nit", 0))  # absent when the box is a point
        q = np.exp(np.clip(res.x.reshape(shape), log_low, log_high))
        value, _ = stacked_link(params, g_act, c_act, q)
        better = value < best_value[active]
        best_value[active[better]] = value[better]
        best_power[active[better]] = q[better]
        active = active[bound[active] <= np.min(best_value) * (1.0 + PRUNE_MARGIN)]
    return best_power, best_value, iterations, assignments.shape[0] - active.size


def refine(
    params: NomaParams, gains: LinkGains, direction: str, sub: np.ndarray, power: FloatArray
) -> tuple[FloatArray, float, int]:
    """One more L-BFGS-B run in ``log q`` on the model's own link value and gradient; ``(power, value, its)``."""
    low, high = _power_box(params, direction)
    start = _model_link(params, gains, direction, sub, power).value

    def fun(x: FloatArray) -> tuple[float, FloatArray]:
        q = np.exp(x)
        ev = _model_link(params, gains, direction, sub, q)
        return float(ev.value / start), ev.grad_power * q / start

    res = minimize(
        fun,
        np.log(power),
        jac=True,
        method="L-BFGS-B",
        bounds=[(math.log(low), math.log(high))] * params.n_users,
        options={"ftol": REFINE_FTOL, "gtol": GTOL, "maxiter": MAX_ITER},
    )
    q = np.exp(np.clip(res.x, math.log(low), math.log(high)))
    value = float(_model_link(params, gains, direction, sub, q).value)
    if value <= start:
        return q, value, int(res.get("nit", 0))
    return power, float(start), int(res.get("nit", 0))


# ---------------------------------------------------------------------------------------------- method
def optimal_units(params: NomaParams) -> float:
    """``r*``: the compute units of the cube-root edge speed (module docstring), the same for every split."""
    units = float(model.units_for_speed(params, optimal_edge_speed(params)))
    return min(max(units, params.r_min), params.r_max)


def split_utilities(params: NomaParams, link_up: float, link_dn: float, r: float) -> FloatArray:
    """``U(s)`` for ``s = 0..F`` (module docstring): device + ``w_s L_up`` + ``m L_dn`` + edge at ``r``."""
    splits = np.arange(params.n_units + 1)
    grid = np.broadcast_to(splits[:, None], (splits.size, params.n_users))
    t_dev, e_dev = model.device_part(params, grid)
    t_srv, e_srv = model.edge_part(params, grid, np.full(grid.shape, r))
    bits_up, bits_dn = model.split_bits(params, splits)
    local = np.sum(params.w_T * (t_dev + t_srv) + params.w_E * (e_dev + e_srv), axis=1)
    return np.asarray(local + bits_up * link_up + bits_dn * link_dn)


def _check_splits(params: NomaParams, splits: Any) -> np.ndarray:
    """The split indices to score: all ``0..F`` by default, else ``splits`` (an int or a sequence of ints)."""
    if splits is None:
        return np.arange(params.n_units + 1)
    values = [splits] if np.ndim(splits) == 0 else list(np.asarray(splits).ravel())
    if not values:
        raise InvalidParameterError("splits must name at least one split index")
    return np.unique([integer("splits", v, minimum=0, maximum=params.n_units) for v in values])


def solve_exhaustive(
    params: NomaParams,
    *,
    starts: int = 8,
    seed: int = 0,
    max_assignments: int = 200_000,
    splits: Any = None,
) -> Solution:
    """Every assignment of a small NOMA instance, multi-start powers, the closed-form ``r``, the best split.

    Parameters
    ----------
    params : NomaParams
        The instance (NOMA or OMA).
    starts : int
        Starts of the power search per assignment and direction (module docstring), at least 1.
    seed : int
        Seed of the random starts.
    max_assignments : int
        Refuse an instance with more cap-respecting assignments than this per direction.
    splits : int or sequence of int, optional
        Score only these common splits (``0..F``); default all.

    Returns
    -------
    Solution
        ``FEASIBLE`` (a multi-start search in the powers, not a certificate), or ``INFEASIBLE`` with
        ``extras["reason"]`` (:func:`~edgeopt.problems.noma.model.capacity_shortfall`) when an AP has
        more users than ``cluster_cap x M`` (under OMA: more users than subchannels). ``x``: the
        decision's fields (:class:`~edgeopt.problems.noma.model.NomaDecision`), each ``(U,)``;
        ``objective``: :func:`~edgeopt.problems.noma.model.evaluate` of it; ``iterations``: L-BFGS-B
        iterations over all runs; ``extras``: ``assignments_up``, ``assignments_dn`` (the counts
        enumerated), ``pruned_up``, ``pruned_dn`` (assignments that took only some of the starts),
        ``split_utilities`` (``(F + 1,)``, ``inf`` for a split not scored), ``link_value_up``,
        ``link_value_dn`` (the least per-bit link values) and ``starts``.

    Raises
    ------
    InvalidParameterError
        A bad option, or more than ``max_assignments`` assignments per direction (raised before any
        enumeration, naming ``U``, ``N``, ``M``, ``cluster_cap`` and the count).

    """
    started = time.perf_counter()
    starts = integer("starts", starts, minimum=1)
    seed = integer("seed", seed, minimum=0)
    max_assignments = integer("max_assignments", max_assignments, minimum=1)
    candidates = _check_splits(params, splits)
    reason = model.capacity_shortfall(params)
    if reason is not None:
        sol = infeasible(reason)
        sol.method, sol.problem = "exhaustive", "noma"
        return sol
    count = assignment_count(params)
    if count > max_assignments:
        raise InvalidParameterError(
            f"exhaustive: {_describe_count(count)} cap-respecting assignments per direction for U={params.n_users}, "
            f"N={params.n_aps}, M={params.n_subchannels}, cluster_cap={_cap(params)} "
            f"(access={params.access!r}), more than max_assignments={max_assignments}"
        )
    gains = model.link_gains(params)
    assignments = enumerate_assignments(params)
    rng = np.random.default_rng(seed)
    chosen: dict[str, tuple[np.ndarray, FloatArray, float]] = {}
    iterations = 0
    pruned: dict[str, int] = {}
    # One BLAS thread: L-BFGS-B's small vector operations are far slower multithreaded on 2 busy cores.
    with single_blas_thread():
        for direction in DIRECTIONS:
            power, value, its, pruned[direction] = minimise_powers(
                params, gains, direction, assignments, starts=starts, rng=rng
            )
            order = np.argsort(value, kind="stable")
            near = order[value[order] <= value[order[0]] * (1.0 + REFINE_WITHIN)][:REFINE_MAX]
            refined = [refine(params, gains, direction, assignments[k], power[k]) for k in near]
            pick = min(range(len(near)), key=lambda j: refined[j][1])
            q, link_value, _ = refined[pick]
            chosen[direction] = (assignments[near[pick]], q, link_value)
            iterations += its + sum(r[2] for r in refined)
    r = optimal_units(params)
    scores = split_utilities(params, chosen["up"][2], chosen["dn"][2], r)
    utilities = np.full(params.n_units + 1, np.inf)
    utilities[candidates] = scores[candidates]
    split = int(np.argmin(utilities))
    u = params.n_users
    dec = model.decision(
        params,
        split=np.full(u, split),
        sub_up=chosen["up"][0],
        sub_dn=chosen["dn"][0],
        p=chosen["up"][1],
        P=chosen["dn"][1],
        r=np.full(u, r),
    )
    extras = {
        "assignments_up": int(assignments.shape[0]),
        "assignments_dn": int(assignments.shape[0]),
        "split_utilities": utilities,
        "link_value_up": chosen["up"][2],
        "link_value_dn": chosen["dn"][2],
        "pruned_up": pruned["up"],
        "pruned_dn": pruned["dn"],
        "starts": starts,
    }
    return model.make_solution(params, dec, "exhaustive", started, iterations=iterations, extras=extras)
