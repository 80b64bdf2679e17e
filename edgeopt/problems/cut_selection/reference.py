r"""CVXPY references for cut selection: the one-hot MILP (method ``"cvxpy"``) and the power-control programs.

Both are written from the model of :mod:`.model` alone (paper 000, eqs.
(3)-(8)), independently of the envelope and of the Lambert-W closed form
(:func:`edgeopt.models.channel.min_energy_transmission`) they check.

**MILP (fixed power).** A boolean ``z[i, l]`` per sample and candidate cut,
``sum_l z[i, l] = 1``, minimise ``sum_i sum_l E[i, l] z[i, l]`` with ``E`` the
energy matrix of the model (:func:`~.model.energy_matrix`), in units of the
mean row minimum (HiGHS's tolerances are absolute).

**Power control.** For a sample of gain ``g`` and a cut sending ``b > 0``
bits, the client chooses its transmission time ``t`` and RF energy ``E = P t``
(energy = power x time, eq. (5) read as such); the rate of eqs. (3)-(4) must
carry the payload, ``t W log2(1 + E g / (t N0 W)) >= b``, within the deadline
``t <= T`` and under the cap ``P <= P_max``; it minimises ``E + P_c t``. In the
payload's units -- time ``tau = t / a`` with ``a = b ln 2 / W`` (the time at
one nat/s/Hz), energy ``e = E / E_min`` with ``E_min = N0 b ln 2 / g`` (the
Shannon limit of the payload) -- the rate constraint is the perspective of a
logarithm, ``tau ln(1 + e / tau) >= 1``, i.e. the exponential cone
``tau exp(1 / tau) <= tau + e``, and the objective is ``e + s_c tau`` with
``s_c = P_c g / (N0 W)``. The cap is the time bound ``t >= t_min = a / ln(1 +
P_max g / (N0 W))`` (the rate at full power; ``P(t)`` decreases in ``t`` and the
cone is tight at the optimum, so the two forms have the same optimum); a
pair with ``t_min > T`` cannot be served.

Conditioning, and what is done about it. On wide instances the SNR at
full power spans 1e-57..1e66 and the deadline 1e-12..1e12 s: one program in
these units is unsolvable (Clarabel failed on 35 of 61 such instances). So:

1. *A cell that contains the optimum.* The energy ``f(w) = (e^w + s_c) /
   ln(1 + e^w)`` (in units of ``E_min``, at SNR ``e^w``; time ``a / ln(1 +
   e^w)``) is evaluated from the model on :data:`GRID_LEVELS` nested grids of
   :data:`GRID_POINTS` points in ``w = ln SNR`` between the deadline's SNR and
   the cap's. ``f`` is unimodal in ``w`` (the energy is convex in ``t``, which
   is monotone in ``w``), so the best grid point's neighbours bracket the
   optimum. The program's box is the bracket after :data:`CONE_LEVELS` level
   (1/16 of the range: the conic program does the search) or, in the flat
   regime below, after all :data:`GRID_LEVELS`; widened to at least
   :data:`CELL_HALF_WIDTH` on either side and clipped to the feasible range.
   The box is a restriction that does not move the optimum, not an
   approximation. (With the whole feasible range as the box, 5 of 203 wide
   instances were not solved to "optimal" and 53 pairs got no point, all with
   boxes spanning 1e10..2e11 in spectral efficiency: a deadline ten decades
   looser than the optimal time.)
2. *Units of the cell.* Each pair's program is posed in units of its best
   grid point (spectral efficiency ``k = x0``, time ``tau0 = 1 / x0``, RF
   energy ``e0 = expm1(x0) / x0``): ``u = tau / tau0``, ``v = e / e0``, the cone
   shifted by the automorphism ``(x, y, z) -> (x - k y, y, e^-k z)`` to
   ``u exp(k (1 - u) / u) <= e^-k u + (1 - e^-k) v``, and the objective divided
   by its value at the reference point, ``alpha v + beta u``. Every number in
   the program is then of order one.
3. *One program for many pairs.* The pairs are independent; chunks of up to
   :data:`CHUNK` of them share one DPP-compiled program (compiled once per
   size and kind, re-solved with new parameter values). A chunk whose status is
   not ``"optimal"`` is bisected and its halves solved again, down to single
   pairs, so that one hard pair does not degrade the others; a single pair
   without a point is retried at the solver's default tolerances.
   ``warm_start=False``: with CVXPY's solver cache, a re-solve updates the
   previous Clarabel solver's data in place, and answers depended on the
   instance solved before (seed 57 after seed 51 moved by 1.2e-9).
4. *Pairs that cannot win are not solved.* A pair whose lower bound ``E_p +
   E_min + P_c t_min`` (the Shannon limit plus the least circuit energy)
   exceeds an exact upper bound of another cut of the same sample (the
   model's energy at full power, at the deadline, or at the best grid point)
   is dominated, and gets no program.

Regime that the exponential cone cannot resolve (:data:`FLAT_CONE`). At a
spectral efficiency ``x0 < 1e-4`` nat/s/Hz the cone is nearly flat over the
cell: the RF energy is ``E_min (1 + x/2 + ...)``, its curvature ``O(x)``
relative, of the order of Clarabel's tolerances; conic programs there stalled
at ``optimal_inaccurate`` or raised, and at ``x0 < 1e-8`` the shifted cone is
degenerate in double precision (``e^-k`` rounds to 1). There the program
replaces the cone by its tangent at the reference point, ``v >= 1 + c (u -
1)`` with ``c`` the slope of the model's energy ``tau expm1(1 / tau)`` at
``tau0`` (an exact lower bound, the energy being convex): an LP whose point is
an end of the finest cell. Its answer is exact to the cell's width -- the
repaired energy is within about ``x0 (2 CELL_HALF_WIDTH)^2 / 2`` relative (2e-10)
of the optimum -- and its value is a lower bound as close; in that regime the
reference checks the analytic method only to that resolution.
``extras["pairs_tangent"]`` counts these pairs. (Measured on 203 wide
instances: with the threshold at 1e-6, 202 optimal and one feasible; at 1e-8,
175 optimal, 27 feasible, 1 failed; at 1e-4, all 203 optimal.)

Repair. The solver's time is clipped into ``[t_min, T]`` and the power set to
what that time needs, ``P(t) = (N0 W / g) expm1(b ln 2 / (W t))`` (eqs.
(3)-(4) inverted); the energies of the solution are the model's at that
point, and each sample's cut is the one of least repaired energy.

Settings (stated once; measured on the power-control instances of
``scenarios.wide_params`` seeds 0..399):

======================  =======  ==========================================
:data:`TIGHT`           1e-10    Clarabel's gap and feasibility tolerances;
                                 at 1e-12 it stalls at ``AlmostSolved``
:data:`GRID_POINTS`     33       points per grid level
:data:`GRID_LEVELS`     4        levels for the tangent's cell: 4/32^4 of the
                                 range of ``ln SNR`` (at most ~250)
:data:`CONE_LEVELS`     1        levels for the cone's box (0: see item 1)
:data:`CELL_HALF_WIDTH` 1e-3     least half-width of a box in ``ln SNR``, so
                                 that no box collapses to a point; bounds
                                 the tangent's error (1e-2 measured as good)
:data:`FLAT_CONE`       1e-4     spectral efficiency (nat/s/Hz) below which
                                 the cone is replaced by its tangent
:data:`CHUNK`           1024     pairs per program
======================  =======  ==========================================
"""

from __future__ import annotations

import time
import warnings
from typing import NamedTuple

import cvxpy as cp
import numpy as np
from tqdm import tqdm

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status
from edgeopt.core.validate import boolean, number
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, energy_matrix, summarise

TIGHT: dict[str, dict[str, float]] = {"CLARABEL": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}}
GRID_POINTS = 33
GRID_LEVELS = 4
CONE_LEVELS = 1
CELL_HALF_WIDTH = 1e-3
FLAT_CONE = 1e-4
CHUNK = 1024
_SMALLEST_PROGRAM = 8  # chunks are padded to a power of two from here up to CHUNK


def solve_cvxpy(
    params: CutSelectionParams, *, solver: str | None = None, energy_unit: float | None = None, progress: bool = False
) -> Solution:
    """Method ``"cvxpy"``: the MILP at fixed power (:func:`solve_milp`), the conic programs under power control.

    Parameters
    ----------
    params : CutSelectionParams
        The instance.
    solver : str, optional
        A CVXPY solver: HiGHS by default at fixed power, Clarabel under power control.
    energy_unit : float, optional
        Joules per unit of the MILP's energies (fixed power only; see :func:`solve_milp`).
    progress : bool
        Show a tqdm bar over the power-control programs (:func:`solve_power_control`).

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
    return solve_power_control(params, solver=solver or "CLARABEL", progress=boolean("progress", progress))


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


def solve_power_control(params: CutSelectionParams, *, solver: str = "CLARABEL", progress: bool = False) -> Solution:
    """Power control by CVXPY: the conic program of every (sample, cut) pair that can win, then each row's best.

    Parameters
    ----------
    params : CutSelectionParams
        The instance, with ``power_control`` set.
    solver : str
        A CVXPY conic solver (exponential cone), Clarabel by default
        (tolerances :data:`TIGHT`).
    progress : bool
        Show a tqdm bar over the pairs solved.

    Returns
    -------
    Solution
        The repaired point (see the module docstring) summarised by
        :func:`~.model.summarise`: unreachable samples marked in
        ``x["feasible"]``. ``OPTIMAL`` when every program reports
        ``"optimal"`` (or none is needed); ``FEASIBLE`` when some report
        another status, or when a pair without a point could have beaten the
        chosen cut (``extras["reason"]`` says how many samples); ``FAILED``
        when a sample that some cut can serve is left without a point.
        ``extras["solver_objective"]``: the mean over the served samples of
        the programs' own energies at the chosen cuts (``E_p`` plus the
        program's RF and circuit energy); ``extras["solver_status"]``: the
        programs' statuses; ``pairs_cone``, ``pairs_tangent``,
        ``pairs_dominated``, ``pairs_failed`` and ``programs`` count them.

    """
    pc = params.power_control
    if pc is None:
        return failed("solve_power_control needs params.power_control")
    if not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name (str), got {type(solver).__name__}")
    start = time.perf_counter()
    candidates = params.candidates
    g = params.gains.reshape(-1)
    bits = np.broadcast_to(params.payload_bits[candidates], (g.size, candidates.size))
    ep = np.broadcast_to(params.processing_energy[candidates], bits.shape)
    gains = np.broadcast_to(g[:, None], bits.shape)
    free = bits == 0  # nothing to send: E_p, whatever the gain
    sends = (gains > 0) & ~free
    rows, cols = np.nonzero(sends)
    pairs = _pairs(params, gains[rows, cols], bits[rows, cols])
    served = pairs.t_min <= pc.deadline  # the model's test: the full-power time meets the deadline
    rows, cols, pairs = rows[served], cols[served], _subset(pairs, served)
    reachable = free.any(axis=1)
    reachable[rows] = True
    # Bounds from the model: below, the Shannon limit and the least circuit energy; above, exact energies.
    lower = ep[rows, cols] + pairs.limit + pc.circuit_power * pairs.t_min
    upper = np.where(free, ep, np.inf)
    at_ends = np.minimum(_energy(pairs, pairs.t_min), _energy(pairs, pc.deadline))
    np.minimum.at(upper, (rows, cols), ep[rows, cols] + at_ends)
    keep = lower <= upper.min(axis=1)[rows]
    rows, cols, pairs, lower = rows[keep], cols[keep], _subset(pairs, keep), lower[keep]
    cell = _cell(pairs)
    np.minimum.at(upper, (rows, cols), ep[rows, cols] + pairs.limit * cell.f0)
    keep = lower <= upper.min(axis=1)[rows]
    dominated = int(served.sum() - keep.sum())
    rows, cols, pairs, lower = rows[keep], cols[keep], _subset(pairs, keep), lower[keep]
    cell = Cell(*(c[keep] for c in cell))
    result = _solve_pairs(pairs, cell, solver, progress)
    # Repaired energies (the model's at the solver's time) and the programs' own, per pair.
    power, t, etr = _repair(pairs, result.time)
    ok = np.isfinite(etr)
    r, c = rows[ok], cols[ok]
    repaired = np.where(free, ep, np.inf)
    own = repaired.copy()
    repaired[r, c] = ep[r, c] + etr[ok]
    own[r, c] = ep[r, c] + result.energy[ok]
    time_s, power_w, etr_j = np.zeros(bits.shape), np.zeros(bits.shape), np.zeros(bits.shape)
    time_s[r, c], power_w[r, c], etr_j[r, c] = t[ok], power[ok], etr[ok]
    pick = np.argmin(repaired, axis=1)
    index = np.arange(g.size)
    best = repaired[index, pick]
    chosen_ok = np.isfinite(best)
    lost = reachable & ~chosen_ok
    solver_status = ",".join(sorted(set(result.status.tolist()))) or "none"
    counts = {
        "pairs_cone": int(np.count_nonzero(cell.x0 >= FLAT_CONE)),
        "pairs_tangent": int(np.count_nonzero(cell.x0 < FLAT_CONE)),
        "pairs_dominated": dominated,
        "pairs_failed": int(np.count_nonzero(~ok)),
        "programs": result.programs,
    }
    if lost.any():
        return failed(
            f"{solver} gave no point for {int(lost.sum())} of {g.size} samples that can be served "
            f"(statuses {solver_status}; {counts['pairs_failed']} pairs without a point)",
            solver_status=solver_status,
            **counts,
        )
    # A pair without a point could still have beaten the chosen cut if its lower bound is below.
    doubt = np.zeros(g.size, dtype=bool)
    np.logical_or.at(doubt, rows[~ok], lower[~ok] < best[rows[~ok]])
    sel = (index, pick)
    chosen = {
        "cut": candidates[pick].reshape(params.gains.shape),
        "processing_energy": ep[sel].reshape(params.gains.shape),
        "transmission_energy": etr_j[sel].reshape(params.gains.shape),
        "transmission_time": time_s[sel].reshape(params.gains.shape),
        "transmit_power": power_w[sel].reshape(params.gains.shape),
        "energy": best.reshape(params.gains.shape),
    }
    solution = summarise(params, chosen)
    solution.solve_time_s = time.perf_counter() - start
    solution.extras.update(solver_status=solver_status, **counts)
    if solution.has_point:
        solution.extras["solver_objective"] = float(own[sel][chosen_ok].mean())
        uncertain = int(np.count_nonzero(doubt))
        if any(st != "optimal" for st in result.status) or uncertain:
            solution.status = Status.FEASIBLE
        if uncertain:
            note = (
                f"{uncertain} samples have a cut whose program gave no point and whose lower bound is below the choice"
            )
            solution.extras["reason"] = "; ".join(filter(None, [solution.extras.get("reason"), note]))
    return solution


def power_control_cvxpy(
    params: CutSelectionParams, cut: int | str, solver: str = "CLARABEL", tight: bool = True
) -> tuple[np.ndarray, np.ndarray, str]:
    """Minimum transmission energy (J) and time (s) of one cut for every gain, by CVXPY (no pruning).

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
        The model's transmission energy ``(P(t) + P_c) t`` at the programs'
        repaired times ``t``, in the flattened gains order; ``inf`` where the
        deadline cannot be met (or the program gave no point), 0 for a cut that
        sends nothing.
    status : str
        The programs' statuses, comma-separated (``"solver_error"`` when the
        solver raised; ``"infeasible"`` when no gain can meet the deadline).

    Raises
    ------
    InvalidParameterError
        If ``params.power_control`` is None, or for a bad cut or solver.

    """
    pc = params.power_control
    if pc is None:
        raise InvalidParameterError("power_control_cvxpy needs params.power_control")
    index = params.cut_index(cut)
    if not isinstance(solver, str):
        raise InvalidParameterError(f"solver must be a CVXPY solver name (str), got {type(solver).__name__}")
    tight = boolean("tight", tight)
    g = params.gains.reshape(-1)
    bits = float(params.payload_bits[index])
    if bits == 0:
        return np.zeros(g.size), np.zeros(g.size), "optimal"
    energies = np.full(g.size, np.inf)
    times = np.full(g.size, np.inf)
    linked = np.flatnonzero(g > 0)
    pairs = _pairs(params, g[linked], np.full(linked.size, bits))
    served = pairs.t_min <= pc.deadline
    if not served.any():
        return energies, times, "infeasible"
    pairs, where = _subset(pairs, served), linked[served]
    result = _solve_pairs(pairs, _cell(pairs), solver, False, tight=tight)
    _, t, etr = _repair(pairs, result.time)
    energies[where] = etr
    times[where] = np.where(np.isfinite(etr), t, np.inf)
    return energies, times, ",".join(sorted(set(result.status.tolist())))


class Pairs(NamedTuple):
    """The transmission sub-problems of some (sample, cut) pairs, in the model's quantities (SI units)."""

    scale: np.ndarray  # N0 W / g (W): the received-SNR-to-power factor
    a: np.ndarray  # b ln 2 / W (s): the time at one nat/s/Hz
    limit: np.ndarray  # E_min = scale * a (J): the Shannon limit of the payload
    snr_cap: np.ndarray  # P_max / scale
    snr_circuit: np.ndarray  # P_c / scale
    t_min: np.ndarray  # a / ln(1 + snr_cap): the time at full power
    deadline: float
    circuit_power: float


class Cell(NamedTuple):
    """Each pair's box in ``w = ln SNR`` (:func:`_cell`): the best grid point, its energy and the bracket."""

    w0: np.ndarray
    f0: np.ndarray  # energy at w0 in units of E_min
    low: np.ndarray
    high: np.ndarray
    x0: np.ndarray  # spectral efficiency ln(1 + e^w0) (nat/s/Hz)


class PairResult(NamedTuple):
    """The programs' answers per pair: time (s), own energy (J), status; ``programs`` solved."""

    time: np.ndarray
    energy: np.ndarray
    status: np.ndarray
    programs: int


def _pairs(params: CutSelectionParams, gains: np.ndarray, bits: np.ndarray) -> Pairs:
    pc = params.power_control
    assert pc is not None
    scale = params.noise_psd * params.bandwidth / gains
    a = bits * np.log(2.0) / params.bandwidth
    snr_cap = params.power / scale
    return Pairs(
        scale=scale,
        a=a,
        limit=scale * a,
        snr_cap=snr_cap,
        snr_circuit=pc.circuit_power / scale,
        t_min=a / np.log1p(snr_cap),
        deadline=pc.deadline,
        circuit_power=pc.circuit_power,
    )


def _subset(pairs: Pairs, mask: np.ndarray) -> Pairs:
    arrays = {name: value[mask] for name, value in pairs._asdict().items() if isinstance(value, np.ndarray)}
    return pairs._replace(**arrays)


def _energy(pairs: Pairs, t: np.ndarray | float) -> np.ndarray:
    """The model's transmission energy ``(P(t) + P_c) t`` at times ``t`` in ``[t_min, T]`` (eqs. (3)-(5))."""
    with np.errstate(over="ignore"):
        return np.asarray((pairs.scale * np.expm1(pairs.a / t) + pairs.circuit_power) * t)


def _per_limit(w: np.ndarray, snr_circuit: np.ndarray) -> np.ndarray:
    """Energy in units of ``E_min`` when sending at SNR ``e^w``: ``(e^w + s_c) / ln(1 + e^w)``."""
    snr = np.exp(w)
    return np.asarray((snr + snr_circuit) / np.log1p(snr))


def _cell(pairs: Pairs) -> Cell:
    """The box of each pair's program: nested grids in ``w = ln SNR`` bracket the optimum (module docstring, 1)."""
    high = np.log(pairs.snr_cap)
    low = np.minimum(np.log(np.expm1(pairs.a / pairs.deadline)), high)  # the SNR that just meets the deadline
    lo, hi = low.copy(), high.copy()
    steps = np.linspace(0.0, 1.0, GRID_POINTS)
    index = np.arange(low.size)
    w0 = f0 = low
    cone_lo, cone_hi = low, high  # CONE_LEVELS = 0: the whole feasible range
    for level in range(GRID_LEVELS):
        grid = lo[:, None] + (hi - lo)[:, None] * steps
        values = _per_limit(grid, pairs.snr_circuit[:, None])
        j = np.argmin(values, axis=1)
        w0, f0 = grid[index, j], values[index, j]
        lo, hi = grid[index, np.maximum(j - 1, 0)], grid[index, np.minimum(j + 1, GRID_POINTS - 1)]
        if level + 1 == CONE_LEVELS:
            cone_lo, cone_hi = lo, hi
    x0 = np.log1p(np.exp(w0))
    cone = x0 >= FLAT_CONE  # the cone's own search: the coarser bracket; the tangent's: the finest
    lo, hi = np.where(cone, cone_lo, lo), np.where(cone, cone_hi, hi)
    lo = np.maximum(np.minimum(lo, w0 - CELL_HALF_WIDTH), low)
    hi = np.minimum(np.maximum(hi, w0 + CELL_HALF_WIDTH), high)
    return Cell(w0=w0, f0=f0, low=lo, high=hi, x0=x0)


def _repair(pairs: Pairs, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power, time and transmission energy at the solver's times clipped into ``[t_min, T]``; ``inf`` if no time."""
    t = np.clip(np.where(np.isfinite(times), times, pairs.deadline), pairs.t_min, pairs.deadline)
    with np.errstate(over="ignore"):
        power = pairs.scale * np.expm1(pairs.a / t)
    energy = (power + pairs.circuit_power) * t
    return power, t, np.where(np.isfinite(times) & np.isfinite(energy), energy, np.inf)


_PROGRAMS: dict[tuple[str, int], tuple[cp.Problem, cp.Variable, cp.Variable, dict[str, cp.Parameter]]] = {}
# A benign pair for the padding of a chunk (spectral efficiency 1, box [0.9, 1.1]).
_PADDING = {"k": 1.0, "em": float(np.exp(-1.0)), "ep": float(-np.expm1(-1.0)), "slope": 0.0,
            "alpha": 0.5, "beta": 0.5, "lo": 0.9, "hi": 1.1}  # fmt: skip


def _program(kind: str, size: int) -> tuple[cp.Problem, cp.Variable, cp.Variable, dict[str, cp.Parameter]]:
    """The DPP program of ``size`` pairs in cell units: the shifted cone (``"cone"``) or its tangent (``"tangent"``)."""
    key = (kind, size)
    if key not in _PROGRAMS:
        u, v = cp.Variable(size), cp.Variable(size)
        names = ("k", "em", "ep") if kind == "cone" else ("slope",)
        par = {name: cp.Parameter(size, nonneg=name != "slope") for name in names}
        par.update({name: cp.Parameter(size, nonneg=True) for name in ("alpha", "beta", "lo", "hi")})
        if kind == "cone":
            # u exp(k (1 - u) / u) <= e^-k u + (1 - e^-k) v: tau exp(1/tau) <= tau + e in cell units.
            rate = cp.constraints.ExpCone(
                cp.multiply(par["k"], 1 - u), u, cp.multiply(par["em"], u) + cp.multiply(par["ep"], v)
            )
        else:
            rate = v >= 1 + cp.multiply(par["slope"], u - 1)
        constraints = [rate, u >= par["lo"], u <= par["hi"]]
        objective = cp.Minimize(cp.sum(cp.multiply(par["alpha"], v) + cp.multiply(par["beta"], u)))
        _PROGRAMS[key] = (cp.Problem(objective, constraints), u, v, par)
    return _PROGRAMS[key]


def _solve_pairs(pairs: Pairs, cell: Cell, solver: str, progress: bool, tight: bool = True) -> PairResult:
    """Solve every pair's program in its cell (module docstring, 2-3); times in s, the programs' energies in J."""
    n = pairs.a.size
    x0 = cell.x0
    tau0 = 1.0 / x0
    e0 = np.expm1(x0) / x0  # RF energy at the reference point, units of E_min
    # Box in u = tau / tau0 from the cell's ends (tau = 1 / x, x = ln(1 + e^w)).
    lo = x0 / np.log1p(np.exp(cell.high))
    hi = x0 / np.log1p(np.exp(cell.low))
    norm = e0 + pairs.snr_circuit * tau0
    # The slope of e(tau) = tau expm1(1/tau) at tau0, in cell units: (expm1(x0) - x0 e^x0) tau0 / e0 ... / e0.
    slope = (np.expm1(x0) - x0 * np.exp(x0)) / (x0 * e0)
    values = {
        "k": x0, "em": np.exp(-x0), "ep": -np.expm1(-x0), "slope": slope,
        "alpha": e0 / norm, "beta": pairs.snr_circuit * tau0 / norm, "lo": lo, "hi": hi,
    }  # fmt: skip
    u = np.full(n, np.nan)
    v = np.full(n, np.nan)
    status = np.full(n, "", dtype=object)
    programs = 0
    options = TIGHT.get(solver.upper(), {}) if tight else {}
    bar = tqdm(total=n, desc="cvxpy (cut_selection)", disable=not progress, leave=False)
    for kind, members in (("cone", np.flatnonzero(x0 >= FLAT_CONE)), ("tangent", np.flatnonzero(x0 < FLAT_CONE))):
        stack = [members[i : i + CHUNK] for i in range(0, members.size, CHUNK)][::-1]
        while stack:
            part = stack.pop()
            uu, vv, st = _run(kind, {k: val[part] for k, val in values.items()}, solver, options)
            programs += 1
            if (uu is None or st != "optimal") and part.size > 1:  # bisect: one hard pair must not degrade the rest
                half = part.size // 2
                stack += [part[half:], part[:half]]
                continue
            if uu is None and options:  # a single pair without a point: the solver's defaults
                uu, vv, st = _run(kind, {k: val[part] for k, val in values.items()}, solver, {})
                programs += 1
            status[part] = st
            if uu is not None:
                u[part], v[part] = uu, vv
            bar.update(part.size)
    bar.close()
    with np.errstate(invalid="ignore"):
        times = pairs.a * tau0 * u
        energy = pairs.limit * (e0 * v + pairs.snr_circuit * tau0 * u)
    bad = ~(np.isfinite(times) & np.isfinite(energy))
    return PairResult(np.where(bad, np.inf, times), np.where(bad, np.inf, energy), status.astype(str), programs)


def _run(
    kind: str, values: dict[str, np.ndarray], solver: str, options: dict[str, float]
) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """One padded program: ``(u, v, status)``, ``u = v = None`` without a point."""
    m = next(iter(values.values())).size
    size = max(_SMALLEST_PROGRAM, 1 << int(np.ceil(np.log2(m))))
    problem, u, v, par = _program(kind, size)
    for name, parameter in par.items():
        column = np.full(size, _PADDING[name])
        column[:m] = values[name]
        parameter.value = column
    try:
        with warnings.catch_warnings():  # an inaccurate answer is bisected and reported in the status
            warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
            problem.solve(solver=solver, warm_start=False, **options)
    except cp.SolverError:
        return None, None, "solver_error"
    if u.value is None or v.value is None:
        return None, None, str(problem.status)
    return np.asarray(u.value[:m]), np.asarray(v.value[:m]), str(problem.status)
