"""The exact OMA optimum in closed form (``method="analytic"``): Lambert-W powers, a cube-root edge speed.

Under ``access="oma"`` every subchannel carries at most one user in the
whole network, so no signal meets another: the SINRs (5) and (8) reduce to
``q g / sigma^2`` with ``q`` the link's own power. For a fixed split ``s``
and assignment the utility (19)-(22) is then a sum of independent terms, one
per user and direction plus a compute term and the device constant
(:func:`~edgeopt.problems.noma.model.device_part`).

**A link (7), (10), (14), (15).** User ``i`` on subchannel ``m``, ``D`` bits
(``w_s`` up, ``m_i`` down), power ``q`` in ``[q_min, q_max]``, gain ``g``
(``own_up`` or ``own_dn``), ``gamma = g / sigma^2``, ``b = B / M``:

.. math:: J(q) = D \\frac{w_T + w_E q}{b \\log_2(1 + q \\gamma)}.

In the transmission time ``t = D / R`` the power is
``q = (2^{D / (b t)} - 1) / gamma``, so

.. math:: J = w_T t + w_E \\frac{t}{\\gamma} \\left(e^{a / t} - 1\\right),
    \\qquad a = \\frac{D \\ln 2}{b},

convex in ``t`` (``t e^{a/t}`` is the perspective of ``exp``), and the power
box is the box ``[a / \\ln(1 + q_{max}\\gamma), a / \\ln(1 + q_{min}\\gamma)]`` in
``t`` (``q`` falls as ``t`` grows). Divided by ``w_E`` this is exactly the
priced transmission problem of :func:`edgeopt.solvers.lambert.priced_spectral_efficiency`,
``t w + t (exp(D' / (B' t)) - 1) / gamma``, with its price ``w = w_T / w_E``, its
``gamma = g / sigma^2``, its ``D' / B' = a`` (bits in nats over the subchannel
width). With ``x = a / t = ln(1 + q gamma)`` the spectral efficiency in
nat/s/Hz,

.. math:: \\frac{dJ}{dt} = w_T - \\frac{w_E}{\\gamma}\\left[(x - 1) e^x + 1\\right] = 0
    \\iff (x - 1) e^x + 1 = \\frac{w_T}{w_E} \\gamma =: y,

so ``x* = 1 + W_0((y - 1) / e)`` and ``q* = expm1(x*) / gamma``; ``D``
drops out, so ``q*`` and the cost per bit ``J / D`` depend on ``(i, m)``
only. By convexity in ``t`` the boxed optimum is the clip of ``q*`` to
``[q_min, q_max]``. ``w_E = 0`` gives ``q_max`` (``J`` falls with ``q``);
``w_T = 0`` gives ``y = 0``, ``x* = 0`` and so ``q_min``. Where ``y``
overflows (above 1e300) the root of ``(x - 1) e^x = y - 1`` is found from
``x + ln(x - 1) = ln y`` by Newton's method and
``q* = ((y - 1) / (x - 1) - 1) / gamma``.

**The compute part (3), (16).** With ``v = lambda(r) c_min`` and ``k =
phi_e f_e(s)``, ``k (w_T / v + w_E xi_e v^2)`` is convex in ``v > 0`` with
its minimum at ``v* = (w_T / (2 w_E xi_e))^{1/3}``; clipped to
``[lambda(r_min) c_min, lambda(r_max) c_min]`` and mapped back by
:func:`~edgeopt.problems.noma.model.units_for_speed`. It is the same for
every user and every split.

**Assignment and split.** With the optimal per-bit costs ``c_up[i, m]`` and
``c_dn[i, m]`` the link parts at a common split are ``w_s sum_i c_up[i,
sigma(i)]`` and ``m_i sum_i c_dn[i, pi(i)]``: since ``w_s`` is common, the
best assignment of users to distinct subchannels is one linear assignment per
direction (:func:`scipy.optimize.linear_sum_assignment`, rectangular, ``U <=
M``), the same at every split; with per-user splits its costs are weighted by
each user's bits. Every split ``s = 0..F`` is then scored in one vectorised
pass and the best taken: the exact global optimum of OMA for a common split.

Complexity: ``O(U M)`` closed forms (a few Halley steps each), two
rectangular assignments ``O(U^2 M)``, and ``O((F + 1) U)`` for the splits.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer
from edgeopt.problems.noma.model import (
    LN2,
    NomaParams,
    capacity_shortfall,
    decision,
    device_part,
    evaluate,
    link_gains,
    split_bits,
    split_flops,
    units_for_speed,
)
from edgeopt.solvers.lambert import priced_spectral_efficiency

# Above this y = (w_T / w_E) gamma the Halley solver's exp(x) overflows: the asymptotic Newton branch takes over.
Y_DIRECT_MAX = 1e300
# Newton steps on x + ln(x - 1) = ln y (x > 690 there; quadratic convergence from x0 = ln y - ln ln y).
ASYMPTOTIC_STEPS = 8


@dataclass(frozen=True)
class LinkOptimum:
    """The optimal power and cost per bit of every (user, subchannel) pair of one direction.

    Attributes
    ----------
    power : array (U, M)
        ``q*`` (W), clipped to the direction's power box.
    cost_per_bit : array (U, M)
        ``(w_T + w_E q*) / (b log2(1 + q* gamma))``: the link's utility per bit sent (s/bit + J/bit).

    """

    power: np.ndarray
    cost_per_bit: np.ndarray


def _check_oma(params: NomaParams) -> None:
    if not isinstance(params, NomaParams):
        raise InvalidParameterError(f"params must be a NomaParams, got {type(params).__name__}")
    if params.access != "oma":
        raise InvalidParameterError(
            f"access must be 'oma' for the OMA closed form (no interference), got {params.access!r}; "
            "NOMA instances need li_gd or exhaustive"
        )


def unconstrained_power(w_t: float, w_e: float, gamma: np.ndarray) -> np.ndarray:
    """``q* = expm1(x*) / gamma`` with ``(x* - 1) e^{x*} + 1 = (w_T / w_E) gamma``, before clipping.

    ``inf`` where ``w_E = 0`` (the link cost then falls with the power), 0 where ``w_T = 0``.
    """
    gamma = np.asarray(gamma, dtype=float)
    if w_e == 0.0:
        return np.full(gamma.shape, np.inf)
    if w_t == 0.0:
        return np.zeros(gamma.shape)
    with np.errstate(over="ignore"):
        y = (w_t / w_e) * gamma
    direct = y <= Y_DIRECT_MAX
    q = np.expm1(priced_spectral_efficiency(np.where(direct, y, 1.0))) / gamma
    if np.all(direct):
        return np.asarray(q)
    # (x - 1) e^x = y - 1 ~ y: x + ln(x - 1) = ln y, Newton from x0 = ln y - ln ln y (> 680 here).
    big = math.log(w_t) - math.log(w_e) + np.log(gamma[~direct])
    x = big - np.log(big)
    for _ in range(ASYMPTOTIC_STEPS):
        x = x - (x + np.log(x - 1.0) - big) / (1.0 + 1.0 / (x - 1.0))
    w = w_t / w_e
    with np.errstate(over="ignore"):
        q_big = w / (x - 1.0) - x / ((x - 1.0) * gamma[~direct])
    q = np.array(q, dtype=float)
    q[~direct] = q_big
    return q


def link_optimum(params: NomaParams, gain: np.ndarray, q_min: float, q_max: float) -> LinkOptimum:
    """Optimal power and cost per bit of every entry of ``gain`` (any shape) for one direction's box.

    ``gain`` is the link's power gain (``own_up`` or ``own_dn``); ``gamma = gain / sigma^2``.
    """
    gamma = np.asarray(gain, dtype=float) / params.noise_power
    q = np.clip(unconstrained_power(params.w_T, params.w_E, gamma), q_min, q_max)
    snr = q * gamma
    with np.errstate(over="ignore"):
        nats = np.where(snr < 1e300, np.log1p(np.minimum(snr, 1e300)), np.log(q) + np.log(gamma))
    cost = LN2 * (params.w_T + params.w_E * q) / (params.subchannel_bandwidth * nats)
    return LinkOptimum(power=q, cost_per_bit=cost)


def optimal_edge_speed(params: NomaParams) -> float:
    """``v* = clip((w_T / (2 w_E xi_e))^{1/3}, lambda(r_min) c_min, lambda(r_max) c_min)`` (cycles/s)."""
    low = params.r_min**params.speedup_exponent * params.edge_unit_speed
    high = params.r_max**params.speedup_exponent * params.edge_unit_speed
    if params.w_E == 0.0:
        return high
    root = (params.w_T / (2.0 * params.w_E * params.edge_kappa)) ** (1.0 / 3.0)
    return float(min(max(root, low), high))


def compute_cost_per_cycle(params: NomaParams, speed: float) -> float:
    """``w_T / v + w_E xi_e v^2``: the compute utility per edge cycle at speed ``v``."""
    return params.w_T / speed + params.w_E * params.edge_kappa * speed**2


def min_cost_assignment(cost: np.ndarray) -> np.ndarray:
    """Each row's column in the min-cost assignment of the ``(U, M)`` matrix to distinct columns, ``U <= M``."""
    rows, cols = linear_sum_assignment(cost)
    sub = np.empty(cost.shape[0], dtype=np.int64)
    sub[rows] = cols
    return sub


def _split_option(params: NomaParams, split: Any) -> np.ndarray | None:
    """``split`` as a ``(U,)`` int vector (a scalar broadcasts), or None."""
    if split is None:
        return None
    if np.ndim(split) == 0:
        return np.full(params.n_users, integer("split", split, minimum=0, maximum=params.n_units), dtype=np.int64)
    return decision(
        params,
        split=split,
        sub_up=np.arange(params.n_users),
        sub_dn=np.arange(params.n_users),
        p=params.device_power_min,
        P=params.ap_power_min,
        r=params.r_min,
    ).split


def _sub_option(params: NomaParams, name: str, sub: Any) -> np.ndarray | None:
    """``sub`` validated as an OMA assignment (distinct subchannels), or None."""
    if sub is None:
        return None
    fields: dict[str, Any] = {
        "split": 0,
        "sub_up": np.arange(params.n_users),
        "sub_dn": np.arange(params.n_users),
        "p": params.device_power_min,
        "P": params.ap_power_min,
        "r": params.r_min,
    }
    fields[name] = sub
    return np.asarray(getattr(decision(params, **fields), name))


def _choose(cost_per_bit: np.ndarray, weights: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """The given assignment, or the min-cost one for the per-user bit ``weights`` (per-bit costs if all 0)."""
    if given is not None:
        return given
    if np.all(weights == weights[0]):
        return min_cost_assignment(cost_per_bit)
    return min_cost_assignment(weights[:, None] * cost_per_bit)


def solve_analytic(params: NomaParams, *, split: Any = None, sub_up: Any = None, sub_dn: Any = None) -> Solution:
    """The exact OMA optimum: closed-form powers and edge speed, min-cost assignments, the best split.

    Parameters
    ----------
    params : NomaParams
        An instance with ``access="oma"``.
    split : int or array of int (U,), optional
        Hold the split there (a common split, or one per user); default: the best of ``0..F``.
    sub_up, sub_dn : array of int (U,), optional
        Hold the uplink / downlink assignment there (distinct subchannels); default: the min-cost assignment.
        With all three given only the powers and ``r`` are optimised (for cross-checks).

    Returns
    -------
    Solution
        ``OPTIMAL`` with ``x`` the decision's fields (:data:`~edgeopt.problems.noma.model.DECISION_FIELDS`)
        and ``objective`` its exact utility (:func:`~edgeopt.problems.noma.model.evaluate`);
        ``extras["split_utilities"]`` holds the utility of every split ``0..F`` (only where the split is
        common and not given), ``extras["link_cost_up"]`` / ``["link_cost_dn"]`` the assignments' summed
        costs per bit. ``INFEASIBLE`` when ``U > M`` (:func:`~edgeopt.problems.noma.model.capacity_shortfall`).

    Raises
    ------
    InvalidParameterError
        If ``params.access`` is not ``"oma"``, or an option is not a valid split or OMA assignment.

    """
    start = time.perf_counter()
    _check_oma(params)
    reason = capacity_shortfall(params)
    if reason is not None:
        return infeasible(reason)
    fixed_split = _split_option(params, split)
    fixed_up = _sub_option(params, "sub_up", sub_up)
    fixed_dn = _sub_option(params, "sub_dn", sub_dn)
    gains = link_gains(params)
    up = link_optimum(params, gains.own_up, params.device_power_min, params.device_power_max)
    dn = link_optimum(params, gains.own_dn, params.ap_power_min, params.ap_power_max)
    speed = optimal_edge_speed(params)
    per_cycle = compute_cost_per_cycle(params, speed)
    users = np.arange(params.n_users)
    extras: dict[str, Any] = {}
    if fixed_split is None:
        assign_up = _choose(up.cost_per_bit, np.ones(params.n_users), fixed_up)
        assign_dn = _choose(dn.cost_per_bit, np.ones(params.n_users), fixed_dn)
        link_up = float(np.sum(up.cost_per_bit[users, assign_up]))
        link_dn = float(np.sum(dn.cost_per_bit[users, assign_dn]))
        splits = np.arange(params.n_units + 1)
        bits_up, bits_dn = split_bits(params, splits)
        t_dev, e_dev = device_part(params, splits[:, None])
        _, edge_flops = split_flops(params, splits)
        totals = (
            np.sum(params.w_T * t_dev + params.w_E * e_dev, axis=1)
            + bits_up * link_up
            + bits_dn * link_dn
            + params.n_users * params.edge_cycles_per_flop * edge_flops * per_cycle
        )
        best = int(np.argmin(totals))
        chosen = np.full(params.n_users, best, dtype=np.int64)
        extras["split_utilities"] = totals
    else:
        chosen = fixed_split
        bits_up, bits_dn = split_bits(params, chosen)
        assign_up = _choose(up.cost_per_bit, bits_up, fixed_up)
        assign_dn = _choose(dn.cost_per_bit, bits_dn, fixed_dn)
        link_up = float(np.sum(up.cost_per_bit[users, assign_up]))
        link_dn = float(np.sum(dn.cost_per_bit[users, assign_dn]))
    r = np.clip(units_for_speed(params, np.full(params.n_users, speed)), params.r_min, params.r_max)
    dec = decision(
        params,
        split=chosen,
        sub_up=assign_up,
        sub_dn=assign_dn,
        p=up.power[users, assign_up],
        P=dn.power[users, assign_dn],
        r=r,
    )
    extras["link_cost_up"] = link_up
    extras["link_cost_dn"] = link_dn
    return Solution(
        status=Status.OPTIMAL,
        objective=evaluate(params, dec),
        x=dec.as_dict(),
        iterations=0,
        solve_time_s=time.perf_counter() - start,
        method="analytic",
        problem="noma",
        extras=extras,
    )
