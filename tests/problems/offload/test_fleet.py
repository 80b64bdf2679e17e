"""The fleet of devices (issue 14, item 4): the flow against brute force, the MILP and networkx; the cost; bad input.

Independent references: a brute-force enumeration of every (place, model)
per device, priced by a cost written here from the issue's formula; the
HiGHS MILP (:mod:`edgeopt.problems.offload.fleet_reference`, which shares no
code with the flow); networkx's network simplex on the flow's integer
network, against OR-Tools.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tolerances import FLOW_VS_BRUTE, FLOW_VS_MILP

from edgeopt.bench import fuzz
from edgeopt.core.errors import InfeasibleError, InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.offload import fleet_reference, fleet_scenarios
from edgeopt.problems.offload.fleet import FleetParams, FleetProblem
from edgeopt.problems.offload.fleet_flow import integer_assignment, integer_network, repair
from edgeopt.problems.offload.fleet_model import place_options


# ---------------------------------------------------------------------------------------------- references
def hand_cost(p: FleetParams, server, model) -> float:
    """The issue's cost, device by device (a loop on purpose: independent of the vectorised model)."""
    total = 0.0
    tasks = [0] * p.n_servers
    for u in range(p.n_devices):
        s, k = int(server[u]), int(model[u])
        if p.accuracy[k] < p.accuracy_floor[u]:
            return math.inf
        if s < 0:
            total += p.device_cost[u, k]
        else:
            total += p.transfer_cost[u, s] + p.edge_time[s, k]
            tasks[s] += 1
    for s, n in enumerate(tasks):
        total += p.congestion[s] * n * max(0, n - int(p.edge_cores[s]))
    return float(total)


def brute_force(p: FleetParams) -> float:
    """The least cost over every assignment: ``((S + 1) 2)^U`` of them, priced in one numpy pass."""
    n, s = p.n_devices, p.n_servers
    choices = np.array(list(itertools.product(range((s + 1) * 2), repeat=n)))  # (N, U): place * 2 + model
    place, model = choices // 2, choices % 2
    devices = np.arange(n)[None, :]
    edge = p.transfer_cost[devices, np.maximum(place - 1, 0)] + p.edge_time[np.maximum(place - 1, 0), model]
    own = np.where(place == 0, p.device_cost[devices, model], edge)
    allowed = p.accuracy[model] >= p.accuracy_floor[devices]
    tasks = np.stack([(place == j + 1).sum(axis=1) for j in range(s)], axis=1)
    congestion = p.congestion * tasks * np.maximum(0, tasks - p.edge_cores)
    cost = np.where(allowed.all(axis=1), own.sum(axis=1) + congestion.sum(axis=1), np.inf)
    return float(cost.min())


def tiny_fleet(seed: int, n: int, s: int, regime: str) -> FleetParams:
    """A fleet small enough to enumerate, in one of several regimes (paper magnitudes, wide, ties, ...)."""
    if regime == "paper":
        return fleet_scenarios.random_params(seed, n_devices=n, n_servers=s)
    rng = np.random.default_rng(seed)
    if regime == "ties":  # small integers: exact ties between places, models and congestion levels
        device, transfer, edge = rng.integers(0, 3, (n, 2)), rng.integers(0, 3, (n, s)), rng.integers(0, 3, (s, 2))
        congestion = rng.integers(0, 2, s).astype(float)
    else:  # wide: eight decades per entry
        device, transfer, edge = (10 ** rng.uniform(-4, 4, shape) for shape in ((n, 2), (n, s), (s, 2)))
        congestion = 10 ** rng.uniform(-4, 4, s) * (rng.random(s) > 0.2)
    cores = rng.integers(1, 4, s)
    accuracy = rng.uniform(0.5, 1.0, 2)
    floor = rng.uniform(0.0, accuracy.max(), n)
    return FleetParams(device.astype(float), transfer.astype(float), edge.astype(float), cores, congestion,
                       accuracy, floor)  # fmt: skip


@st.composite
def tiny_fleets(draw: st.DrawFn) -> FleetParams:
    """Fleets of 1..5 devices and 1..2 servers (at most 7776 assignments)."""
    n = draw(st.integers(1, 5))
    s = draw(st.integers(1, 2))
    regime = draw(st.sampled_from(["paper", "wide", "ties"]))
    return tiny_fleet(draw(st.integers(0, 2**32 - 1)), n, s, regime)


# ---------------------------------------------------------------------------------------------- the cost
def test_evaluate_matches_a_hand_computed_cost() -> None:
    p = FleetParams(
        device_cost=[[1.0, 0.5], [2.0, 1.0], [3.0, 2.0]],
        transfer_cost=[[0.1], [0.2], [0.3]],
        edge_time=[[0.4, 0.25]],
        edge_cores=[1],
        congestion=[0.5],
        accuracy=[0.8, 0.7],
        accuracy_floor=[0.0, 0.75, 0.0],
    )
    prob = FleetProblem(p)
    # Devices 0 and 1 at the server (pruned, full), device 2 at home (pruned):
    # 0.1 + 0.25 + 0.2 + 0.4 + 2.0 = 2.95, plus 0.5 * 2 * (2 - 1) = 1.
    assert prob.evaluate([0, 0, -1], [1, 0, 1]) == pytest.approx(3.95, rel=1e-15)
    assert prob.evaluate([-1, -1, -1], [0, 0, 0]) == pytest.approx(6.0, rel=1e-15)
    assert prob.evaluate([0, 0, 0], [0, 0, 0]) == pytest.approx(0.5 + 0.6 + 0.7 + 0.5 * 3 * 2, rel=1e-15)
    assert prob.evaluate([0, 0, -1], [1, 1, 1]) == math.inf  # device 1 needs 0.75, the pruned model has 0.7
    assert prob.evaluate(np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 1.0])) == pytest.approx(3.95, rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), s=st.integers(1, 5))
def test_evaluate_equals_the_formula_device_by_device(seed: int, n: int, s: int) -> None:
    """Property: evaluate() is the issue's cost of any assignment, priced device by device."""
    p = fleet_scenarios.random_params(seed, n_devices=n, n_servers=s)
    rng = np.random.default_rng(seed)
    server, model = rng.integers(-1, s, n), rng.integers(0, 2, n)
    expected = hand_cost(p, server, model)
    got = FleetProblem(p).evaluate(server, model)
    assert got == pytest.approx(expected, rel=1e-13) or (math.isinf(expected) and got == expected)


# ---------------------------------------------------------------------------------------------- brute force
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_fleets())
def test_flow_equals_brute_force(p: FleetParams) -> None:
    """Property: on fleets of at most 5 devices and 2 servers the flow's cost is the least of all assignments."""
    best = brute_force(p)
    sol = FleetProblem(p).solve()
    if math.isinf(best):
        assert sol.status is Status.INFEASIBLE
        return
    assert sol.status is Status.OPTIMAL
    assert sol.objective == pytest.approx(best, rel=FLOW_VS_BRUTE, abs=1e-300)
    assert sol.objective == pytest.approx(hand_cost(p, sol.x["server"], sol.x["model"]), rel=1e-13)


@pytest.mark.parametrize("regime", ["paper", "wide", "ties"])
def test_repair_from_any_assignment_reaches_the_optimum(regime: str) -> None:
    """Cycle cancelling alone, started anywhere, ends at the enumerated optimum (and does cancel cycles)."""
    cancelled = 0
    for seed in range(25):
        p = tiny_fleet(seed, 5, 2, regime)
        if p.infeasible_devices().size:
            continue
        _, best, model_at = place_options(p)
        start = np.random.default_rng(seed).integers(0, p.n_servers + 1, p.n_devices)
        place, repairs, optimal = repair(p, best, start, max_repairs=1000)
        assert optimal
        cancelled += repairs
        cost = FleetProblem(p).evaluate(place - 1, model_at[np.arange(p.n_devices), place])
        assert cost == pytest.approx(brute_force(p), rel=FLOW_VS_BRUTE, abs=1e-300)
    assert cancelled > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_fleets(), st.integers(0, 2**32 - 1))
def test_certificate_bound_is_below_the_optimum_for_any_assignment(p: FleetParams, seed: int) -> None:
    """Property: the Lagrangian bound of any assignment is below the true optimum; the gap shows suboptimality."""
    optimum = brute_force(p)
    if math.isinf(optimum):
        return
    rng = np.random.default_rng(seed)
    allowed = p.allowed
    model = np.where(allowed[:, 1] & (~allowed[:, 0] | (rng.random(p.n_devices) < 0.5)), 1, 0)
    server = rng.integers(-1, p.n_servers, p.n_devices)
    prob = FleetProblem(p)
    cost = prob.evaluate(server, model)
    report = prob.check(Solution(status=Status.FEASIBLE, objective=cost, x={"server": server, "model": model}))
    assert report.primal_feasibility == 0.0
    # The bound is evaluated in floats at the magnitudes of this assignment's own terms: rounding of ~1e-16 of them.
    assert report.details["lower_bound"] <= optimum * (1 + 1e-12) + 1e-13 * cost
    if cost > optimum * (1 + 1e-9):
        assert report.duality_gap > 0


# ---------------------------------------------------------------------------------------------- the MILP
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), s=st.integers(1, 6))
def test_flow_equals_milp_on_paper_range_fleets(seed: int, n: int, s: int) -> None:
    """Property (issue 14): on fleets of up to 200 devices the flow's cost equals HiGHS's MILP within 1e-9."""
    prob = FleetProblem(fleet_scenarios.random_params(seed, n_devices=n, n_servers=s))
    flow, milp = prob.solve("flow"), prob.solve("cvxpy")
    assert flow.status is Status.OPTIMAL and milp.has_point
    assert flow.objective == pytest.approx(milp.objective, rel=FLOW_VS_MILP)
    assert flow.objective <= milp.objective * (1 + 1e-12)


# The first twelve wide fleets with at most 200 devices (the bar is for U <= 200).
WIDE_SEEDS = [seed for seed in range(40) if fleet_scenarios.wide_params(seed).n_devices <= 200][:12]


@pytest.mark.parametrize("seed", WIDE_SEEDS)
def test_flow_equals_milp_on_wide_fleets(seed: int) -> None:
    prob = FleetProblem(fleet_scenarios.wide_params(seed))
    flow, milp = prob.solve("flow"), prob.solve("cvxpy")
    assert flow.status is milp.status
    if flow.has_point:
        assert flow.objective == pytest.approx(milp.objective, rel=FLOW_VS_MILP)


# Regression fleets of the review of issue 14: costs over 24 decades with blocks of zeros. p12 made HiGHS return
# UNKNOWN (CVXPY's ValueError, a crash); p49 came back OPTIMAL at 9.99e-10 where the optimum is 0.
SPREAD_FLEETS = {
    "p12": FleetParams(
        device_cost=[[2.9190815481070193e-06, 3.1530275428840197e-07], [0.0, 0.0],
                     [2.8796468576508613e-06, 1.3539555119271277e-06], [8.555184402458876e-07, 6.413276865411296e-08]],
        transfer_cost=[[227.74700806790617, 616.502873255656, 853.8058324564397],
                       [1020.425643106908, 958.8143066830096, 148.76063170326793],
                       [869.1544246245725, 741.3237424156719, 462.79181672271665],
                       [28.064858490524045, 184.3923011518621, 822.6788679965111]],
        edge_time=[[1561584.1512867457, 5811922.116846022], [4744203.327637529, 13869442.96963899],
                   [6674646.611671064, 1620762.474677623]],
        edge_cores=[3, 2, 2], congestion=[6.78942728e08, 1.48951023e09, 6.65008523e08], accuracy=[0.8, 0.9],
        accuracy_floor=[0.85, 0.75, 0.75, 0.0],
    ),
    "p49": FleetParams(
        device_cost=[[1.3160784811256023e-09, 0.0], [9.990730116794652e-10, 0.0], [8.203380084427167e-11, 0.0]],
        transfer_cost=[[6.767696576569664e-08, 6.279008229838202e-08], [9.085508125758869e-08, 1.0074316395170982e-07],
                       [6.422783974425855e-09, 1.2934913045393742e-07]],
        edge_time=[[3.404498857584887e-05, 5.940229161253857e-05], [1.0928257016196258e-05, 2.8735605639098227e-05]],
        edge_cores=[1, 3], congestion=[16.45565485, 13.14882786], accuracy=[0.8, 0.9], accuracy_floor=[0.0, 0.0, 0.85],
    ),
    # Server costs 1e-7 apart on two models at one place, next to device costs of 1e7 (a mean unit hid them).
    "models-1e-7-apart": FleetParams(
        device_cost=[[32855192.284325495, 22076974.315385573], [0.0, 24302041.864597198], [0.0, 0.0],
                     [18506989.88002609, 13704029.272056084]],
        transfer_cost=[[0.1152778423370272], [0.1377507773371334], [0.007852685076396448], [0.10813889048530546]],
        edge_time=[[1.5870578584049906e-06, 1.5022226676874218e-06]],
        edge_cores=[2], congestion=[2.31624666e-06], accuracy=[0.8, 0.9], accuracy_floor=[0.75, 0.0, 0.85, 0.75],
    ),
    # A congestion of 4e9 next to costs of 1e-7 (HiGHS returned UNKNOWN on the uncapped chords).
    "congestion-1e16-above": FleetParams(
        device_cost=[[0.7696755820192754, 0.4176061667200003], [0.5841021036800359, 0.17054705582620677]],
        transfer_cost=[[1.89010890791587e-13, 5.984451095774358e-13, 1.9350950889725334e-13],
                       [1.4741108768583333e-12, 1.3007143249824933e-13, 1.1589765393751292e-12]],
        edge_time=[[9.252850663008419e-08, 1.526449702518895e-07], [5.773544263992753e-08, 8.44148946081416e-08],
                   [1.304345111416659e-07, 1.6214377732930442e-07]],
        edge_cores=[3, 1, 3], congestion=[3.94254003e09, 6.20100027e09, 4.18068459e09], accuracy=[0.8, 0.9],
        accuracy_floor=[0.0, 0.85],
    ),
}  # fmt: skip


def spread_fleet(seed: int) -> FleetParams:
    """1..5 devices and 1..3 servers, each cost array at its own magnitude over 24 decades, zeros in blocks."""
    rng = np.random.default_rng([seed, 14])
    n, s = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    scale = 10.0 ** rng.uniform(-12, 12, 4)
    device = rng.random((n, 2)) * scale[0] * (rng.random((n, 1)) > 0.3)  # whole devices at zero cost
    transfer = rng.random((n, s)) * scale[1] * (rng.random((1, s)) > 0.3)  # whole servers at zero transfer
    edge = rng.random((s, 2)) * scale[2]
    congestion = rng.random(s) * scale[3] * (rng.random(s) > 0.2)
    floor = rng.choice([0.0, 0.75, 0.85], n)
    return FleetParams(device, transfer, edge, rng.integers(1, 4, s), congestion, np.array([0.8, 0.9]), floor)


@pytest.mark.parametrize("name", sorted(SPREAD_FLEETS))
def test_milp_is_exact_on_the_review_fleets(name: str) -> None:
    p = SPREAD_FLEETS[name]
    best = brute_force(p)
    sol = FleetProblem(p).solve("cvxpy")
    assert sol.status is Status.OPTIMAL, sol.reason
    assert sol.objective == pytest.approx(best, rel=FLOW_VS_MILP, abs=1e-300)
    assert sol.extras["certificate_gap"] <= FLOW_VS_MILP
    assert FleetProblem(p).solve().objective == pytest.approx(best, rel=FLOW_VS_BRUTE, abs=1e-300)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_both_methods_are_exact_on_fleets_spread_over_24_decades(seed: int) -> None:
    """Property: on fleets spread over 24 decades, with zero blocks, flow and MILP reach the enumerated optimum."""
    p = spread_fleet(seed)
    best = brute_force(p)
    for method in ("flow", "cvxpy"):
        sol = FleetProblem(p).solve(method)
        assert sol.status is Status.OPTIMAL, (method, sol.reason)
        assert sol.objective == pytest.approx(best, rel=FLOW_VS_MILP, abs=1e-300), method


def test_milp_downgrades_a_point_the_certificate_refutes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A HiGHS point that is not optimal is FEASIBLE, with the certificate's gap, whatever HiGHS's status says."""
    p = SPREAD_FLEETS["models-1e-7-apart"]
    real = fleet_reference._triples

    def worse_first(params: FleetParams):  # keep only the dearer model at the server: HiGHS's optimum is suboptimal
        u, place, k, cost = real(params)
        at_server = place >= 1
        keep = ~at_server | (k == 0)
        return u[keep], place[keep], k[keep], cost[keep]

    monkeypatch.setattr(fleet_reference, "_triples", worse_first)
    sol = fleet_reference.solve_milp(p, relaxation=False)
    assert sol.extras["solver_status"] == "optimal"
    assert sol.status is Status.FEASIBLE
    assert sol.extras["certificate_gap"] > FleetProblem.CERTIFICATE_TOL
    assert "fleet certificate" in sol.extras["downgraded"]


def test_milp_bar_is_the_problems_certificate_tolerance() -> None:
    assert fleet_reference.OPTIMALITY_TOL == FleetProblem.CERTIFICATE_TOL


def test_milp_reports_its_lp_relaxation() -> None:
    sol = FleetProblem.from_scenario("fleet-4-servers").solve("cvxpy")
    assert sol.status is Status.OPTIMAL
    assert sol.extras["solver_status"] == "optimal" and sol.extras["lp_status"] == "optimal"
    # The relaxation is exact (totally unimodular after the epigraph): both objectives agree.
    assert sol.extras["lp_objective"] == pytest.approx(sol.extras["solver_objective"], rel=1e-9)
    assert sol.extras["solver_objective"] == pytest.approx(sol.objective, rel=1e-9)
    no_lp = FleetProblem.from_scenario("fleet-small").solve("cvxpy", relaxation=False)
    assert "lp_objective" not in no_lp.extras


# ---------------------------------------------------------------------------------------------- networkx
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), s=st.integers(1, 5))
def test_ortools_and_networkx_agree_on_the_integer_network(seed: int, n: int, s: int) -> None:
    """Property: OR-Tools and networkx's network simplex find integer flows of the same (exact, integer) cost."""
    p = fleet_scenarios.random_params(seed, n_devices=n, n_servers=s)
    _, best, _ = place_options(p)
    net = integer_network(p, best)
    prices = net.costs[: n * (s + 1)].reshape(n, s + 1)

    def integer_cost(place: np.ndarray) -> int:
        tasks = np.bincount(place, minlength=s + 1)[1:]
        total = int(prices[np.arange(n), place].sum())
        servers = net.heads == n + s + 1  # arcs into the sink: per server the free arc, then the unit arcs
        for j in range(s):
            arcs = np.flatnonzero(servers & (net.tails == n + 1 + j))
            capacity, costs = net.capacities[arcs], net.costs[arcs]
            left = int(tasks[j])
            for c, w in zip(capacity.tolist(), costs.tolist(), strict=True):
                used = min(left, c)
                total += used * w
                left -= used
            assert left == 0
        return total

    a, _ = integer_assignment(p, best, "ortools")
    b, _ = integer_assignment(p, best, "networkx")
    assert integer_cost(a) == integer_cost(b)
    flow_a = FleetProblem(p).solve(backend="ortools")
    flow_b = FleetProblem(p).solve(backend="networkx")
    assert flow_a.objective == pytest.approx(flow_b.objective, rel=1e-13)


# ---------------------------------------------------------------------------------------------- infeasible, bad input
@pytest.mark.parametrize("method", ["flow", "cvxpy"])
def test_a_device_without_an_allowed_model_is_named(method: str) -> None:
    p = fleet_scenarios.random_params(5, n_devices=6, n_servers=2)
    floor = np.array(p.accuracy_floor)
    floor[[2, 4]] = 1.0  # above both accuracies (at most 0.8)
    prob = FleetProblem(p.replace(accuracy_floor=floor))
    sol = prob.solve(method)
    assert sol.status is Status.INFEASIBLE and sol.objective == math.inf
    assert "device(s) [2, 4]" in sol.reason and "accuracy_floor" in sol.reason
    assert sol.extras["infeasible_devices"] == [2, 4]
    with pytest.raises(InfeasibleError, match=r"device\(s\) \[2, 4\]"):
        prob.solve(method, raise_on_infeasible=True)


def _base() -> dict:
    return {
        "device_cost": np.ones((3, 2)),
        "transfer_cost": np.ones((3, 2)),
        "edge_time": np.ones((2, 2)),
        "edge_cores": np.array([4, 1]),
        "congestion": np.array([0.1, 0.0]),
        "accuracy": np.array([0.8, 0.7]),
        "accuracy_floor": np.zeros(3),
    }


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("device_cost", np.ones((3, 3)), r"device_cost must have shape \(U, 2\)"),
        ("device_cost", -np.ones((3, 2)), "device_cost must be >= 0"),
        ("device_cost", np.full((3, 2), np.nan), "device_cost must be finite"),
        ("device_cost", np.full((3, 2), 1e200), "device_cost must be <= 1e"),
        ("device_cost", np.ones(3), "device_cost must be a 2-d array"),
        ("transfer_cost", np.ones((4, 2)), r"transfer_cost must have shape \(U, S\) = \(3, S\)"),
        ("transfer_cost", "1.0", "transfer_cost must be an array of real numbers"),
        ("edge_time", np.ones((3, 2)), r"edge_time must have shape \(S, 2\) = \(2, 2\)"),
        ("edge_cores", np.array([4.0, 1.0]), "edge_cores must be an array of integers"),
        ("edge_cores", np.array([4, 0]), r"edge_cores must be an integer in \[1, "),
        ("edge_cores", np.array([True, True]), "edge_cores must be an array of integers"),
        ("edge_cores", np.array([4]), r"edge_cores must have shape \(2,\)"),
        ("congestion", np.array([-0.1, 0.0]), "congestion must be >= 0"),
        ("congestion", np.array([0.1]), r"congestion must have shape \(2,\)"),
        ("accuracy", np.array([1.2, 0.7]), "accuracy must be <= 1"),
        ("accuracy", None, "accuracy must be an array of real numbers"),
        ("accuracy_floor", np.zeros(2), r"accuracy_floor must have shape \(3,\)"),
        ("accuracy_floor", np.full(3, -0.1), "accuracy_floor must be >= 0"),
    ],
)
def test_invalid_fields_are_rejected_naming_them(field: str, value, match: str) -> None:
    fields = _base()
    fields[field] = value
    with pytest.raises(InvalidParameterError, match=match):
        FleetParams(**fields)


@pytest.mark.parametrize(
    ("server", "model", "match"),
    [
        ([0, 0], [0, 0, 0], r"server must have shape \(3,\)"),
        ([0, 2, -1], [0, 0, 0], r"server must be in -1..1"),
        ([0, -2, -1], [0, 0, 0], r"server must be in -1..1"),
        ([0, 0, 0], [0, 2, 0], r"model must be in 0..1"),
        ([0, 0.5, 0], [0, 0, 0], "server must hold integers"),
        ([0, 0, 0], [True, False, True], "model must be an integer array"),
        ([0, 0, 0], "010", "model must be an integer array"),
    ],
)
def test_evaluate_rejects_malformed_assignments(server, model, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        FleetProblem(FleetParams(**_base())).evaluate(server, model)


# ---------------------------------------------------------------------------------------------- the contract
@pytest.mark.parametrize("method", ["flow", "cvxpy"])
@pytest.mark.parametrize("scenario", fleet_scenarios.names())
def test_scenarios_solve_under_the_result_contract(method: str, scenario: str) -> None:
    prob = FleetProblem.from_scenario(scenario)
    sol = prob.solve(method)
    assert sol.status in (Status.OPTIMAL, Status.INFEASIBLE)
    assert sol.method == method and sol.problem == "offload_fleet"
    if sol.has_point:
        assert sol.x["server"].dtype == np.int64 and sol.x["model"].dtype == np.int64
        assert sol.extras["contract"]["certified_by"] == "certificate"
        assert prob.check(sol).passes(FleetProblem.CERTIFICATE_TOL)
        assert sol.objective == pytest.approx(hand_cost(prob.params, sol.x["server"], sol.x["model"]), rel=1e-13)
    assert prob.solve(method).objective == sol.objective
    assert prob.size == {"devices": prob.params.n_devices, "servers": prob.params.n_servers}


def test_fuzz_harness_finds_no_defect() -> None:
    """The wide generator and every invalid variant, through the harness ``tests/test_fuzz.py`` uses."""
    valid = fuzz.run_valid(FleetProblem, range(80))
    assert fuzz.counts(valid)["defects"] == 0, [r for r in valid if r["outcome"] in fuzz.DEFECTS][:3]
    invalid = fuzz.run_invalid(FleetProblem, [11, 12])
    assert fuzz.counts(invalid)["defects"] == 0, [r for r in invalid if r["outcome"] in fuzz.DEFECTS][:3]
    assert all(r["field"] in r["error"] for r in invalid if r["outcome"] == "rejected")
    first, again = fleet_scenarios.wide_params(7), fleet_scenarios.wide_params(7)
    assert all(np.array_equal(getattr(first, f), getattr(again, f)) for f in ("device_cost", "edge_cores"))
