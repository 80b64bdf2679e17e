"""Core types shared by every problem: Problem, Solution, Status, errors, reports."""

from edgeopt.core.errors import (
    EdgeOptError,
    InfeasibleError,
    InvalidParameterError,
    SolverError,
    UnknownMethodError,
)
from edgeopt.core.problem import Problem, register_method
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution, to_frame
from edgeopt.core.status import Status, from_cvxpy_status

__all__ = [
    "EdgeOptError",
    "InfeasibleError",
    "InvalidParameterError",
    "KKTReport",
    "Problem",
    "Solution",
    "SolverError",
    "Status",
    "UnknownMethodError",
    "from_cvxpy_status",
    "register_method",
    "to_frame",
]
