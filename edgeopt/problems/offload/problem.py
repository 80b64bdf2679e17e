"""The offloading problem class of paper 001 and its method table."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from edgeopt.core.problem import MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.offload import scenarios
from edgeopt.problems.offload.baselines import BASELINES
from edgeopt.problems.offload.certificate import lp_certificate
from edgeopt.problems.offload.enumeration import solve_enumeration
from edgeopt.problems.offload.model import OffloadParams
from edgeopt.problems.offload.reference import solve_cvxpy


class OffloadProblem(Problem):
    """Where to run ``Q`` inferences, and with which model (paper 001): least time, device energy or data.

    Per operating point (``Q``, edge load, rates) one of six options
    (:data:`~.model.OPTIONS`): the edge or the device, with the full, a
    pre-pruned or an on-demand-pruned model; minimise ``params.objective``
    over the ``Q`` requests subject to the accuracy floor and, optionally, a
    deadline and a battery.

    Methods: ``"analytic"`` (default; every option priced in closed form and
    the best feasible kept, vectorised over the batch: :mod:`.enumeration`),
    ``"cvxpy"`` (the one-hot MILP with HiGHS on costs restated from the paper:
    :mod:`.reference`) and the fixed workflows of the paper as baselines
    (``"edge_full"``, ``"device_pre_pruned"``, ...; :mod:`.baselines`). The
    break-even points are functions of :mod:`.closed_forms`; the fleet of
    devices is :class:`~.fleet.FleetProblem`.

    Tolerances of the result contract:

    ===================  =====  ================================================
    ``FEASIBILITY_TOL``  1e-8   the project's default: reported and re-priced
                                metrics are the same closed forms (rounding)
    ``CERTIFICATE_TOL``  1e-6   the project's default: relative excess of the
                                mean chosen metric over the exact LP bound (the
                                mean feasible row minimum); enumeration is at 0
    ===================  =====  ================================================

    Examples
    --------
    >>> from edgeopt.problems.offload import OffloadProblem
    >>> sol = OffloadProblem.from_scenario("chukhno2023-resnet152").solve()
    >>> sol.status.value
    'optimal'

    """

    NAME: ClassVar[str] = "offload"
    PARAMS: ClassVar[type] = OffloadParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {
        "analytic": solve_enumeration,
        "cvxpy": solve_cvxpy,
        **BASELINES,
    }
    DEFAULT_METHOD: ClassVar[str] = "analytic"
    SCENARIOS: ClassVar[ModuleType | None] = scenarios
    FEASIBILITY_TOL: ClassVar[float] = 1e-8
    CERTIFICATE_TOL: ClassVar[float] = 1e-6

    params: OffloadParams

    @property
    def size(self) -> dict[str, int]:
        """Operating points in the batch, and the six options."""
        points = 1
        for n in self.params.shape:
            points *= int(n)
        return {"points": points, "options": 6}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """``x["option"]`` and the three metrics, shaped like the batch."""
        shape = self.params.shape
        return {"option": shape, "time": shape, "energy": shape, "data": shape}

    def _report(self, solution: Solution) -> KKTReport:
        """The chosen options re-priced and checked, and the exact LP gap (:func:`~.certificate.lp_certificate`)."""
        return lp_certificate(self.params, solution)
