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
    problem : str
        ``NAME`` of the problem that produced it (``check`` refuses another's).
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
    problem: str = ""
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: arrays become (nested) lists, numpy scalars Python numbers.

        Non-finite objectives stay floats (``inf``); ``json.dumps`` writes them
        as ``Infinity`` unless told otherwise.
        """
        return {
            "problem": self.problem,
            "method": self.method,
            "status": self.status.value,
            "objective": float(self.objective),
            "iterations": int(self.iterations),
            "solve_time_s": float(self.solve_time_s),
            "x": {k: _plain(v) for k, v in self.x.items()},
            "duals": None if self.duals is None else {k: _plain(v) for k, v in self.duals.items()},
            "extras": {str(k): _plain(v) for k, v in self.extras.items()},
        }

    def to_frame(self) -> Any:
        """A tidy :class:`pandas.DataFrame`: one row per entry of ``x``.

        Columns: ``variable``, one ``index_0``, ``index_1``, ... column per
        array dimension (``<NA>`` for scalars and lower-dimensional entries),
        ``value``, plus ``method`` and ``status``. Needs pandas (the
        ``bench`` extra).
        """
        return to_frame([self]).drop(columns="solution")

    def duality_gap(self) -> float:
        """Relative duality gap certificate, ``inf`` when none is available.

        A failed or multiplier-free solve can therefore never pass a check on
        the gap by accident.
        """
        gap = self.extras.get("duality_gap")
        return math.inf if gap is None or not self.has_point else float(gap)


def _plain(value: Any) -> Any:
    """``value`` with numpy arrays and scalars turned into lists and Python numbers (recursively)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Status):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def to_frame(solutions: Any) -> Any:
    """One tidy :class:`pandas.DataFrame` of many solutions (e.g. a ``solve_batch`` result).

    Columns: ``solution`` (position in ``solutions``), ``method``,
    ``status``, ``variable``, ``index_0``, ``index_1``, ... and ``value``:
    one row per entry of every solution's ``x``.
    """
    try:
        import pandas as pd
    except ImportError as err:  # optional dependency, as in the benchmark harness
        raise ImportError("to_frame needs pandas: pip install 'edgeopt[bench]'") from err
    if isinstance(solutions, Solution):
        solutions = [solutions]
    parts = []
    depth = 0
    for position, solution in enumerate(solutions):
        if not isinstance(solution, Solution):
            raise InvalidParameterError(f"to_frame takes Solutions, got {type(solution).__name__} at {position}")
        for name, value in solution.x.items():
            arr = np.asarray(value)
            depth = max(depth, arr.ndim)
            index = np.indices(arr.shape).reshape(arr.ndim, -1) if arr.ndim else np.zeros((0, 1), dtype=int)
            frame = {f"index_{d}": index[d] for d in range(arr.ndim)}
            frame["value"] = arr.reshape(-1)
            part = pd.DataFrame(frame)
            part.insert(0, "variable", name)
            part.insert(0, "status", solution.status.value)
            part.insert(0, "method", solution.method)
            part.insert(0, "solution", position)
            parts.append(part)
    columns = ["solution", "method", "status", "variable", *[f"index_{d}" for d in range(depth)], "value"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True).reindex(columns=columns)
    for d in range(depth):
        table[f"index_{d}"] = table[f"index_{d}"].astype("Int64")
    return table
