"""The certificate of a DAG split, behind ``DagSplit.check``: validity, cost, and max-flow / min-cut duality."""

from __future__ import annotations

import math

from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.dag_split.model import DagSplitParams


def split_report(params: DagSplitParams, solution: Solution) -> KKTReport:
    """Validity of the split and agreement of the objective with the cost of its device set.

    Max-flow / min-cut duality is the certificate: ``duality_gap`` compares
    the objective with the cut (= maximum flow) value when the flow method
    reports one (``extras["cut_value"]``), and is 0 otherwise.

    Parameters
    ----------
    params : DagSplitParams
        The instance.
    solution : Solution
        A solution with ``x["on_device"]`` in the order of ``extras["order"]``.

    Returns
    -------
    KKTReport
        ``primal_feasibility`` 0 for a valid split, ``inf`` otherwise;
        ``stationarity`` the relative difference between the objective and the
        split's cost. A solution without a point reports ``inf`` everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    order = solution.extras["order"]
    on_device = {v for v, m in zip(order, solution.x["on_device"], strict=True) if m}
    valid = params.is_valid(on_device)
    cost = params.cost(on_device)
    scale = max(abs(cost), 1e-300)
    cut = solution.extras.get("cut_value")
    gap = 0.0 if cut is None else (solution.objective - cut) / scale
    return KKTReport(
        primal_feasibility=0.0 if valid else math.inf,
        dual_feasibility=0.0,
        stationarity=abs(solution.objective - cost) / scale,
        complementary_slackness=0.0,
        duality_gap=gap,
    )
