"""The certificate of an offloading choice, behind ``OffloadProblem.check``: the point re-priced, and the LP bound.

A choice among six options has no stationarity condition. Its certificate is
the LP relaxation of the one-hot MILP of :mod:`.reference`, which is exact
(each operating point's row is a simplex over its feasible options): the
relaxation's optimum is the mean of the row minima of the feasible options'
costs, so the duality gap is the relative excess of the mean chosen metric
over the mean row minimum. A row with no feasible option proves a point
infeasible, and the mask of the solution is checked against it both ways.
The chosen option is re-priced from :func:`~.model.option_costs` and
checked against the accuracy floor, the deadline and the battery.
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.report import KKTReport, choice_gap, relative_difference
from edgeopt.core.solution import Solution
from edgeopt.problems.offload.model import (
    METRICS,
    OPTION_MODEL,
    OffloadParams,
    at_option,
    feasible_options,
    option_costs,
)


def lp_certificate(params: OffloadParams, solution: Solution) -> KKTReport:
    """The solution re-priced, its constraints and mask checked, and the exact LP-relaxation gap.

    Parameters
    ----------
    params : OffloadParams
        The batch.
    solution : Solution
        With ``x["option"]`` (batch shape, integers, -1 where infeasible) and
        the chosen metrics ``x["time"]``, ``x["energy"]``, ``x["data"]``.

    Returns
    -------
    KKTReport
        ``primal_feasibility``: the worst relative difference between the
        reported and the re-priced metrics and objective
        (``details["recomputed"]``), or ``inf`` when a chosen option breaks a
        constraint (``details["violations"]``) or the infeasibility mask is
        wrong either way. ``duality_gap``: the relative excess of the mean
        chosen metric over the mean of the feasible row minima;
        ``details["point_excess"]``: the worst single point's.

    """
    if not solution.has_point:
        return KKTReport()
    shape = params.shape
    option = np.asarray(solution.x["option"])
    if option.shape != shape:
        raise InvalidParameterError(f"solution.x['option'] must have shape {shape}, got {option.shape}")
    if not np.issubdtype(option.dtype, np.integer):
        raise InvalidParameterError(f"solution.x['option'] must hold integers, got dtype {option.dtype}")
    costs = option_costs(params)
    ok = feasible_options(params, costs)
    metric = costs[params.objective]
    best = np.min(np.where(ok, metric, np.inf), axis=-1)
    servable = np.any(ok, axis=-1)
    served = option >= 0
    wrong_mask = int(np.count_nonzero(served != servable))
    if np.any((option < -1) | (option >= len(OPTION_MODEL))):
        return KKTReport(details={"option_out_of_range": 1.0})
    safe = np.where(served, option, 0)
    chosen_ok = at_option(ok, safe)
    violations = int(np.count_nonzero(served & ~chosen_ok))
    mismatch = 0.0
    for name in METRICS:
        priced = at_option(costs[name], safe)[served]
        reported = np.asarray(solution.x[name], dtype=float)[served]
        mismatch = max(mismatch, float(np.max(relative_difference(reported, priced), initial=0.0)))
    value = at_option(metric, safe)[served]
    mean = float(value.mean()) if value.size else math.inf
    objective = float(relative_difference(np.array(solution.objective), np.array(mean)))
    gap, excess = choice_gap(value, best[served])
    primal = max(mismatch, objective)
    if violations or wrong_mask:
        primal = math.inf
    return KKTReport(
        primal_feasibility=primal,
        dual_feasibility=0.0,
        stationarity=0.0,
        complementary_slackness=0.0,
        duality_gap=gap,
        details={
            "recomputed": max(mismatch, objective),
            "violations": float(violations),
            "mask_errors": float(wrong_mask),
            "point_excess": excess,
            "served": float(np.count_nonzero(served)),
        },
    )
