"""The certificate of a cut selection: the LP relaxation of the one-hot MILP, behind ``CutSelection.check``.

A discrete choice has no stationarity condition. Its certificate is the LP
relaxation of the one-hot MILP of :mod:`.reference`, which is exact (each
row is a simplex): the relaxation's dual optimum is the sum of the row minima
of :func:`~.model.energy_matrix`, so the duality gap is the relative excess
of the mean chosen energy over the mean row minimum.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, energy_matrix


def lp_certificate(params: CutSelectionParams, solution: Solution) -> KKTReport:
    """Optimality of every sample's cut against the full energy matrix.

    Parameters
    ----------
    params : CutSelectionParams
        The instance.
    solution : Solution
        A solution with ``x["cut"]`` and ``x["energy"]``.

    Returns
    -------
    KKTReport
        ``duality_gap``: the relative excess of the mean chosen energy over the
        mean row minimum (the LP dual); ``primal_feasibility``: the largest
        relative difference between the reported energies and the model's at
        the chosen cuts (``details["energy_recomputed"]``);
        ``details["sample_excess"]``: the worst single sample's excess. A
        solution without a point reports ``inf`` everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    best = energy_matrix(params).min(axis=1)
    cut = np.asarray(solution.x["cut"])
    chosen = np.asarray(solution.x["energy"]).reshape(-1)
    recomputed = energy_at(params, cut)["energy"].reshape(-1)
    excess = (chosen - best) / best
    mismatch = float(np.max(np.abs(chosen - recomputed) / recomputed))
    return KKTReport(
        primal_feasibility=mismatch,
        dual_feasibility=0.0,
        stationarity=0.0,
        complementary_slackness=0.0,
        duality_gap=float((chosen.mean() - best.mean()) / best.mean()),
        details={"energy_recomputed": mismatch, "sample_excess": float(excess.max())},
    )
