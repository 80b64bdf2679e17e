"""edgeopt.solvers.graph: the min cut equals networkx's and the old DADS partition; min-cost flow.

`old_flow_network`, `old_device_side` and `old_flow` copy edgeopt/problems/dag_split.py
(`flow_network` lines 160-178, `device_side` lines 193-212, `_flow` lines 215-223 of the
last release) with the params object replaced by plain arguments.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pytest

from edgeopt.core.errors import InfeasibleError, InvalidParameterError, SolverError
from edgeopt.solvers.graph import min_cost_flow, min_st_cut

SOURCE, SINK = "__device__", "__server__"


def old_flow_network(g: nx.DiGraph, device: dict, server: dict, comm: dict, inp: Any, out: Any, allow_raw: bool):
    net = nx.DiGraph()
    for v in g:
        net.add_edge(SOURCE, v, capacity=float(server[v]))
        net.add_edge(v, SINK, capacity=float(device[v]))
        aux = ("aux", v)
        net.add_edge(v, aux, capacity=float(comm[v]))
        for w in g.successors(v):
            net.add_edge(aux, w)  # infinite: no capacity attribute
            net.add_edge(w, v)  # infinite reverse edge: no server -> device data flow
        if v == out:
            net.add_edge(aux, SINK)
    net[SOURCE][inp].pop("capacity")
    if not allow_raw:
        for w in g.successors(inp):
            net[SOURCE][w].pop("capacity")
    return net


def old_device_side(net: nx.DiGraph, flow: dict[Any, dict[Any, float]], tol: float) -> set[Any]:
    seen = {SOURCE}
    stack = [SOURCE]
    while stack:
        u = stack.pop()
        forward = [v for v, d in net[u].items() if d.get("capacity", math.inf) - flow[u][v] > tol]
        backward = [v for v in net.predecessors(u) if flow[v][u] > tol]
        for v in forward + backward:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def old_flow(net: nx.DiGraph, layers: nx.DiGraph) -> tuple[set[Any], float]:
    value, flow = nx.maximum_flow(net, SOURCE, SINK)
    finite = sum(d.get("capacity", 0.0) for _, _, d in net.edges(data=True))
    on_device = {v for v in old_device_side(net, flow, 1e-12 * max(finite, 1e-300)) if v in layers}
    return on_device, float(value)


def random_dag(rng: np.random.Generator, n: int, p: float) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for j in range(1, n):
        preds = [i for i in range(j) if rng.uniform() < p] or [int(rng.integers(0, j))]
        g.add_edges_from((i, j) for i in preds)
    for i in range(n - 1):
        if g.out_degree(i) == 0:
            g.add_edge(i, n - 1)
    return g


@pytest.mark.parametrize("seed", range(40))
def test_min_st_cut_reproduces_dads_device_side(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 14))
    g = random_dag(rng, n, rng.uniform(0.1, 0.5))
    # Costs of very different scales, some equal (ties between cuts), as profiles give them.
    device = {v: float(10 ** rng.uniform(-3, 1)) for v in g}
    server = {v: float(10 ** rng.uniform(-4, 0)) for v in g}
    comm = {v: float(np.round(10 ** rng.uniform(-3, 1), 2)) for v in g}
    net = old_flow_network(g, device, server, comm, 0, n - 1, allow_raw=bool(seed % 2))
    on_device_old, value_old = old_flow(net, g)
    cut = min_st_cut(net, SOURCE, SINK)  # how _flow calls it
    on_device_new = {v for v in cut.source_side if v in g}
    assert on_device_new == on_device_old
    assert cut.value == value_old
    assert SOURCE in cut.source_side and SINK in cut.sink_side
    # The partition's capacity is the flow value (a minimum cut, and a finite one).
    crossing = sum(
        d.get("capacity", math.inf) for u, v, d in net.edges(data=True) if u in cut.source_side and v in cut.sink_side
    )
    assert math.isclose(crossing, cut.value, rel_tol=1e-12)


@pytest.mark.parametrize("seed", range(30))
def test_min_st_cut_value_matches_networkx_minimum_cut(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(4, 30))
    g = random_dag(rng, n, rng.uniform(0.05, 0.4))
    for u, v in g.edges:
        g[u][v]["cap"] = float(10 ** rng.uniform(-2, 2))
    cut = min_st_cut(g, 0, n - 1, capacity="cap")
    value, (side, _) = nx.minimum_cut(g, 0, n - 1, capacity="cap")
    assert math.isclose(cut.value, value, rel_tol=1e-12)
    crossing = sum(d["cap"] for u, v, d in g.edges(data=True) if u in cut.source_side and v in cut.sink_side)
    assert math.isclose(crossing, value, rel_tol=1e-12)
    assert cut.source_side | cut.sink_side == set(g) and not cut.source_side & cut.sink_side


def test_min_st_cut_errors() -> None:
    g = nx.DiGraph()
    g.add_edge("s", "a")  # infinite
    g.add_edge("a", "t")  # infinite: an unbounded flow
    with pytest.raises(SolverError, match="maximum_flow failed") as info:
        min_st_cut(g, "s", "t")
    assert isinstance(info.value.__cause__, nx.NetworkXUnbounded)
    with pytest.raises(InvalidParameterError, match="sink 'x' is not a node of the graph"):
        min_st_cut(g, "s", "x")
    with pytest.raises(InvalidParameterError, match="source and sink must differ"):
        min_st_cut(g, "s", "s")
    with pytest.raises(InvalidParameterError, match="graph must be a networkx.DiGraph"):
        min_st_cut(nx.Graph(g), "s", "t")
    with pytest.raises(InvalidParameterError, match="tol must be finite and >= 0"):
        min_st_cut(g, "s", "t", tol=-1.0)


def test_min_cost_flow_matches_networkx_and_raises_ours() -> None:
    rng = np.random.default_rng(0)
    g = random_dag(rng, 12, 0.4)
    for u, v in g.edges:
        g[u][v]["capacity"] = int(rng.integers(1, 6))
        g[u][v]["weight"] = int(rng.integers(0, 10))
    nx.set_node_attributes(g, 0, "demand")
    supply = min(3, nx.maximum_flow_value(g, 0, 11))
    g.nodes[0]["demand"], g.nodes[11]["demand"] = -supply, supply
    res = min_cost_flow(g)
    assert res.cost == nx.min_cost_flow_cost(g) == nx.cost_of_flow(g, res.flow)
    out_of_source = sum(res.flow[0].values())
    assert out_of_source == supply
    g.nodes[0]["demand"], g.nodes[11]["demand"] = -1000, 1000  # more than the capacities carry
    with pytest.raises(InfeasibleError, match="no flow meets the demands") as info:
        min_cost_flow(g)
    assert isinstance(info.value.__cause__, nx.NetworkXUnfeasible)
    cyc = nx.DiGraph()
    cyc.add_edge("a", "b", weight=-1)
    cyc.add_edge("b", "a", weight=-1)  # a negative cycle of infinite capacity
    with pytest.raises(SolverError, match="network_simplex failed"):
        min_cost_flow(cyc)
    with pytest.raises(InvalidParameterError, match="graph must be a networkx.DiGraph or MultiDiGraph"):
        min_cost_flow(nx.Graph())
