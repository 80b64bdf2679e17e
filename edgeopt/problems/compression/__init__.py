"""Model compression by L1-regularised training and magnitude pruning (paper 000, problem (10)).

``model`` (parameters, loss, objective, gradient, accuracy), ``newton`` (the
default method: proximal Newton), ``fista`` (accelerated proximal gradient,
the former default), ``reference`` (CVXPY), ``certificate`` (the subgradient
residual and the tolerance of ``optimal``), ``baselines`` (magnitude
pruning), ``scenarios`` (the digits, random and wide instances), ``blas``
(one BLAS thread during a solve) and ``problem`` (:class:`L1Logistic`).
"""

from edgeopt.problems.compression import scenarios
from edgeopt.problems.compression.baselines import prune
from edgeopt.problems.compression.model import L1LogisticParams, accuracy, gradient, loss, objective
from edgeopt.problems.compression.problem import L1Logistic
from edgeopt.problems.compression.scenarios import DigitsData

__all__ = [
    "DigitsData",
    "L1Logistic",
    "L1LogisticParams",
    "accuracy",
    "gradient",
    "loss",
    "objective",
    "prune",
    "scenarios",
]
