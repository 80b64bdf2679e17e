"""Newton's method on the KKT system of the fog problem (31), for a batch: the analytic method's local phase.

:mod:`~edgeopt.problems.fog.barrier` brings every instance of a batch close to
its optimum along the central path; its end point is accurate in energy but
its multipliers are not (they are ``mu / slack`` with the slacks at rounding
level), and the duality-gap certificate needs them to full precision. This
module finishes the job: from that point, Newton's method on the optimality
conditions themselves converges quadratically, in a few iterations, to the
primal point and the multipliers of the decomposition
(:mod:`~edgeopt.problems.fog.decomposition`), with the closed forms of
:mod:`~edgeopt.problems.fog.closed_forms`.

**Unknowns** (per instance): ``u_{k,n} = log beta_{k,n}``, the rows ``d_k``, the
layer times ``t_n``, ``log phi`` and ``log nu`` (``phi > 0`` because some node
computes, so some ``beta > 0``; ``nu > 0`` because it equals a node's marginal
energy), and the multipliers ``b_n`` of the fixed-exchange bounds below.

**Equations** (notation of :mod:`~edgeopt.problems.fog.closed_forms`), each scaled to be
dimensionless:

* ``r1_{k,n} = T_{k,n}(beta_{k,n}, d_k) / t_n - 1``: node ``k`` is busy for
  exactly ``t_n`` in layer ``n`` (eq. (22) active). ``T = a d rho(beta) +
  sum_links D / (B x(beta))`` is the busy time of the internal optimum at
  price ``beta``.
* ``r2_n = sum_k beta_{k,n} / phi - 1``: stationarity in ``t_n`` (eq. (37)).
* ``r3_k = g_k(phi, beta) / nu - 1`` for computing nodes, with ``g_k =
  [k != m] d_x q_k(phi) + sum_n a_{k,n} h(beta_{k,n})`` the marginal energy of
  a row (eqs. (38), (41)-(43)); ``r3_k = d_k / d_y`` for idle nodes.
* ``r4 = sum_k d_k / d_y - 1`` (eq. (4)), ``r5 = latency / tau - 1`` (eq. (23)
  active; ``phi > 0``).
* ``r6_n = T^fix_n / t_n - 1`` on layers whose fixed-exchange bound is active.

**Complementarity** is handled by three active sets re-chosen at every
iteration. Node ``k`` computes while ``d_k > 0`` (a step that would make its
rows negative stops them at 0 and the node leaves), and an idle node joins
when its marginal energy ``g_k`` falls below ``nu``. An idle node's entry
``(k, n)`` is *slack* (``beta_{k,n} = 0``, no equation ``r1``) when its
unpriced exchange time already fits: ``T_{k,n}(0) <= t_n``.

**Fixed-exchange bounds** (issue 15, item 3: the "master" regime, where the
master keeps every row). An idle node whose links are at their power cap even
unpriced is busy for a constant time ``T_min`` at any price, so its eq. (22)
is not a price equation but the bound ``t_n >= T_min`` on the layer time.
Where it binds (the node's boundary exchange sets the layer time) its
multiplier is only fixed by ``r2_n``; the slack test above then flips on
rounding (``T(0) = T_min = t_n``) and the Newton finish stalled, handing the
instance to the nested solver (44 of the 140 budgets of the tau sweep's hard
instances). Here each layer carries the largest such time ``T^fix_n`` as a
bound of its own: while active, ``t_n`` is fixed by ``r6_n`` and its
multiplier ``b_n >= 0`` (the price ``beta`` of that entry) is an unknown of
``r2_n``; it is released when ``b_n`` reaches 0 and imposed when ``t_n``
falls below ``T^fix_n``. At the start it is active where the path's
multiplier outweighs the bound's slack (at the optimum one of them is 0).

**Newton step.** The ``r1`` block is diagonal in ``u``: with ``D = dr1/du``,
``P = dr1/de_k`` (``e = d / d_y``) and ``Q = dr1/ds_n`` (``s = t / tau``),
``du = -(r1 + P de + Q ds) / D``. Substituting it into the other equations
leaves a system of order ``K + N + 2`` in ``(de, ds, dlog phi, dlog nu)``
(on a bound layer ``ds_n`` is known and ``b_n / phi`` takes its column),
solved by LU with partial pivoting; steps are backtracked on the squared
residual norm.

**Compiled.** One call of :func:`polish` runs the whole iteration for every
instance of the batch in one numba kernel (``cache=True``), each instance
with its own active sets, step lengths and iteration count; the closed forms
are the compiled scalar functions of :mod:`~edgeopt.problems.fog.closed_forms`
(``rho_scalar``, ``h_scalar_given``, ``priced_x_scalar``), the same ones its
vectorised :class:`~edgeopt.problems.fog.closed_forms.ClosedForms` methods
use. The numpy version cost about 1.5-2 ms for one instance at ``K = 20``,
``N = 4`` (7 evaluations of some 80 small array operations each, two dense
solves), almost all call overhead; compiled, the same iterations take
0.05-0.2 ms. Numba was chosen over restructuring into fewer numpy calls for
the same reason as the path (:mod:`~edgeopt.problems.fog.path_kernel`): the
line search and the active-set updates are per-instance control flow.

*Not covered*: a price at or beyond its saturation point (``dT/dbeta = 0``:
a node at full CPU speed and full power, a "wall" of the nested solver) is
kept an unknown by a tiny slope (:data:`WALL_SLOPE`), ``r1`` then acting as
the wall constraint with a stiff penalty; instances where that stalls are
reported as not converged.

Far from the optimum this iteration does not converge reliably (the
residual norm is a poor guide); it is only used from the barrier's end point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from edgeopt.problems.fog.closed_forms import ClosedForms, h_scalar_given, priced_x_scalar, rho_scalar
from edgeopt.problems.fog.parallel import run_batch
from edgeopt.solvers.dense import lu_solve_inplace

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

CONVERGED = 1e-12  # largest scaled residual at which the iteration stops
STALLED = 1e-10  # a point where no step helps any more counts as converged below this
WALL_SLOPE = 1e-9  # |dr1/dlog beta| is at least this (see _evaluate)
START_SWEEPS = 3  # price re-fits of the start point (see _refit)
REFIT_BELOW = 1e-6  # no re-fit once every busy time is this close to its layer time
BACKTRACKS = 20  # halvings of a Newton step before the iteration stops
ARMIJO = 1e-4  # sufficient decrease of the squared residual norm


@dataclass
class PolishResult:
    """The last Newton iterate of every instance of a batch (SI units)."""

    u: FloatArray  # (S, K, N) log beta (unused on slack entries)
    d: FloatArray  # (S, K) rows
    t: FloatArray  # (S, N) layer times
    lphi: FloatArray  # (S,) log phi
    lnu: FloatArray  # (S,) log nu
    active: BoolArray  # (S, K) computing nodes
    slack: BoolArray  # (S, K, N) entries without a price equation (beta = 0 but on an active bound)
    beta: FloatArray  # (S, K, N) prices
    max_residual: FloatArray  # (S,) largest scaled residual
    x_link: FloatArray  # (S, K, N, 2) spectral efficiency of each link at beta, 0 where not evaluated (slack entries)


# The kernels take the instance's constants as one tuple ``c`` (ClosedForms.kernel_constants, then d_y, tau):
# (a, kappa, fmax, beta_cpu, link mask, link bits, link gamma, link p_circuit, link x_max,
#  bandwidth, unpriced link time T(0), fixed entries, FRD mask, FRD gamma, FRD x_max,
#  master's p_circuit, FRD fixed bits, d_x, d_y, tau).
# _evaluate returns the tuple ``ev`` indexed below.
_SLACK, _BETA, _G, _R1, _D = 0, 1, 3, 4, 10
_BOUND, _BW, _LIM, _MERIT, _WORST, _XL = 16, 17, 18, 19, 20, 21


@njit(cache=True, error_model="numpy", nogil=True)
def _evaluate(c, u, d, t, lphi, lnu, active, bw, bound):
    """Residuals and derivatives of the KKT system (module docstring) at one instance's iterate.

    Returns ``(slack, beta, rho, g, r1, r2, r3, r4, r5, r6, D, P, Q, c3, f5, l5,
    bound, bw, lim, merit, worst, x_link)``: the entries without a price
    equation, the prices (the bound multipliers on their entries), ``rho(beta)``,
    the row marginals, the residuals, ``dr1/du``, ``dr1/de``, ``dr1/ds``,
    ``dr3/dlog phi``, ``dr5/de``, ``dr5/dlog phi``, the bounds that are active
    (only where a fixed entry exists) and their multipliers, the bound values,
    the squared residual norm, the largest residual, and the spectral
    efficiencies of the links at the iterate's prices (0 on slack entries; the
    primal point reuses them: :func:`~edgeopt.problems.fog.closed_forms.primal_point`).
    """
    (a, kappa, fmax, bcpu, mask, bits, gamma, pc, xmax, B, t0, fixed, fmask, fgam, fxmax, fpc, ffix, dx_, d_y, tau) = c
    K, N = a.shape
    # Per layer, the largest fixed exchange time of an idle node and that node (the first on ties).
    lim = np.full(N, -np.inf)
    arg = np.zeros(N, np.int64)
    for n in range(N):
        for k in range(K):
            if fixed[k, n] and not active[k] and t0[k, n] > lim[n]:
                lim[n] = t0[k, n]
                arg[n] = k
    bnd = np.zeros(N, np.bool_)
    bwv = np.zeros(N)
    for n in range(N):
        if bound[n] and np.isfinite(lim[n]):
            bnd[n] = True
            bwv[n] = bw[n]
    phi, nu = math.exp(lphi), math.exp(lnu)
    slack = np.zeros((K, N), np.bool_)
    beta = np.zeros((K, N))
    rho = np.ones((K, N))
    r1 = np.zeros((K, N))
    D = np.ones((K, N))
    P = np.zeros((K, N))
    Q = np.zeros((K, N))
    r2 = np.full(N, -1.0)
    xl = np.zeros((K, N, 2))
    g = np.zeros(K)
    for k in range(K):
        cbrt_kappa4 = np.cbrt(0.25 * kappa[k])  # h's constant for the node, once instead of once per layer
        for n in range(N):
            sl = (not active[k]) and (t0[k, n] <= t[n] or fixed[k, n])
            slack[k, n] = sl
            if sl:
                b = bwv[n] if arg[n] == k else 0.0
            else:
                b = math.exp(u[k, n])
            beta[k, n] = b
            g[k] += a[k, n] * h_scalar_given(b, kappa[k], fmax[k], bcpu[k], cbrt_kappa4)
            r2[n] += b / phi
            if sl:
                continue
            ad = a[k, n] * d[k]
            rr, dr = rho_scalar(b, kappa[k], fmax[k], bcpu[k])
            rho[k, n] = rr
            busy, dbusy = 0.0, 0.0
            if ad > 0.0:
                busy, dbusy = ad * rr, ad * dr
            for j in range(2):
                if mask[k, n, j]:
                    x, dx = priced_x_scalar((pc[k, n, j] + b) * gamma[k, n, j], gamma[k, n, j], xmax[k, n, j])
                    xl[k, n, j] = x
                    lt = bits[k, n, j] / (B * x)
                    busy += lt
                    dbusy -= lt / x * dx
            tn = t[n]
            r1[k, n] = busy / tn - 1.0
            # Beyond its saturation price a node's busy time is flat (a "wall": full CPU
            # speed and power, t_n = T_min). A tiny slope keeps the price an unknown of
            # the reduced system; r1 then acts as the wall constraint with a stiff penalty.
            D[k, n] = min(b * dbusy / tn, -WALL_SLOPE)
            P[k, n] = a[k, n] * rr * d_y / tn
            Q[k, n] = -tau * busy / (tn * tn)
    r3 = np.zeros(K)
    c3 = np.zeros(K)
    f5 = np.zeros(K)
    frd, l5, dsum = 0.0, 0.0, 0.0
    for k in range(K):
        q = 0.0
        if fmask[k]:
            xf, dxf = priced_x_scalar((fpc + phi) * fgam[k], fgam[k], fxmax[k])
            # q_k(phi): the priced FRD cost per bit (ClosedForms.frd_price); dq/dphi is the
            # FRD time per bit (envelope theorem), so dg_k/dlog phi = phi d_x / (B x_k).
            q = ((fpc + phi) + math.expm1(xf) / fgam[k]) / (B * xf)
            nbits = dx_ * d[k] + ffix[k]
            frd += nbits / (B * xf)
            per_row = dx_ / (B * xf)
            if active[k]:
                c3[k] = phi * per_row / nu
            f5[k] = per_row * d_y / tau
            l5 += -nbits / (B * xf * xf) * dxf
        g[k] += dx_ * q
        r3[k] = g[k] / nu - 1.0 if active[k] else d[k] / d_y
        dsum += d[k]
    l5 *= phi / tau
    r4 = dsum / d_y - 1.0
    tsum = 0.0
    r6 = np.zeros(N)
    for n in range(N):
        tsum += t[n]
        if bnd[n]:
            r6[n] = lim[n] / t[n] - 1.0
    r5 = (frd + tsum) / tau - 1.0
    merit = r4 * r4 + r5 * r5
    worst = max(abs(r4), abs(r5))
    for k in range(K):
        merit += r3[k] ** 2
        worst = max(worst, abs(r3[k]))
        for n in range(N):
            merit += r1[k, n] ** 2
            worst = max(worst, abs(r1[k, n]))
    for n in range(N):
        merit += r2[n] ** 2 + r6[n] ** 2
        worst = max(worst, abs(r2[n]), abs(r6[n]))
    if not np.isfinite(merit):
        worst = np.inf if np.isnan(worst) else worst
    return (slack, beta, rho, g, r1, r2, r3, r4, r5, r6, D, P, Q, c3, f5, l5, bnd, bwv, lim, merit, worst, xl)


@njit(cache=True, error_model="numpy", nogil=True)
def _newton_step(c, ev, t, lphi, lnu, active):
    """The reduced Newton system (module docstring) of one instance and the step it gives.

    Returns ``(du, de, ds, dlog phi, dlog nu, dbw, ok)``; ``ok`` is False where
    the system is not finite or singular.
    """
    a, tau = c[0], c[19]
    slack, beta, rho, g, r1, r2, r3, r4, r5, r6, D, P, Q, c3, f5, l5, bnd = ev[:17]
    K, N = a.shape
    n_ = K + N + 2
    phi, nu = math.exp(lphi), math.exp(lnu)
    M = np.zeros((n_, n_))
    rhs = np.zeros(n_)
    # Rows 0..K-1: r3 (row marginals), or d_k = 0 for idle nodes; rows K..K+N-1: r2
    # (layer balance), with du eliminated (W = dr2/du / D, V = dr3/du / D).
    for k in range(K):
        M[k, K + N] = c3[k]
        rhs[k] = -r3[k]
        if not active[k]:
            M[k, k] = 1.0
    for n in range(N):
        rhs[K + n] = -r2[n]
    for k in range(K):
        for n in range(N):
            M[K + n, K + N] -= beta[k, n] / phi
            if slack[k, n]:
                continue
            W = beta[k, n] / phi / D[k, n]
            M[K + n, k] = -W * P[k, n]
            M[K + n, K + n] -= W * Q[k, n]
            rhs[K + n] += W * r1[k, n]
            if active[k]:
                V = a[k, n] * rho[k, n] * beta[k, n] / nu / D[k, n]
                M[k, k] -= V * P[k, n]
                M[k, K + n] = -V * Q[k, n]
                rhs[k] += V * r1[k, n]
    for k in range(K):
        if active[k]:
            M[k, K + N + 1] = -g[k] / nu
        M[K + N, k] = 1.0
        M[K + N + 1, k] = f5[k]
    # Row K+N: r4 (row sum); row K+N+1: r5 (latency).
    rhs[K + N] = -r4
    for n in range(N):
        M[K + N + 1, K + n] = 1.0
    M[K + N + 1, K + N] = l5
    rhs[K + N + 1] = -r5
    # Bound layers: ds_n is fixed by r6 (linear in t_n) and the bound's multiplier takes
    # its column; b_n / phi enters r2_n alone (the node is idle: no r3 row depends on it).
    ds_fixed = np.zeros(N)
    for n in range(N):
        if bnd[n]:
            ds_fixed[n] = r6[n] * t[n] / tau
            for i in range(n_):
                rhs[i] -= M[i, K + n] * ds_fixed[n]
                M[i, K + n] = 0.0
            M[K + n, K + n] = 1.0
    ok = np.all(np.isfinite(M)) and np.all(np.isfinite(rhs))
    du = np.zeros((K, N))
    de = np.zeros(K)
    ds = ds_fixed.copy()
    dbw = np.zeros(N)
    if not ok:
        return du, de, ds, 0.0, 0.0, dbw, False
    z = rhs.copy()
    ok = lu_solve_inplace(M.copy(), z)
    if not ok:
        return du, de, ds, 0.0, 0.0, dbw, False
    de[:] = z[:K]
    for n in range(N):
        if bnd[n]:
            dbw[n] = phi * z[K + n]
        else:
            ds[n] = z[K + n]
    for k in range(K):
        for n in range(N):
            if not slack[k, n]:
                du[k, n] = -(r1[k, n] + P[k, n] * de[k] + Q[k, n] * ds[n]) / D[k, n]
    ok = np.all(np.isfinite(z)) and np.all(np.isfinite(du))
    return du, de, ds, z[K + N], z[K + N + 1], dbw, ok


@njit(cache=True, error_model="numpy", nogil=True)
def _refit(c, u, d, t, lphi, lnu, active, bw, bound, ev, sweeps):
    """Scalar Newton sweeps on ``r1`` in ``log beta`` alone, rows and times fixed.

    The busy time is steep in ``log beta`` (``beta^(-1/3)`` and the Lambert-W
    rate), so after a joint step a node with little work can be left far from
    ``r1 = 0``; re-fitting its price keeps the joint iteration in the region
    where its linearisation holds. Wall entries (slope at :data:`WALL_SLOPE`)
    are left to the joint step. Returns the new ``u`` and its evaluation.
    """
    for _ in range(sweeps):
        r1, D = ev[_R1], ev[_D]
        if np.max(np.abs(r1)) <= REFIT_BELOW:
            break
        slack = ev[_SLACK]
        u = u.copy()
        K, N = u.shape
        for k in range(K):
            for n in range(N):
                if not slack[k, n] and D[k, n] < -10.0 * WALL_SLOPE:
                    u[k, n] += min(max(-r1[k, n] / D[k, n], -3.0), 3.0)
        ev = _evaluate(c, u, d, t, lphi, lnu, active, bw, bound)
    return u, ev


@njit(cache=True, error_model="numpy", nogil=True)
def _polish_one(c, u, d, t, lphi, lnu, active, bw, bound, max_iter):
    """The Newton iteration of one instance from its start (module docstring).

    Returns ``(u, d, t, log phi, log nu, active, slack, beta, largest residual,
    converged, iterations)``.
    """
    d_y, tau = c[18], c[19]
    K, N = u.shape
    ev = _evaluate(c, u, d, t, lphi, lnu, active, bw, bound)
    u, ev = _refit(c, u, d, t, lphi, lnu, active, bw, bound, ev, START_SWEEPS)
    bound = ev[_BOUND].copy()
    bw = ev[_BW].copy()
    converged = False
    its = 0
    for _ in range(max_iter + 1):
        g, lim = ev[_G], ev[_LIM]
        nu = math.exp(lnu)
        # Active sets: a node computes while it has rows, and an idle node joins when its
        # marginal energy falls below nu; a bound is released when its multiplier has
        # reached 0, and imposed when the layer time has gone below it.
        changed = False
        new_active = active.copy()
        for k in range(K):
            new_active[k] = d[k] / d_y > g[k] / nu - 1.0
            changed |= new_active[k] != active[k]
        new_bound = bound.copy()
        for n in range(N):
            new_bound[n] = bw[n] > 0.0 if bound[n] else t[n] < lim[n]
            changed |= new_bound[n] != bound[n]
        if changed:
            active, bound = new_active, new_bound
            ev = _evaluate(c, u, d, t, lphi, lnu, active, bw, bound)
            bound = ev[_BOUND].copy()
            bw = ev[_BW].copy()
        if ev[_WORST] <= CONVERGED:
            converged = True
            break
        if its == max_iter:
            break
        its += 1
        du, de, ds, dlphi, dlnu, dbw, ok = _newton_step(c, ev, t, lphi, lnu, active)
        accepted = False
        if ok:
            merit0 = ev[_MERIT]
            alpha = 1.0
            for _ls in range(BACKTRACKS):
                d_new = np.empty(K)
                for k in range(K):
                    dk = max(d[k] + alpha * d_y * de[k], 0.0)
                    if not active[k] and dk <= 1e-12 * d_y:  # an idle node's rows at rounding level
                        dk = 0.0
                    d_new[k] = dk
                t_new = np.empty(N)
                bw_new = np.empty(N)
                for n in range(N):
                    t_new[n] = max(t[n] + alpha * tau * ds[n], 0.5 * t[n])
                    bw_new[n] = max(bw[n] + alpha * dbw[n], 0.0)  # stops at 0: released next iteration
                u_new = u + alpha * du
                lphi_new, lnu_new = lphi + alpha * dlphi, lnu + alpha * dlnu
                trial = _evaluate(c, u_new, d_new, t_new, lphi_new, lnu_new, active, bw_new, bound)
                u_new, trial = _refit(c, u_new, d_new, t_new, lphi_new, lnu_new, active, bw_new, bound, trial, 1)
                if np.isfinite(trial[_MERIT]) and trial[_MERIT] <= (1.0 - ARMIJO * alpha) * merit0:
                    accepted = True
                    u, d, t, lphi, lnu, ev = u_new, d_new, t_new, lphi_new, lnu_new, trial
                    bw = trial[_BW].copy()
                    break
                alpha *= 0.5
        if not accepted:  # no step reduces the residual: rounding level if it is already tiny
            converged = ev[_WORST] <= STALLED
            break
    return u, d, t, lphi, lnu, active, ev[_SLACK], ev[_BETA], ev[_WORST], converged, its, ev[_XL]


@njit(cache=True, error_model="numpy", nogil=True)
def _polish_batch(
    c, u, d, t, lphi, lnu, active, bw, bound, max_iter, out_beta, out_slack, out_res, out_conv, out_its, out_xl
):  # fmt: skip
    """:func:`_polish_one` for every instance; the iterate arrays are overwritten with the last iterates."""
    for s in range(u.shape[0]):
        cs = (
            c[0][s], c[1][s], c[2][s], c[3][s], c[4][s], c[5][s], c[6][s], c[7][s], c[8][s], c[9][s],
            c[10][s], c[11][s], c[12][s], c[13][s], c[14][s], c[15][s], c[16][s], c[17][s], c[18][s], c[19][s],
        )  # fmt: skip
        start = (u[s].copy(), d[s].copy(), t[s].copy(), lphi[s], lnu[s], active[s].copy(), bw[s].copy())
        us, ds_, ts, lp, ln, act, sl, be, res, conv, its, xl = _polish_one(cs, *start, bound[s].copy(), max_iter)
        u[s], d[s], t[s], lphi[s], lnu[s], active[s] = us, ds_, ts, lp, ln, act
        out_beta[s], out_slack[s], out_res[s], out_conv[s], out_its[s] = be, sl, res, conv, its
        out_xl[s] = xl


def _batch_first(value: FloatArray, S: int) -> FloatArray:
    return np.ascontiguousarray(np.broadcast_to(value, (S,)), dtype=np.float64)


def polish(
    model: ClosedForms,
    d_y: FloatArray,
    tau: FloatArray,
    rows: FloatArray,
    t: FloatArray,
    beta: FloatArray,
    phi: FloatArray,
    nu: FloatArray,
    max_iter: int = 12,
) -> tuple[PolishResult, BoolArray, FloatArray]:
    """Newton's method from a point near the optimum, for every instance of a batch (module docstring).

    Parameters
    ----------
    model : ClosedForms
        The batch's closed forms (built from a sequence of instances: batch axis first).
    d_y, tau : ndarray, shape (S,)
        Rows to place and latency budget per instance.
    rows, t, beta, phi, nu : ndarray
        The start: rows (S, K) (idle nodes at 0), layer times (S, N), prices
        (S, K, N), and ``phi``, ``nu`` (S,), all in SI units.
    max_iter : int
        Newton iterations.

    Returns
    -------
    (point, converged, iterations)
        The last iterate (``point.beta`` is 0 on slack entries but for the
        multipliers of active fixed-exchange bounds), whether its
        largest scaled residual reached :data:`CONVERGED` (or
        :data:`STALLED` where no step reduces it), and the iterations taken
        per instance.

    """
    S, K = rows.shape
    N = t.shape[1]
    c = model.kernel_constants() + (_batch_first(d_y, S), _batch_first(tau, S))
    fixed = c[11]
    floor = 1e-3 * np.broadcast_to(model.beta_cpu, beta.shape)
    u = np.ascontiguousarray(np.log(np.where(beta > 0, beta, floor)))
    active = np.ascontiguousarray(rows > 0)
    lphi, lnu = np.log(np.maximum(phi, 1e-300)), np.log(np.maximum(nu, 1e-300))
    # Fixed-exchange bounds start active where the path's multiplier of the entry that
    # attains them outweighs the bound's slack (complementarity: at the optimum one is 0).
    times = np.where(fixed & ~active[:, :, None], c[10], -np.inf)
    lim, arg = times.max(axis=1), times.argmax(axis=1)
    bw = np.ascontiguousarray(np.take_along_axis(np.where(beta > 0, beta, 0.0), arg[:, None, :], axis=1)[:, 0, :])
    with np.errstate(invalid="ignore"):
        bound = np.isfinite(lim) & ((t - lim) / t < bw / np.maximum(phi, 1e-300)[:, None])
    d, tt = np.array(rows, dtype=np.float64), np.array(t, dtype=np.float64)
    blank = (np.zeros((S, K, N), dtype=bool), np.zeros((S, K, N)), np.zeros(S), np.zeros((S, K, N, 2)))
    out = PolishResult(u, d, tt, lphi, lnu, active, *blank)
    converged = np.zeros(S, dtype=bool)
    iterations = np.zeros(S, dtype=np.int64)
    state = (u, d, tt, lphi, lnu, active, bw, bound)
    outputs = (out.beta, out.slack, out.max_residual, converged, iterations, out.x_link)
    run_batch(_polish_batch, S, c, *state, max_iter, *outputs)
    return out, converged, iterations.astype(np.float64)


__all__ = ["CONVERGED", "PolishResult", "polish"]
