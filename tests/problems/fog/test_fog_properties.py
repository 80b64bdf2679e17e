"""Property tests of the fog solver against its KKT conditions and CVXPY."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import fog_instances
from tolerances import ANALYTIC_FEAS, ANALYTIC_GAP, ANALYTIC_KKT, NEVER_ABOVE

import edgeopt as eo
from edgeopt.problems.fog.reference import build
from edgeopt.problems.fog.scenarios import random_params

# FAILED solves out of 60 in test_failure_rate_on_fixed_sample when it was written.
MEASURED_FAILURES = 0


def _property(examples: int) -> settings:
    return settings(
        max_examples=examples, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


def _check_certified(params):
    prob = eo.FogPartitioning(params)
    sol = prob.solve()
    # The decomposition fallback can stop with
    # FAILED. It must then say so; whenever it claims OPTIMAL the claim must hold.
    assert sol.status in (eo.Status.OPTIMAL, eo.Status.FEASIBLE, eo.Status.FAILED), sol.reason
    if sol.status is eo.Status.FAILED:
        assert sol.objective == np.inf and sol.x == {} and "did not converge" in sol.reason
        return sol
    if sol.status is eo.Status.FEASIBLE:  # uncertified: must say so and still be feasible
        assert "not certified" in sol.reason
        assert prob.check(sol).primal_feasibility < ANALYTIC_FEAS
        return sol
    report = prob.check(sol)
    assert report.primal_feasibility < ANALYTIC_FEAS, report.details
    assert report.max_kkt_residual < ANALYTIC_KKT, report.details
    assert abs(report.duality_gap) < ANALYTIC_GAP
    assert abs(sol.extras["duality_gap"]) < ANALYTIC_GAP
    base = prob.solve("no_opt_dist")
    assert base.objective >= sol.objective * (1 - 1e-12)
    return sol


@_property(200)
@given(fog_instances())
def test_analytic_is_certified_optimal(params):
    """Property: on any valid instance the analytic point is feasible, KKT holds, the gap closes."""
    _check_certified(params)


@pytest.mark.slow
@_property(2000)
@given(fog_instances())
def test_analytic_is_certified_optimal_many(params):
    """Property: as above, on many more instances (slow; run in the benchmark job)."""
    _check_certified(params)


@_property(30)
@given(fog_instances(max_nodes=8, max_layers=4))
def test_analytic_is_at_least_as_good_as_cvxpy_in_its_own_model(params):
    """Property: the analytic point is feasible in the CVXPY model and no worse than any solver there.

    Issue 3 asks for agreement with Clarabel within 1e-5 wherever Clarabel
    reports optimal. Clarabel's "optimal" answers on this model were measured
    up to 1 % above the analytic point, which is feasible in the very same CVXPY
    model (violation <= 1e-14): the reference, not the analytic side, is the
    inaccurate one. So this test checks the claim that can be verified
    independently: the analytic point, loaded into the reference model, is
    feasible there and its objective is at or below each solver's repaired
    point and at or below the optimum a solver reports for a point that is
    feasible to 1e-10.
    """
    prob = eo.FogPartitioning(params)
    sol = prob.solve()
    if sol.status is not eo.Status.OPTIMAL:  # known limitation, counted in test_failure_rate
        return
    model = build(params.K, params.n_layers, params.master)
    model.load_point(params, sol.x)
    assert model.max_violation() < ANALYTIC_FEAS
    at_analytic = float(model.problem.objective.value) * model.scales["energy"]
    assert abs(at_analytic - sol.objective) <= 1e-12 * sol.objective
    for solver in ("CLARABEL", "ECOS", "SCS"):
        ref = prob.solve("cvxpy", solver=solver)
        if not ref.has_point:
            continue
        assert sol.objective <= ref.objective * (1 + NEVER_ABOVE), (solver, ref.extras)
        # A reported optimum says something only about a point that is feasible: SCS
        # reports "optimal" at points violating constraints by O(1), whose value lies
        # below the true optimum (BENCH_SCHEMA "Repair").
        if ref.extras["solver_status"] == "optimal" and ref.extras["max_violation"] <= 1e-10:
            assert sol.objective <= ref.extras["reported_objective"] * (1 + NEVER_ABOVE), (solver, ref.extras)


def test_failure_rate_on_fixed_sample():
    """The share of FAILED solves on 60 fixed random instances, recorded so a regression shows.

    Measured when written: see the issue-3 note. The bound is that measurement, not a goal.
    """
    failures = 0
    for seed in range(30):
        for regime in ("offload", "master"):
            k_nodes = 2 + seed % 19
            sol = eo.FogPartitioning(random_params(seed, k_nodes, 1 + seed % 5, regime)).solve()
            failures += sol.status is not eo.Status.OPTIMAL
    assert failures <= MEASURED_FAILURES
