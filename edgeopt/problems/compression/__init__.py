"""Model compression by L1-regularised training and magnitude pruning (paper 000, problem (10)).

``model`` (parameters, loss, objective, gradient, accuracy), ``fista`` (the
default method), ``reference`` (CVXPY), ``certificate`` (the subgradient
residual), ``baselines`` (magnitude pruning), ``scenarios`` (the digits and
random instances) and ``problem`` (:class:`L1Logistic`).
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
