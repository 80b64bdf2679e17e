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
from edgeopt.core.validate import boolean, number
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, energy_matrix, summarise

# Clarabel's default gap tolerances (1e-8) leave the time of a low-energy sample
# off by 1e-5 relative on this program; the tighter ones bring it to about 1e-8.
TIGHT: dict[str, dict[str, float]] = {"CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}}


def solve_cvxpy(params: CutSelectionParams, *, solver: str | None = None, energy_unit: float | None = None) -> Solution:
    """Method ``"cvxpy"``: the MILP at fixed power (:func:`solve_milp`), the conic programs under power control.

    Parameters
    ----------
    params : CutSelectionParams
        The instance.
    solver : str, optional
        A CVXPY solver: HiGHS by default at fixed power, Clarabel under power control.
    energy_unit : float, optional
        Joules per unit of the MILP's energies (fixed power only; see :func:`solve_milp`).

    Returns
    -------
    Solution
        ``extras["solver_objective"]`` the backend's own objective in joules per
        inference, ``extras["solver_status"]`` its status.

    """
    if solver is not None and not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name (str), got {type(solver).__name__}")
    if params.power_control is None:
        return solve_milp(params, solver=solver or "HIGHS", energy_unit=energy_unit)
    if energy_unit is not None:
        raise InvalidParameterError("energy_unit applies to the fixed-power MILP only")
    return solve_power_control(params, solver=solver or "CLARABEL")


def solve_milp(params: CutSelectionParams, *, solver: str = "HIGHS", energy_unit: float | None = None) -> Solution:
    """Solve the one-hot MILP with a CVXPY mixed-integer solver (fixed power only).

    Unreachable samples (a row of infinite energies: no cut can serve them)
    stay out of the program; entries of a reachable row that are infinite are
    fixed to 0.

    Parameters
    ----------
    params : CutSelectionParams
        The instance; ``FAILED`` under power control (see :func:`solve_power_control`).
    solver : str
        A CVXPY mixed-integer solver, HiGHS by default (its own default tolerances).
    energy_unit : float, optional
        Joules per unit of the MILP's energies; by default the mean of the
        rows' smallest energies, so that the objective is of order one (HiGHS's
        tolerances are absolute: in joules the entries are ~1e-4 and it picks
        slightly wrong cuts; on wide instances no fixed unit fits).

    Returns
    -------
    Solution
        The chosen cuts evaluated in the model (:func:`~.model.energy_at`);
        ``extras["solver_objective"]`` the MILP's reported objective in joules
        per served inference, ``extras["solver_status"]`` CVXPY's status.

    """
    if params.power_control is not None:
        return failed("the MILP reference covers fixed power only; use solve_power_control for power control")
    start = time.perf_counter()
    matrix = energy_matrix(params)
    reachable = np.isfinite(matrix).any(axis=1)
    if not reachable.any():
        return summarise(params, energy_at(params, int(params.candidates[0])))
    rows = matrix[reachable]
    finite = np.isfinite(rows)
    if energy_unit is None:
        unit = float(np.where(finite, rows, np.inf).min(axis=1).mean())
        unit = unit if unit > 0 else 1.0
    else:
        unit = number("energy_unit", energy_unit, minimum=1e-300, maximum=1e300)
    energies = np.where(finite, rows, 0.0) / unit
    n, m = energies.shape
    z = cp.Variable((n, m), boolean=True)
    constraints = [cp.sum(z, axis=1) == 1]
    if not finite.all():
        constraints.append(cp.multiply((~finite).astype(float), z) == 0)
    problem = cp.Problem(cp.Minimize(cp.sum(cp.multiply(energies, z))), constraints)
    try:
        problem.solve(solver=solver)
    except cp.SolverError as exc:
        return failed(f"{solver}: {exc}", solver_status="solver_error")
    status = from_cvxpy_status(problem.status)
    if not status.has_point or z.value is None:
        return failed(f"{solver} returned {problem.status}", solver_status=problem.status)
    flat = np.full(matrix.shape[0], params.candidates[0])
    flat[reachable] = params.candidates[np.argmax(z.value, axis=1)]
    solution = summarise(params, energy_at(params, flat.reshape(params.gains.shape)))
    solution.status = status if solution.status is Status.OPTIMAL else solution.status
    solution.solve_time_s = time.perf_counter() - start
    solution.extras.update(solver_status=problem.status, solver_objective=float(problem.value) * unit / n)
    return solution


def solve_power_control(params: CutSelectionParams, *, solver: str = "CLARABEL") -> Solution:
    """Power control by CVXPY: one conic program per candidate cut (:func:`power_control_cvxpy`), then the row minimum.

    The solver's point (its cut and transmission time per sample) is repaired
    to exact feasibility: the time clipped into ``[t_min, T]`` and the power
    set to what that time needs, ``P(t) = (N0 W / g) expm1(b ln 2 / (W t))``;
    the energies of the solution are the model's at that repaired point.

    Parameters
    ----------
    params : CutSelectionParams
        The instance, with ``power_control`` set.
    solver : str
        A CVXPY conic solver (exponential cone), Clarabel by default.

    Returns
    -------
    Solution
        ``OPTIMAL`` when every program reports "optimal", ``FEASIBLE`` when
        some are inaccurate or failed (their cut is then not chosen), ``FAILED``
        when none has a point; ``extras["solver_objective"]`` the mean of the
        solver's own energies (``E_p`` plus its RF energy and circuit power
        times its time) at the chosen cuts, ``extras["solver_status"]`` the
        programs' statuses.

    """
    pc = params.power_control
    if pc is None:
        return failed("solve_power_control needs params.power_control")
    start = time.perf_counter()
    candidates = params.candidates
    per_cut = []
    for c in candidates:
        energy, times, status = power_control_cvxpy(params, int(c), solver)
        if status not in ("optimal", "infeasible"):  # retry at the solver's default tolerances
            retry = power_control_cvxpy(params, int(c), solver, tight=False)
            if np.isfinite(retry[0]).sum() >= np.isfinite(energy).sum() and retry[2] != "solver_error":
                energy, times, status = retry
        per_cut.append((energy, times, status))
    statuses = [status for _, _, status in per_cut]
    energies = np.stack([e for e, _, _ in per_cut], axis=1) + params.processing_energy[candidates]
    times = np.stack([t for _, t, _ in per_cut], axis=1)
    if all(from_cvxpy_status(s) is Status.FAILED for s in statuses) and not np.isfinite(energies).any():
        return failed(f"{solver} failed on every cut: {sorted(set(statuses))}", solver_status=",".join(statuses))
    # Samples some cut can serve (decided from the model before any program), left without a point.
    g = params.gains.reshape(-1)
    bits_all = params.payload_bits[candidates]
    with np.errstate(divide="ignore"):
        full_rate = np.log1p(params.power * g[:, None] / (params.noise_psd * params.bandwidth))
        servable = (bits_all == 0) | (
            (g[:, None] > 0) & (bits_all * np.log(2.0) / params.bandwidth / full_rate <= pc.deadline)
        )
    lost = servable.any(axis=1) & ~np.isfinite(energies).any(axis=1)
    if lost.any():
        return failed(
            f"{solver} gave no point for {int(lost.sum())} of {lost.size} samples that can be served "
            f"(statuses {sorted(set(statuses))})",
            solver_status=",".join(sorted(set(statuses))),
        )
    pick = np.argmin(energies, axis=1)
    rows = np.arange(pick.size)
    cut = candidates[pick]
    bits = params.payload_bits[cut]
    served = np.isfinite(energies[rows, pick])
    # Repair: the solver's time clipped into [t_min, T], the power that time needs.
    scale = params.noise_psd * params.bandwidth / np.where(g > 0, g, 1.0)
    a = bits * np.log(2.0) / params.bandwidth
    t_min = a / np.log1p(params.power / scale)
    t = np.clip(np.where(served, times[rows, pick], pc.deadline), t_min, pc.deadline)
    sends = served & (bits > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = np.where(sends, scale * np.expm1(a / t), 0.0)
    time_s = np.where(sends, t, 0.0)
    ep = params.processing_energy[cut]
    etr = (power + pc.circuit_power) * time_s
    chosen = {
        "cut": cut.reshape(params.gains.shape),
        "processing_energy": ep.reshape(params.gains.shape),
        "transmission_energy": np.where(served, etr, np.inf).reshape(params.gains.shape),
        "transmission_time": time_s.reshape(params.gains.shape),
        "transmit_power": power.reshape(params.gains.shape),
        "energy": np.where(served, ep + etr, np.inf).reshape(params.gains.shape),
    }
    solution = summarise(params, chosen)
    solution.solve_time_s = time.perf_counter() - start
    solution.extras["solver_status"] = ",".join(sorted(set(statuses)))
    if solution.has_point:
        solution.extras["solver_objective"] = float(energies[rows, pick][served].mean())
        # "infeasible": no sample can meet the deadline at that cut (decided before any program is built).
        if any(s not in ("optimal", "infeasible") for s in statuses):
            solution.status = Status.FEASIBLE
    return solution


def power_control_cvxpy(
    params: CutSelectionParams, cut: int | str, solver: str = "CLARABEL", tight: bool = True
) -> tuple[np.ndarray, np.ndarray, str]:
    """Minimum transmission energy (J) and time (s) of cut ``cut`` for every gain, by CVXPY.

    Parameters
    ----------
    params : CutSelectionParams
        The instance, with ``power_control`` set.
    cut : int or str
        The cut's index (or layer name), in the choice set.
    solver : str
        A CVXPY conic solver; Clarabel's tolerances are tightened (:data:`TIGHT`).
    tight : bool
        Use :data:`TIGHT` (else the solver's defaults).

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
    cut = params.cut_index(cut)
    if not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name (str), got {type(solver).__name__}")
    g = params.gains.reshape(-1)
    bits = float(params.payload_bits[cut])
    if bits == 0:
        return np.zeros(g.size), np.zeros(g.size), "optimal"
    linked = g > 0
    scale = params.noise_psd * params.bandwidth / np.where(linked, g, 1.0)
    a = bits * np.log(2.0) / params.bandwidth
    deadline = pc.deadline
    ok = linked & (a / np.log1p(params.power / scale) <= deadline)
    energies = np.full(g.size, np.inf)
    times = np.full(g.size, np.inf)
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
        problem.solve(solver=solver, **(TIGHT.get(solver, {}) if boolean("tight", tight) else {}))
    except cp.SolverError:
        return energies, times, "solver_error"
    if t.value is None or e.value is None:
        return energies, times, str(problem.status)
    times[ok] = a * np.asarray(t.value)
    energies[ok] = scale[ok] * a * np.asarray(e.value) + pc.circuit_power * times[ok]
    return energies, times, str(problem.status)
