"""The :class:`Solution` dataclass every method returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status


@dataclass
class Solution:
    """Result of ``Problem.solve``.

    Attributes
    ----------
    status : Status
        Outcome; the backend's own status string is in ``extras["solver_status"]``.
    objective : float
        Objective of the returned point in SI units (joules for energy
        problems); ``inf`` when there is no point. Never NaN.
    x : dict of str to numpy.ndarray
        Named primal variables in SI units; empty when there is no point.
    duals : dict of str to numpy.ndarray, optional
        Named Lagrange multipliers, or None when the method gives none.
    iterations : int
        Iterations of the method's main loop (0 where not meaningful).
    solve_time_s : float
        Wall time of the solve.
    method : str
        Registered method name that produced this solution.
    extras : dict
        Method-specific information (``reason`` for infeasible instances,
        ``solver_status``, ``duality_gap``, ...).

    """

    status: Status
    objective: float = math.inf
    x: dict[str, np.ndarray] = field(default_factory=dict)
    duals: dict[str, np.ndarray] | None = None
    iterations: int = 0
    solve_time_s: float = 0.0
    method: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if math.isnan(self.objective):
            raise InvalidParameterError("Solution.objective must not be NaN")
        for name, value in self.x.items():
            if np.any(np.isnan(value)):
                raise InvalidParameterError(f"Solution.x[{name!r}] contains NaN")

    def __repr__(self) -> str:
        # One line: arrays are summarised by their shapes, not printed.
        shapes = ", ".join(f"{k}{tuple(np.shape(v))}" for k, v in self.x.items())
        where = f" by {self.method!r}" if self.method else ""
        return (
            f"Solution({self.status.value}{where}, objective={self.objective:.6g}, x=[{shapes}], "
            f"iterations={self.iterations}, time={self.solve_time_s * 1e3:.3g} ms)"
        )

    @property
    def has_point(self) -> bool:
        """True when ``x`` holds a point (status optimal or feasible)."""
        return self.status.has_point

    @property
    def reason(self) -> str | None:
        """Why the instance is infeasible or the method failed, if known."""
        reason = self.extras.get("reason")
        return None if reason is None else str(reason)

    def duality_gap(self) -> float:
        """Relative duality gap certificate, ``inf`` when none is available.

        A failed or multiplier-free solve can therefore never pass a check on
        the gap by accident.
        """
        gap = self.extras.get("duality_gap")
        return math.inf if gap is None or not self.has_point else float(gap)
