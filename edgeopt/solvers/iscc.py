"""Lemma 4 of paper 002: the optimal transmit power and device CPU speed, in closed form, vectorised.

Sub-problem (26): given the upload size ``A1 = N_l Q / B`` (seconds x bit/s/Hz),
the device's FLOPs ``A2`` and the time ``T2`` left for upload and device
computation, choose the transmit power ``P_c <= P_max`` and the CPU speed
``v_e <= v_max`` minimising

.. math:: E = \\frac{A_1 P_c}{\\log_2(1 + \\gamma P_c)} + \\kappa A_2 v_e^2,
          \\qquad \\gamma = \\frac{g}{B N_0},

subject to ``A1 / log2(1 + gamma P_c) + A2 / v_e <= T2``.

Derivation (Appendix C, re-derived; the extracted (45)-(52) are garbled).
With ``t = 1 / log2(1 + gamma P_c)`` (seconds per unit of ``A1``) the power is
``P_c = (2^{1/t} - 1) / gamma`` and (45) reads

.. math:: \\min_{t, v}\\; \\frac{A_1}{\\gamma} t (2^{1/t} - 1) + \\kappa A_2 v^2
          \\quad\\text{s.t.}\\quad A_1 t + A_2 / v \\le T_2,\\;
          t \\ge t_{min} = 1 / \\log_2(1 + \\gamma P_{max}),\\; v \\le v_{max},

convex (``t 2^{1/t}`` is the perspective of ``2^x``; ``1/v`` is convex). With
the multiplier ``mu_1`` of the time constraint, the Lagrangian separates:

* in ``v``: ``2 kappa A2 v - mu_1 A2 / v^2 = 0``, so
  ``v = min(v_max, (mu_1 / (2 kappa))^{1/3})`` (eq. (27));
* in ``t``, with the spectral efficiency ``x = ln 2 / t`` (nat/s/Hz):
  ``(A1 / gamma) [e^x - 1 - x e^x] + mu_1 A1 = 0``, i.e.
  ``(x - 1) e^x + 1 = gamma mu_1``, whose root is
  ``x = 1 + W_0((gamma mu_1 - 1) / e)`` (the Lambert-W form of (28)); then
  ``t = max(t_min, ln 2 / x)``.

The energy falls as either time grows, so the time constraint binds
(``mu_1 > 0``) whenever something is sent or computed, and ``mu_1`` is the
root of the decreasing function ``A1 t(mu_1) + A2 / v(mu_1) - T2`` (eq. (29)),
found by a safeguarded Newton iteration on ``log mu_1`` inside a bracket,
vectorised over all instances. ``A1 = 0`` (nothing to upload: ``v = A2 / T2``)
and ``A2 = 0`` (nothing computed on the device: ``t = T2 / A1``) are closed
forms. The instance is infeasible when ``A1 t_min + A2 / v_max > T2``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.iscc import IsccParams, infeasibility_reason, make_solution, point, u_pruning
from edgeopt.solvers.lambert import priced_spectral_efficiency, priced_transmission_lhs

LN2 = float(np.log(2.0))


class Lemma4Result(NamedTuple):
    """Arrays broadcast over the inputs of :func:`lemma4`."""

    p_c: np.ndarray
    v_e: np.ndarray
    energy: np.ndarray
    mu1: np.ndarray
    feasible: np.ndarray


class Lemma4Reference(NamedTuple):
    """Result of :func:`lemma4_cvxpy`: the fields of :class:`Lemma4Result` and CVXPY's status."""

    p_c: np.ndarray
    v_e: np.ndarray
    energy: np.ndarray
    mu1: np.ndarray
    feasible: np.ndarray
    status: np.ndarray


def _instances(*values: ArrayLike) -> list[np.ndarray]:
    """Broadcast Lemma 4's nine arguments; returns ``A1, A2, gamma = g / (B N0), kappa, T2, v_max, p_max``."""
    a1, a2, b, n0, g, k, t2, vmax, pmax = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))
    return [a1, a2, g / (b * n0), k, t2, vmax, pmax]


def _times(
    mu: np.ndarray, gamma: np.ndarray, kappa: np.ndarray, t_min: np.ndarray, v_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``t(mu)``, ``v(mu)`` and their derivatives in ``log mu``."""
    x = priced_spectral_efficiency(gamma * mu)
    t_free = LN2 / np.maximum(x, 1e-300)
    clipped_t = t_free <= t_min
    t = np.where(clipped_t, t_min, t_free)
    # dx/dmu = gamma / (x e^x), so d t / d log mu = -(ln 2 / x^2) * mu * gamma / (x e^x).
    dt = np.where(clipped_t, 0.0, -LN2 / (x * x) * mu * gamma / (x * np.exp(np.minimum(x, 700.0))))
    v_free = np.cbrt(mu / (2.0 * kappa))
    clipped_v = v_free >= v_max
    v = np.where(clipped_v, v_max, v_free)
    dv = np.where(clipped_v, 0.0, v_free / 3.0)
    return t, dt, v, dv


def lemma4(
    A1: ArrayLike,
    A2: ArrayLike,
    bandwidth: ArrayLike,
    noise_psd: ArrayLike,
    gain: ArrayLike,
    kappa: ArrayLike,
    T2: ArrayLike,
    v_max: ArrayLike,
    p_max: ArrayLike,
    rtol: float = 1e-10,
    max_iter: int = 100,
    *,
    mu_start: ArrayLike | None = None,
) -> Lemma4Result:
    """Solve sub-problem (26) of paper 002 for every broadcast instance.

    Parameters
    ----------
    A1 : array_like
        ``N_l Q / B`` in s (bits over bandwidth); 0 when nothing is uploaded.
    A2 : array_like
        FLOPs computed on the device; 0 when nothing is.
    bandwidth, noise_psd, gain : array_like
        ``B`` (Hz), ``N0`` (W/Hz), ``g``: ``gamma = g / (B N0)``.
    kappa : array_like
        Effective switched capacitance (energy ``kappa A2 v^2``).
    T2 : array_like
        Time for upload and device computation, s.
    v_max, p_max : array_like
        CPU speed cap (FLOP/s) and transmit power cap (W).
    rtol : float
        Stop when the Newton step changes ``log mu_1`` by less than ``rtol``
        (the energy then changes by far less than ``rtol`` relative).
    max_iter : int
        Iteration cap of the Newton loop.
    mu_start : array_like, optional
        A guess of ``mu_1`` per instance (for example a previous solve's
        ``mu1``, as Algorithm 2 passes from round to round). Newton starts
        there where it lies inside the bracket, else at the bracket's upper
        end as without a guess; the root is the same either way.

    Returns
    -------
    Lemma4Result
        ``p_c`` (W), ``v_e`` (FLOP/s), ``energy`` (J, the objective of (26)),
        ``mu1`` (the time price, J/s) and ``feasible``. Infeasible entries have
        ``energy = inf`` and ``p_c = p_max``, ``v_e = v_max``; entries with
        nothing to do have zero power, speed and energy.

    """
    a1, a2, gamma, k, t2, vmax, pmax = _instances(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
    t_min = 1.0 / np.log2(1.0 + gamma * pmax)
    upload, compute = a1 > 0, a2 > 0
    feasible = np.where(upload, a1 * t_min, 0.0) + np.where(compute, a2 / vmax, 0.0) <= t2
    both = upload & compute & feasible

    # Closed forms when only one activity remains.
    with np.errstate(divide="ignore", invalid="ignore"):
        t_only = np.maximum(t2 / np.where(upload, a1, 1.0), t_min)
        v_only = np.minimum(np.where(compute, a2, 0.0) / t2, vmax)
    t = np.where(upload, t_only, 0.0)
    v = np.where(compute, v_only, 0.0)
    x_only = LN2 / np.where(upload, t_only, 1.0)
    mu = np.where(
        upload & ~compute,
        np.where(t_only > t_min, priced_transmission_lhs(x_only) / gamma, 0.0),
        np.where(compute & ~upload, np.where(v_only < vmax, 2.0 * k * v_only**3, 0.0), 0.0),
    )

    if np.any(both):
        idx = np.flatnonzero(both.reshape(-1))
        ga, ka, tm, vm = (arr.reshape(-1)[idx] for arr in (gamma, k, t_min, vmax))
        aa1, aa2, tt2 = a1.reshape(-1)[idx], a2.reshape(-1)[idx], t2.reshape(-1)[idx]

        def residual(log_mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            tt, dt, vv, dv = _times(np.exp(log_mu), ga, ka, tm, vm)
            return aa1 * tt + aa2 / vv - tt2, aa1 * dt - aa2 * dv / (vv * vv), tt, vv

        # Bracket in log mu. Lower end: the larger of the prices at which each activity alone
        # takes all of T2 (0 for an activity whose cap keeps it faster than that), so f >= 0 there.
        # Upper end: both within T2 / 2 each is enough; widened while the caps keep f > 0.
        with np.errstate(divide="ignore"):
            alone_t = tt2 / aa1
            comm_lo = np.where(alone_t > tm, priced_transmission_lhs(LN2 / alone_t) / ga, 0.0)
            alone_v = aa2 / tt2
            comp_lo = np.where(alone_v < vm, 2.0 * ka * alone_v**3, 0.0)
            lo = np.log(np.maximum(np.maximum(comm_lo, comp_lo), 1e-300))
            comm_hi = priced_transmission_lhs(LN2 / np.maximum(0.5 * alone_t, tm)) / ga
            comp_hi = 2.0 * ka * np.minimum(2.0 * alone_v, vm) ** 3
            hi = np.log(np.maximum(np.maximum(comm_hi, comp_hi), 1e-300)) + 1e-9
        f_hi = residual(hi)[0]
        for _ in range(60):
            grow = f_hi > 0
            if not grow.any():
                break
            hi = np.where(grow, hi + 2.0, hi)
            f_hi = residual(hi)[0]
        s = hi.copy()
        if mu_start is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                guess = np.log(np.broadcast_to(np.asarray(mu_start, dtype=float), a1.shape).reshape(-1)[idx])
            s = np.where(np.isfinite(guess) & (guess > lo) & (guess < hi), guess, s)
        active = np.ones(s.shape, dtype=bool)
        for _ in range(max_iter):
            f, df, _, _ = residual(s)
            lo = np.where(f > 0, s, lo)
            hi = np.where(f <= 0, s, hi)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = s - f / df
            # Newton inside the bracket (bounds included: at the root the step lands on one), else bisection.
            inside = np.isfinite(newton) & (newton >= lo) & (newton <= hi)
            step = np.where(inside, newton, 0.5 * (lo + hi))
            settled = (f == 0) | (np.abs(step - s) <= rtol * np.maximum(1.0, np.abs(s)))
            # A settled entry is frozen: later sweeps for the others must not move it.
            s = np.where(active, step, s)
            active &= ~settled
            if not active.any():
                break
        _, _, tt, vv = residual(s)
        for arr, value in ((t, tt), (v, vv), (mu, np.exp(s))):
            flat = arr.reshape(-1)
            flat[idx] = value

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p_c = np.where(upload, np.expm1(LN2 / np.where(upload, t, 1.0)) / gamma, 0.0)
    energy = a1 * p_c * t + k * a2 * v * v
    return Lemma4Result(
        p_c=np.where(feasible, p_c, pmax),
        v_e=np.where(feasible, v, vmax),
        energy=np.where(feasible, energy, np.inf),
        mu1=np.where(feasible, mu, np.inf),
        feasible=feasible,
    )


# Clarabel's default tolerances (1e-8) left the energy 2.5e-4 off in the low-SNR corner
# (gamma P_c ~ 1e-4, where the energy is within 5e-5 of the Shannon limit and flat in t).
# Where the tight run fails or ends inaccurate, the solve is repeated with the defaults.
CLARABEL_TIGHT: dict[str, dict[str, float]] = {
    "CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 400}
}


class Lemma4Cvxpy:
    """Sub-problem (45) written in CVXPY with parameters, for re-solves on new instances (DPP).

    Independent of :func:`lemma4`: the rate constraint in the time-energy form
    ``t log2(1 + gamma e / t) >= 1`` (``t`` the upload time and ``e = P_c t``
    the RF energy, both per unit of ``A1``) is the exponential-cone constraint
    ``-rel_entr(t, t + gamma e) >= ln 2``, the CPU time ``A2 / v`` an
    ``inv_pos`` epigraph, the CPU energy a square.

    Scaling, in each instance's natural units so that every quantity is of
    order one: ``t = tau ln 2`` (``1 / tau`` is the spectral efficiency in
    nat/s/Hz), ``e = (ln 2 / gamma) eps`` (``eps >= 1``, the Shannon limit),
    ``v = v0 v_s`` with ``v0 = min(A2 / T2, v_max)``; the rate constraint
    becomes ``-rel_entr(tau, tau + eps) >= 1``, the power cap
    ``eps <= gamma P_max tau``, the time constraint is divided by ``T2`` and
    the objective by ``E_ref = A1 ln 2 / gamma + kappa A2 v0^2``. (Scaling the
    speed by ``v_max`` left Clarabel 20 % off when the device idles at 0.1 %
    of ``v_max``; scaling the time by ``T2 / A1`` left the cone's right-hand
    side at 1e-3 and Clarabel 1e-4 off in the low-SNR regime.)
    """

    def __init__(self) -> None:
        import cvxpy as cp

        self.cp = cp
        self.t = cp.Variable(pos=True)
        self.e = cp.Variable(nonneg=True)
        self.v = cp.Variable(pos=True)
        self.w = cp.Variable(nonneg=True)
        self.c1 = cp.Parameter(nonneg=True)
        self.c2 = cp.Parameter(nonneg=True)
        self.a1 = cp.Parameter(nonneg=True)
        self.a2 = cp.Parameter(nonneg=True)
        self.cap = cp.Parameter(pos=True)
        self.v_cap = cp.Parameter(pos=True)
        constraints = [
            -cp.rel_entr(self.t, self.t + self.e) >= 1.0,
            self.e <= self.cap * self.t,
            self.a1 * self.t + self.a2 * self.w <= 1.0,
            self.w >= cp.inv_pos(self.v),
            self.v <= self.v_cap,
        ]
        objective = cp.Minimize(self.c1 * self.e + self.c2 * cp.square(self.v))
        self.problem = cp.Problem(objective, constraints)

    def scales(self, A1: float, A2: float, gamma: float, kappa: float, T2: float, v_max: float) -> tuple[float, ...]:
        """``(v0, E_ref)`` of one instance."""
        v0 = min(A2 / T2, v_max) if A2 > 0 else v_max
        return v0, A1 * LN2 / gamma + kappa * A2 * v0**2

    def solve_one(
        self,
        A1: float,
        A2: float,
        gamma: float,
        kappa: float,
        T2: float,
        v_max: float,
        p_max: float,
        solver: str = "CLARABEL",
    ) -> tuple[float, float, float, str]:
        """Energy (J, as reported), ``p_c``, ``v_e`` and CVXPY's status of one instance."""
        cp = self.cp
        v0, e_ref = self.scales(A1, A2, gamma, kappa, T2, v_max)
        self.c1.value = A1 * LN2 / gamma / e_ref
        self.c2.value = kappa * A2 * v0**2 / e_ref
        self.a1.value = A1 * LN2 / T2
        self.a2.value = A2 / (v0 * T2)
        self.cap.value = gamma * p_max
        self.v_cap.value = v_max / v0
        status = "solver_error"
        # Tight tolerances first; where they stall, the solver's defaults (stated in CLARABEL_TIGHT).
        for options in (CLARABEL_TIGHT.get(solver, {}), {}):
            try:
                self.problem.solve(solver=solver, **options)
            except cp.SolverError:
                continue
            status = str(self.problem.status)
            if status == "optimal":
                break
        if status == "solver_error":
            return np.inf, p_max, v_max, status
        if self.t.value is None or self.problem.value is None or status not in ("optimal", "optimal_inaccurate"):
            return np.inf, p_max, v_max, status
        tau, eps, v_s = (float(np.asarray(var.value)) for var in (self.t, self.e, self.v))
        p_c = eps / (gamma * tau) if A1 > 0 else 0.0
        v_e = v0 * v_s if A2 > 0 else 0.0
        return float(self.problem.value) * e_ref, p_c, v_e, status


def lemma4_cvxpy(
    A1: ArrayLike,
    A2: ArrayLike,
    bandwidth: ArrayLike,
    noise_psd: ArrayLike,
    gain: ArrayLike,
    kappa: ArrayLike,
    T2: ArrayLike,
    v_max: ArrayLike,
    p_max: ArrayLike,
    solver: str = "CLARABEL",
) -> Lemma4Reference:
    """The reference for :func:`lemma4`, same arguments: one CVXPY re-solve per instance.

    ``mu1`` is CVXPY's dual value of the time constraint, divided back to J/s.
    Instances with neither upload nor computation are answered without a solve.
    ``status`` holds CVXPY's status per instance (``solver_error`` where the
    solver failed: such an entry says nothing about feasibility).
    """
    a1, a2, gamma, k, t2, vmax, pmax = _instances(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
    model = Lemma4Cvxpy()
    shape = a1.shape
    out = {name: np.zeros(a1.size) for name in ("p_c", "v_e", "energy", "mu1")}
    feasible = np.zeros(a1.size, dtype=bool)
    statuses = np.full(a1.size, "optimal", dtype=object)
    time_row = model.problem.constraints[2]
    for i in range(a1.size):
        args = [float(arr.reshape(-1)[i]) for arr in (a1, a2, gamma, k, t2, vmax, pmax)]
        if args[0] == 0 and args[1] == 0:
            feasible[i] = True
            continue
        a1_i, a2_i, gamma_i, kappa_i, t2_i, vmax_i, pmax_i = args
        energy, p_c, v_e, statuses[i] = model.solve_one(a1_i, a2_i, gamma_i, kappa_i, t2_i, vmax_i, pmax_i, solver)
        feasible[i] = np.isfinite(energy)
        out["energy"][i], out["p_c"][i], out["v_e"][i] = energy, p_c, v_e
        dual = time_row.dual_value
        e_ref = model.scales(a1_i, a2_i, gamma_i, kappa_i, t2_i, vmax_i)[1]
        out["mu1"][i] = float(dual) * e_ref / t2_i if feasible[i] and dual is not None else np.inf
    return Lemma4Reference(
        p_c=out["p_c"].reshape(shape),
        v_e=out["v_e"].reshape(shape),
        energy=out["energy"].reshape(shape),
        mu1=out["mu1"].reshape(shape),
        feasible=feasible.reshape(shape),
        status=statuses.reshape(shape),
    )


def lemma4_kkt(
    result: Lemma4Result,
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
    a1, a2, gamma, k, t2, vmax, pmax = _instances(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
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


# ---------------------------------------------------------------------------
# The whole problem (22): Algorithm 2 (alternating) and the exact analytic method.
# ---------------------------------------------------------------------------

GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
# Golden-section steps of Algorithm 1: the bracket shrinks to 0.618^60 ~ 3e-13 of its width.
GOLDEN_ITERATIONS = 60


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

    With ``p_s_fixed`` the sensing power is held there (the JC&C baseline)
    and the accuracy constraint is checked instead. ``mu_start`` is passed
    to :func:`lemma4`. Returns the energy (``inf`` where infeasible) and
    ``P_s``, ``P_c``, ``v_e`` and Lemma 4's ``mu_1``.
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


def _golden(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, iterations: int) -> np.ndarray:
    """Vectorised golden-section search of unimodal ``f`` on ``[lo, hi]`` (Algorithm 1); returns the midpoints.

    The bracket ``[lo, lo + w]`` holds two interior points ``lo + (1 - G) w``
    and ``lo + G w`` (``G = 0.618...``); each step keeps the side of the lower
    value, shrinks ``w`` by ``G``, and since ``G^2 = 1 - G`` the surviving
    point is an interior point of the new bracket, so one new evaluation per
    step suffices. Only ``lo``, ``w`` and the two values are carried; the points
    are recomputed from them (a rounding-level shift of the surviving point).
    """
    width = hi - lo
    f1, f2 = f(lo + (1.0 - GOLDEN) * width), f(lo + GOLDEN * width)
    for _ in range(iterations):
        left = f1 <= f2  # the minimum lies in [lo, lo + G w]; otherwise in [lo + (1 - G) w, lo + w]
        lo = np.where(left, lo, lo + (1.0 - GOLDEN) * width)
        width = GOLDEN * width
        fresh = f(lo + np.where(left, 1.0 - GOLDEN, GOLDEN) * width)
        f1, f2 = np.where(left, fresh, f2), np.where(left, f1, fresh)
    return np.asarray(lo + 0.5 * width)


def _best(
    params: IsccParams, split: np.ndarray, q: np.ndarray, p: np.ndarray, p_s_fixed: float | None
) -> tuple[dict[str, np.ndarray], float]:
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
    where the minimum sits when a constraint binds. ``p_fixed`` holds the
    pruning ratio (no search), ``p_s_fixed`` the sensing power (see
    :func:`reduced_energy`).
    """
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
    x, value = _best(params, splits, qs, p_star, p_s_fixed)
    if not math.isfinite(value):
        return infeasible("no (split, Q, p) meets both the accuracy target and the latency budget")
    return make_solution(params, x, Status.FEASIBLE, pairs=int(splits.size))


def solve_analytic(params: IsccParams, grid: int = 24, stages: int = 7) -> Solution:
    """The default method: :func:`search` over every (split, Q) pair of :func:`design_grid`."""
    splits, qs = design_grid(params)
    return search(params, splits, qs, grid, stages)


def solve_alternating(
    params: IsccParams, max_rounds: int = 50, tol: float = 1e-10, iterations: int = GOLDEN_ITERATIONS
) -> Solution:
    """The paper's Algorithm 2: exhaustive (split, Q); alternating (p, P_s) / (P_c, v_e) inside.

    Step (a), problem (23)-(25): with ``(P_c, v_e)`` fixed, the device's
    compute time must fit in ``T_1 = T_max - T_sen - T_s - T_comm``, which
    caps ``p`` (``A_2`` is affine in ``p`` above the kink of
    :meth:`~edgeopt.problems.iscc.IsccParams.device_flops_line`); golden-section
    search (Algorithm 1) on ``T_sen r(u(p)) + kappa A_2(p) v_e^2`` over
    ``(0, p_cap]``. Step (b): Lemma 4 for ``(P_c, v_e)`` given ``p``, its
    Newton iteration started from the previous round's ``mu_1``. Start
    (line 3): ``P_c = P_max``, ``v_e = v_max``. Stop when the energy changes by
    less than ``tol`` relative, or after ``max_rounds``; all pairs iterate
    together, vectorised, and the returned ``extras["rounds"]`` says how many
    rounds ran. Where the deadline binds, the minimum of (25) is the cap
    itself and golden section ends just below it; the cap is kept when it is
    no worse, without which the alternation crept down by ~1e-9 relative in
    energy per round until ``max_rounds`` (it now settles in 2-3 rounds on
    the benchmark's random instances).
    """
    reason = infeasibility_reason(params)
    if reason is not None:
        return infeasible(reason)
    splits, qs = design_grid(params)
    n = splits.size
    p_c = np.full(n, params.p_max)
    v_e = np.full(n, params.v_max)
    p = np.ones(n)
    a1 = params.upload_bits(splits, qs) / params.bandwidth
    t2 = params.device_and_upload_time(splits)
    previous = np.full(n, np.inf)
    # Per-pair constants of step (a), computed once: the error is err_base + err_per_u u(p)
    # and the device runs layers 1..split.
    err_base, err_per_u = params.error_terms(splits, qs)
    included = params.device_layers(splits)
    offset, slope, kink = params.device_flops_line(splits)
    mu = np.full(n, np.nan)
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        t_comm = params.upload_time(splits, qs, p_c)
        # Step (a): the device's FLOPs must fit in T_1 = T2 - T_comm at speed v_e; A_2 is affine in p
        # above the kink, which gives the cap on p that bounds the search. Below the kink the line
        # undercounts, so the search's function also checks the budget itself.
        budget = (t2 - t_comm) * v_e
        with np.errstate(divide="ignore", invalid="ignore"):
            p_cap = np.clip(np.where(slope > 0, (budget - offset) / slope, 1.0), 0.0, 1.0)
        energy_per_flop = params.kappa * v_e**2
        allowed = budget * (1 + 1e-12)

        def h1(
            pp: np.ndarray, energy_per_flop: np.ndarray = energy_per_flop, allowed: np.ndarray = allowed
        ) -> np.ndarray:
            # (25): T_sen P_s(p) (Lemma 3) + kappa A_2(p) v_e^2, infinite past the compute budget.
            p_s = params.sensing_power_for_error(err_base + err_per_u * u_pruning(pp))
            flops = offset + slope * pp
            clipped = pp < kink
            if clipped.any():  # the exact count (3), needed only where Lemma 3 has a power at all
                clipped &= np.isfinite(p_s)
                if clipped.any():
                    flops = np.where(clipped, params.flops_on(included, pp), flops)
            return np.asarray(np.where(flops <= allowed, params.T_sen * p_s + energy_per_flop * flops, np.inf))

        # h1 is finite on [p_min, p_cap] (Lemma 3 needs p >= p_min), so a pair whose cap is infeasible
        # has no feasible p this round: it keeps its p, and its bracket is a placeholder at 1. (Below the
        # kink the line's cap is too high and h1 there is infinite although a lower p may fit: such pairs
        # are searched anyway.)
        at_cap = h1(p_cap)
        searched = (p_cap > 0) & (np.isfinite(at_cap) | (p_cap < kink))
        found = _golden(h1, np.where(searched, 1e-12, 1.0), np.where(searched, p_cap, 1.0), iterations)
        # The minimum is often the cap itself (the deadline binds). Golden section then ends within
        # ~sqrt(machine eps) below it, where h1 is flat to rounding; from there the next round's cap is
        # lower and the alternation creeps down by ~1e-8 per round. The end point is kept when no worse.
        found = np.where(at_cap <= h1(found), p_cap, found)
        p_new = np.where(searched, found, p)
        sub = lemma4(
            a1,
            params.device_flops(splits, p_new),
            params.bandwidth,
            params.noise_psd,
            params.gain,
            params.kappa,
            np.maximum(t2, 1e-300),
            params.v_max,
            params.p_max,
            mu_start=mu,
        )
        mu = np.where(sub.feasible, sub.mu1, mu)
        p_s = params.sensing_power_for_error(err_base + err_per_u * u_pruning(p_new))
        energy = np.where(sub.feasible & np.isfinite(p_s) & searched, params.T_sen * p_s + sub.energy, np.inf)
        # Keep the previous iterate where the step would leave the feasible set.
        moved = np.isfinite(energy)
        p = np.where(moved, p_new, p)
        p_c = np.where(moved, sub.p_c, p_c)
        v_e = np.where(moved, sub.v_e, v_e)
        both = np.isfinite(energy) & np.isfinite(previous)
        with np.errstate(invalid="ignore"):
            settled = both & (np.abs(previous - energy) <= tol * np.abs(energy))
        if np.all(~np.isfinite(energy) | settled):
            previous = np.where(moved, energy, previous)
            break
        previous = np.where(moved, energy, previous)
    if not np.any(np.isfinite(previous)):
        return infeasible("Algorithm 2 found no feasible (split, Q, p) from its starting point")
    k = int(np.argmin(previous))
    p = np.where(splits == 0, 1.0, p)  # no device layers: pruning has no effect
    p_s = params.sensing_power(splits[k], p[k], qs[k])
    x = point(int(splits[k]), int(qs[k]), float(p[k]), float(p_s), float(p_c[k]), float(v_e[k]))
    return make_solution(params, x, Status.FEASIBLE, rounds=rounds)
