"""edgeopt: resource allocation for split / edge DNN inference.

Each paper's problem is a :class:`~edgeopt.core.Problem` with a fast analytic
solver (the default ``solve()`` method), an independent CVXPY reference
(``solve(method="cvxpy", solver=...)``) and a KKT report (``check``).
"""

from edgeopt.core import (
    EdgeOptError,
    InfeasibleError,
    InvalidParameterError,
    KKTReport,
    Problem,
    Solution,
    SolverError,
    Status,
    UnknownMethodError,
)
from edgeopt.problems.cut_selection import CutSelection, CutSelectionParams, PowerControl
from edgeopt.problems.dag_split import DagSplit, DagSplitParams
from edgeopt.problems.fog import FogParams, FogPartitioning
from edgeopt.problems.iscc import IsccParams, IsccProblem

__version__ = "0.1.0"

__all__ = [
    "CutSelection",
    "CutSelectionParams",
    "DagSplit",
    "DagSplitParams",
    "EdgeOptError",
    "FogParams",
    "FogPartitioning",
    "InfeasibleError",
    "InvalidParameterError",
    "IsccParams",
    "IsccProblem",
    "KKTReport",
    "PowerControl",
    "Problem",
    "Solution",
    "SolverError",
    "Status",
    "UnknownMethodError",
    "__version__",
]
