"""The NOMA split-inference problem class (paper 003) and its method table."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any, ClassVar

from edgeopt.core.problem import MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.noma import scenarios
from edgeopt.problems.noma.analytic import solve_analytic
from edgeopt.problems.noma.baselines import BASELINES
from edgeopt.problems.noma.certificate import decision_violations, oma_kkt, relaxed_stationarity
from edgeopt.problems.noma.exhaustive import solve_exhaustive
from edgeopt.problems.noma.li_gd import solve_gd, solve_li_gd
from edgeopt.problems.noma.model import DECISION_FIELDS, NomaDecision, NomaParams, evaluate
from edgeopt.problems.noma.per_user import solve_li_gd_per_user
from edgeopt.problems.noma.reference import solve_cvxpy


class NomaProblem(Problem):
    """Minimum summed utility of NOMA multi-cell split inference (paper 003), problem (18) with (19)-(22).

    Methods: ``"li_gd"`` (default: the paper's Algorithm 1 with projection, Armijo steps, rounding with
    a cap repair and re-optimisation), ``"gd"`` (the same without warm starts, Corollary 4),
    ``"li_gd_per_user"`` (a split per user by coordinate descent on top of ``li_gd``, beyond the paper),
    ``"exhaustive"`` (small NOMA instances: every assignment, multi-start powers), ``"analytic"`` and
    ``"cvxpy"`` (the exact OMA optimum, ``access="oma"`` only), and the baselines of Sec. VI
    (:mod:`edgeopt.problems.noma.baselines`).

    The NOMA problem is not convex: ``li_gd``, ``gd``, ``li_gd_per_user``, ``exhaustive`` (a
    multi-start search in the powers) and the baselines return ``FEASIBLE``. On OMA the problem is
    convex for a split and an assignment, the assignment is an exact linear assignment and the split is
    enumerated: ``analytic`` returns ``OPTIMAL``, certified by the closed-form bound for its split and
    assignment (``duality_gap`` of :meth:`check`).

    Tolerances of the result contract:

    ===================  ======  ==============================================
    ``FEASIBILITY_TOL``  1e-8    the project's default; decisions meet their
                                 boxes exactly (projection, clipping)
    ``CERTIFICATE_TOL``  1e-6    the project's default: the OMA closed form
                                 against its bound (measured below 1e-13)
    ===================  ======  ==============================================

    ``check`` reads the decision's fields ``split, sub_up, sub_dn, p, P, r`` (each ``(U,)``) and
    reports: the constraint violations (:func:`~edgeopt.problems.noma.certificate.decision_violations`);
    at ``li_gd``'s relaxed point (``extras["relaxed"]``) the relative Frank-Wolfe gap of the relaxed
    problem as ``stationarity``; on OMA the KKT residuals of the convex problem and the gap to its bound.

    Examples
    --------
    >>> from edgeopt.problems.noma import NomaProblem
    >>> prob = NomaProblem.from_scenario("tiny-noma")
    >>> sol = prob.solve()
    >>> sol.status.value, sorted(sol.x)
    ('feasible', ['P', 'p', 'r', 'split', 'sub_dn', 'sub_up'])

    """

    NAME: ClassVar[str] = "noma"
    PARAMS: ClassVar[type] = NomaParams
    SCENARIOS: ClassVar[ModuleType | None] = scenarios
    DEFAULT_METHOD: ClassVar[str] = "li_gd"
    METHODS: ClassVar[dict[str, MethodFunction]] = {
        "li_gd": solve_li_gd,
        "gd": solve_gd,
        "li_gd_per_user": solve_li_gd_per_user,
        "exhaustive": solve_exhaustive,
        "analytic": solve_analytic,
        "cvxpy": solve_cvxpy,
        **BASELINES,
    }

    params: NomaParams

    @property
    def size(self) -> dict[str, int]:
        """Users, APs, subchannels and split units, as in the benchmark rows."""
        p = self.params
        return {"U": p.n_users, "N": p.n_aps, "M": p.n_subchannels, "F": p.n_units}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """The decision's fields, one entry per user."""
        return {name: (self.params.n_users,) for name in DECISION_FIELDS}

    def evaluate(self, decision: NomaDecision | dict[str, Any]) -> float:
        """The exact utility (19)-(22) of an integral decision (:func:`~edgeopt.problems.noma.model.evaluate`)."""
        return evaluate(self.params, decision)

    def _report(self, solution: Solution) -> KKTReport:
        """Violations of the decision; the relaxed point's stationarity; on OMA the convex problem's KKT."""
        if not solution.has_point:
            return KKTReport()
        details = decision_violations(self.params, solution.x)
        feasible = max(details.values())
        report = KKTReport(primal_feasibility=feasible, details=dict(details))
        relaxed = solution.extras.get("relaxed")
        if isinstance(relaxed, dict):
            gaps = relaxed_stationarity(self.params, relaxed)
            report.details.update(gaps)
            report.stationarity = max(gaps.values())
        if self.params.access == "oma" and math.isfinite(feasible) and feasible <= self.FEASIBILITY_TOL:
            kkt = oma_kkt(self.params, solution.x)
            report.details.update({f"oma_{k}": v for k, v in kkt.items()})
            report.stationarity = kkt["max_residual"]
            report.dual_feasibility = 0.0
            report.complementary_slackness = 0.0
            report.duality_gap = kkt["objective_bound_gap"]
        return report
