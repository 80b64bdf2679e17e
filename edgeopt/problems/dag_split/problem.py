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
    :meth:`check` is the certificate of :mod:`.certificate`: it computes the
    maximum flow itself, so any method's answer can be certified.

    Tolerances (the result contract's, stated once):

    =================  =====  ==================================================
    ``FEASIBILITY_TOL``  1e-8   relative difference between the objective and the
                                split's exact cost (an invalid split is ``inf``);
                                the built-in methods return the correctly rounded
                                cost, 1e-16 relative
    ``CERTIFICATE_TOL``  1e-6   ``(cost - max flow) / cost``, computed exactly
                                (integer capacities): 0 at an optimal split
    =================  =====  ==================================================

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
    FEASIBILITY_TOL: ClassVar[float] = 1e-8
    CERTIFICATE_TOL: ClassVar[float] = 1e-6

    params: DagSplitParams

    @property
    def size(self) -> dict[str, int]:
        """Layers and data dependencies of the network."""
        g = self.params.graph
        return {"layers": int(g.number_of_nodes()), "edges": int(g.number_of_edges())}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """``x["on_device"]``: one entry per layer, in :attr:`~.model.DagSplitParams.order`."""
        return {"on_device": (self.params.graph.number_of_nodes(),)}

    def _report(self, solution: Solution) -> KKTReport:
        """Validity, the objective against the exact cost, the max-flow gap (:func:`~.certificate.split_report`)."""
        return split_report(self.params, solution)
