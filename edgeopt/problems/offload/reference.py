"""Method ``"cvxpy"`` of the offload problem: the one-hot MILP with HiGHS, on costs restated from the paper.

Written from paper 001's equations independently of :func:`~.model.option_lines`:
the six options' totals over ``Q`` requests are spelled out again here,
option by option (:func:`paper_costs`), and the choice is a MILP with one
boolean per operating point and option,

.. math:: \\min \\sum_i \\sum_o c_{io} z_{io} / u_i \\quad \\text{s.t.}\\quad \\sum_o z_{io} = 1,\\
          \\sum_o T_{io} z_{io} \\le T_{max},\\ \\sum_o E_{io} z_{io} \\le B,\\
          z_{io} = 0 \\text{ for a model below the accuracy floor,}

``u_i`` each row's smallest cost (rows are independent, so scaling a row
does not move its choice; HiGHS's tolerances are absolute and the costs of
wide instances span many decades). Rows where no option meets the deadline,
the battery and the floor are left out and reported infeasible. The chosen
options are re-priced by the model (:func:`~.model.summarise`); the MILP's
own objective, in the model's units, is in ``extras["solver_objective"]``.
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status
from edgeopt.problems.offload.model import NO_OPTION, OffloadParams, summarise

# HiGHS stops at a 1e-4 relative MIP gap and accepts reduced costs of -1e-7 by default; with each row scaled to
# order one, options within 1e-7 of the best would be taken as optimal. A zero gap and 1e-10 tolerances resolve
# them (costs that differ in the ninth digit do occur: the three edge options when pruning is nearly free).
HIGHS_OPTIONS = {
    "mip_rel_gap": 0.0,
    "mip_abs_gap": 0.0,
    "dual_feasibility_tolerance": 1e-10,
    "primal_feasibility_tolerance": 1e-10,
    "mip_feasibility_tolerance": 1e-10,
}


def paper_costs(params: OffloadParams) -> dict[str, np.ndarray]:
    """Total time, device energy and data of the six options, flattened batch x 6, straight from eqs. (1)-(6).

    Options in the order edge/full, edge/pre-pruned, edge/on-demand,
    device/full, device/pre-pruned, device/on-demand.
    """
    shape = params.shape
    q = np.broadcast_to(params.requests, shape).reshape(-1)
    n = np.broadcast_to(params.edge_load, shape).reshape(-1)
    d_ul = np.broadcast_to(params.uplink_rate, shape).reshape(-1)
    d_dl = np.broadcast_to(params.downlink_rate, shape).reshape(-1)
    share = params.edge_cores / (params.edge_cores + n)  # our task's share of the server (processor sharing)
    t_input = params.input_bits / d_ul  # eq. (1)
    t_res = params.result_bits / d_dl
    t_req = params.request_bits / d_ul  # eq. (4)
    t_model_full = params.model_bits[0] / d_dl
    t_model_pruned = params.model_bits[1] / d_dl
    t_pr = params.pruning_time / share
    inf_e_full = params.edge_inference_time[0] / share
    inf_e_pruned = params.edge_inference_time[1] / share
    inf_d_full, inf_d_pruned = params.device_inference_time
    p_rx_total = params.rx_power + params.circuit_power

    # Edge path: the cycle of eq. (2) Q times; device energy of eq. (3) Q times.
    edge_full = t_input + inf_e_full + t_res
    edge_pre = t_input + inf_e_pruned + t_res
    if params.pruning == "per_request":
        edge_demand_total = q * (edge_pre + t_pr)
    else:
        edge_demand_total = q * edge_pre + t_pr
    e_edge = params.tx_power * t_input + p_rx_total * t_res
    # Device path: request, (pruning), download once (eqs. (4), (5)); inference Q times; energy of eq. (6).
    time_cols = [
        q * edge_full,
        q * edge_pre,
        edge_demand_total,
        t_req + t_model_full + q * inf_d_full,
        t_req + t_model_pruned + q * inf_d_pruned,
        t_req + t_pr + t_model_pruned + q * inf_d_pruned,
    ]
    e_full = params.tx_power * t_req + p_rx_total * t_model_full + q * params.device_power * inf_d_full
    e_pruned = params.tx_power * t_req + p_rx_total * t_model_pruned + q * params.device_power * inf_d_pruned
    energy_cols = [q * e_edge, q * e_edge, q * e_edge, e_full, e_pruned, e_pruned]
    per_request_data = q * (params.input_bits + params.result_bits)
    data_cols = [
        per_request_data,
        per_request_data,
        per_request_data,
        np.full_like(q, params.request_bits + params.model_bits[0]),
        np.full_like(q, params.request_bits + params.model_bits[1]),
        np.full_like(q, params.request_bits + params.model_bits[1]),
    ]
    return {
        "time": np.stack(time_cols, axis=-1),
        "energy": np.stack(energy_cols, axis=-1),
        "data": np.stack(data_cols, axis=-1),
    }


def solve_cvxpy(params: OffloadParams, *, solver: str = "HIGHS") -> Solution:
    """The one-hot MILP over the batch's operating points (module docstring).

    Parameters
    ----------
    params : OffloadParams
        The batch.
    solver : str
        A CVXPY mixed-integer solver, HiGHS by default (:data:`HIGHS_OPTIONS`:
        a zero MIP gap, 1e-10 tolerances; the rows are scaled to order one).

    Returns
    -------
    Solution
        The chosen options re-priced by :func:`~.model.summarise`;
        ``extras["solver_objective"]`` the MILP's objective converted back to
        the model's mean, ``extras["solver_status"]`` CVXPY's status.

    """
    if not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name (str), got {type(solver).__name__}")
    start = time.perf_counter()
    costs = paper_costs(params)
    objective = costs[params.objective]
    allowed = np.broadcast_to(params.accuracy[[0, 1, 1, 0, 1, 1]] >= params.accuracy_floor, objective.shape).copy()
    if params.deadline is not None:
        allowed &= costs["time"] <= params.deadline
    if params.battery is not None:
        allowed &= costs["energy"] <= params.battery
    rows = np.flatnonzero(allowed.any(axis=1))
    option = np.full(objective.shape[0], NO_OPTION, dtype=np.int64)
    if rows.size == 0:
        return summarise(params, option.reshape(params.shape))
    c = objective[rows]
    unit = np.min(np.where(allowed[rows], c, np.inf), axis=1)
    unit = np.where(unit > 0, unit, 1.0)
    scaled = np.where(allowed[rows], c / unit[:, None], 0.0)
    z = cp.Variable(c.shape, boolean=True)
    constraints = [cp.sum(z, axis=1) == 1, cp.multiply((~allowed[rows]).astype(float), z) == 0]
    problem = cp.Problem(cp.Minimize(cp.sum(cp.multiply(scaled, z))), constraints)
    try:
        options = HIGHS_OPTIONS if solver.upper() == "HIGHS" else {}
        problem.solve(solver=solver, **options)
    except cp.SolverError as exc:
        return failed(f"{solver}: {exc}", solver_status="solver_error")
    status = from_cvxpy_status(problem.status)
    if not status.has_point or z.value is None:
        return failed(f"{solver} returned {problem.status}", solver_status=problem.status)
    option[rows] = np.argmax(z.value, axis=1)
    solution = summarise(params, option.reshape(params.shape))
    if solution.status is Status.OPTIMAL:
        solution.status = status
    picked = np.asarray(np.round(z.value), dtype=float)
    solver_mean = float(np.sum(picked * np.where(allowed[rows], c, 0.0)) / rows.size)
    solution.solve_time_s = time.perf_counter() - start
    solution.extras.update(solver_status=problem.status, solver_objective=solver_mean)
    return solution
