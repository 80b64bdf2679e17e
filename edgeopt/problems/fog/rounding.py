"""Integer rows for the fog problem (paper 004).

Problem (24) asks for integer rows ``d_k``; the methods solve the relaxation
(31) with real rows. :func:`round_rows` turns a continuous solution into an
integer one: largest-remainder rounding, then single-row moves between nodes
while the re-optimised energy decreases, every other variable re-optimised
for the rows by :func:`~edgeopt.problems.fog.decomposition.solve_fixed_rows`.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog.decomposition import solve_fixed_rows
from edgeopt.problems.fog.model import FogParams

FloatArray = NDArray[np.float64]


def largest_remainder(rows: FloatArray, total: int) -> FloatArray:
    """Round non-negative ``rows`` to integers summing to ``total`` (Hamilton's method).

    Each entry is rounded down, then the ``total - sum(floor(rows))`` entries
    with the largest fractional parts are rounded up (ties in index order).
    """
    base = np.floor(rows)
    missing = int(round(total - base.sum()))
    order = np.argsort(-(rows - base), kind="stable")
    base[order[:missing]] += 1
    return base


def round_rows(p: FogParams, solution: Solution) -> Solution:
    """Integer rows summing to ``d_y``, all other variables re-optimised.

    Starts from largest-remainder rounding of ``solution.x["rows"]`` and
    improves it by single-row moves between nodes while the re-optimised
    energy decreases, so the result is never worse than largest-remainder
    rounding.

    Parameters
    ----------
    p : FogParams
        The instance; ``d_y`` must be an integer.
    solution : Solution
        A continuous solution of ``p`` (returned unchanged if it has no point).

    Returns
    -------
    Solution
        ``FEASIBLE`` (optimal for its rows, not for the integer problem), with
        ``method="round_rows"`` and ``extras`` reporting
        ``continuous_objective``, ``largest_remainder_objective``,
        ``rounding_cost_j`` (energy above the continuous optimum),
        ``rounding_cost_rel`` and ``evaluations``.

    Raises
    ------
    InvalidParameterError
        If ``d_y`` is not an integer.

    """
    if not solution.has_point:
        return solution
    if not float(p.d_y).is_integer():
        raise InvalidParameterError(f"round_rows needs an integer d_y, got {p.d_y}")
    start = time.perf_counter()
    total = int(p.d_y)
    best_rows = largest_remainder(solution.x["rows"], total)
    best = solve_fixed_rows(p, best_rows)
    lr_energy = best.objective
    evaluations = 1
    improved = True
    while improved and best.has_point:
        improved = False
        # Candidate moves: between nodes whose continuous rows were fractional.
        frac = np.abs(solution.x["rows"] - np.round(solution.x["rows"])) > 1e-9
        nodes = np.flatnonzero(frac | (best_rows != np.round(solution.x["rows"])))
        for i in nodes:
            for j in nodes:
                if i == j or best_rows[i] < 1:
                    continue
                trial_rows = best_rows.copy()
                trial_rows[i] -= 1
                trial_rows[j] += 1
                trial = solve_fixed_rows(p, trial_rows)
                evaluations += 1
                if trial.has_point and trial.objective < best.objective:
                    best, best_rows, improved = trial, trial_rows, True
    best.status = Status.FEASIBLE if best.has_point else best.status
    best.extras.update(
        {
            "continuous_objective": solution.objective,
            "largest_remainder_objective": lr_energy,
            "rounding_cost_j": best.objective - solution.objective,
            "rounding_cost_rel": (best.objective - solution.objective) / abs(solution.objective),
            "evaluations": evaluations,
        }
    )
    best.solve_time_s = time.perf_counter() - start
    best.method = "round_rows"
    return best


__all__ = ["largest_remainder", "round_rows"]
