"""Named solution statuses and the mapping of CVXPY's statuses into them."""

from __future__ import annotations

import enum


class Status(str, enum.Enum):  # noqa: UP042 - StrEnum would change str(Status.X)
    """Outcome of a solve.

    ``OPTIMAL``: a certified optimum (KKT / duality gap within tolerance).
    ``FEASIBLE``: a feasible point without an optimality certificate (a local or
    heuristic method, or a backend's inaccurate answer).
    ``INFEASIBLE``: the instance has no feasible point; ``extras["reason"]`` says why.
    ``FAILED``: the method could not produce a usable point.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    FAILED = "failed"

    @property
    def has_point(self) -> bool:
        """True when the solution carries a point that can be evaluated."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


# CVXPY status strings -> ours. Anything not listed maps to FAILED (explicit
# default, as in cvxpy's own settings module).
_CVXPY_STATUS = {
    "optimal": Status.OPTIMAL,
    "optimal_inaccurate": Status.FEASIBLE,
    "infeasible": Status.INFEASIBLE,
    "infeasible_inaccurate": Status.INFEASIBLE,
}


def from_cvxpy_status(status: str | None) -> Status:
    """Map a CVXPY status string to a :class:`Status` (default ``FAILED``)."""
    if status is None:
        return Status.FAILED
    return _CVXPY_STATUS.get(status, Status.FAILED)
