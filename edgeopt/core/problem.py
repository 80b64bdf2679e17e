"""The :class:`Problem` base class and its per-problem method registry."""

from __future__ import annotations

import inspect
import math
import time
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

from edgeopt.core.errors import InfeasibleError, UnknownMethodError
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status

MethodFunction = Callable[..., Solution]


class Problem:
    """Base class of every edgeopt problem.

    A subclass keeps its methods in one visible, plain-dict registry,
    ``METHODS``, mapping a method name to a function ``f(problem, **options)
    -> Solution``; ``DEFAULT_METHOD`` names the best exact method.
    Subclasses implement :meth:`check` and, where one exists, ``to_cvxpy``.
    """

    METHODS: ClassVar[dict[str, MethodFunction]] = {}
    DEFAULT_METHOD: ClassVar[str] = "analytic"

    @property
    def methods(self) -> list[str]:
        """Names of the registered methods, default first."""
        names = sorted(self.METHODS)
        names.remove(self.DEFAULT_METHOD)
        return [self.DEFAULT_METHOD, *names]

    def solve(
        self,
        method: str | None = None,
        *,
        raise_on_infeasible: bool = False,
        **options: Any,
    ) -> Solution:
        """Solve the problem with a registered method.

        Parameters
        ----------
        method : str, optional
            A name from :attr:`methods`; the default is ``DEFAULT_METHOD``.
        raise_on_infeasible : bool
            Raise :class:`InfeasibleError` instead of returning a solution with
            ``Status.INFEASIBLE``.
        **options
            Passed to the method. Options the method does not take are
            dropped with a warning, never silently.

        Returns
        -------
        Solution

        """
        name = self.DEFAULT_METHOD if method is None else method
        try:
            function = self.METHODS[name]
        except KeyError:
            raise UnknownMethodError(
                f"unknown method {name!r} for {type(self).__name__}; available: {', '.join(self.methods)}"
            ) from None
        accepted = _keyword_names(function)
        if accepted is not None:
            unknown = sorted(set(options) - accepted)
            if unknown:
                warnings.warn(
                    f"method {name!r} ignores unknown option(s) {unknown}; it takes {sorted(accepted) or 'no options'}",
                    UserWarning,
                    stacklevel=2,
                )
                options = {k: v for k, v in options.items() if k in accepted}
        start = time.perf_counter()
        solution = function(self, **options)
        elapsed = time.perf_counter() - start
        solution.method = name
        if solution.solve_time_s == 0.0:
            solution.solve_time_s = elapsed
        if raise_on_infeasible and solution.status is Status.INFEASIBLE:
            raise InfeasibleError(solution.reason or "the instance is infeasible")
        return solution

    def check(self, solution: Solution) -> KKTReport:
        """Constraint violations and KKT residuals of ``solution``."""
        raise NotImplementedError


def _keyword_names(function: MethodFunction) -> set[str] | None:
    """Keyword options a method function takes, or None if it takes ``**kw``."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters}


def failed(reason: str, **extras: Any) -> Solution:
    """A ``FAILED`` solution carrying ``reason``."""
    return Solution(status=Status.FAILED, objective=math.inf, extras={"reason": reason, **extras})


def infeasible(reason: str, **extras: Any) -> Solution:
    """An ``INFEASIBLE`` solution carrying ``reason`` (objective ``inf``)."""
    return Solution(status=Status.INFEASIBLE, objective=math.inf, extras={"reason": reason, **extras})
