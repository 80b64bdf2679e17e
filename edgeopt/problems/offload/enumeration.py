"""Method ``"analytic"`` of the offload problem: every option priced in closed form, the best feasible one kept.

Six options (:data:`~.model.OPTIONS`) per operating point, each priced by
the closed forms of :func:`~.model.option_lines` (eqs. (1)-(6), aggregated
over ``Q``), vectorised over the whole batch: one array of shape batch x 6
per metric, masked by the accuracy floor, the deadline and the battery, and
a row minimum. Exact: the choice set is finite and every member is priced.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.problems.offload.model import OffloadParams, feasible_options, option_costs, summarise


def solve_enumeration(params: OffloadParams) -> Solution:
    """The best feasible option of every operating point of the batch.

    Parameters
    ----------
    params : OffloadParams
        The batch; ``params.objective`` names the metric minimised.

    Returns
    -------
    Solution
        :func:`~.model.summarise` of the choice: ``x["option"]`` (batch shape,
        index into :data:`~.model.OPTIONS`, -1 where no option is feasible),
        the three metrics of the chosen option, ``x["feasible"]``; the objective
        is the mean of the chosen metric over the feasible points. Ties go to
        the first option in :data:`~.model.OPTIONS` order (edge before device,
        full before pruned).

    """
    costs = option_costs(params)
    ok = feasible_options(params, costs)
    masked = np.where(ok, costs[params.objective], np.inf)
    best = np.argmin(masked, axis=-1)
    best = np.where(np.any(ok, axis=-1), best, -1)
    return summarise(params, best, costs)
