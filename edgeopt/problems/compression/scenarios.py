"""Data for problem (10): scikit-learn's digits, the named scenarios on them, and seeded random instances.

:class:`DigitsData` is a seeded train/test split of the bundled 8x8 digits;
the named scenarios (:func:`names`, :func:`params`) are the tables of
``compression.toml`` beside this module; :func:`random_params` draws the
small synthetic instances the behaviour comparisons share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, log_uniform, scenario_entry, scenario_names
from edgeopt.core.validate import array as validate_array
from edgeopt.core.validate import integer, number
from edgeopt.problems.compression.model import L1LogisticParams

__all__ = ["DigitsData", "config", "lambda_max", "names", "params", "pool_pixels", "random_params", "wide_params"]

_KEYS = {"description", "test_fraction", "seed", "mu", "classes", "pool", "samples"}


@dataclass(frozen=True)
class DigitsData:
    """A seeded train/test split of scikit-learn's digits, pixels in [0, 1].

    Attributes
    ----------
    x_train, x_test : numpy.ndarray
        Images as rows of 64 pixels.
    y_train, y_test : numpy.ndarray
        Labels 0..9.

    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @classmethod
    def load(cls, test_fraction: float = 0.3, seed: int = 0) -> DigitsData:
        """Shuffle with ``seed`` and hold out ``test_fraction`` of the 1797 images.

        Raises
        ------
        InvalidParameterError
            If ``test_fraction`` is not in (0, 1).

        """
        # scikit-learn is an optional dependency (the "compression" extra), needed for its bundled digits only.
        from sklearn.datasets import load_digits

        test_fraction = number(
            "test_fraction", test_fraction, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True
        )
        seed = integer("seed", seed, minimum=0)
        digits = load_digits()
        x = digits.data / 16.0
        y = digits.target.astype(int)
        order = np.random.default_rng(seed).permutation(y.size)
        n_test = int(round(test_fraction * y.size))
        test, train = order[:n_test], order[n_test:]
        return cls(x[train], y[train], x[test], y[test])


@cache
def config() -> dict[str, Any]:
    """The scenario file ``compression.toml`` as a dict."""
    return load_toml("edgeopt.problems.compression", "compression.toml")


def names() -> list[str]:
    """Names of the named scenarios."""
    return scenario_names(config())


def pool_pixels(x: np.ndarray, pool: int, side: int = 8) -> np.ndarray:
    """Average-pool square images stored as rows of ``side * side`` pixels by ``pool`` x ``pool`` blocks.

    Raises
    ------
    InvalidParameterError
        If ``pool`` does not divide ``side``.

    """
    side = integer("side", side, minimum=1)
    pool = integer("pool", pool, minimum=1)
    if side % pool:
        raise InvalidParameterError(f"pool must be a positive divisor of {side}, got {pool!r}")
    images = validate_array("x", x, allow_negative=True, ndim=2)
    if images.shape[1] != side * side:
        raise InvalidParameterError(f"x must have {side * side} columns (side x side pixels), got {images.shape[1]}")
    k = side // pool
    return np.asarray(images.reshape(-1, k, pool, k, pool).mean(axis=(2, 4)).reshape(-1, k * k))


def params(name: str, **overrides: Any) -> L1LogisticParams:
    """Parameters of a named scenario; ``overrides`` replace its entries (see ``compression.toml``).

    Raises
    ------
    InvalidParameterError
        For an unknown scenario or entry, or entries out of range.

    """
    unknown = sorted(set(overrides) - _KEYS)
    if unknown:
        raise InvalidParameterError(f"unknown compression scenario entries {unknown}; the entries are {sorted(_KEYS)}")
    cfg = scenario_entry(config(), name, "compression", **overrides)
    classes = integer("classes", cfg["classes"], minimum=2, maximum=10)
    pool = integer("pool", cfg["pool"], minimum=1)
    samples = integer("samples", cfg["samples"], minimum=0)
    data = DigitsData.load(cfg["test_fraction"], cfg["seed"])
    keep = data.y_train < classes
    x, y = data.x_train[keep], data.y_train[keep]
    if pool != 1:
        x = pool_pixels(x, pool)
    if samples:
        x, y = x[:samples], y[:samples]
    return L1LogisticParams(x, y, mu=cfg["mu"], n_classes=classes)


def _cover_classes(rng: np.random.Generator, y: np.ndarray, classes: int) -> np.ndarray:
    """``y`` with one randomly chosen sample relabelled per empty class (every class must have a sample)."""
    y = y.copy()
    counts = np.bincount(y, minlength=classes)
    for cls in np.flatnonzero(counts == 0):
        # Take a sample from a class that has more than one.
        donors = np.flatnonzero(np.bincount(y, minlength=classes)[y] > 1)
        y[int(rng.choice(donors))] = cls
    return y


def random_params(seed: int) -> L1LogisticParams:
    """A seeded synthetic instance: inputs in [0, 1], labels of a noisy sparse linear model.

    20..120 samples, 2..12 features, 2..4 classes; the labels are the arg-max
    of ``x W + c`` plus Gumbel noise for a random sparse ``W`` (so that the
    classes overlap), one sample relabelled per class left empty;
    ``1 - mu`` log-uniform over 1e-3..1e-1.

    Parameters
    ----------
    seed : int
        Seeds everything.

    Returns
    -------
    L1LogisticParams

    """
    rng = np.random.default_rng(integer("seed", seed, minimum=0))
    n = int(rng.integers(20, 121))
    features = int(rng.integers(2, 13))
    classes = int(rng.integers(2, 5))
    x = rng.random((n, features))
    w = rng.normal(0.0, 3.0, (features, classes)) * (rng.random((features, classes)) < 0.5)
    c = rng.normal(0.0, 1.0, classes)
    y = _cover_classes(rng, np.argmax(x @ w + c + rng.gumbel(size=(n, classes)), axis=1), classes)
    mu = 1.0 - 10 ** rng.uniform(-3, -1)
    return L1LogisticParams(x, y, mu=float(mu), n_classes=classes)


def lambda_max(x: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    """``max |grad_W loss|`` at ``W = 0`` with the optimal biases: ``(1 - mu) / mu`` above it makes ``W = 0`` optimal.

    At ``W = 0`` the optimal biases are the log class frequencies, where the
    probabilities are the frequencies and ``grad_W loss = X^T (freq - Y) / n``.
    """
    one_hot = np.eye(n_classes)[y]
    freq = one_hot.mean(axis=0)
    return float(np.abs(x.T @ (freq - one_hot) / y.size).max(initial=0.0))


def wide_params(seed: int) -> L1LogisticParams:
    """One valid instance drawn widely (the fuzz harness of issue 12).

    Distribution (every draw from ``np.random.default_rng(seed)``; "LU(a, b)"
    is log-uniform over ``[a, b]``, "U" uniform):

    - ``n`` = round LU(8, 200) samples, ``features`` U{0..12} (0 with
      probability ~1/13), ``classes`` U{2..5} (at most ``n``);
    - inputs: standard normal (probability 1/2) or U(0, 1); each column
      multiplied by LU(1e-2, 1e2) (four decades) and shifted by
      U(-1, 1) x LU(1e-2, 1e2) with probability 1/4;
    - labels: the arg-max of ``x W + c`` with a sparse Gaussian ``W`` (scaled
      to the columns), plus Gumbel noise of scale LU(1e-2, 1) or, with
      probability 1/5, none (the data are then linearly separable);
    - degenerate regimes, each with probability 1/5: a fraction of the
      columns set to 0; duplicate rows (a block of rows repeated with its
      labels); one class dominant (90 % .. 99 % of the labels moved to class
      0); and with probability 1/20 all inputs 0;
    - every class keeps at least one sample (one relabelled where needed:
      :class:`~.model.L1LogisticParams` requires it);
    - regularisation: ``(1 - mu) / mu = lambda_max`` x LU(1e-4, 2), from
      twice the weight above which ``W = 0`` is optimal down four decades
      (:func:`lambda_max`; with probability 1/10 exactly 1.0001 ``lambda_max``;
      for all-zero inputs, LU(1e-4, 1)).

    Sizes keep one default solve at a few milliseconds.

    Parameters
    ----------
    seed : int
        Seeds everything.

    Returns
    -------
    L1LogisticParams

    """
    rng = np.random.default_rng(integer("seed", seed, minimum=0))

    lu = partial(log_uniform, rng)

    n = int(round(lu(8, 200)))
    features = int(rng.integers(0, 13))
    classes = min(int(rng.integers(2, 6)), n)
    x = rng.normal(size=(n, features)) if rng.random() < 0.5 else rng.random((n, features))
    scales = lu(1e-2, 1e2, features)
    x = x * scales
    if rng.random() < 0.25:
        x = x + rng.uniform(-1, 1, features) * lu(1e-2, 1e2, features)
    w = rng.normal(size=(features, classes)) * (rng.random((features, classes)) < 0.5) / scales[:, None]
    c = rng.normal(size=classes)
    noise = 0.0 if rng.random() < 0.2 else lu(1e-2, 1.0)
    y = np.argmax(x @ w + c + noise * rng.gumbel(size=(n, classes)), axis=1)
    if features and rng.random() < 0.2:
        x[:, rng.random(features) < rng.uniform(0.2, 0.8)] = 0.0
    if rng.random() < 0.2:  # duplicate rows: a block of rows repeated, with its labels
        block = rng.integers(0, n, int(rng.integers(1, n + 1)))
        target = rng.integers(0, n, block.size)
        x[target], y[target] = x[block], y[block]
    if rng.random() < 0.2:  # one class dominant
        y = np.where(rng.random(n) < rng.uniform(0.9, 0.99), 0, y)
    if rng.random() < 0.05:
        x = np.zeros_like(x)
    y = _cover_classes(rng, y, classes)
    lmax = lambda_max(x, y, classes)
    if lmax > 0:
        ratio = lmax * (1.0001 if rng.random() < 0.1 else lu(1e-4, 2.0))
    else:
        ratio = lu(1e-4, 1.0)
    # mu < 1 in floating point: (1 - mu) / mu >= 1e-12 (lambda_max is at least ~1e-4 here).
    return L1LogisticParams(x, y, mu=1.0 / (1.0 + max(ratio, 1e-12)), n_classes=classes)
