"""One module per paper: parameters, problem class, CVXPY reference."""

from edgeopt.problems.fog import FogParams, FogPartitioning

__all__ = ["FogParams", "FogPartitioning"]
