"""OMA (paper 003, ``access="oma"``): the closed form against Clarabel, brute force and scalar searches.

Every expected value here comes from an independent computation: CVXPY/Clarabel on the exponential-cone
model of :mod:`edgeopt.problems.noma.reference`, the per-user utility minimised by
:func:`scipy.optimize.minimize_scalar` and a dense grid, every injective assignment enumerated, and the
utility's formulas (the model's docstring) re-typed here with the gains recomputed from the positions.

Instances
---------
``oma_params(seed)`` of :mod:`edgeopt.problems.noma.scenarios` (2 APs, 2-6 users, ``M = U .. U + 4``,
NiN's 12 split units), ``wide_params`` where it draws OMA, and :func:`synthetic` below, over these
ranges (``LU`` log-uniform):

=========================  ===============================================================
users, subchannels, units  ``U`` 1..6 (or given), ``M`` ``U .. U + 3``, ``F`` 1..6
layout                     2 APs ``U(100, 600)`` m apart; users uniform in angle at ``U(5, ISD/2)``
                           m from a uniformly drawn AP (inter-cell geometry)
fading                     Rayleigh power gains (exponential, unit mean), independent up / down
layer_flops, feature_bits  ``LU(1e6, 1e9)`` FLOPs and ``LU(1e3, 1e6)`` bits per unit (synthetic)
result_bits                ``LU(10, 1e4)``
bandwidth                  ``LU(1e5, 2e7)`` Hz
path loss                  exponent ``U(2.5, 5)``, reference gain ``LU(1e-5, 1e-3)`` at 1 m
powers                     device ``p_max`` ``LU(0.05, 1)`` W, AP ``P_max`` ``LU(0.1, 10)`` W;
                           ``p_min = p_max LU(1e-4, 0.25)`` (so every box spans a factor >= 4)
speeds, kappas             device ``LU(1e8, 3e9)`` cycles/s, ``xi_d`` ``LU(1e-29, 1e-26)``;
                           ``c_min`` ``LU(5e8, 5e9)``, ``xi_e`` ``LU(1e-30, 1e-27)``
compute units              ``r_min = 1``, ``r_max`` ``U(2, 16)``, ``gamma`` ``U(1, 1.5)``
weights                    ``w_T`` ``U(0.02, 0.98)``, ``w_E = 1 - w_T``
=========================  ===============================================================

These ranges put the powers and the edge speed inside their boxes and at either bound, and every split
from Edge-Only to Device-Only is best on some draw.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.noma.analytic import solve_analytic
from edgeopt.problems.noma.certificate import oma_kkt
from edgeopt.problems.noma.model import DECISION_FIELDS, NomaParams, decision, evaluate
from edgeopt.problems.noma.reference import solve_cvxpy, to_cvxpy
from edgeopt.problems.noma.scenarios import oma_params, wide_params

# Issue 13: the closed form matches Clarabel within 1e-6 relative on every OMA instance drawn (measured worst
# over 100 draws each: 1.8e-11 on oma_params, 2.3e-11 on synthetic, 1.4e-8 on wide OMA draws Clarabel solves).
VS_CLARABEL = 1e-6
# The closed form is the exact optimum: no feasible point (a solver's, a grid's) is below it but by rounding.
NEVER_ABOVE = 1e-12
# minimize_scalar (Brent, xatol 1e-12 in log q) against the closed form: the utility is flat at the
# minimum, so its value agrees to rounding even where the minimiser agrees to ~1e-6 only.
VS_SCALAR = 1e-11
# KKT residuals and the bound gap at the analytic point (measured: below 1e-14).
KKT_TOL = 1e-8
# The smallest KKT residual at the perturbed points below (measured: 0.26 at least over 450 draws).
PERTURBED_RESIDUAL = 1e-3
# Brute force against the closed form: both sum the same exact per-pair optima.
VS_BRUTE_FORCE = 1e-10

LN2 = math.log(2.0)


def _property(examples: int) -> settings:
    return settings(
        max_examples=examples, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


def _log_uniform(rng: np.random.Generator, low: float, high: float, size: int | None = None) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def synthetic(
    seed: int, *, n_users: int | None = None, n_sub: int | None = None, n_units: int | None = None
) -> NomaParams:
    """An OMA instance over the module docstring's ranges (synthetic network profile)."""
    rng = np.random.default_rng(seed)
    users = int(rng.integers(1, 7)) if n_users is None else n_users
    subs = int(rng.integers(users, users + 4)) if n_sub is None else n_sub
    units = int(rng.integers(1, 7)) if n_units is None else n_units
    spacing = rng.uniform(100.0, 600.0)
    aps = np.array([[0.0, 0.0], [spacing, 0.0]])
    home = rng.integers(0, 2, users)
    radius = rng.uniform(5.0, 0.5 * spacing, users)
    angle = rng.uniform(0.0, 2.0 * np.pi, users)
    positions = aps[home] + np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    w_t = float(rng.uniform(0.02, 0.98))
    p_max = float(_log_uniform(rng, 0.05, 1.0))
    ap_max = float(_log_uniform(rng, 0.1, 10.0))
    return NomaParams(
        ap_positions=aps,
        user_positions=positions,
        fading_up=np.maximum(rng.exponential(1.0, (users, 2, subs)), 1e-12),
        fading_dn=np.maximum(rng.exponential(1.0, (users, 2, subs)), 1e-12),
        layer_flops=_log_uniform(rng, 1e6, 1e9, units),
        feature_bits=_log_uniform(rng, 1e3, 1e6, units),
        device_speed=_log_uniform(rng, 1e8, 3e9, users),
        result_bits=float(_log_uniform(rng, 10.0, 1e4)),
        bandwidth=float(_log_uniform(rng, 1e5, 2e7)),
        pathloss_exponent=float(rng.uniform(2.5, 5.0)),
        reference_gain=float(_log_uniform(rng, 1e-5, 1e-3)),
        device_power_min=p_max * float(_log_uniform(rng, 1e-4, 0.25)),
        device_power_max=p_max,
        ap_power_min=ap_max * float(_log_uniform(rng, 1e-4, 0.25)),
        ap_power_max=ap_max,
        device_kappa=float(_log_uniform(rng, 1e-29, 1e-26)),
        edge_unit_speed=float(_log_uniform(rng, 5e8, 5e9)),
        edge_kappa=float(_log_uniform(rng, 1e-30, 1e-27)),
        r_min=1.0,
        r_max=float(rng.uniform(2.0, 16.0)),
        speedup_exponent=float(rng.uniform(1.0, 1.5)),
        w_T=w_t,
        w_E=1.0 - w_t,
        access="oma",
    )


def wide_oma(seed: int) -> NomaParams:
    """The first OMA draw of ``wide_params`` at or after ``seed``."""
    while True:
        params = wide_params(seed)
        if params.access == "oma":
            return params
        seed += 1


# ------------------------------------------------------------------ independent re-typed model
def own_snr(params: NomaParams) -> tuple[np.ndarray, np.ndarray]:
    """``gamma = g / sigma^2`` (U, M) up and down, recomputed from the positions (nearest AP, clamped d)."""
    delta = params.user_positions[:, None, :] - params.ap_positions[None, :, :]
    distance = np.hypot(delta[..., 0], delta[..., 1])
    cell = np.argmin(distance, axis=1)
    d = np.maximum(distance[np.arange(params.n_users), cell], params.reference_distance)
    large = params.reference_gain * (d / params.reference_distance) ** (-params.pathloss_exponent)
    sigma2 = params.noise_psd * params.bandwidth / params.n_subchannels
    users = np.arange(params.n_users)
    up = large[:, None] * params.fading_up[users, cell, :] / sigma2
    dn = large[:, None] * params.fading_dn[users, cell, :] / sigma2
    return up, dn


def cost_per_bit(params: NomaParams, q: float, gamma: float) -> float:
    """``(w_T + w_E q) / (b log2(1 + q gamma))``, (7) + (14)."""
    b = params.bandwidth / params.n_subchannels
    return (params.w_T + params.w_E * q) * LN2 / (b * math.log1p(q * gamma))


def scalar_link_optimum(params: NomaParams, gamma: float, low: float, high: float) -> tuple[float, float]:
    """``(q, cost per bit)``: Brent on ``log q`` over the box, checked against both ends and a 2001-point grid."""
    f = lambda z: cost_per_bit(params, math.exp(z), gamma)  # noqa: E731
    res = minimize_scalar(f, bounds=(math.log(low), math.log(high)), method="bounded", options={"xatol": 1e-12})
    grid = np.linspace(math.log(low), math.log(high), 2001)
    candidates = [float(res.x), math.log(low), math.log(high), *grid]
    values = [f(z) for z in candidates]
    k = int(np.argmin(values))
    return math.exp(candidates[k]), values[k]


def scalar_speed_optimum(params: NomaParams) -> tuple[float, float]:
    """``(v, cost per cycle)`` of ``w_T / v + w_E xi_e v^2`` by Brent on ``log v`` over the speed box."""
    low = params.r_min**params.speedup_exponent * params.edge_unit_speed
    high = params.r_max**params.speedup_exponent * params.edge_unit_speed
    f = lambda z: params.w_T / math.exp(z) + params.w_E * params.edge_kappa * math.exp(2 * z)  # noqa: E731
    res = minimize_scalar(f, bounds=(math.log(low), math.log(high)), method="bounded", options={"xatol": 1e-12})
    candidates = [float(res.x), math.log(low), math.log(high)]
    values = [f(z) for z in candidates]
    k = int(np.argmin(values))
    return math.exp(candidates[k]), values[k]


def split_terms(params: NomaParams, s: int) -> tuple[float, float, float, float]:
    """``(device utility summed over users, w_s, m, edge cycles per user)`` at split ``s`` (1)-(4), (13)."""
    device_flops = float(np.sum(params.layer_flops[:s]))
    edge_flops = float(np.sum(params.layer_flops[s:]))
    cycles = params.device_cycles_per_flop * device_flops
    c = params.device_speed
    device = float(np.sum(params.w_T * cycles / c + params.w_E * params.device_kappa * c**2 * cycles))
    sends = s < params.n_units
    w_s = float(params.feature_bits[s]) if sends else 0.0
    m = params.result_bits if sends else 0.0
    return device, w_s, m, params.edge_cycles_per_flop * edge_flops


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


# ------------------------------------------------------------------ closed form vs Clarabel
def _clarabel_at(params: NomaParams, split: object, sub_up: np.ndarray, sub_dn: np.ndarray) -> tuple[float, float]:
    """Clarabel at a fixed split and assignment: (its utility at its own point, the repaired point's utility).

    The repaired point (powers recovered from the times, clipped to their boxes) is feasible, so the exact
    optimum is never above its utility; the solver's own point may be infeasible by its tolerance.
    """
    ref = solve_cvxpy(params, split=split, sub_up=sub_up, sub_dn=sub_dn)
    assert ref.status is Status.OPTIMAL, ref.extras
    assert ref.extras["solver_status"] == "optimal"
    return float(ref.extras["solver_objective"]), ref.objective


def _check_against_clarabel(params: NomaParams, split: object = None, sub_up=None, sub_dn=None) -> None:
    sol = solve_analytic(params, split=split, sub_up=sub_up, sub_dn=sub_dn)
    assert sol.status is Status.OPTIMAL
    x = sol.x
    assert relative(sol.objective, evaluate(params, x)) == 0.0
    own, repaired = _clarabel_at(params, x["split"], x["sub_up"], x["sub_dn"])
    assert relative(own, sol.objective) <= VS_CLARABEL
    assert relative(repaired, sol.objective) <= VS_CLARABEL
    assert sol.objective <= repaired * (1 + NEVER_ABOVE)


@_property(30)
@given(st.integers(0, 2**32 - 1))
def test_closed_form_matches_clarabel_on_oma_params(seed):
    """Property: the analytic optimum and Clarabel at its split and assignment agree within 1e-6."""
    _check_against_clarabel(oma_params(seed))


@_property(30)
@given(st.integers(0, 2**32 - 1), st.data())
def test_closed_form_matches_clarabel_at_any_split_and_assignment(seed, data):
    """Property: with a drawn split (common or per user) and drawn assignments held fixed, both agree."""
    params = synthetic(seed)
    n, m, f = params.n_users, params.n_subchannels, params.n_units
    if data.draw(st.booleans()):
        split: object = data.draw(st.integers(0, f))
    else:
        split = np.array(data.draw(st.lists(st.integers(0, f), min_size=n, max_size=n)), dtype=np.int64)
    sub_up = np.array(data.draw(st.permutations(range(m)))[:n], dtype=np.int64)
    sub_dn = np.array(data.draw(st.permutations(range(m)))[:n], dtype=np.int64)
    sol = solve_analytic(params, split=split, sub_up=sub_up, sub_dn=sub_dn)
    assert np.array_equal(sol.x["sub_up"], sub_up) and np.array_equal(sol.x["sub_dn"], sub_dn)
    assert np.array_equal(sol.x["split"], np.broadcast_to(split, (n,)))
    _check_against_clarabel(params, split, sub_up, sub_dn)


@_property(25)
@given(st.integers(0, 2**32 - 1))
def test_closed_form_matches_clarabel_on_wide_oma_draws(seed):
    """Property: on the wide-range generator's OMA draws, within 1e-6 wherever Clarabel says optimal.

    Where Clarabel answers optimal_inaccurate (2 of 100 draws measured: an energy-only instance, ``w_T =
    0`` with ``p_min = 1.5e-4 p_max``, whose utility is flat to 3e-4 over a decade of upload times, 1.4e-4
    off; and a downlink at -50 dB, 1e-7 off) the closed form must still be at or below its repaired point,
    and the KKT residuals certify it.
    """
    params = wide_oma(seed % 100_000)
    sol = solve_analytic(params)
    x = sol.x
    ref = solve_cvxpy(params, split=x["split"], sub_up=x["sub_up"], sub_dn=x["sub_dn"])
    assert ref.status in (Status.OPTIMAL, Status.FEASIBLE), ref.extras
    assert sol.objective <= ref.objective * (1 + NEVER_ABOVE)
    if ref.status is Status.OPTIMAL:
        assert relative(ref.objective, sol.objective) <= VS_CLARABEL
        assert relative(ref.extras["solver_objective"], sol.objective) <= VS_CLARABEL
    report = oma_kkt(params, x)
    assert report["max_residual"] <= KKT_TOL and abs(report["objective_bound_gap"]) <= KKT_TOL, report


@_property(15)
@given(st.integers(0, 2**32 - 1))
def test_cvxpy_method_finds_the_same_optimum(seed):
    """Property: solve_cvxpy (its own costs, min-cost flow, split) reaches the analytic optimum."""
    params = synthetic(seed)
    ref = solve_cvxpy(params)
    sol = solve_analytic(params)
    assert ref.status is Status.OPTIMAL, ref.extras
    assert set(ref.x) == set(DECISION_FIELDS)
    assert relative(ref.objective, sol.objective) <= VS_CLARABEL
    assert relative(ref.extras["solver_objective"], sol.objective) <= VS_CLARABEL
    assert sol.objective <= ref.objective * (1 + NEVER_ABOVE)
    assert ref.extras["solver_status"] == "optimal"


# ------------------------------------------------------------------ assignment and split by brute force
@_property(30)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(0, 1))
def test_assignment_and_split_match_brute_force(seed, n_users, extra):
    """Property: over every injective assignment per direction and every split, nothing beats the closed form.

    The per-pair optima come from minimize_scalar, the utility per split from the re-typed formulas.
    """
    params = synthetic(seed, n_users=n_users, n_sub=min(n_users + extra + int(seed % 2), 5))
    gamma_up, gamma_dn = own_snr(params)
    n, m = params.n_users, params.n_subchannels
    c_up = np.array(
        [
            [
                scalar_link_optimum(params, gamma_up[i, j], params.device_power_min, params.device_power_max)[1]
                for j in range(m)
            ]
            for i in range(n)
        ]
    )
    c_dn = np.array(
        [
            [scalar_link_optimum(params, gamma_dn[i, j], params.ap_power_min, params.ap_power_max)[1] for j in range(m)]
            for i in range(n)
        ]
    )
    perms = np.array(list(itertools.permutations(range(m), n)))
    rows = np.arange(n)
    best_up = float(np.min(c_up[rows, perms].sum(axis=1)))
    best_dn = float(np.min(c_dn[rows, perms].sum(axis=1)))
    _, per_cycle = scalar_speed_optimum(params)
    totals = []
    for s in range(params.n_units + 1):
        device, w_s, bits_dn, cycles = split_terms(params, s)
        totals.append(device + w_s * best_up + bits_dn * best_dn + n * cycles * per_cycle)
    sol = solve_analytic(params)
    assert relative(sol.objective, min(totals)) <= VS_BRUTE_FORCE
    assert sol.objective <= min(totals) * (1 + NEVER_ABOVE)
    assert relative(sol.extras["link_cost_up"], best_up) <= VS_BRUTE_FORCE
    assert relative(sol.extras["link_cost_dn"], best_dn) <= VS_BRUTE_FORCE
    np.testing.assert_allclose(sol.extras["split_utilities"], totals, rtol=VS_BRUTE_FORCE)


@_property(30)
@given(st.integers(0, 2**32 - 1), st.data())
def test_per_user_split_assignment_matches_brute_force(seed, data):
    """Property: with per-user splits the assignment weighs each user's bits; brute force agrees."""
    params = synthetic(seed, n_users=int(seed % 3) + 2, n_sub=5)
    n, m = params.n_users, params.n_subchannels
    split = np.array(data.draw(st.lists(st.integers(0, params.n_units), min_size=n, max_size=n)), dtype=np.int64)
    gamma_up, _ = own_snr(params)
    c_up = np.array(
        [
            [
                scalar_link_optimum(params, gamma_up[i, j], params.device_power_min, params.device_power_max)[1]
                for j in range(m)
            ]
            for i in range(n)
        ]
    )
    bits = np.array([split_terms(params, int(s))[1] for s in split])
    perms = np.array(list(itertools.permutations(range(m), n)))
    best = float(np.min((bits[:, None] * c_up)[np.arange(n), perms].sum(axis=1)))
    sol = solve_analytic(params, split=split)
    users = np.arange(n)
    chosen = float(np.sum(bits * c_up[users, sol.x["sub_up"]]))
    assert relative(chosen, best) <= VS_BRUTE_FORCE or chosen == best == 0.0


# ------------------------------------------------------------------ per-user scalar minimisation
@_property(30)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_powers_and_speed_match_scalar_minimisation(seed, wide):
    """Property: each user's powers and edge speed are the minimisers minimize_scalar and a grid find."""
    params = wide_oma(seed % 100_000) if wide else synthetic(seed)
    s = int(seed % (params.n_units + 1))  # a drawn split, so that most draws send something
    sol = solve_analytic(params, split=s)
    x = sol.x
    gamma_up, gamma_dn = own_snr(params)
    users = np.arange(params.n_users)
    scalar = {}
    for name, gamma, q, low, high in (
        ("p", gamma_up[users, x["sub_up"]], x["p"], params.device_power_min, params.device_power_max),
        ("P", gamma_dn[users, x["sub_dn"]], x["P"], params.ap_power_min, params.ap_power_max),
    ):
        found = [scalar_link_optimum(params, float(g), low, high) for g in gamma]
        scalar[name] = np.array([f[0] for f in found])
        ours = np.array([cost_per_bit(params, float(qi), float(g)) for qi, g in zip(q, gamma, strict=True)])
        theirs = np.array([f[1] for f in found])
        assert np.all(ours <= theirs * (1 + NEVER_ABOVE)), name
        np.testing.assert_allclose(ours, theirs, rtol=VS_SCALAR)
    v, per_cycle = scalar_speed_optimum(params)
    speed = x["r"] ** params.speedup_exponent * params.edge_unit_speed
    ours_cycle = params.w_T / speed + params.w_E * params.edge_kappa * speed**2
    np.testing.assert_allclose(ours_cycle, per_cycle, rtol=VS_SCALAR)
    # The scalar searches' point, evaluated by the model, is never below the closed form.
    r_scalar = np.full(params.n_users, (v / params.edge_unit_speed) ** (1 / params.speedup_exponent))
    other = decision(
        params,
        split=s,
        sub_up=x["sub_up"],
        sub_dn=x["sub_dn"],
        p=scalar["p"],
        P=scalar["P"],
        r=np.clip(r_scalar, params.r_min, params.r_max),
    )
    assert sol.objective <= evaluate(params, other) * (1 + NEVER_ABOVE)
    assert relative(sol.objective, evaluate(params, other)) <= VS_SCALAR


# ------------------------------------------------------------------ KKT certificate
def _perturbed(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Each entry moved by the factor ``(high / low)^(1/3)`` up, or down where up leaves the box."""
    factor = (high / low) ** (1.0 / 3.0)
    return np.where(x * factor <= high, x * factor, x / factor)


@_property(30)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["oma_params", "synthetic", "wide"]))
def test_kkt_residuals_vanish_at_the_analytic_point_and_not_elsewhere(seed, source):
    """Property: oma_kkt is below 1e-8 at the closed form and large at a perturbed point."""
    make = {"oma_params": oma_params, "synthetic": synthetic, "wide": lambda k: wide_oma(k % 100_000)}[source]
    params = make(seed)
    for split in (None, int(seed % params.n_units)):  # the optimum, and a split that sends and computes
        sol = solve_analytic(params, split=split)
        report = oma_kkt(params, sol.x)
        assert report["max_residual"] <= KKT_TOL, report
        assert abs(report["objective_bound_gap"]) <= KKT_TOL, report
    x = dict(sol.x)
    for name, low, high in (
        ("p", params.device_power_min, params.device_power_max),
        ("P", params.ap_power_min, params.ap_power_max),
        ("r", params.r_min, params.r_max),
    ):
        if high <= low * (1 + 1e-9):
            continue
        moved = dict(x)
        moved[name] = _perturbed(x[name], low, high)
        report = oma_kkt(params, moved)
        key = {"p": "stationarity_up", "P": "stationarity_dn", "r": "stationarity_compute"}[name]
        assert report[key] >= PERTURBED_RESIDUAL, (name, report)
        # Above the optimum (by as little as 6e-15 where the perturbed block is a sliver of the utility).
        assert report["objective_bound_gap"] >= -1e-15, (name, report)


# ------------------------------------------------------------------ infeasible and invalid inputs
def test_more_users_than_subchannels_is_infeasible():
    """U > M under OMA: INFEASIBLE, with the counts in the reason, from both methods."""
    params = synthetic(3, n_users=4, n_sub=3)
    for method in (solve_analytic, solve_cvxpy):
        sol = method(params)
        assert sol.status is Status.INFEASIBLE
        assert "4 users" in sol.reason and "3 subchannels" in sol.reason
        assert sol.objective == math.inf and sol.x == {}


def test_noma_access_is_rejected_naming_access():
    """access="noma" has interference: the OMA closed form, reference and KKT refuse it, naming the field."""
    oma = synthetic(4, n_users=2, n_sub=3)
    params = NomaParams(**{**{f: getattr(oma, f) for f in oma.__dataclass_fields__}, "access": "noma"})
    for call in (
        lambda: solve_analytic(params),
        lambda: solve_cvxpy(params),
        lambda: to_cvxpy(params, 0, np.arange(2), np.arange(2)),
        lambda: oma_kkt(params, solve_analytic(oma).x),
    ):
        with pytest.raises(InvalidParameterError, match="access"):
            call()


def test_invalid_options_are_rejected_naming_them():
    """A shared subchannel, a split out of range or a wrong shape raise, naming the option."""
    params = synthetic(5, n_users=3, n_sub=4)
    with pytest.raises(InvalidParameterError, match="sub_up"):
        solve_analytic(params, sub_up=np.array([0, 0, 1]))
    with pytest.raises(InvalidParameterError, match="sub_dn"):
        solve_cvxpy(params, sub_dn=np.array([0, 1]))
    with pytest.raises(InvalidParameterError, match="split"):
        solve_analytic(params, split=params.n_units + 1)
    with pytest.raises(InvalidParameterError, match="split"):
        solve_analytic(params, split=1.0)


def test_device_only_and_edge_only_splits():
    """At s = F nothing is sent (links cost nothing); at s = 0 nothing runs on the device."""
    params = synthetic(6, n_users=3, n_sub=4, n_units=3)
    device_only = solve_analytic(params, split=params.n_units)
    device, _, _, _ = split_terms(params, params.n_units)
    assert relative(device_only.objective, device) <= 1e-14
    _check_against_clarabel(params, split=params.n_units)
    _check_against_clarabel(params, split=0)


def test_timings_are_reported():
    """Both methods measure solve_time_s and label their solutions (times are compared in the benchmark)."""
    params = oma_params(7)
    start = time.perf_counter()
    sol = solve_analytic(params)
    assert 0.0 < sol.solve_time_s <= time.perf_counter() - start
    ref = solve_cvxpy(params)
    assert ref.solve_time_s > 0.0
    assert sol.method == "analytic" and ref.method == "cvxpy" and sol.problem == ref.problem == "noma"
