"""Magnitude pruning, the step after problem (10) in paper 000 (and the classic baseline on its own)."""

from __future__ import annotations

from typing import Any

import numpy as np

from edgeopt.core import validate


def prune(w: Any, threshold: float) -> np.ndarray:
    """Magnitude pruning: zero every weight with ``|w| < threshold``.

    Parameters
    ----------
    w : array_like
        Weights (finite reals, any shape).
    threshold : float
        Magnitude below which a weight is removed, finite and >= 0.

    Returns
    -------
    numpy.ndarray
        A pruned copy of ``w``.

    Raises
    ------
    InvalidParameterError
        On non-finite weights or a negative or non-finite threshold.

    """
    weights = validate.array("w", w, allow_negative=True)
    limit = validate.positive_scalar("threshold", threshold, allow_zero=True)
    return np.where(np.abs(weights) < limit, 0.0, weights)
