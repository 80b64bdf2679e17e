"""Model compression by L1-regularised training (paper 000, problem (10)): parameters, loss, objective, gradient.

Problem (9) trades the loss against the ``l0`` norm of the weights; its convex
relaxation (10) is

.. math:: \\min_\\theta\\; \\mu\\, \\mathrm{loss}(\\theta) + (1 - \\mu) \\|\\theta\\|_1,

followed by pruning every weight below a threshold (:mod:`.baselines`). We
solve (10) as a real convex problem on real data: multinomial logistic
regression (one linear layer and a softmax), by default on scikit-learn's
bundled 8x8 handwritten digits (:mod:`.scenarios`), with

.. math:: \\mathrm{loss}(W, c) = \\frac{1}{n} \\sum_i \\Big[\\log \\sum_k e^{x_i^T w_k + c_k}
          - (x_i^T w_{y_i} + c_{y_i})\\Big].

The L1 term acts on the weights ``W`` only, not on the biases ``c``: a bias
costs one parameter per class and pruning it would only shift the decision
thresholds.

The methods live beside this module: :mod:`.fista` (``"fista"``, the
default: accelerated proximal gradient with adaptive restart,
soft-thresholding as the prox of the L1 term) and :mod:`.reference`
(``"cvxpy"``: ``log_sum_exp`` + ``norm1`` on exponential cones, Clarabel by
default); :mod:`.certificate` holds the subgradient optimality residual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgeopt.core.errors import InvalidParameterError


@dataclass(frozen=True)
class L1LogisticParams:
    """Data and the trade-off ``mu`` of problem (10) (``0 < mu <= 1``; the paper uses 0.9999).

    Attributes
    ----------
    x : array (n, features)
        Training inputs (finite).
    y : array (n,)
        Integer labels in ``0..n_classes - 1``.
    mu : float
        Weight of the loss; ``1 - mu`` weighs the L1 norm of ``W``.
    n_classes : int
        Number of classes (columns of ``W``).

    """

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
    """Mean cross-entropy of the linear softmax classifier ``(W, c)`` (the loss of problem (10))."""
    z = params.x @ w + c
    zmax = z.max(axis=1)
    lse = zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(z.shape[0]), params.y]))


def objective(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> float:
    """Problem (10): ``mu loss + (1 - mu) ||W||_1``."""
    return float(params.mu * loss(params, w, c) + params.l1_weight * np.abs(w).sum())


def gradient(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of ``mu loss`` in ``W`` and ``c``: ``mu X^T (softmax(XW + c) - Y) / n`` and its column sums."""
    residual = (_softmax(params.x @ w + c) - params.one_hot()) * (params.mu / params.x.shape[0])
    return params.x.T @ residual, residual.sum(axis=0)


def accuracy(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: np.ndarray) -> float:
    """Fraction of correct arg-max predictions of ``(W, c)`` on ``(x, y)``."""
    return float(np.mean(np.argmax(x @ w + c, axis=1) == y))
