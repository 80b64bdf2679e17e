"""The DAG-split model (DADS): parameters, split costs and the flow network of the minimum-cut construction.

Each layer ``v`` runs on the device (cost ``device_cost[v]``) or on the
server (``server_cost[v]``); whenever a layer on the device has a consumer on
the server, or is the network's output (the result must reach the server),
its output is sent once, at ``comm_cost[v]``, however many server layers read
it. A valid split puts every predecessor of a device layer on the device;
the input is on the device, and with ``allow_raw=False`` so are the layers
reading it. Costs are anything additive: joules for the device's energy,
seconds for sequential latency.

Graph (:func:`flow_network`), source ``S`` = device, sink ``T`` = server;
a layer on the source side runs on the device:

* ``S -> v`` with capacity ``server_cost[v]`` (cut when ``v`` is on the server),
  ``v -> T`` with ``device_cost[v]`` (cut when ``v`` is on the device);
* for each layer ``u`` an auxiliary node ``u*``: ``u -> u*`` with capacity
  ``comm_cost[u]`` and ``u* -> w`` of infinite capacity for each consumer ``w``
  (``u* -> T`` for the output). If ``u`` is on the device and any consumer on
  the server, ``u*`` must be on the server side, so exactly one ``u -> u*``
  edge, the transmission, is cut: a tensor is charged once;
* for each edge ``u -> w`` of the network an infinite reverse edge ``w -> u``:
  a device layer with a server predecessor would cut it, so only valid splits
  have finite cuts;
* ``S -> input`` infinite (and ``S -> w`` for the input's consumers unless raw
  data may be sent).

The minimum cut's capacity is then the minimum total cost (Hu et al.,
"Dynamic adaptive DNN surgery", INFOCOM 2019). ``networkx`` treats an edge
without a ``capacity`` attribute as infinite. The methods: :mod:`.min_cut`
(``"flow"``) cuts this network, :mod:`.reference` (``"exhaustive"``)
enumerates the valid splits directly, without the graph.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.models.dnn import DnnProfile

# The flow network's source (the device side) and sink (the server side).
SOURCE, SINK = "__device__", "__server__"


@dataclass(frozen=True)
class DagSplitParams:
    """A network DAG and the three costs of every layer.

    Attributes
    ----------
    graph : networkx.DiGraph
        Layers and data dependencies; one input (no predecessors) and one output.
    device_cost, server_cost, comm_cost : mapping of layer name to float
        Cost of running a layer on the device, on the server, and of sending
        its output; finite and >= 0, one per layer.
    allow_raw : bool
        May the raw input be sent (the input's consumers run on the server)?

    """

    graph: nx.DiGraph
    device_cost: Mapping[Any, float]
    server_cost: Mapping[Any, float]
    comm_cost: Mapping[Any, float]
    allow_raw: bool = True

    def __post_init__(self) -> None:
        g = self.graph
        if not isinstance(g, nx.DiGraph) or g.number_of_nodes() < 2:
            raise InvalidParameterError("graph must be a networkx.DiGraph with at least two layers")
        if not nx.is_directed_acyclic_graph(g):
            raise InvalidParameterError(f"graph has a cycle: {nx.find_cycle(g)}")
        sources = [n for n in g if g.in_degree(n) == 0]
        sinks = [n for n in g if g.out_degree(n) == 0]
        if len(sources) != 1 or len(sinks) != 1:
            raise InvalidParameterError(
                f"graph must have one input and one output; inputs {sorted(map(str, sources))}, "
                f"outputs {sorted(map(str, sinks))} (layers that do not connect)"
            )
        if SOURCE in g or SINK in g:
            raise InvalidParameterError(f"layer names {SOURCE!r} and {SINK!r} are reserved")
        for label in ("device_cost", "server_cost", "comm_cost"):
            costs = getattr(self, label)
            missing = [n for n in g if n not in costs]
            if missing:
                raise InvalidParameterError(f"{label} has no entry for layer(s) {missing[:5]}")
            for n in g:
                value = float(costs[n])
                if not math.isfinite(value) or value < 0:
                    raise InvalidParameterError(f"{label}[{n!r}] must be finite and >= 0, got {costs[n]!r}")

    @property
    def input(self) -> Any:
        """The input layer."""
        return next(n for n in self.graph if self.graph.in_degree(n) == 0)

    @property
    def output(self) -> Any:
        """The output layer."""
        return next(n for n in self.graph if self.graph.out_degree(n) == 0)

    @classmethod
    def from_profile(
        cls,
        profile: DnnProfile,
        device_cost: np.ndarray,
        server_cost: np.ndarray,
        comm_cost: np.ndarray,
        allow_raw: bool = True,
    ) -> DagSplitParams:
        """Costs given as arrays in ``profile.order``."""
        order = profile.order
        arrays = {"device_cost": device_cost, "server_cost": server_cost, "comm_cost": comm_cost}
        mapped = {}
        for label, values in arrays.items():
            arr = np.asarray(values, dtype=float)
            if arr.shape != (len(order),):
                raise InvalidParameterError(f"{label} must have shape ({len(order)},), got {arr.shape}")
            mapped[label] = dict(zip(order, arr.tolist(), strict=True))
        graph = nx.DiGraph(profile.graph.edges)
        graph.add_nodes_from(order)
        return cls(graph, allow_raw=allow_raw, **mapped)

    def sent(self, on_device: set[Any]) -> list[Any]:
        """Device layers whose output is transmitted: the output layer, or one with a consumer on the server."""
        g = self.graph
        return [
            u
            for u in nx.topological_sort(g)
            if u in on_device and (u == self.output or any(w not in on_device for w in g.successors(u)))
        ]

    def cost(self, on_device: set[Any]) -> float:
        """Total cost of a split given the set of device layers (no validity check)."""
        total = 0.0
        for v in self.graph:
            total += float(self.device_cost[v]) if v in on_device else float(self.server_cost[v])
        return total + sum(float(self.comm_cost[u]) for u in self.sent(on_device))

    def is_valid(self, on_device: set[Any]) -> bool:
        """Input on the device, device set closed under predecessors, raw rule respected."""
        g = self.graph
        if self.input not in on_device:
            return False
        if not self.allow_raw and any(w not in on_device for w in g.successors(self.input)):
            return False
        return all(all(p in on_device for p in g.predecessors(v)) for v in on_device)


def flow_network(params: DagSplitParams) -> nx.DiGraph:
    """The DADS flow network of :class:`DagSplitParams` (see the module docstring)."""
    g = params.graph
    net = nx.DiGraph()
    for v in g:
        net.add_edge(SOURCE, v, capacity=float(params.server_cost[v]))
        net.add_edge(v, SINK, capacity=float(params.device_cost[v]))
        aux = ("aux", v)
        net.add_edge(v, aux, capacity=float(params.comm_cost[v]))
        for w in g.successors(v):
            net.add_edge(aux, w)  # infinite: no capacity attribute
            net.add_edge(w, v)  # infinite reverse edge: no server -> device data flow
        if v == params.output:
            net.add_edge(aux, SINK)
    net[SOURCE][params.input].pop("capacity")
    if not params.allow_raw:
        for w in g.successors(params.input):
            net[SOURCE][w].pop("capacity")
    return net


def split_solution(params: DagSplitParams, on_device: set[Any], method_detail: str) -> Solution:
    """The :class:`Solution` of a split given by its device layers.

    Parameters
    ----------
    params : DagSplitParams
        The instance.
    on_device : set
        The layers run on the device (assumed valid).
    method_detail : str
        How the split was found, kept in ``extras["method_detail"]``.

    Returns
    -------
    Solution
        ``objective`` the split's :meth:`DagSplitParams.cost`; ``x["on_device"]``
        a mask in the topological order of ``extras["order"]``;
        ``extras["sent"]`` the transmitted layers.

    """
    order = list(nx.topological_sort(params.graph))
    mask = np.array([v in on_device for v in order])
    sent = params.sent(on_device)
    return Solution(
        status=Status.OPTIMAL,
        objective=params.cost(on_device),
        x={"on_device": mask},
        extras={"order": order, "sent": sent, "method_detail": method_detail},
    )
