"""CVXPY references for cut selection: the one-hot MILP (method ``"cvxpy"``) and the power-control program.

Both are written from the model of :mod:`.model` alone, independently of the
envelope they check.

MILP (fixed power): a boolean ``z[i, l]`` per sample and candidate cut,
``sum_l z[i, l] = 1``, minimise ``sum_i sum_l E[i, l] z[i, l]`` with ``E`` the
energy matrix of the model (:func:`~.model.energy_matrix`). Energies are passed in
nanojoules (``energy_unit=1e-9``): in joules the entries are ~1e-4 and HiGHS's
absolute tolerances (1e-7) pick slightly wrong cuts.

Power control, for one cut ``l`` and every sample at once, in the
time-energy form: the RF energy ``E = P t`` must carry the payload,
``t W log2(1 + E g / (t N0 W)) >= b``, the perspective of a concave log and
hence the exponential-cone constraint ``-rel_entr(t, t + E g / (N0 W)) >= a``
with ``a = b ln 2 / W``; minimise ``E + P_c t`` subject to ``t <= T`` and
``E <= P_max t``. The samples are independent, so one program holds them all
and each sample's objective may carry its own positive weight. Scaling, in
the payload's natural units: time in units of ``a`` (the time at one
nat/s/Hz), ``t = a t_s``; RF energy in units of the Shannon limit
``E_min = N0 b ln 2 / g = (N0 W / g) a`` of the same payload and gain,
``E = E_min e_s``. The cone becomes ``-rel_entr(t_s, t_s + e_s) >= 1``, the
cap ``e_s <= (P_max g / (N0 W)) t_s``, the deadline ``t_s <= T / a``, and
each sample's objective divided by its ``E_min`` is
``e_s + (P_c g / (N0 W)) t_s``. (Scaling time by the deadline instead left
Clarabel 80 % off on the 320-bit label payload, whose optimal time is 1e-5 T.)
Samples whose full-power time exceeds the deadline are infeasible on their
own and stay out of the program.
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, energy_matrix, summarise

# Clarabel's default gap tolerances (1e-8) leave the time of a low-energy sample
# off by 1e-5 relative on this program; the tighter ones bring it to about 1e-8.
TIGHT: dict[str, dict[str, float]] = {"CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}}


def solve_milp(params: CutSelectionParams, *, solver: str = "HIGHS", energy_unit: float = 1e-9) -> Solution:
    """Method ``"cvxpy"``: solve the one-hot MILP with a CVXPY mixed-integer solver (fixed power only).

    Parameters
    ----------
    params : CutSelectionParams
        The instance; ``FAILED`` under power control (use :func:`power_control_cvxpy`).
    solver : str
        A CVXPY mixed-integer solver, HiGHS by default (its own default tolerances).
    energy_unit : float
        Joules per unit of the MILP's energies (see the module docstring).

    Returns
    -------
    Solution
        The chosen cuts evaluated in the model (:func:`~.model.energy_at`);
        ``extras`` holds CVXPY's status and the MILP's reported objective.

    """
    if params.power_control is not None:
        return failed("the MILP reference covers fixed power only; use power_control_cvxpy for power control")
    start = time.perf_counter()
    energies = energy_matrix(params) / energy_unit
    n, m = energies.shape
    z = cp.Variable((n, m), boolean=True)
    problem = cp.Problem(cp.Minimize(cp.sum(cp.multiply(energies, z))), [cp.sum(z, axis=1) == 1])
    try:
        problem.solve(solver=solver)
    except cp.SolverError as exc:
        return failed(f"{solver}: {exc}", solver_status="solver_error")
    status = from_cvxpy_status(problem.status)
    if not status.has_point or z.value is None:
        return failed(f"{solver} returned {problem.status}", solver_status=problem.status)
    best = params.candidates[np.argmax(z.value, axis=1)].reshape(params.gains.shape)
    solution = summarise(params, energy_at(params, best))
    solution.status = status if solution.status is Status.OPTIMAL else solution.status
    solution.solve_time_s = time.perf_counter() - start
    solution.extras.update(solver_status=problem.status, reported_objective=float(problem.value) * energy_unit / n)
    return solution


def power_control_cvxpy(
    params: CutSelectionParams, cut: int, solver: str = "CLARABEL"
) -> tuple[np.ndarray, np.ndarray, str]:
    """Minimum transmission energy (J) and time (s) of cut ``cut`` for every gain, by CVXPY.

    Parameters
    ----------
    params : CutSelectionParams
        The instance, with ``power_control`` set.
    cut : int
        The cut's index.
    solver : str
        A CVXPY conic solver; Clarabel's tolerances are tightened (:data:`TIGHT`).

    Returns
    -------
    energies, times : numpy.ndarray
        In the flattened gains order; ``inf`` where the deadline cannot be met.
    status : str
        CVXPY's status (``"solver_error"`` when the solver raised).

    Raises
    ------
    InvalidParameterError
        If ``params.power_control`` is None.

    """
    pc = params.power_control
    if pc is None:
        raise InvalidParameterError("power_control_cvxpy needs params.power_control")
    g = params.gains.reshape(-1)
    bits = float(params.payload_bits[cut])
    scale = params.noise_psd * params.bandwidth / g
    a = bits * np.log(2.0) / params.bandwidth
    deadline = pc.deadline
    ok = a / np.log1p(params.power / scale) <= deadline
    energies = np.full(g.size, np.inf)
    times = np.full(g.size, np.inf)
    if bits == 0:
        return np.zeros(g.size), np.zeros(g.size), "optimal"
    if not ok.any():
        return energies, times, "infeasible"
    snr_cap = params.power / scale[ok]
    snr_circuit = pc.circuit_power / scale[ok]
    n = int(ok.sum())
    t = cp.Variable(n, pos=True)
    e = cp.Variable(n, pos=True)
    constraints = [-cp.rel_entr(t, t + e) >= 1.0, t <= deadline / a, e <= cp.multiply(snr_cap, t)]
    problem = cp.Problem(cp.Minimize(cp.sum(e + cp.multiply(snr_circuit, t))), constraints)
    try:
        problem.solve(solver=solver, **TIGHT.get(solver, {}))
    except cp.SolverError:
        return energies, times, "solver_error"
    if t.value is None or e.value is None:
        return energies, times, str(problem.status)
    times[ok] = a * np.asarray(t.value)
    energies[ok] = scale[ok] * a * np.asarray(e.value) + pc.circuit_power * times[ok]
    return energies, times, str(problem.status)
