"""The :class:`L1Logistic` problem (paper 000, problem (10)) and its method table."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from edgeopt.core.problem import MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.compression import scenarios
from edgeopt.problems.compression.certificate import OPTIMALITY_TOL, subgradient_report
from edgeopt.problems.compression.fista import solve_fista
from edgeopt.problems.compression.model import L1LogisticParams
from edgeopt.problems.compression.newton import solve_newton
from edgeopt.problems.compression.reference import solve_cvxpy


class L1Logistic(Problem):
    """L1-regularised multinomial logistic regression, problem (10) of paper 000.

    Methods: ``"newton"`` (default, :mod:`.newton`: proximal Newton with
    exact quadratic models), ``"fista"`` (:mod:`.fista`: accelerated
    proximal gradient, the former default) and ``"cvxpy"`` (Clarabel by
    default, :mod:`.reference`). :meth:`check` reports the subgradient
    residual of :mod:`.certificate`, and :meth:`certificate` returns it.

    Tolerances
    ----------
    ======================  ========  ==============================================================
    ``FEASIBILITY_TOL``     1e-8      the default; (10) is unconstrained, every point is feasible
                                      (``primal_feasibility`` is 0)
    ``CERTIFICATE_TOL``     5e-7      the relative subgradient residual (``stationarity``) of an
                                      ``optimal`` point: twice it bounds the relative objective gap
                                      to first order (:mod:`.certificate`), so ``optimal`` means
                                      within the project's 1e-6 of the optimum
    ======================  ========  ==============================================================

    Examples
    --------
    >>> sol = L1Logistic.from_scenario("digits-small").solve()
    >>> sol.status.value
    'optimal'

    """

    NAME: ClassVar[str] = "compression"
    PARAMS: ClassVar[type] = L1LogisticParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {
        "newton": solve_newton,
        "fista": solve_fista,
        "cvxpy": solve_cvxpy,
    }
    DEFAULT_METHOD: ClassVar[str] = "newton"
    SCENARIOS: ClassVar[ModuleType | None] = scenarios
    CERTIFICATE_TOL: ClassVar[float] = OPTIMALITY_TOL  # the value is defined (with its reason) in certificate.py

    params: L1LogisticParams

    @property
    def size(self) -> dict[str, int]:
        """Samples, features and classes."""
        n, features = self.params.x.shape
        return {"samples": int(n), "features": int(features), "classes": int(self.params.n_classes)}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """``W`` (features, classes) and ``c`` (classes,)."""
        k = self.params.n_classes
        return {"W": (int(self.params.x.shape[1]), k), "c": (k,)}

    def certificate(self, report: KKTReport) -> float:
        """The relative subgradient residual (``report.stationarity``), not a duality gap."""
        return report.stationarity

    def _report(self, solution: Solution) -> KKTReport:
        """Subgradient optimality residuals (:func:`~.certificate.subgradient_report`).

        The weight conditions relative to ``1 - mu``, the bias conditions
        relative to each class's frequency; a conic solver's tiny non-zero
        weights in place of exact zeros show up as a weight residual of about 1.
        """
        return subgradient_report(self.params, solution)
