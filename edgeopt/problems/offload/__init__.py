"""When to offload an inference task (paper 001): edge vs on-device inference, and a fleet of devices.

==================  ===========================================================
``model``           :class:`OffloadParams`, eqs. (1)-(6) aggregated over ``Q``, the edge-load model
``closed_forms``    exact break-even ``Q``, load threshold and battery lifetime
``enumeration``     every option priced in closed form, the best kept (``"analytic"``, default)
``reference``       the one-hot MILP with HiGHS on costs restated from the paper (``"cvxpy"``)
``certificate``     the chosen options re-priced, and the exact LP-relaxation bound
``baselines``       the paper's fixed workflows (``"edge_full"``, ``"device_pre_pruned"``, ...)
``scenarios``       Sec. 4's scenarios from the DNN profiles and the UMi radio; seeded random and wide instances
``problem``         :class:`OffloadProblem` and its method table
``study``           the data of Figs. 3-5 and the paper's findings, each checked (``findings()``)
``fleet_model``     beyond the paper: :class:`FleetParams` (U devices, S servers), the exact cost, ``from_offload``
``fleet_flow``      the exact convex-cost min-cost flow (``"flow"``, default; OR-Tools, networkx cross-check)
``fleet_reference`` the fleet MILP with HiGHS and its LP relaxation (``"cvxpy"``)
``fleet_certificate`` negative-cycle optimality check and the Lagrangian bound
``fleet_scenarios`` named fleets, seeded random and wide fleets
``fleet``           :class:`FleetProblem` and its method table
==================  ===========================================================
"""

from edgeopt.problems.offload import scenarios
from edgeopt.problems.offload.closed_forms import (
    BATTERY_WH,
    battery_joules,
    battery_requests,
    break_even_requests,
    load_threshold,
)
from edgeopt.problems.offload.fleet import FleetParams, FleetProblem
from edgeopt.problems.offload.model import OPTION_NAMES, OPTIONS, OffloadParams, option_costs, option_lines
from edgeopt.problems.offload.problem import OffloadProblem

__all__ = [
    "BATTERY_WH",
    "FleetParams",
    "FleetProblem",
    "OPTIONS",
    "OPTION_NAMES",
    "OffloadParams",
    "OffloadProblem",
    "battery_joules",
    "battery_requests",
    "break_even_requests",
    "load_threshold",
    "option_costs",
    "option_lines",
    "scenarios",
]
