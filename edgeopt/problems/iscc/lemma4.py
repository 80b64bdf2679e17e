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
found by a safeguarded Newton iteration on ``log mu_1`` inside a bracket
(:func:`edgeopt.solvers.scalar.find_root_newton`), vectorised over all
instances. Every step is elementwise, each entry stopping on its own test
(the root ``x`` too, :func:`spectral_efficiency`), so an entry's answer does
not depend on the other entries of the call: a batch of ISCC instances gets
the bits each gets alone. ``A1 = 0`` (nothing to upload: ``v = A2 / T2``)
and ``A2 = 0`` (nothing computed on the device: ``t = T2 / A1``) are closed
forms. The instance is infeasible when ``A1 t_min + A2 / v_max > T2``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.validate import integer, number
from edgeopt.problems.iscc.model import LN2, subproblem_arguments, validate_arguments
from edgeopt.solvers.lambert import priced_transmission_lhs, spectral_efficiency_scalar
from edgeopt.solvers.scalar import find_root_newton


class Lemma4Result(NamedTuple):
    """Arrays broadcast over the inputs of :func:`lemma4`."""

    p_c: np.ndarray
    v_e: np.ndarray
    energy: np.ndarray
    mu1: np.ndarray
    feasible: np.ndarray


@njit(cache=True, error_model="numpy", nogil=True)
def _spectral_efficiency_flat(y: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`~edgeopt.solvers.lambert.spectral_efficiency_scalar` of every entry of a 1-D array."""
    out = np.empty(y.size)
    for i in range(y.size):
        out[i] = spectral_efficiency_scalar(y[i])
    return out


def spectral_efficiency(y: ArrayLike) -> np.ndarray:
    """The root ``x >= 0`` of ``(x - 1) e^x + 1 = y``, each entry on its own: ``t(mu)``'s Lambert-W step.

    The array form :func:`edgeopt.solvers.lambert.priced_spectral_efficiency`
    runs its Halley steps until the slowest entry has converged, so an
    entry's last bits depend on the other entries of the array (up to 3e-13
    relative, measured); here each entry stops on its own test (the compiled
    scalar form), so that an instance of a batch (:mod:`edgeopt.problems.iscc.pairs`)
    gets the same bits as alone.
    """
    arr = np.ascontiguousarray(y, dtype=float)
    return np.asarray(_spectral_efficiency_flat(arr.reshape(-1)).reshape(arr.shape))


def _times(
    mu: np.ndarray, gamma: np.ndarray, kappa: np.ndarray, t_min: np.ndarray, v_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``t(mu)``, ``v(mu)`` and their derivatives in ``log mu``."""
    x = spectral_efficiency(gamma * mu)
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


class _Reuse:
    """A vectorised ``f(x) -> tuple of arrays`` re-evaluated only at the entries whose ``x`` moved since the last call.

    :func:`~edgeopt.solvers.scalar.find_root_newton` evaluates its function on
    the whole array every iteration, frozen entries included; the residual of
    (29) costs a Lambert-W root per entry, and most entries stop long before
    the slowest. ``f`` is elementwise and deterministic, so an entry at the
    same point gets the same values: reusing them changes no bit.
    """

    def __init__(self, f: Callable[[np.ndarray, np.ndarray | slice], tuple[np.ndarray, ...]]) -> None:
        self.f = f
        self.x: np.ndarray | None = None
        self.values: tuple[np.ndarray, ...] = ()

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        if self.x is None or self.x.shape != x.shape:
            values = self.f(x, slice(None))
        else:
            moved = np.flatnonzero(x != self.x)  # (NaN != NaN: a NaN point is always re-evaluated)
            values = tuple(v.copy() for v in self.values)
            if moved.size:
                for full, part in zip(values, self.f(x[moved], moved), strict=True):
                    full[moved] = part
        self.x, self.values = np.array(x, dtype=float), values
        return values


def time_feasible(
    a1: ArrayLike, a2: ArrayLike, gamma: ArrayLike, t2: ArrayLike, v_max: ArrayLike, p_max: ArrayLike
) -> np.ndarray:
    """Whether (26) has a feasible point: ``A1 t_min + A2 / v_max <= T2`` (upload at ``P_max``, CPU at ``v_max``).

    The one test :func:`lemma4` applies; the analytic method bisects on it
    for the largest feasible pruning ratio, so the two always agree. Arrays
    broadcast; ``a1 = 0`` or ``a2 = 0`` drops that activity.
    """
    a1, a2 = np.asarray(a1, dtype=float), np.asarray(a2, dtype=float)
    t_min = LN2 / np.log1p(np.asarray(gamma, dtype=float) * np.asarray(p_max, dtype=float))  # finite to 1e-300
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        used = np.where(a1 > 0, a1 * t_min, 0.0) + np.where(a2 > 0, a2 / np.asarray(v_max, dtype=float), 0.0)
    return np.asarray(used <= np.asarray(t2, dtype=float))


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

    Raises
    ------
    InvalidParameterError
        Naming the argument: a non-real, NaN or infinite entry, a negative
        ``A1`` or ``A2``, a ``T2`` not in ``(0, 1e100]``, a channel, CPU or
        power argument outside ``[1e-30, 1e30]``, arguments that do not
        broadcast, ``rtol`` not in ``(0, 1]`` or ``max_iter`` not in ``1..10000``.

    """
    args = validate_arguments(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
    rtol = number("rtol", rtol, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    max_iter = integer("max_iter", max_iter, minimum=1, maximum=10_000)
    start = None
    if mu_start is not None:
        raw = np.asarray(mu_start) if not isinstance(mu_start, str | bytes) else np.asarray(object())
        if raw.dtype.kind not in "iuf":
            raise InvalidParameterError(
                f"mu_start must be an array of real numbers (NaN: no guess), got {mu_start!r:.80}"
            )
        try:
            start = np.broadcast_to(raw.astype(float), args[0].shape)
        except ValueError as err:
            shape = args[0].shape
            raise InvalidParameterError(f"mu_start of shape {raw.shape} does not broadcast to {shape}") from err
    return solve_checked(*args, rtol=rtol, max_iter=max_iter, mu_start=start)


def solve_checked(
    A1: ArrayLike,
    A2: ArrayLike,
    bandwidth: ArrayLike,
    noise_psd: ArrayLike,
    gain: ArrayLike,
    kappa: ArrayLike,
    T2: ArrayLike,
    v_max: ArrayLike,
    p_max: ArrayLike,
    *,
    rtol: float = 1e-10,
    max_iter: int = 100,
    mu_start: ArrayLike | None = None,
) -> Lemma4Result:
    """:func:`lemma4` without its argument checks, for callers whose data is already validated.

    The analytic method and Algorithm 2 call it with the fields of a
    validated :class:`~edgeopt.problems.iscc.model.IsccParams` (inside the
    ranges :func:`validate_arguments` enforces) and ``T2 > 0``; anything else
    should go through :func:`lemma4`.
    """
    a1, a2, gamma, k, t2, vmax, pmax = subproblem_arguments(
        A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max, validate=False
    )
    start = None if mu_start is None else np.broadcast_to(np.asarray(mu_start, dtype=float), a1.shape)
    t_min = LN2 / np.log1p(gamma * pmax)  # log1p: finite down to gamma P_max ~ 1e-300
    upload, compute = a1 > 0, a2 > 0
    feasible = time_feasible(a1, a2, gamma, t2, vmax, pmax)
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

        def residual(
            log_mu: np.ndarray, at: slice | np.ndarray = slice(None)
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            """The time left over, its slope in ``log mu``, ``t`` and ``v``, for the entries ``at``."""
            tt, dt, vv, dv = _times(np.exp(log_mu), ga[at], ka[at], tm[at], vm[at])
            a1_at, a2_at = aa1[at], aa2[at]
            return a1_at * tt + a2_at / vv - tt2[at], a1_at * dt - a2_at * dv / (vv * vv), tt, vv

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
        for _ in range(60):  # widen only the entries still slow at hi (the others keep their hi and f_hi)
            grow = np.flatnonzero(f_hi > 0)
            if not grow.size:
                break
            hi[grow] += 2.0
            f_hi[grow] = residual(hi[grow], grow)[0]
        s = hi.copy()
        if start is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                guess = np.log(start.reshape(-1)[idx])
            s = np.where(np.isfinite(guess) & (guess > lo) & (guess < hi), guess, s)
        # Newton on the decreasing f(log mu) inside the bracket (bounds included: at the root the step
        # lands on one), else bisection; stop when the step moves log mu by less than rtol relative.
        # stay_at_root=True: an entry with f == 0 stays there. Where both caps bind and the deadline is
        # met exactly (as in Algorithm 2's first round) f and its slope vanish together from the
        # bracket's upper end on and mu_1 is not unique; the 0.1 release stepped to the bracket's
        # midpoint there, whose (P_c, v_e) overran T2 by up to 6 % (a constraint violation that the
        # result contract now rejects). Staying returns the caps, the one feasible point.
        at_points = _Reuse(residual)

        def fdf(log_mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            f, df, _, _ = at_points(log_mu)
            return f, df

        root = find_root_newton(
            fdf,
            s,
            lo,
            hi,
            increasing=False,
            closed=True,
            fatol=0.0,
            xtol=rtol,
            step_test="move",
            bracket_xtol=None,
            take_final_step=True,
            stay_at_root=True,
            max_iter=max_iter,
        )
        s = root.x
        f_s, _, tt, vv = at_points(s)
        # Where Newton stopped on the slow side of the root (the time used above T2 by more than rounding,
        # e.g. at its iteration cap on an extreme instance), take the bracket's fast end instead: f <= 0
        # there, so the returned point always meets the deadline.
        over = f_s > 1e-12 * tt2
        if over.any():
            s = np.where(over & (residual(root.hi)[0] <= 0), root.hi, s)
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
