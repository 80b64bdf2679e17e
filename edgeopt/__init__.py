"""edgeopt: resource allocation for split / edge DNN inference.

Each paper's problem is a :class:`~edgeopt.core.Problem` with a fast analytic
solver (the default ``solve()`` method), an independent reference
(``solve(method="cvxpy", solver=...)`` or a global search) and a KKT report
(``check``). ``PROBLEMS`` lists every problem class by name;
:func:`register_method` adds a user's own method to one, and
``edgeopt.bench.compare`` measures it beside the built-in ones.
:func:`edgeopt.sweep` runs a resumable parameter sweep (``edgeopt.sweeps``)
serially, on local processes or on a Dask cluster.
"""

from __future__ import annotations

import importlib
from typing import Any

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
    register_method,
    to_frame,
)
from edgeopt.problems.compression import L1Logistic, L1LogisticParams
from edgeopt.problems.cut_selection import CutSelection, CutSelectionParams, PowerControl
from edgeopt.problems.dag_split import DagSplit, DagSplitParams
from edgeopt.problems.fog import FogParams, FogPartitioning
from edgeopt.problems.iscc import IsccParams, IsccProblem
from edgeopt.problems.noma import NomaParams, NomaProblem
from edgeopt.problems.offload import FleetParams, FleetProblem, OffloadParams, OffloadProblem
from edgeopt.problems.registry import PROBLEMS

__version__ = "0.1.0"

__all__ = [
    "PROBLEMS",
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
    "L1Logistic",
    "L1LogisticParams",
    "NomaParams",
    "NomaProblem",
    "FleetParams",
    "FleetProblem",
    "OffloadParams",
    "OffloadProblem",
    "PowerControl",
    "Problem",
    "Solution",
    "SolverError",
    "Status",
    "UnknownMethodError",
    "__version__",
    "bench",
    "register_method",
    "sweep",
    "to_frame",
]


def __getattr__(name: str) -> Any:
    # The harness sits above the problems and imports pandas-backed helpers; load it on first use
    # (``eo.bench.compare``) instead of at ``import edgeopt``, which also keeps the graph free of
    # a circle between this package and the harness.
    if name == "bench":
        return importlib.import_module("edgeopt.bench")
    if name == "sweep":
        # The sweeps sit above the harness (pandas, pyarrow, optionally Dask): loaded on first use too.
        return importlib.import_module("edgeopt.sweeps").sweep
    raise AttributeError(f"module 'edgeopt' has no attribute {name!r}")
