"""The certificate of the fog problem (31): KKT residuals, the Lagrange dual function, OPTIMAL.

Every method of the fog problem labels a point ``OPTIMAL`` only through this
module: :func:`certified_solution` (one instance, from the KKT report) or
:func:`certify_batch` (a batch, from the duality gap and the violations).

The Lagrangian dualises the latency constraint (23) with ``phi``, the row sum
(4) with ``nu`` and the per-layer time sharing (22) with ``beta_{k,n}``:

.. math::

   L = E(x) + \\phi (\\sum_{k \\ne m} t^{FRD}_k + \\sum_n t_n - \\tau)
       + \\sum_{k,n} \\beta_{k,n} (t^{LOC}_{k,n} + t^{EXC}_{k,n} - t_n)
       + \\nu (d_y - \\sum_k d_k).

Everything else (rates, power caps, CPU-speed floors, ``0 <= d_k <= d_y``,
``0 <= t_n <= tau``) stays in the domain. The dual function ``g`` is the
minimum of ``L`` over that domain, computed here in closed form:

* ``t_n`` appears linearly: ``tau * min(0, phi - sum_k beta_{k,n})``.
* Each transmission of ``D`` bits priced at ``w`` per second costs at least
  ``(D / B) (w + (e^x - 1)/gamma) / x`` (``x`` as in
  :mod:`edgeopt.solvers.lambert`, capped by the power limit; ``D / (B gamma)``
  when ``w = 0``).
* Local computation of ``m`` cycles priced at ``beta`` costs at least
  ``m h(beta)`` (``h`` in :mod:`edgeopt.problems.fog.closed_forms`).
* The per-node Lagrangian is then linear in ``d_k``, so its minimum over
  ``[0, d_y]`` is ``d_y min(0, c_k - nu)``. (The bound ``t^FRD <= tau`` is
  dropped, which only lowers ``g``: it stays a valid lower bound.)

Weak duality makes ``E(x) - g(phi, nu, beta) >= 0`` for any feasible ``x``
and any multipliers; a gap near zero certifies optimality.

The KKT residuals are computed from derivatives of the Lagrangian at the
returned point, independently of the closed forms the solver used.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from edgeopt.core.errors import InvalidParameterError, SolverError
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog.model import FogBatch, FogParams, energy_terms
from edgeopt.problems.fog.parallel import run_batch
from edgeopt.solvers.lambert import spectral_efficiency_scalar

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Largest relative KKT residual, duality gap and constraint violation of an ``OPTIMAL`` answer.
CERTIFIED = 1e-9

#: The entries of ``KKTReport.details``, in order, by family (the kernel's first columns).
PRIMAL_DETAILS = (
    "rows_sum",
    "rows_nonneg",
    "frd_rate",
    "frd_power",
    "cpu_speed",
    "exchange_rate",
    "exchange_power",
    "layer_time",
    "latency",
    "nonnegativity",
)
STATIONARITY_DETAILS = ("t_layer", "local", "exchange", "frd", "rows")
DUAL_DETAILS = ("phi", "beta", "cpu_floor", "exchange_cap", "frd_cap", "rows_lower")
COMPLEMENTARITY_DETAILS = ("rate", "latency", "layer_time")
_PRIMAL_KEYS = tuple(f"primal.{name}" for name in PRIMAL_DETAILS)
_DETAIL_KEYS = (
    _PRIMAL_KEYS
    + tuple(f"stationarity.{name}" for name in STATIONARITY_DETAILS)
    + tuple(f"dual.{name}" for name in DUAL_DETAILS)
    + tuple(f"complementarity.{name}" for name in COMPLEMENTARITY_DETAILS)
)

# Columns of the kernel's output (one row per instance): the details above, then the four family maxima, the
# energy by part, the dual bound and the relative duality gap.
_N_PRIMAL = len(PRIMAL_DETAILS)
_N_DETAILS = len(_DETAIL_KEYS)
_C_STAT = _N_PRIMAL  # first stationarity column
_C_DUAL = _C_STAT + len(STATIONARITY_DETAILS)
_C_COMP = _C_DUAL + len(DUAL_DETAILS)
_C_PRIMAL_MAX, _C_DUAL_MAX, _C_STAT_MAX, _C_COMP_MAX = range(_N_DETAILS, _N_DETAILS + 4)
_C_FRD, _C_LOCAL, _C_EXCHANGE, _C_TOTAL = range(_N_DETAILS + 4, _N_DETAILS + 8)
_C_BOUND, _C_GAP = _N_DETAILS + 8, _N_DETAILS + 9
_N_COLUMNS = _N_DETAILS + 10
_ENERGY_COLUMNS = {"frd": _C_FRD, "local": _C_LOCAL, "exchange": _C_EXCHANGE, "total": _C_TOTAL}

#: Entries of ``Solution.x`` the check reads, in the order of the point pack (``f_cpu`` is implied by the times).
_POINT_NAMES = (
    "rows",
    "t_frd",
    "p_frd",
    "t_layer",
    "t_loc",
    "t_exc_above",
    "p_exc_above",
    "t_exc_below",
    "p_exc_below",
)

_TINY = 1e-300  # the floor of every scale a residual is divided by


# ----------------------------------------------------------------------------- packing
# The kernels read one instance from two flat float64 rows: the parameter pack (_pack_params) and the point
# pack (_pack_points). Flat rows keep the compiled signature to two 2-D arrays whatever the caller holds
# (read-only views, integer arrays, a batch of one), so numba compiles each kernel once.
#
# Parameter pack of an instance with K nodes and N layers, in this order:
#   7 scalars     d_x, d_y, tau, bandwidth, noise_psd, p_max[master], p_circuit[master]
#   7 x (K,)      kappa, f_max, p_max, p_circuit, gain_frd, frd_mask, frd_fixed_bits
#   (K, N)        cycles_per_row
#   3 x (K, N, 2) link_mask, link_bits, link_gain (direction last: ABOVE, BELOW)
# Point pack: rows, t_frd, p_frd (K each), t_layer (N), t_loc, t_exc_above, p_exc_above, t_exc_below,
# p_exc_below (K x N each), then phi, nu, beta (K x N) and 1.0 where the multipliers are given (else 0).


# The parameter pack's order, stated once for the batch pack and the one-instance row: the scalar fields,
# the master's power cap and circuit power, then the per-node fields and the layout tables.
_SCALAR_FIELDS = ("d_x", "d_y", "tau", "bandwidth", "noise_psd")
_NODE_FIELDS = ("kappa", "f_max", "p_max", "p_circuit", "gain_frd")
_LAYOUT_FIELDS = ("frd_mask", "frd_fixed_bits", "cycles_per_row", "link_mask", "link_bits", "link_gain")


def _pack_params(b: FogBatch) -> FloatArray:
    """The parameter pack of every instance of ``b``, shape (S, 7 + 7K + 7KN)."""
    S = b.d_y.shape[0]
    parts = (
        *(getattr(b, name) for name in _SCALAR_FIELDS),
        b.p_max_master,
        b.p_circuit_master,
        *(getattr(b, name) for name in _NODE_FIELDS),
        *(getattr(b.layout, name) for name in _LAYOUT_FIELDS),
    )
    return np.concatenate([np.reshape(a, (S, -1)) for a in parts], axis=1, dtype=np.float64)


def _params_row(p: FogParams) -> FloatArray:
    """The parameter pack of one instance, straight from its fields: row ``i`` of ``_pack_params(FogBatch.of(...))``.

    Built without a :class:`FogBatch` (7x cheaper than ``_pack_params(_batch_of_one(p))[0]``: it is
    on the contract's per-instance path), in the order of the same field tuples.
    """
    m = p.master
    head = np.array([*(getattr(p, name) for name in _SCALAR_FIELDS), p.p_max[m], p.p_circuit[m]])
    parts = (
        head,
        *(getattr(p, name) for name in _NODE_FIELDS),
        *(np.ravel(getattr(p.layout, name)) for name in _LAYOUT_FIELDS),
    )
    return np.concatenate(parts, dtype=np.float64)


def _point_row(p: FogParams, solution: Solution) -> tuple[FloatArray, bool]:
    """The point pack of one solution (its multipliers zero where it has none), and whether it has them."""
    x = solution.x
    parts = [np.ravel(x[name]) for name in _POINT_NAMES]
    duals = _multipliers(p, solution)
    if duals is None:
        parts.append(np.zeros(p.K * p.n_layers + 3))
    else:
        phi, nu, beta = duals
        parts += [np.array([phi, nu]), beta.ravel(), _ONE]
    return np.concatenate(parts, dtype=np.float64), duals is not None


_ONE = np.ones(1)


def _pack_points(
    x: dict[str, Any], phi: Any = None, nu: Any = None, beta: Any = None, has_duals: Any = None
) -> FloatArray:
    """The point pack of a batch: ``x`` with the batch axis first, multipliers (S,), (S,), (S, K, N) or None."""
    rows = np.asarray(x["rows"])
    S = rows.shape[0]
    parts: list[Any] = [np.reshape(x[name], (S, -1)) for name in _POINT_NAMES]
    if beta is None:
        parts.append(np.zeros((S, 2 + parts[4].shape[1] + 1)))
    else:
        flag = np.ones((S, 1)) if has_duals is None else np.reshape(has_duals, (S, 1))
        parts += [np.reshape(phi, (S, 1)), np.reshape(nu, (S, 1)), np.reshape(beta, (S, -1)), flag]
    return np.concatenate(parts, axis=1, dtype=np.float64)


def _batch_of_one(p: FogParams) -> FogBatch:
    """``FogBatch.of([p])`` without its stacking (:meth:`~edgeopt.problems.fog.model.FogBatch.one`)."""
    return FogBatch.one(p)


# ----------------------------------------------------------------------------- scalar pieces (compiled)
# error_model="numpy": a division by zero gives inf or NaN as in numpy (a layer given no time, a node given no
# rows), never a ZeroDivisionError; NaN then fails every test of the contract.


@njit(cache=True, error_model="numpy")
def _max(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``max(a, b)`` that keeps a NaN of either side (as ``np.maximum``), so a NaN never passes a check."""
    return a if (a >= b or a != a) else b


@njit(cache=True, error_model="numpy")
def _min(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``min(a, b)`` that keeps a NaN of either side (as ``np.minimum``)."""
    return a if (a <= b or a != a) else b


@njit(cache=True, error_model="numpy")
def _cost_per_bit(w: float, gamma: float, xmax: float, bandwidth: float) -> float:  # pragma: no cover - compiled
    """``min_t [t w + t (e^{D/(Bt)} - 1)/gamma] / D`` under the power cap ``x <= xmax`` (price ``w`` per second).

    The minimiser's spectral efficiency is ``x(w gamma)`` (:func:`~edgeopt.solvers.lambert.spectral_efficiency_scalar`),
    capped at ``xmax``; ``1 / (B gamma)`` when it is 0 (``w = 0``).
    """
    x = _min(spectral_efficiency_scalar(w * gamma), xmax)
    if x > 0.0:
        return (w + math.expm1(x) / gamma) / (bandwidth * x)
    return 1.0 / (bandwidth * gamma)


@njit(cache=True, error_model="numpy")
def _local_cost(beta: float, kappa: float, fmax: float) -> float:  # pragma: no cover - compiled
    """``h(beta) = min_{rho >= 1/fmax} kappa / rho^2 + beta rho``: the least priced energy of one cycle."""
    if beta >= 2.0 * kappa * fmax**3:
        return kappa * fmax**2 + beta / fmax
    return 3.0 * np.cbrt(kappa / 4.0) * np.cbrt(beta) ** 2


@njit(cache=True, error_model="numpy")
def _transmission(
    power: float, gamma: float, p_max: float, w: float, bandwidth: float
) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """Stationarity residual, cap multiplier and rate multiplier of one transmission.

    In the convex ``(t, E)`` form, with ``s = p gamma`` and ``Q = (1+s) ln(1+s) - s``:
    ``dL/dE = 1 - mu B gamma / (1 + s) + xi = 0`` and
    ``dL/dt = w - mu B [ln(1+s) - s/(1+s)] - xi p_max = 0``. Below the cap
    ``xi = 0`` and the residual is ``w - Q / gamma``; at the cap ``xi`` solves
    both and must be ``>= 0``.
    """
    s = power * gamma
    q_over_gamma = ((1.0 + s) * math.log1p(s) - s) / gamma
    excess = w - q_over_gamma
    if power >= p_max * (1.0 - 1e-9):
        xi = excess / (q_over_gamma + p_max)
        resid = 0.0
    else:
        xi = 0.0
        resid = excess / _max(w, q_over_gamma)
    return resid, xi, (1.0 + xi) * (1.0 + s) / (bandwidth * gamma)


# ----------------------------------------------------------------------------- one instance (compiled)


@njit(cache=True, error_model="numpy")
def _dual_one(
    P: FloatArray,
    K: int,
    N: int,
    phi: float,
    nu: float,
    D: FloatArray,
    ob: int,
    fixed: FloatArray,
    use_fixed: bool,
    links: bool,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """The dual function ``g(phi, nu, beta)`` of one instance and its best row price ``min_k c_k``.

    ``beta[k, n] = D[ob + k N + n]``; with ``use_fixed`` the rows are the
    constants ``fixed`` (``nu`` unused). See the module docstring for the
    closed form; ``phi`` and ``beta`` are clipped at 0 (prices). Without
    ``links`` the exchange terms, which do not depend on the rows, are left
    out: the row price is exact, the value is not the dual function.
    """
    o_node, o_cpr = 7, 7 + 7 * K
    o_mask = o_cpr + K * N
    o_bits, o_gain = o_mask + 2 * K * N, o_mask + 4 * K * N
    d_x, d_y, tau, bandwidth, n0 = P[0], P[1], P[2], P[3], P[4]
    p_max_m, p_circ_m = P[5], P[6]
    phi = _max(phi, 0.0)
    n0b = n0 * bandwidth
    value = -phi * tau
    for n in range(N):
        total = 0.0
        for k in range(K):
            total += _max(D[ob + k * N + n], 0.0)
        value += tau * _min(0.0, phi - total)
    best = np.inf
    cost_sum = 0.0
    w_frd = p_circ_m + phi
    for k in range(K):
        kappa, fmax, p_max, p_circ = P[o_node + k], P[o_node + K + k], P[o_node + 2 * K + k], P[o_node + 3 * K + k]
        q = 0.0
        if P[o_node + 5 * K + k] != 0.0:
            fgamma = P[o_node + 4 * K + k] / n0b
            q = _cost_per_bit(w_frd, fgamma, math.log1p(fgamma * p_max_m), bandwidth)
            value += q * P[o_node + 6 * K + k]
        c = d_x * q
        for n in range(N):
            beta = _max(D[ob + k * N + n], 0.0)
            w = p_circ + beta
            for j in range(2):
                i = (k * N + n) * 2 + j
                if links and P[o_mask + i] != 0.0:
                    gamma = P[o_gain + i] / n0b
                    value += P[o_bits + i] * _cost_per_bit(w, gamma, math.log1p(gamma * p_max), bandwidth)
            c += P[o_cpr + k * N + n] * _local_cost(beta, kappa, fmax)
        # The per-node Lagrangian is linear in d_k.
        if use_fixed:
            value += c * fixed[k]
        else:
            cost_sum += _min(0.0, c - nu)
        best = _min(best, c)
    if not use_fixed:
        value = value + nu * d_y + d_y * cost_sum
    return value, best


@njit(cache=True, error_model="numpy")
def _report_one(P: FloatArray, X: FloatArray, K: int, N: int, kkt: bool, out: FloatArray) -> None:  # pragma: no cover
    """Constraint violations, energy, dual bound and KKT residuals of one instance, written into ``out``.

    The violations are those of :func:`~edgeopt.problems.fog.model.constraint_violations`
    (each relative to its constraint's scale, eqs. (4), (8), (10), (16),
    (19), (20), (22), (23) and the signs), the energy that of eq. (24). With
    multipliers (``X``'s last entry 1) the dual bound, the gap and (with
    ``kkt``) the KKT residuals follow; otherwise those columns stay ``inf``.
    """
    o_node, o_cpr = 7, 7 + 7 * K
    o_mask = o_cpr + K * N
    o_bits, o_gain = o_mask + 2 * K * N, o_mask + 4 * K * N
    KN = K * N
    o_rows, o_tfrd, o_pfrd, o_tlay = 0, K, 2 * K, 3 * K
    o_tloc = 3 * K + N
    o_t = (o_tloc + KN, o_tloc + 3 * KN)  # t_exc_above, t_exc_below
    o_p = (o_tloc + 2 * KN, o_tloc + 4 * KN)  # p_exc_above, p_exc_below
    o_phi = o_tloc + 5 * KN
    o_beta = o_phi + 2
    has_duals = X[o_beta + KN] != 0.0
    d_x, d_y, tau, bandwidth, n0 = P[0], P[1], P[2], P[3], P[4]
    p_max_m, p_circ_m = P[5], P[6]
    n0b = n0 * bandwidth
    for c in range(out.shape[0]):
        out[c] = np.inf
    # ---- primal feasibility, eqs. (4), (8)-(10), (16), (19)-(23)
    row_sum, row_min = 0.0, np.inf
    for k in range(K):
        row_sum += X[o_rows + k]
        row_min = _min(row_min, X[o_rows + k])
    rows_sum = abs(row_sum - d_y) / d_y
    rows_nonneg = _max(0.0, -row_min) / d_y
    frd_rate, frd_power, latency = 0.0, 0.0, 0.0
    e_frd = 0.0
    for k in range(K):
        if P[o_node + 5 * K + k] != 0.0:
            bits = d_x * _max(X[o_rows + k], 0.0) + P[o_node + 6 * K + k]
            rate = bandwidth * math.log1p(X[o_pfrd + k] * P[o_node + 4 * K + k] / n0b)
            frd_rate = _max(frd_rate, (bits - X[o_tfrd + k] * rate) / bits)
            frd_power = _max(frd_power, X[o_pfrd + k] / p_max_m - 1.0)
            latency += X[o_tfrd + k]
            e_frd += X[o_tfrd + k] * (X[o_pfrd + k] + p_circ_m)
    cpu_speed, rate_viol, power_viol, layer_time = 0.0, 0.0, 0.0, -np.inf
    e_local, e_exc = 0.0, 0.0
    for k in range(K):
        kappa, fmax, p_max, p_circ = P[o_node + k], P[o_node + K + k], P[o_node + 2 * K + k], P[o_node + 3 * K + k]
        for n in range(N):
            t_n = X[o_tlay + n]
            t_loc = X[o_tloc + k * N + n]
            cycles = P[o_cpr + k * N + n] * X[o_rows + k]
            excess = cycles / fmax - t_loc
            cpu_speed = _max(cpu_speed, excess / t_n if t_n > 0.0 else (np.inf if excess > 0.0 else 0.0))
            if cycles > 0.0:
                e_local += kappa * cycles**3 / t_loc**2
            busy = t_loc
            for j in range(2):
                i = (k * N + n) * 2 + j
                if P[o_mask + i] != 0.0:
                    t, pw = X[o_t[j] + k * N + n], X[o_p[j] + k * N + n]
                    d = P[o_bits + i]
                    sent = t * (bandwidth * math.log1p(pw * P[o_gain + i] / n0b))
                    rate_viol = _max(rate_viol, (d - sent) / d)
                    power_viol = _max(power_viol, pw / p_max - 1.0)
                    busy += t
                    e_exc += t * (pw + p_circ)
            excess = busy - t_n
            layer_time = _max(layer_time, excess / t_n if t_n > 0.0 else (np.inf if excess > 0.0 else 0.0))
    for n in range(N):
        latency += X[o_tlay + n]
    # Signs of every time (relative to tau) and power.
    lowest = np.inf
    for i in range(o_tfrd, o_tloc + 5 * KN):
        if o_pfrd <= i < o_tlay or o_p[0] <= i < o_p[0] + KN or o_p[1] <= i < o_p[1] + KN:
            lowest = _min(lowest, X[i])  # p_frd, p_exc_above, p_exc_below
        else:
            lowest = _min(lowest, X[i] / tau)  # t_frd, t_layer, t_loc, t_exc_above, t_exc_below
    primal = (
        rows_sum,
        rows_nonneg,
        frd_rate,
        frd_power,
        cpu_speed,
        rate_viol,
        power_viol,
        layer_time,
        _max(0.0, latency / tau - 1.0),
        _max(0.0, -lowest),
    )
    worst = -np.inf
    for c in range(_N_PRIMAL):
        out[c] = _max(0.0, primal[c])
        worst = _max(worst, out[c])
    out[_C_PRIMAL_MAX] = worst
    out[_C_FRD], out[_C_LOCAL], out[_C_EXCHANGE] = e_frd, e_local, e_exc
    energy = e_frd + e_local + e_exc
    out[_C_TOTAL] = energy
    if not has_duals:
        return
    phi, nu = X[o_phi], X[o_phi + 1]
    bound, _ = _dual_one(P, K, N, phi, nu, X, o_beta, X, False, True)
    out[_C_BOUND] = bound
    out[_C_GAP] = (energy - bound) / abs(energy)
    if not kkt:
        return
    # ---- KKT residuals: derivatives of the Lagrangian at the point (module docstring)
    phi_scale = _max(phi, _TINY)
    nu_scale = _max(abs(nu), _TINY)
    st_layer, st_local, st_exc, st_frd, st_rows = 0.0, 0.0, 0.0, 0.0, 0.0
    du_beta, du_floor, du_cap, du_fcap, du_rows = 0.0, 0.0, 0.0, 0.0, 0.0
    slack_rate, slack_layer = 0.0, -np.inf
    # d L / d t_n = phi - sum_k beta_{k,n}.
    beta_min = np.inf
    for n in range(N):
        total = 0.0
        for k in range(K):
            total += X[o_beta + k * N + n]
            beta_min = _min(beta_min, X[o_beta + k * N + n])
        st_layer = _max(st_layer, abs(phi - total))
    st_layer /= phi_scale
    du_beta = _max(0.0, -beta_min) / phi_scale
    for k in range(K):
        kappa, fmax, p_max, p_circ = P[o_node + k], P[o_node + K + k], P[o_node + 2 * K + k], P[o_node + 3 * K + k]
        rows = X[o_rows + k]
        marginal = 0.0
        fm = P[o_node + 5 * K + k] != 0.0
        for n in range(N):
            beta = X[o_beta + k * N + n]
            a = P[o_cpr + k * N + n]
            x_loc = X[o_tloc + k * N + n]
            t_n = X[o_tlay + n]
            cycles = a * rows
            busy = x_loc
            # Local computation: d/dt [kappa m^3 / t^2 + beta t] = beta - 2 kappa m^3 / t^3 (+ floor multiplier).
            if cycles > 0.0:
                pull = 2.0 * kappa * cycles**3 / x_loc**3
                grad = beta - pull
                scale = _max(_max(beta, pull), _TINY)
                gamma_floor = 0.0
                if x_loc <= cycles / fmax * (1.0 + 1e-9):
                    gamma_floor = _max(grad, 0.0)
                    du_floor = _max(du_floor, _max(-grad, 0.0) / scale)
                else:
                    st_local = _max(st_local, abs(grad) / scale)
                marginal += 3.0 * kappa * a**3 * rows**2 / x_loc**2 + gamma_floor * a / fmax
            else:
                marginal += a * _local_cost(beta, kappa, fmax)
            # Exchange links.
            w = p_circ + beta
            for j in range(2):
                i = (k * N + n) * 2 + j
                if P[o_mask + i] != 0.0:
                    t, pw = X[o_t[j] + k * N + n], X[o_p[j] + k * N + n]
                    gamma = P[o_gain + i] / n0b
                    resid, xi, _ = _transmission(pw, gamma, p_max, w, bandwidth)
                    st_exc = _max(st_exc, abs(resid))
                    du_cap = _max(du_cap, _max(-xi, 0.0))
                    d = P[o_bits + i]
                    slack_rate = _max(slack_rate, abs(t * bandwidth * math.log1p(pw * gamma) - d) / d)
                    busy += t
            slack_layer = _max(slack_layer, beta / phi_scale * abs(t_n - busy) / t_n)
        # First-round distribution.
        if fm:
            fgamma = P[o_node + 4 * K + k] / n0b
            p_frd, t_frd = X[o_pfrd + k], X[o_tfrd + k]
            resid, xi, mu_frd = _transmission(p_frd, fgamma, p_max_m, p_circ_m + phi, bandwidth)
            st_frd = _max(st_frd, abs(resid))
            du_fcap = _max(du_fcap, _max(-xi, 0.0))
            bits = d_x * rows + P[o_node + 6 * K + k]
            slack_rate = _max(slack_rate, abs(t_frd * bandwidth * math.log1p(p_frd * fgamma) - bits) / bits)
            marginal += mu_frd * d_x
        # Rows: d L / d d_k = sum_n [3 kappa a^3 d^2 / t^2 + gamma_floor a / f] + mu_frd d_x - nu.
        if rows > 0.0:
            st_rows = _max(st_rows, abs(marginal - nu) / nu_scale)
        else:
            du_rows = _max(du_rows, _max(nu - marginal, 0.0) / nu_scale)
    # Complementary slackness of the dualised inequalities.
    slack_latency = abs(tau - latency) / tau if phi > 0.0 else 0.0
    stat = (st_layer, st_local, st_exc, st_frd, st_rows)
    dual = (_max(0.0, -phi) / _max(abs(phi), _TINY), du_beta, du_floor, du_cap, du_fcap, du_rows)
    comp = (slack_rate, slack_latency, slack_layer)
    worst = -np.inf
    for c in range(len(stat)):
        out[_C_STAT + c] = stat[c]
        worst = _max(worst, stat[c])
    out[_C_STAT_MAX] = worst
    worst = -np.inf
    for c in range(len(dual)):
        out[_C_DUAL + c] = dual[c]
        worst = _max(worst, dual[c])
    out[_C_DUAL_MAX] = worst
    worst = -np.inf
    for c in range(len(comp)):
        out[_C_COMP + c] = comp[c]
        worst = _max(worst, comp[c])
    out[_C_COMP_MAX] = worst


# ----------------------------------------------------------------------------- batch kernels (compiled)


@njit(cache=True, error_model="numpy", nogil=True)
def _report_kernel(P: FloatArray, X: FloatArray, K: int, N: int, kkt: bool) -> FloatArray:  # pragma: no cover
    """:func:`_report_one` for every row of the packs: an array (S, columns)."""
    out = np.empty((P.shape[0], _N_COLUMNS))
    for s in range(P.shape[0]):
        _report_one(P[s], X[s], K, N, kkt, out[s])
    return out


@njit(cache=True, error_model="numpy")
def _dual_kernel(
    P: FloatArray,
    phi: FloatArray,
    nu: FloatArray,
    beta: FloatArray,
    fixed: FloatArray,
    use_fixed: bool,
    links: bool,
    K: int,
    N: int,
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """:func:`_dual_one` for every instance: the dual bounds and the best row prices, arrays (S,)."""
    S = P.shape[0]
    value, best = np.empty(S), np.empty(S)
    for s in range(S):
        value[s], best[s] = _dual_one(P[s], K, N, phi[s], nu[s], beta[s], 0, fixed[s], use_fixed, links)
    return value, best


# ----------------------------------------------------------------------------- public entry points


def _sizes(b: FogBatch) -> tuple[int, int, int]:
    """``(S, K, N)`` of a batch."""
    S, K, N = b.layout.cycles_per_row.shape
    return S, K, N


def _as_rows(value: Any, S: int) -> FloatArray:
    """``value`` as a fresh C-contiguous float64 array (S, -1): one compiled signature for every caller."""
    return np.array(np.reshape(value, (S, -1)), dtype=np.float64, order="C")


def dual_function(
    p: FogParams,
    phi: float,
    nu: float,
    beta: FloatArray,
    *,
    fixed_rows: FloatArray | None = None,
) -> float:
    """The Lagrange dual function ``g(phi, nu, beta)`` (a lower bound on the optimum).

    With ``fixed_rows`` the rows are constants (the NoOptDist and rounding
    sub-problems) and ``nu`` is unused. :func:`dual_function_batch` on a batch of one.
    """
    return float(
        dual_function_batch(
            _batch_of_one(p),
            np.array([float(phi)]),
            np.array([float(nu)]),
            np.asarray(beta, dtype=float)[None],
            fixed_rows=None if fixed_rows is None else np.asarray(fixed_rows, dtype=float)[None],
        )[0]
    )


def dual_function_batch(
    b: FogBatch,
    phi: FloatArray,
    nu: FloatArray,
    beta: FloatArray,
    *,
    fixed_rows: FloatArray | None = None,
) -> FloatArray:
    """:func:`dual_function` for a batch: ``phi``, ``nu`` (S,), ``beta`` (S, K, N), ``fixed_rows`` (S, K)."""
    S, K, N = _sizes(b)
    fixed = np.zeros((S, K)) if fixed_rows is None else _as_rows(fixed_rows, S)
    value, _ = _dual_kernel(
        _pack_params(b),
        _as_rows(phi, S)[:, 0],
        _as_rows(nu, S)[:, 0],
        _as_rows(beta, S),
        fixed,
        fixed_rows is not None,
        True,
        K,
        N,
    )
    return np.asarray(value)


def best_row_price(b: FogBatch, phi: FloatArray, beta: FloatArray) -> FloatArray:
    """The row price ``nu`` that maximises the dual function at ``(phi, beta)``: ``min_k c_k``.

    The dual function is ``nu d_y + d_y sum_k min(0, c_k - nu) + ...``, concave
    and piecewise linear in ``nu``, increasing below ``min_k c_k`` and not
    increasing above it; so the best bound for given ``(phi, beta)`` takes
    ``nu = min_k c_k`` (the price of the cheapest node, where the rows go).
    ``c_k`` is the least priced energy of one row at node ``k``: its FRD bits
    at the priced cost per bit of the master's link, plus its local work at
    ``h(beta)`` per cycle.
    """
    S, K, N = _sizes(b)
    _, best = _dual_kernel(
        _pack_params(b), _as_rows(phi, S)[:, 0], np.zeros(S), _as_rows(beta, S), np.zeros((S, K)), False, False, K, N
    )
    return np.asarray(best)


def _stack(values: Sequence[Any]) -> Any:
    """``np.stack(values)``, as a view with a new axis for a single value (the one-call path)."""
    return np.asarray(values[0])[None] if len(values) == 1 else np.stack(values)


def _multipliers(p: FogParams, solution: Solution) -> tuple[float, float, FloatArray] | None:
    """``(phi, nu, beta)`` of a solution, or None when it carries no time-sharing multipliers."""
    duals = solution.duals
    if not duals or "layer_time" not in duals:
        return None
    beta = np.asarray(duals["layer_time"], dtype=float)
    if beta.shape != (p.K, p.n_layers):
        raise ValueError(f"duals['layer_time'] has shape {beta.shape}, this instance needs {(p.K, p.n_layers)}")
    return float(duals["latency"]), float(duals["rows"]), beta


def _report(values: list[float], has_duals: bool) -> KKTReport:
    """The :class:`KKTReport` of one row of :func:`_report_kernel`."""
    if not has_duals:
        return KKTReport(
            primal_feasibility=values[_C_PRIMAL_MAX], details=dict(zip(_PRIMAL_KEYS, values[:_N_PRIMAL], strict=True))
        )
    return KKTReport(
        primal_feasibility=values[_C_PRIMAL_MAX],
        dual_feasibility=values[_C_DUAL_MAX],
        stationarity=values[_C_STAT_MAX],
        complementary_slackness=values[_C_COMP_MAX],
        duality_gap=values[_C_GAP],
        details=dict(zip(_DETAIL_KEYS, values[:_N_DETAILS], strict=True)),
    )


def kkt_report_batch(params: Sequence[FogParams], solutions: Sequence[Solution]) -> list[KKTReport]:
    """Primal feasibility, KKT residuals and duality gap of many fog solutions, one compiled pass per size.

    Each instance is re-evaluated from its own parameters and its point (and
    multipliers, where given): the violations of every constraint family,
    the energy (24), the dual function at the multipliers and the residuals
    of the KKT conditions, by :func:`_report_one` (the module docstring gives
    the Lagrangian). Instances are grouped by size ``(K, n_layers)``; within
    a group the results are those of one instance at a time, exactly.

    Parameters
    ----------
    params : sequence of FogParams
        The instances.
    solutions : sequence of Solution
        One per instance; ``x`` holds the :data:`~edgeopt.problems.fog.model.VARIABLES`
        of the instance's shapes, ``duals`` (optional) ``latency``, ``rows``
        and ``layer_time``.

    Returns
    -------
    list of KKTReport
        One per instance, in order: an empty report (every residual ``inf``)
        for a solution without a point, only the primal part for one without
        multipliers.

    Raises
    ------
    KeyError, ValueError
        When a point or its multipliers lack an entry or have another shape.

    """
    if len(params) != len(solutions):
        raise ValueError(f"{len(params)} instances but {len(solutions)} solutions")
    reports = [KKTReport() for _ in solutions]
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (p, solution) in enumerate(zip(params, solutions, strict=True)):
        if solution.has_point:
            groups.setdefault((p.K, p.n_layers), []).append(i)
    for (K, N), members in groups.items():
        group = [params[i] for i in members]
        packed = _pack_solutions(group, [solutions[i] for i in members], K, N) if len(members) > 1 else None
        if packed is None:  # one instance, or entries that are not arrays of their exact shapes
            points = [_point_row(params[i], solutions[i]) for i in members]
            X = _stack([row for row, _ in points])
            flags = [has_duals for _, has_duals in points]
            P = _stack([_params_row(p) for p in group])
        else:
            X, flags = packed
            P = _pack_params(FogBatch.of(group))
        out = run_batch(_report_kernel, len(X), P, X, K, N, True)
        for i, values, has_duals in zip(members, out.tolist(), flags, strict=True):
            reports[i] = _report(values, has_duals)
    return reports


def _pack_solutions(
    params: Sequence[FogParams], solutions: Sequence[Solution], K: int, N: int
) -> tuple[FloatArray, list[bool]] | None:
    """The point packs of many solutions of one size at once: the rows of :func:`_point_row`, stacked.

    Each entry of the pack is gathered for the whole group with one
    ``np.concatenate`` (the same values as :func:`_point_row`'s, bit for
    bit). Returns None, for :func:`_point_row` one at a time, where an entry
    is missing or is not an array of exactly its shape.
    """
    shapes = {"rows": (K,), "t_frd": (K,), "p_frd": (K,), "t_layer": (N,)}
    parts = []
    for name in _POINT_NAMES:
        try:
            values = [solution.x[name] for solution in solutions]
        except KeyError:
            return None
        if {getattr(value, "shape", None) for value in values} != {shapes.get(name, (K, N))}:
            return None
        parts.append(np.concatenate(values, dtype=np.float64).reshape(len(values), -1))
    flags = []
    duals = np.zeros((len(solutions), K * N + 3))
    for r, (p, solution) in enumerate(zip(params, solutions, strict=True)):
        given = _multipliers(p, solution)
        flags.append(given is not None)
        if given is not None:
            phi, nu, beta = given
            duals[r, 0], duals[r, 1], duals[r, 2:-1], duals[r, -1] = phi, nu, beta.ravel(), 1.0
    parts.append(duals)
    return np.concatenate(parts, axis=1), flags


def kkt_report(p: FogParams, solution: Solution) -> KKTReport:
    """Primal feasibility, KKT residuals and duality gap of a fog solution: :func:`kkt_report_batch` of one."""
    return kkt_report_batch((p,), (solution,))[0]


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

    The certificate is :func:`kkt_report` (primal feasibility, KKT residuals
    and the duality gap ``E(x) - g(phi, nu, beta)``, all below
    :data:`CERTIFIED` relative); with ``fixed_rows`` (the baseline and rounding
    sub-problems) only the gap against their own dual function is computed.

    Parameters
    ----------
    p : FogParams
        The instance.
    x : dict of str to ndarray
        The point (:data:`~edgeopt.problems.fog.model.VARIABLES`).
    phi, nu : float
        Multipliers of the latency (23) and of the row sum (4).
    beta : ndarray, shape (K, N)
        Multipliers of the time sharing (22).
    iterations : int
        Iterations the method took.
    start : float
        ``time.perf_counter()`` at the start of the solve (for ``solve_time_s``).
    extras : dict
        The method's own extras, merged into ``Solution.extras``.
    fixed_rows : ndarray, shape (K,), optional
        The rows the sub-problem held fixed.

    Returns
    -------
    Solution
        ``OPTIMAL`` if certified (always, with ``fixed_rows``), else
        ``FEASIBLE`` with ``extras["reason"]`` giving the residual and gap.

    """
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
        if not report.passes(CERTIFIED):
            solution.status = Status.FEASIBLE
            solution.extras["reason"] = (
                f"converged point not certified: KKT residual {report.max_kkt_residual:.3g}, "
                f"gap {report.duality_gap:.3g}"
            )
    solution.solve_time_s = time.perf_counter() - start
    return solution


@dataclass
class BatchCertificate:
    """The certificate of a batch of points (:func:`certify_batch`); arrays of shape (S,) unless said.

    Attributes
    ----------
    energy : dict of str to ndarray
        The energy (24) at the points by part: ``frd``, ``local``, ``exchange``, ``total``.
    violation : ndarray
        Largest relative constraint violation of each point.
    bound : ndarray
        The dual function at each instance's multipliers (a lower bound on its optimum).
    gap : ndarray
        Relative duality gap ``(E - bound) / |E|``.
    passes : ndarray of bool
        Gap and violation both within :data:`CERTIFIED`: the point is optimal to that accuracy.

    """

    energy: dict[str, FloatArray]
    violation: FloatArray
    bound: FloatArray
    gap: FloatArray
    passes: BoolArray

    def solution(
        self, i: int, x: dict[str, FloatArray], duals: dict[str, Any], *, iterations: int, extras: dict[str, Any]
    ) -> Solution:
        """Instance ``i`` as an ``OPTIMAL`` :class:`Solution` with its certificate in ``extras``.

        Raises
        ------
        SolverError
            If instance ``i`` did not pass: a method asked for an ``OPTIMAL``
            label without the certificate (a bug in that method).

        """
        self._require(np.array([i]))
        energy = self.energy
        return Solution(
            status=Status.OPTIMAL,
            objective=float(energy["total"][i]),
            x=x,
            duals=duals,
            iterations=iterations,
            extras={
                "duality_gap": float(self.gap[i]),
                "dual_bound": float(self.bound[i]),
                "max_violation": float(self.violation[i]),
                "energy_terms": {name: float(value[i]) for name, value in energy.items()},
                **extras,
            },
        )

    def solutions(
        self,
        take: NDArray[np.intp],
        x: dict[str, FloatArray],
        multipliers: tuple[FloatArray, FloatArray, FloatArray],
        iterations: FloatArray,
        extras: dict[str, Any],
    ) -> list[Solution]:
        """Instances ``take`` as ``OPTIMAL`` solutions, as :meth:`solution` builds them one at a time.

        ``x``, the multipliers ``(phi, nu, beta)``, ``iterations`` and every
        array or list in ``extras`` are indexed like the certificate (batch
        axis first) and read at ``take``; other ``extras`` values are shared.
        The values are gathered once per field for the whole batch (``tolist``
        and views along the batch axis), and the points are checked for NaN in
        one vectorised pass instead of one :class:`Solution` check per entry:
        the same answers as :meth:`solution`, at a few microseconds each.

        Raises
        ------
        SolverError
            If an instance of ``take`` did not pass (as :meth:`solution`).
        InvalidParameterError
            If a point holds NaN (as :class:`Solution` does).

        """
        take = np.asarray(take, dtype=np.intp)
        self._require(take)
        n = take.size
        names = list(x)
        points = [x[name][take] for name in names]
        for name, value in zip(names, points, strict=True):
            if np.isnan(value).any():
                raise InvalidParameterError(f"Solution.x[{name!r}] contains NaN")
        phi, nu, beta = multipliers
        per_point = zip(*(list(value) for value in points), strict=True) if names else iter([()] * n)
        energies = zip(*(value[take].tolist() for value in self.energy.values()), strict=True)
        columns = {key: _column(value, take) for key, value in extras.items()}
        own = zip(*columns.values(), strict=True) if columns else iter([()] * n)
        parts = list(self.energy)
        out = []
        for total, gap, bound, violation, its, phi_i, nu_i, beta_i, point, energy, more in zip(
            self.energy["total"][take].tolist(),
            self.gap[take].tolist(),
            self.bound[take].tolist(),
            self.violation[take].tolist(),
            np.asarray(iterations)[take].astype(np.int64).tolist(),
            np.asarray(phi)[take].tolist(),
            np.asarray(nu)[take].tolist(),
            list(np.asarray(beta)[take]),
            per_point,
            energies,
            own,
            strict=True,
        ):
            # Built without the entry-by-entry NaN check of Solution.__post_init__ (done above for
            # the whole batch at once: at K = 20 it costs more than the rest of the answer).
            solution = Solution(
                status=Status.OPTIMAL,
                objective=total,
                duals={"latency": np.array(phi_i), "rows": np.array(nu_i), "layer_time": beta_i},
                iterations=its,
                extras={
                    "duality_gap": gap,
                    "dual_bound": bound,
                    "max_violation": violation,
                    "energy_terms": dict(zip(parts, energy, strict=True)),
                    **dict(zip(columns, more, strict=True)),
                },
            )
            solution.x = dict(zip(names, point, strict=True))
            out.append(solution)
        return out

    def _require(self, take: NDArray[np.intp]) -> None:
        """Raise :class:`SolverError` if an instance of ``take`` did not pass."""
        failing = take[~self.passes[take]]
        if failing.size:
            i = int(failing[0])
            raise SolverError(
                f"instance {i} of the batch is not certified (gap {self.gap[i]:.3g}, "
                f"violation {self.violation[i]:.3g}); it cannot be labelled optimal"
            )


def _column(value: Any, take: NDArray[np.intp]) -> list[Any]:
    """One extras entry per instance of ``take``: an array's Python values, a list's items, else shared."""
    if isinstance(value, np.ndarray):
        return list(value[take].tolist())
    if isinstance(value, list):
        return [value[i] for i in take.tolist()]
    return [value] * take.size


def certify_batch(
    b: FogBatch, x: dict[str, FloatArray], phi: FloatArray, nu: FloatArray, beta: FloatArray
) -> BatchCertificate:
    """Certify a batch of points by weak duality: feasible, and the dual function within :data:`CERTIFIED`.

    The violations, the energy and the dual bound are those of
    :func:`kkt_report_batch` (one compiled pass, without the KKT residuals).

    Parameters
    ----------
    b : FogBatch
        The instances.
    x : dict of str to ndarray
        The points, batch axis first.
    phi, nu : ndarray, shape (S,)
        Multipliers of the latency (23) and of the row sum (4).
    beta : ndarray, shape (S, K, N)
        Multipliers of the time sharing (22).

    Returns
    -------
    BatchCertificate

    """
    S, K, N = _sizes(b)
    out = run_batch(_report_kernel, S, _pack_params(b), _pack_points(x, phi, nu, beta), K, N, False)
    energy = {name: out[:, column].copy() for name, column in _ENERGY_COLUMNS.items()}
    violation = out[:, _C_PRIMAL_MAX].copy()
    gap = out[:, _C_GAP].copy()
    passes = (np.abs(gap) <= CERTIFIED) & (violation <= CERTIFIED)
    return BatchCertificate(energy, violation, out[:, _C_BOUND].copy(), gap, passes)


__all__ = [
    "CERTIFIED",
    "BatchCertificate",
    "best_row_price",
    "certified_solution",
    "certify_batch",
    "dual_function",
    "dual_function_batch",
    "kkt_report",
    "kkt_report_batch",
]
