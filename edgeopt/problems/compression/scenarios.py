"""Data for problem (10): scikit-learn's digits, the named scenarios on them, and seeded random instances.

:class:`DigitsData` is a seeded train/test split of the bundled 8x8 digits;
the named scenarios (:func:`names`, :func:`params`) are the tables of
``compression.toml`` beside this module; :func:`random_params` draws the
small synthetic instances the behaviour comparisons share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, scenario_entry, scenario_names
from edgeopt.problems.compression.model import L1LogisticParams

__all__ = ["DigitsData", "config", "names", "params", "pool_pixels", "random_params"]

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

        if not 0.0 < test_fraction < 1.0:
            raise InvalidParameterError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
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
    if pool < 1 or side % pool:
        raise InvalidParameterError(f"pool must be a positive divisor of {side}, got {pool!r}")
    k = side // pool
    return np.asarray(x.reshape(-1, k, pool, k, pool).mean(axis=(2, 4)).reshape(-1, k * k))


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
    classes = int(cfg["classes"])
    if not 2 <= classes <= 10:
        raise InvalidParameterError(f"classes must be in 2..10, got {cfg['classes']!r}")
    data = DigitsData.load(float(cfg["test_fraction"]), int(cfg["seed"]))
    keep = data.y_train < classes
    x, y = data.x_train[keep], data.y_train[keep]
    pool = int(cfg["pool"])
    if pool != 1:
        x = pool_pixels(x, pool)
    samples = int(cfg["samples"])
    if samples:
        x, y = x[:samples], y[:samples]
    return L1LogisticParams(x, y, mu=float(cfg["mu"]), n_classes=classes)


def random_params(seed: int) -> L1LogisticParams:
    """A seeded synthetic instance: inputs in [0, 1], labels of a noisy sparse linear model.

    20..120 samples, 2..12 features, 2..4 classes; the labels are the arg-max
    of ``x W + c`` plus Gumbel noise for a random sparse ``W`` (so that the
    classes overlap); ``1 - mu`` log-uniform over 1e-3..1e-1.

    Parameters
    ----------
    seed : int
        Seeds everything.

    Returns
    -------
    L1LogisticParams

    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 121))
    features = int(rng.integers(2, 13))
    classes = int(rng.integers(2, 5))
    x = rng.random((n, features))
    w = rng.normal(0.0, 3.0, (features, classes)) * (rng.random((features, classes)) < 0.5)
    c = rng.normal(0.0, 1.0, classes)
    y = np.argmax(x @ w + c + rng.gumbel(size=(n, classes)), axis=1)
    mu = 1.0 - 10 ** rng.uniform(-3, -1)
    return L1LogisticParams(x, y, mu=float(mu), n_classes=classes)
