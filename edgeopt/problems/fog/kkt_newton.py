"""Newton's method on the KKT system of the fog problem (31), for a batch: the analytic method's local phase.

:mod:`~edgeopt.problems.fog.barrier` brings every instance of a batch close to
its optimum along the central path; its end point is accurate in energy but
its multipliers are not (they are ``mu / slack`` with the slacks at rounding
level), and the duality-gap certificate needs them to full precision. This
module finishes the job: from that point, Newton's method on the optimality
conditions themselves converges quadratically, in a few iterations, to the
primal point and the multipliers of the decomposition
(:mod:`~edgeopt.problems.fog.decomposition`), with the closed forms of
:class:`~edgeopt.problems.fog.closed_forms.ClosedForms`.

**Unknowns** (per instance): ``u_{k,n} = log beta_{k,n}``, the rows ``d_k``, the
layer times ``t_n``, ``log phi`` and ``log nu`` (``phi > 0`` because some node
computes, so some ``beta > 0``; ``nu > 0`` because it equals a node's marginal
energy).

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

**Complementarity** is handled by two active sets re-chosen at every
iteration: node ``k`` computes while ``d_k > 0`` (a step that would make its
rows negative stops them at 0 and the node leaves), and an idle node joins
when its marginal energy ``g_k`` falls below ``nu``. An idle node's entry ``(k, n)`` is *slack*
(``beta_{k,n} = 0``, no equation ``r1``) when its unpriced exchange time
already fits: ``T_{k,n}(0) <= t_n``.

**Newton step.** The ``r1`` block is diagonal in ``u``: with ``D = dr1/du``,
``P = dr1/de_k`` (``e = d / d_y``) and ``Q = dr1/ds_n`` (``s = t / tau``),
``du = -(r1 + P de + Q ds) / D``. Substituting it into the other equations
leaves a system of order ``K + N + 2`` in ``(de, ds, dlog phi, dlog nu)``,
solved for the whole batch by one stacked ``numpy.linalg.solve``; steps are
backtracked on the squared residual norm.

*Not covered*: a price at or beyond its saturation point (``dT/dbeta = 0``:
a node at full CPU speed and full power, a "wall" of the nested solver).
Such instances are reported as not converged.

Far from the optimum this iteration does not converge reliably (the
residual norm is a poor guide); it is only used from the barrier's end point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgeopt.problems.fog.closed_forms import ClosedForms
from edgeopt.solvers.batch import put_fields, take_batch, take_fields, where_fields

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

CONVERGED = 1e-12  # largest scaled residual at which the iteration stops
STALLED = 1e-10  # a point where no step helps any more counts as converged below this
WALL_SLOPE = 1e-9  # |dr1/dlog beta| is at least this (see _System.evaluate)
START_SWEEPS = 3  # price re-fits of the start point (see _System.refit)
REFIT_BELOW = 1e-6  # no re-fit once every busy time is this close to its layer time


@dataclass
class _Point:
    """One Newton iterate for the whole batch and its residuals and derivatives."""

    u: FloatArray  # (S, K, N) log beta (unused on slack entries)
    d: FloatArray  # (S, K) rows
    t: FloatArray  # (S, N) layer times
    lphi: FloatArray  # (S,) log phi
    lnu: FloatArray  # (S,) log nu
    active: BoolArray  # (S, K) computing nodes
    slack: BoolArray  # (S, K, N) beta = 0
    beta: FloatArray  # (S, K, N) prices, 0 on slack entries
    g: FloatArray  # (S, K) marginal energy of a row
    r1: FloatArray
    r2: FloatArray
    r3: FloatArray
    r4: FloatArray
    r5: FloatArray
    D: FloatArray  # dr1/du (< 0 below saturation; 1 on slack entries)
    P: FloatArray  # dr1/de_k
    Q: FloatArray  # dr1/ds_n
    c3: FloatArray  # (S, K) dr3/dlog phi
    f5: FloatArray  # (S, K) dr5/de_k
    l5: FloatArray  # (S,) dr5/dlog phi

    @property
    def merit(self) -> FloatArray:
        """Squared norm of the scaled residual, per instance."""
        return (
            np.sum(self.r1**2, axis=(1, 2))
            + np.sum(self.r2**2, axis=1)
            + np.sum(self.r3**2, axis=1)
            + self.r4**2
            + self.r5**2
        )

    @property
    def max_residual(self) -> FloatArray:
        return np.maximum.reduce(
            [
                np.max(np.abs(self.r1), axis=(1, 2)),
                np.max(np.abs(self.r2), axis=1),
                np.max(np.abs(self.r3), axis=1),
                np.abs(self.r4),
                np.abs(self.r5),
            ]
        )


class _System:
    """The residual map of the KKT system (module docstring) for a batch."""

    def __init__(self, model: ClosedForms, d_y: FloatArray, tau: FloatArray) -> None:
        self.m = model
        self.d_y = d_y
        self.tau = tau

    def evaluate(
        self,
        u: FloatArray,
        d: FloatArray,
        t: FloatArray,
        lphi: FloatArray,
        lnu: FloatArray,
        active: BoolArray,
    ) -> _Point:
        m = self.m
        d_y, tau = self.d_y[:, None], self.tau[:, None]
        slack = (~active)[:, :, None] & (m.link_t0 <= t[:, None, :])
        beta = np.where(slack, 0.0, np.exp(u))
        ad = m.a * d[:, :, None]
        busy, dbusy, rho, _, _ = m.layer_times(beta, ad)  # slack entries: no local work, beta = 0
        tn = t[:, None, :]
        r1 = np.where(slack, 0.0, busy / tn - 1.0)
        D = np.where(slack, 1.0, beta * dbusy / tn)
        # Beyond its saturation price a node's busy time is flat (a "wall": full CPU
        # speed and power, t_n = T_min). A tiny slope keeps the price an unknown of
        # the reduced system; r1 then acts as the wall constraint with a stiff penalty.
        D = np.where(slack, D, np.minimum(D, -WALL_SLOPE))
        P = np.where(slack, 0.0, m.a * rho * d_y[:, :, None] / tn)
        Q = np.where(slack, 0.0, -tau[:, :, None] * busy / tn**2)
        phi, nu = np.exp(lphi), np.exp(lnu)
        r2 = beta.sum(axis=1) / phi[:, None] - 1.0
        q, xf, dxf = m.frd_price(phi[:, None])
        g = m.row_marginal(q, beta)
        r3 = np.where(active, g / nu[:, None] - 1.0, d / d_y)
        r4 = d.sum(axis=1) / self.d_y - 1.0
        bits = m.frd_bits(d)
        frd_time = np.where(m.frd_mask, bits / (m.B_frd * xf), 0.0)
        r5 = (frd_time.sum(axis=1) + t.sum(axis=1)) / self.tau - 1.0
        # dq/dphi is the FRD time per bit (envelope theorem), so dg_k/dlog phi = phi d_x / (B x_k).
        per_row = np.where(m.frd_mask, m.d_x / (m.B_frd * xf), 0.0)
        c3 = np.where(active, phi[:, None] * per_row / nu[:, None], 0.0)
        f5 = per_row * d_y / tau
        l5 = phi * np.sum(np.where(m.frd_mask, -bits / (m.B_frd * xf**2) * dxf, 0.0), axis=1) / self.tau
        return _Point(u, d, t, lphi, lnu, active, slack, beta, g, r1, r2, r3, r4, r5, D, P, Q, c3, f5, l5)

    def refit(self, pt: _Point, sweeps: int = 1) -> _Point:
        """Scalar Newton sweeps on ``r1`` in ``log beta`` alone, rows and times fixed.

        The busy time is steep in ``log beta`` (``beta^(-1/3)`` and the
        Lambert-W rate), so after a joint step a node with little work can be
        left far from ``r1 = 0``; re-fitting its price keeps the joint
        iteration in the region where its linearisation holds. Wall entries
        (slope at :data:`WALL_SLOPE`) are left to the joint step.
        """
        for _ in range(sweeps):
            if np.max(np.abs(pt.r1), initial=0.0) <= REFIT_BELOW:
                break
            movable = ~pt.slack & (pt.D < -10.0 * WALL_SLOPE)
            step = np.where(movable, np.clip(-pt.r1 / pt.D, -3.0, 3.0), 0.0)
            pt = self.evaluate(pt.u + step, pt.d, pt.t, pt.lphi, pt.lnu, pt.active)
        return pt

    def newton_step(self, pt: _Point) -> tuple[NDArray[Any], ...]:
        """The reduced Newton system (module docstring), solved for the whole batch."""
        S, K, N = pt.d.shape[0], self.m.K, self.m.N
        n = K + N + 2
        priced = ~pt.slack
        nu = np.exp(pt.lnu)[:, None, None]
        phi = np.exp(pt.lphi)[:, None, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            W = np.where(priced, pt.beta / phi / pt.D, 0.0)  # d r2_n / d u_{k,n}, divided by D
            V = np.where(priced, self.m.a * self.m.rho(np.where(priced, pt.beta, 1.0))[0] * pt.beta / nu / pt.D, 0.0)
        M = np.zeros((S, n, n))
        rhs = np.zeros((S, n))
        k_idx, n_idx = np.arange(K), np.arange(N)
        act = pt.active
        # Rows 0..K-1: r3 (row marginals), or d_k = 0 for idle nodes.
        M[:, k_idx, k_idx] = np.where(act, -np.sum(V * pt.P, axis=2), 1.0)
        M[:, :K, K : K + N] = np.where(act[:, :, None], -V * pt.Q, 0.0)
        M[:, :K, K + N] = pt.c3
        M[:, :K, K + N + 1] = np.where(act, -pt.g / nu[:, :, 0], 0.0)
        rhs[:, :K] = -pt.r3 + np.where(act, np.sum(V * pt.r1, axis=2), 0.0)
        # Rows K..K+N-1: r2 (layer balance).
        M[:, K : K + N, :K] = -np.transpose(W * pt.P, (0, 2, 1))
        M[:, K + n_idx, K + n_idx] = -np.sum(W * pt.Q, axis=1)
        M[:, K : K + N, K + N] = -pt.beta.sum(axis=1) / phi[:, :, 0]
        rhs[:, K : K + N] = -pt.r2 + np.sum(W * pt.r1, axis=1)
        # Row K+N: r4 (row sum); row K+N+1: r5 (latency).
        M[:, K + N, :K] = 1.0
        rhs[:, K + N] = -pt.r4
        M[:, K + N + 1, :K] = pt.f5
        M[:, K + N + 1, K : K + N] = 1.0
        M[:, K + N + 1, K + N] = pt.l5
        rhs[:, K + N + 1] = -pt.r5
        ok = np.all(np.isfinite(M), axis=(1, 2)) & np.all(np.isfinite(rhs), axis=1)
        M[~ok] = np.eye(n)
        rhs[~ok] = 0.0
        try:
            z = np.linalg.solve(M, rhs[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            z = np.zeros((S, n))
            for i in range(S):  # only after a singular system: find which instance it was
                try:
                    z[i] = np.linalg.solve(M[i], rhs[i])
                except np.linalg.LinAlgError:
                    ok[i] = False
        de, ds = z[:, :K], z[:, K : K + N]
        with np.errstate(divide="ignore", invalid="ignore"):
            du = np.where(priced, -(pt.r1 + pt.P * de[:, :, None] + pt.Q * ds[:, None, :]) / pt.D, 0.0)
        ok &= np.all(np.isfinite(z), axis=1) & np.all(np.isfinite(du), axis=(1, 2))
        return du, de, ds, np.asarray(z[:, K + N]), np.asarray(z[:, K + N + 1]), np.asarray(ok, dtype=bool)


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
) -> tuple[_Point, BoolArray, FloatArray]:
    """Newton's method from a point near the optimum.

    Parameters
    ----------
    model : ClosedForms
        The batch's closed forms.
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
        The last iterate (``point.beta`` has 0 on slack entries), whether its
        largest scaled residual reached :data:`CONVERGED`, and the iterations
        taken per instance.

    """
    system = _System(model, d_y, tau)
    S = rows.shape[0]
    floor = 1e-3 * np.broadcast_to(model.beta_cpu, beta.shape)
    u = np.log(np.where(beta > 0, beta, floor))
    active = rows > 0
    lphi, lnu = np.log(np.maximum(phi, 1e-300)), np.log(np.maximum(nu, 1e-300))
    pt = system.refit(system.evaluate(u, rows, t, lphi, lnu, active), sweeps=START_SWEEPS)
    out = take_fields(pt, np.ones(S, dtype=bool))
    converged = np.zeros(S, dtype=bool)
    iterations = np.zeros(S)
    idx = np.arange(S)
    for _ in range(max_iter):
        # Active set: a node computes while it has rows, and an idle node joins when
        # its marginal energy falls below nu; a node leaves when a step empties it.
        new_active = pt.d / system.d_y[:, None] > pt.g / np.exp(pt.lnu)[:, None] - 1.0
        if np.any(new_active != pt.active):
            pt = system.evaluate(pt.u, pt.d, pt.t, pt.lphi, pt.lnu, new_active)
        done = pt.max_residual <= CONVERGED
        if done.any():
            converged[idx[done]] = True
            system, pt, idx = _leave(out, system, pt, idx, done)
            if idx.size == 0:
                break
        iterations[idx] += 1
        du, de, ds, dlphi, dlnu, ok = system.newton_step(pt)
        live = ok.astype(bool)
        n = idx.size
        merit0 = pt.merit
        alpha = np.ones(n)
        accepted = ~live
        new = pt
        for _ls in range(20):
            a = alpha[:, None]
            d_new = np.maximum(pt.d + a * system.d_y[:, None] * de, 0.0)
            # An idle node's rows follow de = -d / d_y; at rounding level they are 0.
            d_new = np.where(~pt.active & (d_new <= 1e-12 * system.d_y[:, None]), 0.0, d_new)
            t_new = np.maximum(pt.t + a * system.tau[:, None] * ds, 0.5 * pt.t)
            u_new = pt.u + a[:, :, None] * du
            trial = system.evaluate(u_new, d_new, t_new, pt.lphi + alpha * dlphi, pt.lnu + alpha * dlnu, pt.active)
            trial = system.refit(trial)
            good = ~accepted & np.isfinite(trial.merit) & (trial.merit <= (1.0 - 1e-4 * alpha) * merit0)
            new = where_fields(good, trial, new)
            accepted |= good
            if accepted.all():
                break
            alpha = np.where(accepted, alpha, 0.5 * alpha)
        stuck = ~(live & accepted)
        # No step reduces the residual: rounding level if it is already tiny.
        converged[idx[stuck & (pt.max_residual <= STALLED)]] = True
        pt = where_fields(~stuck, new, pt)
        if stuck.any():
            system, pt, idx = _leave(out, system, pt, idx, stuck)
            if idx.size == 0:
                break
    if idx.size:
        _leave(out, system, pt, idx, np.ones(idx.size, dtype=bool))
    return out, converged, iterations


def _leave(
    out: _Point, system: _System, pt: _Point, idx: NDArray[np.intp], leaving: BoolArray
) -> tuple[_System, _Point, NDArray[np.intp]]:
    """Store the ``leaving`` instances' points in ``out`` and drop them from the batch."""
    put_fields(out, idx[leaving], take_fields(pt, leaving))
    keep = ~leaving
    return take_batch(system, keep, nested=(ClosedForms,)), take_fields(pt, keep), idx[keep]


__all__ = ["polish"]
