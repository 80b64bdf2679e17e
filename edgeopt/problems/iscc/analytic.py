"""The default ISCC method (paper 002): exact in each (split, Q) by a zoomed 1-D search in ``p``.

For a fixed split ``l``, bit count ``Q`` and pruning ratio ``p``, Lemma 3
gives the least sensing power meeting the accuracy target (21),
``P_s = tan(R_t / (a (1 - eps))) / b`` (:meth:`IsccParams.sensing_power`),
and Lemma 4 (:func:`~edgeopt.problems.iscc.lemma4.lemma4`) the optimal
transmit power and CPU speed of sub-problem (26) in closed form. What is
left of problem (22) is the reduced energy ``h(p)`` of
:func:`reduced_energy`, one-dimensional in ``p``; :func:`search` minimises it
for every (split, Q) pair at once by sampling and zooming, without the
alternation of Algorithm 2.

Complexity: ``stages`` vectorised calls of :func:`lemma4` on
``pairs x grid`` instances (``(L (Q_max - 1) + 1) x 24 x 7`` by default,
about 2,500 instances per stage for Table II).
"""

from __future__ import annotations

import math

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.iscc.lemma4 import lemma4
from edgeopt.problems.iscc.model import IsccParams, infeasibility_reason, make_solution, point


def design_grid(params: IsccParams) -> tuple[np.ndarray, np.ndarray]:
    """All (split, Q) pairs of the outer enumeration (:meth:`IsccParams.design_pairs`)."""
    return params.design_pairs()


def reduced_energy(
    params: IsccParams,
    split: np.ndarray,
    q: np.ndarray,
    p: np.ndarray,
    p_s_fixed: float | None = None,
    mu_start: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """``h(p)``: the energy with Lemma 3's ``P_s`` and Lemma 4's ``(P_c, v_e)``, for broadcast (split, Q, p).

    ``h(p) = T_sen r(u(p)) + E_26(A1 = N_l Q / B, A2 = A_2(l, p), T2)``: the
    sensing energy at the least power meeting (21) plus the optimum of
    sub-problem (26) with ``T2 = T_max - T_sen - A_s(l) / v_s``.

    Parameters
    ----------
    params : IsccParams
        The instance.
    split, q, p : array_like
        Broadcast arrays of splits, bit counts and pruning ratios.
    p_s_fixed : float, optional
        Hold the sensing power there (the JC&C baseline) and check the
        accuracy constraint instead of solving it for ``P_s``.
    mu_start : array_like, optional
        Passed to :func:`~edgeopt.problems.iscc.lemma4.lemma4` (a guess of ``mu_1``).

    Returns
    -------
    tuple of numpy.ndarray
        The energy (``inf`` where infeasible), ``P_s``, ``P_c``, ``v_e`` and
        Lemma 4's ``mu_1``.

    """
    if p_s_fixed is None:
        p_s = params.sensing_power(split, p, q)
    else:
        meets = params.accuracy(p_s_fixed, split, p, q) >= params.R_t
        p_s = np.where(meets, p_s_fixed, np.inf)
    a1 = params.upload_bits(split, q) / params.bandwidth
    a2 = params.device_flops(split, p)
    t2 = params.device_and_upload_time(split)
    sub = lemma4(
        a1,
        a2,
        params.bandwidth,
        params.noise_psd,
        params.gain,
        params.kappa,
        np.maximum(t2, 1e-300),
        params.v_max,
        params.p_max,
        mu_start=mu_start,
    )
    energy = np.where((t2 > 0) & sub.feasible & np.isfinite(p_s), params.T_sen * p_s + sub.energy, np.inf)
    return energy, p_s, sub.p_c, sub.v_e, sub.mu1


def _best_sample(
    params: IsccParams, split: np.ndarray, q: np.ndarray, p: np.ndarray, p_s_fixed: float | None
) -> tuple[dict[str, np.ndarray], float]:
    """The design of least :func:`reduced_energy` among the (split, Q, p) samples, and that energy."""
    energy, p_s, p_c, v_e, _ = reduced_energy(params, split, q, p, p_s_fixed)
    k = int(np.argmin(energy))
    p_c_k = float(p_c[k]) if params.upload_bits(split[k], q[k]) > 0 else 0.0
    x = point(int(split[k]), int(q[k]), float(p[k]), float(p_s[k]), p_c_k, float(v_e[k]))
    return x, float(energy[k])


def search(
    params: IsccParams,
    splits: np.ndarray,
    qs: np.ndarray,
    grid: int = 24,
    stages: int = 7,
    p_fixed: float | None = None,
    p_s_fixed: float | None = None,
) -> Solution:
    """Best design over the given (split, Q) pairs: exact in each pair by a 1-D search in ``p``.

    For a fixed (split, Q) and ``p``, Lemmas 3 and 4 give the optimal
    ``P_s`` and ``(P_c, v_e)`` in closed form, so the remaining problem is
    one-dimensional in ``p`` (no alternation is needed). The search samples
    ``p`` on ``grid`` points of ``(0, 1]`` for every pair at once, then zooms
    ``stages - 1`` times onto the two intervals beside each pair's best
    sample, again with ``grid`` points: the bracket shrinks by a factor
    ``(grid - 1) / 2`` per stage (``11.5^6 ~ 2e6`` for the defaults, a final
    width below 1e-7), with one vectorised :func:`lemma4` call per stage
    instead of one per golden-section step. Sampling whole intervals makes
    the method safe where ``h(p)`` is not unimodal (Theorem 1 rests on an
    assumption about ``r``) and exact at the ends of the feasible interval,
    where the minimum sits when a constraint binds.

    Parameters
    ----------
    params : IsccParams
        The instance.
    splits, qs : numpy.ndarray
        The (split, Q) pairs to search, e.g. :func:`design_grid`.
    grid : int
        Samples of ``p`` per pair and stage (at least 2).
    stages : int
        Sampling stages: one over ``(0, 1]``, then ``stages - 1`` zooms (at least 1).
    p_fixed : float, optional
        Hold the pruning ratio there (no search; the ``no_pruning`` baseline).
    p_s_fixed : float, optional
        Hold the sensing power there (the ``jcc`` baseline; see :func:`reduced_energy`).

    Returns
    -------
    Solution
        ``FEASIBLE`` at the best design, with ``extras["pairs"]`` the number
        of pairs with a feasible sample, or ``INFEASIBLE`` with the reason.

    Raises
    ------
    InvalidParameterError
        If ``grid < 2`` or ``stages < 1``.

    """
    if int(grid) != grid or grid < 2:
        raise InvalidParameterError(f"grid must be an integer >= 2, got {grid!r}")
    if int(stages) != stages or stages < 1:
        raise InvalidParameterError(f"stages must be an integer >= 1, got {stages!r}")
    reason = infeasibility_reason(params)
    if reason is not None:
        return infeasible(reason)
    if p_fixed is not None:
        p_star = np.where(splits == 0, 1.0, p_fixed)
    else:
        lo = np.zeros(splits.size)
        hi = np.ones(splits.size)
        steps = np.arange(grid) / (grid - 1)
        mu_best = None
        for stage in range(stages):
            # Stage 0 samples (0, 1] without p = 0; later stages the closed bracket.
            ps = lo[:, None] + (hi - lo)[:, None] * (
                steps[None, :] if stage else (np.arange(1, grid + 1) / grid)[None, :]
            )
            # Lemma 4's Newton starts from the time price at the pair's best sample of the last stage:
            # the new samples lie beside it, so their prices are close.
            energy, _, _, _, mu = reduced_energy(params, splits[:, None], qs[:, None], ps, p_s_fixed, mu_best)
            best = np.argmin(energy, axis=1)
            rows = np.arange(splits.size)
            if stage == 0:
                keep = np.isfinite(energy[rows, best])
                if not keep.any():
                    return infeasible("no (split, Q, p) meets both the accuracy target and the latency budget")
                splits, qs, ps, best, lo, hi = splits[keep], qs[keep], ps[keep], best[keep], lo[keep], hi[keep]
                mu = mu[keep]
                rows = np.arange(splits.size)
            mu_best = mu[rows, best][:, None]
            p_best = ps[rows, best]
            lo = ps[rows, np.maximum(best - 1, 0)]
            hi = ps[rows, np.minimum(best + 1, ps.shape[1] - 1)]
        p_star = np.where(splits == 0, 1.0, p_best)  # no device layers: pruning has no effect
    x, value = _best_sample(params, splits, qs, p_star, p_s_fixed)
    if not math.isfinite(value):
        return infeasible("no (split, Q, p) meets both the accuracy target and the latency budget")
    return make_solution(params, x, Status.FEASIBLE, pairs=int(splits.size))


def solve_analytic(params: IsccParams, *, grid: int = 24, stages: int = 7) -> Solution:
    """The default method: :func:`search` over every (split, Q) pair of :func:`design_grid`.

    Parameters
    ----------
    params : IsccParams
        The instance.
    grid : int
        Samples of ``p`` per pair and stage.
    stages : int
        Sampling stages (the first over ``(0, 1]``, then zooms).

    Returns
    -------
    Solution
        ``FEASIBLE`` (problem (22) is not convex: no certificate) or
        ``INFEASIBLE`` with ``extras["reason"]``.

    """
    splits, qs = design_grid(params)
    return search(params, splits, qs, grid, stages)
