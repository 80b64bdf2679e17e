r"""Method ``"cvxpy"`` of the fleet: the MILP with HiGHS, and its LP relaxation; written from the model alone.

It shares no code with the flow of :mod:`.fleet_flow`: no network, no
best-model reduction at the servers (both allowed models of a device keep
their variables at every server it may use); its two reductions (below)
are derived here from the model's cost. Variables:

* ``x[u, p, k]`` binary, one per device ``u``, place ``p`` (0 the device,
  ``s + 1`` server ``s``) and *allowed* model ``k`` (``accuracy[k] >=
  accuracy_floor[u]``; the disallowed triples have no variable, which is
  the accuracy constraint ``x[u, p, k] = 0``);
* ``n_s`` integer, with ``n_s = sum_{u, k} x[u, s + 1, k]`` (the column sum);
* ``t_s`` continuous, the congestion term's epigraph over its integer
  breakpoints: ``t_s >= 0`` and, for ``j = m_s, ..., N_s - 1`` (``N_s <= U``
  the task cap of the reductions below),
  ``t_s >= g_s(j) + (g_s(j + 1) - g_s(j)) (n_s - j)``, the chords of
  ``g_s(n) = gamma_s n max(0, n - m_s)`` between ``j`` and ``j + 1`` (exact at
  every integer ``n_s``, since ``g_s`` is convex in the integer ``n_s``; the
  pieces below ``m_s`` are the zero line).

Minimise ``sum c[u, p, k] x[u, p, k] + sum_s t_s`` subject to ``sum_{p, k}
x[u, p, k] = 1`` for every device, with ``c[u, 0, k] = device_cost[u, k]``
and ``c[u, s + 1, k] = transfer_cost[u, s] + edge_time[s, k]``.

Reductions (derived from the model's cost, not from the flow; ``h_u`` is
device ``u``'s cheapest allowed cost on its own processor, ``min over
allowed k' of device_cost[u, k']``):

* dominated triples (:func:`_triples`): of a device's home triples only
  one attaining ``h_u`` has a variable (at home there is no congestion, so a
  dearer home model is never better), and a server triple ``(u, s + 1, k)``
  with ``c[u, s + 1, k] >= h_u`` has none. Moving device ``u`` from server
  ``s`` to its own processor with its cheapest allowed model does not raise
  its own cost, and lowers ``n_s`` by one, which does not raise the
  congestion term (``g_s`` is non-decreasing: ``gamma_s >= 0``); so every
  assignment using a dropped triple is matched or beaten by one that does
  not, and the reduced program has the same optimum. Every device keeps a
  home triple, so the reduced program is feasible whenever the fleet is;
  every kept server triple costs more than 0, so a device whose cheapest
  kept cost is 0 has a single variable, its home triple;
* a bound (:func:`upper_bound`): ``B``, the cheaper exact cost of two
  feasible assignments (every device at home; every device at its cheapest
  kept triple). Every cost is non-negative, so a triple dearer than ``B``
  is in no optimum and has no variable (each device keeps its cheapest), and
  no optimum has ``g_s(n_s) > B``; both tests use ``B (1 + 1e-12)``
  (:data:`BOUND_MARGIN`) against ``B``'s rounding;
* a task cap: with ``D_s`` the largest saving ``h_u - c[u, s + 1, k]`` of a
  kept triple at server ``s``, ``n_s <= m_s + #{j >= m_s : g_s(j + 1) -
  g_s(j) < D_s and g_s(j + 1) <= B}`` and only those chords are kept. At ``n_s`` above the cap
  the last task's marginal ``g_s(n_s) - g_s(n_s - 1)`` is at least ``D_s``,
  so moving any device of ``s`` home does not raise the cost: again an
  optimum lies within the cap. Besides shrinking the program, this keeps
  the chords' slopes below the costs' own magnitudes (a congestion of 1e9
  next to costs of 1e-7 made HiGHS return ``UNKNOWN``).

Units: HiGHS's tolerances are absolute (its ``mip_abs_gap`` too), so costs
and chords are divided by a robust positive magnitude of the optimum's
terms, the median over the devices of their cheapest kept cost among the
positive ones (1 if every device's cheapest kept cost is 0: then
``h_u = 0``, no server triple is kept and each device has a single
variable). A mean would be dragged to the largest of costs spread
over many decades, or be 0 and fall back to 1, which put 1e-9 cost
differences at HiGHS's tolerances; the median keeps the typical device's
term of order 1. The unit is raised to at least the largest kept cost over
:data:`COST_RANGE` (1e12): HiGHS rejects matrix entries of 1e15 or more
(the chords' constants reach ``U`` times the largest cost), and returns no
point at all. Costs below ``1e-10`` units are then invisible to HiGHS;
when that matters, the certificate (below) catches it. Settings (:data:`HIGHS_OPTIONS`, overriding HiGHS's defaults,
stated here once): ``mip_rel_gap = 1e-12`` and ``mip_abs_gap = 1e-12`` (the
defaults, 1e-4 and 1e-6, would let a 1e-6 relative suboptimum stand against
the issue's 1e-9 bar), primal, dual and integrality feasibility tolerances
``1e-10`` (defaults 1e-7, 1e-7, 1e-6; at 1e-9, one of 347 wide fleets over 24
decades came back 1.4e-8 above the optimum, at 1e-10 the worst is 7e-10). The LP relaxation (``x`` in ``[0, 1]``,
``n`` continuous) is solved too, unless ``relaxation=False``: the
constraint matrix of a convex-cost transportation problem is totally
unimodular after the epigraph, so its optimum equals the MILP's, and
``extras["relaxation_gap"]`` measures that.

Repair: each device takes the (place, model) of its largest ``x`` (a HiGHS
point is integral within the integrality tolerance); the returned objective
is the exact cost of that assignment (:func:`~.fleet_model.assignment_cost`),
the backend's own objective (in SI units) is ``extras["solver_objective"]``.
Costs spread over many decades can still differ by less than HiGHS's
absolute tolerances in the scaled units, so the repaired point is checked by
the fleet certificate (:func:`~.fleet_certificate.fleet_report`, which reads
the point alone): it is labelled ``OPTIMAL`` only if HiGHS says so *and* the
certificate's duality gap and negative cycle (relative) are at most
:data:`OPTIMALITY_TOL`; otherwise ``FEASIBLE``, with ``extras["certificate_gap"]``,
``extras["negative_cycle"]`` and ``extras["downgraded"]``. (The result
contract alone would accept the point through ``solver_objective``.)
A backend error (``cp.SolverError``, or the ``ValueError`` CVXPY raises when
it cannot unpack an ``UNKNOWN`` HiGHS result) is a ``FAILED`` solution naming it.
"""

from __future__ import annotations

import math
import time
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status
from edgeopt.core.validate import boolean
from edgeopt.problems.offload.fleet_certificate import fleet_report
from edgeopt.problems.offload.fleet_model import FleetParams, assignment_cost, fleet_solution, infeasible_solution

#: HiGHS options of the MILP and the LP (module docstring: each overrides a HiGHS default).
HIGHS_OPTIONS: dict[str, float] = {
    "mip_rel_gap": 1e-12,
    "mip_abs_gap": 1e-12,
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
    "mip_feasibility_tolerance": 1e-10,
}

#: The certificate's bar for an ``OPTIMAL`` label: the issue's 1e-9, ``FleetProblem.CERTIFICATE_TOL``.
OPTIMALITY_TOL = 1e-9
#: Triples and congestion levels above ``upper_bound * BOUND_MARGIN`` are dropped (the margin covers its rounding).
BOUND_MARGIN = 1.0 + 1e-12
#: The largest kept cost is at most this many units: HiGHS rejects matrix entries of 1e15 and more (module docstring).
COST_RANGE = 1e12


def _triples(params: FleetParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Device, place and model of every allowed, undominated triple, and its cost (SI units; module docstring)."""
    n, s = params.n_devices, params.n_servers
    grid = np.meshgrid(np.arange(n), np.arange(s + 1), np.arange(2), indexing="ij")
    u_all, p_all, k_all = (axis.ravel() for axis in grid)
    keep = params.accuracy[k_all] >= params.accuracy_floor[u_all]
    u, p, k = u_all[keep], p_all[keep], k_all[keep]
    server = np.maximum(p - 1, 0)
    cost = np.where(p == 0, params.device_cost[u, k], params.transfer_cost[u, server] + params.edge_time[server, k])
    # The reduction: a triple no cheaper than the device's cheapest allowed model at home is dominated,
    # except one home triple at that cost (the first model attaining it).
    home = p == 0
    at_home = np.full(n, np.inf)
    np.minimum.at(at_home, u[home], cost[home])
    candidates = np.flatnonzero(home & (cost == at_home[u]))
    _, first = np.unique(u[candidates], return_index=True)
    kept = ~home & (cost < at_home[u])
    kept[candidates[first]] = True
    u, p, k, cost = u[kept], p[kept], k[kept], cost[kept]
    # The bound: a triple dearer than a feasible assignment's cost is in no optimum (every cost is >= 0).
    below = cost <= upper_bound(params, u, p, k, cost) * BOUND_MARGIN
    return u[below], p[below], k[below], cost[below]


def upper_bound(params: FleetParams, u: np.ndarray, p: np.ndarray, k: np.ndarray, cost: np.ndarray) -> float:
    """The cheaper of two feasible assignments' exact costs: all at home, each device at its cheapest triple."""
    home = p == 0
    # One home triple per device after the dominance reduction; the bound itself may have dropped some.
    all_home = math.fsum(cost[home].tolist()) if np.unique(u[home]).size == params.n_devices else math.inf
    order = np.lexsort((cost, u))
    first = order[np.r_[True, u[order][1:] != u[order][:-1]]]
    return min(all_home, assignment_cost(params, p[first] - 1, k[first]))


def cost_unit(u: np.ndarray, cost: np.ndarray, n_devices: int) -> float:
    """The median of the devices' positive cheapest kept costs (else 1), at least the largest over COST_RANGE."""
    cheapest = np.full(n_devices, np.inf)
    np.minimum.at(cheapest, u, cost)
    positive = cheapest[cheapest > 0.0]
    unit = float(np.median(positive)) if positive.size else 1.0
    return max(unit, float(np.max(cost, initial=0.0)) / COST_RANGE)


def _program(params: FleetParams, integral: bool) -> tuple[cp.Problem, cp.Variable, float, np.ndarray]:
    """The MILP (or its LP relaxation) of the module docstring; returns it, ``x``, the cost unit and the triples."""
    n, s = params.n_devices, params.n_servers
    u, p, k, cost = _triples(params)
    unit = cost_unit(u, cost, n)
    bound = upper_bound(params, u, p, k, cost) * BOUND_MARGIN
    m = u.size
    x = cp.Variable(m, boolean=True) if integral else cp.Variable(m)
    tasks = cp.Variable(s, integer=True) if integral else cp.Variable(s)
    epigraph = cp.Variable(s)
    assign = sp.csr_matrix((np.ones(m), (u, np.arange(m))), shape=(n, m))
    at_server = p >= 1
    column = sp.csr_matrix((np.ones(int(at_server.sum())), (p[at_server] - 1, np.flatnonzero(at_server))), shape=(s, m))
    constraints = [assign @ x == 1, tasks == column @ x, epigraph >= 0]
    if not integral:
        constraints += [x >= 0, x <= 1]
    # Per server: the devices that can reach it (at most that many tasks) and the largest saving of a move home.
    at_home = np.full(n, np.inf)
    np.minimum.at(at_home, u[~at_server], cost[~at_server])
    reach = np.zeros((n, s), dtype=bool)
    reach[u[at_server], p[at_server] - 1] = True
    reachable = reach.sum(axis=0)
    saving = np.zeros(s)
    np.maximum.at(saving, p[at_server] - 1, at_home[u[at_server]] - cost[at_server])
    for server in np.flatnonzero((params.congestion > 0.0) & (reachable > params.edge_cores)).tolist():
        gamma, cores = float(params.congestion[server]), int(params.edge_cores[server])
        j = np.arange(cores, int(reachable[server]), dtype=float)  # breakpoints m_s .. (most tasks) - 1
        value = gamma * j * (j - cores)
        slope = gamma * ((j + 1.0) * (j + 1.0 - cores) - j * (j - cores))  # g_s(j + 1) - g_s(j)
        # The task cap of the module docstring (a prefix of the chords): below the largest saving and the bound.
        useful = (slope < saving[server]) & (value + slope <= bound)
        constraints.append(tasks[server] <= cores + int(useful.sum()))
        if useful.any():
            value, slope, j = value[useful], slope[useful], j[useful]
            constraints.append(epigraph[server] >= (value - slope * j) / unit + (slope / unit) * tasks[server])
    objective = cp.Minimize((cost / unit) @ x + cp.sum(epigraph))
    return cp.Problem(objective, constraints), x, unit, np.stack([u, p, k])


def _solve(problem: cp.Problem, solver: str) -> str | None:
    """Solve with the stated options; the backend's error text, if it failed (module docstring, Repair)."""
    options: dict[str, Any] = dict(HIGHS_OPTIONS) if solver == "HIGHS" else {}
    try:
        problem.solve(solver=solver, **options)
    except (cp.SolverError, ValueError) as err:  # ValueError: CVXPY cannot unpack an UNKNOWN result
        return f"{type(err).__name__}: {err}"
    return None


def solve_milp(params: FleetParams, *, solver: str = "HIGHS", relaxation: bool = True) -> Solution:
    """Method ``"cvxpy"``: the fleet's MILP by a CVXPY mixed-integer solver, HiGHS by default (module docstring).

    Parameters
    ----------
    params : FleetParams
        The instance.
    solver : str
        A CVXPY mixed-integer solver; HiGHS with :data:`HIGHS_OPTIONS` by default.
    relaxation : bool
        Also solve the LP relaxation (with the same solver) and report it.

    Returns
    -------
    Solution
        The repaired assignment and its exact cost; ``extras["solver_objective"]``
        the MILP's objective in SI units, ``extras["solver_status"]`` CVXPY's
        status, ``extras["milp_time_s"]`` its build-and-solve time; with
        ``relaxation``, ``extras["lp_objective"]``, ``extras["lp_status"]``,
        ``extras["lp_time_s"]`` and ``extras["relaxation_gap"]`` (MILP minus
        LP, relative); ``extras["certificate_gap"]`` and
        ``extras["negative_cycle"]``, the fleet certificate's duality gap and
        negative-cycle length (relative) at the repaired point, which is
        ``OPTIMAL`` only if both are at most :data:`OPTIMALITY_TOL` (else
        ``FEASIBLE``, the reason in ``extras["downgraded"]``). ``INFEASIBLE``
        when a device has no allowed model; ``FAILED`` naming the backend's
        error (``SolverError``, ``ValueError``) or status when it gives no point.

    """
    if not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name (str), got {type(solver).__name__}")
    relaxation = boolean("relaxation", relaxation)
    start = time.perf_counter()
    impossible = infeasible_solution(params)
    if impossible is not None:
        return impossible
    problem, x, unit, (u, p, k) = _program(params, integral=True)
    error = _solve(problem, solver)
    milp_time = time.perf_counter() - start
    if error is not None:
        return failed(f"{solver}: {error}", solver_status="solver_error")
    status = from_cvxpy_status(problem.status)
    if not status.has_point or x.value is None:
        return failed(f"{solver} returned {problem.status}", solver_status=problem.status)
    # Each device's largest x: one (place, model) per device, vectorised over the triples.
    values = np.asarray(x.value, dtype=float)
    order = np.lexsort((-values, u))
    first = order[np.r_[True, u[order][1:] != u[order][:-1]]]
    solution = fleet_solution(params, p[first] - 1, k[first], status)
    extras: dict[str, Any] = {
        "solver_status": problem.status,
        "solver_objective": float(problem.value) * unit,
        "milp_time_s": milp_time,
        "highs_options": dict(HIGHS_OPTIONS) if solver == "HIGHS" else {},
    }
    if relaxation:
        lp_start = time.perf_counter()
        lp, _, _, _ = _program(params, integral=False)
        lp_error = _solve(lp, solver)
        lp_value = float(lp.value) * unit if lp_error is None and lp.value is not None else math.nan
        extras.update(
            lp_status=lp.status if lp_error is None else "solver_error",
            lp_objective=lp_value if math.isfinite(lp_value) else None,
            lp_time_s=time.perf_counter() - lp_start,
        )
        if math.isfinite(lp_value):
            scale = max(abs(extras["solver_objective"]), math.ulp(0.0))
            extras["relaxation_gap"] = (extras["solver_objective"] - lp_value) / scale
    solution.extras.update(extras)
    if solution.status is Status.OPTIMAL and problem.status != "optimal":
        solution.status = Status.FEASIBLE
    report = fleet_report(params, solution)
    solution.extras.update(certificate_gap=report.duality_gap, negative_cycle=report.dual_feasibility)
    if solution.status is Status.OPTIMAL and not max(report.duality_gap, report.dual_feasibility) <= OPTIMALITY_TOL:
        solution.status = Status.FEASIBLE
        solution.extras["downgraded"] = (
            f"HiGHS's point is not optimal by the fleet certificate: duality gap {report.duality_gap:.3g}, "
            f"negative cycle {report.dual_feasibility:.3g} (relative), bar {OPTIMALITY_TOL:g}"
        )
    solution.solve_time_s = time.perf_counter() - start
    return solution
