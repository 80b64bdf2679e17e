"""The CVXPY reference for OMA (``method="cvxpy"``): the convex problem in the transmission times.

Written from the model (:mod:`edgeopt.problems.noma.model`) alone,
independently of the closed form of :mod:`edgeopt.problems.noma.analytic`:
no Lambert W, no cube root, no scipy assignment.

**The convex problem.** Under ``access="oma"`` no two users share a
subchannel anywhere, so the SINR of user ``i`` on its subchannel is ``q
gamma_i`` with ``gamma_i = g_i / sigma^2`` (``g`` the ``own_up`` or
``own_dn`` gain). For a fixed split and assignment, with the transmission
time ``t_i`` and the transmit energy ``e_i = q_i t_i`` of a link carrying
``D_i`` bits, the rate (6) / (9) meets ``D_i / t_i`` exactly when

.. math:: t_i \\ln\\left(1 + \\gamma_i \\frac{e_i}{t_i}\\right) \\ge a_i := \\frac{D_i \\ln 2}{b},

the perspective of ``log``, concave in ``(t, e)``: an exponential cone. The
link's utility (7) + (14) is ``w_T t_i + w_E e_i``, linear, and the power box
(18.c) is ``q_min t_i <= e_i <= q_max t_i``, linear. The edge speed ``v_i =
lambda(r_i) c_min`` enters as ``k_i (w_T inv_pos(v_i) + w_E xi_e v_i^2)``
(``k_i = phi_e f_e(s_i)``) in its box; the device part is a constant. The
constraint holds with equality at the optimum (the objective grows with
``e``), so the power is recovered from the time alone,
``q_i = (sigma^2 / g_i)(2^{D_i / (b t_i)} - 1)``, and clipped to its box.

**Scaling**, so that Clarabel's relative accuracy holds for every part of the utility:

* each link in its own units: ``t = tau theta`` with ``tau = a / L``, ``L =
  ln(1 + gamma q_max)``, the time at full power (so ``theta >= 1``), and
  ``e = q_max tau epsilon``. The rate constraint becomes ``theta ln(1 + G
  epsilon / theta) >= L`` (``G = gamma q_max``), that is ``theta e^{L / theta} <=
  theta + G epsilon``. Divided by ``e^L = 1 + G`` and then (the cone is
  homogeneous) by ``L`` it is the cone

  ``ExpCone(1 - theta, theta / L, (theta + G epsilon) / (L (1 + G)))``

  (``y e^{x / y} <= z``), whose entries are all of order one near the optimum:
  ``theta / L = t b / (D ln 2)`` is the inverse spectral efficiency, and the
  third entry is of the order of ``epsilon / L``, not of ``G``. Measured on 100
  instances of the tests' generator (200 vectorised per-bit problems): this
  form always reached Clarabel's "optimal", at 1e-12 in 191 and at 1e-10 in the
  rest; without the division by ``L`` one failed, and the ``-rel_entr(theta,
  theta + G epsilon) >= L`` form (entries of size ``G``, up to 1e10) failed on
  19 of the first 40 uplink problems;
* the speed ``v = v_ref nu`` with ``v_ref`` the speed where the edge part's
  time and energy terms balance, ``w_T / v = w_E xi_e v^2``, clipped to the
  box: both terms' coefficients are then at most the block's reference
  value. (This is a unit, not the answer: the optimum, where the derivative
  vanishes, is ``2^{-1/3}`` of the balance point or a box end, and the solver
  finds it.) With ``v_ref`` the box's geometric mean instead, on a
  ``wide_params`` draw with a box of three decades the coefficients were 7
  decades apart and Clarabel stalled at every tolerance, its speed 1.2e-4
  above the box's lower end where the optimum is;
* every block weighed alike: the problem separates into independent blocks
  (one per link, one per user's edge speed) with no constraint coupling
  them, so minimising the sum of the blocks' utilities each divided by a
  positive constant has the utility's minimiser. Each link's is divided by
  its value at full power, ``tau (w_T + w_E q_max)``, each speed's by its
  value at ``v_ref``; the problem's value is then the number of blocks or so,
  and ``variables["utility"]``, the utility (19) with the device constants,
  gives the utility of the solver's point. (Dividing the utility by one
  total instead left Clarabel's relative tolerance to the largest part: on a
  ``wide_params`` OMA draw whose downlink is 1e-7 of the compute part,
  Clarabel's "optimal" downlink cost was 30 times its optimum, the total
  6.5e-6 off.)

* a second pass in the first pass's units (:data:`REFINEMENT_PASSES`):
  each link's ``q_ref`` becomes the power the first solve found and
  ``v_ref`` its speed, so that the optimum sits near ``theta = epsilon = nu =
  1``. With full-power units alone, a link whose optimum is at ``q_min =
  1e-4 q_max`` meets the bound ``epsilon >= rho theta`` at a grazing angle
  (``rho = q_min / q_ref``); the second pass is measured to take the worst
  gap to the closed form on ``wide_params`` OMA draws from 2.7e-4 (which
  Clarabel had called optimal) to 1.4e-4 labelled optimal_inaccurate, and on
  the rest to at most 1.4e-8. The solver's status and utility are those of
  the last usable pass.

Clarabel's tolerances go down :data:`TOLERANCE_LADDER` (1e-12, 1e-10, 1e-8)
until it answers optimal. Measured (the tests' generators, 100 draws each):
at the closed form's split and assignment Clarabel is within 1.8e-11 of it on
``oma_params``, 2.3e-11 on the synthetic generator and 1.4e-8 on the 98 of 100
``wide_params`` OMA draws it solves; the other 2 are optimal_inaccurate
(``FEASIBLE``).

**The assignment** (when not given): the cost per bit of every (user,
subchannel) pair, from vectorised CVXPY problems (the same cones with ``D =
1`` bit, each pair in its own units; one problem per direction and decade of
SNR, :func:`link_costs_per_bit`), then the min-cost
assignment of users to distinct subchannels as a min-cost flow on networkx
(:func:`edgeopt.solvers.graph.min_cost_flow`, costs scaled to integers).

**The split** (when not given): the per-bit costs of the chosen assignments,
the per-cycle compute cost from a one-variable CVXPY problem and the device
constants give the utility of every split (the per-bit link cost does not
depend on ``s``: ``w_s`` is common to all users); the best is solved once
more as the full :func:`to_cvxpy` problem, whose point is returned. Solving
the full problem at every split instead gives the same choice at ``F + 1``
times the cost.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import networkx as nx
import numpy as np

from edgeopt.core.errors import InfeasibleError, InvalidParameterError, SolverError
from edgeopt.core.problem import failed, infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer
from edgeopt.problems.noma.model import (
    LN2,
    NomaParams,
    capacity_shortfall,
    compensation,
    decision,
    device_part,
    evaluate,
    link_gains,
    split_bits,
    split_flops,
    units_for_speed,
)
from edgeopt.solvers.graph import min_cost_flow

# Clarabel's tolerances, tightest first: where it stalls at one (AlmostSolved, InsufficientProgress) the next
# is tried, each stated explicitly (CVXPY's Clarabel interface keeps settings between solves of one problem).
TOLERANCE_LADDER: dict[str, list[dict[str, Any]]] = {
    "CLARABEL": [
        {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol, "max_iter": 400} for tol in (1e-12, 1e-10, 1e-8)
    ]
}
# Integer resolution of the min-cost flow's costs: networkx's network simplex is exact on integers only.
FLOW_RESOLUTION = 1e12
OPTIMAL_STATUSES = ("optimal",)
USABLE_STATUSES = ("optimal", "optimal_inaccurate")
# Solves of the final problem: the first in the default units, the next in the units of the previous point.
REFINEMENT_PASSES = 2


def _check_oma(params: NomaParams) -> None:
    if not isinstance(params, NomaParams):
        raise InvalidParameterError(f"params must be a NomaParams, got {type(params).__name__}")
    if params.access != "oma":
        raise InvalidParameterError(
            f"access must be 'oma' for the convex OMA reference (no interference), got {params.access!r}"
        )


def _placeholder(params: NomaParams, **fields: Any) -> dict[str, np.ndarray]:
    """A valid decision's fields with ``fields`` replaced (to validate options through :func:`decision`)."""
    base: dict[str, Any] = {
        "split": 0,
        "sub_up": np.arange(params.n_users),
        "sub_dn": np.arange(params.n_users),
        "p": params.device_power_min,
        "P": params.ap_power_min,
        "r": params.r_min,
    }
    base.update(fields)
    return decision(params, **base).as_dict()


def _split_vector(params: NomaParams, split: Any) -> np.ndarray:
    if np.ndim(split) == 0:
        return np.full(params.n_users, integer("split", split, minimum=0, maximum=params.n_units), dtype=np.int64)
    return _placeholder(params, split=split)["split"]


class _LinkBlock:
    """The cones of one direction's active links, each in its own units (module docstring, Scaling).

    ``q_ref`` (one per link, in the box) sets the units: ``t = tau theta`` with ``tau`` the time at
    ``q_ref`` and ``e = q_ref tau epsilon``; by default ``q_max``.
    """

    def __init__(
        self,
        cp: Any,
        bits: np.ndarray,
        gamma: np.ndarray,
        q_min: float,
        q_max: float,
        b: float,
        q_ref: np.ndarray | None = None,
    ) -> None:
        self.gamma = gamma
        self.a = bits * LN2 / b
        self.q_ref = np.full(gamma.shape, q_max) if q_ref is None else np.clip(q_ref, q_min, q_max)
        self.big_g = gamma * self.q_ref
        self.L = np.log1p(self.big_g)
        self.tau = self.a / self.L
        n = bits.shape[0]
        self.theta = cp.Variable(n, pos=True)
        self.epsilon = cp.Variable(n, nonneg=True)
        self.constraints = [
            cp.constraints.ExpCone(
                1.0 - self.theta,
                cp.multiply(1.0 / self.L, self.theta),
                cp.multiply(1.0 / (self.L * (1.0 + self.big_g)), self.theta)
                + cp.multiply(self.big_g / (self.L * (1.0 + self.big_g)), self.epsilon),
            ),
            self.epsilon <= cp.multiply(q_max / self.q_ref, self.theta),
            self.epsilon >= cp.multiply(q_min / self.q_ref, self.theta),
        ]

    def normalised(self, cp: Any, w_t: float, w_e: float) -> Any:
        """``sum (w_T theta + w_E q_ref epsilon) / (w_T + w_E q_ref)``: each link's utility over its value at q_ref."""
        scale = w_t + w_e * self.q_ref
        return cp.sum(cp.multiply(w_t / scale, self.theta) + cp.multiply(w_e * self.q_ref / scale, self.epsilon))

    def utility(self, cp: Any, w_t: float, w_e: float) -> Any:
        """``sum w_T t + w_E e`` in SI units (an affine expression)."""
        return cp.sum(cp.multiply(self.tau * w_t, self.theta) + cp.multiply(self.tau * w_e * self.q_ref, self.epsilon))

    def time(self) -> np.ndarray:
        """The solver's transmission times (s)."""
        return np.asarray(self.tau * np.asarray(self.theta.value, dtype=float).reshape(-1))

    def power(self, q_min: float, q_max: float) -> np.ndarray:
        """``q = expm1(a / t) / gamma`` from the solver's times, clipped to the box."""
        theta = np.maximum(np.asarray(self.theta.value, dtype=float).reshape(-1), 1e-300)
        with np.errstate(over="ignore"):
            q = np.expm1(self.L / theta) / self.gamma
        return np.clip(q, q_min, q_max)


def _speed_box(params: NomaParams) -> tuple[float, float, float]:
    """``(v_low, v_high, v_ref)``: the speed box and the unit of the scaled speed (module docstring, Scaling)."""
    low = float(compensation(params, params.r_min)) * params.edge_unit_speed
    high = float(compensation(params, params.r_max)) * params.edge_unit_speed
    if params.w_E == 0.0:
        return low, high, high
    if params.w_T == 0.0:
        return low, high, low
    balance = math.exp((math.log(params.w_T) - math.log(params.w_E) - math.log(params.edge_kappa)) / 3.0)
    return low, high, min(max(balance, low), high)


def to_cvxpy(
    params: NomaParams,
    split: Any,
    sub_up: Any,
    sub_dn: Any,
    *,
    power_ref_up: np.ndarray | None = None,
    power_ref_dn: np.ndarray | None = None,
    speed_ref: float | None = None,
) -> tuple[Any, dict[str, Any]]:
    """The OMA problem for a fixed split and assignment as a CVXPY problem (exponential cones).

    Parameters
    ----------
    params : NomaParams
        An instance with ``access="oma"``.
    split : int or array of int (U,)
        The split (common or per user).
    sub_up, sub_dn : array of int (U,)
        Distinct subchannels per direction.
    power_ref_up, power_ref_dn : array (U,), optional
        The powers that set each link's units (module docstring, Scaling); default the boxes' tops.
    speed_ref : float, optional
        The unit of the edge speed; default the balance point clipped to the box.

    Returns
    -------
    problem : cvxpy.Problem
        Minimises the sum of the independent blocks' utilities, each divided by its value at the reference
        point (module docstring, Scaling): the same minimiser as the utility (19).
    variables : dict
        ``utility``: the utility (19) as a CVXPY expression in SI units, device constants included (its
        ``value`` after a solve is the utility of the solver's point); ``t_up``, ``t_dn``, ``e_up``,
        ``e_dn`` and ``v`` (U,): CVXPY expressions in SI units (0 for a user that sends nothing);
        ``theta_up``, ``theta_dn``, ``nu``: the scaled variables; ``blocks``: the two directions' link
        blocks (``power(q_min, q_max)`` recovers the powers), None where nobody sends; ``active_up``,
        ``active_dn``: the users that send.

    """
    import cvxpy as cp  # slow to import (about a second): only the reference needs it

    _check_oma(params)
    fields = _placeholder(params, split=_split_vector(params, split), sub_up=sub_up, sub_dn=sub_dn)
    s, up_sub, dn_sub = fields["split"], fields["sub_up"], fields["sub_dn"]
    n = params.n_users
    gains = link_gains(params)
    users = np.arange(n)
    bits_up, bits_dn = split_bits(params, s)
    b = params.subchannel_bandwidth
    w_t, w_e = params.w_T, params.w_E
    objective: Any = 0.0
    utility: Any = 0.0
    constraints: list[Any] = []
    blocks: dict[str, _LinkBlock | None] = {}
    expressions: dict[str, Any] = {}
    for name, bits, gain, sub, box in (
        ("up", bits_up, gains.own_up, up_sub, (params.device_power_min, params.device_power_max)),
        ("dn", bits_dn, gains.own_dn, dn_sub, (params.ap_power_min, params.ap_power_max)),
    ):
        active = np.flatnonzero(bits > 0)
        expressions[f"active_{name}"] = active
        if active.size == 0:
            blocks[name] = None
            expressions[f"t_{name}"] = cp.Constant(np.zeros(n))
            expressions[f"e_{name}"] = cp.Constant(np.zeros(n))
            continue
        gamma = gain[users, sub][active] / params.noise_power
        ref = power_ref_up if name == "up" else power_ref_dn
        block = _LinkBlock(cp, bits[active], gamma, box[0], box[1], b, None if ref is None else np.asarray(ref)[active])
        blocks[name] = block
        constraints += block.constraints
        objective = objective + block.normalised(cp, w_t, w_e)
        utility = utility + block.utility(cp, w_t, w_e)
        spread = np.zeros((n, active.size))
        spread[active, np.arange(active.size)] = 1.0
        expressions[f"theta_{name}"] = block.theta
        expressions[f"t_{name}"] = spread @ cp.multiply(block.tau, block.theta)
        expressions[f"e_{name}"] = spread @ cp.multiply(block.tau * block.q_ref, block.epsilon)
    v_low, v_high, v_ref = _speed_box(params)
    if speed_ref is not None:
        v_ref = min(max(float(speed_ref), v_low), v_high)
    nu = cp.Variable(n, pos=True)
    _, edge_flops = split_flops(params, s)
    k = params.edge_cycles_per_flop * edge_flops
    constraints += [nu >= v_low / v_ref, nu <= v_high / v_ref]
    per_cycle = w_t / v_ref * cp.inv_pos(nu) + w_e * params.edge_kappa * v_ref**2 * cp.square(nu)
    per_cycle_ref = w_t / v_ref + w_e * params.edge_kappa * v_ref**2
    objective = objective + cp.sum(cp.multiply((k > 0).astype(float) / per_cycle_ref, per_cycle))
    t_dev, e_dev = device_part(params, s)
    utility = utility + cp.sum(cp.multiply(k, per_cycle)) + float(np.sum(w_t * t_dev + w_e * e_dev))
    problem = cp.Problem(cp.Minimize(objective), constraints)
    variables: dict[str, Any] = {
        **expressions,
        "utility": utility,
        "nu": nu,
        "v": v_ref * nu,
        "blocks": blocks,
    }
    return problem, variables


def solve_problem(cp: Any, problem: Any, solver: str, solver_options: dict[str, Any] | None) -> str:
    """Solve ``problem`` with ``solver_options``, else down :data:`TOLERANCE_LADDER` until optimal; the status."""
    attempts = [solver_options] if solver_options is not None else TOLERANCE_LADDER.get(solver, [{}])
    status = "solver_error"
    for options in attempts:
        try:
            with warnings.catch_warnings():  # "Solution may be inaccurate": the status says so, and is kept
                warnings.simplefilter("ignore", UserWarning)
                problem.solve(solver=solver, **options)
        except cp.SolverError:
            continue
        status = str(problem.status)
        if status in OPTIMAL_STATUSES:
            break
    return status


def link_costs_per_bit(
    params: NomaParams,
    gain: np.ndarray,
    q_min: float,
    q_max: float,
    *,
    solver: str = "CLARABEL",
    solver_options: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Cost per bit and power of every (user, subchannel) pair of one direction, by CVXPY.

    Each pair carries one bit in the cones of :func:`to_cvxpy`, in its own units; the objective is the sum
    of the pairs' utilities each divided by its full-power value, so every pair weighs about one. The pairs
    are solved in one vectorised problem per decade of their full-power SNR ``G = gamma q_max``: one
    problem over all pairs stalled (Clarabel's InsufficientProgress) on 10 of 60 OMA instances of
    ``wide_params``, where SNRs span ten decades and one badly conditioned pair holds up every step;
    by decade, 554 of 563 problems were optimal, and 6 of the other 9 were decades below ``G = 1e-5``.
    The returned cost is the model's ``(w_T + w_E q) / (b log2(1 + q gamma))`` at the solver's (clipped)
    power ``q``, the exact cost of a feasible point; in a decade the solver fails on, ``q = q_max``
    (feasible too), and the status says so.

    Returns
    -------
    cost, power : numpy.ndarray (U, M)
    status : str
        The worst of CVXPY's statuses over the decades (``optimal`` only if all are).

    """
    import cvxpy as cp  # slow to import: only the reference needs it

    gamma = np.asarray(gain, dtype=float).reshape(-1) / params.noise_power
    q = np.full(gamma.shape, q_max)
    decade = np.floor(np.log10(gamma * q_max))
    statuses = []
    for group in np.unique(decade):  # at most ~60 decades (the model's ranges), never per pair
        members = np.flatnonzero(decade == group)
        block = _LinkBlock(cp, np.ones(members.size), gamma[members], q_min, q_max, params.subchannel_bandwidth)
        problem = cp.Problem(cp.Minimize(block.normalised(cp, params.w_T, params.w_E)), block.constraints)
        status = solve_problem(cp, problem, solver, solver_options)
        statuses.append(status)
        if status in USABLE_STATUSES and block.theta.value is not None:
            q[members] = block.power(q_min, q_max)
    cost = LN2 * (params.w_T + params.w_E * q) / (params.subchannel_bandwidth * np.log1p(q * gamma))
    worst = next((s for s in statuses if s not in OPTIMAL_STATUSES), "optimal")
    return cost.reshape(gain.shape), q.reshape(gain.shape), worst


def compute_cost_per_cycle(
    params: NomaParams, *, solver: str = "CLARABEL", solver_options: dict[str, Any] | None = None
) -> tuple[float, float, str]:
    """``min_v w_T / v + w_E xi_e v^2`` over the speed box by CVXPY: (cost per cycle, speed, status)."""
    import cvxpy as cp  # slow to import: only the reference needs it

    v_low, v_high, v_ref = _speed_box(params)
    nu = cp.Variable(pos=True)
    per_ref = params.w_T / v_ref + params.w_E * params.edge_kappa * v_ref**2
    objective = (
        params.w_T / v_ref * cp.inv_pos(nu) + params.w_E * params.edge_kappa * v_ref**2 * cp.square(nu)
    ) / per_ref
    problem = cp.Problem(cp.Minimize(objective), [nu >= v_low / v_ref, nu <= v_high / v_ref])
    status = solve_problem(cp, problem, solver, solver_options)
    if status not in USABLE_STATUSES or nu.value is None:
        return math.inf, v_high, status
    v = float(np.clip(v_ref * float(nu.value), v_low, v_high))
    return params.w_T / v + params.w_E * params.edge_kappa * v**2, v, status


def assignment_by_flow(cost: np.ndarray) -> np.ndarray:
    """Min-cost assignment of the rows of ``cost`` (U, M), ``U <= M``, to distinct columns, by min-cost flow.

    Users supply one unit each, every subchannel passes at most one unit to the sink; the edge costs are
    ``cost`` rescaled to integers at :data:`FLOW_RESOLUTION` of the largest (the network simplex is exact
    on integers).
    """
    n_rows, n_cols = cost.shape
    top = float(np.max(cost)) if cost.size else 0.0
    weights = np.rint(cost / top * FLOW_RESOLUTION).astype(np.int64) if top > 0 else np.zeros(cost.shape, np.int64)
    graph = nx.DiGraph()
    graph.add_node("sink", demand=n_rows)
    for i in range(n_rows):  # building the graph: not a solve path of the analytic method
        graph.add_node(("user", i), demand=-1)
        for m in range(n_cols):
            graph.add_edge(("user", i), ("sub", m), capacity=1, weight=int(weights[i, m]))
    for m in range(n_cols):
        graph.add_edge(("sub", m), "sink", capacity=1, weight=0)
    flow = min_cost_flow(graph).flow
    sub = np.empty(n_rows, dtype=np.int64)
    for i in range(n_rows):
        sub[i] = next(m for m in range(n_cols) if flow[("user", i)][("sub", m)] > 0.5)
    return sub


def _recover(params: NomaParams, variables: dict[str, Any]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The powers (from the solver's times) and the speeds of a solved :func:`to_cvxpy` problem, in their boxes."""
    n = params.n_users
    powers: dict[str, np.ndarray] = {}
    for name, low, high in (
        ("up", params.device_power_min, params.device_power_max),
        ("dn", params.ap_power_min, params.ap_power_max),
    ):
        q = np.full(n, low)
        block = variables["blocks"][name]
        if block is not None:
            q[variables[f"active_{name}"]] = block.power(low, high)
        powers[name] = q
    v_low, v_high, _ = _speed_box(params)
    v = np.clip(np.asarray(variables["v"].value, dtype=float).reshape(-1), v_low, v_high)
    return powers, v


def _solve_fixed(
    params: NomaParams,
    split: np.ndarray,
    sub_up: np.ndarray,
    sub_dn: np.ndarray,
    solver: str,
    solver_options: dict[str, Any] | None,
) -> tuple[str, float, dict[str, np.ndarray], np.ndarray] | None:
    """:func:`to_cvxpy` solved twice, the second time in the units of the first's point (module docstring).

    Returns the status, the utility at the solver's own point, the powers and ``r`` of the pass kept (the
    second where usable), or None when neither pass gives a usable point.
    """
    import cvxpy as cp  # slow to import: only the reference needs it

    kept = None
    refs: dict[str, Any] = {}
    for _ in range(REFINEMENT_PASSES):
        problem, variables = to_cvxpy(params, split, sub_up, sub_dn, **refs)
        status = solve_problem(cp, problem, solver, solver_options)
        if status not in USABLE_STATUSES or variables["nu"].value is None:
            break
        powers, v = _recover(params, variables)
        r = np.clip(units_for_speed(params, v), params.r_min, params.r_max)
        kept = (status, float(variables["utility"].value), powers, r)
        _, edge_flops = split_flops(params, split)
        computing = edge_flops > 0
        speed = float(np.exp(np.mean(np.log(v[computing])))) if np.any(computing) else None
        refs = {"power_ref_up": powers["up"], "power_ref_dn": powers["dn"], "speed_ref": speed}
    return kept


def solve_cvxpy(
    params: NomaParams,
    *,
    split: Any = None,
    sub_up: Any = None,
    sub_dn: Any = None,
    solver: str = "CLARABEL",
    solver_options: dict[str, Any] | None = None,
) -> Solution:
    """The OMA optimum by CVXPY: per-bit costs, a min-cost flow per direction, the best split, one final solve.

    Parameters
    ----------
    params : NomaParams
        An instance with ``access="oma"``.
    split : int or array of int (U,), optional
        Hold the split there; default: the best of ``0..F`` from the per-split totals (module docstring).
    sub_up, sub_dn : array of int (U,), optional
        Hold an assignment there; default: the min-cost assignment of the CVXPY per-bit costs.
    solver : str
        CVXPY solver name.
    solver_options : dict, optional
        Passed to ``problem.solve``; default: :data:`TOLERANCE_LADDER`.

    Returns
    -------
    Solution
        ``OPTIMAL`` when every solve says optimal, ``FEASIBLE`` when one says optimal_inaccurate, else
        ``FAILED``; ``objective`` is :func:`~edgeopt.problems.noma.model.evaluate` of the recovered point,
        ``extras["solver_objective"]`` the utility (19) at the final solve's own point (before the powers are
        recovered from the times),
        ``extras["solver_status"]`` its status, ``extras["split_utilities"]`` the per-split totals where the
        split was chosen here.

    """
    import cvxpy as cp  # slow to import: only the reference needs it

    start = time.perf_counter()
    _check_oma(params)
    reason = capacity_shortfall(params)
    if reason is not None:
        return infeasible(reason)
    fixed_split = None if split is None else _split_vector(params, split)
    fixed_up = None if sub_up is None else _placeholder(params, sub_up=sub_up)["sub_up"]
    fixed_dn = None if sub_dn is None else _placeholder(params, sub_dn=sub_dn)["sub_dn"]
    gains = link_gains(params)
    n = params.n_users
    users = np.arange(n)
    statuses: list[str] = []
    extras: dict[str, Any] = {}
    try:
        bits_up, bits_dn = split_bits(params, fixed_split if fixed_split is not None else np.zeros(n, np.int64))
        chosen: dict[str, np.ndarray] = {}
        link_sum: dict[str, float] = {}
        for name, gain, box, fixed, bits in (
            ("up", gains.own_up, (params.device_power_min, params.device_power_max), fixed_up, bits_up),
            ("dn", gains.own_dn, (params.ap_power_min, params.ap_power_max), fixed_dn, bits_dn),
        ):
            need_costs = fixed is None or fixed_split is None
            if need_costs:
                cost, _, status = link_costs_per_bit(
                    params, gain, box[0], box[1], solver=solver, solver_options=solver_options
                )
                statuses.append(status)
            if fixed is None:
                weights = bits if fixed_split is not None and not np.all(bits == bits[0]) else np.ones(n)
                chosen[name] = assignment_by_flow(weights[:, None] * cost)
            else:
                chosen[name] = fixed
            if fixed_split is None:
                link_sum[name] = float(np.sum(cost[users, chosen[name]]))
        if fixed_split is None:
            per_cycle, _, status = compute_cost_per_cycle(params, solver=solver, solver_options=solver_options)
            statuses.append(status)
            if status not in USABLE_STATUSES:
                return failed(f"{solver} returned {status!r} on the compute cost", solver_status=status)
            splits = np.arange(params.n_units + 1)
            up_bits, dn_bits = split_bits(params, splits)
            t_dev, e_dev = device_part(params, splits[:, None])
            _, edge_flops = split_flops(params, splits)
            totals = (
                np.sum(params.w_T * t_dev + params.w_E * e_dev, axis=1)
                + up_bits * link_sum["up"]
                + dn_bits * link_sum["dn"]
                + n * params.edge_cycles_per_flop * edge_flops * per_cycle
            )
            fixed_split = np.full(n, int(np.argmin(totals)), dtype=np.int64)
            extras["split_utilities"] = totals
        final = _solve_fixed(params, fixed_split, chosen["up"], chosen["dn"], solver, solver_options)
    except (cp.SolverError, SolverError, InfeasibleError) as err:
        return failed(f"{solver} failed: {err}", solver_status="solver_error")
    if final is None:
        return failed(f"{solver} found no usable point on the final problem", solver_status="solver_error", **extras)
    status, utility, powers, r = final
    statuses.append(status)
    extras["solver_status"] = status
    dec = decision(
        params, split=fixed_split, sub_up=chosen["up"], sub_dn=chosen["dn"], p=powers["up"], P=powers["dn"], r=r
    )
    extras["solver_objective"] = utility
    extras["solver_statuses"] = statuses
    label = Status.OPTIMAL if all(s in OPTIMAL_STATUSES for s in statuses) else Status.FEASIBLE
    return Solution(
        status=label,
        objective=evaluate(params, dec),
        x=dec.as_dict(),
        iterations=0,
        solve_time_s=time.perf_counter() - start,
        method="cvxpy",
        problem="noma",
        extras=extras,
    )
