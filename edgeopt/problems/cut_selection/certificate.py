"""The certificate of a cut selection, behind ``CutSelection.check``: the point re-priced, and the LP relaxation.

A discrete choice has no stationarity condition. Its certificate is the LP
relaxation of the one-hot MILP of :mod:`.reference`, which is exact (each
row is a simplex): the relaxation's dual optimum is the sum of the row minima
of :func:`~.model.energy_matrix`, so the duality gap is the relative excess
of the mean chosen energy over the mean row minimum, over the reachable
samples. A row minimum of ``inf`` proves a sample unreachable (no cut can
serve it), and the check verifies the solution's mask against it both ways.

The point is re-priced from the model: at fixed power the energy of the
chosen cut (:func:`~.model.energy_at`); under power control, where the
solution gives its transmission times, the power those times need
(``P(t) = (N0 W / g) (exp(b ln 2 / (W t)) - 1)``, the inverse of eqs. (3)-(4)),
checked against the cap and the deadline, and the energy
``E_p + (P(t) + P_c) t`` (without times: the cut's optimal power,
:func:`~.model.energy_at`).
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.report import KKTReport, choice_gap, relative_difference
from edgeopt.core.solution import Solution
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, row_minimum


def _mask(solution: Solution, energy: np.ndarray) -> np.ndarray:
    if "feasible" not in solution.x:
        return np.isfinite(energy)
    raw = np.asarray(solution.x["feasible"]).reshape(-1)
    if raw.shape != energy.shape:
        raise InvalidParameterError(f"solution.x['feasible'] must have {energy.size} entries, got {raw.size}")
    if raw.dtype != bool:
        raise InvalidParameterError(f"solution.x['feasible'] must be a boolean mask, got dtype {raw.dtype}")
    return raw


def _repriced(params: CutSelectionParams, solution: Solution, served: np.ndarray) -> tuple[np.ndarray, float]:
    """Model energies of the served samples at the solution's point, and the point's worst bound violation."""
    flat = params.replace(gains=params.gains.reshape(-1)[served])
    cut = np.asarray(solution.x["cut"]).reshape(-1)[served]
    if not np.issubdtype(cut.dtype, np.integer):
        raise InvalidParameterError(f"solution.x['cut'] must hold integers, got dtype {cut.dtype}")
    priced = energy_at(flat, cut)
    pc = params.power_control
    if pc is None or "transmission_time" not in solution.x:
        return priced["energy"], 0.0
    t = np.asarray(solution.x["transmission_time"], dtype=float).reshape(-1)[served]
    bits = flat.payload_bits[cut]
    g = flat.gains
    sends = bits > 0
    scale = params.noise_psd * params.bandwidth / np.where(g > 0, g, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = np.where(sends, scale * np.expm1(bits * np.log(2.0) / (params.bandwidth * t)), 0.0)
        energy = flat.processing_energy[cut] + np.where(sends, (power + pc.circuit_power) * t, 0.0)
    late = np.where(sends, (t - pc.deadline) / pc.deadline, 0.0)
    over = np.where(sends, (power - params.power) / params.power, 0.0)
    bad = ~(t > 0) & sends
    violation = float(np.max(np.concatenate([[0.0], late, over]))) if t.size else 0.0
    if np.any(bad | (sends & (g == 0))) or math.isnan(violation):
        violation = math.inf
    return np.where(np.isnan(energy), np.inf, energy), violation


def lp_certificate(params: CutSelectionParams, solution: Solution) -> KKTReport:
    """The solution re-priced from the model, its mask checked, and the LP-relaxation gap.

    Parameters
    ----------
    params : CutSelectionParams
        The instance.
    solution : Solution
        A solution with ``x["cut"]`` and ``x["energy"]``, optionally
        ``x["feasible"]`` (default: where the energy is finite) and, under
        power control, ``x["transmission_time"]``.

    Returns
    -------
    KKTReport
        ``primal_feasibility``: the largest of the relative differences
        between the reported and the re-priced energies
        (``details["energy_recomputed"]``), the deadline and power-cap
        violations of the point (``details["bounds"]``), the objective against
        the mean reported energy (``details["objective_recomputed"]``), and
        ``inf`` when a reachable sample is marked unreachable or the reverse
        (``details["reachable_marked_unreachable"]``,
        ``details["unreachable_marked_feasible"]``, counts).
        ``duality_gap``: the relative excess of the mean chosen energy over the
        mean row minimum, over the served samples;
        ``details["sample_excess"]``: the worst single sample's. A solution
        without a point reports ``inf`` everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    best = row_minimum(params)
    reachable = np.isfinite(best)
    energy = np.asarray(solution.x["energy"], dtype=float).reshape(-1)
    served = _mask(solution, energy)
    false_unreachable = int(np.count_nonzero(reachable & ~served))
    false_feasible = int(np.count_nonzero(~reachable & served))
    ok = served & reachable
    if not np.any(ok):
        return KKTReport(details={"reachable_marked_unreachable": false_unreachable, "served": 0.0})
    repriced, bounds = _repriced(params, solution, ok)
    chosen = energy[ok]
    mismatch = float(np.max(relative_difference(chosen, repriced)))
    mean = float(chosen.mean()) if np.all(np.isfinite(chosen)) else math.inf
    objective = float(relative_difference(np.array(solution.objective), np.array(mean)))
    gap, excess = choice_gap(chosen, best[ok]) if math.isfinite(mean) else (math.inf, math.inf)
    primal = max(mismatch, bounds, objective)
    if false_unreachable or false_feasible:
        primal = math.inf
    return KKTReport(
        primal_feasibility=primal,
        dual_feasibility=0.0,
        stationarity=0.0,
        complementary_slackness=0.0,
        duality_gap=gap,
        details={
            "energy_recomputed": mismatch,
            "bounds": bounds,
            "objective_recomputed": objective,
            "reachable_marked_unreachable": float(false_unreachable),
            "unreachable_marked_feasible": float(false_feasible),
            "sample_excess": excess,
        },
    )
