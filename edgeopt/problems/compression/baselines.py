"""Magnitude pruning, the step after problem (10) in paper 000 (and the classic baseline on its own)."""

from __future__ import annotations

import numpy as np


def prune(w: np.ndarray, threshold: float) -> np.ndarray:
    """Magnitude pruning: zero every weight with ``|w| < threshold``.

    Parameters
    ----------
    w : numpy.ndarray
        Weights.
    threshold : float
        Magnitude below which a weight is removed.

    Returns
    -------
    numpy.ndarray
        A pruned copy of ``w``.

    """
    return np.where(np.abs(w) < threshold, 0.0, w)
