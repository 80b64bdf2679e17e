"""Compiled primal-dual path of the fog interior point (paper 004, problem (31)) for the barrier method.

One call of :func:`run_path` runs the whole path of
:func:`edgeopt.problems.fog.barrier._path` for every instance of a batch,
each independently (its own step lengths, line search and iteration count),
in a loop over the instances inside compiled code. The mathematics is that
of the :mod:`~edgeopt.problems.fog.barrier` module docstring, unchanged:

* the scaled variables ``e, T, L, Z, F`` and the slacks of the time-sharing
  (22), CPU-speed (16), link-power (20), latency (23), FRD-power (10) and
  row (4) constraints;
* the Newton step on ``grad E = A^T z`` and ``s z = SIGMA gap / m``, with
  each ``(L, Z_above, Z_below)`` block inverted by Sherman-Morrison and
  ``F`` eliminated, leaving a dense system of order ``K + N + 2`` in
  ``(e, T, lambda_L)`` bordered by the row sum, solved here by LU with
  partial pivoting (:func:`edgeopt.solvers.dense.lu_solve_inplace`);
* the fraction-to-boundary rule ``KEEP``, Armijo backtracking of the primal
  step on the barrier function ``E / E0 - mu sum log s`` (``inf`` outside
  the domain or where the trial point is not finite), an unsearched dual
  step;
* the end test ``gap <= gap_target min(E / E0, z_lat)``.

Why compiled: for one instance at ``K = 20``, ``N = 4`` each iteration of the
numpy version is about a thousand small array operations, ~0.7 ms of Python
and numpy call overhead for ~20 microseconds of arithmetic (issue 15, item 1).
Restructuring into fewer, larger numpy calls cannot remove the per-call cost
of the line search and the dense solve of every iteration; numba with
``cache=True`` removes all of it, and the same loop serves a batch with no
padding or masking of finished instances. ``error_model="numpy"`` gives IEEE
results (``inf``, ``NaN``) for divisions by zero, as the numpy version had:
such trial points are rejected by the finiteness tests.

Inlined helpers: a compiled call that takes arrays increments and decrements
an atomic reference count per array, and ``a.ravel()`` goes through a
reshape helper; in the profile of a batch at ``K = 10``, ``N = 3`` the two
took about a third of the path's time. The small helpers called in every
iteration (dot products, copies, the fraction-to-boundary rule, the barrier's
log-sum and the energy) are therefore inlined at numba's level
(``inline="always"``) and walk their arrays through ``.flat`` (C order, the
order of ``ravel``): the same operations in the same order, so the same bits,
15-30 % faster at K = 20 to 10.

Threads: :func:`run_path` computes each instance from its own entries of the
arrays alone, so :func:`edgeopt.problems.fog.parallel.run_batch` runs it on
contiguous blocks of a batch from several Python threads at once
(``nogil=True``), with the answers of one serial call, bit for bit.

Array conventions (``S`` instances, ``K`` nodes, ``N`` layers, 2 links per
node and layer: above, below): every array is C-contiguous ``float64``
with the batch axis first; absent links and the master's FRD entries are
skipped (their variables and multipliers stay 0).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from edgeopt.solvers.dense import lu_solve_inplace

_jit = njit(cache=True, error_model="numpy", nogil=True)  # IEEE results for x / 0, as numpy gives
_inline = njit(cache=True, error_model="numpy", nogil=True, inline="always")
ARMIJO = 1e-4  # sufficient-decrease constant of the backtracking
BACKTRACKS = 30  # halvings of the primal step before the iteration gives up


@_inline
def _dot(a, b):
    """``sum(a * b)`` over all entries, by an explicit loop (array expressions compile slowly)."""
    x, y = a.flat, b.flat
    acc = 0.0
    for i in range(a.size):
        acc += x[i] * y[i]
    return acc


@_inline
def _total(a):
    """``sum(a)`` of a 1-d array, by an explicit loop."""
    acc = 0.0
    for i in range(a.size):
        acc += a[i]
    return acc


@_inline
def _copy(dst, src):
    """``dst[...] = src`` for C-contiguous arrays of one shape."""
    d, s = dst.flat, src.flat
    for i in range(dst.size):
        d[i] = s[i]


@_inline
def _reciprocal(a):
    """``1 / a`` entrywise, a new C-contiguous array."""
    out = np.empty_like(a)
    x, y = a.flat, out.flat
    for i in range(a.size):
        y[i] = 1.0 / x[i]
    return out


@_inline
def _energy(cl, lk, dl, igm, pc, fr, sg, zt, ifg, fp, tau, e, L, Z, F, y, em, yf, emf):
    """Energy (24) in joules of one instance at scaled point ``(e, L, Z, F)``.

    Also writes the exponents ``y = delta / Z`` (links), ``yf = (sigma e + zeta) / F``
    (FRD) and their ``expm1``: the linearisation at an accepted trial point
    reuses them (``igm``, ``ifg`` are the reciprocal gains).
    """
    K, N = L.shape
    local = 0.0
    for k in range(K):
        e3 = e[k] ** 3
        for n in range(N):
            local += cl[k, n] * e3 / L[k, n] ** 2
    exch = 0.0
    for k in range(K):
        for n in range(N):
            for j in range(2):
                if lk[k, n, j] > 0.0:
                    z = Z[k, n, j]
                    x = dl[k, n, j] / z
                    m = math.expm1(x)
                    y[k, n, j], em[k, n, j] = x, m
                    exch += z * (pc[k, n, j] + m * igm[k, n, j])
    frd = 0.0
    for k in range(K):
        if fr[k] > 0.0:
            x = (sg[k] * e[k] + zt[k]) / F[k]
            m = math.expm1(x)
            yf[k], emf[k] = x, m
            frd += F[k] * (fp[k] + m * ifg[k])
    return local + tau * exch + tau * frd


@_inline
def _log_into(x, prod, logs):
    """Add ``log x`` (``x > 0``) to the running ``(prod, logs)`` of :func:`_log_sum`; returns the new pair."""
    if 1e-100 < x < 1e100:
        prod *= x
        if not 1e-100 < prod < 1e100:
            logs += math.log(prod)
            prod = 1.0
    else:
        logs += math.log(x)
    return prod, logs


@_inline
def _log_sum(cc, lk, zm, fr, sg, zt, fx, free, e, T, L, Z, F):
    """``sum log(slacks)`` of one instance, or ``-inf`` if a slack is not positive.

    The slacks are multiplied in chunks kept within ``[1e-100, 1e100]`` and
    one logarithm taken per chunk: the same sum to rounding, with a tenth of
    the logarithms (they are most of the cost of a line-search trial).
    """
    K, N = L.shape
    logs, prod = 0.0, 1.0
    for k in range(K):
        for n in range(N):
            st = T[n] - L[k, n] - (Z[k, n, 0] + Z[k, n, 1])
            sc = L[k, n] - cc[k, n] * e[k]
            if not (st > 0.0 and sc > 0.0):
                return -np.inf
            prod, logs = _log_into(st, prod, logs)
            prod, logs = _log_into(sc, prod, logs)
            for j in range(2):
                if lk[k, n, j] > 0.0:
                    x = Z[k, n, j] - zm[k, n, j]
                    if not x > 0.0:
                        return -np.inf
                    prod, logs = _log_into(x, prod, logs)
    for k in range(K):
        if fr[k] > 0.0:
            x = F[k] - (sg[k] * e[k] + zt[k]) / fx[k]
            if not x > 0.0:
                return -np.inf
            prod, logs = _log_into(x, prod, logs)
        if free:
            x = e[k]
            if not x > 0.0:
                return -np.inf
            prod, logs = _log_into(x, prod, logs)
    sl = 1.0 - _total(F) - _total(T)
    if not sl > 0.0:
        return -np.inf
    return logs + math.log(prod) + math.log(sl)


@_inline
def _slacks(cc, lk, zm, fr, sg, zt, fx, free, e, T, L, Z, F, st, sc, sp, sf, se):
    """Write the slacks of one instance into ``st, sc, sp, sf, se`` (1 where absent); return the latency slack."""
    K, N = L.shape
    for k in range(K):
        for n in range(N):
            st[k, n] = T[n] - L[k, n] - (Z[k, n, 0] + Z[k, n, 1])
            sc[k, n] = L[k, n] - cc[k, n] * e[k]
            for j in range(2):
                sp[k, n, j] = Z[k, n, j] - zm[k, n, j] if lk[k, n, j] > 0.0 else 1.0
        sf[k] = F[k] - (sg[k] * e[k] + zt[k]) / fx[k] if fr[k] > 0.0 else 1.0
        se[k] = e[k] if free else 1.0
    return 1.0 - _total(F) - _total(T)


@_jit
def _solve_bordered(M, b, K, S_mat, S_rhs):
    """Solve the path's Newton system ``M x = b`` in place (``b`` becomes ``x``); False if it is singular.

    ``M`` is that of the barrier module docstring, in the order
    ``(e, T, lambda_L, lambda_nu)``: its ``e`` block is diagonal (the
    Sherman-Morrison reduction leaves no coupling between nodes) and
    positive (a diagonal of the reduced Hessian, ``1`` for fixed rows), so
    ``e`` is eliminated first, as a block Cholesky step, leaving the Schur
    complement of order ``N + 2`` for LU with partial pivoting. Where a
    diagonal entry is not positive and finite, or an entry is not finite,
    the whole system goes to :func:`edgeopt.solvers.dense.lu_solve_inplace` (or is reported singular).
    Only the entries that can be nonzero are tested for finiteness: the ``e``
    block's diagonal, its two borders and the trailing block of order
    ``N + 2``; :func:`_instance` writes zeros everywhere else before each
    system, and zeros are finite.
    """
    n = M.shape[0]
    m = n - K
    for i in range(n):
        if not np.isfinite(b[i]):
            return False
    for k in range(K):
        if not np.isfinite(M[k, k]):
            return False
        for q in range(K, n):
            if not (np.isfinite(M[k, q]) and np.isfinite(M[q, k])):
                return False
    for p in range(K, n):
        for q in range(K, n):
            if not np.isfinite(M[p, q]):
                return False
    for k in range(K):
        if not M[k, k] > 0.0:
            return lu_solve_inplace(M, b)
    for p in range(m):
        for q in range(m):
            S_mat[p, q] = M[K + p, K + q]
        S_rhs[p] = b[K + p]
    for k in range(K):
        inv = 1.0 / M[k, k]
        bk = b[k] * inv
        for p in range(m):
            l_pk = M[K + p, k]
            if l_pk != 0.0:
                f = l_pk * inv
                for q in range(m):
                    S_mat[p, q] -= f * M[k, K + q]
                S_rhs[p] -= l_pk * bk
    if not lu_solve_inplace(S_mat, S_rhs):
        return False
    for p in range(m):
        b[K + p] = S_rhs[p]
    for k in range(K):
        acc = b[k]
        for q in range(m):
            acc -= M[k, K + q] * S_rhs[q]
        b[k] = acc / M[k, k]
    return True


@_inline
def _to_boundary(x, dx, alpha, keep):
    """``min(alpha, keep * min(-x / dx over dx < 0))`` over the entries of ``x`` (NaN if a ratio is NaN)."""
    xs, ds = x.flat, dx.flat
    for i in range(x.size):
        if ds[i] < 0.0:
            r = keep * (-xs[i] / ds[i])
            if r != r:
                return np.nan
            if r < alpha:
                alpha = r
    return alpha


@_jit
def _instance(
    s, c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
    m_bar, row_free, E0, e_, T_, L_, Z_, F_, zt_, zc_, zp_, zl_, zf_, ze_,
    max_iter, gap_target, centring, keep, nu, converged, iterations,
):  # fmt: skip
    """The path of instance ``s`` from the point and multipliers in the arrays, written back in place."""
    cl, cc, lk, dl, zm, gm, pcs = c_local[s], c_cpu[s], link[s], delta[s], z_min[s], gamma[s], pc[s]
    fr, sg, zt, fg, fp, fx = frd[s], sigma[s], zeta[s], f_gamma[s], f_pc[s], f_xmax[s]
    ts, free, E0s, mbar = tau[s], row_free[s], E0[s], m_bar[s]
    e, T, L, Z, F = e_[s], T_[s], L_[s], Z_[s], F_[s]
    z_t, z_c, z_p, z_f, z_e = zt_[s], zc_[s], zp_[s], zf_[s], ze_[s]
    z_l = zl_[s]
    K, N = L.shape
    n_sys = K + N + 2
    # Scratch of one instance: slacks, their inverses, the reduced blocks, the step.
    st, sc, it, ic = np.empty((K, N)), np.empty((K, N)), np.empty((K, N)), np.empty((K, N))
    sp, ip = np.empty((K, N, 2)), np.empty((K, N, 2))
    sf, se, jf, ie = np.empty(K), np.empty(K), np.empty(K), np.empty(K)
    f_L, f_e, q_l, iden = np.empty((K, N)), np.empty((K, N)), np.empty((K, N)), np.empty((K, N))
    w_t, h_le, s1 = np.empty((K, N)), np.empty((K, N)), np.empty((K, N))
    g_Zf, q_z = np.empty((K, N, 2)), np.empty((K, N, 2))
    fr_e, fr_F, h_ef, h_ff = np.empty(K), np.empty(K), np.empty(K), np.empty(K)
    g_L, g_e, g_T, g_F = np.empty((K, N)), np.empty(K), np.empty(N), np.empty(K)
    g_Z = np.empty((K, N, 2))
    qg = np.empty((K, N))
    M, rhs = np.empty((n_sys, n_sys)), np.empty(n_sys)
    S_mat, S_rhs = np.empty((N + 2, N + 2)), np.empty(N + 2)
    de, dT, dL, dZ, dF = np.empty(K), np.empty(N), np.empty((K, N)), np.empty((K, N, 2)), np.empty(K)
    dst, dsc, dsp, dsf, dse = np.empty((K, N)), np.empty((K, N)), np.empty((K, N, 2)), np.empty(K), np.empty(K)
    dzt, dzc, dzp, dzf, dze = np.empty((K, N)), np.empty((K, N)), np.empty((K, N, 2)), np.empty(K), np.empty(K)
    te, tT, tL, tZ, tF = np.empty(K), np.empty(N), np.empty((K, N)), np.empty((K, N, 2)), np.empty(K)
    ratio_f, ifg = np.empty(K), np.empty(K)
    for k in range(K):
        ratio_f[k] = sg[k] / fx[k]
        ifg[k] = 1.0 / fg[k]
    igm = _reciprocal(gm)
    # Exponents and their expm1 at the current point (c_) and at the trial point (t_).
    c_y, c_em, c_yf, c_emf = np.zeros((K, N, 2)), np.zeros((K, N, 2)), np.zeros(K), np.zeros(K)
    t_y, t_em, t_yf, t_emf = np.zeros((K, N, 2)), np.zeros((K, N, 2)), np.zeros(K), np.zeros(K)
    nu_cur = 0.0
    # Energy and log-barrier sum of the current point: those of the last accepted trial.
    energy = _energy(cl, lk, dl, igm, pcs, fr, sg, zt, ifg, fp, ts, e, L, Z, F, c_y, c_em, c_yf, c_emf)
    logs = _log_sum(cc, lk, zm, fr, sg, zt, fx, free, e, T, L, Z, F)
    scale = 1.0 / E0s
    cx = ts * scale
    for _ in range(max_iter):
        sl = _slacks(cc, lk, zm, fr, sg, zt, fx, free, e, T, L, Z, F, st, sc, sp, sf, se)
        gap = _dot(z_t, st) + _dot(z_c, sc) + _dot(z_p, sp) + z_l * sl + _dot(z_f, sf) + _dot(z_e, se)
        lim = energy / E0s
        if z_l < lim or z_l != z_l:
            lim = z_l  # np.minimum: NaN propagates
        if gap <= gap_target * lim:
            converged[s] = True
            nu[s] = nu_cur
            break
        iterations[s] += 1
        mu = centring * gap / mbar
        # -- linearisation: Hessian of E / E0 plus A^T (z / s) A, reduced (barrier module docstring).
        il = 1.0 / sl
        w_l = z_l * il
        ok = True
        for k in range(K):
            jf[k] = 1.0 / sf[k] if fr[k] > 0.0 else 0.0
            ie[k] = 1.0 / se[k] if free else 0.0
            for n in range(N):
                it[k, n] = 1.0 / st[k, n]
                ic[k, n] = 1.0 / sc[k, n]
                for j in range(2):
                    ip[k, n, j] = 1.0 / sp[k, n, j] if lk[k, n, j] > 0.0 else 0.0
        for i in range(n_sys):
            rhs[i] = 0.0
            for j in range(n_sys):
                M[i, j] = 0.0
        for k in range(K):
            # FRD tau F (pc + expm1((sigma e + zeta) / F) / gamma_f), per E0.
            if fr[k] > 0.0:
                iF = 1.0 / F[k]
                yf, em1 = c_yf[k], c_emf[k]
                ex = em1 + 1.0
                eyf = ex * cx * ifg[k]
                fr_e[k] = sg[k] * eyf
                fr_F[k] = cx * fp[k] + (em1 - yf * ex) * cx * ifg[k]
                fr_ee = sg[k] ** 2 * eyf * iF
                fr_eF = -sg[k] * yf * eyf * iF
                fr_FF = yf**2 * eyf * iF
                w_f = z_f[k] * jf[k]
                h_ff[k] = fr_FF + w_f
                h_ef[k] = fr_eF - ratio_f[k] * w_f
                h_fr = fr_ee + ratio_f[k] ** 2 * w_f
            else:
                fr_e[k], fr_F[k] = 0.0, 0.0
                h_ff[k], h_ef[k], h_fr = 1.0, 0.0, 0.0  # 1 pins the master's (absent) F
            ek = e[k]
            h_ee = 0.0
            for n in range(N):
                # Local energy c e^3 / L^2 (per E0) and its derivatives.
                clk = cl[k, n] * scale
                iL = 1.0 / L[k, n]
                r = ek * iL
                f_L[k, n] = -2.0 * clk * r**3
                f_LL = 6.0 * clk * r**3 * iL
                f_e[k, n] = 3.0 * clk * r**2
                f_ee = 6.0 * clk * r * iL
                f_eL = -6.0 * clk * r**2 * iL
                w_c = z_c[k, n] * ic[k, n]
                wt = z_t[k, n] * it[k, n]
                w_t[k, n] = wt
                ql = 1.0 / (f_LL + w_c)
                q_l[k, n] = ql
                acc = ql
                for j in range(2):
                    if lk[k, n, j] > 0.0:
                        # Exchange tau Z (pc + expm1(delta / Z) / gamma), per E0.
                        y, em1 = c_y[k, n, j], c_em[k, n, j]
                        ey = em1 + 1.0
                        g_Zf[k, n, j] = cx * (pcs[k, n, j] + (em1 - y * ey) * igm[k, n, j])
                        h_Z = cx * y**2 * ey * igm[k, n, j] / Z[k, n, j]
                        q = 1.0 / (h_Z + z_p[k, n, j] * ip[k, n, j])
                        q_z[k, n, j] = q
                        acc += q
                    else:
                        g_Zf[k, n, j], q_z[k, n, j] = 0.0, 0.0
                s1[k, n] = acc
                idn = 1.0 / (1.0 + wt * acc)
                iden[k, n] = idn
                hle = f_eL - cc[k, n] * w_c
                h_le[k, n] = hle
                h_ee += f_ee + cc[k, n] ** 2 * w_c - hle**2 * (ql - wt * ql**2 * idn)
                M[k, K + n] = hle * wt * ql * idn
                M[K + n, k] = M[k, K + n]
            h_ee = h_ee + h_fr + z_e[k] * ie[k]
            M[k, k] = h_ee - h_ef[k] ** 2 / h_ff[k]
            e_l = -h_ef[k] / h_ff[k] if fr[k] > 0.0 else 0.0
            M[k, K + N] = e_l
            M[K + N, k] = e_l
            M[k, K + N + 1] = 1.0
            M[K + N + 1, k] = 1.0
        for n in range(N):
            acc = 0.0
            for k in range(K):
                acc += w_t[k, n] - w_t[k, n] ** 2 * s1[k, n] * iden[k, n]
            M[K + n, K + n] = acc
            M[K + n, K + N] = 1.0
            M[K + N, K + n] = 1.0
        acc = 0.0
        for k in range(K):
            if fr[k] > 0.0:
                acc += 1.0 / h_ff[k]
        M[K + N, K + N] = -acc - 1.0 / w_l
        if not free:  # rows held fixed: de = 0 and no row-sum multiplier
            for i in range(n_sys):
                for k in range(K):
                    M[k, i] = 0.0
                    M[i, k] = 0.0
                M[K + N + 1, i] = 0.0
                M[i, K + N + 1] = 0.0
            for k in range(K):
                M[k, k] = 1.0
            M[K + N + 1, K + N + 1] = 1.0
        # -- right-hand side: the gradient of E / E0 - mu sum log(s), reduced as the matrix.
        mu_l = mu * il
        for n in range(N):
            g_T[n] = 0.0
        rhs_lat = 0.0
        for k in range(K):
            g_F[k] = fr_F[k] - mu * jf[k] + mu_l if fr[k] > 0.0 else 0.0
            sum_fe = 0.0
            red = 0.0
            for n in range(N):
                sum_fe += f_e[k, n] + cc[k, n] * mu * ic[k, n]
                gl = f_L[k, n] + mu * it[k, n] - mu * ic[k, n]
                g_L[k, n] = gl
                g_T[n] += mu * it[k, n]
                qv = q_l[k, n] * gl
                for j in range(2):
                    if lk[k, n, j] > 0.0:
                        gz = g_Zf[k, n, j] + mu * it[k, n] - mu * ip[k, n, j]
                    else:
                        gz = 0.0
                    g_Z[k, n, j] = gz
                    qv += q_z[k, n, j] * gz
                qg[k, n] = qv
                red += h_le[k, n] * (q_l[k, n] * gl - w_t[k, n] * q_l[k, n] * qv * iden[k, n])
            g_e[k] = sum_fe + fr_e[k] + ratio_f[k] * mu * jf[k] - mu * ie[k]
            rhs_F = -g_F[k]
            rhs[k] = (-g_e[k] + red - h_ef[k] * rhs_F / h_ff[k]) if free else 0.0
            if fr[k] > 0.0:
                rhs_lat -= rhs_F / h_ff[k]
        for n in range(N):
            g_T[n] = -g_T[n] + mu_l
            acc = -g_T[n]
            for k in range(K):
                acc -= w_t[k, n] * qg[k, n] * iden[k, n]
            rhs[K + n] = acc
        rhs[K + N] = rhs_lat
        rhs[K + N + 1] = 0.0
        ok = _solve_bordered(M, rhs, K, S_mat, S_rhs)
        if not ok:
            for i in range(n_sys):
                rhs[i] = 0.0
        for i in range(n_sys):
            if not np.isfinite(rhs[i]):
                ok = False
        # -- back-substitution for F and the (L, Z) blocks.
        lam = rhs[K + N]
        for n in range(N):
            dT[n] = rhs[K + n]
        for k in range(K):
            de[k] = rhs[k]
            dF[k] = (-g_F[k] - h_ef[k] * de[k] - lam) / h_ff[k] if fr[k] > 0.0 else 0.0
            for n in range(N):
                wt = w_t[k, n]
                v_L = g_L[k, n] + h_le[k, n] * de[k] - wt * dT[n]
                qv = q_l[k, n] * v_L
                vz0 = g_Z[k, n, 0] - wt * dT[n] if lk[k, n, 0] > 0.0 else 0.0
                vz1 = g_Z[k, n, 1] - wt * dT[n] if lk[k, n, 1] > 0.0 else 0.0
                qv += q_z[k, n, 0] * vz0 + q_z[k, n, 1] * vz1
                c = wt * qv * iden[k, n]
                dL[k, n] = -(q_l[k, n] * v_L - wt * q_l[k, n] * qv * iden[k, n])
                dZ[k, n, 0] = -(q_z[k, n, 0] * vz0 - c * q_z[k, n, 0])
                dZ[k, n, 1] = -(q_z[k, n, 1] * vz1 - c * q_z[k, n, 1])
        nu_cur = -rhs[K + N + 1]
        # -- slack and multiplier steps, and the step lengths.
        dsl = -_total(dF) - _total(dT)
        for k in range(K):
            for n in range(N):
                dst[k, n] = dT[n] - dL[k, n] - (dZ[k, n, 0] + dZ[k, n, 1])
                dsc[k, n] = dL[k, n] - cc[k, n] * de[k]
                for j in range(2):
                    dsp[k, n, j] = dZ[k, n, j] if lk[k, n, j] > 0.0 else 0.0
            dsf[k] = dF[k] - ratio_f[k] * de[k] if fr[k] > 0.0 else 0.0
            dse[k] = de[k] if free else 0.0
        for k in range(K):
            for n in range(N):
                dzt[k, n] = mu * it[k, n] - z_t[k, n] - z_t[k, n] * it[k, n] * dst[k, n]
                dzc[k, n] = mu * ic[k, n] - z_c[k, n] - z_c[k, n] * ic[k, n] * dsc[k, n]
                for j in range(2):
                    if lk[k, n, j] > 0.0:
                        dzp[k, n, j] = mu * ip[k, n, j] - z_p[k, n, j] - z_p[k, n, j] * ip[k, n, j] * dsp[k, n, j]
                    else:
                        dzp[k, n, j] = 0.0
            dzf[k] = mu * jf[k] - z_f[k] - z_f[k] * jf[k] * dsf[k] if fr[k] > 0.0 else 0.0
            dze[k] = mu * ie[k] - z_e[k] - z_e[k] * ie[k] * dse[k] if free else 0.0
        dzl = mu * il - z_l - z_l * il * dsl
        a_p, a_d = 0.0, 0.0
        if ok:
            a_p = 1.0
            a_p = _to_boundary(st, dst, a_p, keep)
            a_p = _to_boundary(sc, dsc, a_p, keep)
            a_p = _to_boundary(sp, dsp, a_p, keep)
            if dsl < 0.0:
                a_p = min(a_p, keep * (-sl / dsl)) if a_p == a_p else a_p
            a_p = _to_boundary(sf, dsf, a_p, keep)
            a_p = _to_boundary(se, dse, a_p, keep)
            a_d = 1.0
            a_d = _to_boundary(z_t, dzt, a_d, keep)
            a_d = _to_boundary(z_c, dzc, a_d, keep)
            a_d = _to_boundary(z_p, dzp, a_d, keep)
            if dzl < 0.0:
                a_d = min(a_d, keep * (-z_l / dzl)) if a_d == a_d else a_d
            a_d = _to_boundary(z_f, dzf, a_d, keep)
            a_d = _to_boundary(z_e, dze, a_d, keep)
        # -- Armijo backtracking of the primal step on the barrier function; the dual step is not searched.
        accepted = not ok
        if ok:
            phi0 = energy / E0s - mu * logs  # the barrier function at the current point
            slope = _dot(g_e, de) + _dot(g_T, dT) + _dot(g_L, dL) + _dot(g_Z, dZ) + _dot(g_F, dF)
            for _ls in range(BACKTRACKS):
                for k in range(K):
                    te[k] = e[k] + a_p * de[k]
                    tF[k] = F[k] + a_p * dF[k]
                    for n in range(N):
                        tL[k, n] = L[k, n] + a_p * dL[k, n]
                        tZ[k, n, 0] = Z[k, n, 0] + a_p * dZ[k, n, 0]
                        tZ[k, n, 1] = Z[k, n, 1] + a_p * dZ[k, n, 1]
                for n in range(N):
                    tT[n] = T[n] + a_p * dT[n]
                # The barrier function at the trial point: inf outside the domain.
                t_logs = _log_sum(cc, lk, zm, fr, sg, zt, fx, free, te, tT, tL, tZ, tF)
                if t_logs == -np.inf:
                    a_p = 0.5 * a_p
                    continue
                t_energy = _energy(
                    cl, lk, dl, igm, pcs, fr, sg, zt, ifg, fp, ts, te, tL, tZ, tF, t_y, t_em, t_yf, t_emf
                )
                val = t_energy / E0s - mu * t_logs
                if np.isfinite(val) and val <= phi0 + ARMIJO * a_p * min(slope, 0.0):
                    energy, logs = t_energy, t_logs
                    c_y, t_y, c_em, t_em = t_y, c_y, t_em, c_em
                    c_yf, t_yf, c_emf, t_emf = t_yf, c_yf, t_emf, c_emf
                    _copy(e, te)
                    _copy(T, tT)
                    _copy(L, tL)
                    _copy(Z, tZ)
                    _copy(F, tF)
                    accepted = True
                    break
                a_p = 0.5 * a_p
        for k in range(K):
            z_f[k] += a_d * dzf[k]
            z_e[k] += a_d * dze[k]
            for n in range(N):
                z_t[k, n] += a_d * dzt[k, n]
                z_c[k, n] += a_d * dzc[k, n]
                z_p[k, n, 0] += a_d * dzp[k, n, 0]
                z_p[k, n, 1] += a_d * dzp[k, n, 1]
        z_l += a_d * dzl
        zl_[s] = z_l
        if not (ok and accepted):  # no usable step: the instance ends unconverged
            break
    zl_[s] = z_l


@_jit
def _cold_start(
    s, c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
    m_bar, row_free, E0, e_, T_, L_, Z_, F_, zt_, zc_, zp_, zl_, zf_, ze_, run, mu_start,
):  # fmt: skip
    """Start multipliers ``z = MU_START / (m s)`` and the energy scale ``E0`` (1 where the start failed)."""
    K, N = c_local.shape[1], c_local.shape[2]
    e, T, L, Z, F = e_[s], T_[s], L_[s], Z_[s], F_[s]
    lk, fr, free = link[s], frd[s], row_free[s]
    st, sc, sp = np.empty((K, N)), np.empty((K, N)), np.empty((K, N, 2))
    sf, se = np.empty(K), np.empty(K)
    sl = _slacks(c_cpu[s], lk, z_min[s], fr, sigma[s], zeta[s], f_xmax[s], free, e, T, L, Z, F, st, sc, sp, sf, se)
    mu0 = mu_start / m_bar[s]
    for k in range(K):
        for n in range(N):
            zt_[s, k, n] = mu0 / st[k, n]
            zc_[s, k, n] = mu0 / sc[k, n]
            for j in range(2):
                zp_[s, k, n, j] = mu0 / sp[k, n, j] if lk[k, n, j] > 0.0 else 0.0
        zf_[s, k] = mu0 / sf[k] if fr[k] > 0.0 else 0.0
        ze_[s, k] = mu0 / se[k] if free else 0.0
    zl_[s] = mu0 / sl
    if run[s]:
        y, em = np.zeros((K, N, 2)), np.zeros((K, N, 2))
        E0[s] = _energy(
            c_local[s], lk, delta[s], _reciprocal(gamma[s]), pc[s], fr, sigma[s], zeta[s], _reciprocal(f_gamma[s]),
            f_pc[s], tau[s], e, L, Z, F, y, em, sf, se,
        )  # fmt: skip
    else:
        E0[s] = 1.0


@_jit
def _one(
    s, c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
    m_bar, row_free, E0, e, T, L, Z, F, zt, zc, zp, zl, zf, ze,
    run, cold, max_iter, gap_target, centring, mu_start, keep, nu, converged, iterations,
):  # fmt: skip
    """Cold start (if ``cold``) and path of instance ``s``: the loop body of both entry points."""
    if cold:
        _cold_start(
            s, c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
            m_bar, row_free, E0, e, T, L, Z, F, zt, zc, zp, zl, zf, ze, run, mu_start,
        )  # fmt: skip
    if run[s]:
        _instance(
            s, c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
            m_bar, row_free, E0, e, T, L, Z, F, zt, zc, zp, zl, zf, ze,
            max_iter, gap_target, centring, keep, nu, converged, iterations,
        )  # fmt: skip


@_jit
def run_path(
    c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
    m_bar, row_free, E0, e, T, L, Z, F, zt, zc, zp, zl, zf, ze,
    run, cold, max_iter, gap_target, centring, mu_start, keep, nu, converged, iterations,
):  # fmt: skip
    """Run the path for the instances ``run`` of a batch, in place; each instance independently.

    Parameters
    ----------
    c_local, c_cpu : ndarray, shape (S, K, N)
        Local-energy constant (J at ``e = L = 1``) and CPU bound ``L >= c_cpu e`` (16).
    link, delta, z_min, gamma, pc : ndarray, shape (S, K, N, 2)
        1 where the link exists; ``D / (B tau)``; the power-cap floor of ``Z`` (20);
        link gain over ``N0 B``; circuit power.
    tau : ndarray, shape (S,)
        Latency budgets (s).
    frd, sigma, zeta, f_gamma, f_pc, f_xmax : ndarray, shape (S, K)
        1 for nodes other than the master; FRD bits per row and fixed, over ``B tau``;
        FRD gain over ``N0 B``; the master's circuit power; spectral efficiency at full power (10).
    m_bar : ndarray, shape (S,)
        Number of inequality constraints (complementarity pairs).
    row_free : ndarray of bool, shape (S,)
        False where the rows are held fixed.
    E0 : ndarray, shape (S,)
        Energy scale; written here on a cold start.
    e, T, L, Z, F : ndarray
        Start point, ``(S, K), (S, N), (S, K, N), (S, K, N, 2), (S, K)``; overwritten by the end point.
    zt, zc, zp, zl, zf, ze : ndarray
        Multipliers of the time-sharing, CPU, link-power, latency, FRD-power and row constraints;
        written on a cold start, else the warm start; overwritten by the end multipliers.
    run : ndarray of bool, shape (S,)
        Instances to iterate (the others keep their start, unconverged).
    cold : bool
        Compute ``E0`` and the start multipliers ``z = mu_start / (m s)`` first.
    max_iter : int
        Iterations per instance.
    gap_target, centring, mu_start, keep : float
        End test's relative gap, ``SIGMA``, ``MU_START``, ``KEEP`` of :mod:`~edgeopt.problems.fog.barrier`.
    nu, converged, iterations : ndarray, shape (S,)
        Written: the row price ``dE/de / E0`` at the end (0 where not converged),
        convergence and the iterations taken.

    """
    for s in range(e.shape[0]):
        _one(
            s, c_local, c_cpu, link, delta, z_min, gamma, pc, tau, frd, sigma, zeta, f_gamma, f_pc, f_xmax,
            m_bar, row_free, E0, e, T, L, Z, F, zt, zc, zp, zl, zf, ze,
            run, cold, max_iter, gap_target, centring, mu_start, keep, nu, converged, iterations,
        )  # fmt: skip


__all__ = ["run_path"]
