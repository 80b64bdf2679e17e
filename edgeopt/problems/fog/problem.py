"""The fog partitioning problem of Kilcioglu et al. (2021) and its method table.

Methods (``FogPartitioning.METHODS``), each ``f(params, **options) -> Solution``:

============================  ================================================
``"analytic"`` (default)      batched interior point + KKT Newton
                              (:func:`edgeopt.problems.fog.barrier.solve`);
                              also batched: ``FogPartitioning.solve_batch``
``"decomposition"``           the paper's nested primal-dual decomposition,
                              solved exactly
                              (:func:`edgeopt.problems.fog.decomposition.solve`)
``"cvxpy"``                   the CVXPY reference model (31)
                              (:func:`edgeopt.problems.fog.reference.solve_cvxpy`)
``"no_opt_dist"``             the paper's NoOptDist baseline, equal rows
                              (:func:`edgeopt.problems.fog.baselines.no_opt_dist`;
                              the old name ``"NoOptDist"`` still works, deprecated)
============================  ================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import REPORT_ERRORS, BatchFunction, MethodFunction, Problem, unreadable_point
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.fog import barrier, baselines, decomposition, reference, scenarios
from edgeopt.problems.fog.certificate import kkt_report, kkt_report_batch
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.model import FogParams, energy_terms, repair_point
from edgeopt.problems.fog.rounding import round_rows

FloatArray = NDArray[np.float64]


class FogPartitioning(Problem):
    """Problem (24)/(31) of Kilcioglu et al. (2021): minimise the collaborative energy.

    Parameters
    ----------
    params : FogParams
        The instance.

    Examples
    --------
    >>> import edgeopt as eo
    >>> prob = eo.FogPartitioning.from_scenario("kilcioglu2021-fig6")
    >>> sol = prob.solve()
    >>> sol.status.value
    'optimal'

    Independent instances are solved together, in one vectorised call per
    size ``(K, n_layers)``, with the default method:

    >>> base = prob.params
    >>> sols = eo.FogPartitioning.solve_batch([base.replace(tau=t) for t in (0.2, 0.3)])
    >>> [s.status.value for s in sols]
    ['optimal', 'optimal']

    """

    NAME: ClassVar[str] = "fog"
    PARAMS: ClassVar[type] = FogParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {
        "analytic": barrier.solve,
        "decomposition": decomposition.solve,
        "cvxpy": reference.solve_cvxpy,
        "no_opt_dist": baselines.no_opt_dist,
    }
    DEFAULT_METHOD: ClassVar[str] = "analytic"
    BATCH_METHODS: ClassVar[dict[str, BatchFunction]] = {"analytic": barrier.solve_batch}
    DEPRECATED_METHODS: ClassVar[dict[str, str]] = {"NoOptDist": "no_opt_dist"}
    SCENARIOS: ClassVar[ModuleType | None] = scenarios

    params: FogParams

    def __repr__(self) -> str:
        p = self.params
        return f"FogPartitioning(K={p.K}, n_layers={p.n_layers}, tau={p.tau:g} s)"

    @property
    def size(self) -> dict[str, int]:
        """Nodes and collaborative layers, as in the benchmark rows."""
        return {"K": self.params.K, "n_layers": self.params.n_layers}

    # -- evaluation -------------------------------------------------------
    def energy(self, x: dict[str, FloatArray]) -> float:
        """Total energy of a point in joules (the objective of (24))."""
        return energy_terms(self.params, x)["total"]

    def energy_per_mac(self, solution: Solution) -> float:
        """``E^MAC``: the objective divided by the collaborative MACs (Sec. IX)."""
        return solution.objective / self.params.layout.total_macs(self.params)

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """The entries of ``x`` that :meth:`check` reads (:data:`~edgeopt.problems.fog.model.VARIABLES`)."""
        K, N = self.params.K, self.params.n_layers
        per_node = ("t_frd", "p_frd")
        per_layer = ("t_loc", "f_cpu", "t_exc_above", "p_exc_above", "t_exc_below", "p_exc_below")
        return {
            "rows": (K,),
            "t_layer": (N,),
            **{name: (K,) for name in per_node},
            **{name: (K, N) for name in per_layer},
        }

    def _report(self, solution: Solution) -> KKTReport:
        """Constraint violations and KKT residuals of ``solution`` (see :mod:`edgeopt.problems.fog.certificate`)."""
        return kkt_report(self.params, solution)

    @classmethod
    def check_batch(cls, params: Sequence[Any], solutions: Sequence[Solution]) -> list[KKTReport]:
        """:meth:`check` of many instances, in one compiled pass per size.

        The same reports as ``cls(p).check(s)`` one at a time, exactly
        (:func:`~edgeopt.problems.fog.certificate.kkt_report_batch`); the
        result contract of :meth:`solve_batch` calls it once per batch.
        """
        if not cls._all_fit(params, solutions):
            # Find the first misfit and say what is wrong with it, as check() does.
            for p, solution in zip(params, solutions, strict=True):
                cls(p)._check_fits(solution)
        try:
            return kkt_report_batch(params, solutions)
        except REPORT_ERRORS as err:
            raise unreadable_point(cls.__name__, err) from err

    @classmethod
    def _all_fit(cls, params: Sequence[Any], solutions: Sequence[Solution]) -> bool:
        """True when :meth:`_check_fits` passes for every pair: one pass per entry over the whole batch.

        Every solution is a :class:`Solution` of this problem, and every entry
        of :meth:`solution_shapes` of every point is an array of exactly its
        shape. False where anything else is seen (also where ``_check_fits``
        would accept it, e.g. a list): the caller then checks one at a time.
        """
        if len(params) != len(solutions):
            return False
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (p, solution) in enumerate(zip(params, solutions, strict=True)):
            if type(solution) is not Solution or solution.problem not in ("", cls.NAME):
                return False
            if solution.has_point:
                groups.setdefault((p.K, p.n_layers), []).append(i)
        for members in groups.values():
            points = [solutions[i].x for i in members]
            for name, shape in cls(params[members[0]]).solution_shapes().items():
                try:
                    if {getattr(x[name], "shape", None) for x in points} != {shape}:
                        return False
                except KeyError:
                    return False
        return True

    def minimum_latency(self) -> tuple[float, FloatArray]:
        """Smallest feasible latency and the rows achieving it.

        Every node at maximum power and CPU speed, rows free: a linear
        program in ``(d, t_n)`` solved with HiGHS (see
        :func:`edgeopt.problems.fog.min_latency.minimum_latency`).
        """
        return minimum_latency(self.params)

    # -- repair and rounding ----------------------------------------------
    def repair(self, x: dict[str, FloatArray]) -> dict[str, FloatArray] | None:
        """An exactly feasible point close to ``x`` (the benchmark's repair procedure).

        Keep the decisions: rows clipped at 0 and rescaled to ``d_y``; every
        transmit power clipped to ``(0, p_max]`` and its time set to exactly
        what the power needs for the bits; local times raised to their
        CPU-speed floor; each ``t_n`` the busiest node's time. If the latency
        then exceeds ``tau``, local times are moved towards their floors by a
        common fraction (bisection) until it fits. Returns None when even all
        local times at their floors do not fit
        (:func:`edgeopt.problems.fog.model.repair_point`).
        """
        return repair_point(self.params, x)

    def round_rows(self, solution: Solution, *, progress: bool = False) -> Solution:
        """Integer rows summing to ``d_y``, all other variables re-optimised.

        Starts from largest-remainder rounding of ``solution.x["rows"]`` and
        improves it by single-row moves between nodes while the re-optimised
        energy decreases, so the result is never worse than largest-remainder
        rounding; the candidates of each round are re-solved together by the
        batched interior-point path. ``extras`` reports ``rounding_cost_j``
        (energy above the continuous optimum) and ``rounding_cost_rel``;
        ``progress=True`` shows a tqdm bar over the rounds
        (:func:`edgeopt.problems.fog.rounding.round_rows`).
        """
        if solution.problem and solution.problem != self.NAME:
            raise InvalidParameterError(f"round_rows takes a fog solution, got one from problem {solution.problem!r}")
        return round_rows(self.params, solution, progress=progress)

    def to_cvxpy(self) -> tuple[Any, dict[str, Any]]:
        """The reference model (31) in CVXPY and its variables (:mod:`edgeopt.problems.fog.reference`)."""
        model = reference.build(self.params.K, self.params.n_layers, self.params.master)
        model.set_values(self.params)
        return model.problem, model.variables


__all__ = ["FogPartitioning"]
