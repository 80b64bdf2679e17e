r"""Method ``"cvxpy"`` of the fleet: the MILP with HiGHS, and its LP relaxation; written from the model alone.

It shares nothing with the flow of :mod:`.fleet_flow`: no best-model
reduction, no network, no marginal truncation. Variables:

* ``x[u, p, k]`` binary, one per device ``u``, place ``p`` (0 the device,
  ``s + 1`` server ``s``) and *allowed* model ``k`` (``accuracy[k] >=
  accuracy_floor[u]``; the disallowed triples have no variable, which is
  the accuracy constraint ``x[u, p, k] = 0``);
* ``n_s`` integer, with ``n_s = sum_{u, k} x[u, s + 1, k]`` (the column sum);
* ``t_s`` continuous, the congestion term's epigraph over its integer
  breakpoints: ``t_s >= 0`` and, for ``j = m_s, ..., U - 1``,
  ``t_s >= g_s(j) + (g_s(j + 1) - g_s(j)) (n_s - j)``, the chords of
  ``g_s(n) = gamma_s n max(0, n - m_s)`` between ``j`` and ``j + 1`` (exact at
  every integer ``n_s``, since ``g_s`` is convex in the integer ``n_s``; the
  pieces below ``m_s`` are the zero line).

Minimise ``sum c[u, p, k] x[u, p, k] + sum_s t_s`` subject to ``sum_{p, k}
x[u, p, k] = 1`` for every device, with ``c[u, 0, k] = device_cost[u, k]``
and ``c[u, s + 1, k] = transfer_cost[u, s] + edge_time[s, k]``.

Units: HiGHS's tolerances are absolute, so costs are divided by the mean over
the devices of their cheapest option (1 if that is 0) and the objective is
of order ``U``. Settings (:data:`HIGHS_OPTIONS`, overriding HiGHS's defaults,
stated here once): ``mip_rel_gap = 1e-12`` and ``mip_abs_gap = 1e-12`` (the
defaults, 1e-4 and 1e-6, would let a 1e-6 relative suboptimum stand against
the issue's 1e-9 bar), primal, dual and integrality feasibility tolerances
``1e-9`` (defaults 1e-7, 1e-7, 1e-6). The LP relaxation (``x`` in ``[0, 1]``,
``n`` continuous) is solved too, unless ``relaxation=False``: the
constraint matrix of a convex-cost transportation problem is totally
unimodular after the epigraph, so its optimum equals the MILP's, and
``extras["relaxation_gap"]`` measures that.

Repair: each device takes the (place, model) of its largest ``x`` (a HiGHS
point is integral within the integrality tolerance); the returned objective
is the exact cost of that assignment (:func:`~.fleet_model.assignment_cost`),
the backend's own objective (in SI units) is ``extras["solver_objective"]``.
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
from edgeopt.problems.offload.fleet_model import FleetParams, fleet_solution, infeasible_solution

#: HiGHS options of the MILP and the LP (module docstring: each overrides a HiGHS default).
HIGHS_OPTIONS: dict[str, float] = {
    "mip_rel_gap": 1e-12,
    "mip_abs_gap": 1e-12,
    "primal_feasibility_tolerance": 1e-9,
    "dual_feasibility_tolerance": 1e-9,
    "mip_feasibility_tolerance": 1e-9,
}


def _triples(params: FleetParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Device, place and model of every allowed triple, and its cost (SI units)."""
    n, s = params.n_devices, params.n_servers
    grid = np.meshgrid(np.arange(n), np.arange(s + 1), np.arange(2), indexing="ij")
    u_all, p_all, k_all = (axis.ravel() for axis in grid)
    keep = params.accuracy[k_all] >= params.accuracy_floor[u_all]
    u, p, k = u_all[keep], p_all[keep], k_all[keep]
    server = np.maximum(p - 1, 0)
    cost = np.where(p == 0, params.device_cost[u, k], params.transfer_cost[u, server] + params.edge_time[server, k])
    return u, p, k, cost


def _program(params: FleetParams, integral: bool) -> tuple[cp.Problem, cp.Variable, float, np.ndarray]:
    """The MILP (or its LP relaxation) of the module docstring; returns it, ``x``, the cost unit and the triples."""
    n, s = params.n_devices, params.n_servers
    u, p, k, cost = _triples(params)
    cheapest = np.full(n, np.inf)
    np.minimum.at(cheapest, u, cost)
    unit = float(np.mean(cheapest))
    unit = unit if unit > 0 else 1.0
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
    for server in range(s):
        gamma, cores = float(params.congestion[server]), int(params.edge_cores[server])
        if gamma == 0.0 or cores >= n:
            continue
        j = np.arange(cores, n, dtype=float)  # breakpoints m_s .. U - 1
        value = gamma * j * (j - cores)
        slope = gamma * ((j + 1.0) * (j + 1.0 - cores) - j * (j - cores))
        constraints.append(epigraph[server] >= (value - slope * j) / unit + (slope / unit) * tasks[server])
    objective = cp.Minimize((cost / unit) @ x + cp.sum(epigraph))
    return cp.Problem(objective, constraints), x, unit, np.stack([u, p, k])


def _solve(problem: cp.Problem, solver: str) -> str | None:
    """Solve with the stated options; the CVXPY error text, if the backend failed."""
    options: dict[str, Any] = dict(HIGHS_OPTIONS) if solver == "HIGHS" else {}
    try:
        problem.solve(solver=solver, **options)
    except cp.SolverError as err:
        return str(err)
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
        LP, relative). ``INFEASIBLE`` when a device has no allowed model.

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
    solution.solve_time_s = time.perf_counter() - start
    if solution.status is Status.OPTIMAL and problem.status != "optimal":
        solution.status = Status.FEASIBLE
    return solution
