"""The :class:`L1Logistic` problem (paper 000, problem (10)) and its method table."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from edgeopt.core.problem import MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.compression import scenarios
from edgeopt.problems.compression.certificate import subgradient_report
from edgeopt.problems.compression.fista import solve_fista
from edgeopt.problems.compression.model import L1LogisticParams
from edgeopt.problems.compression.reference import solve_cvxpy


class L1Logistic(Problem):
    """L1-regularised multinomial logistic regression, problem (10) of paper 000.

    Methods: ``"fista"`` (default, :mod:`.fista`) and ``"cvxpy"`` (Clarabel by
    default, :mod:`.reference`). :meth:`check` is the subgradient residual of
    :mod:`.certificate`.

    Examples
    --------
    >>> sol = L1Logistic.from_scenario("digits-small").solve()
    >>> sol.status.value
    'optimal'

    """

    NAME: ClassVar[str] = "compression"
    PARAMS: ClassVar[type] = L1LogisticParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {"fista": solve_fista, "cvxpy": solve_cvxpy}
    DEFAULT_METHOD: ClassVar[str] = "fista"
    SCENARIOS: ClassVar[ModuleType | None] = scenarios

    params: L1LogisticParams

    @property
    def size(self) -> dict[str, int]:
        """Samples, features and classes."""
        n, features = self.params.x.shape
        return {"samples": int(n), "features": int(features), "classes": int(self.params.n_classes)}

    def _report(self, solution: Solution) -> KKTReport:
        """Subgradient optimality residual relative to ``lambda_max`` (:func:`~.certificate.subgradient_report`).

        ``lambda_max = max |grad_W|`` at ``W = 0`` (with the best biases) is the
        L1 weight above which ``W = 0`` is optimal: the natural size of the
        gradients. The residual of a point is zero exactly at the optimum;
        a conic solver's tiny non-zero weights in place of exact zeros show up
        as a residual of about ``(1 - mu) / lambda_max``.
        """
        return subgradient_report(self.params, solution)
