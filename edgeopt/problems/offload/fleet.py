"""The fleet of devices (issue 14, item 4; beyond paper 001): :class:`FleetProblem` and its method table.

The parameters and the cost are in :mod:`.fleet_model` (re-exported here:
``from edgeopt.problems.offload.fleet import FleetParams, FleetProblem``);
they live in their own module so that the reference, the flow, the
certificate and the scenarios can import them without importing this
problem class (and, through it, one another).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

from edgeopt.core.problem import MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.offload import fleet_scenarios
from edgeopt.problems.offload.fleet_certificate import fleet_report
from edgeopt.problems.offload.fleet_flow import solve_flow
from edgeopt.problems.offload.fleet_model import ON_DEVICE, FleetParams, assignment_cost
from edgeopt.problems.offload.fleet_reference import solve_milp

__all__ = ["ON_DEVICE", "FleetParams", "FleetProblem"]


class FleetProblem(Problem):
    """Place every device's inference requests on the device or at one of ``S`` servers, full or pruned model.

    Minimise the fleet's total cost (:mod:`.fleet_model`): each device's own
    cost at its place with its model, plus each server's convex congestion
    penalty ``gamma_s n_s max(0, n_s - m_s)``, subject to every device's
    accuracy floor. ``x["server"]`` is each device's server (-1 on the
    device), ``x["model"]`` its model (0 full, 1 pruned). A fleet in which a
    device has no allowed model is ``INFEASIBLE``, naming the device.

    Methods: ``"flow"`` (default; convex-cost min-cost flow, OR-Tools or
    networkx, made exact in floats: :mod:`.fleet_flow`) and ``"cvxpy"`` (the
    MILP with HiGHS and its LP relaxation: :mod:`.fleet_reference`).
    :meth:`check` is the certificate of :mod:`.fleet_certificate`: negative
    cycles of the assignment's residual graph and the Lagrangian bound at its
    potentials, computed from the point alone, whatever the method.

    Tolerances (the result contract's, stated once):

    ===================  =====  ================================================
    ``FEASIBILITY_TOL``  1e-8   relative difference between the objective and the
                                assignment's exact cost (``inf`` for a model below
                                a device's floor); both built-in methods return
                                the exact cost itself, so 0
    ``CERTIFICATE_TOL``  1e-9   the relative Lagrangian duality gap: the issue's
                                flow-versus-MILP bar. It is 0 in exact arithmetic
                                at an optimum; in floats it is a sum of
                                non-negative parts each rounded at ~1e-16 of its
                                terms (measured below 1e-13 on the tests' and the
                                benchmark's instances)
    ===================  =====  ================================================

    Examples
    --------
    >>> sol = FleetProblem.from_scenario("fleet-small").solve()
    >>> sol.status.value, sol.x["server"].shape
    ('optimal', (8,))

    """

    NAME: ClassVar[str] = "offload_fleet"
    PARAMS: ClassVar[type] = FleetParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {"flow": solve_flow, "cvxpy": solve_milp}
    DEFAULT_METHOD: ClassVar[str] = "flow"
    SCENARIOS: ClassVar[ModuleType | None] = fleet_scenarios
    FEASIBILITY_TOL: ClassVar[float] = 1e-8
    CERTIFICATE_TOL: ClassVar[float] = 1e-9

    params: FleetParams

    @property
    def size(self) -> dict[str, int]:
        """Devices and servers, as in the benchmark rows."""
        return {"devices": self.params.n_devices, "servers": self.params.n_servers}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """``x["server"]`` and ``x["model"]``: one entry per device."""
        return {"server": (self.params.n_devices,), "model": (self.params.n_devices,)}

    def evaluate(self, server: Any, model: Any) -> float:
        """The exact cost of an assignment (:func:`~.fleet_model.assignment_cost`).

        Parameters
        ----------
        server : array_like of int (U,)
            Each device's server, or -1 on the device.
        model : array_like of int (U,)
            Each device's model, 0 (full) or 1 (pruned).

        Returns
        -------
        float
            The cost; ``inf`` if a device's model is below its accuracy floor.

        Raises
        ------
        InvalidParameterError
            Naming ``server`` or ``model`` for a wrong type, shape or value.

        """
        return assignment_cost(self.params, server, model)

    def _report(self, solution: Solution) -> KKTReport:
        """Exact cost, negative cycles and the Lagrangian gap (:func:`~.fleet_certificate.fleet_report`)."""
        return fleet_report(self.params, solution)
