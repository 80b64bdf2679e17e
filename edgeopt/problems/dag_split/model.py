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
"Dynamic adaptive DNN surgery", INFOCOM 2019).

Exact arithmetic. Costs may span many decades (a server cost of 1e-20 s
beside a link cost of 1e3 s): a float maximum flow then leaves rounding-level
excesses that networkx's preflow-push cannot discharge (it failed with an
``IndexError`` on ResNet-18 with the server costs scaled by 1e20). Every
finite float is a dyadic rational, so :func:`exact_network` puts all
capacities over their common power-of-two denominator as Python integers
(arbitrary precision): the maximum flow, the cut and the cost comparisons are
then exact, whatever the magnitudes, and "infinite" edges get the finite
capacity ``1 + sum of the finite ones``, which no minimum cut can contain
(putting every layer on the device is a valid split of finite cost). The
float network :func:`flow_network` is kept for inspection.

Valid range: every cost is a real number in ``[0, MAX_COST]`` (``MAX_COST =
1e300``, so that a total over any network stays a finite float); tiny and
subnormal costs are exact.

The methods: :mod:`.min_cut` (``"flow"``) cuts the exact network,
:mod:`.reference` (``"exhaustive"``) enumerates the valid splits directly,
without the graph; :mod:`.certificate` computes the maximum flow itself, with
another algorithm, for every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import array, boolean, number
from edgeopt.models.dnn import DnnProfile

# The flow network's source (the device side) and sink (the server side), in flow_network.
SOURCE, SINK = "__device__", "__server__"

# Largest accepted cost: a sum over any network of up to 1e8 layers stays below the float maximum.
MAX_COST = 1e300

COST_FIELDS = ("device_cost", "server_cost", "comm_cost")


@dataclass(frozen=True)
class Aux:
    """The auxiliary node ``u*`` of layer ``u`` in :func:`flow_network` (equal only to another ``Aux``)."""

    layer: Any


@dataclass(frozen=True)
class DagSplitParams:
    """A network DAG and the three costs of every layer.

    Attributes
    ----------
    graph : networkx.DiGraph
        Layers and data dependencies (not a multigraph); at least two layers,
        acyclic, one input (no predecessors) and one output (no consumers).
    device_cost, server_cost, comm_cost : mapping of layer name to float
        Cost of running a layer on the device, on the server, and of sending
        its output: real numbers in ``[0, MAX_COST]`` (1e300), exactly one
        per layer. Stored as copies (dicts of floats in graph order).
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
        if not isinstance(g, nx.DiGraph) or g.is_multigraph():
            raise InvalidParameterError(f"graph must be a networkx.DiGraph (not a multigraph), got {type(g).__name__}")
        if g.number_of_nodes() < 2:
            raise InvalidParameterError(f"graph must have at least two layers, got {g.number_of_nodes()}")
        if not nx.is_directed_acyclic_graph(g):
            raise InvalidParameterError(f"graph has a cycle: {nx.find_cycle(g)}")
        sources = [n for n in g if g.in_degree(n) == 0]
        sinks = [n for n in g if g.out_degree(n) == 0]
        if len(sources) != 1 or len(sinks) != 1:
            raise InvalidParameterError(
                f"graph must have one input and one output; inputs {sorted(map(str, sources))}, "
                f"outputs {sorted(map(str, sinks))} (layers that do not connect)"
            )
        if any(isinstance(n, Aux) for n in g) or SOURCE in g or SINK in g:
            raise InvalidParameterError(f"layer names {SOURCE!r}, {SINK!r} and Aux nodes are reserved")
        for label in COST_FIELDS:
            object.__setattr__(self, label, _costs(label, getattr(self, label), g))
        object.__setattr__(self, "allow_raw", boolean("allow_raw", self.allow_raw))

    @property
    def input(self) -> Any:
        """The input layer."""
        return self.order[0]

    @property
    def output(self) -> Any:
        """The output layer."""
        return self.order[-1]

    @cached_property
    def order(self) -> list[Any]:
        """The layers in the topological order of ``x["on_device"]`` (input first, output last)."""
        return list(nx.topological_sort(self.graph))

    @classmethod
    def from_profile(
        cls,
        profile: DnnProfile,
        device_cost: Any,
        server_cost: Any,
        comm_cost: Any,
        allow_raw: bool = True,
    ) -> DagSplitParams:
        """Costs given as arrays in ``profile.order``.

        Parameters
        ----------
        profile : DnnProfile
            The network.
        device_cost, server_cost, comm_cost : array_like
            One real number in ``[0, MAX_COST]`` per layer of ``profile.order``.
        allow_raw : bool
            May the raw input be sent?

        Returns
        -------
        DagSplitParams

        Raises
        ------
        InvalidParameterError
            Naming the argument, for a wrong type, shape, sign or magnitude.

        """
        if not isinstance(profile, DnnProfile):
            raise InvalidParameterError(f"profile must be a DnnProfile, got {type(profile).__name__}")
        order = profile.order
        mapped = {}
        for label, values in zip(COST_FIELDS, (device_cost, server_cost, comm_cost), strict=True):
            arr = array(label, values, [(len(order),)], allow_zero=True, maximum=MAX_COST)
            mapped[label] = dict(zip(order, arr.tolist(), strict=True))
        graph = nx.DiGraph(profile.graph.edges)
        graph.add_nodes_from(order)
        return cls(graph, allow_raw=allow_raw, **mapped)

    def sent(self, on_device: set[Any]) -> list[Any]:
        """Device layers whose output is transmitted: the output layer, or one with a consumer on the server."""
        g = self.graph
        return [
            u
            for u in self.order
            if u in on_device and (u == self.output or any(w not in on_device for w in g.successors(u)))
        ]

    def cost(self, on_device: set[Any]) -> float:
        """Total cost of a split given the set of device layers (no validity check), correctly rounded."""
        return float(self.exact_cost(on_device))

    def exact_cost(self, on_device: set[Any]) -> Fraction:
        """The total cost of a split as an exact rational (the sum of the floats, without rounding)."""
        ints, denominator = self.exact_costs
        dev, srv, com = ints
        index = self.index
        total = sum(dev[index[v]] if v in on_device else srv[index[v]] for v in self.graph)
        total += sum(com[index[u]] for u in self.sent(on_device))
        return Fraction(total, denominator)

    @cached_property
    def index(self) -> dict[Any, int]:
        """Position of every layer in :attr:`order`."""
        return {v: i for i, v in enumerate(self.order)}

    @cached_property
    def exact_costs(self) -> tuple[tuple[list[int], list[int], list[int]], int]:
        """The three costs in :attr:`order` as integers over one power-of-two denominator (exact)."""
        fractions = [[Fraction(getattr(self, label)[v]) for v in self.order] for label in COST_FIELDS]
        denominator = max(f.denominator for row in fractions for f in row)
        ints = tuple([int(f * denominator) for f in row] for row in fractions)
        return (ints[0], ints[1], ints[2]), denominator

    def is_valid(self, on_device: set[Any]) -> bool:
        """Input on the device, device set closed under predecessors, raw rule respected."""
        g = self.graph
        if self.input not in on_device:
            return False
        if not self.allow_raw and any(w not in on_device for w in g.successors(self.input)):
            return False
        return all(all(p in on_device for p in g.predecessors(v)) for v in on_device)

    def replace(self, **changes: Any) -> DagSplitParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def _costs(label: str, costs: Any, graph: nx.DiGraph) -> Mapping[Any, float]:
    """``costs`` checked against ``graph``: a mapping with one real number in ``[0, MAX_COST]`` per layer."""
    if not isinstance(costs, Mapping):
        raise InvalidParameterError(
            f"{label} must be a mapping of layer name to cost (e.g. a dict), got {type(costs).__name__}"
        )
    missing = [n for n in graph if n not in costs]
    if missing:
        raise InvalidParameterError(f"{label} has no entry for layer(s) {missing[:5]}")
    extra = [n for n in costs if n not in graph]
    if extra:
        raise InvalidParameterError(f"{label} has entries for unknown layer(s) {extra[:5]}")
    checked = {n: number(f"{label}[{n!r}]", costs[n], minimum=0.0, maximum=MAX_COST) for n in graph}
    return checked


def exact_network(params: DagSplitParams) -> tuple[nx.DiGraph, int, int, int]:
    """The DADS flow network with exact integer capacities (see the module docstring).

    Nodes: layer ``order[i]`` is ``i``, its auxiliary node ``n + i``, the
    source ``2n`` and the sink ``2n + 1``, with ``n`` the number of layers.

    Returns
    -------
    network : networkx.DiGraph
        Capacities (attribute ``capacity``) are Python integers, every edge has one.
    source, sink : int
        The terminals.
    denominator : int
        A capacity ``c`` stands for the cost ``c / denominator``.

    """
    (dev, srv, com), denominator = params.exact_costs
    g, order, index = params.graph, params.order, params.index
    n = len(order)
    source, sink = 2 * n, 2 * n + 1
    infinite = 1 + sum(dev) + sum(srv) + sum(com)
    net = nx.DiGraph()
    net.add_nodes_from(range(2 * n + 2))
    for i, v in enumerate(order):
        net.add_edge(source, i, capacity=srv[i])
        net.add_edge(i, sink, capacity=dev[i])
        net.add_edge(i, n + i, capacity=com[i])
        for w in g.successors(v):
            net.add_edge(n + i, index[w], capacity=infinite)
            net.add_edge(index[w], i, capacity=infinite)  # no server -> device data flow
    net.add_edge(n + index[params.output], sink, capacity=infinite)
    net[source][index[params.input]]["capacity"] = infinite
    if not params.allow_raw:
        for w in g.successors(params.input):
            net[source][index[w]]["capacity"] = infinite
    return net, source, sink, denominator


def flow_network(params: DagSplitParams) -> nx.DiGraph:
    """The DADS flow network with float capacities and named nodes, for inspection.

    Layers keep their names, the auxiliary node of ``u`` is ``Aux(u)``, the
    terminals are :data:`SOURCE` and :data:`SINK`, and an infinite edge has no
    ``capacity`` attribute (networkx's convention). The methods use
    :func:`exact_network` instead.
    """
    net, source, sink, denominator = exact_network(params)
    infinite = net[source][params.index[params.input]]["capacity"]
    n = len(params.order)
    names: dict[int, Any] = {i: v for i, v in enumerate(params.order)}
    names.update({n + i: Aux(v) for i, v in enumerate(params.order)})
    names.update({source: SOURCE, sink: SINK})
    named = nx.DiGraph()
    named.add_nodes_from(names.values())
    for u, v, c in net.edges(data="capacity"):
        if c == infinite:
            named.add_edge(names[u], names[v])
        else:
            named.add_edge(names[u], names[v], capacity=float(Fraction(c, denominator)))
    return named


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
        a mask in the topological order of :attr:`DagSplitParams.order` (also in
        ``extras["order"]``); ``extras["sent"]`` the transmitted layers.

    """
    order = params.order
    mask = np.array([v in on_device for v in order], dtype=bool)
    return Solution(
        status=Status.OPTIMAL,
        objective=params.cost(on_device),
        x={"on_device": mask},
        extras={"order": list(order), "sent": params.sent(on_device), "method_detail": method_detail},
    )


def device_set(params: DagSplitParams, solution: Solution) -> set[Any]:
    """The device layers of ``solution``'s mask, in the order of ``extras["order"]`` (default :attr:`~.order`).

    Raises
    ------
    InvalidParameterError
        If the mask is not boolean (or 0/1) or the order is not a permutation of the layers.

    """
    order = solution.extras.get("order", params.order)
    if len(order) != len(params.order) or set(order) != set(params.order):
        raise InvalidParameterError("solution.extras['order'] must list every layer of the graph once")
    raw = np.asarray(solution.x["on_device"])
    if raw.dtype != bool and not (raw.dtype.kind in "iuf" and np.all((raw == 0) | (raw == 1))):
        raise InvalidParameterError(f"solution.x['on_device'] must be a boolean mask, got dtype {raw.dtype}")
    return {v for v, m in zip(order, raw.astype(bool).tolist(), strict=True) if m}
