"""The ISCC problem class (paper 002) and its method table."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from edgeopt.core.problem import BatchFunction, MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.iscc import scenarios
from edgeopt.problems.iscc.alternating import solve_alternating
from edgeopt.problems.iscc.analytic import solve_analytic, solve_analytic_batch
from edgeopt.problems.iscc.baselines import BASELINES
from edgeopt.problems.iscc.certificate import design_report
from edgeopt.problems.iscc.model import FEASIBILITY_TOL, IsccParams
from edgeopt.problems.iscc.reference import solve_global


class IsccProblem(Problem):
    """Minimum device energy for ISCC edge inference (paper 002), problem (22).

    Methods: ``"analytic"`` (default: exact in each (split, Q) by a 1-D search
    in ``p`` on its exact feasible window, with Lemma 3 and Lemma 4 in closed
    form, certified per pair by convexity), ``"alternating"`` (the paper's
    Algorithm 2), ``"global"`` (an independent nested search in ``(p,
    T_comm)`` written from the model), and the baselines of Sec. V
    (:mod:`edgeopt.problems.iscc.baselines`): ``on_server``, ``on_device``,
    ``no_pruning``, ``typical_iscc``, ``jcc``. ``solve_batch`` takes
    ``"analytic"`` (:func:`~edgeopt.problems.iscc.analytic.solve_analytic_batch`):
    many instances, of any networks, in a few vectorised passes, each answer
    equal bit for bit to that instance's ``solve()``.

    Every method returns ``FEASIBLE``, never ``OPTIMAL``: the problem is not
    convex over the split and ``Q`` and no solve carries a certificate of
    global optimality. The analytic method's gap to the global reference is
    measured instead, in the tests and in ``edgeopt bench iscc``.

    Tolerances of the result contract:

    ===================  ======  ==============================================
    ``FEASIBILITY_TOL``  1e-8    the project's default; every method's point
                                 meets (21) to rounding and (C2) to 1e-12
                                 relative (:data:`~edgeopt.problems.iscc.model.FEASIBILITY_TOL`)
    ``CERTIFICATE_TOL``  1e-6    unused: no method claims ``OPTIMAL``
    ===================  ======  ==============================================

    ``check`` reads ``split``, ``Q``, ``p``, ``P_s``, ``P_c`` and ``v_e``
    (0-d arrays, :meth:`solution_shapes`), and a PCA front end's
    ``pca_components`` and ``pca_residual_energy`` where present (the
    ``typical_iscc`` baseline, :meth:`~edgeopt.problems.iscc.model.IsccParams.point_terms`).

    Examples
    --------
    >>> from edgeopt.problems.iscc import IsccProblem
    >>> sol = IsccProblem.from_scenario("latency").solve()
    >>> sol.status.value, round(1e3 * sol.objective, 3)  # mJ
    ('feasible', 8.033)

    """

    NAME: ClassVar[str] = "iscc"
    PARAMS: ClassVar[type] = IsccParams
    SCENARIOS: ClassVar[ModuleType | None] = scenarios
    DEFAULT_METHOD: ClassVar[str] = "analytic"
    METHODS: ClassVar[dict[str, MethodFunction]] = {
        "analytic": solve_analytic,
        "alternating": solve_alternating,
        "global": solve_global,
        **BASELINES,
    }
    BATCH_METHODS: ClassVar[dict[str, BatchFunction]] = {"analytic": solve_analytic_batch}

    FEASIBILITY_TOL: ClassVar[float] = FEASIBILITY_TOL

    params: IsccParams

    @property
    def size(self) -> dict[str, int]:
        """Candidate splits (layers + 1) and the largest bit count, as in the benchmark rows."""
        return {"splits": self.params.n_layers + 1, "q_max": self.params.q_max}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """The design's entries :meth:`check` reads: six scalars (0-d arrays)."""
        return {name: () for name in ("split", "Q", "p", "P_s", "P_c", "v_e")}

    def _report(self, solution: Solution) -> KKTReport:
        """Constraint violations of the returned design (the problem is not convex: no duality gap)."""
        return design_report(self.params, solution)
