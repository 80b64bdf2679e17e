"""Optimality certificates of the NOMA problem: here, the KKT conditions of the convex OMA problem.

Under ``access="oma"`` no two users share a subchannel, so for a decision's
split and assignment the utility (19)-(22) is a sum of one-dimensional
problems (see :mod:`edgeopt.problems.noma.model`): for each transmitting link
``J(q) = D (w_T + w_E q) / (b log2(1 + q gamma))`` over ``q`` in its power
box, ``gamma = g / sigma^2``, and for each user with edge work ``k (w_T / v +
w_E xi_e v^2)`` over ``v = lambda(r) c_min`` in its box. Each is convex in its
own variable's reparametrisation (the transmission time ``t = D / R``; the
speed ``v``), and both reparametrisations are monotone, so the KKT
conditions in ``q`` and in ``r`` are necessary and sufficient.

**Stationarity of a link.** Differentiating,

.. math:: \\frac{dJ}{dq} = \\frac{D \\gamma}{b \\ln 2 \\cdot R_1^2 (1 + q\\gamma)}
    \\left[w_E h(q) - w_T\\right], \\qquad h(q) = \\left(q + \\frac{1}{\\gamma}\\right)\\ln(1 + q\\gamma) - q,

(``R_1 = log2(1 + q gamma)``), ``h`` increasing from 0, so ``J`` falls while
``w_E h(q) < w_T`` and rises after. The relative residual balances the two
terms, ``rho = (w_E h - w_T) / (w_E h + w_T)`` in ``[-1, 1]``; with box
multipliers from the sign of the derivative at a bound, the stationarity
residual is ``|rho|`` inside the box, ``max(rho, 0)`` at the upper bound
(its multiplier ``-dJ/dq`` must be ``>= 0``) and ``max(-rho, 0)`` at the
lower one. ``h(q) = ((1 + u) ln(1 + u) - u) / gamma`` with ``u = q gamma`` is
evaluated by its series ``u^2/2 - u^3/6 + u^4/12 - u^5/20`` below ``u =
1e-3`` (the direct form cancels there).

**Stationarity of the edge speed.** ``d/dv = k (2 w_E xi_e v^3 - w_T) / v^2``
and ``dv/dr > 0``: ``rho_v = (2 w_E xi_e v^3 - w_T) / (2 w_E xi_e v^3 +
w_T)`` with the same bound rule in ``r``.

**The bound.** ``objective_bound_gap`` compares ``evaluate(dec)`` with the
optimum for the same split and assignment, built here from the same
conditions: the root of ``w_E h(q) - w_T`` in ``log q`` over the box by
bisection (:func:`edgeopt.solvers.scalar.find_root_bisect`; a root outside
the box converges to the nearer end), the root of ``2 w_E xi_e v^3 = w_T`` in
``log v`` likewise. A point counts as at a bound within
:data:`~edgeopt.problems.noma.model.BOX_TOL` (relative).
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.noma.model import (
    BOX_TOL,
    LN2,
    NomaDecision,
    NomaParams,
    compensation,
    decision,
    device_part,
    evaluate,
    link_gains,
    split_bits,
    split_flops,
)
from edgeopt.solvers.scalar import find_root_bisect

# Below this u = q gamma the series of (1 + u) ln(1 + u) - u is used (truncation below 1e-13 relative).
_SERIES_BELOW = 1e-3
# Bisection steps on log q and log v: a bracket of 140 nats (1e-30 to 1e30) reaches rounding in about 60.
_BISECTION_STEPS = 100


def _excess(u: np.ndarray) -> np.ndarray:
    """``(1 + u) ln(1 + u) - u`` for ``u >= 0``, accurate near 0."""
    direct = (1.0 + u) * np.log1p(u) - u
    series = u * u * (0.5 - u * (1.0 / 6.0 - u * (1.0 / 12.0 - u / 20.0)))
    return np.where(u < _SERIES_BELOW, series, direct)


def _link_slope(params: NomaParams, q: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(w_E h(q) - w_T, w_E h(q) + w_T)``: the sign factor of ``dJ/dq`` and its scale."""
    h = _excess(q * gamma) / gamma
    return params.w_E * h - params.w_T, params.w_E * h + params.w_T


def _speed_slope(params: NomaParams, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(2 w_E xi_e v^3 - w_T, 2 w_E xi_e v^3 + w_T)``: the sign factor of ``d/dv`` and its scale."""
    cubic = 2.0 * params.w_E * params.edge_kappa * v**3
    return cubic - params.w_T, cubic + params.w_T


def _boxed_residual(
    slope: np.ndarray, scale: np.ndarray, x: np.ndarray, low: float, high: float, active: np.ndarray
) -> float:
    """Largest relative stationarity residual with box multipliers from the sign at a bound (module docstring)."""
    if not np.any(active):
        return 0.0
    rho = slope / np.maximum(scale, 1e-300)
    at_high = x >= high * (1.0 - BOX_TOL)
    at_low = x <= low * (1.0 + BOX_TOL)
    residual = np.where(at_high, np.maximum(rho, 0.0), np.abs(rho))
    residual = np.where(at_low, np.maximum(-rho, 0.0), residual)
    residual = np.where(at_low & at_high, 0.0, residual)  # a box of one point
    return float(np.max(np.where(active, residual, 0.0)))


def _root_in_box(f: object, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The root of an increasing ``f`` of ``log x`` in ``[log low, log high]``, or the nearer end."""
    result = find_root_bisect(
        lambda z: f(np.exp(z)),  # type: ignore[operator]
        np.log(low),
        np.log(high),
        increasing=np.ones(np.shape(low), dtype=bool),
        xtol=0.0,
        rtol=0.0,
        max_iter=_BISECTION_STEPS,
    )
    return np.clip(np.exp(result.x), low, high)


def optimal_link_power(params: NomaParams, gamma: np.ndarray, low: float, high: float) -> np.ndarray:
    """The minimiser of ``J`` over ``[low, high]`` for every entry of ``gamma``, by bisection on ``w_E h = w_T``."""
    gamma = np.asarray(gamma, dtype=float)
    if params.w_E == 0.0:
        return np.full(gamma.shape, high)
    lows, highs = np.full(gamma.shape, low), np.full(gamma.shape, high)
    return _root_in_box(lambda q: _link_slope(params, q, gamma)[0], lows, highs)


def optimal_speed(params: NomaParams) -> float:
    """The minimiser of ``w_T / v + w_E xi_e v^2`` over the speed box, by bisection on its derivative."""
    low = float(compensation(params, params.r_min)) * params.edge_unit_speed
    high = float(compensation(params, params.r_max)) * params.edge_unit_speed
    if params.w_E == 0.0:
        return high
    root = _root_in_box(lambda v: _speed_slope(params, v)[0], np.array([low]), np.array([high]))
    return float(root[0])


def _link_cost(params: NomaParams, bits: np.ndarray, q: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    return np.where(
        bits > 0,
        bits * LN2 * (params.w_T + params.w_E * q) / (params.subchannel_bandwidth * np.log1p(q * gamma)),
        0.0,
    )


def oma_bound(params: NomaParams, dec: NomaDecision) -> float:
    """The least utility over the powers and ``r`` for ``dec``'s split and assignment (OMA)."""
    gains = link_gains(params)
    users = np.arange(params.n_users)
    bits_up, bits_dn = split_bits(params, dec.split)
    total = 0.0
    for bits, gain, sub, low, high in (
        (bits_up, gains.own_up, dec.sub_up, params.device_power_min, params.device_power_max),
        (bits_dn, gains.own_dn, dec.sub_dn, params.ap_power_min, params.ap_power_max),
    ):
        gamma = gain[users, sub] / params.noise_power
        q = optimal_link_power(params, gamma, low, high)
        total += float(np.sum(_link_cost(params, bits, q, gamma)))
    v = optimal_speed(params)
    _, edge_flops = split_flops(params, dec.split)
    total += float(
        np.sum(params.edge_cycles_per_flop * edge_flops * (params.w_T / v + params.w_E * params.edge_kappa * v**2))
    )
    t_dev, e_dev = device_part(params, dec.split)
    return total + float(np.sum(params.w_T * t_dev + params.w_E * e_dev))


def oma_kkt(params: NomaParams, dec: NomaDecision | dict[str, np.ndarray]) -> dict[str, float]:
    """Relative KKT residuals of the OMA problem at a decision, for its split and assignment.

    Parameters
    ----------
    params : NomaParams
        An instance with ``access="oma"``.
    dec : NomaDecision or dict
        The decision (validated by :func:`~edgeopt.problems.noma.model.decision`).

    Returns
    -------
    dict of str to float
        ``stationarity_up``, ``stationarity_dn``: the largest relative stationarity residual of the
        transmitting users' uplink and downlink powers; ``stationarity_compute``: that of ``r`` over the users
        with edge work; ``objective_bound_gap``: ``(evaluate(dec) - bound) / |bound|`` with ``bound`` the
        optimum for the same split and assignment (module docstring); ``max_residual``: the largest of the
        three residuals.

    Raises
    ------
    InvalidParameterError
        If ``params.access`` is not ``"oma"`` or ``dec`` is not a valid decision.

    """
    if params.access != "oma":
        raise InvalidParameterError(f"access must be 'oma' for the OMA KKT conditions, got {params.access!r}")
    if not isinstance(dec, NomaDecision):
        dec = decision(params, **dec)
    gains = link_gains(params)
    users = np.arange(params.n_users)
    bits_up, bits_dn = split_bits(params, dec.split)
    out: dict[str, float] = {}
    for name, bits, gain, sub, q, low, high in (
        ("up", bits_up, gains.own_up, dec.sub_up, dec.p, params.device_power_min, params.device_power_max),
        ("dn", bits_dn, gains.own_dn, dec.sub_dn, dec.P, params.ap_power_min, params.ap_power_max),
    ):
        gamma = gain[users, sub] / params.noise_power
        slope, scale = _link_slope(params, q, gamma)
        out[f"stationarity_{name}"] = _boxed_residual(slope, scale, q, low, high, bits > 0)
    _, edge_flops = split_flops(params, dec.split)
    speed = compensation(params, dec.r) * params.edge_unit_speed
    slope, scale = _speed_slope(params, speed)
    out["stationarity_compute"] = _boxed_residual(slope, scale, dec.r, params.r_min, params.r_max, edge_flops > 0)
    out["max_residual"] = max(out.values())
    bound = oma_bound(params, dec)
    out["objective_bound_gap"] = (evaluate(params, dec) - bound) / max(abs(bound), 1e-300)
    if not math.isfinite(out["objective_bound_gap"]):
        out["objective_bound_gap"] = math.inf
    return out


# ---------------------------------------------------------------------------------------------- NOMA report
def decision_violations(params: NomaParams, x: dict[str, np.ndarray]) -> dict[str, float]:
    """Relative constraint violations of a returned decision, by family (0 where it holds).

    ``split``, ``sub_up``, ``sub_dn``: 1 where an entry is not an integer in its range (18.a), (18.e)-(18.f);
    ``p``, ``P``, ``r``: the largest excursion outside the box (18.c)-(18.d), relative to its upper bound;
    ``cap_up``, ``cap_dn``: the largest ``(load - cap) / cap`` over the clusters (Sec. VI; one user per
    subchannel network-wide under OMA).
    """
    from edgeopt.problems.noma.model import association, subchannel_load

    out: dict[str, float] = {}
    ranges = {"split": params.n_units, "sub_up": params.n_subchannels - 1, "sub_dn": params.n_subchannels - 1}
    valid = True
    for name, top in ranges.items():
        value = np.asarray(x[name], dtype=float)
        ok = bool(np.all((value == np.round(value)) & (value >= 0) & (value <= top)))
        out[name] = 0.0 if ok else 1.0
        valid &= ok
    boxes = {
        "p": (params.device_power_min, params.device_power_max),
        "P": (params.ap_power_min, params.ap_power_max),
        "r": (params.r_min, params.r_max),
    }
    for name, (low, high) in boxes.items():
        value = np.asarray(x[name], dtype=float)
        excess = np.maximum(np.maximum(low - value, value - high), 0.0)
        out[name] = float(np.max(excess, initial=0.0)) / high
    if valid:
        cell = association(params)
        cap = 1 if params.access == "oma" else params.cluster_cap
        for name in ("sub_up", "sub_dn"):
            load = subchannel_load(params, cell, np.asarray(x[name], dtype=np.int64))
            out["cap_" + name[-2:]] = float(np.max((load - cap) / cap, initial=0.0))
    else:
        out["cap_up"] = out["cap_dn"] = math.inf
    return out


def relaxed_stationarity(params: NomaParams, relaxed: dict[str, object]) -> dict[str, float]:
    """Relative Frank-Wolfe gaps of the relaxed problem at a relaxed point (``Solution.extras["relaxed"]``).

    The scale-free projected-gradient residual of Li-GD's relaxed problem for its split
    (:func:`~edgeopt.problems.noma.model.relaxed_utility_and_gaps`), by block.
    """
    from edgeopt.problems.noma.model import RelaxedPoint, relaxed_utility_and_gaps

    point = RelaxedPoint(
        int(relaxed["split"]),  # type: ignore[call-overload]
        np.asarray(relaxed["beta_up"], dtype=float),
        np.asarray(relaxed["p"], dtype=float),
        np.asarray(relaxed["beta_dn"], dtype=float),
        np.asarray(relaxed["P"], dtype=float),
        np.asarray(relaxed["r"], dtype=float),
    )
    _, gaps = relaxed_utility_and_gaps(params, link_gains(params), point)
    return {f"relaxed_{name}": value for name, value in gaps.items()}
