"""Primal-dual decomposition solver for the fog partitioning problem (paper 004).

Registered as ``method="decomposition"``: the paper's decomposition (32)-(33)
solved exactly. The default ``"analytic"`` method is
:mod:`edgeopt.solvers.fog_barrier` (batched interior point and KKT Newton),
which hands the instances it cannot certify to :func:`solve` here; the
closed forms of :class:`_Model` below serve both.

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

**External problem** (eqs. (37)-(45)). ``t_n`` enters the Lagrangian with the
coefficient ``phi - sum_k beta_{k,n}``, so at an interior ``t_n``
``sum_k beta_{k,n} = phi`` (the "(0, tau)" case of (37)). Each node's
``beta_{k,n}`` is the price at which its layer-``n`` work fits in ``t_n``:
``T_{k,n}(beta) = a d_k rho(beta) + sum_links D_n / (B x(beta)) = t_n``
(or ``beta = 0`` when the node's unpriced optimum already fits). The marginal
cost of a row at node ``k`` is
``g_k = [k != m] d_x q_k(phi) + sum_n a_{k,n} h(beta_{k,n})`` with
``q_k(phi)`` the priced FRD cost per bit; at the optimum ``g_k = nu`` where
``d_k > 0`` and ``g_k >= nu`` where ``d_k = 0`` (eqs. (38), (41)-(43)). The
latency equation fixes ``phi``.

**Algorithm.** Algorithm 1 alternates the internal and external problems
with subgradient steps on the multipliers, which converges slowly and stops
near, not at, the optimum. Here the same conditions are solved by two nested
Newton methods:

* *outer*, on ``phi``: the latency ``L(phi)`` of the inner optimum decreases
  with ``phi``; ``L(phi) = tau`` is solved by Newton with ``dL/dphi`` from the
  inner Newton matrix, safeguarded by a bracket;
* *inner*, at fixed ``phi``: the convex problem in ``(d, t)`` (class
  ``_Inner``) by a damped Newton method with Armijo steps on its value; the
  ``beta`` are found by a vectorised safeguarded Newton in ``log beta`` and
  their derivatives follow from the implicit-function theorem. Two active
  sets: rows ``d_k = 0``, and *walls*. A node whose layer work runs at full
  CPU speed and full power on its links has ``T_{k,n}(beta)`` flat beyond a
  saturation price ``beta_sat``, so ``t_n = T_min_{k,n}(d_k)`` (linear in
  ``(d, t)``) is kept as an active constraint with multiplier ``mu >= 0`` and
  the node's layer price is ``beta_sat + mu``. Near the minimum latency, and
  whenever one node is a layer's bottleneck, the optimum lies on a wall.

An inner iteration costs ``O(K N)`` closed forms (each a few Lambert-W
evaluations inside the ``beta`` roots) plus one dense solve of order
``K + N + 1 + #walls``; a solve takes some 40-70 inner iterations in total.
A point is returned as optimal only when :func:`edgeopt.problems.fog_kkt.kkt_report`
certifies it (KKT residuals and duality gap below 1e-9).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from edgeopt.core.problem import failed, infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog import (
    ABOVE,
    BELOW,
    FogParams,
    FogPartitioning,
    cpu_speed,
    energy_terms,
)
from edgeopt.solvers.lambert import priced_spectral_efficiency, priced_transmission_lhs

FloatArray = NDArray[np.float64]
_T = TypeVar("_T")


class _Model:
    """Closed forms of the internal problems, vectorised over nodes, layers and links."""

    def __init__(self, params: FogParams | Sequence[FogParams]) -> None:
        # One instance, or a batch of instances of the same (K, N) stacked on a
        # leading axis: every array below then has the batch axis first, and
        # the closed forms broadcast over it (:mod:`edgeopt.solvers.fog_newton`).
        single = isinstance(params, FogParams)
        batch = [params] if isinstance(params, FogParams) else list(params)
        p = batch[0]
        lays = [q.layout for q in batch]

        def stack(values: Sequence[Any]) -> FloatArray:
            arr = np.stack([np.asarray(v) for v in values])
            return arr[0] if single else arr

        self.p = p
        self.K, self.N = p.K, p.n_layers
        bandwidth = stack([q.bandwidth for q in batch])
        n0b = stack([q.noise_psd for q in batch]) * bandwidth
        self.B_link = bandwidth[..., None, None, None]  # broadcasts against (K, N, 2)
        self.B_frd = bandwidth[..., None]  # against (K,)
        self.a = stack([lay.cycles_per_row for lay in lays])
        self.kappa = stack([q.kappa for q in batch])[..., None]
        self.fmax = stack([q.f_max for q in batch])[..., None]
        self.beta_cpu = 2.0 * self.kappa * self.fmax**3  # local time hits its floor above this
        self.mask = stack([lay.link_mask for lay in lays])
        self.bits = stack([lay.link_bits for lay in lays])
        self.gamma = stack([lay.link_gain for lay in lays]) / n0b[..., None, None, None]
        self.pc = np.broadcast_to(stack([q.p_circuit for q in batch])[..., None, None], self.bits.shape)
        self.xmax = np.log1p(self.gamma * stack([q.p_max for q in batch])[..., None, None])
        # Link time at the power cap, and unpriced (beta = 0) link time.
        self.link_tmin = np.where(self.mask, self.bits / (self.B_link * self.xmax), 0.0).sum(axis=-1)
        x0 = np.minimum(self.xmax, priced_spectral_efficiency(self.pc * self.gamma))
        with np.errstate(divide="ignore", invalid="ignore"):
            t0 = np.where(self.mask, self.bits / (self.B_link * x0), 0.0)
        self.link_t0 = t0.sum(axis=-1)
        # Price above which a link runs at full power: (x_max - 1) e^x_max + 1 = (pc + beta) gamma.
        sat = priced_transmission_lhs(self.xmax) / self.gamma - self.pc
        self.link_sat = np.max(np.where(self.mask, np.maximum(sat, 0.0), 0.0), axis=-1)
        # First-round distribution from the master.
        self.frd_mask = stack([lay.frd_mask for lay in lays])
        self.frd_gamma = stack([q.gain_frd for q in batch]) / n0b[..., None]
        self.frd_xmax = np.log1p(self.frd_gamma * stack([q.p_max[q.master] for q in batch])[..., None])
        self.frd_pc = stack([q.p_circuit[q.master] for q in batch])[..., None]
        self.frd_fixed = stack([lay.frd_fixed_bits for lay in lays])
        self.d_x = stack([q.d_x for q in batch])[..., None]

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
        return np.where(self.frd_mask, self.d_x * d + self.frd_fixed, 0.0)

    # -- local computation closed forms -----------------------------------
    def rho(self, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Local time per cycle ``rho(beta)`` and its derivative."""
        with np.errstate(divide="ignore"):
            free = np.cbrt(2.0 * self.kappa / beta)
        capped = beta >= self.beta_cpu
        rho = np.where(capped, 1.0 / self.fmax, free)
        with np.errstate(divide="ignore", invalid="ignore"):
            drho = np.where(capped, 0.0, -free / (3.0 * beta))
        return rho, drho

    def h(self, beta: FloatArray) -> FloatArray:
        """Priced local cost per cycle ``min_rho kappa / rho^2 + beta rho`` (0 at ``beta = 0``)."""
        free = 3.0 * np.cbrt(0.25 * self.kappa) * np.cbrt(beta) ** 2
        return np.where(beta >= self.beta_cpu, self.kappa * self.fmax**2 + beta / self.fmax, free)

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
        """Solve ``T_{k,n}(beta) = t_n`` for every node and layer (0 where slack).

        Safeguarded Newton in ``u = log(beta)``: ``T`` is decreasing in ``u``,
        a bracket ``[lo, hi]`` is kept per entry and a step that leaves it is
        replaced by bisection (or by a unit move while one side is unknown).
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
        lo = np.full(u.shape, -np.inf)
        hi = np.full(u.shape, np.inf)
        done = slack | wall
        for _ in range(200):
            beta = np.exp(u)
            busy, dbusy, _rho, _x, _lt = self.layer_times(beta, ad)
            f = busy - target
            lo = np.where(f > 0, np.maximum(lo, u), lo)
            hi = np.where(f < 0, np.minimum(hi, u), hi)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = -f / (beta * dbusy)
            u_new = u + np.clip(step, -5.0, 5.0)  # beta moves at most e^5-fold per step
            bad = ~np.isfinite(u_new) | (u_new <= lo) | (u_new >= hi)
            both = np.isfinite(lo) & np.isfinite(hi)
            with np.errstate(invalid="ignore"):
                fallback = np.where(both, 0.5 * (lo + hi), np.where(np.isfinite(lo), u + 2.0, u - 2.0))
            u_new = np.where(bad, fallback, u_new)
            small_f = np.abs(f) <= 1e-12 * target
            converged = (np.abs(f) <= 1e-15 * target) | (small_f & (np.abs(step) <= 1e-15 * np.maximum(1.0, np.abs(u))))
            converged |= both & (hi - lo <= 1e-15 * np.maximum(1.0, np.abs(u)))
            done |= converged
            u = np.where(done, u, u_new)
            if done.all():
                break
        return np.where(slack, 0.0, np.where(wall, self.beta_sat(ad), np.exp(u)))


def take_batch(obj: _T, keep: NDArray[np.bool_]) -> _T:
    """A shallow copy of a batch object restricted to the instances where ``keep``.

    Every attribute of a batch object (a batch :class:`_Model`, the batch
    solvers' systems) that is an array with the batch axis first, a list of
    per-instance items, a tuple of such, or a nested batch :class:`_Model` is
    restricted; anything else is shared.
    """
    new = copy.copy(obj)
    for name, value in vars(obj).items():
        setattr(new, name, _take_value(value, keep))
    return new


def _take_value(value: Any, keep: NDArray[np.bool_]) -> Any:
    size = keep.shape[0]
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == size:
        return value[keep]
    if isinstance(value, list) and len(value) == size:
        return [item for item, k in zip(value, keep, strict=True) if k]
    if isinstance(value, tuple):
        return tuple(_take_value(item, keep) for item in value)
    if isinstance(value, _Model):
        return take_batch(value, keep)
    return value


def take_fields(dc: _T, keep: NDArray[np.bool_]) -> _T:
    """Copies of the instances ``keep`` of a dataclass whose fields are batch-first arrays."""
    return type(dc)(*[np.array(getattr(dc, f.name)[keep]) for f in dataclasses.fields(dc)])  # type: ignore[arg-type]


def put_fields(full: Any, idx: NDArray[np.intp], part: Any) -> None:
    """Write the instances of ``part`` into instances ``idx`` of ``full``, in place (same dataclass)."""
    for f in dataclasses.fields(full):
        getattr(full, f.name)[idx] = getattr(part, f.name)


def where_fields(take: NDArray[np.bool_], new: _T, old: _T) -> _T:
    """Per instance, ``new`` where ``take`` else ``old`` (dataclasses of batch-first arrays)."""
    out = []
    for f in dataclasses.fields(old):  # type: ignore[arg-type]
        a, b = getattr(old, f.name), getattr(new, f.name)
        out.append(np.where(take.reshape(take.shape + (1,) * (np.ndim(a) - 1)), b, a))
    return type(old)(*out)


@dataclass
class _Point:
    """An inner iterate ``(d, t)`` at a fixed ``phi`` and what it implies."""

    d: FloatArray
    t: FloatArray
    beta: FloatArray
    value: float  # the inner objective Phi_phi(d, t)
    grad_d: FloatArray  # g_k, the row marginals
    grad_t: FloatArray  # phi - sum_k beta_{k,n}
    h_dd: FloatArray  # diagonal of d2 Phi / dd2
    h_dt: FloatArray  # d2 Phi / dd_k dt_n
    h_tt: FloatArray  # diagonal of d2 Phi / dt2
    frd_time: FloatArray
    frd_dtime_dphi: FloatArray
    frd_dtime_dd: FloatArray
    mu: FloatArray  # multipliers of the active walls t_n >= T_min_{k,n}(d_k), 0 elsewhere


class _Inner:
    """The convex problem at a fixed latency price ``phi``.

    ``Phi_phi(d, t) = sum_{k != m} d_x q_k(phi) (d_k + fixed_k)
    + sum_{k,n} E^PL_{k,n}(t_n, d_k) + phi sum_n t_n`` over ``d >= 0,
    sum d = d_y`` (``E^PL`` is the internal optimum (32) given ``t_n`` and
    ``d_k``). Its gradient is ``(g_k, phi - sum_k beta_{k,n})`` and its Hessian
    follows from the implicit derivatives of ``beta``; it is minimised by a
    damped Newton method with an active set on ``d_k = 0``.
    """

    def __init__(self, model: _Model, fixed_rows: FloatArray | None) -> None:
        self.m = model
        self.fixed = fixed_rows is not None
        self.active = np.ones(model.K, dtype=bool) if fixed_rows is None else np.zeros(model.K, dtype=bool)
        # Walls: nodes and layers held at their minimum busy time (full CPU speed and power).
        self.walls = np.zeros((model.K, model.N), dtype=bool)

    def wall_slack(self, d: FloatArray, t: FloatArray) -> FloatArray:
        """``c_{k,n} = a_{k,n} d_k / f_k + S^min_{k,n} - t_n`` (<= 0 where feasible; linear)."""
        m = self.m
        return m.a * d[:, None] / m.fmax + m.link_tmin - t[None, :]

    def evaluate(self, phi: float, d: FloatArray, t: FloatArray, beta0: FloatArray | None) -> _Point:
        m = self.m
        beta = m.beta_roots(d, t, beta0)
        ad = m.a * d[:, None]
        beta = np.where(self.walls, m.beta_sat(ad), beta)
        _, dbusy, rho, x, lt = m.layer_times(beta, ad)
        work = ad > 0
        local = np.where(work, m.kappa * ad / np.where(work, rho, 1.0) ** 2, 0.0)
        power = np.where(m.mask, np.expm1(x) / m.gamma, 0.0)
        link_energy = np.sum(np.where(m.mask, lt * (power + m.pc), 0.0), axis=-1)
        q, xf, dxf = m.frd_price(phi)
        bits = m.frd_bits(d)
        value = float(np.sum(q * bits) + local.sum() + link_energy.sum() + phi * t.sum())
        grad_d = m.row_marginal(q, beta)
        grad_t = phi - beta.sum(axis=0)
        pos = beta > 0
        flat = pos & ~self.walls & (dbusy == 0)
        if flat.any():
            # At the saturation kink (t_n = T_min, wall just released) use the slope from
            # below, the side the next step moves into.
            dbusy = np.where(flat, m.layer_times(beta * (1.0 - 1e-9), ad)[1], dbusy)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(pos & ~self.walls, 1.0 / dbusy, 0.0)  # dbeta/dt_n (<= 0); 0 on walls
        a_rho = np.where(pos, m.a * rho, 0.0)
        h_dd = np.sum(-(a_rho**2) * inv, axis=1)
        # The computation energy is cubic in the rows, so its curvature vanishes at d_k = 0
        # and Newton would send a readmitted node's rows anywhere. At exactly d_k = 0 the
        # curvature is floored at g_k / delta, delta = 1e-3 d_y / K (a first step of about
        # delta rows for a unit relative marginal gap); any d_k > 0 gets the exact Hessian.
        delta = 1e-3 * m.p.d_y / m.K
        h_dd = np.where(d <= 0, np.maximum(h_dd, np.abs(grad_d) / delta), h_dd)
        h_dt = a_rho * inv
        h_tt = -inv.sum(axis=0)
        frd_time = np.where(m.frd_mask, bits / (m.B_frd * xf), 0.0)
        frd_dtime_dphi = np.where(m.frd_mask, -bits / (m.B_frd * xf**2) * dxf, 0.0)
        frd_dtime_dd = np.where(m.frd_mask, m.d_x / (m.B_frd * xf), 0.0)
        mu = np.zeros_like(beta)
        return _Point(d, t, beta, value, grad_d, grad_t, h_dd, h_dt, h_tt, frd_time, frd_dtime_dphi, frd_dtime_dd, mu)

    def kkt_matrix(self, pt: _Point) -> FloatArray:
        """Hessian on ``(d, t)`` bordered by the row sum and the active walls; idle rows pinned."""
        K, N = self.m.K, self.m.N
        wk, wn = np.nonzero(self.walls)
        W = wk.size
        M = np.zeros((K + N + 1 + W, K + N + 1 + W))
        M[:K, :K] = np.diag(pt.h_dd)
        M[:K, K : K + N] = pt.h_dt
        M[K : K + N, :K] = pt.h_dt.T
        M[K : K + N, K : K + N] = np.diag(pt.h_tt)
        idle = np.flatnonzero(~self.active)
        M[idle, :] = 0.0
        M[:, idle] = 0.0
        M[idle, idle] = 1.0
        if self.fixed:
            M[K + N, K + N] = 1.0
        else:
            M[:K, K + N] = self.active
            M[K + N, :K] = self.active
        rows = K + N + 1 + np.arange(W)
        coeff = (self.m.a / self.m.fmax)[wk, wn] * self.active[wk]
        M[rows, wk] = coeff
        M[wk, rows] = coeff
        M[rows, K + wn] = -1.0
        M[K + wn, rows] = -1.0
        return M

    def lagrangian_gradient(self, pt: _Point) -> tuple[FloatArray, FloatArray]:
        """Row and layer gradients of ``Phi + sum mu c`` (the walls raise the prices by ``mu``)."""
        m = self.m
        grad_d = pt.grad_d + np.sum(m.a * pt.mu / m.fmax, axis=1)
        grad_t = pt.grad_t - pt.mu.sum(axis=0)
        return grad_d, grad_t

    def multiplier(self, pt: _Point) -> float:
        """Least-squares ``nu`` from the active row marginals."""
        if self.fixed or not self.active.any():
            return 0.0
        return float(np.mean(self.lagrangian_gradient(pt)[0][self.active]))

    def optimality(self, pt: _Point, phi: float) -> float:
        """Relative first-order residual at ``pt`` (active rows equal, layers balanced)."""
        scale_t = max(phi, 1e-300)
        grad_d, grad_t = self.lagrangian_gradient(pt)
        r_t = max(float(np.max(np.abs(grad_t))), float(np.max(-pt.mu, initial=0.0))) / scale_t
        if self.fixed or not self.active.any():
            return r_t
        g = grad_d[self.active]
        return max(r_t, float(np.max(g) - np.min(g)) / max(float(np.max(np.abs(g))), 1e-300))

    def minimise(self, phi: float, pt: _Point, tol: float, max_iter: int) -> tuple[_Point, int]:
        """Damped Newton on ``Phi_phi`` from ``pt``; returns the minimiser and iterations."""
        m = self.m
        K, N = m.K, m.N
        for it in range(1, max_iter + 1):
            if self.optimality(pt, phi) <= tol:
                # Rows that Newton drove to rounding level belong to idle nodes: pin them at 0.
                vanishing = self.active & (pt.d <= 1e-12 * m.p.d_y) & (pt.d > 0) if not self.fixed else None
                if vanishing is not None and vanishing.any():
                    self.active &= ~vanishing
                    d = np.where(vanishing, 0.0, pt.d)
                    pt = self.evaluate(phi, d * (m.p.d_y / d.sum()), pt.t, pt.beta)
                    continue
                nu = self.multiplier(pt)
                idle = ~self.active & (self.lagrangian_gradient(pt)[0] < nu * (1.0 - 1e-12))
                if self.fixed or not idle.any():
                    return pt, it - 1
                self.active |= idle
            # Newton step on the face of the active walls; a wall whose multiplier
            # comes out negative is released and the step recomputed.
            while True:
                wall_c = self.wall_slack(pt.d, pt.t)[self.walls]
                M = self.kkt_matrix(pt)
                rhs = -np.concatenate([np.where(self.active, pt.grad_d, 0.0), pt.grad_t, [0.0], wall_c])
                delta = _solve_linear(M, rhs)
                if delta is None:
                    return pt, it
                lam = delta[K + N + 1 :]
                if not (lam < 0).any():
                    break
                wk, wn = np.nonzero(self.walls)
                self.walls[wk[lam < 0], wn[lam < 0]] = False
                pt = self.evaluate(phi, pt.d, pt.t, pt.beta)
            dd, dt = delta[:K], delta[K : K + N]
            # A node at d_k = 0 (just readmitted) that the step would push negative does
            # not belong to the active set: drop it and recompute, rather than take a
            # zero-length step to the boundary it already sits on.
            stuck = self.active & (pt.d <= 0) & (dd < 0)
            if stuck.any() and not self.fixed:
                self.active &= ~stuck
                continue
            slope = float(np.dot(pt.grad_d, dd) + np.dot(pt.grad_t, dt))
            alpha = 1.0
            neg = self.active & (pt.d + dd < 0)
            blocking = np.zeros(K, dtype=bool)
            if neg.any():
                ratios = np.where(neg, pt.d / np.where(neg, -dd, 1.0), np.inf)
                alpha = float(min(1.0, ratios.min()))
                blocking = neg & (ratios <= alpha * (1.0 + 1e-12))
            # Walls: the step stops at the first minimum-time wall it would cross.
            c_now = self.wall_slack(pt.d, pt.t)
            c_rate = m.a * dd[:, None] / m.fmax - dt[None, :]
            crossing = ~self.walls & (c_rate > 0)
            entering = np.zeros_like(self.walls)
            if crossing.any():
                wall_alpha = np.where(crossing, np.maximum(-c_now, 0.0) / np.where(crossing, c_rate, 1.0), np.inf)
                if wall_alpha.min() < alpha:
                    alpha = float(wall_alpha.min())
                    blocking = np.zeros(K, dtype=bool)
                entering = crossing & (wall_alpha <= alpha * (1.0 + 1e-12))
            accepted = None
            for _ in range(60):
                d = np.where(blocking, 0.0, np.maximum(pt.d + alpha * dd, 0.0))
                if not self.fixed:
                    d *= m.p.d_y / d.sum()
                t = pt.t + alpha * dt
                if np.all(t >= _min_layer_times(m, d) * (1.0 - 1e-12)):
                    saved = self.walls.copy()
                    self.walls |= entering
                    trial = self.evaluate(phi, d, t, pt.beta)
                    self.walls[:] = saved
                    # Armijo on the convex objective; near the optimum the value stalls at
                    # rounding level, so accept a step that does not raise it.
                    if trial.value <= pt.value + 1e-4 * alpha * min(slope, 0.0) or (
                        trial.value <= pt.value + 1e-15 * abs(pt.value)
                        and self.optimality(trial, phi) < self.optimality(pt, phi)
                    ):
                        accepted = trial
                        break
                alpha *= 0.5
                blocking = np.zeros(K, dtype=bool)
                entering = np.zeros_like(self.walls)
            if accepted is None:
                return pt, it
            self.active &= ~blocking
            old_walls = self.walls.copy()
            self.walls |= entering
            # The step's wall multipliers are the Newton estimates at the new point.
            accepted.mu[old_walls] = lam
            pt = accepted
        return pt, max_iter

    def phi_response(self, pt: _Point) -> tuple[float, FloatArray]:
        """``dL/dphi`` and ``dt/dphi`` along the inner optimum, from one solve.

        Differentiating the inner optimality conditions in ``phi``: the row
        gradient moves by ``d_x / (B x_k)`` (the FRD time per row) and each layer
        gradient by 1, so ``M dz/dphi = -(frd_dtime_dd, 1, 0)`` with ``M`` the
        inner Newton matrix. ``L = sum FRD times + sum t_n``. Returns
        ``(nan, 0)`` when ``M`` is not finite.
        """
        K, N = self.m.K, self.m.N
        W = int(self.walls.sum())
        rhs = -np.concatenate([np.where(self.active, pt.frd_dtime_dd, 0.0), np.ones(N), [0.0], np.zeros(W)])
        dz = _solve_linear(self.kkt_matrix(pt), rhs)
        if dz is None:
            return math.nan, np.zeros(N)
        slope = float(pt.frd_dtime_dphi.sum() + np.dot(pt.frd_dtime_dd, dz[:K]) + dz[K : K + N].sum())
        return slope, dz[K : K + N]


def _min_layer_times(model: _Model, d: FloatArray) -> FloatArray:
    """Per-layer time with every node at maximum CPU speed and power (batch axes first)."""
    return np.max(model.a * d[..., None] / model.fmax + model.link_tmin, axis=-2)


def _min_latency_at(model: _Model, d: FloatArray) -> float:
    frd = np.where(model.frd_mask, model.frd_bits(d) / (model.B_frd * model.frd_xmax), 0.0).sum()
    return float(frd + _min_layer_times(model, d).sum())


def minimum_latency(p: FogParams) -> tuple[float, FloatArray]:
    """Smallest latency any split can reach, and the rows that reach it.

    With every node at maximum power and CPU speed, the latency of rows ``d``
    is ``sum_{k != m} b_k(d_k) / r^max_k + sum_n max_k (a_{k,n} d_k / f_k +
    S_{k,n})``, with ``S_{k,n}`` the exchange time at full power. Minimising it
    over ``d >= 0, sum d = d_y`` is a linear program in ``(d, t_n)`` (epigraph
    of the max), solved with HiGHS through :func:`scipy.optimize.linprog`.
    """
    model = _Model(p)
    K, N = p.K, p.n_layers
    frd_rate = model.B_frd * model.frd_xmax
    c = np.concatenate([np.where(model.frd_mask, p.d_x / frd_rate, 0.0), np.ones(N)])
    const = float(np.where(model.frd_mask, model.frd_fixed / frd_rate, 0.0).sum())
    # a_{k,n} d_k / f_k - t_n <= -S_{k,n}
    rows_idx = np.arange(K * N)
    A = np.zeros((K * N, K + N))
    A[rows_idx, np.repeat(np.arange(K), N)] = (model.a / model.fmax).ravel()
    A[rows_idx, K + np.tile(np.arange(N), K)] = -1.0
    b = -model.link_tmin.ravel()
    A_eq = np.concatenate([np.ones(K), np.zeros(N)])[None, :]
    # Scale to rows in units of d_y and times in units of tau for HiGHS.
    scale = np.concatenate([np.full(K, p.d_y), np.full(N, p.tau)])
    res = linprog(
        c * scale,
        A_ub=A * scale,
        b_ub=b,
        A_eq=A_eq * scale,
        b_eq=[p.d_y],
        bounds=[(0, None)] * (K + N),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"minimum-latency LP failed: {res.message}")
    d = np.maximum(res.x[:K] * p.d_y, 0.0)
    d *= p.d_y / d.sum()
    # Report the latency of the returned rows exactly (not HiGHS' rounded objective).
    return min(_min_latency_at(model, d), float(res.fun) + const), d


def initial_rows(p: FogParams) -> FloatArray:
    """Rows in proportion to each node's cycle rate ``f_max / c``: a feasible-looking start."""
    speed = p.f_max / p.cycles_per_mac
    return p.d_y * speed / speed.sum()


def _primal(
    model: _Model, d: FloatArray, t: FloatArray, phi: FloatArray | float, beta: FloatArray
) -> dict[str, FloatArray]:
    """Primal variables from the multipliers (the closed forms in the module docstring).

    Works on one instance or on a batch (leading axis, ``phi`` of shape (S, 1)).
    """
    ad = model.a * d[..., None]
    rho, _ = model.rho(np.where(beta > 0, beta, np.inf))
    rho = np.where(beta > 0, rho, 1.0 / model.fmax)  # d_k = 0 when slack: no local work
    x, _ = model.link_x(beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        lt = np.where(model.mask, model.bits / (model.B_link * x), 0.0)
    power = np.where(model.mask, np.expm1(x) / model.gamma, 0.0)
    t_loc = ad * rho
    xf, _ = model.frd_x(phi)
    t_frd = np.where(model.frd_mask, model.frd_bits(d) / (model.B_frd * xf), 0.0)
    p_frd = np.where(model.frd_mask, np.expm1(xf) / model.frd_gamma, 0.0)
    return {
        "rows": d.copy(),
        "t_layer": t.copy(),
        "t_frd": t_frd,
        "p_frd": p_frd,
        "t_loc": t_loc,
        "f_cpu": cpu_speed(ad, t_loc),
        "t_exc_above": lt[..., ABOVE],
        "p_exc_above": power[..., ABOVE],
        "t_exc_below": lt[..., BELOW],
        "p_exc_below": power[..., BELOW],
    }


def certified_solution(
    p: FogParams,
    x: dict[str, FloatArray],
    phi: float,
    nu: float,
    beta: FloatArray,
    *,
    iterations: int,
    start: float,
    extras: dict[str, Any],
    fixed_rows: FloatArray | None = None,
) -> Solution:
    """Wrap a converged point as a :class:`Solution`, ``OPTIMAL`` only with a certificate.

    The certificate is :func:`edgeopt.problems.fog_kkt.kkt_report` (primal
    feasibility, KKT residuals and the duality gap ``E(x) - g(phi, nu, beta)``,
    all below 1e-9 relative); with ``fixed_rows`` (the baseline and rounding
    sub-problems) only the gap against their own dual function is computed.
    """
    from edgeopt.problems.fog_kkt import dual_function, kkt_report

    terms = energy_terms(p, x)
    duals = {"latency": np.array(phi), "rows": np.array(nu), "layer_time": beta}
    solution = Solution(
        status=Status.OPTIMAL,
        objective=terms["total"],
        x=x,
        duals=duals,
        iterations=iterations,
        extras={"energy_terms": terms, **extras},
    )
    if fixed_rows is not None:
        bound = dual_function(p, phi, nu, beta, fixed_rows=fixed_rows)
        solution.extras["duality_gap"] = (terms["total"] - bound) / abs(terms["total"])
        solution.extras["dual_bound"] = bound
    else:
        report = kkt_report(p, solution)
        solution.extras["duality_gap"] = report.duality_gap
        solution.extras["dual_bound"] = terms["total"] * (1.0 - report.duality_gap)
        # Claim OPTIMAL only with a certificate: KKT residuals and duality gap below 1e-9.
        if not report.passes(1e-9):
            solution.status = Status.FEASIBLE
            solution.extras["reason"] = (
                f"converged point not certified: KKT residual {report.max_kkt_residual:.3g}, "
                f"gap {report.duality_gap:.3g}"
            )
    solution.solve_time_s = time.perf_counter() - start
    return solution


def solve(
    p: FogParams,
    *,
    fixed_rows: FloatArray | None = None,
    tol: float = 1e-13,
    max_iter: int = 200,
) -> Solution:
    """Solve problem (31) to optimality (see the module docstring).

    Parameters
    ----------
    p : FogParams
        The instance.
    fixed_rows : array_like, shape (K,), optional
        Keep these rows (summing to ``d_y``) and optimise everything else;
        used by the NoOptDist baseline and by integer rounding.
    tol : float
        Stop when every KKT equation holds to ``tol`` relative.
    max_iter : int
        Newton iterations before giving up with ``Status.FAILED``.

    Returns
    -------
    Solution
        ``x`` as listed in :data:`edgeopt.problems.fog.VARIABLES`; ``duals``
        holds ``latency`` (phi, W), ``rows`` (nu, J/row) and ``layer_time``
        (beta, shape (K, N), W); ``extras["duality_gap"]`` the certificate.

    """
    start = time.perf_counter()
    model = _Model(p)
    if fixed_rows is not None:
        d = np.asarray(fixed_rows, dtype=float).copy()
        if d.shape != (p.K,) or np.any(d < 0) or not math.isclose(d.sum(), p.d_y, rel_tol=1e-12):
            raise ValueError(f"fixed_rows must be {p.K} non-negative rows summing to d_y={p.d_y}, got {d}")
        tau_min = _min_latency_at(model, d)
    else:
        d = initial_rows(p)
        tau_min = _min_latency_at(model, d)
        if tau_min >= p.tau:
            tau_min, d = minimum_latency(p)
            d = np.maximum(d, 1e-9 * p.d_y) if tau_min < p.tau else d
            d *= p.d_y / d.sum()
            tau_min = min(tau_min, _min_latency_at(model, d))
    if tau_min >= p.tau * (1.0 - 1e-12):
        what = "with these rows" if fixed_rows is not None else "with the best split of rows"
        return infeasible(
            f"latency budget tau = {p.tau:.6g} s is below the {tau_min:.6g} s needed {what} "
            "at maximum CPU speed and transmit power (eq. (23) cannot hold)",
            minimum_latency_s=tau_min,
        )
    # Start: spread the slack over layers in proportion to their minimum times.
    tmin = _min_layer_times(model, d)
    t = tmin + 0.5 * (p.tau - tau_min) * tmin / tmin.sum()
    inner = _Inner(model, None if fixed_rows is None else d)
    beta0 = model.beta_roots(d, t, None)
    phi = float(np.mean(beta0.sum(axis=0)))
    pt = inner.evaluate(phi, d, t, beta0)
    # Outer: the latency L(phi) of the inner optimum decreases with phi; solve
    # L(phi) = tau by Newton in phi, safeguarded by a bracket (geometric
    # bisection, or a tenfold move while one side is unknown).
    lo, hi = 0.0, math.inf  # L(lo) > tau > L(hi)
    iterations = 0
    converged = False
    for _ in range(max_iter):
        pt, used = inner.minimise(phi, pt, tol, max_iter)
        iterations += used + 1
        latency = float(pt.frd_time.sum() + pt.t.sum())
        gap = latency - p.tau
        if abs(gap) <= tol * p.tau and inner.optimality(pt, phi) <= 1e3 * tol:
            converged = True
            break
        if gap > 0:
            lo = max(lo, phi)
        else:
            hi = min(hi, phi)
        slope, dt_dphi = inner.phi_response(pt)
        candidate = phi - gap / slope if slope < 0 else math.nan
        inside = lo < candidate < hi if math.isfinite(hi) else lo < candidate
        if not (math.isfinite(candidate) and inside):
            candidate = math.sqrt(lo * hi) if lo > 0 and math.isfinite(hi) else (phi * 10.0 if gap > 0 else phi / 10.0)
        if math.isfinite(hi) and hi - lo <= 1e-15 * hi:
            converged = abs(gap) <= 1e-9 * p.tau
            break
        # Re-centre the layer times so the new phi starts near its own optimum.
        t_new = pt.t + (candidate - phi) * dt_dphi
        tmin_now = _min_layer_times(model, pt.d)
        t_new = np.maximum(t_new, tmin_now + 0.1 * (pt.t - tmin_now))
        phi = candidate
        pt = inner.evaluate(phi, pt.d, t_new, pt.beta)
    if not converged:
        return failed(
            f"did not converge in {max_iter} outer iterations (latency residual {gap / p.tau:.3g})",
            iterations=iterations,
        )
    nu = inner.multiplier(pt)
    beta = pt.beta + pt.mu  # on a wall the layer price is the saturation price plus the wall's multiplier
    # Rows left at rounding level by the active-set steps are idle nodes' zeros.
    rows = np.where(pt.d <= 1e-12 * p.d_y, 0.0, pt.d)
    rows *= p.d_y / rows.sum()
    return certified_solution(
        p,
        _primal(model, rows, pt.t, phi, beta),
        phi,
        nu,
        beta,
        iterations=iterations,
        start=start,
        extras={"kkt_residual": inner.optimality(pt, phi), "active_nodes": int(np.count_nonzero(pt.d))},
        fixed_rows=None if fixed_rows is None else d,
    )


def _solve_linear(M: FloatArray, rhs: FloatArray) -> FloatArray | None:
    """Solve ``M z = rhs``; least squares if singular, None if ``M`` is not finite."""
    if not (np.all(np.isfinite(M)) and np.all(np.isfinite(rhs))):
        return None
    try:
        return np.asarray(np.linalg.solve(M, rhs))
    except np.linalg.LinAlgError:
        try:
            return np.asarray(np.linalg.lstsq(M, rhs, rcond=None)[0])
        except np.linalg.LinAlgError:
            return None


def largest_remainder(rows: FloatArray, total: int) -> FloatArray:
    """Round non-negative ``rows`` to integers summing to ``total`` (Hamilton's method)."""
    base = np.floor(rows)
    missing = int(round(total - base.sum()))
    order = np.argsort(-(rows - base), kind="stable")
    base[order[:missing]] += 1
    return base


def round_rows(problem: FogPartitioning, solution: Solution) -> Solution:
    """Integer rows by largest remainder, then improving single-row moves."""
    p = problem.params
    if not solution.has_point:
        return solution
    if not float(p.d_y).is_integer():
        raise ValueError(f"round_rows needs an integer d_y, got {p.d_y}")
    start = time.perf_counter()
    total = int(p.d_y)
    best_rows = largest_remainder(solution.x["rows"], total)
    best = solve(p, fixed_rows=best_rows)
    lr_energy = best.objective
    evaluations = 1
    improved = True
    while improved and best.has_point:
        improved = False
        # Candidate moves: between nodes whose continuous rows were fractional.
        frac = np.abs(solution.x["rows"] - np.round(solution.x["rows"])) > 1e-9
        nodes = np.flatnonzero(frac | (best_rows != np.round(solution.x["rows"])))
        for i in nodes:
            for j in nodes:
                if i == j or best_rows[i] < 1:
                    continue
                trial_rows = best_rows.copy()
                trial_rows[i] -= 1
                trial_rows[j] += 1
                trial = solve(p, fixed_rows=trial_rows)
                evaluations += 1
                if trial.has_point and trial.objective < best.objective:
                    best, best_rows, improved = trial, trial_rows, True
    best.status = Status.FEASIBLE if best.has_point else best.status
    best.extras.update(
        {
            "continuous_objective": solution.objective,
            "largest_remainder_objective": lr_energy,
            "rounding_cost_j": best.objective - solution.objective,
            "rounding_cost_rel": (best.objective - solution.objective) / abs(solution.objective),
            "evaluations": evaluations,
        }
    )
    best.solve_time_s = time.perf_counter() - start
    best.method = "round_rows"
    return best
