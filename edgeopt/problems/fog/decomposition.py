"""The nested primal-dual decomposition of the fog problem (paper 004): ``method="decomposition"``.

The paper's decomposition (32)-(33) solved exactly. The default
``"analytic"`` method (:mod:`~edgeopt.problems.fog.barrier`, a batched
interior point and KKT Newton) hands the instances it cannot certify to
:func:`solve` here; the closed forms of the internal problems (eqs.
(34)-(40)) are :class:`~edgeopt.problems.fog.closed_forms.ClosedForms`,
whose docstring holds their derivation and the notation used below.

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
  inner Newton matrix, safeguarded by a bracket
  (:func:`edgeopt.solvers.scalar.newton_bracket_step`);
* *inner*, at fixed ``phi``: the convex problem in ``(d, t)`` (class
  ``_Inner``) by a damped Newton method with Armijo steps on its value; the
  ``beta`` are found by a vectorised safeguarded Newton in ``log beta``
  (:meth:`~edgeopt.problems.fog.closed_forms.ClosedForms.beta_roots`) and
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
A point is returned as optimal only when
:func:`edgeopt.problems.fog.certificate.certified_solution` certifies it (KKT
residuals and duality gap below 1e-9).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import failed, infeasible
from edgeopt.core.solution import Solution
from edgeopt.problems.fog.certificate import certified_solution
from edgeopt.problems.fog.closed_forms import ClosedForms, primal_point
from edgeopt.problems.fog.min_latency import (
    initial_rows,
    latency_at_full_speed,
    min_layer_times,
    minimum_latency,
)
from edgeopt.problems.fog.model import FogParams
from edgeopt.solvers.scalar import newton_bracket_step

FloatArray = NDArray[np.float64]

#: Default relative accuracy of every KKT equation at which a solve stops.
TOL = 1e-13
#: Default Newton iterations (outer, and inner per outer step) before ``Status.FAILED``.
MAX_ITER = 200


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

    def __init__(self, model: ClosedForms, fixed_rows: FloatArray | None) -> None:
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
                if np.all(t >= min_layer_times(m, d) * (1.0 - 1e-12)):
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


def solve(p: FogParams, *, tol: float = TOL, max_iter: int = MAX_ITER, progress: bool = False) -> Solution:
    """Solve problem (31) to optimality (see the module docstring): ``method="decomposition"``.

    Parameters
    ----------
    p : FogParams
        The instance.
    tol : float
        Stop when every KKT equation holds to ``tol`` relative.
    max_iter : int
        Newton iterations before giving up with ``Status.FAILED``.
    progress : bool
        Show a tqdm bar over the outer iterations (near the minimum latency a
        solve can take seconds).

    Returns
    -------
    Solution
        ``x`` as listed in :data:`edgeopt.problems.fog.model.VARIABLES`;
        ``duals`` holds ``latency`` (phi, W), ``rows`` (nu, J/row) and
        ``layer_time`` (beta, shape (K, N), W); ``extras["duality_gap"]`` the
        certificate. ``OPTIMAL`` only when
        :func:`~edgeopt.problems.fog.certificate.certified_solution` certifies
        the point; ``INFEASIBLE`` (with the minimum latency) when no split of
        the rows meets ``tau``.

    """
    return _solve(p, None, tol, max_iter, progress)


def solve_fixed_rows(p: FogParams, rows: FloatArray, *, tol: float = TOL, max_iter: int = MAX_ITER) -> Solution:
    """Keep ``rows`` and optimise everything else (the NoOptDist baseline, integer rounding).

    Parameters
    ----------
    p : FogParams
        The instance.
    rows : array_like, shape (K,)
        Non-negative rows summing to ``d_y``.
    tol, max_iter
        As in :func:`solve`.

    Returns
    -------
    Solution
        As :func:`solve`; the duality gap is against the dual function of the
        sub-problem with these rows, so ``OPTIMAL`` means optimal for them.

    Raises
    ------
    InvalidParameterError
        If ``rows`` has the wrong shape, a negative entry or does not sum to ``d_y``.

    """
    return _solve(p, rows, tol, max_iter)


def _solve(p: FogParams, fixed_rows: FloatArray | None, tol: float, max_iter: int, progress: bool = False) -> Solution:
    """:func:`solve` (``fixed_rows`` None) or :func:`solve_fixed_rows`."""
    start = time.perf_counter()
    model = ClosedForms(p)
    if fixed_rows is not None:
        d = validate.array("fixed_rows", fixed_rows, allow_zero=True).copy()
        if d.shape != (p.K,) or np.any(d < 0) or not math.isclose(d.sum(), p.d_y, rel_tol=1e-12):
            raise InvalidParameterError(f"fixed_rows must be {p.K} non-negative rows summing to d_y={p.d_y}, got {d}")
        tau_min = latency_at_full_speed(model, d)
    else:
        d = initial_rows(p)
        tau_min = latency_at_full_speed(model, d)
        if tau_min >= p.tau:
            tau_min, d = minimum_latency(p)
            d = np.maximum(d, 1e-9 * p.d_y) if tau_min < p.tau else d
            d *= p.d_y / d.sum()
            tau_min = min(tau_min, latency_at_full_speed(model, d))
    if tau_min >= p.tau * (1.0 - 1e-12):
        what = "with these rows" if fixed_rows is not None else "with the best split of rows"
        return infeasible(
            f"latency budget tau = {p.tau:.6g} s is below the {tau_min:.6g} s needed {what} "
            "at maximum CPU speed and transmit power (eq. (23) cannot hold)",
            minimum_latency_s=tau_min,
        )
    # Start: spread the slack over layers in proportion to their minimum times.
    tmin = min_layer_times(model, d)
    t = tmin + 0.5 * (p.tau - tau_min) * tmin / tmin.sum()
    inner = _Inner(model, None if fixed_rows is None else d)
    beta0 = model.beta_roots(d, t, None)
    phi = float(np.mean(beta0.sum(axis=0)))
    pt = inner.evaluate(phi, d, t, beta0)
    # Outer: the latency L(phi) of the inner optimum decreases with phi; solve
    # L(phi) = tau by Newton in phi, safeguarded by a bracket (geometric
    # bisection, or a tenfold move while one side is unknown): the shared
    # safeguard step, in a loop that re-solves the inner problem between steps.
    lo, hi = 0.0, math.inf  # L(lo) > tau > L(hi)
    iterations = 0
    converged = False
    bar = tqdm(total=max_iter, desc="decomposition (fog)", unit="outer", disable=not progress, leave=False)
    for _ in range(max_iter):
        bar.update(1)
        pt, used = inner.minimise(phi, pt, tol, max_iter)
        iterations += used + 1
        latency = float(pt.frd_time.sum() + pt.t.sum())
        gap = latency - p.tau
        if abs(gap) <= tol * p.tau and inner.optimality(pt, phi) <= 1e3 * tol:
            converged = True
            break
        slope, dt_dphi = inner.phi_response(pt)
        step = newton_bracket_step(
            phi, gap, slope, lo, hi, increasing=False, fallback="geometric", expand=10.0, check_slope=True
        )
        lo, hi, candidate = float(step.lo), float(step.hi), float(step.x)
        if math.isfinite(hi) and hi - lo <= 1e-15 * hi:
            converged = abs(gap) <= 1e-9 * p.tau
            break
        # Re-centre the layer times so the new phi starts near its own optimum.
        t_new = pt.t + (candidate - phi) * dt_dphi
        tmin_now = min_layer_times(model, pt.d)
        t_new = np.maximum(t_new, tmin_now + 0.1 * (pt.t - tmin_now))
        phi = candidate
        pt = inner.evaluate(phi, pt.d, t_new, pt.beta)
    bar.close()
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
        primal_point(model, rows, pt.t, phi, beta),
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


__all__ = ["MAX_ITER", "TOL", "solve", "solve_fixed_rows"]
