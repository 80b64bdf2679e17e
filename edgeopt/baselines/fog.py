"""The NoOptDist baseline of Kilcioglu et al. (2021), Sec. IX.

Rows are shared equally, ``d_k = d_y / K``; the layer times, the FRD and
exchange powers and times and the CPU speeds are still optimised (by the
same exact solver, with the rows held fixed), which makes it "a quite
challenging bound to be compared" as the paper puts it.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog import FogParams


def no_opt_dist(p: FogParams, *, tol: float = 1e-13, max_iter: int = 200) -> Solution:
    """Solve with equal rows ``d_y / K``; status ``FEASIBLE`` (optimal only for those rows)."""
    from edgeopt.solvers.fog import solve

    sol = solve(p, fixed_rows=np.full(p.K, p.d_y / p.K), tol=tol, max_iter=max_iter)
    if sol.status is Status.OPTIMAL:
        sol.status = Status.FEASIBLE
        sol.extras["note"] = "optimal for equal rows d_y / K, not for problem (31)"
    return sol
