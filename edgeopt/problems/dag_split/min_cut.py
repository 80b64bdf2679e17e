"""The DAG split as a minimum s-t cut (method ``"flow"``, the default).

The cut of the DADS flow network (:func:`~.model.exact_network`, integer
capacities: exact whatever the costs' magnitudes) with the device on the
source side is the cheapest valid split; its capacity, the maximum flow's
value, is the split's cost (max-flow / min-cut duality, the certificate of
:mod:`.certificate`). The partition is read off the residual network of a
full maximum flow (:func:`edgeopt.solvers.graph.residual_source_side`, exact
at tolerance 0 on integers), not from :func:`networkx.minimum_cut`, whose
value-only preflow can saturate an "infinite" edge and return an invalid
split. Complexity: that of the preflow-push maximum flow on ``2n + 2``
nodes, ``O(n^2 sqrt(m))``, on integers of at most about 2,100 bits (the span
of the float exponents).
"""

from __future__ import annotations

from fractions import Fraction

import networkx as nx
from networkx.algorithms.flow import preflow_push

from edgeopt.core.errors import SolverError
from edgeopt.core.solution import Solution
from edgeopt.problems.dag_split.model import DagSplitParams, exact_network, split_solution
from edgeopt.solvers.graph import residual_source_side


def solve_min_cut(params: DagSplitParams) -> Solution:
    """Method ``"flow"``: the minimum s-t cut of the DADS flow network.

    Parameters
    ----------
    params : DagSplitParams
        The instance.

    Returns
    -------
    Solution
        As :func:`~.model.split_solution`, with the cut's capacity (the
        maximum flow's value, rounded once to a float) in
        ``extras["cut_value"]``.

    Raises
    ------
    SolverError
        If networkx's maximum flow fails.

    """
    net, source, sink, denominator = exact_network(params)
    try:
        value, flow = nx.maximum_flow(net, source, sink, flow_func=preflow_push)
    except nx.NetworkXException as err:
        raise SolverError(f"networkx maximum_flow failed: {err}") from err
    side = residual_source_side(net, source, flow, 0)
    on_device = {v for i, v in enumerate(params.order) if i in side}
    sol = split_solution(params, on_device, "networkx.maximum_flow (preflow-push, exact integer capacities)")
    sol.extras["cut_value"] = float(Fraction(value, denominator))
    return sol
