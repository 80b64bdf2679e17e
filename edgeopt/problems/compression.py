"""Model compression by L1-regularised training and magnitude pruning (paper 000, problem (10)).

Problem (9) trades the loss against the ``l0`` norm of the weights; its convex
relaxation (10) is

.. math:: \\min_\\theta\\; \\mu\\, \\mathrm{loss}(\\theta) + (1 - \\mu) \\|\\theta\\|_1,

followed by pruning every weight below a threshold. We solve (10) as a real
convex problem on real data: multinomial logistic regression (one linear
layer and a softmax) on scikit-learn's bundled 8x8 handwritten digits
(``load_digits``, 1797 images, no download), with

.. math:: \\mathrm{loss}(W, c) = \\frac{1}{n} \\sum_i \\Big[\\log \\sum_k e^{x_i^T w_k + c_k}
          - (x_i^T w_{y_i} + c_{y_i})\\Big].

The L1 term acts on the weights ``W`` only, not on the biases ``c``: a bias
costs one parameter per class and pruning it would only shift the decision
thresholds. Pixels are scaled to [0, 1].

Methods: ``"fista"`` (default; accelerated proximal gradient with adaptive
restart, soft-thresholding as the prox of the L1 term) and ``"cvxpy"``
(``log_sum_exp`` + ``norm1`` on exponential cones, Clarabel by default).
:meth:`L1Logistic.check` reports the subgradient optimality residual of the L1
problem: ``grad_W + (1 - mu) sign(W) = 0`` on non-zero weights,
``|grad_W| <= 1 - mu`` on zero ones, ``grad_c = 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import Problem, failed
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status


@dataclass(frozen=True)
class DigitsData:
    """A seeded train/test split of scikit-learn's digits, pixels in [0, 1]."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @classmethod
    def load(cls, test_fraction: float = 0.3, seed: int = 0) -> DigitsData:
        """Shuffle with ``seed`` and hold out ``test_fraction`` of the 1797 images."""
        from sklearn.datasets import load_digits

        if not 0.0 < test_fraction < 1.0:
            raise InvalidParameterError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
        digits = load_digits()
        x = digits.data / 16.0
        y = digits.target.astype(int)
        order = np.random.default_rng(seed).permutation(y.size)
        n_test = int(round(test_fraction * y.size))
        test, train = order[:n_test], order[n_test:]
        return cls(x[train], y[train], x[test], y[test])


@dataclass(frozen=True)
class L1LogisticParams:
    """Data and the trade-off ``mu`` of problem (10) (``0 < mu <= 1``; the paper uses 0.9999)."""

    x: np.ndarray
    y: np.ndarray
    mu: float = 0.9999
    n_classes: int = 10

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        y = np.asarray(self.y)
        if x.ndim != 2 or y.shape != (x.shape[0],):
            raise InvalidParameterError(f"x must be (n, features) and y (n,), got {x.shape} and {y.shape}")
        if not np.all(np.isfinite(x)):
            raise InvalidParameterError("x must be finite")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= self.n_classes:
            raise InvalidParameterError(f"y must hold integer labels in 0..{self.n_classes - 1}")
        if not 0.0 < float(self.mu) <= 1.0:
            raise InvalidParameterError(f"mu must be in (0, 1], got {self.mu!r}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(int))

    @property
    def l1_weight(self) -> float:
        """``1 - mu``."""
        return 1.0 - float(self.mu)

    def one_hot(self) -> np.ndarray:
        """Labels as an (n, classes) 0/1 matrix."""
        return np.eye(self.n_classes)[self.y]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def loss(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> float:
    """Mean cross-entropy of the linear softmax classifier ``(W, c)``."""
    z = params.x @ w + c
    zmax = z.max(axis=1)
    lse = zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(z.shape[0]), params.y]))


def objective(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> float:
    """Problem (10): ``mu loss + (1 - mu) ||W||_1``."""
    return float(params.mu * loss(params, w, c) + params.l1_weight * np.abs(w).sum())


def gradient(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of ``mu loss`` in ``W`` and ``c``."""
    residual = (_softmax(params.x @ w + c) - params.one_hot()) * (params.mu / params.x.shape[0])
    return params.x.T @ residual, residual.sum(axis=0)


def accuracy(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: np.ndarray) -> float:
    """Fraction of correct arg-max predictions."""
    return float(np.mean(np.argmax(x @ w + c, axis=1) == y))


def prune(w: np.ndarray, threshold: float) -> np.ndarray:
    """Magnitude pruning: zero every weight with ``|w| < threshold``."""
    return np.where(np.abs(w) < threshold, 0.0, w)


def _fista(problem: L1Logistic, kkt_tol: float = 2e-7, max_iter: int = 50_000) -> Solution:
    """Accelerated proximal gradient (Beck and Teboulle 2009) with function-value restart.

    Step ``1 / L`` with ``L = mu ||[X 1]||_2^2 / (2 n)``: the Hessian of
    log-sum-exp is at most 1/2 in spectral norm. Every 25 iterations the
    subgradient residual of :meth:`L1Logistic.check` is evaluated; the loop
    stops when it is below ``kkt_tol``, or when the objective has not moved
    by more than 1e-15 relative for 200 iterations (rounding level).
    """
    p = problem.params
    n, features = p.x.shape
    augmented = np.hstack([p.x, np.ones((n, 1))])
    lipschitz = p.mu * np.linalg.norm(augmented, 2) ** 2 / (2.0 * n)
    step = 1.0 / lipschitz
    w = np.zeros((features, p.n_classes))
    c = np.zeros(p.n_classes)
    vw, vc = w.copy(), c.copy()
    t = 1.0
    value = objective(p, w, c)
    calm = 0
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        gw, gc = gradient(p, vw, vc)
        zw = vw - step * gw
        w_new = np.sign(zw) * np.maximum(np.abs(zw) - step * p.l1_weight, 0.0)
        c_new = vc - step * gc
        new_value = objective(p, w_new, c_new)
        if new_value > value:  # restart the momentum (O'Donoghue and Candes 2015)
            t = 1.0
            vw, vc = w.copy(), c.copy()
            continue
        t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        vw = w_new + ((t - 1.0) / t_new) * (w_new - w)
        vc = c_new + ((t - 1.0) / t_new) * (c_new - c)
        calm = calm + 1 if value - new_value <= 1e-15 * abs(new_value) else 0
        w, c, t, value = w_new, c_new, t_new, new_value
        if calm >= 200:
            break
        if iterations % 25 == 0:
            probe = Solution(status=Status.FEASIBLE, objective=value, x={"W": w, "c": c})
            if problem.check(probe).stationarity <= kkt_tol:
                break
    sol = Solution(status=Status.OPTIMAL, objective=value, x={"W": w, "c": c}, iterations=iterations)
    report = problem.check(sol)
    sol.extras["kkt_residual"] = report.stationarity
    if report.stationarity > 1e-6:
        sol.status = Status.FEASIBLE
        sol.extras["reason"] = f"stopped with subgradient residual {report.stationarity:.1e}"
    return sol


def _cvxpy(problem: L1Logistic, solver: str = "CLARABEL") -> Solution:
    p = problem.params
    n, features = p.x.shape
    w = cp.Variable((features, p.n_classes))
    c = cp.Variable(p.n_classes)
    scores = p.x @ w + np.ones((n, 1)) @ cp.reshape(c, (1, p.n_classes), order="C")
    data_fit = cp.sum(cp.log_sum_exp(scores, axis=1)) - cp.sum(cp.multiply(p.one_hot(), scores))
    model = cp.Problem(cp.Minimize(p.mu * data_fit / n + p.l1_weight * cp.sum(cp.abs(w))))
    try:
        model.solve(solver=solver)
    except cp.SolverError as exc:
        return failed(f"{solver}: {exc}", solver_status="solver_error")
    status = from_cvxpy_status(model.status)
    if not status.has_point or w.value is None or c.value is None:
        return failed(f"{solver} returned {model.status}", solver_status=model.status)
    wv, cv = np.asarray(w.value), np.asarray(c.value)
    return Solution(
        status=status,
        objective=objective(p, wv, cv),
        x={"W": wv, "c": cv},
        extras={"solver_status": model.status, "reported_objective": float(model.value)},
    )


class L1Logistic(Problem):
    """L1-regularised multinomial logistic regression, problem (10) of paper 000."""

    METHODS = {"fista": _fista, "cvxpy": _cvxpy}
    DEFAULT_METHOD = "fista"

    def __init__(self, params: L1LogisticParams) -> None:
        if not isinstance(params, L1LogisticParams):
            raise InvalidParameterError(f"L1Logistic needs L1LogisticParams, got {type(params).__name__}")
        self.params = params

    def check(self, solution: Solution) -> KKTReport:
        """Subgradient optimality residual relative to ``lambda_max``.

        ``lambda_max = max |grad_W|`` at ``W = 0`` (with the best biases) is the
        L1 weight above which ``W = 0`` is optimal: the natural size of the
        gradients. The residual of a point is zero exactly at the optimum;
        a conic solver's tiny non-zero weights in place of exact zeros show up
        as a residual of about ``(1 - mu) / lambda_max``.
        """
        if not solution.has_point:
            return KKTReport()
        p = self.params
        w, c = solution.x["W"], solution.x["c"]
        gw, gc = gradient(p, w, c)
        lam = p.l1_weight
        prior = np.log(np.bincount(p.y, minlength=p.n_classes) / p.y.size + 1e-300)
        scale = float(np.abs(gradient(p, np.zeros_like(w), prior)[0]).max())
        nonzero = w != 0
        on_support = np.abs(gw + lam * np.sign(w))[nonzero]
        off_support = np.maximum(np.abs(gw) - lam, 0.0)[~nonzero]
        residual = max(float(on_support.max(initial=0.0)), float(off_support.max(initial=0.0)), float(np.abs(gc).max()))
        return KKTReport(
            primal_feasibility=0.0,
            dual_feasibility=0.0,
            stationarity=residual / scale,
            complementary_slackness=0.0,
            duality_gap=math.inf,
            details={"support": float(nonzero.sum())},
        )
