"""The KKT / feasibility report returned by ``Problem.check``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

_TINY = math.ulp(0.0)


@dataclass
class KKTReport:
    """Constraint violations and KKT residuals of a solution, all relative.

    Every residual is scaled by the magnitude of the terms it balances, so a
    value of 1e-9 means "agrees to nine digits". A solution without a point
    or without multipliers reports ``inf`` where a residual cannot be formed.

    Attributes
    ----------
    primal_feasibility : float
        Largest relative violation of any constraint of the model.
    dual_feasibility : float
        Largest relative violation of a multiplier's sign condition.
    stationarity : float
        Largest relative residual of a stationarity condition.
    complementary_slackness : float
        Largest relative product of a multiplier and its constraint's slack.
    duality_gap : float
        ``(f(x) - g(lambda)) / |f(x)|`` with ``g`` the Lagrange dual function.
    details : dict of str to float
        Every individual residual by constraint family.

    """

    primal_feasibility: float = math.inf
    dual_feasibility: float = math.inf
    stationarity: float = math.inf
    complementary_slackness: float = math.inf
    duality_gap: float = math.inf
    details: dict[str, float] = field(default_factory=dict)

    @property
    def max_kkt_residual(self) -> float:
        """Largest of the four KKT residuals (not the duality gap)."""
        return max(
            self.primal_feasibility,
            self.dual_feasibility,
            self.stationarity,
            self.complementary_slackness,
        )

    def passes(self, tol: float) -> bool:
        """True when every residual and the duality gap are at most ``tol``."""
        return max(self.max_kkt_residual, abs(self.duality_gap)) <= tol


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b| / max(|a|, |b|)`` elementwise: 0 where both are equal (infinities included), ``inf`` for NaN."""
    with np.errstate(invalid="ignore"):
        diff = np.where(a == b, 0.0, np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), _TINY))
    return np.where(np.isnan(diff), np.inf, diff)


def choice_gap(chosen: np.ndarray, best: np.ndarray) -> tuple[float, float]:
    """The certificate of a choice per row among enumerated options: mean gap and worst row's excess.

    For a one-hot MILP whose rows are independent simplices the LP relaxation
    is exact and its optimum is the mean of the row minima ``best``; the
    duality gap of the chosen values is the relative excess of their mean over
    that bound (``inf`` when the bound is 0 and the mean is not).

    Returns
    -------
    tuple of float
        ``(gap, worst_excess)``: the relative excess of the means, and the
        largest relative excess of a single row (NaN counted as ``inf``).

    """
    chosen = np.asarray(chosen, dtype=float)
    best = np.asarray(best, dtype=float)
    if chosen.size == 0:
        return math.inf, math.inf
    mean = float(chosen.mean())
    low = float(best.mean())
    if mean == low:
        gap = 0.0
    else:
        gap = (mean - low) / low if low > 0 else math.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = np.where(chosen == best, 0.0, (chosen - best) / best)
    return gap, float(np.max(np.nan_to_num(excess, nan=math.inf), initial=0.0))
