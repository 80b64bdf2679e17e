"""Real-branch Lambert-W closed forms used by the transmission sub-problems.

Minimising the priced transmission energy ``t w + t (exp(D / (B t)) - 1) / gamma``
over the time ``t`` (price ``w`` per second, SNR coefficient
``gamma = g / (N0 B)``) gives, with ``x = D / (B t)`` the spectral efficiency in
nat/s/Hz, the stationarity condition

.. math:: (x - 1) e^x + 1 = w \\gamma =: y,

that is ``x = 1 + W_0((y - 1) / e)``. We solve this equation directly in ``x``
rather than through ``W_0``: near ``y = 0`` the argument ``(y - 1)/e`` is close
to the branch point ``-1/e`` and evaluating ``1 + W_0`` there loses half the
digits, while the series of ``(x - 1) e^x + 1`` keeps them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# Below this x the direct form x e^x - expm1(x) loses more than 1e-13 to
# cancellation (relative error about 2 eps / x); the series is used instead.
_SERIES_BELOW = 1e-3


def priced_transmission_lhs(x: ArrayLike) -> FloatArray:
    """Evaluate ``(x - 1) e^x + 1 = x e^x - expm1(x)`` accurately for ``x >= 0``.

    Below ``1e-3`` the first four terms of its series
    ``x^2/2 + x^3/3 + x^4/8 + x^5/30`` are used (truncation below 1e-14 relative).
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        direct = x * np.exp(x) - np.expm1(x)
    if np.any(x < _SERIES_BELOW):
        series = x * x * (0.5 + x * (1.0 / 3.0 + x * (0.125 + x / 30.0)))
        return np.where(x < _SERIES_BELOW, series, direct)
    return direct


def priced_spectral_efficiency(y: ArrayLike) -> FloatArray:
    """Solve ``(x - 1) e^x + 1 = y`` for ``x >= 0``, elementwise, ``y >= 0``.

    Equivalent to ``x = 1 + W_0((y - 1) / e)`` on the principal real branch.
    Halley's method from Winitzki's approximation of ``W_0`` (or
    ``sqrt(2 y)`` for small ``y``, an upper bound since the left side is at
    least ``x**2 / 2``); from that start it converges to full precision in at
    most 5 steps on ``0 <= y <= 1e300``. It stops when every step is below
    ``1e-15 (x + 2)``, the rounding level of the direct form
    ``x e^x - expm1(x)`` (relative error about ``2 eps / x``).

    Parameters
    ----------
    y : array_like
        Non-negative right-hand sides.

    Returns
    -------
    numpy.ndarray
        The roots ``x``, 0 where ``y == 0``.

    """
    y = np.asarray(y, dtype=float)
    z = np.maximum(y - 1.0, 0.0) / np.e
    lz = np.log1p(z)
    big_guess = 1.0 + lz * (1.0 - np.log1p(lz) / (2.0 + lz))
    positive = y > 0
    # Entries with y == 0 keep a placeholder x = 1 and take no steps; they return 0.
    x = np.where(positive, np.where(y < 1.0, np.sqrt(2.0 * y), big_guess), 1.0)
    for _ in range(40):
        ex = np.exp(np.minimum(x, 700.0))
        # Halley: f' = x e^x, f'' = (x + 1) e^x, so f''/f' = 1 + 1/x.
        newton = (priced_transmission_lhs(x) - y) / (x * ex)
        step = np.where(positive, newton / (1.0 - 0.5 * newton * (1.0 + 1.0 / x)), 0.0)
        x = np.maximum(x - step, 0.5 * x)
        # The direct form carries a relative rounding error of about 2 eps / x.
        if np.all(np.abs(step) <= 1e-15 * (x + 2.0)):
            break
    return np.where(positive, x, 0.0)


# -- compiled scalar forms ----------------------------------------------------
# The fog problem's compiled kernels (its KKT Newton, closed forms and
# certificate) evaluate these entry by entry. Same series, start and Halley
# steps as the array functions above; each number stops at its own step below
# 1e-15 (x + 2), where the array function waits for its slowest entry, so the
# two agree to that level, not bit for bit.


@njit(cache=True, error_model="numpy", nogil=True)
def transmission_lhs_given_exp(x: float, ex: float) -> float:  # pragma: no cover - compiled
    """``(x - 1) e^x + 1`` for one ``x >= 0`` given ``ex = e^x``: :func:`priced_transmission_lhs` compiled.

    Below :data:`_SERIES_BELOW` the first four terms of its series; below 1
    the direct form ``x e^x - expm1(x)``; from 1 on ``(x - 1) e^x + 1``, whose
    terms are both non-negative (no cancellation) and need no second exponential.
    """
    if x < _SERIES_BELOW:
        return x * x * (0.5 + x * (1.0 / 3.0 + x * (0.125 + x / 30.0)))
    if x < 1.0:
        return x * ex - math.expm1(x)
    return (x - 1.0) * ex + 1.0


@njit(cache=True, error_model="numpy", nogil=True)
def transmission_lhs_scalar(x: float) -> float:  # pragma: no cover - compiled
    """:func:`priced_transmission_lhs` for one ``x >= 0``."""
    return transmission_lhs_given_exp(x, math.exp(min(x, 700.0)))


@njit(cache=True, error_model="numpy", nogil=True)
def spectral_efficiency_scalar(y: float) -> float:  # pragma: no cover - compiled
    """:func:`priced_spectral_efficiency` for one ``y``: the root ``x >= 0`` of ``(x - 1) e^x + 1 = y``."""
    if not y > 0.0:
        return 0.0
    if y < 1.0:
        x = math.sqrt(2.0 * y)
    else:
        lz = math.log1p(max(y - 1.0, 0.0) / math.e)
        x = 1.0 + lz * (1.0 - math.log1p(lz) / (2.0 + lz))
    for _ in range(40):
        ex = math.exp(min(x, 700.0))
        # Halley: f' = x e^x, f'' = (x + 1) e^x, so f''/f' = 1 + 1/x.
        newton = (transmission_lhs_given_exp(x, ex) - y) / (x * ex)
        step = newton / (1.0 - 0.5 * newton * (1.0 + 1.0 / x))
        x = max(x - step, 0.5 * x)
        if abs(step) <= 1e-15 * (x + 2.0):
            break
    return x
