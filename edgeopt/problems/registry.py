"""``PROBLEMS``: every problem class of edgeopt by name, the one list the CLI and the harness read."""

from __future__ import annotations

from edgeopt.core.problem import Problem
from edgeopt.problems.compression.problem import L1Logistic
from edgeopt.problems.cut_selection.problem import CutSelection
from edgeopt.problems.dag_split.problem import DagSplit
from edgeopt.problems.fog.problem import FogPartitioning
from edgeopt.problems.iscc.problem import IsccProblem
from edgeopt.problems.noma.problem import NomaProblem
from edgeopt.problems.offload.fleet import FleetProblem
from edgeopt.problems.offload.problem import OffloadProblem

PROBLEMS: dict[str, type[Problem]] = {
    cls.NAME: cls
    for cls in (
        FogPartitioning,
        CutSelection,
        DagSplit,
        L1Logistic,
        IsccProblem,
        NomaProblem,
        OffloadProblem,
        FleetProblem,
    )
}

__all__ = ["PROBLEMS"]
