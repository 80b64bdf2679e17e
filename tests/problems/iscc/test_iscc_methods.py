"""ISCC (paper 002) methods: the analytic method against the global reference, Algorithm 2, baselines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from tolerances import GOLDEN_VS_SCALAR, ISCC_FEAS, ISCC_RANDOM_GAP, ISCC_VS_GLOBAL

from edgeopt.core.status import Status
from edgeopt.problems.iscc import IsccProblem, solve_alternating
from edgeopt.problems.iscc import scenarios as scenario
from edgeopt.problems.iscc.alternating import GOLDEN_ITERATIONS
from edgeopt.problems.iscc.scenarios import random_params
from edgeopt.solvers.scalar import golden_section

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
    params = random_params(seed)
    problem = IsccProblem(params)
    ours = problem.solve()
    if not ours.has_point:
        assert ours.status is Status.INFEASIBLE and ours.reason
        assert not problem.solve("global").has_point
        return
    assert problem.check(ours).primal_feasibility <= ISCC_FEAS
    ref = problem.solve("global")
    assert ours.objective <= ref.objective * (1 + ISCC_RANDOM_GAP)
    for name in (*NESTED_BASELINES, "alternating"):
        base = problem.solve(name)
        if base.has_point:
            assert ours.objective <= base.objective * (1 + 1e-9), name


def test_latency_binds_at_the_optimum_in_most_random_instances() -> None:
    binding = solved = 0
    for seed in range(40):
        params = random_params(seed)
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
    # Algorithm 1 as alternating.py runs it: a fixed number of steps of the generic golden section.
    found = golden_section(h, np.array([lo]), np.array([cap]), xtol=0.0, rtol=0.0, max_iter=GOLDEN_ITERATIONS)
    ours = float(found.f[0])
    ref = minimize_scalar(lambda p: float(h(np.array(p))), bounds=(lo, cap), method="bounded", options={"xatol": 1e-14})
    best = min(ref.fun, float(h(np.array(lo))), float(h(np.array(cap))))
    assert ours <= best * (1 + GOLDEN_VS_SCALAR)


def test_infeasible_causes_are_named() -> None:
    too_accurate = IsccProblem(scenario.params("table2", R_t=0.999)).solve()
    assert too_accurate.status is Status.INFEASIBLE and "accuracy target" in (too_accurate.reason or "")
    too_fast = IsccProblem(scenario.params("table2", T_max=0.5005)).solve()
    assert too_fast.status is Status.INFEASIBLE and "latency budget" in (too_fast.reason or "")
    for method in ("alternating", "global", "on_device"):
        assert IsccProblem(scenario.params("table2", R_t=0.999)).solve(method).status is Status.INFEASIBLE


def test_algorithm2_settles_before_its_round_cap() -> None:
    # Where the deadline binds, the golden-section result used to stop just below the cap and the
    # alternation crept down for all 50 rounds; keeping the end point when it is no worse ends that.
    rounds = [solve_alternating(random_params(seed)).extras["rounds"] for seed in range(30)]
    assert max(rounds) < 50


def test_algorithm2_first_round_where_lemma4s_price_is_not_unique_stays_feasible() -> None:
    # In Algorithm 2's first round both caps bind (P_c = P_max, v_e = v_max) and the deadline is met
    # exactly, so any mu_1 above the clipping price is a multiplier. The 0.1 release's Lemma 4 stepped
    # to the bracket's midpoint there; its later rounds started from it and this instance's energy
    # depended on that choice. Now the caps are returned: the answer is feasible and, Algorithm 2 being a
    # heuristic, never below the default's.
    problem = IsccProblem(random_params(2383))
    paper = problem.solve("alternating")
    ours = problem.solve()
    assert paper.status is Status.FEASIBLE and paper.extras["rounds"] < 50
    assert problem.check(paper).primal_feasibility <= IsccProblem.FEASIBILITY_TOL
    assert paper.objective >= ours.objective * (1 - 1e-9)
