"""The comparison scheme of Kilcioglu et al. (2021), Sec. IX: NoOptDist (``method="no_opt_dist"``).

Rows are shared equally, ``d_k = d_y / K``; the layer times, the FRD and
exchange powers and times and the CPU speeds are still optimised (by the
same exact solver, with the rows held fixed), which makes it "a quite
challenging bound to be compared" as the paper puts it.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog.decomposition import MAX_ITER, TOL, solve_fixed_rows
from edgeopt.problems.fog.model import FogParams


def no_opt_dist(p: FogParams, *, tol: float = TOL, max_iter: int = MAX_ITER) -> Solution:
    """Solve with equal rows ``d_y / K``; status ``FEASIBLE`` (optimal only for those rows).

    Parameters
    ----------
    p : FogParams
        The instance.
    tol, max_iter
        As in :func:`edgeopt.problems.fog.decomposition.solve`.

    Returns
    -------
    Solution
        ``FEASIBLE`` with ``extras["note"]`` where the equal split meets
        ``tau``; ``INFEASIBLE`` where it cannot.

    """
    sol = solve_fixed_rows(p, np.full(p.K, p.d_y / p.K), tol=tol, max_iter=max_iter)
    if sol.status is Status.OPTIMAL:
        sol.status = Status.FEASIBLE
        sol.extras["note"] = "optimal for equal rows d_y / K, not for problem (31)"
    return sol


__all__ = ["no_opt_dist"]
