"""The default fog method: a batched interior-point path and a KKT-Newton local phase.

Checked against the independent nested decomposition solver on instances of
both regimes, for the certificate of every point, for the share of instances
the fast path certifies itself (the rest fall back to the decomposition),
and for the batch evaluation functions' bookkeeping.
"""

import numpy as np
import pytest
from tolerances import ANALYTIC_FEAS, ANALYTIC_GAP, ANALYTIC_KKT, FOG_METHODS_AGREE

import edgeopt as eo
from edgeopt.problems.fog.certificate import certify_batch, dual_function, dual_function_batch
from edgeopt.problems.fog.model import (
    FogBatch,
    constraint_violations,
    constraint_violations_batch,
    energy_terms,
    energy_terms_batch,
)
from edgeopt.problems.fog.scenarios import random_params


def _instances(regime: str, K: int, N: int, count: int) -> list[eo.FogParams]:
    return [
        random_params(7919 * i + 31 * K + N + (0 if regime == "offload" else 17), K, N, regime) for i in range(count)
    ]


@pytest.mark.parametrize("regime", ["offload", "master"])
@pytest.mark.parametrize(("K", "N"), [(2, 1), (5, 3), (12, 4)])
def test_batch_is_certified_and_matches_decomposition(regime, K, N):
    params = _instances(regime, K, N, 10)
    sols = eo.FogPartitioning.solve_batch(params)
    for p, sol in zip(params, sols, strict=True):
        prob = eo.FogPartitioning(p)
        assert sol.status is eo.Status.OPTIMAL, sol.extras
        assert sol.method == "analytic"
        report = prob.check(sol)
        assert report.primal_feasibility < ANALYTIC_FEAS
        assert report.max_kkt_residual < ANALYTIC_KKT, report.details
        assert abs(report.duality_gap) < ANALYTIC_GAP
        ref = prob.solve("decomposition")
        assert ref.status is eo.Status.OPTIMAL
        assert abs(sol.objective - ref.objective) <= FOG_METHODS_AGREE * ref.objective
    # The fast path certifies (nearly) every instance itself; a fallback is allowed, not the rule.
    fast = sum(s.extras["path"] == "barrier" for s in sols)
    assert fast >= len(sols) - 1, [s.extras.get("barrier_note") for s in sols]


def test_batch_keeps_order_across_sizes():
    params = _instances("offload", 3, 2, 3) + _instances("offload", 6, 3, 2)
    params = [params[0], params[3], params[1], params[4], params[2]]
    batch = eo.FogPartitioning.solve_batch(params)
    for p, sol in zip(params, batch, strict=True):
        alone = eo.FogPartitioning(p).solve()
        assert sol.x["rows"].shape == (p.K,)
        assert abs(sol.objective - alone.objective) <= FOG_METHODS_AGREE * alone.objective


def test_batch_takes_problems_or_params_and_an_empty_list():
    params = _instances("offload", 3, 2, 2)
    mixed = eo.FogPartitioning.solve_batch([eo.FogPartitioning(params[0]), params[1]])
    plain = eo.FogPartitioning.solve_batch(params)
    assert [s.objective for s in mixed] == [s.objective for s in plain]
    assert eo.FogPartitioning.solve_batch([]) == []


def test_infeasible_and_tight_budgets():
    """A budget below tau_min is infeasible; one just above it starts from the minimum-latency rows, still certified."""
    p = _instances("offload", 4, 2, 1)[0]
    tau_min, _ = eo.FogPartitioning(p).minimum_latency()
    tight, short = p.replace(tau=1.001 * tau_min), p.replace(tau=0.9 * tau_min)
    sol_tight, sol_short = eo.FogPartitioning.solve_batch([tight, short])
    assert sol_short.status is eo.Status.INFEASIBLE and "latency budget" in sol_short.reason
    assert sol_tight.status is eo.Status.OPTIMAL and sol_tight.extras["path"] == "barrier"
    assert eo.FogPartitioning(tight).check(sol_tight).max_kkt_residual < ANALYTIC_KKT


def test_batch_evaluations_equal_one_at_a_time():
    params = _instances("offload", 4, 3, 3)
    sols = [eo.FogPartitioning(p).solve("decomposition") for p in params]
    batch = FogBatch.of(params)
    x = {name: np.stack([s.x[name] for s in sols]) for name in sols[0].x}
    energy = energy_terms_batch(batch, x)
    violations = constraint_violations_batch(batch, x)
    phi = np.array([float(s.duals["latency"]) for s in sols])
    nu = np.array([float(s.duals["rows"]) for s in sols])
    beta = np.stack([s.duals["layer_time"] for s in sols])
    bounds = dual_function_batch(batch, phi, nu, beta)
    for i, (p, s) in enumerate(zip(params, sols, strict=True)):
        assert energy_terms(p, s.x) == {name: value[i] for name, value in energy.items()}
        assert constraint_violations(p, s.x) == {name: value[i] for name, value in violations.items()}
        assert dual_function(p, phi[i], nu[i], beta[i]) == bounds[i]


def test_batch_certificate_labels_only_certified_points_optimal():
    params = _instances("offload", 4, 2, 2)
    sols = [eo.FogPartitioning(p).solve("decomposition") for p in params]
    x = {name: np.stack([s.x[name] for s in sols]) for name in sols[0].x}
    phi = np.array([float(s.duals["latency"]) for s in sols])
    nu = np.array([float(s.duals["rows"]) for s in sols])
    beta = np.stack([s.duals["layer_time"] for s in sols])
    x["t_layer"][1] *= 1.5  # instance 1 now violates the latency budget (23)
    cert = certify_batch(FogBatch.of(params), x, phi, nu, beta)
    assert cert.passes.tolist() == [True, False]
    first = cert.solution(0, {k: v[0] for k, v in x.items()}, sols[0].duals, iterations=1, extras={})
    assert first.status is eo.Status.OPTIMAL and first.objective == cert.energy["total"][0]
    with pytest.raises(eo.SolverError, match="instance 1 of the batch is not certified"):
        cert.solution(1, {k: v[1] for k, v in x.items()}, sols[1].duals, iterations=1, extras={})
