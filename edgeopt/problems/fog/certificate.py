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

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgeopt.core.errors import SolverError
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog.model import (
    ABOVE,
    BELOW,
    FogBatch,
    FogLayout,
    FogParams,
    constraint_violations_batch,
    energy_terms,
    energy_terms_batch,
)
from edgeopt.solvers.lambert import priced_spectral_efficiency

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Largest relative KKT residual, duality gap and constraint violation of an ``OPTIMAL`` answer.
CERTIFIED = 1e-9


def _priced_efficiencies(*products: FloatArray) -> list[FloatArray]:
    """The priced spectral efficiency ``x(w gamma)`` of several arrays of ``w gamma``, in one Lambert call.

    One vectorised call costs about as much as one per array, so the arrays are
    flattened into one and split again (each keeps its shape).
    """
    flat = priced_spectral_efficiency(np.concatenate([np.ravel(y) for y in products]))
    parts, start = [], 0
    for y in products:
        parts.append(flat[start : start + y.size].reshape(y.shape))
        start += y.size
    return parts


def _priced_transmission_cost_per_bit(
    x_priced: FloatArray, w: FloatArray, gamma: FloatArray, xmax: FloatArray, bandwidth: float | FloatArray
) -> FloatArray:
    """``min_t [t w + t (e^{D/(Bt)} - 1)/gamma] / D`` under the power cap ``x <= xmax``.

    ``x_priced`` is the uncapped optimum :func:`priced_spectral_efficiency` of ``w gamma``
    (:func:`_priced_efficiencies`).
    """
    x = np.minimum(x_priced, xmax)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (w + np.expm1(x) / gamma) / (bandwidth * x)
    return np.where(x > 0, value, 1.0 / (bandwidth * gamma))


def _local_cost_per_cycle(beta: FloatArray, kappa: FloatArray, fmax: FloatArray) -> FloatArray:
    """``min_{rho >= 1/fmax} kappa / rho^2 + beta rho``."""
    capped = beta >= 2.0 * kappa * fmax**3
    return np.where(capped, kappa * fmax**2 + beta / fmax, 3.0 * np.cbrt(kappa / 4.0) * np.cbrt(beta) ** 2)


#: Names of the :class:`FogLayout` tables, in field order (for :func:`_batch_of_one`).
_LAYOUT_FIELDS = tuple(field.name for field in dataclasses.fields(FogLayout))


def _batch_of_one(p: FogParams) -> FogBatch:
    """``FogBatch.of([p])`` without its stacking: every field of ``p`` viewed with a batch axis of one.

    The same values (and dtypes) as ``FogBatch.of([p])``, at a fraction of the
    cost, for the one-instance entry points (:func:`kkt_report`, :func:`dual_function`).
    """
    lay = p.layout
    one = np.newaxis
    return FogBatch(
        d_x=np.asarray(p.d_x)[one],
        d_y=np.asarray(p.d_y)[one],
        tau=np.asarray(p.tau)[one],
        bandwidth=np.asarray(p.bandwidth)[one],
        noise_psd=np.asarray(p.noise_psd)[one],
        kappa=p.kappa[one],
        f_max=p.f_max[one],
        p_max=p.p_max[one],
        p_circuit=p.p_circuit[one],
        gain_frd=p.gain_frd[one],
        p_max_master=p.p_max[p.master : p.master + 1],
        p_circuit_master=p.p_circuit[p.master : p.master + 1],
        layout=FogLayout(**{name: getattr(lay, name)[one] for name in _LAYOUT_FIELDS}),
    )


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
    """:func:`dual_function` for a batch: ``phi``, ``nu`` (S,), ``beta`` (S, K, N)."""
    beta = np.maximum(np.asarray(beta, dtype=float), 0.0)
    phi = np.maximum(np.asarray(phi, dtype=float), 0.0)
    n0b = b.noise_psd * b.bandwidth
    value = -phi * b.tau + b.tau * np.sum(np.minimum(0.0, phi[:, None] - beta.sum(axis=1)), axis=1)
    # Exchange links (w, gamma, ...) and first-round distribution (w_frd, fgamma, ...): one Lambert call for both.
    gamma = b.layout.link_gain / n0b[:, None, None, None]
    xmax = np.log1p(gamma * b.p_max[:, :, None, None])
    w = b.p_circuit[:, :, None, None] + beta[..., None]
    fgamma = b.gain_frd / n0b[:, None]
    fxmax = np.log1p(fgamma * b.p_max_master[:, None])
    w_frd = (b.p_circuit_master + phi)[:, None]
    x_exc, x_frd = _priced_efficiencies(w * gamma, w_frd * fgamma)
    per_bit = _priced_transmission_cost_per_bit(x_exc, w, gamma, xmax, b.bandwidth[:, None, None, None])
    value = value + np.sum(np.where(b.layout.link_mask, b.layout.link_bits * per_bit, 0.0), axis=(1, 2, 3))
    q = _priced_transmission_cost_per_bit(x_frd, w_frd, fgamma, fxmax, b.bandwidth[:, None])
    q = np.where(b.layout.frd_mask, q, 0.0)
    value = value + np.sum(q * b.layout.frd_fixed_bits, axis=1)
    # Rows: the per-node Lagrangian is linear in d_k.
    c = _row_costs(b, q, beta)
    if fixed_rows is not None:
        return np.asarray(value + np.sum(c * fixed_rows, axis=1))
    return np.asarray(value + nu * b.d_y + b.d_y * np.sum(np.minimum(0.0, c - nu[:, None]), axis=1))


def _row_costs(b: FogBatch, q: FloatArray, beta: FloatArray) -> FloatArray:
    """``c_k``: the least priced energy of one row at node ``k`` (FRD bits at ``q`` plus local work at ``beta``)."""
    hcost = _local_cost_per_cycle(beta, b.kappa[:, :, None], b.f_max[:, :, None])
    return np.asarray(b.d_x[:, None] * q + np.sum(b.layout.cycles_per_row * hcost, axis=2))


def best_row_price(b: FogBatch, phi: FloatArray, beta: FloatArray) -> FloatArray:
    """The row price ``nu`` that maximises the dual function at ``(phi, beta)``: ``min_k c_k``.

    The dual function is ``nu d_y + d_y sum_k min(0, c_k - nu) + ...``, concave
    and piecewise linear in ``nu``, increasing below ``min_k c_k`` and not
    increasing above it; so the best bound for given ``(phi, beta)`` takes
    ``nu = min_k c_k`` (the price of the cheapest node, where the rows go).
    """
    beta = np.maximum(np.asarray(beta, dtype=float), 0.0)
    phi = np.maximum(np.asarray(phi, dtype=float), 0.0)
    n0b = b.noise_psd * b.bandwidth
    fgamma = b.gain_frd / n0b[:, None]
    fxmax = np.log1p(fgamma * b.p_max_master[:, None])
    w_frd = (b.p_circuit_master + phi)[:, None]
    x_frd = priced_spectral_efficiency(w_frd * fgamma)
    q = _priced_transmission_cost_per_bit(x_frd, w_frd, fgamma, fxmax, b.bandwidth[:, None])
    q = np.where(b.layout.frd_mask, q, 0.0)
    return np.asarray(np.min(_row_costs(b, q, beta), axis=1))


def _transmission_residuals(
    power: FloatArray, gamma: FloatArray, p_max: FloatArray, w: FloatArray, bandwidth: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Stationarity residual, cap multiplier and rate multiplier of one transmission.

    In the convex ``(t, E)`` form, with ``s = p gamma`` and ``Q = (1+s) ln(1+s) - s``:
    ``dL/dE = 1 - mu B gamma / (1 + s) + xi = 0`` and
    ``dL/dt = w - mu B [ln(1+s) - s/(1+s)] - xi p_max = 0``. Below the cap
    ``xi = 0`` and the residual is ``w - Q / gamma``; at the cap ``xi`` solves
    both and must be ``>= 0``.
    """
    s = power * gamma
    q_over_gamma = ((1.0 + s) * np.log1p(s) - s) / gamma
    at_cap = power >= p_max * (1.0 - 1e-9)
    excess = w - q_over_gamma
    xi = np.where(at_cap, excess / (q_over_gamma + p_max), 0.0)
    resid = np.where(at_cap, 0.0, excess / np.maximum(w, q_over_gamma))
    mu = (1.0 + xi) * (1.0 + s) / (bandwidth * gamma)
    return resid, xi, mu


def _masked_max(values: FloatArray, mask: BoolArray) -> float:
    """``max(0, max of values where mask)``: the largest residual of the entries that exist."""
    return float(values.max(where=mask, initial=0.0))


def kkt_report(p: FogParams, solution: Solution) -> KKTReport:
    """Primal feasibility, KKT residuals and duality gap of a fog solution.

    Every model quantity is formed once, on arrays of the instance's own shape;
    the two exchange directions are handled together on ``(K, N, 2)`` arrays
    (:data:`~edgeopt.problems.fog.model.ABOVE` / ``BELOW`` last), and the
    constraint violations, energy and dual function are the batch functions on
    a batch of one (:func:`_batch_of_one`).
    """
    if not solution.has_point:
        return KKTReport()
    x = solution.x
    batch = _batch_of_one(p)
    x_one = {name: np.asarray(value)[None] for name, value in x.items()}
    details = {f"primal.{k}": float(v[0]) for k, v in constraint_violations_batch(batch, x_one).items()}
    primal = max(details.values())
    duals = solution.duals
    if not duals or "layer_time" not in duals:
        return KKTReport(primal_feasibility=primal, details=details)
    lay = p.layout
    phi = float(duals["latency"])
    nu = float(duals["rows"])
    beta = np.asarray(duals["layer_time"], dtype=float)
    rows = x["rows"]
    t_layer = x["t_layer"]
    x_loc = x["t_loc"]
    bandwidth = p.bandwidth
    n0b = p.noise_psd * bandwidth
    kappa, fmax = p.kappa[:, None], p.f_max[:, None]
    phi_scale = max(phi, 1e-300)

    dual_feas = {"phi": max(0.0, -phi) / max(abs(phi), 1e-300), "beta": max(0.0, -float(beta.min())) / phi_scale}
    stat: dict[str, float] = {}
    comp: dict[str, float] = {}
    # d L / d t_n = phi - sum_k beta_{k,n}.
    stat["t_layer"] = float(np.abs(phi - beta.sum(axis=0)).max()) / phi_scale
    # Local computation: d/dt [kappa m^3 / t^2 + beta t] = beta - 2 kappa m^3 / t^3 (+ floor multiplier).
    a = lay.cycles_per_row
    cycles = a * rows[:, None]
    work = cycles > 0
    t_loc = np.where(work, x_loc, 1.0)
    pull = 2.0 * kappa * cycles**3 / t_loc**3
    grad = beta - pull
    at_floor = work & (x_loc <= cycles / fmax * (1.0 + 1e-9))
    scale = np.maximum(np.maximum(beta, pull), 1e-300)
    stat["local"] = _masked_max(np.abs(grad) / scale, work & ~at_floor)
    gamma_floor = np.where(at_floor, np.maximum(grad, 0.0), 0.0)
    dual_feas["cpu_floor"] = _masked_max(np.maximum(-grad, 0.0) / scale, at_floor)
    # Exchange links, both directions at once: arrays (K, N, 2).
    mask = lay.link_mask
    pw = np.stack((x["p_exc_above"], x["p_exc_below"]), axis=-1)
    t_exc = np.stack((x["t_exc_above"], x["t_exc_below"]), axis=-1)
    gamma = lay.link_gain / n0b
    w = (p.p_circuit[:, None] + beta)[..., None]
    resid, xi, _ = _transmission_residuals(np.where(mask, pw, 1.0), gamma, p.p_max[:, None, None], w, bandwidth)
    stat["exchange"] = _masked_max(np.abs(resid), mask)
    dual_feas["exchange_cap"] = _masked_max(np.maximum(-xi, 0.0), mask)
    sent = t_exc * bandwidth * np.log1p(pw * gamma)
    d = lay.link_bits
    rate_slack = _masked_max(np.abs(sent - d) / np.where(mask, d, 1.0), mask)
    t_used = np.where(mask, t_exc, 0.0)
    busy = x_loc + t_used[..., ABOVE] + t_used[..., BELOW]
    # First-round distribution.
    fm = lay.frd_mask
    fgamma = p.gain_frd / n0b
    p_max_master = p.p_max[p.master]
    resid, xi, mu_frd = _transmission_residuals(
        np.where(fm, x["p_frd"], 1.0), fgamma, p_max_master, p.p_circuit[p.master] + phi, bandwidth
    )
    stat["frd"] = _masked_max(np.abs(resid), fm)
    dual_feas["frd_cap"] = _masked_max(np.maximum(-xi, 0.0), fm)
    bits = lay.frd_bits(p, rows)
    sent = x["t_frd"] * bandwidth * np.log1p(x["p_frd"] * fgamma)
    rate_slack = max(rate_slack, _masked_max(np.abs(sent - bits) / np.where(fm, bits, 1.0), fm))
    comp["rate"] = rate_slack
    # Rows: d L / d d_k = sum_n [3 kappa a^3 d^2 / t^2 + gamma_floor a / f] + mu_frd d_x - nu.
    with np.errstate(divide="ignore", invalid="ignore"):
        local_marginal = np.where(
            work,
            3.0 * kappa * a**3 * rows[:, None] ** 2 / t_loc**2 + gamma_floor * a / fmax,
            a * _local_cost_per_cycle(beta, kappa, fmax),
        )
    marginal = local_marginal.sum(axis=1) + np.where(fm, mu_frd * p.d_x, 0.0)
    nu_scale = max(abs(nu), 1e-300)
    positive = rows > 0
    stat["rows"] = _masked_max(np.abs(marginal - nu) / nu_scale, positive)
    dual_feas["rows_lower"] = _masked_max(np.maximum(nu - marginal, 0.0) / nu_scale, ~positive)
    # Complementary slackness of the dualised inequalities.
    latency = float(np.where(fm, x["t_frd"], 0.0).sum() + t_layer.sum())
    comp["latency"] = abs(p.tau - latency) / p.tau if phi > 0 else 0.0
    comp["layer_time"] = float((beta / phi_scale * np.abs(t_layer - busy) / t_layer).max())

    details.update({f"stationarity.{k}": v for k, v in stat.items()})
    details.update({f"dual.{k}": v for k, v in dual_feas.items()})
    details.update({f"complementarity.{k}": v for k, v in comp.items()})
    energy = float(energy_terms_batch(batch, x_one)["total"][0])
    bound = float(dual_function_batch(batch, np.array([phi]), np.array([nu]), beta[None])[0])
    return KKTReport(
        primal_feasibility=primal,
        dual_feasibility=max(dual_feas.values()),
        stationarity=max(stat.values()),
        complementary_slackness=max(comp.values()),
        duality_gap=(energy - bound) / abs(energy),
        details=details,
    )


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
        :func:`~edgeopt.problems.fog.model.energy_terms_batch` at the points.
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
        if not self.passes[i]:
            raise SolverError(
                f"instance {i} of the batch is not certified (gap {self.gap[i]:.3g}, "
                f"violation {self.violation[i]:.3g}); it cannot be labelled optimal"
            )
        return Solution(
            status=Status.OPTIMAL,
            objective=float(self.energy["total"][i]),
            x=x,
            duals=duals,
            iterations=iterations,
            extras={
                "duality_gap": float(self.gap[i]),
                "dual_bound": float(self.bound[i]),
                "max_violation": float(self.violation[i]),
                "energy_terms": {name: float(value[i]) for name, value in self.energy.items()},
                **extras,
            },
        )


def certify_batch(
    b: FogBatch, x: dict[str, FloatArray], phi: FloatArray, nu: FloatArray, beta: FloatArray
) -> BatchCertificate:
    """Certify a batch of points by weak duality: feasible, and the dual function within :data:`CERTIFIED`.

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
    energy = energy_terms_batch(b, x)
    violation = np.max(np.stack(list(constraint_violations_batch(b, x).values())), axis=0)
    bound = dual_function_batch(b, phi, nu, beta)
    gap = (energy["total"] - bound) / np.abs(energy["total"])
    passes = (np.abs(gap) <= CERTIFIED) & (violation <= CERTIFIED)
    return BatchCertificate(energy, violation, bound, gap, passes)


__all__ = [
    "CERTIFIED",
    "BatchCertificate",
    "best_row_price",
    "certified_solution",
    "certify_batch",
    "dual_function",
    "dual_function_batch",
    "kkt_report",
]
