"""The certificate of a DAG split, behind ``DagSplit.check``: validity, cost, and max-flow / min-cut duality.

The check does not trust the method: it computes the maximum flow of the
exact DADS network (:func:`~.model.exact_network`) itself, with networkx's
Edmonds-Karp algorithm (the ``"flow"`` method uses preflow-push). By
weak duality every flow's value is a lower bound on every cut's capacity,
and the capacity of the cut of a valid split is its cost (the DADS
construction), so ``(cost - max flow) / cost`` is an exact optimality gap for
any method, built in or a user's. All of it is in exact integer arithmetic:
the gap is 0 for an optimal split, whatever the costs' magnitudes.
"""

from __future__ import annotations

import math
from fractions import Fraction

import networkx as nx
from networkx.algorithms.flow import edmonds_karp

from edgeopt.core.errors import SolverError
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.dag_split.model import DagSplitParams, device_set, exact_network


def max_flow_value(params: DagSplitParams) -> Fraction:
    """The maximum flow (= minimum cut) value of the instance, exact, by Edmonds-Karp."""
    net, source, sink, denominator = exact_network(params)
    try:
        value = nx.maximum_flow_value(net, source, sink, flow_func=edmonds_karp)
    except nx.NetworkXException as err:
        raise SolverError(f"networkx maximum_flow_value failed: {err}") from err
    return Fraction(value, denominator)


def split_report(params: DagSplitParams, solution: Solution) -> KKTReport:
    """Validity of the split, agreement of the objective with its cost, and the max-flow optimality gap.

    Parameters
    ----------
    params : DagSplitParams
        The instance.
    solution : Solution
        A solution with ``x["on_device"]``, a mask in the order of
        ``extras["order"]`` (default :attr:`~.model.DagSplitParams.order`).

    Returns
    -------
    KKTReport
        ``primal_feasibility``: ``inf`` for an invalid split, else the
        relative difference between the objective and the split's exact cost
        (``details["objective_recomputed"]``); ``duality_gap``: ``(cost - F) /
        cost`` with ``F`` the maximum flow computed here (0 when both are 0;
        ``details["max_flow"]``). A solution without a point reports ``inf``
        everywhere.

    """
    if not solution.has_point:
        return KKTReport()
    on_device = device_set(params, solution)
    valid = params.is_valid(on_device)
    cost = params.exact_cost(on_device)
    flow = max_flow_value(params)
    scale = max(abs(float(cost)), math.ulp(0.0))
    mismatch = abs(solution.objective - float(cost)) / scale if math.isfinite(solution.objective) else math.inf
    gap = 0.0 if cost == flow else float((cost - flow) / cost) if cost else math.inf
    return KKTReport(
        primal_feasibility=mismatch if valid else math.inf,
        dual_feasibility=0.0,
        stationarity=0.0,
        complementary_slackness=0.0,
        duality_gap=gap,
        details={
            "invalid_split": 0.0 if valid else math.inf,
            "objective_recomputed": mismatch,
            "max_flow": float(flow),
        },
    )
