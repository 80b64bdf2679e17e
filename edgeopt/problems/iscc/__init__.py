"""Energy-efficient ISCC edge inference (paper 002): one package, model to methods.

=================  ==========================================================
``model``          :class:`IsccParams` and the paper's equations (3)-(22)
``lemma4``         Lemma 4: optimal ``(P_c, v_e)`` of sub-problem (26), vectorised
``analytic``       the default method: a certified 1-D search in ``p`` per (split, Q)
``alternating``    the paper's Algorithm 2
``certificate``    constraint violations of a design; KKT residuals of (45)
``reference``      the independent global search (nested zooms) and Lemma 4 in CVXPY
``baselines``      the comparison schemes of Sec. V
``scenarios``      Table II / III scenarios, the seeded random and wide instances
``problem``        :class:`IsccProblem` and its method table
=================  ==========================================================
"""

from edgeopt.problems.iscc import scenarios
from edgeopt.problems.iscc.alternating import GOLDEN_ITERATIONS, solve_alternating
from edgeopt.problems.iscc.analytic import design_grid, feasible_window, reduced_energy, search, solve_analytic
from edgeopt.problems.iscc.baselines import (
    BASELINES,
    PCA_COMPONENTS,
    PCA_RESIDUAL_ENERGY,
    jcc,
    no_pruning,
    on_device,
    on_server,
    typical_iscc,
)
from edgeopt.problems.iscc.certificate import design_report, lemma4_kkt
from edgeopt.problems.iscc.lemma4 import Lemma4Result, lemma4
from edgeopt.problems.iscc.model import (
    Q_MAX,
    IsccParams,
    infeasibility_reason,
    make_solution,
    point,
    u_pruning,
    v_quantisation,
)
from edgeopt.problems.iscc.problem import IsccProblem
from edgeopt.problems.iscc.reference import (
    Lemma4Cvxpy,
    Lemma4Reference,
    lemma4_cvxpy,
    solve_global,
)
from edgeopt.problems.iscc.scenarios import wide_params

__all__ = [
    "BASELINES",
    "feasible_window",
    "wide_params",
    "GOLDEN_ITERATIONS",
    "PCA_COMPONENTS",
    "PCA_RESIDUAL_ENERGY",
    "Q_MAX",
    "IsccParams",
    "IsccProblem",
    "Lemma4Cvxpy",
    "Lemma4Reference",
    "Lemma4Result",
    "design_grid",
    "design_report",
    "infeasibility_reason",
    "jcc",
    "lemma4",
    "lemma4_cvxpy",
    "lemma4_kkt",
    "make_solution",
    "no_pruning",
    "on_device",
    "on_server",
    "point",
    "scenarios",
    "reduced_energy",
    "search",
    "solve_alternating",
    "solve_analytic",
    "solve_global",
    "typical_iscc",
    "u_pruning",
    "v_quantisation",
]
