"""Time-varying cut-layer selection for remote inference (paper 000).

``model`` (parameters and energies, eqs. (1)-(8)), ``envelope`` (the analytic
method), ``exhaustive``, ``reference`` (HiGHS MILP and the power-control
program in CVXPY), ``certificate`` (the LP-relaxation certificate),
``baselines`` (Pool-1, softmax, PS, PSNC, fixed power), ``scenarios`` (the
calibrated setting, Table III, the trajectory, named and random instances)
and ``problem`` (:class:`CutSelection`).
"""

from edgeopt.problems.cut_selection import scenarios
from edgeopt.problems.cut_selection.envelope import lower_envelope, select_cuts
from edgeopt.problems.cut_selection.model import (
    BITS_PER_ELEMENT,
    RANGES,
    UNREACHABLE_CUT,
    CutSelectionParams,
    PowerControl,
    energy_at,
    energy_matrix,
    summarise,
)
from edgeopt.problems.cut_selection.problem import CutSelection
from edgeopt.problems.cut_selection.reference import (
    power_control_cvxpy,
    solve_cvxpy,
    solve_milp,
    solve_power_control,
)

__all__ = [
    "BITS_PER_ELEMENT",
    "RANGES",
    "UNREACHABLE_CUT",
    "CutSelection",
    "CutSelectionParams",
    "PowerControl",
    "energy_at",
    "energy_matrix",
    "lower_envelope",
    "power_control_cvxpy",
    "scenarios",
    "select_cuts",
    "solve_cvxpy",
    "solve_milp",
    "solve_power_control",
    "summarise",
]
