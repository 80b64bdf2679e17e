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

The methods live beside this module: :mod:`.newton` (``"newton"``, the
default: proximal Newton with an exact active-set solution of each
quadratic model), :mod:`.fista` (``"fista"``: accelerated proximal
gradient) and :mod:`.reference` (``"cvxpy"``: ``log_sum_exp`` + ``norm1`` on
exponential cones, Clarabel by default); :mod:`.certificate` holds the
subgradient optimality residual that certifies an optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError

# Largest entry of the data accepted: the scores x_i^T w_k, their squares in the Newton
# Hessian and the sums of n of them in the gradient must stay far from overflow (1.8e308).
MAX_ABS_FEATURE = 1e100
# Largest samples * classes (and features * classes): the class probabilities, the one-hot
# labels and the weights are dense float arrays (8 bytes an entry; 1e8 entries is 800 MB each).
MAX_ENTRIES = 10**8


@dataclass(frozen=True)
class L1LogisticParams:
    """Data and the trade-off ``mu`` of problem (10) (``0 < mu < 1``; the paper uses 0.9999).

    Attributes
    ----------
    x : array (n, features)
        Training inputs: finite reals of magnitude at most
        :data:`MAX_ABS_FEATURE`. Zero, constant or duplicate columns and rows
        are allowed; ``features`` may be 0.
    y : array (n,)
        Integer labels in ``0..n_classes - 1`` (an integer dtype: no floats,
        no bools). **Every class must have at least one sample**: the bias of
        a class without samples has no finite optimum (the loss keeps falling
        as it goes to ``-inf``), so problem (10) would have no minimiser. This
        also bounds ``n_classes`` by the number of samples.
    mu : float
        Weight of the loss, in the open interval (0, 1); ``1 - mu > 0`` weighs
        the L1 norm of ``W`` (``mu = 1`` is unregularised logistic regression,
        which has no minimiser on separable data).
    n_classes : int
        Number of classes (columns of ``W``), an integer >= 2;
        ``samples * n_classes`` and ``features * n_classes`` are at most
        :data:`MAX_ENTRIES`.

    Raises
    ------
    InvalidParameterError
        Naming the field, the value and the allowed range.

    """

    x: np.ndarray
    y: np.ndarray
    mu: float = 0.9999
    n_classes: int = 10

    def __post_init__(self) -> None:
        x = validate.array("x", self.x, allow_negative=True, ndim=2)
        peak = float(np.abs(x).max(initial=0.0))
        if peak > MAX_ABS_FEATURE:
            raise InvalidParameterError(f"x entries must be at most {MAX_ABS_FEATURE:g} in magnitude, got {peak!r}")
        n, features = x.shape
        k = validate.integer("n_classes", self.n_classes, minimum=2)
        mu = validate.number("mu", self.mu, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True)
        y = _labels(self.y, n, k)
        if max(n, features) * k > MAX_ENTRIES:
            raise InvalidParameterError(
                f"n_classes = {k} with {n} samples and {features} features needs dense arrays of "
                f"{max(n, features) * k} entries; at most {MAX_ENTRIES:g} are allowed"
            )
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "n_classes", k)

    @property
    def l1_weight(self) -> float:
        """``1 - mu``, the weight of ``||W||_1`` in (10)."""
        return 1.0 - self.mu

    @property
    def class_frequencies(self) -> np.ndarray:
        """Fraction of the samples in each class (all > 0)."""
        return np.asarray(np.bincount(self.y, minlength=self.n_classes) / self.y.size)

    def one_hot(self) -> np.ndarray:
        """Labels as an (n, classes) 0/1 matrix."""
        return np.asarray(np.eye(self.n_classes)[self.y])


def _labels(value: Any, n: int, k: int) -> np.ndarray:
    """``y`` as a read-only int64 array of ``n`` labels covering every class of ``0..k - 1``."""
    raw = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray(object())
    if raw.dtype.kind not in "iu":
        raise InvalidParameterError(
            f"y must be an array of integer labels in 0..n_classes - 1, got dtype {raw.dtype} ({type(value).__name__})"
        )
    if raw.shape != (n,):
        raise InvalidParameterError(f"y must have shape ({n},) (one label per row of x), got {raw.shape}")
    if n < k:
        raise InvalidParameterError(
            f"y has {n} samples for n_classes = {k}; every class needs at least one sample (see L1LogisticParams)"
        )
    if raw.min() < 0 or raw.max() >= k:
        raise InvalidParameterError(
            f"y labels must be in 0..{k - 1} (n_classes = {k}), got labels from {raw.min()} to {raw.max()}"
        )
    y = raw.astype(np.int64)
    counts = np.bincount(y, minlength=k)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        shown = ", ".join(str(int(c)) for c in empty[:5]) + (", ..." if empty.size > 5 else "")
        raise InvalidParameterError(
            f"y has no sample of class {shown} ({empty.size} of n_classes = {k} classes empty); every class needs "
            "a sample, else its bias has no finite optimum and problem (10) no minimiser: relabel the classes "
            "present as 0..m-1 and pass n_classes = m"
        )
    y.setflags(write=False)
    return y


def _check_point(params: L1LogisticParams, w: Any, c: Any) -> tuple[np.ndarray, np.ndarray]:
    features = params.x.shape[1]
    w_arr = validate.array("w", w, [(features, params.n_classes)], allow_negative=True)
    c_arr = validate.array("c", c, [(params.n_classes,)], allow_negative=True)
    return w_arr, c_arr


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _loss(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> float:
    z = params.x @ w + c
    zmax = z.max(axis=1)
    lse = zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(z.shape[0]), params.y]))


def _objective(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> float:
    return float(params.mu * _loss(params, w, c) + params.l1_weight * np.abs(w).sum())


def _loss_gradient(params: L1LogisticParams, w: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of ``loss`` (not of ``mu loss``) in ``W`` and ``c``: ``X^T (softmax(XW + c) - Y) / n``."""
    residual = (_softmax(params.x @ w + c) - params.one_hot()) / params.x.shape[0]
    return params.x.T @ residual, residual.sum(axis=0)


def loss(params: L1LogisticParams, w: Any, c: Any) -> float:
    """Mean cross-entropy of the linear softmax classifier ``(W, c)`` (the loss of problem (10)).

    Parameters
    ----------
    params : L1LogisticParams
        The instance.
    w : array (features, classes)
        Weights.
    c : array (classes,)
        Biases.

    Returns
    -------
    float

    """
    return _loss(params, *_check_point(params, w, c))


def objective(params: L1LogisticParams, w: Any, c: Any) -> float:
    """Problem (10): ``mu loss(W, c) + (1 - mu) ||W||_1`` (arguments as in :func:`loss`)."""
    return _objective(params, *_check_point(params, w, c))


def gradient(params: L1LogisticParams, w: Any, c: Any) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of ``mu loss`` in ``W`` and ``c``: ``mu X^T (softmax(XW + c) - Y) / n`` and its column sums."""
    gw, gc = _loss_gradient(params, *_check_point(params, w, c))
    return params.mu * gw, params.mu * gc


def accuracy(x: Any, y: Any, w: Any, c: Any) -> float:
    """Fraction of correct arg-max predictions of ``(W, c)`` on ``(x, y)``.

    Parameters
    ----------
    x : array (n, features)
        Inputs.
    y : array (n,)
        Integer labels.
    w : array (features, classes)
        Weights.
    c : array (classes,)
        Biases.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        On non-finite values or shapes that do not fit together.

    """
    x_arr = validate.array("x", x, allow_negative=True, ndim=2)
    w_arr = validate.array("w", w, allow_negative=True, ndim=2)
    if w_arr.shape[0] != x_arr.shape[1] or w_arr.shape[1] < 1:
        raise InvalidParameterError(f"w must have shape ({x_arr.shape[1]}, classes), got {w_arr.shape}")
    c_arr = validate.array("c", c, [(w_arr.shape[1],)], allow_negative=True)
    raw = np.asarray(y) if not isinstance(y, str | bytes) else np.asarray(object())
    if raw.dtype.kind not in "iu" or raw.shape != (x_arr.shape[0],):
        raise InvalidParameterError(
            f"y must be {x_arr.shape[0]} integer labels, got dtype {raw.dtype} and shape {raw.shape}"
        )
    if x_arr.shape[0] == 0:
        raise InvalidParameterError("x must have at least one row to measure an accuracy")
    return float(np.mean(np.argmax(x_arr @ w_arr + c_arr, axis=1) == raw))
