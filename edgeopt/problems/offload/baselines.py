"""The paper's fixed workflows as baselines: always one option, wherever it is feasible.

Paper 001 compares the workflows of Fig. 1 with each other (Figs. 3-5); it
has no optimiser. Each baseline here runs one of the six options of
:data:`~.model.OPTIONS` at every operating point (``"edge_full"`` is the
conventional offloading the paper starts from, ``"device_pre_pruned"`` the
on-device deployment it advocates), and reports a point infeasible where that
option breaks the deadline, the battery or the accuracy floor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.offload.model import (
    NO_OPTION,
    OPTION_NAMES,
    OffloadParams,
    feasible_options,
    option_costs,
    summarise,
)


def fixed_option(params: OffloadParams, option: int) -> Solution:
    """Run ``option`` (an index into :data:`~.model.OPTIONS`) at every point where it is feasible.

    Returns
    -------
    Solution
        ``FEASIBLE`` (a heuristic: no optimality claim), as :func:`~.model.summarise` otherwise;
        ``INFEASIBLE`` when this workflow meets the constraints at no point of the batch, even
        where other options would (the baseline is the fixed workflow, not a choice).

    """
    costs = option_costs(params)
    ok = feasible_options(params, costs)[..., option]
    solution = summarise(params, np.where(ok, option, NO_OPTION), costs)
    if solution.status is Status.OPTIMAL:
        solution.status = Status.FEASIBLE
    return solution


def _baseline(option: int) -> Callable[[OffloadParams], Solution]:
    def run(params: OffloadParams) -> Solution:
        return fixed_option(params, option)

    run.__name__ = f"always_{OPTION_NAMES[option].replace('/', '_')}"
    run.__doc__ = f"Baseline: always {OPTION_NAMES[option]} (:func:`fixed_option`)."
    return run


# Method name -> function, e.g. "edge_full", "device_pre_pruned".
BASELINES: dict[str, Callable[[OffloadParams], Solution]] = {
    name.replace("/", "_"): _baseline(index) for index, name in enumerate(OPTION_NAMES)
}
