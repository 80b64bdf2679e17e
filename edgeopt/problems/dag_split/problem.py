"""The :class:`DagSplit` problem (DADS) and its method table."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from edgeopt.core.problem import MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.dag_split import scenarios
from edgeopt.problems.dag_split.certificate import split_report
from edgeopt.problems.dag_split.min_cut import solve_min_cut
from edgeopt.problems.dag_split.model import DagSplitParams
from edgeopt.problems.dag_split.reference import solve_exhaustive


class DagSplit(Problem):
    """Minimum-cost device/server split of a DAG network.

    Methods: ``"flow"`` (default; the minimum s-t cut of :mod:`.min_cut`) and
    ``"exhaustive"`` (enumeration of the valid splits, :mod:`.reference`).
    :meth:`check` is the certificate of :mod:`.certificate`.

    Examples
    --------
    >>> sol = DagSplit.from_scenario("resnet18").solve()
    >>> sol.status.value, int(sol.x["on_device"].sum())
    ('optimal', 1)

    """

    NAME: ClassVar[str] = "dag_split"
    PARAMS: ClassVar[type] = DagSplitParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {"flow": solve_min_cut, "exhaustive": solve_exhaustive}
    DEFAULT_METHOD: ClassVar[str] = "flow"
    SCENARIOS: ClassVar[ModuleType | None] = scenarios

    params: DagSplitParams

    @property
    def size(self) -> dict[str, int]:
        """Layers and data dependencies of the network."""
        g = self.params.graph
        return {"layers": int(g.number_of_nodes()), "edges": int(g.number_of_edges())}

    def _report(self, solution: Solution) -> KKTReport:
        """Validity of the split and agreement of the objective with the cost of its device set.

        Max-flow / min-cut duality is the certificate: ``duality_gap`` compares
        the objective with the cut (= maximum flow) value when the flow method
        reports one (:func:`~.certificate.split_report`).
        """
        return split_report(self.params, solution)
