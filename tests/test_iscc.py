"""ISCC (paper 002): the analytic method against the global reference, Algorithm 2, baselines, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from tolerances import GOLDEN_VS_SCALAR, ISCC_FEAS, ISCC_RANDOM_GAP, ISCC_VS_GLOBAL

from edgeopt.baselines.iscc import typical_iscc
from edgeopt.bench.instances import random_iscc_params
from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.iscc import IsccProblem, u_pruning
from edgeopt.scenarios import iscc as scenario
from edgeopt.solvers.iscc import GOLDEN_ITERATIONS, _golden, solve_alternating

# Baselines inside the proposed method's design space: it can never do worse than them.
NESTED_BASELINES = ("on_server", "on_device", "no_pruning", "jcc")


@pytest.mark.parametrize("name", ["latency", "accuracy", "snr"])
def test_table3_scenarios_match_the_global_reference(name: str) -> None:
    problem = IsccProblem(scenario.params(name))
    ours = problem.solve()
    ref = problem.solve("global")
    assert ours.has_point and ref.has_point
    assert ours.objective <= ref.objective * (1 + ISCC_VS_GLOBAL)
    assert abs(ours.objective - ref.objective) <= ISCC_VS_GLOBAL * ref.objective
    assert problem.check(ours).primal_feasibility <= ISCC_FEAS


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_instances_feasible_never_worse_than_baselines_and_near_global(seed: int) -> None:
    params = random_iscc_params(seed)
    problem = IsccProblem(params)
    ours = problem.solve()
    if not ours.has_point:
        assert ours.status is Status.INFEASIBLE and ours.reason
        assert not problem.solve("global", grid=60).has_point
        return
    assert problem.check(ours).primal_feasibility <= ISCC_FEAS
    ref = problem.solve("global", grid=100)
    assert ours.objective <= ref.objective * (1 + ISCC_RANDOM_GAP)
    for name in (*NESTED_BASELINES, "alternating"):
        base = problem.solve(name)
        if base.has_point:
            assert ours.objective <= base.objective * (1 + 1e-9), name


def test_latency_binds_at_the_optimum_in_most_random_instances() -> None:
    binding = solved = 0
    for seed in range(40):
        params = random_iscc_params(seed)
        ours = IsccProblem(params).solve()
        if not ours.has_point:
            continue
        solved += 1
        x = ours.x
        latency = float(params.latency(x["split"], x["Q"], x["p"], x["P_c"], x["v_e"]))
        binding += abs(latency - params.T_max) <= 1e-9 * params.T_max
    assert solved >= 30
    assert binding >= solved / 2


def test_the_papers_alternating_scheme_stops_at_a_worse_point() -> None:
    # The SNR-constrained scenario: Algorithm 2 starts at full CPU speed, prunes hard to save computing
    # energy, and never returns; the analytic method (equal to the global reference) does not.
    problem = IsccProblem(scenario.params("snr"))
    paper = problem.solve("alternating")
    ours = problem.solve()
    ref = problem.solve("global")
    assert paper.objective > 1.3 * ours.objective
    assert abs(ours.objective - ref.objective) <= ISCC_VS_GLOBAL * ref.objective
    assert paper.x["p"] < ours.x["p"]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_golden_section_matches_bounded_scalar_minimisation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = scenario.params("table2", R_t=float(rng.uniform(0.7, 0.95)))
    split, q = int(rng.integers(1, params.n_layers + 1)), int(rng.integers(2, 17))
    v_e = float(rng.uniform(0.05, 1.0) * params.v_max)
    cap = float(rng.uniform(0.2, 1.0))

    def h(p: np.ndarray) -> np.ndarray:  # problem (25): T_sen r(u(p)) + kappa A_2(p) v_e^2 on (0, cap]
        value = params.T_sen * params.sensing_power(split, p, q) + params.kappa * params.device_flops(split, p) * v_e**2
        return np.asarray(value)

    grid = np.linspace(1e-6, cap, 2001)
    if not np.any(np.isfinite(h(grid))):
        return
    lo = float(grid[np.isfinite(h(grid))][0])
    ours = float(h(_golden(h, np.array([lo]), np.array([cap]), GOLDEN_ITERATIONS))[0])
    ref = minimize_scalar(lambda p: float(h(np.array(p))), bounds=(lo, cap), method="bounded", options={"xatol": 1e-14})
    best = min(ref.fun, float(h(np.array(lo))), float(h(np.array(cap))))
    assert ours <= best * (1 + GOLDEN_VS_SCALAR)


def test_pruning_error_function() -> None:
    assert u_pruning(1.0) == 0.0
    assert np.isclose(u_pruning(1e-12), 2.0, atol=1e-9)
    p = np.linspace(0.01, 1, 100)
    assert np.all(np.diff(u_pruning(p)) < 0)  # less pruning, less error


def test_infeasible_causes_are_named() -> None:
    too_accurate = IsccProblem(scenario.params("table2", R_t=0.999)).solve()
    assert too_accurate.status is Status.INFEASIBLE and "accuracy target" in (too_accurate.reason or "")
    too_fast = IsccProblem(scenario.params("table2", T_max=0.5005)).solve()
    assert too_fast.status is Status.INFEASIBLE and "latency budget" in (too_fast.reason or "")
    for method in ("alternating", "global", "on_device"):
        assert IsccProblem(scenario.params("table2", R_t=0.999)).solve(method).status is Status.INFEASIBLE


def test_bad_parameters_are_named() -> None:
    with pytest.raises(InvalidParameterError, match="R_t"):
        scenario.params("table2", R_t=1.2)
    with pytest.raises(InvalidParameterError, match="T_max"):
        scenario.params("table2", T_max=-1.0)
    with pytest.raises(InvalidParameterError, match="bandwidth"):
        scenario.params("table2", bandwidth=float("nan"))
    with pytest.raises(InvalidParameterError, match="unknown ISCC scenario"):
        scenario.params("nope")
    params = scenario.params("table2")
    with pytest.raises(InvalidParameterError, match="feature_size"):
        params.replace(feature_size=np.ones(3))
    with pytest.raises(InvalidParameterError, match="components"):
        typical_iscc(params, components=0)
    with pytest.raises(InvalidParameterError, match="residual_energy"):
        typical_iscc(params, residual_energy=1.0)


def test_algorithm2_settles_before_its_round_cap() -> None:
    # Where the deadline binds, the golden-section result used to stop just below the cap and the
    # alternation crept down for all 50 rounds; keeping the end point when it is no worse ends that.
    rounds = [solve_alternating(random_iscc_params(seed)).extras["rounds"] for seed in range(30)]
    assert max(rounds) < 50


def test_scenario_constants_are_rederived_from_the_seed() -> None:
    fresh = scenario.network_constants()
    stored = scenario.stored_constants()
    assert fresh["feature_range"] == pytest.approx(stored["feature_range"], rel=1e-12)
    for name, values in stored["layers"].items():
        for key, value in values.items():
            assert fresh["layers"][name][key] == pytest.approx(value, rel=1e-12), (name, key)
    fit = scenario.calibrate()
    cal = scenario.config()["calibration"]
    assert fit["b"] == pytest.approx(cal["b"], rel=1e-6)
    assert fit["margin"] == pytest.approx(cal["margin"], rel=1e-6)
    assert fit["accuracy_row"] == cal["accuracy_row"] and fit["snr_row"] == cal["snr_row"]


def test_device_flops_line_is_eq3_above_the_kink() -> None:
    params = scenario.params("table2")
    splits = np.arange(params.n_layers + 1)
    offset, slope, kink = params.device_flops_line(splits)
    for p in np.linspace(0.0, 1.0, 101):
        exact = params.device_flops(splits, p)
        line = offset + slope * p
        above = p >= kink
        assert np.allclose(line[above], exact[above], rtol=1e-14, atol=0.0)
        assert np.all(line <= exact + 1e-9)  # below the kink eq. (3) clips at zero: the line undercounts


def test_sensing_power_is_the_least_power_meeting_the_target() -> None:
    params = scenario.params("table2")
    eps = np.linspace(0.0, 0.5, 501)
    power = params.sensing_power_for_error(eps)
    ok = np.isfinite(power)
    assert ok[0] and not ok[-1]
    # Where finite: within P_max and the accuracy equals R_t; where infinite, P_max falls short.
    assert np.all(power[ok] <= params.p_max)
    reached = params.acc_a * np.arctan(params.acc_b * power[ok]) * (1 - eps[ok])
    assert np.allclose(reached, params.R_t, rtol=1e-12)
    best = params.acc_a * np.arctan(params.acc_b * params.p_max) * (1 - eps[~ok])
    assert np.all(best < params.R_t * (1 + 1e-12))
