"""The :class:`Problem` base class, its method table and :func:`register_method`.

Every problem of edgeopt presents the same face:

- ``Problem(params)`` holds a frozen Params dataclass in SI units;
- ``Problem.from_scenario(name, **overrides)`` and ``Problem.scenarios()``
  reach the named scenarios of the problem's ``scenarios`` module;
- ``solve(method=..., **options)`` looks the method up in ``METHODS``, one
  plain dict per problem class mapping a snake_case name to a function
  ``f(params, **options) -> Solution``;
- ``solve_batch(problems, method=...)`` where a method is batched
  (``BATCH_METHODS``, functions ``f(list_of_params, **options) -> list``);
- ``check(solution)`` returns the :class:`~edgeopt.core.report.KKTReport`,
  ``check_batch(params, solutions)`` those of many instances (one at a time
  unless the problem vectorises it);
- every answer is re-checked before it is returned (the result contract of
  :mod:`edgeopt.core.contract`), at the tolerances the problem states once
  as ``FEASIBILITY_TOL`` and ``CERTIFICATE_TOL``; ``solve_batch`` re-checks
  its answers through ``check_batch``.

Users add their own methods with :func:`register_method` and compare them
with the built-in ones through ``edgeopt.bench.compare``.
"""

from __future__ import annotations

import inspect
import math
import re
import time
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import numpy as np

from edgeopt.core import contract
from edgeopt.core.errors import EdgeOptError, InfeasibleError, InvalidParameterError, UnknownMethodError
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status

MethodFunction = Callable[..., Solution]
BatchFunction = Callable[..., list[Solution]]
ProblemT = TypeVar("ProblemT", bound="Problem")

_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


class Problem:
    """Base class of every edgeopt problem.

    Class attributes a subclass sets
    --------------------------------
    NAME : str
        The problem's key in ``edgeopt.PROBLEMS`` (``"fog"``, ``"iscc"``, ...).
    PARAMS : type
        The Params dataclass the constructor takes.
    METHODS : dict of str to callable
        Its own method table: name -> ``f(params, **options) -> Solution``.
    DEFAULT_METHOD : str
        The best exact method; the paper's own algorithm stays available by name.
    BATCH_METHODS : dict of str to callable
        Methods vectorised over many instances: name -> ``f(params_list, **options)``.
    DEPRECATED_METHODS : dict of str to str
        Old method name -> new name; the old one still works, with a ``DeprecationWarning``.
    SCENARIOS : module
        The problem's ``scenarios`` module, with ``names()`` and ``params(name, **overrides)``.
    FEASIBILITY_TOL : float
        Largest relative constraint violation (``check(...).primal_feasibility``)
        of a point labelled ``optimal`` or ``feasible``; above it the answer
        becomes ``failed``. The default, 1e-8, is the project's stated
        feasibility tolerance.
    CERTIFICATE_TOL : float
        Largest certificate value (:meth:`certificate`, the relative duality
        gap by default) of a point labelled ``optimal``; above it the answer
        becomes ``feasible``. The default, 1e-6, is the project's stated
        objective accuracy.

    Subclasses implement :meth:`_report` (the problem's own KKT /
    feasibility report) and, where it helps, :meth:`solution_shapes`; the
    public :meth:`check` wraps them. A problem whose report is cheaper for
    many instances at once overrides :meth:`check_batch` (same reports as
    :meth:`check`, one call for the batch).

    """

    NAME: ClassVar[str] = ""
    PARAMS: ClassVar[type] = object
    METHODS: ClassVar[dict[str, MethodFunction]] = {}
    DEFAULT_METHOD: ClassVar[str] = "analytic"
    BATCH_METHODS: ClassVar[dict[str, BatchFunction]] = {}
    DEPRECATED_METHODS: ClassVar[dict[str, str]] = {}
    SCENARIOS: ClassVar[ModuleType | None] = None
    FEASIBILITY_TOL: ClassVar[float] = 1e-8
    CERTIFICATE_TOL: ClassVar[float] = 1e-6

    def __init__(self, params: Any) -> None:
        if not isinstance(params, self.PARAMS):
            raise InvalidParameterError(
                f"{type(self).__name__} takes a {self.PARAMS.__name__}, got {type(params).__name__}"
            )
        self.params = params
        self.scenario: str | None = None  # the scenario name, where the instance came from one

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.params).__name__}(...))"

    @property
    def size(self) -> dict[str, int]:
        """The instance's size parameters, as in the benchmark rows' ``size`` (e.g. ``{"K": 20}``)."""
        return {}

    # ------------------------------------------------------------------ scenarios
    @classmethod
    def scenarios(cls) -> list[str]:
        """Names of the problem's named scenarios (for :meth:`from_scenario`)."""
        if cls.SCENARIOS is None:
            return []
        return list(cls.SCENARIOS.names())

    @classmethod
    def from_scenario(cls: type[ProblemT], name: str, **overrides: Any) -> ProblemT:
        """The problem of a named scenario; ``overrides`` replace scenario entries."""
        if cls.SCENARIOS is None:
            raise InvalidParameterError(f"{cls.__name__} has no named scenarios")
        names = cls.scenarios()
        if name not in names:
            raise InvalidParameterError(f"unknown {cls.NAME} scenario {name!r}; available: {names}")
        problem = cls(cls.SCENARIOS.params(name, **overrides))
        problem.scenario = name
        return problem

    # ------------------------------------------------------------------ methods
    @classmethod
    def method_names(cls) -> list[str]:
        """Names of the registered methods, default first."""
        names = sorted(cls.METHODS)
        if cls.DEFAULT_METHOD in names:
            names.remove(cls.DEFAULT_METHOD)
            names.insert(0, cls.DEFAULT_METHOD)
        return names

    @classmethod
    def method_options(cls, method: str | None = None) -> set[str] | None:
        """Keyword options a method takes (None when it takes any ``**options``)."""
        _, function = cls._lookup(method, cls.METHODS, "method")
        return _keyword_names(function)

    @property
    def methods(self) -> list[str]:
        """Names of the registered methods, default first."""
        return self.method_names()

    @classmethod
    def _lookup(cls, method: str | None, table: dict[str, Any], what: str) -> tuple[str, Any]:
        name = cls.DEFAULT_METHOD if method is None else method
        if name in cls.DEPRECATED_METHODS:
            new = cls.DEPRECATED_METHODS[name]
            warnings.warn(
                f"method {name!r} of {cls.__name__} is now called {new!r}; the old name goes in the next release",
                DeprecationWarning,
                stacklevel=3,
            )
            name = new
        try:
            return name, table[name]
        except KeyError:
            available = cls.method_names() if table is cls.METHODS else sorted(table)
            raise UnknownMethodError(
                f"unknown {what} {name!r} for {cls.__name__}; available: {', '.join(available) or 'none'}"
            ) from None

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
        name, function = self._lookup(method, self.METHODS, "method")
        options = _accepted_options(name, function, options)
        start = time.perf_counter()
        try:
            solution = function(self.params, **options)
        except Exception as err:  # only a dependency's error becomes a status; anything else is re-raised
            if not contract.is_dependency_error(err):
                raise
            solution = contract.failed_from_exception(name, err)
        elapsed = time.perf_counter() - start
        if not isinstance(solution, Solution):
            raise EdgeOptError(
                f"method {name!r} of {type(self).__name__} returned {type(solution).__name__}, not a Solution"
            )
        solution.method = name
        solution.problem = self.NAME
        if solution.solve_time_s == 0.0:
            solution.solve_time_s = elapsed
        solution = contract.enforce(self, solution)
        if raise_on_infeasible and solution.status is Status.INFEASIBLE:
            raise InfeasibleError(solution.reason or "the instance is infeasible")
        return solution

    @classmethod
    def solve_batch(cls, problems: Sequence[Any], method: str | None = None, **options: Any) -> list[Solution]:
        """Solve many instances in one vectorised call of a batched method.

        Parameters
        ----------
        problems : sequence of Problem or Params
            The instances, in any order and of any mix of sizes the method accepts.
        method : str, optional
            A name from ``BATCH_METHODS``; the default is ``DEFAULT_METHOD``.
        **options
            Passed to the method (unknown ones are dropped with a warning).

        Returns
        -------
        list of Solution
            One per instance, in the given order; ``solve_time_s`` is the
            batch's wall time per instance.

        """
        name, function = cls._lookup(method, cls.BATCH_METHODS, "batched method")
        options = _accepted_options(name, function, options)
        params = [p.params if isinstance(p, Problem) else p for p in problems]
        for i, p in enumerate(params):
            if not isinstance(p, cls.PARAMS):
                raise InvalidParameterError(
                    f"{cls.__name__}.solve_batch takes {cls.PARAMS.__name__} or {cls.__name__} items, "
                    f"got {type(p).__name__} at index {i}"
                )
        try:
            solutions = list(function(params, **options)) if params else []
        except Exception as err:  # only a dependency's error becomes a status; anything else is re-raised
            if not contract.is_dependency_error(err):
                raise
            solutions = [contract.failed_from_exception(name, err) for _ in params]
        if len(solutions) != len(params):
            raise EdgeOptError(
                f"batched method {name!r} returned {len(solutions)} solutions for {len(params)} instances"
            )
        for solution in solutions:
            solution.method = name
            solution.problem = cls.NAME
        return contract.enforce_batch(cls, params, solutions)

    def check(self, solution: Solution) -> KKTReport:
        """Constraint violations and KKT residuals of ``solution`` for this instance.

        Raises
        ------
        InvalidParameterError
            When ``solution`` is not a :class:`Solution`, comes from another
            problem, or its point lacks an entry or has the wrong shape for
            this instance.

        """
        self._check_fits(solution)
        try:
            return self._report(solution)
        except EdgeOptError:
            raise
        except REPORT_ERRORS as err:
            raise unreadable_point(type(self).__name__, err) from err

    @classmethod
    def check_batch(cls, params: Sequence[Any], solutions: Sequence[Solution]) -> list[KKTReport]:
        """:meth:`check` of many instances: ``[cls(p).check(s) for p, s in zip(params, solutions)]``.

        The result contract of :meth:`solve_batch` calls it once per batch; a
        problem overrides it with a vectorised form that returns the same
        reports.

        Raises
        ------
        InvalidParameterError
            As :meth:`check`, for the first solution that does not fit its instance.

        """
        return [cls(p).check(solution) for p, solution in zip(params, solutions, strict=True)]

    def _check_fits(self, solution: Solution) -> None:
        """The checks of :meth:`check` before the report: a :class:`Solution` of this problem, of this size."""
        if not isinstance(solution, Solution):
            raise InvalidParameterError(f"check takes a Solution, got {type(solution).__name__}")
        if solution.problem and solution.problem != self.NAME:
            raise InvalidParameterError(
                f"this solution comes from problem {solution.problem!r}, not {self.NAME!r}; "
                f"check it with that problem's check()"
            )
        if solution.has_point:
            shapes = self.solution_shapes()
            for key, shape in shapes.items():
                if key not in solution.x:
                    raise InvalidParameterError(
                        f"solution.x has no entry {key!r}; a {type(self).__name__} point needs {sorted(shapes)}"
                    )
                if np.shape(solution.x[key]) != tuple(shape):
                    raise InvalidParameterError(
                        f"solution.x[{key!r}] has shape {np.shape(solution.x[key])}, this instance needs {tuple(shape)}"
                    )

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """The entries of ``x`` that :meth:`check` reads, with their shapes for this instance."""
        return {}

    def certificate(self, report: KKTReport) -> float:
        """The value that certifies ``optimal`` (at most ``CERTIFICATE_TOL``): the duality gap by default."""
        return abs(report.duality_gap)

    def _report(self, solution: Solution) -> KKTReport:
        """The problem's own constraint violations and KKT residuals (subclasses implement it)."""
        raise NotImplementedError


def register_method(
    problem: type[Problem],
    name: str,
    function: MethodFunction | None = None,
    *,
    batch: BatchFunction | None = None,
    replace: bool = False,
) -> Any:
    """Register ``function(params, **options) -> Solution`` as method ``name`` of ``problem``.

    Parameters
    ----------
    problem : type
        A :class:`Problem` subclass, e.g. ``edgeopt.FogPartitioning``.
    name : str
        A snake_case method name.
    function : callable, optional
        The method. Without it, ``register_method`` returns a decorator.
    batch : callable, optional
        A batched form ``f(list_of_params, **options) -> list[Solution]``, made
        available through ``problem.solve_batch``.
    replace : bool
        Allow replacing a method of that name (by default that is an error).

    Returns
    -------
    callable
        ``function`` itself (or the decorator).

    Examples
    --------
    >>> import edgeopt as eo
    >>> @eo.register_method(eo.DagSplit, "all_on_server")
    ... def all_on_server(params):
    ...     ...

    """
    if not (isinstance(problem, type) and issubclass(problem, Problem)) or problem is Problem:
        raise InvalidParameterError(f"problem must be a Problem subclass (e.g. edgeopt.DagSplit), got {problem!r}")
    if not isinstance(name, str) or not _SNAKE_CASE.match(name):
        raise InvalidParameterError(f"method name must be snake_case (e.g. 'my_method'), got {name!r}")

    def add(fn: MethodFunction) -> MethodFunction:
        if not callable(fn):
            raise InvalidParameterError(f"method {name!r} must be callable, got {fn!r}")
        if name in problem.METHODS and not replace:
            raise InvalidParameterError(
                f"{problem.__name__} already has a method {name!r}; pass replace=True to replace it"
            )
        # Each subclass owns its table: never write into a parent's dict.
        if "METHODS" not in problem.__dict__:
            problem.METHODS = dict(problem.METHODS)
        problem.METHODS[name] = fn
        if batch is not None:
            if "BATCH_METHODS" not in problem.__dict__:
                problem.BATCH_METHODS = dict(problem.BATCH_METHODS)
            problem.BATCH_METHODS[name] = batch
        return fn

    return add if function is None else add(function)


def _accepted_options(name: str, function: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` without those ``function`` does not take, with a warning naming them."""
    accepted = _keyword_names(function)
    if accepted is None:
        return options
    unknown = sorted(set(options) - accepted)
    if unknown:
        warnings.warn(
            f"method {name!r} ignores unknown option(s) {unknown}; it takes {sorted(accepted) or 'no options'}",
            UserWarning,
            stacklevel=4,
        )
        options = {k: v for k, v in options.items() if k in accepted}
    return options


def _keyword_names(function: Callable[..., Any]) -> set[str] | None:
    """Keyword options a method function takes after its first argument, or None if it takes ``**kw``."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters}


#: What a problem's report raises on a point it cannot read (a missing key, a wrong shape); :meth:`Problem.check`
#: turns these into ``InvalidParameterError`` (:func:`unreadable_point`).
REPORT_ERRORS: tuple[type[Exception], ...] = (KeyError, IndexError, ValueError, ZeroDivisionError)


def unreadable_point(problem: str, err: Exception) -> InvalidParameterError:
    """The ``InvalidParameterError`` for a report of ``problem`` that failed with ``err`` (one of REPORT_ERRORS)."""
    return InvalidParameterError(f"the solution does not fit this {problem} instance: {type(err).__name__}: {err}")


def failed(reason: str, **extras: Any) -> Solution:
    """A ``FAILED`` solution carrying ``reason``."""
    return Solution(status=Status.FAILED, objective=math.inf, extras={"reason": reason, **extras})


def infeasible(reason: str, **extras: Any) -> Solution:
    """An ``INFEASIBLE`` solution carrying ``reason`` (objective ``inf``)."""
    return Solution(status=Status.INFEASIBLE, objective=math.inf, extras={"reason": reason, **extras})
