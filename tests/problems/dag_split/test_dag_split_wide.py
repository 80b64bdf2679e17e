"""DAG split outside the scenarios' ranges (issue 12): exact flows over many decades, strict inputs, the certificate."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.models import zoo
from edgeopt.problems.dag_split import DagSplit, DagSplitParams, scenarios
from edgeopt.problems.dag_split.model import MAX_COST, split_solution

BAD = [math.nan, math.inf, -1.0, 0.0, object(), "1.0", None, 1e300, 1e-300, True, np.zeros(3), 2.5, 1]


def _resnet() -> tuple[object, np.ndarray, np.ndarray, np.ndarray]:
    res = zoo.resnet(18)
    macs, out = res.column("macs"), res.column("output_elements")
    return res, macs / 20e9, macs / 1e12, 32 * out / 100e6


@pytest.mark.parametrize("factor", [1e20, 1e-20, 1e150, 1e-150])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_costs_over_many_decades_solve_exactly(factor: float, which: int) -> None:
    """The issue's case (server costs x 1e20 gave networkx's IndexError), and its relatives."""
    res, *costs = _resnet()
    costs[which] = costs[which] * factor
    prob = DagSplit(DagSplitParams.from_profile(res, *costs))  # type: ignore[arg-type]
    flow = prob.solve()
    brute = prob.solve("exhaustive")  # enumeration: no flow network at all
    assert flow.status is Status.OPTIMAL and brute.status is Status.OPTIMAL
    assert flow.objective == brute.objective  # both the correctly rounded exact cost of an optimal split
    assert prob.check(flow).duality_gap == 0.0


def test_an_extreme_split_is_found_at_both_ends() -> None:
    res, dev, srv, com = _resnet()
    # A server 1e20 times slower: everything runs on the device, only the output is sent.
    slow = DagSplit(DagSplitParams.from_profile(res, dev, srv * 1e20, com)).solve()
    assert slow.x["on_device"].all() and slow.extras["sent"] == [res.order[-1]]
    assert slow.objective == pytest.approx(float(np.sum(dev)) + float(com[-1]), rel=1e-15)
    # A device 1e20 times slower: the raw input is sent.
    fast = DagSplit(DagSplitParams.from_profile(res, dev * 1e20, srv, com)).solve()
    assert fast.x["on_device"].sum() == 1
    assert fast.objective == pytest.approx(float(np.sum(srv[1:])) + float(com[0]) + float(dev[0]), rel=1e-15)


def test_subnormal_and_maximal_costs_are_exact() -> None:
    g = nx.DiGraph([(0, 1), (1, 2)])
    tiny = 5e-324
    p = DagSplitParams(
        g, {0: 0.0, 1: 3 * tiny, 2: MAX_COST}, {0: 0.0, 1: tiny, 2: tiny}, {0: 2 * tiny, 1: MAX_COST, 2: 0.0}
    )
    # By hand: the input on the device; send it (2 tiny), layers 1 and 2 on the server (2 tiny): 4 tiny.
    for method in ("flow", "exhaustive"):
        sol = DagSplit(p).solve(method)
        assert sol.status is Status.OPTIMAL and sol.objective == 4 * tiny, method
    assert DagSplit(p).solve().extras["cut_value"] == 4 * tiny


def test_every_field_rejects_bad_values_by_name() -> None:
    base = scenarios.wide_params(3)
    for field in dataclasses.fields(DagSplitParams):
        for bad in BAD:
            if field.name == "allow_raw" and bad is True:
                continue
            with pytest.raises(InvalidParameterError, match=field.name):
                dataclasses.replace(base, **{field.name: bad})
    layer = base.order[1]
    for label in ("device_cost", "server_cost", "comm_cost"):
        for bad in (math.nan, math.inf, -1.0, "1.0", None, True, object(), 2 * MAX_COST):
            costs = {**getattr(base, label), layer: bad}
            with pytest.raises(InvalidParameterError, match=rf"{label}\[{layer!r}\]"):
                dataclasses.replace(base, **{label: costs})
        for ok in (0.0, 1e-300, 1e300, 1):
            p = dataclasses.replace(base, **{label: {**getattr(base, label), layer: ok}})
            assert DagSplit(p).solve().status is Status.OPTIMAL
        with pytest.raises(InvalidParameterError, match=f"{label} has entries for unknown"):
            dataclasses.replace(base, **{label: {**getattr(base, label), "ghost": 1.0}})
    with pytest.raises(InvalidParameterError, match="graph must be a networkx.DiGraph"):
        dataclasses.replace(base, graph=nx.MultiDiGraph(base.graph))


def test_from_profile_checks_its_arguments() -> None:
    res, dev, srv, com = _resnet()
    for bad in (
        srv.astype(str),
        srv[:-1],
        -srv,
        np.where(np.arange(srv.size) == 3, np.nan, srv),
        None,
        np.full_like(srv, 2 * MAX_COST),
    ):
        with pytest.raises(InvalidParameterError, match="server_cost"):
            DagSplitParams.from_profile(res, dev, bad, com)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="allow_raw"):
        DagSplitParams.from_profile(res, dev, srv, com, allow_raw="no")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="profile"):
        DagSplitParams.from_profile("resnet18", dev, srv, com)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="link_bits_per_s"):
        DagSplit.from_scenario("resnet18", link_bits_per_s="1e6")
    with pytest.raises(InvalidParameterError, match="server_macs_per_s"):
        DagSplit.from_scenario("resnet18", server_macs_per_s=1e-300)
    with pytest.raises(InvalidParameterError, match="bits_per_element"):
        DagSplit.from_scenario("resnet18", bits_per_element=2.5)


def test_check_certifies_any_method_by_its_own_max_flow() -> None:
    prob = DagSplit.from_scenario("resnet18")
    p = prob.params
    best = prob.solve()
    # Exhaustive's answer carries no cut value of its own, and is certified all the same.
    brute = prob.solve("exhaustive")
    assert "cut_value" not in brute.extras and brute.extras["contract"]["certified_by"] == "certificate"
    # A valid but worse split claimed optimal: the gap is its exact excess over the max flow.
    everything = split_solution(p, set(p.order), "all on the device")
    everything.problem = "dag_split"
    report = prob.check(everything)
    exact = (p.exact_cost(set(p.order)) - Fraction(best.objective)) / p.exact_cost(set(p.order))
    assert report.duality_gap == pytest.approx(float(exact), rel=1e-12) and report.duality_gap > 1e-3
    assert report.primal_feasibility == 0.0
    # An invalid split (a device layer whose predecessor is on the server) is infeasible.
    mask = np.zeros(len(p.order), dtype=bool)
    mask[0] = mask[2] = True
    invalid = Solution(Status.OPTIMAL, 0.0, x={"on_device": mask}, problem="dag_split")
    assert math.isinf(prob.check(invalid).primal_feasibility)
    # A claimed objective below the split's real cost is caught as well.
    wrong = split_solution(p, set(p.order), "")
    wrong.objective *= 0.5
    assert prob.check(wrong).primal_feasibility == pytest.approx(0.5, rel=1e-12)


def _wide(seeds: range) -> int:
    compared = 0
    for seed in seeds:
        prob = DagSplit(scenarios.wide_params(seed))
        flow = prob.solve()
        assert flow.status is Status.OPTIMAL and "exception" not in flow.extras, (seed, flow.reason)
        brute = prob.solve("exhaustive")
        if brute.status is Status.FAILED:
            assert "max_splits" in (brute.reason or ""), seed
            continue
        assert brute.status is Status.OPTIMAL and flow.objective == brute.objective, seed
        compared += 1
    return compared


def test_wide_instances_flow_equals_enumeration() -> None:
    assert _wide(range(150)) >= 140


@pytest.mark.slow
def test_wide_instances_flow_equals_enumeration_10000() -> None:
    assert _wide(range(10_000)) >= 9_900


def test_wide_params_are_seeded_and_draw_the_degenerate_regimes() -> None:
    a, b = scenarios.wide_params(11), scenarios.wide_params(11)
    assert sorted(a.graph.edges, key=str) == sorted(b.graph.edges, key=str) and a.device_cost == b.device_cost
    draws = [scenarios.wide_params(s) for s in range(200)]
    assert any(all(v == 0 for v in p.comm_cost.values()) for p in draws)  # zero communication
    assert any(len(set(p.device_cost.values()) | set(p.server_cost.values())) == 1 for p in draws)  # all equal
    spans = [max(p.server_cost.values()) / max(min(p.device_cost.values()), 1e-300) for p in draws]
    assert max(spans) > 1e15  # costs over many decades
