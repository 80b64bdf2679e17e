"""The KKT / feasibility report returned by ``Problem.check``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


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
