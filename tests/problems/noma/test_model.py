"""NOMA (paper 003) model: rates against naive loops over (5) and (8), exact gradients, validation, evaluate.

The references here are written from the paper's formulas with plain Python loops over users and
interferers (no vectorisation, no sorting), independently of ``model.py``'s prefix sums.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.noma import model, scenarios
from edgeopt.problems.noma.analytic import solve_analytic
from edgeopt.problems.noma.li_gd import solve_li_gd
from edgeopt.problems.noma.problem import NomaProblem

# Tolerances (stated once, with the reason):
# GRADIENT_VS_FD = 1e-6: the bound; central differences with a relative step of 1e-6 carry a
#     truncation error of about 1e-12 and a rounding error of about 1e-10 relative to the gradient's norm.
# SINR_VS_LOOPS = 1e-12: the same sums in another order.
# OMA_LI_GD_VS_CLOSED_FORM = 1e-6: the bound; li_gd stops at a relative Frank-Wolfe gap of 1e-8,
#     which bounds the suboptimality of the convex fixed-assignment problem.
GRADIENT_VS_FD = 1e-6
SINR_VS_LOOPS = 1e-12
OMA_LI_GD_VS_CLOSED_FORM = 1e-6


def naive_sinr(params: model.NomaParams, beta_up, p, beta_dn, big_p, silent=None):
    """(5) and (8) by loops: decoding orders by own gain (ties by index), interferers weighted by beta."""
    u, n_aps, m = params.fading_up.shape
    delta = params.user_positions[:, None, :] - params.ap_positions[None, :, :]
    dist = np.maximum(np.hypot(delta[..., 0], delta[..., 1]), params.reference_distance)
    large = params.reference_gain * (dist / params.reference_distance) ** -params.pathloss_exponent
    cell = [int(np.argmax(large[i])) for i in range(u)]
    up = large[:, :, None] * params.fading_up
    dn = large[:, :, None] * params.fading_dn
    silent = np.zeros(u, bool) if silent is None else silent
    s_up = np.zeros((u, m))
    s_dn = np.zeros((u, m))
    for i in range(u):
        a = cell[i]
        for k in range(m):
            i_up = params.noise_power
            i_dn = params.noise_power
            for j in range(u):
                if j == i or silent[j]:
                    continue
                if cell[j] == a:
                    if (up[j, a, k], j) < (up[i, a, k], i):  # weaker: still present when i is decoded
                        i_up += beta_up[j, k] * p[j] * up[j, a, k]
                    if (dn[j, a, k], j) > (dn[i, a, k], i):  # stronger: not removed by i's SIC
                        i_dn += beta_dn[j, k] * big_p[j] * dn[i, a, k]
                else:
                    i_up += beta_up[j, k] * p[j] * up[j, a, k]
                    i_dn += beta_dn[j, k] * big_p[j] * dn[i, cell[j], k]
            s_up[i, k] = p[i] * up[i, a, k] / i_up
            s_dn[i, k] = big_p[i] * dn[i, a, k] / i_dn
    return s_up, s_dn


def random_point(params, rng):
    u, m = params.n_users, params.n_subchannels
    beta_up = rng.dirichlet(np.ones(m), u)
    beta_dn = rng.dirichlet(np.ones(m), u)
    p = rng.uniform(params.device_power_min, params.device_power_max, u)
    big_p = rng.uniform(params.ap_power_min, params.ap_power_max, u)
    return beta_up, p, beta_dn, big_p


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_sinr_matches_the_paper_by_loops(seed):
    params = scenarios.random_params(seed, placement="uniform")
    rng = np.random.default_rng(seed)
    beta_up, p, beta_dn, big_p = random_point(params, rng)
    silent = rng.random(params.n_users) < 0.2
    bits = np.where(silent, 0.0, 1e4)
    gains = model.link_gains(params)
    up = model.uplink(params, gains, bits, beta_up, p, gradient=False)
    dn = model.downlink(params, gains, bits, beta_dn, big_p, gradient=False)
    s_up, s_dn = naive_sinr(params, beta_up, p, beta_dn, big_p, silent)
    assert np.max(np.abs(up.sinr / s_up - 1)) <= SINR_VS_LOOPS
    assert np.max(np.abs(dn.sinr / s_dn - 1)) <= SINR_VS_LOOPS
    b = params.subchannel_bandwidth
    active = ~silent
    expected_up = np.sum(
        bits[active] * (params.w_T + params.w_E * p[active]) / (b * np.sum(beta_up * np.log2(1 + s_up), 1)[active])
    )
    assert up.value == pytest.approx(expected_up, rel=1e-12)


def _fd(fun, x, h=1e-6):
    """Central differences with a relative step per entry."""
    grad = np.zeros_like(x)
    flat = x.ravel()
    for k in range(flat.size):
        step = h * max(abs(flat[k]), 1e-12)
        plus, minus = flat.copy(), flat.copy()
        plus[k] += step
        minus[k] -= step
        grad.ravel()[k] = (fun(plus.reshape(x.shape)) - fun(minus.reshape(x.shape))) / (2 * step)
    return grad


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), direction=st.sampled_from(["up", "dn"]))
def test_gradient_matches_central_differences_with_intercell_interference(seed, direction):
    # Users in both cells (per-cell placement) and a dense relaxed beta: every subchannel carries users
    # of both APs, so the inter-cell terms (which the paper holds constant) are exercised.
    params = scenarios.random_params(seed, n_users=5)
    rng = np.random.default_rng(seed + 1)
    beta_up, p, beta_dn, big_p = random_point(params, rng)
    beta, power = (beta_up, p) if direction == "up" else (beta_dn, big_p)
    link = model.uplink if direction == "up" else model.downlink
    gains = model.link_gains(params)
    bits = rng.uniform(1e3, 1e5, params.n_users)
    cells = set(gains.cell.tolist())
    assert len(cells) == 2, "the instance must have users in both cells"
    ev = link(params, gains, bits, beta, power)
    fd_beta = _fd(lambda b: link(params, gains, bits, b, power, gradient=False).value, beta)
    fd_power = _fd(lambda q: link(params, gains, bits, beta, q, gradient=False).value, power)
    assert np.max(np.abs(ev.grad_beta - fd_beta)) <= GRADIENT_VS_FD * np.max(np.abs(fd_beta))
    assert np.max(np.abs(ev.grad_power - fd_power)) <= GRADIENT_VS_FD * np.max(np.abs(fd_power))


def test_compute_gradient_is_eq_27():
    params = scenarios.random_params(3)
    rng = np.random.default_rng(0)
    r = rng.uniform(params.r_min, params.r_max, params.n_users)
    split = np.full(params.n_users, 2)
    _, grad = model.compute_value_and_gradient(params, split, r)
    fd = _fd(lambda x: model.compute_value_and_gradient(params, split, x)[0], r)
    assert np.max(np.abs(grad - fd)) <= GRADIENT_VS_FD * np.max(np.abs(fd))


def test_evaluate_one_user_by_hand():
    # One user, one AP, one subchannel: no interference; every term of (12) and (17) by hand.
    params = model.NomaParams(
        ap_positions=np.array([[0.0, 0.0]]),
        user_positions=np.array([[20.0, 0.0]]),
        fading_up=np.array([[[0.5]]]),
        fading_dn=np.array([[[2.0]]]),
        layer_flops=np.array([1e8, 3e8]),
        feature_bits=np.array([24_576.0, 8e4]),
        device_speed=np.array([1e9]),
        bandwidth=1e6,
        result_bits=320.0,
    )
    dec = {"split": 1, "sub_up": 0, "sub_dn": 0, "p": 0.2, "P": 0.5, "r": 2.0}
    gain = 1e-4 * 20.0**-5.0
    noise = 10 ** (-174 / 10) * 1e-3 * 1e6
    rate_up = 1e6 * math.log2(1 + 0.2 * gain * 0.5 / noise)
    rate_dn = 1e6 * math.log2(1 + 0.5 * gain * 2.0 / noise)
    speed = 2.0**1.2 * 2e9
    t = 1e8 / 1e9 + 3e8 / speed + 8e4 / rate_up + 320 / rate_dn
    e = 1e-27 * 1e18 * 1e8 + 1e-28 * speed**2 * 3e8 + 0.2 * 8e4 / rate_up + 0.5 * 320 / rate_dn
    assert model.evaluate(params, dec) == pytest.approx(0.5 * t + 0.5 * e, rel=1e-12)
    # Split F = 2: device only, nothing sent.
    device_only = dict(dec, split=2)
    assert model.evaluate(params, device_only) == pytest.approx(0.5 * 4e8 / 1e9 + 0.5 * 1e-27 * 1e18 * 4e8, rel=1e-12)


# --------------------------------------------------------------------------- validation
def test_decision_errors_name_the_constraint():
    params = scenarios.params("tiny-noma", seed=0)
    u = params.n_users
    good = {"split": 0, "sub_up": np.zeros(u, int), "sub_dn": np.zeros(u, int), "p": 0.1, "P": 0.1, "r": 1.0}
    cap_params = dataclasses.replace(params, cluster_cap=1)
    with pytest.raises(InvalidParameterError, match="sub_up: subchannel 0 carries"):
        model.evaluate(cap_params, good)
    for field, value, text in [
        ("p", 10.0, "p must be in"),
        ("r", 0.0, "r must be in"),
        ("split", params.n_units + 1, "split must be in"),
        ("sub_dn", np.full(u, params.n_subchannels), "sub_dn must be in"),
        ("sub_up", np.zeros(u + 1, int), "sub_up must be an integer or have shape"),
        ("sub_up", np.zeros(u), "sub_up must hold integers"),
    ]:
        with pytest.raises(InvalidParameterError, match=text):
            model.evaluate(params, dict(good, **{field: value}))
    with pytest.raises(InvalidParameterError, match="missing"):
        model.evaluate(params, {k: v for k, v in good.items() if k != "r"})


def _base_fields(params):
    return {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("bandwidth", float("nan"), "bandwidth"),
        ("bandwidth", -1e6, "bandwidth"),
        ("bandwidth", 0.0, "bandwidth"),
        ("device_power_min", 1.0, "device_power_min"),  # above device_power_max: an empty power range
        ("ap_power_min", 10.0, "ap_power_min"),
        ("user_positions", np.zeros((4, 3)), "user_positions"),
        ("ap_positions", np.zeros(2), "ap_positions"),
        ("fading_up", np.ones((1, 1, 1)), "fading_up"),
        ("w_T", 0.7, "w_T \\+ w_E"),
        ("access", "tdma", "access"),
        ("r_min", 100.0, "r_min"),
    ],
)
def test_bad_input_names_the_field(field, value, text):
    params = scenarios.params("tiny-noma", seed=0)
    with pytest.raises(InvalidParameterError, match=text):
        model.NomaParams(**dict(_base_fields(params), **{field: value}))


def test_overloaded_ap_is_infeasible_naming_the_ap_and_counts():
    params = scenarios.params("tiny-noma", seed=0)
    over = dataclasses.replace(
        params, cluster_cap=1, fading_up=params.fading_up[:, :, :1], fading_dn=params.fading_dn[:, :, :1]
    )
    counts = np.bincount(model.association(over), minlength=over.n_aps)
    assert counts.max() > 1
    sol = NomaProblem(over).solve()
    assert sol.status is Status.INFEASIBLE
    ap = int(np.argmax(counts > 1))
    assert f"AP {ap} serves {counts[ap]} users" in sol.extras["reason"]
    assert "cluster_cap x M = 1 x 1 = 1" in sol.extras["reason"]


# --------------------------------------------------------------------------- OMA: li_gd against the closed form
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_li_gd_with_split_and_assignment_fixed_matches_the_oma_closed_form(seed):
    params = scenarios.oma_params(seed)
    exact = solve_analytic(params)
    assert exact.status is Status.OPTIMAL
    x = exact.x
    split = int(x["split"][0])
    held = solve_li_gd(params, split=split, sub_up=x["sub_up"], sub_dn=x["sub_dn"])
    assert held.status is Status.FEASIBLE
    assert held.objective <= exact.objective * (1 + OMA_LI_GD_VS_CLOSED_FORM)
    assert held.objective >= exact.objective * (1 - 1e-12)  # the closed form is the optimum


def test_li_gd_rounding_respects_the_cap_and_check_reports_stationarity():
    params = scenarios.params("yuan2023-networks-nin", seed=1)
    prob = NomaProblem(params)
    sol = prob.solve("li_gd")
    report = prob.check(sol)
    assert report.primal_feasibility == 0.0
    assert report.details["cap_up"] == 0.0 and report.details["cap_dn"] == 0.0
    assert report.stationarity <= 1e-6
    assert prob.evaluate(sol.x) == pytest.approx(sol.objective, rel=1e-12)
