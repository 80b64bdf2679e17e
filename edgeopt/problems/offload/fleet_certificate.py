r"""The certificate of a fleet assignment, behind ``FleetProblem.check``: negative cycles and a Lagrangian bound.

The check trusts no method: it reads the assignment, prices it exactly
(:func:`~.fleet_model.assignment_cost`) and builds its own optimality proof.

Residual graph of an assignment (:func:`residual_graph`)
--------------------------------------------------------
The fleet is a convex-cost flow: one unit per device from the device to a
place (its own processor, place 0, or server ``s``, place ``s + 1``) and on
to a sink ``T``, through unit arcs whose costs are the congestion term's
increasing marginals. Contracting every device node leaves ``S + 2`` nodes,
the places and ``T``, with the residual arcs

* ``p -> q``: move one device from ``p`` to ``q``, at
  ``w_pq = min over devices u at p of (c[u, q] - c[u, p])``, with ``c`` each
  device's best allowed cost at each place (the model choice does not
  interact with the congestion); ``movers[p, q]`` is that device;
* ``p -> T``: one more task at ``p``, at the marginal ``g_p(n_p + 1) - g_p(n_p)``;
* ``T -> p`` (if ``n_p >= 1``): one task less, at ``-(g_p(n_p) - g_p(n_p - 1))``.

A simple cycle of this graph is a set of moves that keeps every device
assigned once (each arc out of a place moves a different device), and its
length is their exact change of cost; conversely every cycle of the full
residual network maps to a closed walk here. So an assignment is optimal
exactly when this small graph has no negative cycle (the min-cost-flow
optimality condition, Ahuja, Magnanti & Orlin, *Network Flows*, Thm 9.1,
with the parallel unit arcs of a convex cost, Sec. 14.2).

Bellman-Ford (:func:`bellman_ford`) on the ``S + 2`` nodes either finds a
negative cycle or returns shortest-path distances ``d`` (from a virtual
source joined to every node at length 0).

Dual bound (:func:`lagrangian_gap`)
-----------------------------------
Relax ``n_p = sum_u x[u, p]`` with multipliers ``lambda_p`` (``n_p`` kept in
``[0, U]``). For any ``lambda`` the Lagrange dual function

.. math:: L(\lambda) = \sum_u \min_p\,(c[u, p] + \lambda_p)
          + \sum_p \min_{n \in \{0..U\}}\,(g_p(n) - \lambda_p n)

is a lower bound on every assignment's cost (weak duality); ``g_0 = 0``.
With ``lambda_p = d_T - d_p`` from the distances, each device's place
minimises ``c[u, p] + lambda_p`` and each ``n_p`` minimises ``g_p(n) -
lambda_p n`` (the reduced costs of the residual arcs are non-negative), so
``L(lambda)`` equals the cost at an optimum: the gap is 0. The gap is
computed as the sum of its non-negative parts (each device's excess over
its best priced place, each place's excess over its best count) with
:func:`math.fsum`, not as a difference of two large totals.

``duality_gap`` is ``(cost - L) / cost`` (0 when the cost is 0, which no
assignment can beat: every cost is non-negative). It is a valid bound
whatever method produced the point; ``details["negative_cycle"]`` is the
relative length of the negative cycle found (0 if none).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.offload.fleet_model import (
    FleetParams,
    assignment_arrays,
    assignment_cost,
    congestion_cost,
    device_terms,
    marginal_down,
    marginal_up,
    place_cores,
    place_options,
)

_EPS = np.finfo(float).eps
#: A relaxation must improve a distance by more than this many ulps of the terms it adds.
RELAX_ULPS = 4.0
#: A cycle counts as negative when its length is below minus this many ulps of the sum of its arcs' magnitudes.
CYCLE_ULPS = 16.0


class ResidualGraph(NamedTuple):
    """The contracted residual graph of an assignment (module docstring).

    Attributes
    ----------
    weights : numpy.ndarray (S + 2, S + 2)
        Arc lengths, ``inf`` where there is no arc; node ``S + 1`` is ``T``.
    movers : numpy.ndarray of int (S + 1, S + 1)
        The device each place-to-place arc moves (-1 where there is none).
    tasks : numpy.ndarray of int (S + 1,)
        Devices at each place (place 0: on the device).

    """

    weights: np.ndarray
    movers: np.ndarray
    tasks: np.ndarray


def residual_graph(params: FleetParams, best: np.ndarray, place: np.ndarray) -> ResidualGraph:
    """The contracted residual graph of the assignment ``place`` (0 on the device, ``s + 1`` at server ``s``).

    Vectorised: the devices are sorted by place once and each arc's minimum
    is a ``reduceat`` over its group, ``O(U (S + 1))``.

    Parameters
    ----------
    params : FleetParams
        The instance.
    best : numpy.ndarray (U, S + 1)
        Each device's best allowed cost at each place (finite:
        :func:`~.fleet_model.place_options` of a feasible instance).
    place : numpy.ndarray of int (U,)
        The assignment.

    """
    n_devices, n_places = best.shape
    sink = n_places
    order = np.argsort(place, kind="stable")
    sorted_place = place[order]
    starts = np.flatnonzero(np.r_[True, sorted_place[1:] != sorted_place[:-1]])
    groups = sorted_place[starts]
    relative = best[order] - best[order, sorted_place][:, None]
    lows = np.minimum.reduceat(relative, starts, axis=0)
    group_of_row = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n_devices]))
    rows = np.where(relative == lows[group_of_row], np.arange(n_devices)[:, None], n_devices)
    first = np.minimum.reduceat(rows, starts, axis=0)

    weights = np.full((n_places + 1, n_places + 1), np.inf)
    movers = np.full((n_places, n_places), -1, dtype=np.int64)
    weights[groups[:, None], np.arange(n_places)[None, :]] = lows
    movers[groups[:, None], np.arange(n_places)[None, :]] = order[first]
    diagonal = np.arange(n_places)
    weights[diagonal, diagonal] = np.inf
    movers[diagonal, diagonal] = -1

    gamma, cores = place_cores(params)
    tasks = np.bincount(place, minlength=n_places)
    weights[:n_places, sink] = marginal_up(gamma, cores, tasks)
    weights[sink, :n_places] = np.where(tasks >= 1, -marginal_down(gamma, cores, tasks), np.inf)
    return ResidualGraph(weights, movers, tasks)


def bellman_ford(weights: np.ndarray) -> tuple[np.ndarray, list[int] | None, bool]:
    """Shortest distances from a virtual source (0 to every node), or a negative cycle.

    Synchronous rounds, vectorised over the ``K x K`` arcs; a distance moves
    only when it improves by more than :data:`RELAX_ULPS` ulps of the terms
    it adds (rounding cannot then loop). Without a negative cycle it settles
    within ``K`` rounds; after that a cycle is looked for in the predecessor
    graph (whose cycles are negative).

    Returns
    -------
    distances : numpy.ndarray (K,)
        Valid as potentials only when ``converged``.
    cycle : list of int or None
        A cycle ``[v0, v1, ...]`` (arcs ``v_i -> v_{i+1}``, closing back to
        ``v0``), or None.
    converged : bool
        No distance improved in the last round.

    """
    k = weights.shape[0]
    distances = np.zeros(k)
    pred = np.full(k, -1, dtype=np.int64)
    columns = np.arange(k)
    for rounds in range(3 * k + 3):
        candidates = distances[:, None] + weights
        via = np.argmin(candidates, axis=0)
        value = candidates[via, columns]
        slack = RELAX_ULPS * _EPS * (np.abs(distances[via]) + np.abs(weights[via, columns]))
        improve = value < distances - slack
        if not improve.any():
            return distances, None, True
        distances = np.where(improve, value, distances)
        pred = np.where(improve, via, pred)
        if rounds >= k - 1:
            cycle = _predecessor_cycle(pred)
            if cycle is not None:
                return distances, cycle, False
    return distances, None, False


def _predecessor_cycle(pred: np.ndarray) -> list[int] | None:
    """A cycle of the predecessor graph (``pred[v]`` is the tail of the arc into ``v``), in arc order, or None."""
    k = pred.size
    for start in range(k):
        seen: dict[int, int] = {}
        v = start
        while v >= 0 and v not in seen and len(seen) <= k:
            seen[v] = len(seen)
            v = int(pred[v])
        if v >= 0 and v in seen:
            backwards = [v]
            w = int(pred[v])
            while w != v:
                backwards.append(w)
                w = int(pred[w])
            return backwards[::-1]
    return None


def cycle_length(weights: np.ndarray, cycle: list[int]) -> tuple[float, float]:
    """The cycle's length (``fsum`` of its arcs) and the sum of its arcs' magnitudes."""
    arcs = [float(weights[a, b]) for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
    return math.fsum(arcs), math.fsum(abs(w) for w in arcs)


def is_negative(weights: np.ndarray, cycle: list[int]) -> bool:
    """True when the cycle is negative beyond rounding (:data:`CYCLE_ULPS` ulps of its arcs' magnitudes)."""
    length, magnitude = cycle_length(weights, cycle)
    return bool(length < -CYCLE_ULPS * _EPS * magnitude)


def _best_counts(params: FleetParams, multipliers: np.ndarray) -> np.ndarray:
    """Counts ``n in 0..U`` that minimise ``g_p(n) - lambda_p n`` per place, and their neighbours: ``(S + 1, 6)``.

    ``g_p`` is convex with marginals ``0`` (the first ``m_p`` tasks) and
    ``gamma_p (2 j - 1 - m_p)`` after, so the minimiser counts the marginals
    below ``lambda_p``; the neighbours guard the float rounding of that count.
    """
    gamma, cores = place_cores(params)
    total = float(params.n_devices)
    free = np.minimum(cores, total)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        extra = np.ceil((multipliers / gamma + cores + 1.0) / 2.0) - 1.0 - cores
    extra = np.where(gamma > 0, np.nan_to_num(extra, nan=0.0, posinf=total, neginf=0.0), total)
    star = np.where(multipliers > 0, np.minimum(total, free + np.maximum(extra, 0.0)), 0.0)
    candidates = np.stack([np.zeros_like(star), free, star - 1.0, star, star + 1.0, np.full_like(star, total)], -1)
    return np.clip(candidates, 0.0, total)


def lagrangian_gap(
    params: FleetParams, best: np.ndarray, place: np.ndarray, own: np.ndarray, multipliers: np.ndarray
) -> float:
    """``cost - L(lambda)`` for the assignment ``place`` (module docstring), as an ``fsum`` of non-negative parts.

    Parameters
    ----------
    params : FleetParams
        The instance.
    best : numpy.ndarray (U, S + 1)
        Best allowed cost of each device at each place.
    place : numpy.ndarray of int (U,)
        The assignment (0 on the device).
    own : numpy.ndarray (U,)
        Each device's cost with the model the assignment gives it (at least
        ``best[u, place[u]]``).
    multipliers : numpy.ndarray (S + 1,)
        ``lambda``; any real vector gives a valid bound.

    """
    priced = best + multipliers[None, :]
    device_part = own + multipliers[place] - priced.min(axis=1)
    gamma, cores = place_cores(params)
    tasks = np.bincount(place, minlength=best.shape[1]).astype(float)
    counts = _best_counts(params, multipliers)
    least = (congestion_cost(gamma[:, None], cores[:, None], counts) - multipliers[:, None] * counts).min(axis=1)
    place_part = congestion_cost(gamma, cores, tasks) - multipliers * tasks - least
    return math.fsum(device_part.tolist()) + math.fsum(place_part.tolist())


def fleet_report(params: FleetParams, solution: Solution) -> KKTReport:
    """Validity, the objective against the exact cost, negative cycles and the Lagrangian duality gap.

    Returns
    -------
    KKTReport
        ``primal_feasibility``: ``inf`` if a device uses a model below its
        accuracy floor, else the relative difference between the objective
        and the exact cost (``details["objective_recomputed"]``);
        ``dual_feasibility``: the relative length of a negative cycle of the
        residual graph (0 if none: every reduced cost is non-negative);
        ``duality_gap``: ``(cost - L) / cost`` with ``L`` the Lagrangian bound
        at the multipliers of the residual graph's distances
        (``details["lower_bound"]``). A solution without a point reports
        ``inf`` everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    server, model = assignment_arrays(params, solution.x["server"], solution.x["model"])
    cost = assignment_cost(params, server, model)
    if not math.isfinite(cost):
        return KKTReport(details={"accuracy_floor": math.inf})
    objective = float(solution.objective)
    scale = max(abs(cost), math.ulp(0.0))
    mismatch = abs(objective - cost) / scale if math.isfinite(objective) else math.inf
    _, best, _ = place_options(params)
    place = server + 1
    graph = residual_graph(params, best, place)
    distances, cycle, _ = bellman_ford(graph.weights)
    negative = 0.0
    if cycle is not None:
        length, _ = cycle_length(graph.weights, cycle)
        negative = max(0.0, -length) / scale
    multipliers = distances[-1] - distances[:-1]
    gap = lagrangian_gap(params, best, place, device_terms(params, server, model), multipliers)
    relative_gap = 0.0 if cost == 0.0 else gap / cost
    return KKTReport(
        primal_feasibility=mismatch,
        dual_feasibility=negative,
        stationarity=0.0,
        complementary_slackness=0.0,
        duality_gap=relative_gap,
        details={
            "objective_recomputed": mismatch,
            "negative_cycle": negative,
            "lower_bound": cost - gap,
            "tasks_max": float(np.max(graph.tasks[1:])),
        },
    )
