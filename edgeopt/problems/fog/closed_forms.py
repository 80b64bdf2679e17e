"""Closed forms of the fog problem's internal problems (paper 004), shared by its methods.

The decomposition (:mod:`~edgeopt.problems.fog.decomposition`), the batched
interior point (:mod:`~edgeopt.problems.fog.barrier`) and its KKT-Newton local
phase (:mod:`~edgeopt.problems.fog.kkt_newton`) all price the same internal
problems; :class:`ClosedForms` holds their solutions in closed form.

Derivations (the extracted text of eqs. (34)-(45) is garbled; these are
re-derived from the KKT conditions of the convex problem (31)).

Multipliers: ``phi >= 0`` of the latency constraint (23), ``nu`` of the row
sum (4), ``beta_{k,n} >= 0`` of the per-layer time sharing (22).

**Local computation** (eqs. (34), (48)-(53)). With ``m = a_{k,n} d_k`` cycles
(``a_{k,n} = 9 c_k d^x_n / 2^(n-1)``), node ``k`` minimises
``kappa m^3 / t^2 + beta t`` over ``t >= m / f_max``. Stationarity
``-2 kappa m^3 / t^3 + beta = 0`` gives ``t = m (2 kappa / beta)^(1/3)``; the
CPU-speed floor binds when ``beta >= 2 kappa f_max^3``. So
``t^LOC = m rho(beta)`` with ``rho(beta) = max((2 kappa/beta)^(1/3), 1/f_max)``
and the priced cost is ``m h(beta)``,
``h(beta) = 3 (kappa/4)^(1/3) beta^(2/3)`` below the threshold and
``kappa f_max^2 + beta / f_max`` above (continuous, with ``h' = rho``).

**Transmission** (eqs. (35)-(36), (39), (49), (54)-(63)). Sending ``D`` bits in
time ``t`` at rate ``B ln(1 + p g / (N0 B))`` needs
``p = (exp(x) - 1) / gamma`` with ``x = D / (B t)`` and ``gamma = g / (N0 B)``.
Priced at ``w`` per second (``w = p_circuit + beta`` for an exchange,
``p_circuit[master] + phi`` for the FRD), the cost
``(D / B) (w + (e^x - 1)/gamma) / x`` is stationary where
``(x - 1) e^x + 1 = w gamma``, i.e. ``x = 1 + W_0((w gamma - 1)/e)`` (the
Lambert-W form of (36)), capped at ``x_max = ln(1 + gamma p_max)`` by the power
constraint. ``dx/dw = gamma / (x e^x)`` below the cap and 0 above. The RF
power is ``B (mu - N0/g)`` in the paper's notation, with
``mu = e^x / (B gamma)`` the rate multiplier: eq. (35) and (39).

**Per-layer price.** Node ``k``'s busy time in layer ``n`` at price
``beta``, ``T_{k,n}(beta) = a d_k rho(beta) + sum_links D_n / (B x(beta))``,
decreases with ``beta``; its price is the root of ``T_{k,n}(beta) = t_n``
(eq. (22) active), or ``beta = 0`` when the node's unpriced optimum already
fits (:meth:`ClosedForms.beta_roots`). The marginal energy of a row at node
``k`` is ``g_k = [k != m] d_x q_k(phi) + sum_n a_{k,n} h(beta_{k,n})``, with
``q_k(phi)`` the priced FRD cost per bit (eqs. (38), (41)-(43)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
from numba import njit, vectorize
from numpy.typing import NDArray

from edgeopt.problems.fog.model import ABOVE, BELOW, FogBatch, FogParams, cpu_speed
from edgeopt.problems.fog.parallel import run_batch
from edgeopt.solvers.lambert import priced_spectral_efficiency, priced_transmission_lhs, spectral_efficiency_scalar
from edgeopt.solvers.scalar import find_root_newton

FloatArray = NDArray[np.float64]

#: An entry's exchange time is fixed at any price when its unpriced time is this close to its minimum
#: (every link at its power cap even unpriced; see edgeopt.problems.fog.kkt_newton).
FIXED_REL = 1e-12


# -- compiled scalar closed forms --------------------------------------------
# The per-instance KKT Newton (edgeopt.problems.fog.kkt_newton) evaluates the
# closed forms below entry by entry in compiled code; ClosedForms.rho and
# ClosedForms.h are the same functions vectorised (numba ufuncs), so each
# formula is written once.


@njit(cache=True, error_model="numpy", nogil=True)
def priced_x_scalar(w_gamma: float, gamma: float, xmax: float) -> tuple[float, float]:
    """Spectral efficiency at price ``w`` (``w_gamma = w gamma``), capped at ``x_max``, and ``dx/dw``."""
    x = spectral_efficiency_scalar(w_gamma)
    if x >= xmax:
        return xmax, 0.0
    return x, gamma / (x * math.exp(min(x, 700.0)))


@njit(cache=True, error_model="numpy", nogil=True)
def rho_scalar(beta: float, kappa: float, fmax: float, beta_cpu: float) -> tuple[float, float]:
    """Local time per cycle ``rho(beta)`` and ``drho/dbeta`` (module docstring, eq. (34))."""
    if beta >= beta_cpu:
        return 1.0 / fmax, 0.0
    free = np.cbrt(2.0 * kappa / beta)
    return free, -free / (3.0 * beta)


@njit(cache=True, error_model="numpy", nogil=True)
def h_scalar(beta: float, kappa: float, fmax: float, beta_cpu: float) -> float:
    """Priced local cost per cycle ``h(beta)`` (0 at ``beta = 0``)."""
    return h_scalar_given(beta, kappa, fmax, beta_cpu, np.cbrt(0.25 * kappa))


@njit(cache=True, error_model="numpy", nogil=True)
def h_scalar_given(beta: float, kappa: float, fmax: float, beta_cpu: float, cbrt_kappa4: float) -> float:
    """:func:`h_scalar` given ``cbrt_kappa4 = cbrt(kappa / 4)`` (a node's constant, taken once per node)."""
    if beta >= beta_cpu:
        return kappa * fmax**2 + beta / fmax
    c = np.cbrt(beta)
    return 3.0 * cbrt_kappa4 * c * c


_F4 = ["float64(float64, float64, float64, float64)"]


@vectorize(_F4, cache=True)
def _rho_ufunc(beta: float, kappa: float, fmax: float, beta_cpu: float) -> float:
    return rho_scalar(beta, kappa, fmax, beta_cpu)[0]


@vectorize(_F4, cache=True)
def _drho_ufunc(beta: float, kappa: float, fmax: float, beta_cpu: float) -> float:
    return rho_scalar(beta, kappa, fmax, beta_cpu)[1]


@vectorize(["float64(float64)"], cache=True)
def _x_ufunc(y: float) -> float:
    # Each entry solved on its own (the array form iterates until its slowest entry converges, so an
    # instance's last bits could depend on the other instances of its batch).
    return spectral_efficiency_scalar(y)


@vectorize(_F4, cache=True)
def _h_ufunc(beta: float, kappa: float, fmax: float, beta_cpu: float) -> float:
    return h_scalar(beta, kappa, fmax, beta_cpu)


class ClosedForms:
    """Closed forms of the internal problems, vectorised over nodes, layers and links.

    Built from one instance, or from a batch of instances of the same
    ``(K, N)``: every array then has the batch axis first and the closed forms
    broadcast over it (the batched methods :mod:`~edgeopt.problems.fog.barrier`
    and :mod:`~edgeopt.problems.fog.kkt_newton`).

    Parameters
    ----------
    params : FogParams or sequence of FogParams
        One instance, or instances of one size.

    """

    def __init__(self, params: FogParams | Sequence[FogParams], batch: FogBatch | None = None) -> None:
        single = isinstance(params, FogParams)
        if isinstance(params, FogParams):
            self.p = params
            b = FogBatch.one(params)
        else:
            self.p = params[0]
            b = FogBatch.of(params) if batch is None else batch
        lay = b.layout

        def take(arr: Any) -> Any:
            # One instance keeps no batch axis (the decomposition and the minimum-latency LP).
            return arr[0] if single else arr

        self.K, self.N = self.p.K, self.p.n_layers
        bandwidth = take(b.bandwidth)
        n0b = take(b.noise_psd) * bandwidth
        self.B_link = bandwidth[..., None, None, None]  # broadcasts against (K, N, 2)
        self.B_frd = bandwidth[..., None]  # against (K,)
        self.a = take(lay.cycles_per_row)
        self.kappa = take(b.kappa)[..., None]
        self.fmax = take(b.f_max)[..., None]
        self.beta_cpu = 2.0 * self.kappa * self.fmax**3  # local time hits its floor above this
        self.mask = take(lay.link_mask)
        self.bits = take(lay.link_bits)
        self.gamma = take(lay.link_gain) / n0b[..., None, None, None]
        self.pc = np.broadcast_to(take(b.p_circuit)[..., None, None], self.bits.shape)
        self.xmax = np.log1p(self.gamma * take(b.p_max)[..., None, None])
        # Link time at the power cap, and unpriced (beta = 0) link time.
        self.link_tmin = np.where(self.mask, self.bits / (self.B_link * self.xmax), 0.0).sum(axis=-1)
        x0 = np.minimum(self.xmax, _x_ufunc(self.pc * self.gamma))
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(self.mask, self.bits / (self.B_link * x0), 0.0)
        self.link_t0 = t0.sum(axis=-1)
        # First-round distribution from the master.
        self.frd_mask = take(lay.frd_mask)
        self.frd_gamma = take(b.gain_frd) / n0b[..., None]
        self.frd_xmax = np.log1p(self.frd_gamma * take(b.p_max_master)[..., None])
        self.frd_pc = take(b.p_circuit_master)[..., None]
        self.frd_fixed = take(lay.frd_fixed_bits)
        self.d_x = take(b.d_x)[..., None]
        self._kernel: tuple[NDArray[Any], ...] | None = None  # kernel_constants, built on first use

    def kernel_constants(self) -> tuple[NDArray[Any], ...]:
        """The constants of the compiled kernels as dense, C-contiguous, batch-first arrays (cached).

        In order: ``a``, ``kappa``, ``f_max``, the CPU price, the link mask, bits,
        ``gamma``, circuit power and ``x_max``, the bandwidth, the unpriced link
        time, whether it is fixed at any price (every link capped unpriced), the
        FRD mask, ``gamma`` and ``x_max``, the master's circuit power, the FRD
        fixed bits and ``d_x``. One instance gets a batch axis of 1. The cache is
        restricted with the model by :func:`edgeopt.solvers.batch.take_batch`.
        """
        if self._kernel is None:
            S = int(np.size(self.B_link))
            K, N = self.K, self.N
            kn, knj = (S, K, N), (S, K, N, 2)

            def dense(value: Any, shape: tuple[int, ...], dtype: Any = np.float64) -> NDArray[Any]:
                return np.ascontiguousarray(np.broadcast_to(value, shape), dtype=dtype)

            self._kernel = (
                dense(self.a, kn),
                dense(np.reshape(self.kappa, (-1, K)), (S, K)),
                dense(np.reshape(self.fmax, (-1, K)), (S, K)),
                dense(np.reshape(self.beta_cpu, (-1, K)), (S, K)),
                dense(self.mask, knj, np.bool_),
                dense(self.bits, knj),
                dense(self.gamma, knj),
                dense(self.pc, knj),
                dense(self.xmax, knj),
                dense(np.reshape(self.B_link, S), (S,)),
                dense(self.link_t0, kn),
                dense(self.link_t0 <= self.link_tmin * (1.0 + FIXED_REL), kn, np.bool_),
                dense(self.frd_mask, (S, K), np.bool_),
                dense(self.frd_gamma, (S, K)),
                dense(self.frd_xmax, (S, K)),
                dense(np.reshape(self.frd_pc, S), (S,)),
                dense(self.frd_fixed, (S, K)),
                dense(np.reshape(self.d_x, S), (S,)),
            )
        return self._kernel

    @cached_property
    def link_sat(self) -> FloatArray:
        """Price above which every link of a node runs at full power: ``(x_max - 1) e^x_max + 1 = (pc + beta) gamma``.

        Computed on first use (the nested decomposition's walls, :meth:`beta_sat`); the batched
        interior point never needs it.
        """
        sat = priced_transmission_lhs(self.xmax) / self.gamma - self.pc
        return np.asarray(np.max(np.where(self.mask, np.maximum(sat, 0.0), 0.0), axis=-1))

    def beta_sat(self, ad: FloatArray) -> FloatArray:
        """Smallest price at which a node's busy time reaches its minimum ``T_min``.

        Beyond it ``T(beta)`` is flat, so on the "wall" ``t_n = T_min`` any
        ``beta >= beta_sat`` balances the layer; the solver then keeps
        ``beta_sat`` and carries the excess as the wall's multiplier.
        """
        return np.where(ad > 0, np.maximum(self.beta_cpu, self.link_sat), self.link_sat)

    # -- transmission closed forms ----------------------------------------
    def link_x(self, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Spectral efficiency of every exchange link at price ``beta`` and ``dx/dbeta``."""
        y = (self.pc + beta[..., None]) * self.gamma
        x = priced_spectral_efficiency(y)
        capped = x >= self.xmax
        x = np.minimum(x, self.xmax)
        dx = np.where(capped, 0.0, self.gamma / (x * np.exp(np.minimum(x, 700.0))))
        return x, dx

    def frd_x(self, phi: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        """FRD spectral efficiency per node at price ``phi`` and ``dx/dphi``."""
        y = (self.frd_pc + phi) * self.frd_gamma
        x = priced_spectral_efficiency(y)
        capped = x >= self.frd_xmax
        x = np.minimum(x, self.frd_xmax)
        dx = np.where(capped, 0.0, self.frd_gamma / (x * np.exp(np.minimum(x, 700.0))))
        return x, dx

    def frd_price(self, phi: float | FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Priced FRD cost per bit ``q_k(phi)`` (0 at the master), with ``x`` and ``dx/dphi`` of :meth:`frd_x`.

        ``q = (p^c_m + phi + (e^x - 1) / gamma) / (B x)``: the optimum of the
        transmission sub-problem per bit sent, priced at ``phi`` per second.
        """
        xf, dxf = self.frd_x(phi)
        q = np.where(self.frd_mask, ((self.frd_pc + phi) + np.expm1(xf) / self.frd_gamma) / (self.B_frd * xf), 0.0)
        return q, xf, dxf

    def row_marginal(self, q: FloatArray, beta: FloatArray) -> FloatArray:
        """``g_k = d_x q_k + sum_n a_{k,n} h(beta_{k,n})``: the priced energy of one more row at node ``k``."""
        return np.asarray(self.d_x * q + np.sum(self.a * self.h(beta), axis=-1))

    def frd_bits(self, d: FloatArray) -> FloatArray:
        """Bits the master sends each node in the FRD for rows ``d`` (0 for itself), eq. (9)."""
        return np.where(self.frd_mask, self.d_x * d + self.frd_fixed, 0.0)

    # -- local computation closed forms -----------------------------------
    def rho(self, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Local time per cycle ``rho(beta)`` and its derivative (:func:`rho_scalar`, vectorised)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # beta -> 0: rho = inf, no rows need it
            return (
                np.asarray(_rho_ufunc(beta, self.kappa, self.fmax, self.beta_cpu)),
                np.asarray(_drho_ufunc(beta, self.kappa, self.fmax, self.beta_cpu)),
            )

    def h(self, beta: FloatArray) -> FloatArray:
        """Priced local cost per cycle ``min_rho kappa / rho^2 + beta rho`` (:func:`h_scalar`, vectorised)."""
        return np.asarray(_h_ufunc(beta, self.kappa, self.fmax, self.beta_cpu))

    # -- the per-layer time-sharing price ----------------------------------
    def layer_times(
        self, beta: FloatArray, ad: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Busy time ``T(beta)`` of every node in every layer and ``dT/dbeta``."""
        rho, drho = self.rho(beta)
        x, dx = self.link_x(beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            lt = np.where(self.mask, self.bits / (self.B_link * x), 0.0)
            dlt = np.where(self.mask, -lt / x * dx, 0.0)
        work = ad > 0  # no local term where a node has no rows (rho may be inf at beta = 0)
        with np.errstate(invalid="ignore"):
            busy = np.where(work, ad * rho, 0.0) + lt.sum(axis=-1)
            dbusy = np.where(work, ad * drho, 0.0) + dlt.sum(axis=-1)
        return busy, dbusy, rho, x, lt

    def beta_roots(self, d: FloatArray, t: FloatArray, beta0: FloatArray | None) -> FloatArray:
        """Solve ``T_{k,n}(beta) = t_n`` for every node and layer (eq. (22) active; 0 where slack).

        Safeguarded Newton in ``u = log(beta)``
        (:func:`edgeopt.solvers.scalar.find_root_newton`): ``T`` is
        decreasing in ``u``, a bracket ``[lo, hi]`` is kept per entry and a
        step that leaves it is replaced by bisection (or by a move of 2 in
        ``u`` while one side is unknown); a Newton step moves ``beta`` at most
        ``e^5``-fold. An entry stops when ``|T - t_n| <= 1e-15 t_n``, when
        ``|T - t_n| <= 1e-12 t_n`` and the Newton step is below ``1e-15``
        relative, or when its bracket has collapsed to ``1e-15`` relative.
        Slack entries (no rows and the unpriced exchange fits) get 0; wall
        entries (``t_n`` at the minimum busy time) the saturation price
        :meth:`beta_sat`.

        Parameters
        ----------
        d : ndarray, shape (..., K)
            Rows.
        t : ndarray, shape (..., N)
            Layer times.
        beta0 : ndarray, shape (..., K, N), optional
            A warm start (entries <= 0 start at ``1e-3`` of the CPU price);
            without it a closed-form guess from the local term.

        Returns
        -------
        ndarray, shape (..., K, N)
            The prices ``beta_{k,n}``.

        """
        ad = self.a * d[..., None]
        target = np.broadcast_to(t[..., None, :], ad.shape)
        slack = (ad <= 0.0) & (self.link_t0 <= target)
        wall = target <= (ad / self.fmax + self.link_tmin) * (1.0 + 1e-14)
        if beta0 is None:
            room = np.maximum(target - self.link_tmin, 0.05 * target)
            guess = 2.0 * self.kappa * (np.maximum(ad, 1e-300) / room) ** 3
            guess = np.where(ad > 0, guess, 1e-3 * self.beta_cpu)
            u = np.log(np.clip(guess, 1e-250, 1e250))
        else:
            u = np.log(np.where(beta0 > 0, beta0, 1e-3 * self.beta_cpu))

        def residual(u: FloatArray) -> tuple[FloatArray, FloatArray]:
            beta = np.exp(u)
            busy, dbusy, _rho, _x, _lt = self.layer_times(beta, ad)
            with np.errstate(invalid="ignore", over="ignore"):
                return busy - target, beta * dbusy  # d/du = beta d/dbeta

        root = find_root_newton(
            residual,
            u,
            increasing=False,
            fallback="arithmetic",
            expand=2.0,
            max_step=5.0,
            fatol=1e-15 * target,
            xtol=1e-15,
            step_test="newton",
            step_fatol=1e-12 * target,
            bracket_xtol=1e-15,
            take_final_step=False,
            active=~(slack | wall),
            max_iter=200,
        )
        return np.where(slack, 0.0, np.where(wall, self.beta_sat(ad), np.exp(root.x)))


@njit(cache=True, error_model="numpy", nogil=True)
def _primal_batch(c, d, phi, beta, known_x, t_loc, lt, power, t_frd, p_frd):
    """:func:`primal_point` for every instance of a batch, into the given output arrays.

    ``known_x`` holds the links' spectral efficiencies already evaluated at these
    prices (0 where not): they are taken as they are instead of being solved for again.
    """
    a, kappa, fmax, bcpu, mask, bits, gamma, pc, xmax, B = c[:10]
    fmask, fgam, fxmax, fpc, ffix, d_x = c[12:18]
    S, K, N = a.shape
    for s in range(S):
        for k in range(K):
            for n in range(N):
                b = beta[s, k, n]
                ad = a[s, k, n] * d[s, k]
                # d_k = 0 where an entry is slack (beta = 0): no local work.
                rho = rho_scalar(b, kappa[s, k], fmax[s, k], bcpu[s, k])[0] if b > 0 else 1.0 / fmax[s, k]
                t_loc[s, k, n] = ad * rho
                for j in range(2):
                    if mask[s, k, n, j]:
                        g = gamma[s, k, n, j]
                        x = known_x[s, k, n, j]
                        if not x > 0.0:
                            x = priced_x_scalar((pc[s, k, n, j] + b) * g, g, xmax[s, k, n, j])[0]
                        lt[s, k, n, j] = bits[s, k, n, j] / (B[s] * x)
                        power[s, k, n, j] = math.expm1(x) / g
            if fmask[s, k]:
                g = fgam[s, k]
                xf = priced_x_scalar((fpc[s] + phi[s]) * g, g, fxmax[s, k])[0]
                t_frd[s, k] = (d_x[s] * d[s, k] + ffix[s, k]) / (B[s] * xf)
                p_frd[s, k] = math.expm1(xf) / g


def primal_point(
    model: ClosedForms,
    d: FloatArray,
    t: FloatArray,
    phi: FloatArray | float,
    beta: FloatArray,
    known_links: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """Primal variables from the multipliers (the closed forms in the module docstring).

    Given rows ``d``, layer times ``t``, the latency price ``phi`` and the
    layer prices ``beta``: local times ``t^LOC = a d rho(beta)`` (eq. (34)),
    exchange times and powers at the priced spectral efficiency ``x(beta)``
    (eqs. (35)-(36)), FRD times and powers at ``x(phi)`` (eq. (39)) and the CPU
    frequencies they imply. Works on one instance or on a batch (leading
    axis, ``phi`` of shape (S, 1)); compiled (:func:`_primal_batch`, with the
    scalar closed forms of this module). ``known_links`` (S, K, N, 2) gives the
    links' spectral efficiencies already evaluated at exactly these prices by
    the same closed form (the KKT Newton finish's last evaluation), 0 where not:
    the same point, without solving for them again.

    Returns
    -------
    dict of str to ndarray
        The point, keyed by :data:`~edgeopt.problems.fog.model.VARIABLES`.

    """
    single = d.ndim == 1
    c = model.kernel_constants()
    S = c[0].shape[0]
    K, N = model.K, model.N
    dd = np.ascontiguousarray(np.reshape(d, (S, K)), dtype=np.float64)
    bb = np.ascontiguousarray(np.reshape(beta, (S, K, N)), dtype=np.float64)
    pp = np.ascontiguousarray(np.reshape(np.broadcast_to(phi, (S,) if single else (S, 1)), S), dtype=np.float64)
    kx = np.zeros((S, K, N, 2)) if known_links is None else np.ascontiguousarray(known_links, dtype=np.float64)
    t_loc = np.zeros((S, K, N))
    lt, power = np.zeros((S, K, N, 2)), np.zeros((S, K, N, 2))
    t_frd, p_frd = np.zeros((S, K)), np.zeros((S, K))
    run_batch(_primal_batch, S, c, dd, pp, bb, kx, t_loc, lt, power, t_frd, p_frd)
    out = {
        "rows": dd,
        "t_layer": np.array(t, dtype=np.float64),
        "t_frd": t_frd,
        "p_frd": p_frd,
        "t_loc": t_loc,
        "f_cpu": cpu_speed(c[0] * dd[:, :, None], t_loc),
        "t_exc_above": lt[..., ABOVE],
        "p_exc_above": power[..., ABOVE],
        "t_exc_below": lt[..., BELOW],
        "p_exc_below": power[..., BELOW],
    }
    if single:
        out = {name: value if name == "t_layer" else value[0] for name, value in out.items()}
    return out


__all__ = ["FIXED_REL", "ClosedForms", "primal_point"]
