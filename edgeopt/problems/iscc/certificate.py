"""What can be certified of an ISCC answer (paper 002).

Problem (22) is not convex, so no solve carries a certificate of global
optimality and no method returns ``OPTIMAL``: :func:`design_report` reports
the relative violations of the accuracy (C1), latency (C2) and bound
constraints of a returned design, with zero dual residuals (there is no
duality gap to report). Its convex sub-problem (26)/(45) does have one:
:func:`lemma4_kkt` evaluates the KKT conditions (46)-(52) at an answer of
Lemma 4 (or of any solver that reports ``p_c``, ``v_e``, ``mu1`` and
``feasible``), written from the Lagrangian and not from the closed form.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.iscc.model import LN2, IsccParams, subproblem_arguments


class Lemma4Answer(Protocol):
    """An answer to sub-problem (45): what :func:`lemma4_kkt` reads (e.g. a ``Lemma4Result``)."""

    @property
    def p_c(self) -> np.ndarray: ...  # noqa: D102

    @property
    def v_e(self) -> np.ndarray: ...  # noqa: D102

    @property
    def mu1(self) -> np.ndarray: ...  # noqa: D102

    @property
    def feasible(self) -> np.ndarray: ...  # noqa: D102


def design_report(params: IsccParams, solution: Solution) -> KKTReport:
    """Constraint violations of the returned design (the problem is not convex: no duality gap).

    Returns
    -------
    KKTReport
        ``primal_feasibility`` is the largest relative violation of
        :meth:`IsccParams.violations`, listed per constraint in ``details``;
        the dual residuals are 0. A solution without a point gives the
        default (infinite) report.

    """
    if not solution.has_point:
        return KKTReport()
    v = params.violations(solution.x)
    return KKTReport(
        primal_feasibility=max(v.values()),
        dual_feasibility=0.0,
        stationarity=0.0,
        complementary_slackness=0.0,
        details=v,
    )


def lemma4_kkt(
    result: Lemma4Answer,
    A1: ArrayLike,
    A2: ArrayLike,
    bandwidth: ArrayLike,
    noise_psd: ArrayLike,
    gain: ArrayLike,
    kappa: ArrayLike,
    T2: ArrayLike,
    v_max: ArrayLike,
    p_max: ArrayLike,
) -> dict[str, np.ndarray]:
    """Relative residuals of the KKT conditions (46)-(52) of (45) at a :func:`lemma4` result.

    Stationarity in ``t`` and ``v`` uses the bound multipliers that make them
    hold with the right sign (``mu_2`` for ``t >= t_min``, ``mu_3`` for
    ``v <= v_max``), so the residual is the part no admissible multiplier can
    absorb; complementary slackness is ``mu_1`` times the time slack over
    ``mu_1 T2``; primal feasibility is the time excess over ``T2``.
    """
    a1, a2, gamma, k, t2, vmax, pmax = subproblem_arguments(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
    ok = result.feasible
    mu = np.where(ok, result.mu1, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = np.where(a1 > 0, 1.0 / np.log2(1.0 + gamma * result.p_c), 0.0)
        t_min = 1.0 / np.log2(1.0 + gamma * pmax)
        x = LN2 / t
        # (47): dL/dt = (A1/gamma) (e^x - 1 - x e^x) + mu1 A1 - mu2 = 0, mu2 >= 0 only at t = t_min.
        d_t = (a1 / gamma) * (np.expm1(x) - x * np.exp(x)) + mu * a1
        scale_t = (a1 / gamma) * x * np.exp(x) + mu * a1
        at_t_min = np.abs(t - t_min) <= 1e-12 * t_min
        res_t = np.where(at_t_min, np.maximum(-d_t, 0.0), np.abs(d_t)) / scale_t
        # (48): dL/dv = 2 kappa A2 v - mu1 A2 / v^2 + mu3 = 0, mu3 >= 0 only at v = v_max.
        v = result.v_e
        d_v = 2 * k * a2 * v - mu * a2 / (v * v)
        scale_v = 2 * k * a2 * v + mu * a2 / (v * v)
        at_v_max = np.abs(v - vmax) <= 1e-12 * vmax
        res_v = np.where(at_v_max, np.maximum(d_v, 0.0), np.abs(d_v)) / scale_v
        used = np.where(a1 > 0, a1 * t, 0.0) + np.where(a2 > 0, a2 / v, 0.0)
        primal = np.maximum(used - t2, 0.0) / t2
        slack = np.abs(mu * (t2 - used)) / np.where(mu > 0, mu * t2, 1.0)
    res_t = np.where(ok & (a1 > 0), res_t, 0.0)
    res_v = np.where(ok & (a2 > 0), res_v, 0.0)
    return {
        "stationarity_t": res_t,
        "stationarity_v": res_v,
        "primal": np.where(ok, primal, 0.0),
        "complementary": np.where(ok, slack, 0.0),
        "dual_sign": np.where(ok, np.maximum(-mu, 0.0), 0.0),
    }
