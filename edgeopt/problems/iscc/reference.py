"""Independent references for the ISCC problem (paper 002): a global search and Lemma 4 in CVXPY.

Nothing here imports or reuses the methods it checks (``lemma4``,
``analytic``, ``alternating``, ``baselines``): both references are written
from the model (:mod:`edgeopt.problems.iscc.model`) alone.

**The whole problem (22): :func:`solve_global`.**

For each split ``l`` and bit count ``Q`` the continuous problem is reduced,
directly from the model's constraints, to two variables, the pruning ratio
``p`` and the upload time ``T_comm``:

* the accuracy constraint (21) rises with ``P_s`` and the energy is linear in
  it, so ``P_s`` is the least value meeting it (:meth:`IsccParams.sensing_power`,
  the model's inverse of (21));
* the energy rises with ``v_e`` and the latency falls with it, so ``v_e`` is the
  least speed meeting the deadline, ``v_e = A_2 / (T_2 - T_comm)``, and ``P_c``
  the least power sending ``N_l Q`` bits in ``T_comm`` (the Shannon rate
  inverted, :func:`edgeopt.models.channel.power_for_rate_nats`).

The box is mapped to the unit square so that every sample is feasible:
``p = p_lo + phi (p_hi - p_lo)`` between the least ``p`` meeting the accuracy
target at ``P_max`` and the largest meeting the deadline (C2) at ``P_max``,
``v_max`` (both by bisection on ``log p`` with the model's
:meth:`~IsccParams.sensing_power` and :meth:`~IsccParams.latency`), and
``T_comm = T_up(P_max) + theta (T_2 - A_2 / v_max - T_up(P_max))``. The
energy is sampled on a grid in ``(phi, theta)`` for every ``(l, Q)`` at once
(uniform samples plus geometric ones crowding both ends of each axis, so
that a narrow window, a tiny ``p`` or a cap that binds is resolved); the
best cell of each of the ``polish`` best pairs is refined by a vectorised
zoom (a ``zoom x zoom`` grid on the cell's neighbourhood, repeated until the
box is below rounding) and then by SciPy's bounded Nelder-Mead. Nothing here
uses Lemma 3's closed form beyond the model's own inverse of the accuracy,
or Lemma 4 at all.

**Sub-problem (45): :class:`Lemma4Cvxpy` and :func:`lemma4_cvxpy`**, the
exponential-cone model of the convex sub-problem that Lemma 4 solves in
closed form, for re-solves on many instances (see the class docstring for
the scaling).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize
from tqdm import tqdm

from edgeopt.core.problem import failed, infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import boolean, integer
from edgeopt.models.channel import power_for_rate_nats
from edgeopt.problems.iscc.model import (
    LN2,
    IsccParams,
    infeasibility_reason,
    make_solution,
    point,
    subproblem_arguments,
)

# Halvings of the bisections for the ends of the p window, on log p in [log 1e-300, 0] (to 6e-16 relative).
RANGE_HALVINGS = 60
# Geometric samples crowd each end of an axis of the unit square down to this distance from it.
END_SPAN = 1e-13
# Nelder-Mead's iteration cap in the last polish (after the zoom it moves the energy by < 1e-12 relative at most).
NELDER_MEAD_ITERATIONS = 300
# Pairs evaluated per grid call (bounds the memory of the (pairs, grid, grid, layers) FLOP count).
CHUNK = 16


def p_range(params: IsccParams, split: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[p_lo, p_hi]`` per (split, Q): accuracy (21) reachable with ``P_s <= P_max``, deadline (C2) at full speed.

    Written from the model alone: ``p_lo`` is the least ``p`` with a finite
    :meth:`IsccParams.sensing_power` (0 if every ``p`` has one), ``p_hi`` the
    largest with :meth:`IsccParams.latency` at ``P_max``, ``v_max`` within
    ``T_max`` (1 if ``p = 1`` is). An empty window has ``p_lo > p_hi``.
    """
    bits_q = np.where(split == params.n_layers, 0, q)

    def accurate(p: np.ndarray) -> np.ndarray:
        return np.asarray(np.isfinite(params.sensing_power(split, p, q)))

    def in_time(p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # an infinite latency is late
            return np.asarray(params.latency(split, bits_q, p, params.p_max, params.v_max) <= params.T_max)

    def edge(ok: object, feasible_high: bool) -> np.ndarray:
        lo, hi = np.full(split.shape, math.log(1e-300)), np.zeros(split.shape)
        for _ in range(RANGE_HALVINGS):
            mid = 0.5 * (lo + hi)
            good = ok(np.exp(mid))  # type: ignore[operator]
            high = good if feasible_high else ~good
            hi, lo = np.where(high, mid, hi), np.where(high, lo, mid)
        return np.exp(hi if feasible_high else lo)

    one, floor = np.ones(split.shape), np.full(split.shape, 1e-300)
    p_lo = np.where(accurate(floor), 0.0, np.where(accurate(one), np.minimum(edge(accurate, True), 1.0), np.inf))
    p_hi = np.where(in_time(one), 1.0, np.where(in_time(floor), edge(in_time, False), -np.inf))
    return np.asarray(p_lo), np.asarray(p_hi)


def box_point(
    params: IsccParams,
    split: np.ndarray,
    q: np.ndarray,
    p_lo: np.ndarray,
    p_hi: np.ndarray,
    phi: np.ndarray,
    theta: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Energy (``inf`` if infeasible), ``p``, ``P_s``, ``P_c`` and ``v_e`` at broadcast unit-square ``(phi, theta)``."""
    p = np.clip(p_lo + np.clip(phi, 0.0, 1.0) * (p_hi - p_lo), 0.0, 1.0)
    p_s = params.sensing_power(split, p, q)
    bits = params.upload_bits(split, q)
    a2 = params.device_flops(split, p)
    t2 = params.device_and_upload_time(split)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_fast = params.upload_time(split, q, params.p_max)
        t_slow = t2 - np.where(a2 > 0, a2 / params.v_max, 0.0)
        t_comm = np.where(bits > 0, t_fast + np.clip(theta, 0.0, 1.0) * (t_slow - t_fast), 0.0)
        p_c = np.where(
            bits > 0, power_for_rate_nats(bits * LN2, t_comm, params.gain, params.bandwidth, params.noise_psd), 0.0
        )
        v_e = np.where(a2 > 0, a2 / (t2 - t_comm), 0.0)
    # Rounding can put the ends a hair past the caps; the caps are the ends' exact values.
    p_c, v_e = np.minimum(p_c, params.p_max), np.minimum(v_e, params.v_max)
    ok = (t2 > 0) & (t_slow >= t_fast) & np.isfinite(p_s) & np.isfinite(p_c) & np.isfinite(v_e)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # masked by `ok`
        energy = params.energy(split, q, p, np.where(ok, p_s, 0.0), p_c, v_e)
    return np.where(ok & np.isfinite(energy), energy, np.inf), p, p_s, p_c, v_e


def unit_samples(n: int) -> np.ndarray:
    """``n`` sorted samples of ``[0, 1]``: both ends, uniform ones and geometric ones crowding each end."""
    k = max(n // 4, 1)
    geo = np.logspace(math.log10(END_SPAN), -1.0, k)
    return np.unique(np.concatenate([[0.0, 1.0], np.linspace(0.0, 1.0, max(n - 2 * k, 2)), geo, 1.0 - geo]))


def solve_global(
    params: IsccParams, *, grid: int = 24, polish: int = 8, zoom: int = 15, progress: bool = False
) -> Solution:
    """Nested search over ``(p, T_comm)`` for every ``(l, Q)``: zooms in ``p`` outside, in ``T_comm`` inside.

    For each pair and each sampled ``p`` the inner search minimises the
    energy over ``theta`` (the upload time's share of its range, see
    :func:`box_point`) by a zoom (:func:`_inner`); the outer search samples
    ``phi`` (the share of the ``p`` window) on :func:`unit_samples` for every
    pair, keeps the ``polish`` pairs with the least energies and zooms in
    ``phi`` on each, with the inner search at every sample. Both zooms keep
    the two intervals beside the best sample, which holds the minimum of a
    function with one basin. (The energy is convex in ``(p, T_comm)`` for a
    fixed pair, so both one-dimensional functions have one basin; this is
    what the search relies on, and no closed form of the paper.) SciPy's
    bounded Nelder-Mead from the best point is a last polish.

    Parameters
    ----------
    params : IsccParams
        The instance.
    grid : int
        About this many first-stage samples of ``phi`` per pair (see :func:`unit_samples`).
    polish : int
        How many pairs (those with the least first-stage energies) are refined.
    zoom : int
        Samples per stage of every zoom (and the inner search's first stage).
    progress : bool
        Show a tqdm bar over the pairs' chunks and the refinement.

    Returns
    -------
    Solution
        ``FEASIBLE`` at the best point found (``extras["polished"]``: the
        pairs refined), or ``INFEASIBLE`` with the reason.

    """
    grid = integer("grid", grid, minimum=4, maximum=2_000)
    polish = integer("polish", polish, minimum=1, maximum=10_000)
    zoom = integer("zoom", zoom, minimum=4, maximum=1_000)
    progress = boolean("progress", progress)
    reason = infeasibility_reason(params)
    if reason is not None:
        return infeasible(reason)
    split, q = params.design_pairs()
    p_lo, p_hi = p_range(params, split, q)
    keep = p_lo <= p_hi
    if not keep.any():
        return infeasible("no (split, Q, p) meets both the accuracy target and the deadline at full power and speed")
    split, q, p_lo, p_hi = split[keep], q[keep], p_lo[keep], p_hi[keep]
    axis = unit_samples(grid)
    chunks = range(0, split.size, CHUNK)
    bar = tqdm(total=len(chunks) + 2, desc="global (iscc)", disable=not progress, leave=False)
    first = np.full((split.size, axis.size), np.inf)
    for c in chunks:
        sl = slice(c, c + CHUNK)
        pair = (split[sl, None], q[sl, None], p_lo[sl, None], p_hi[sl, None])
        first[sl] = _inner(params, *pair, np.broadcast_to(axis, (first[sl].shape[0], axis.size)), zoom)[1]
        bar.update(1)
    best_first = np.min(first, axis=1)
    if not np.any(np.isfinite(best_first)):
        bar.close()
        return failed("the global search found no finite sample in a non-empty window")
    chosen = np.argsort(best_first)[:polish]
    chosen = chosen[np.isfinite(best_first[chosen])]
    phi, theta, value = _outer(params, split[chosen], q[chosen], p_lo[chosen], p_hi[chosen], axis, first[chosen], zoom)
    bar.update(1)
    best = int(np.argmin(value))
    k = int(chosen[best])
    pair = (np.array(split[k]), np.array(q[k]), np.array(p_lo[k]), np.array(p_hi[k]))

    def f(z: np.ndarray) -> float:
        return float(box_point(params, *pair, np.array(z[0]), np.array(z[1]))[0])

    start = np.array([phi[best], theta[best]])
    simplex = np.clip(np.array([start, start + [1e-6, 0.0], start - [0.0, 1e-6]]), 0.0, 1.0)
    z_best, v_best = start, float(value[best])
    if np.linalg.matrix_rank(simplex[1:] - simplex[0]) == 2:
        options = {"xatol": 1e-15, "fatol": 1e-16 * abs(v_best), "maxiter": NELDER_MEAD_ITERATIONS}
        result = minimize(
            f, start, method="Nelder-Mead", bounds=[(0.0, 1.0)] * 2, options={**options, "initial_simplex": simplex}
        )
        if float(result.fun) < v_best:
            z_best, v_best = np.clip(result.x, 0.0, 1.0), float(result.fun)
    bar.update(1)
    bar.close()
    s, qq = int(split[k]), int(q[k])
    _, p, p_s, p_c, v_e = box_point(params, *pair, np.array(z_best[0]), np.array(z_best[1]))
    p_out = 1.0 if s == 0 else float(p)  # no device layers: the pruning ratio has no effect
    x = point(s, qq, p_out, float(p_s), float(p_c), float(v_e))
    return make_solution(params, x, Status.FEASIBLE, grid=int(axis.size), polished=int(chosen.size))


def _zoom_axis(lo: np.ndarray, hi: np.ndarray, samples: np.ndarray, energy: np.ndarray) -> tuple[np.ndarray, ...]:
    """Best sample per row and the bracket of its two neighbours: ``(index, value, new_lo, new_hi)``."""
    best = np.argmin(energy, axis=-1)
    value = np.take_along_axis(energy, best[..., None], axis=-1)[..., 0]
    last = samples.shape[-1] - 1
    new_lo = np.take_along_axis(samples, np.maximum(best - 1, 0)[..., None], axis=-1)[..., 0]
    new_hi = np.take_along_axis(samples, np.minimum(best + 1, last)[..., None], axis=-1)[..., 0]
    return best, value, new_lo, new_hi


def _settled(energy: np.ndarray, value: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A zoom stops where its bracket is below the unit square's rounding or its samples agree to 1e-15."""
    finite = np.isfinite(energy)
    high = np.max(np.where(finite, energy, -np.inf), axis=-1)
    with np.errstate(invalid="ignore"):
        flat = finite.all(axis=-1) & (high - value <= 1e-15 * np.abs(value))
    return np.asarray((hi - lo <= 1e-16) | flat | ~np.isfinite(value))


def _inner(
    params: IsccParams,
    split: np.ndarray,
    q: np.ndarray,
    p_lo: np.ndarray,
    p_hi: np.ndarray,
    phi: np.ndarray,
    n: int,
    max_stages: int = 80,
) -> tuple[np.ndarray, np.ndarray]:
    """Least energy over ``theta`` at every broadcast ``phi`` by a zoom from :func:`unit_samples`: ``(theta, E)``."""
    shape = np.broadcast_shapes(split.shape, phi.shape)
    samples = np.broadcast_to(unit_samples(n), (*shape, unit_samples(n).size))
    cols = [np.broadcast_to(a, shape)[..., None] for a in (split, q, p_lo, p_hi, phi)]
    theta = np.full(shape, np.nan)
    value = np.full(shape, np.inf)
    steps = np.linspace(0.0, 1.0, n)
    for _ in range(max_stages):
        energy = box_point(params, cols[0], cols[1], cols[2], cols[3], cols[4], samples)[0]
        best, v, lo, hi = _zoom_axis(samples[..., 0], samples[..., -1], samples, energy)
        better = v <= value
        theta = np.where(better, np.take_along_axis(samples, best[..., None], axis=-1)[..., 0], theta)
        value = np.where(better, v, value)
        if np.all(_settled(energy, v, lo, hi)):
            break
        samples = lo[..., None] + (hi - lo)[..., None] * steps
    return theta, value


def _outer(
    params: IsccParams,
    split: np.ndarray,
    q: np.ndarray,
    p_lo: np.ndarray,
    p_hi: np.ndarray,
    axis: np.ndarray,
    first: np.ndarray,
    n: int,
    max_stages: int = 80,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zoom in ``phi`` on each chosen pair from its first-stage values ``first``; ``(phi, theta, E)`` per pair."""
    samples = np.broadcast_to(axis, first.shape)
    energy = first
    phi = np.full(split.size, np.nan)
    value = np.full(split.size, np.inf)
    steps = np.linspace(0.0, 1.0, n)
    pair = (split[:, None], q[:, None], p_lo[:, None], p_hi[:, None])
    for stage in range(max_stages):
        if stage:
            energy = _inner(params, *pair, samples, n)[1]
        best, v, lo, hi = _zoom_axis(samples[:, 0], samples[:, -1], samples, energy)
        better = v <= value
        phi = np.where(better, samples[np.arange(split.size), best], phi)
        value = np.where(better, v, value)
        if np.all(_settled(energy, v, lo, hi)):
            break
        samples = lo[:, None] + (hi - lo)[:, None] * steps
    theta, value = _inner(params, split, q, p_lo, p_hi, phi, n)
    return phi, theta, value


class Lemma4Reference(NamedTuple):
    """Result of :func:`lemma4_cvxpy`: the fields of ``lemma4``'s ``Lemma4Result`` and CVXPY's status."""

    p_c: np.ndarray
    v_e: np.ndarray
    energy: np.ndarray
    mu1: np.ndarray
    feasible: np.ndarray
    status: np.ndarray


# Clarabel's default tolerances (1e-8) left the energy 2.5e-4 off in the low-SNR corner
# (gamma P_c ~ 1e-4, where the energy is within 5e-5 of the Shannon limit and flat in t).
# Where the tight run fails or ends inaccurate, the solve is repeated with the defaults.
CLARABEL_TIGHT: dict[str, dict[str, float]] = {
    "CLARABEL": {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 400}
}


class Lemma4Cvxpy:
    """Sub-problem (45) written in CVXPY with parameters, for re-solves on new instances (DPP).

    Independent of Lemma 4's closed form (:func:`edgeopt.problems.iscc.lemma4.lemma4`):
    the rate constraint in the time-energy form ``t log2(1 + gamma e / t) >= 1``
    (``t`` the upload time and ``e = P_c t`` the RF energy, both per unit of
    ``A1``) is the exponential-cone constraint ``-rel_entr(t, t + gamma e) >= ln 2``,
    the CPU time ``A2 / v`` an ``inv_pos`` epigraph, the CPU energy a square.

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
        import cvxpy as cp  # slow to import (about a second): only the reference needs it

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
    """The reference for Lemma 4's ``lemma4``, same arguments: one CVXPY re-solve per instance.

    ``mu1`` is CVXPY's dual value of the time constraint, divided back to J/s.
    Instances with neither upload nor computation are answered without a solve.
    ``status`` holds CVXPY's status per instance (``solver_error`` where the
    solver failed: such an entry says nothing about feasibility).
    """
    a1, a2, gamma, k, t2, vmax, pmax = subproblem_arguments(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
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
