"""NOMA-based split inference in multi-cell MEC (paper 003): one package, model to methods.

==================  ===========================================================
``model``           :class:`NomaParams`, rates (5)-(10) with SIC, utility (19)-(22), exact gradients
``li_gd``           the paper's Algorithm 1 (``"li_gd"``, default) and plain GD (``"gd"``)
``per_user``        a split per user by coordinate descent on top of Li-GD (``"li_gd_per_user"``)
``exhaustive``      every assignment of a small NOMA instance, multi-start powers (``"exhaustive"``)
``analytic``        the exact OMA optimum: Lambert-W powers, cube-root speed, linear assignment
``reference``       the OMA problem in CVXPY (exponential cone), independent of ``analytic``
``certificate``     violations of a decision, relaxed stationarity, the OMA KKT conditions and bound
``baselines``       Device-Only, Edge-Only, Neurosurgeon, DNN surgery, ECC over OMA (Sec. VI)
``scenarios``       Sec. VI and the figures' scenarios, the seeded random and wide instances
``problem``         :class:`NomaProblem` and its method table
==================  ===========================================================
"""

from edgeopt.problems.noma import scenarios
from edgeopt.problems.noma.model import (
    DECISION_FIELDS,
    LinkGains,
    NomaDecision,
    NomaParams,
    RelaxedPoint,
    decision,
    evaluate,
    link_gains,
    utility_terms,
)
from edgeopt.problems.noma.problem import NomaProblem
from edgeopt.problems.noma.scenarios import split_profile, wide_params

__all__ = [
    "DECISION_FIELDS",
    "LinkGains",
    "NomaDecision",
    "NomaParams",
    "NomaProblem",
    "RelaxedPoint",
    "decision",
    "evaluate",
    "link_gains",
    "scenarios",
    "split_profile",
    "utility_terms",
    "wide_params",
]
