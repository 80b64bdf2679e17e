"""DAG split by minimum cut: equal to brute force on small random DAGs and to layer-by-layer selection on chains."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models import zoo
from edgeopt.problems.cut_selection import CutSelection, CutSelectionParams
from edgeopt.problems.dag_split import DagSplit, DagSplitParams, scenarios

REL = 1e-9  # float capacities: the flow value and the enumerated sum differ by rounding only


@st.composite
def small_dags(draw: st.DrawFn) -> DagSplitParams:
    """Random DAGs with 2..12 layers, one input and one output, random costs (some zero)."""
    n = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    return scenarios.random_params(seed, n_layers=n, allow_raw=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(small_dags())
def test_min_cut_equals_brute_force(params: DagSplitParams) -> None:
    """Property: on random DAGs the minimum cut's cost is the cheapest valid split's."""
    flow = DagSplit(params).solve()
    brute = DagSplit(params).solve("exhaustive")
    assert flow.objective == pytest.approx(brute.objective, rel=REL, abs=1e-12)
    report = DagSplit(params).check(flow)
    assert report.passes(REL)


@pytest.mark.parametrize("bandwidth", [15e3, 5e6, 15e6])
def test_chain_min_cut_equals_layer_by_layer(bandwidth: float) -> None:
    net = zoo.mnist_cnn()
    for gain in (1e-3, 0.1, 1.0, 10.0):
        p = CutSelectionParams.from_profile(net, np.array([gain]), bandwidth, 1e-9, allow_raw=True)
        chain = CutSelection(p).solve()
        per_layer = np.diff(p.processing_energy, prepend=0.0)
        comm = p.payload_bits * float(p.joules_per_bit()[0])
        dag = DagSplitParams.from_profile(net, per_layer, np.zeros_like(per_layer), comm)
        flow = DagSplit(dag).solve()
        assert flow.objective == pytest.approx(chain.objective, rel=REL)
        assert int(flow.x["on_device"].sum()) - 1 == int(chain.x["cut"][0])


def test_resnet18_split_is_valid_and_tensor_charged_once() -> None:
    net = zoo.resnet(18)
    macs = net.column("macs")
    order = net.order
    out = net.column("output_elements")
    # Latency: a 1 GMAC/s device, a 100 GMAC/s server, a 20 Mbit/s link.
    params = DagSplitParams.from_profile(net, macs / 1e9, macs / 1e11, 32 * out / 20e6)
    sol = DagSplit(params).solve()
    assert DagSplit(params).check(sol).passes(REL)
    assert 0 < sol.objective < params.cost(set(order))
    # A residual block's input feeds two server layers but is sent once.
    for u in sol.extras["sent"]:
        assert sum(1 for s in sol.extras["sent"] if s == u) == 1


def test_bad_graphs_are_named() -> None:
    g = nx.DiGraph([(0, 1), (2, 1)])
    with pytest.raises(InvalidParameterError, match="one input and one output"):
        DagSplitParams(g, dict.fromkeys(g, 1.0), dict.fromkeys(g, 1.0), dict.fromkeys(g, 1.0))
    g = nx.DiGraph([(0, 1), (1, 2)])
    with pytest.raises(InvalidParameterError, match=r"comm_cost.*\[2\]"):
        DagSplitParams(g, dict.fromkeys(g, 1.0), dict.fromkeys(g, 1.0), {0: 1.0, 1: 1.0})
    with pytest.raises(InvalidParameterError, match=r"server_cost\[1\]"):
        DagSplitParams(g, dict.fromkeys(g, 1.0), {0: 1.0, 1: float("nan"), 2: 1.0}, dict.fromkeys(g, 1.0))
    with pytest.raises(InvalidParameterError, match="cycle"):
        g = nx.DiGraph([(0, 1), (1, 2), (2, 1)])
        DagSplitParams(g, dict.fromkeys(g, 1.0), dict.fromkeys(g, 1.0), dict.fromkeys(g, 1.0))


def test_named_scenarios() -> None:
    assert {"resnet18", "resnet18-no-raw", "iscc_cnn"} <= set(DagSplit.scenarios())
    for name in DagSplit.scenarios():
        prob = DagSplit.from_scenario(name)
        sol = prob.solve()
        assert sol.status.value == "optimal" and prob.check(sol).passes(REL), name
    # The README's example: ResNet-18, 20 GMAC/s device, 1 TMAC/s server, 100 Mbit/s, 32-bit outputs.
    res = zoo.resnet(18)
    macs, out = res.column("macs"), res.column("output_elements")
    readme = DagSplit(DagSplitParams.from_profile(res, macs / 20e9, macs / 1e12, 32 * out / 100e6)).solve()
    assert DagSplit.from_scenario("resnet18").solve().objective == readme.objective
    small = DagSplit.from_scenario("iscc_cnn")
    assert small.solve("exhaustive").objective == pytest.approx(small.solve().objective, rel=REL)
    slow_link = DagSplit.from_scenario("resnet18", link_bits_per_s=1e6).solve()
    assert slow_link.x["on_device"].sum() > readme.x["on_device"].sum()
    with pytest.raises(InvalidParameterError, match="entries.*'rate'"):
        DagSplit.from_scenario("resnet18", rate=1e6)


def test_exhaustive_enumerates_valid_splits_only_and_says_why_it_refuses() -> None:
    # ResNet-18 has 69 layers but only 99 valid splits (ideals of its order): enumerable.
    prob = DagSplit.from_scenario("resnet18")
    sol = prob.solve("exhaustive")
    assert sol.status.value == "optimal" and sol.extras["n_splits"] == 99
    assert sol.objective == pytest.approx(prob.solve().objective, rel=REL)
    # A chain of n layers has exactly n valid splits (the input always on the device).
    chain = DagSplit.from_scenario("iscc_cnn").solve("exhaustive")
    assert chain.extras["n_splits"] == 14
    # Past the limit: failed, and the reason names the limit.
    refused = prob.solve("exhaustive", max_splits=50)
    assert refused.status.value == "failed" and "max_splits=50" in (refused.reason or "")
    assert "flow" in (refused.reason or "")
    legacy = prob.solve("exhaustive", max_layers=20)
    assert legacy.status.value == "failed" and "68 layers" in (legacy.reason or "")


def test_random_params_are_seeded() -> None:
    a, b = scenarios.random_params(3), scenarios.random_params(3)
    assert sorted(a.graph.edges) == sorted(b.graph.edges) and a.device_cost == b.device_cost
    assert 2 <= a.graph.number_of_nodes() <= 12
