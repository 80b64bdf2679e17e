"""Device/server split of a DAG network as a minimum s-t cut (the DADS construction).

``model`` (parameters, split costs, the flow network), ``min_cut`` (the
default method), ``reference`` (exhaustive enumeration), ``certificate``,
``scenarios`` (shipped profiles under latency costs, random DAGs) and
``problem`` (:class:`DagSplit`).
"""

from edgeopt.problems.dag_split import scenarios
from edgeopt.problems.dag_split.model import SINK, SOURCE, DagSplitParams, flow_network
from edgeopt.problems.dag_split.problem import DagSplit

__all__ = ["SINK", "SOURCE", "DagSplit", "DagSplitParams", "flow_network", "scenarios"]
