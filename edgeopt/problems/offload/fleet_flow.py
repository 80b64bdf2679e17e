r"""Method ``"flow"`` of the fleet: an exact convex-cost minimum-cost flow, made exact for the float costs.

Reduction
---------
The model a device uses at a place does not interact with the congestion
(which counts tasks), so each (device, place) pair keeps its best allowed
model (:func:`~.fleet_model.place_options`) and the fleet becomes a
transportation problem with convex costs at the servers. Network
(:func:`integer_network`): a supply of 1 at every device; an arc of
capacity 1 from each device to each of the ``S + 1`` places; from the
device place an arc of capacity ``U`` and cost 0 to the sink; from server
``s`` one arc of capacity ``min(m_s, U)`` and cost 0 (the free cores), then
unit arcs with the congestion's increasing marginals ``gamma_s (2 j - 1 -
m_s)``, ``j = m_s + 1, ...`` (Ahuja, Magnanti & Orlin, *Network Flows*, Sec.
14.2: a convex arc cost as parallel arcs). Every arc list is built with numpy
(no loop per device).

Two reductions keep the network small and its integer costs fine:

* each device's costs are taken relative to its cheapest place,
  ``r[u, p] = c[u, p] - min_q c[u, q]`` (a constant per device: every device
  is assigned once), so that the scale is set by the differences that matter;
* server ``s`` gets only the unit arcs whose marginal is at most
  ``D_s = max_u (r[u, 0] - r[u, s + 1])``: at an optimum the last task at
  ``s`` costs no more at the margin than that device would save by staying
  home (moving it home is a feasible move), so no optimum needs the others.
  At most ``S U`` unit arcs in all.

Integer costs, then exact in floats
-----------------------------------
The compiled solver (OR-Tools' ``SimpleMinCostFlow``, a cost-scaling
push-relabel algorithm) takes int64 costs: they are ``round(r / R * M)``
with ``R`` the largest relative cost and ``M`` = :data:`INTEGER_RANGE`
(2^50), capped so that ``M (nodes + 1)`` stays within int64 (OR-Tools
multiplies costs by the node count when it scales them) and halved on a
``BAD_COST_RANGE``. The integer optimum is then within ``U R / M`` of the
float optimum, which is not yet "exact". So the assignment is repaired in
floats: the negative cycles of its contracted residual graph
(:func:`~.fleet_certificate.residual_graph`, ``S + 2`` nodes) are found by
Bellman-Ford and cancelled, one device move per arc, until none is negative
beyond rounding. At that point the certificate's Lagrangian bound equals the
cost, so the answer is optimal for the float costs themselves, which the
contract re-checks. (Measured: no repair was needed on 1,700 paper-range and
wide instances, nor on the benchmark's; the tests start it from random
assignments, where it alone reaches the enumerated optimum.)

``backend="networkx"`` solves the same integer network with networkx's
network simplex (pure Python: at ``U = 10,000``, ``S = 4`` on the 2-core
benchmark machine, 1.4 s on the benchmark's instance and 18 s on its busy
variant, against 16 and 28 ms with OR-Tools: networkx cannot reach the
issue's 1 s line), for the tests' cross-check and where OR-Tools is not
installed.

Complexity: the network has ``U + S + 2`` nodes and at most ``U (S + 1) + S
(U + 1) + 1`` arcs; cost-scaling runs in ``O(n^2 m log(n C))`` in the worst
case and near-linearly here; each repair is ``O(U (S + 1) + (S + 2)^3)``.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from edgeopt.core.errors import InfeasibleError, InvalidParameterError, SolverError
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer
from edgeopt.problems.offload.fleet_certificate import bellman_ford, is_negative, residual_graph
from edgeopt.problems.offload.fleet_model import (
    FleetParams,
    fleet_solution,
    infeasible_solution,
    marginal_down,
    place_options,
)
from edgeopt.solvers.graph import min_cost_flow

try:  # optional compiled backend (pip install ortools); networkx is the fallback
    from ortools.graph.python import min_cost_flow as ortools_flow
except ImportError:  # pragma: no cover - exercised only without ortools
    ortools_flow = None

#: Largest integer arc cost (before the int64 cap of :func:`integer_network`).
INTEGER_RANGE = 2**50
BACKENDS = ("ortools", "networkx")


class IntegerNetwork(NamedTuple):
    """The flow network of :func:`integer_network`, as arc arrays.

    Attributes
    ----------
    tails, heads, capacities, costs : numpy.ndarray of int64
        One entry per arc; the first ``U (S + 1)`` are the device arcs, device
        ``u`` to place ``p`` at index ``u (S + 1) + p``.
    supplies : numpy.ndarray of int64
        Per node: 1 at the devices, ``-U`` at the sink.
    scale : float
        A cost ``c`` (relative to its device's cheapest place) is the integer ``round(c * scale)``.

    """

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    supplies: np.ndarray
    scale: float


def integer_network(params: FleetParams, best: np.ndarray, integer_range: int = INTEGER_RANGE) -> IntegerNetwork:
    """The min-cost-flow network of the fleet (module docstring) with integer costs.

    Nodes: devices ``0..U-1``, places ``U..U+S`` (``U`` is the device place),
    the sink ``U + S + 1``.

    Parameters
    ----------
    params : FleetParams
        A feasible instance.
    best : numpy.ndarray (U, S + 1)
        Best allowed cost of each device at each place (finite).
    integer_range : int
        Largest integer cost before the int64 cap.

    """
    n, places = best.shape
    sink = n + places
    relative = best - best.min(axis=1, keepdims=True)
    largest = float(relative.max())
    cap = 2**61 // (sink + 2)
    top = float(min(integer_range, cap))
    # top / largest overflows when every relative cost is subnormal (1e-300): cap it, so that costs * scale stays
    # finite (0 * inf would be NaN); the float repair after the integer flow restores exactness at any scale.
    scale = min(top / largest, 1e300) if largest > 0 else 0.0

    gamma = params.congestion
    cores = params.edge_cores.astype(float)
    saving = (relative[:, :1] - relative[:, 1:]).max(axis=0)  # D_s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        last = np.floor((saving / gamma + cores + 1.0) / 2.0)
    last = np.where(gamma > 0, np.nan_to_num(last, nan=0.0, posinf=n, neginf=0.0), n)
    last = np.where(saving >= 0, np.minimum(last, n), 0.0).astype(np.int64)
    free = np.where(gamma > 0, np.minimum(params.edge_cores, n), n)
    units = np.maximum(last - free, 0)  # unit arcs j = free + 1 .. last

    server_nodes = n + 1 + np.arange(params.n_servers)
    unit_server = np.repeat(np.arange(params.n_servers), units)
    offsets = np.arange(unit_server.size) - np.repeat(np.cumsum(units) - units, units)
    j = (free[unit_server] + 1 + offsets).astype(float)
    marginal = marginal_down(gamma[unit_server], cores[unit_server], j)  # every unit arc has j > m

    tails = np.concatenate([np.repeat(np.arange(n), places), [n], server_nodes, server_nodes[unit_server]])
    heads = np.concatenate([n + np.tile(np.arange(places), n), [sink], np.full(params.n_servers, sink),
                            np.full(unit_server.size, sink)])  # fmt: skip
    capacities = np.concatenate([np.ones(n * places), [n], free, np.ones(unit_server.size)])
    costs = np.concatenate([relative.ravel(), [0.0], np.zeros(params.n_servers), np.minimum(marginal, largest)])
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    return IntegerNetwork(
        tails=tails.astype(np.int64),
        heads=heads.astype(np.int64),
        capacities=capacities.astype(np.int64),
        costs=np.rint(costs * scale).astype(np.int64),
        supplies=supplies,
        scale=scale,
    )


def _solve_ortools(net: IntegerNetwork, n: int, places: int) -> np.ndarray:
    """Device arc flows by OR-Tools, as each device's place (0..S)."""
    assert ortools_flow is not None
    solver = ortools_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.capacities, net.costs)
    solver.set_nodes_supplies(np.arange(net.supplies.size), net.supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverError(f"OR-Tools SimpleMinCostFlow returned {status!r}")
    flows = np.asarray(solver.flows(np.arange(n * places)), dtype=np.int64).reshape(n, places)
    return np.argmax(flows, axis=1)


def _solve_networkx(net: IntegerNetwork, n: int, places: int) -> np.ndarray:
    """Device arc flows by networkx's network simplex (:func:`edgeopt.solvers.graph.min_cost_flow`)."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((v, {"demand": -int(s)}) for v, s in enumerate(net.supplies.tolist()))
    graph.add_edges_from(
        (t, h, {"capacity": c, "weight": w})
        for t, h, c, w in zip(
            net.tails.tolist(), net.heads.tolist(), net.capacities.tolist(), net.costs.tolist(), strict=True
        )
    )
    try:
        result = min_cost_flow(graph)
    except InfeasibleError as err:  # cannot happen: every device can stay home
        raise SolverError(f"networkx found no flow: {err}") from err
    flow: Any = result.flow  # MultiDiGraph: flow[tail][head][key]
    flows = np.array([[flow[u][n + p][0] for p in range(places)] for u in range(n)], dtype=np.int64)
    return np.argmax(flows, axis=1)


def integer_assignment(params: FleetParams, best: np.ndarray, backend: str) -> tuple[np.ndarray, float]:
    """The optimal assignment of the integer network (each device's place) and the cost scale used."""
    n, places = best.shape
    top = INTEGER_RANGE
    for _ in range(8):
        net = integer_network(params, best, top)
        if backend == "networkx":
            return _solve_networkx(net, n, places), net.scale
        try:
            return _solve_ortools(net, n, places), net.scale
        except SolverError as err:
            if "BAD_COST_RANGE" not in str(err):
                raise
            top //= 1024
    raise SolverError("OR-Tools rejected the cost range even at 2^-30 of the default integer range")


def repair(params: FleetParams, best: np.ndarray, place: np.ndarray, max_repairs: int) -> tuple[np.ndarray, int, bool]:
    """Cancel the negative cycles of the assignment's residual graph, in floats (module docstring).

    Returns
    -------
    place : numpy.ndarray of int (U,)
        The repaired assignment (a copy).
    repairs : int
        Cycles cancelled.
    optimal : bool
        No cycle negative beyond rounding remains (False if ``max_repairs`` ran out).

    """
    place = place.copy()
    n_places = best.shape[1]
    for repairs in range(max_repairs + 1):
        graph = residual_graph(params, best, place)
        _, cycle, converged = bellman_ford(graph.weights)
        if cycle is None or not is_negative(graph.weights, cycle):
            return place, repairs, converged or cycle is not None
        if repairs == max_repairs:
            break
        for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            if a < n_places and b < n_places:
                place[graph.movers[a, b]] = b
    return place, max_repairs, False


def solve_flow(params: FleetParams, *, backend: str | None = None, max_repairs: int | None = None) -> Solution:
    """Method ``"flow"``: the exact optimum of the fleet by convex-cost min-cost flow (module docstring).

    Parameters
    ----------
    params : FleetParams
        The instance.
    backend : {"ortools", "networkx"}, optional
        The integer min-cost-flow solver: OR-Tools by default, networkx when
        OR-Tools is not installed (with a warning) or when asked for.
    max_repairs : int, optional
        Negative cycles the float repair may cancel; default ``10 U + 100``.

    Returns
    -------
    Solution
        ``OPTIMAL`` with ``x["server"]`` (-1 on the device) and
        ``x["model"]``; ``extras["backend"]``, ``extras["repairs"]`` (cycles
        cancelled), ``extras["integer_scale"]``. ``FEASIBLE`` if the repair
        ran out of ``max_repairs``. ``INFEASIBLE`` when a device has no
        allowed model, naming it.

    """
    start = time.perf_counter()
    if backend is None:
        backend = "ortools" if ortools_flow is not None else "networkx"
        if ortools_flow is None:
            warnings.warn("OR-Tools is not installed (pip install ortools): the flow uses networkx", stacklevel=2)
    if backend not in BACKENDS:
        raise InvalidParameterError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "ortools" and ortools_flow is None:
        raise InvalidParameterError("backend 'ortools' needs OR-Tools: pip install ortools")
    limit = 10 * params.n_devices + 100 if max_repairs is None else integer("max_repairs", max_repairs, minimum=0)
    impossible = infeasible_solution(params)
    if impossible is not None:
        return impossible
    _, best, model_at = place_options(params)
    try:
        place, scale = integer_assignment(params, best, backend)
    except SolverError as err:
        return failed(str(err), backend=backend)
    place, repairs, optimal = repair(params, best, place, limit)
    devices = np.arange(params.n_devices)
    extras: dict[str, Any] = {"backend": backend, "repairs": repairs, "integer_scale": scale}
    if not optimal:
        extras["note"] = f"the float repair stopped after {repairs} cycles with a negative cycle left"
    solution = fleet_solution(
        params, place - 1, model_at[devices, place], Status.OPTIMAL if optimal else Status.FEASIBLE, **extras
    )
    solution.solve_time_s = time.perf_counter() - start
    return solution
