"""Batched primal-dual interior point for the fog problem (31): ``method="analytic"``, the default.

:mod:`~edgeopt.problems.fog.decomposition` reaches the optimum of (31) through the paper's
dual decomposition, with nested Newton methods whose inner root searches cost
tens of milliseconds per instance in Python. Here the same convex problem is
solved in two phases, each vectorised over a batch of independent instances
of the same size:

1. a primal-dual interior-point path on the primal problem below, whose every
   step is explicit (no root search inside, one stacked dense solve of order
   ``K + N + 2`` per instance), to a point near the optimum;
2. Newton's method on the decomposition's own optimality conditions, with the
   closed forms (34)-(40) (:mod:`~edgeopt.problems.fog.kkt_newton`), which
   converges from there to the exact point and multipliers.

Each instance's answer is ``OPTIMAL`` only when its point is feasible and the
Lagrange dual function at its multipliers is within 1e-9 of its energy (weak
duality: a certificate of 1e-9-optimality,
:func:`~edgeopt.problems.fog.certificate.certify_batch`). Where the local
phase does not converge, the path's own point is certified instead (second
chance); where that fails too, the path goes on, warm, to gaps of 1e-9 and
1e-10 and the local phase restarts from there (third chance, :func:`_deeper`:
near the minimum latency the path's prices at the usual gap can put one price
on the wrong side of its saturation wall, and the Newton finish stalls; in the
issue-15 tau sweep this removed 19 of 63 fallbacks, all of the "offload"
regime). Instances still not certified are handed to
:func:`edgeopt.problems.fog.decomposition.solve`; ``extras["path"]`` says
which way each answer came (``barrier``, ``barrier-path``, ``barrier-deep``,
``nested``).

**Variables**, scaled to be of order one: rows ``e_k = d_k / d_y``; layer
times ``T_n = t_n / tau``; local times ``L_{k,n} = t^LOC_{k,n} / tau``;
exchange times ``Z_{k,n,j} = t^EXC / tau`` for each link ``j`` (above,
below) that exists; FRD times ``F_k = t^FRD_k / tau`` for ``k != master``.
The powers and CPU speeds are eliminated exactly: sending ``D`` bits in time
``t`` needs ``p = (exp(D / (B t)) - 1) / gamma`` (rate as printed,
``B ln(1 + p g / (N0 B))``), and ``m`` cycles in time ``t`` need ``f = m / t``.

**Objective** (eq. (24), divided by the start energy ``E0``):

* local, eq. (12): ``kappa m^3 / t^2 = c^L e^3 / L^2`` with
  ``c^L = kappa (a d_y)^3 / tau^2``, ``a`` the cycles per row;
* exchange, eqs. (19)-(21): ``tau Z (p^c + expm1(delta / Z) / gamma)`` with
  ``delta = D / (B tau)``;
* FRD, eqs. (8)-(10): ``tau F (p^c_m + expm1((sigma e + zeta) / F) / gamma)``
  with ``sigma = d_x d_y / (B tau)`` and ``zeta`` the node's fixed bits over
  ``B tau``.

Each term is convex (``e^3 / L^2`` and ``F expm1(y / F)`` are perspectives of
convex functions). **Constraints**, all linear in these variables: time
sharing ``s_t = T_n - L - sum_j Z >= 0`` (22); latency
``1 - sum F - sum T >= 0`` (23); CPU speed ``L >= a d_y e / (f_max tau)``
(16); power caps ``Z >= delta / x_max`` and
``F >= (sigma e + zeta) / x^FRD_max`` (20), (10); ``e >= 0`` and
``sum e = 1`` (4).

**Path.** With a multiplier ``z >= 0`` per inequality and ``gap = s . z``,
each iteration takes the Newton step on ``grad E = A^T z`` (with the row-sum
multiplier) and ``s z = mu`` for ``mu = SIGMA gap / m`` (``m`` pairs): the
Newton direction of the barrier function ``Phi_mu = E / E0 - mu sum log s``
in the metric ``H_E + A^T (z / s) A``, so a descent direction for it. The
primal step is cut to keep 1 % of every slack and backtracked on
``Phi_mu`` (Armijo); the dual step keeps 1 % of every multiplier. The path
ends when ``gap`` is below ``GAP_TARGET`` times both the energy and the
latency budget's value ``phi tau``: where the energy hardly depends on the
layer times, the multipliers are only accurate once the gap is small on that
scale too. Instances that finish leave the batch.

**Newton system.** The variables of one ``(k, n)`` pair, ``(L, Z_above,
Z_below)``, have a Hessian ``diag(h) + w 1 1^T`` (``w = z_t / s_t``),
inverted by Sherman-Morrison; they couple only to ``e_k`` (through
``e^3 / L^2`` and the CPU bound) and to ``T_n``. ``F_k`` couples to ``e_k``
and, through the latency bound's rank-one term, to every ``T`` and ``F``,
which an auxiliary unknown ``lambda_L`` carries. Eliminating ``(L, Z)`` and
``F`` leaves a dense system in ``(e, T, lambda_L)`` bordered by the row sum,
of order ``K + N + 2``; the rest follows by back-substitution.

**Start.** Rows in proportion to CPU speed; every time stretched from its
minimum (full speed and power) by a share of the spare latency; multipliers
``z = MU_START / (m s)``.

**Compiled.** The whole path (start multipliers, every iteration, the
line search, the dense solve) runs in
:func:`edgeopt.problems.fog.path_kernel.run_path`, compiled by numba
(``cache=True``), one instance after another inside compiled code. Issue 15
item 1 leaves the choice between compiling and restructuring into a handful
of numpy calls per iteration; compiling was chosen because the numpy path
spent ~0.7 ms per iteration on one instance in ~1,000 small-array calls
(about 20 microseconds of arithmetic), and even a handful of calls per
iteration, times 20-35 iterations and up to 30 line-search trials, would
keep a single solve well above a millisecond; compiled, one iteration at
K = 20, N = 4 costs about ten microseconds, and a batch needs no masking of
finished instances.

**A batch, per instance.** :func:`solve_batch` does no Python work per
instance on its way to the answers but wrapping them: the instances' fields
are gathered once (:meth:`~edgeopt.problems.fog.model.FogBatch.of`), the
constants computed batch-first, every compiled kernel (the path, the KKT
Newton finish, the primal point, the certificate) called once for the batch,
and the certified answers built together
(:meth:`~edgeopt.problems.fog.certificate.BatchCertificate.solutions`); the
result contract re-checks the batch in one compiled pass as well
(:meth:`FogPartitioning.check_batch <edgeopt.problems.fog.problem.FogPartitioning.check_batch>`).
Only the instances that need the start's minimum-latency LP (less than
:data:`START_ROOM` to spare) or a later chance take a step of their own.
Each kernel computes an instance from its own entries alone, and
:func:`edgeopt.problems.fog.parallel.run_batch` spreads a large batch over
threads in blocks of instances: an answer is the same, bit for bit, whatever
else shares its batch, in whatever order, on however many threads
(``NUMBA_NUM_THREADS=1`` or ``numba.set_num_threads(1)`` keeps everything on
one thread).

**Cost.** Each iteration is ``O(K N)`` elementwise work and one dense LU of
order ``K + N + 2`` per instance; some 15-35 iterations, then 1-5 Newton
steps of the local phase (the benchmark states the measured figures).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgeopt.core.errors import SolverError
from edgeopt.core.problem import failed, infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog import decomposition, path_kernel
from edgeopt.problems.fog.certificate import (
    CERTIFIED,
    BatchCertificate,
    best_row_price,
    certify_batch,
    dual_function_batch,
)
from edgeopt.problems.fog.closed_forms import ClosedForms, primal_point
from edgeopt.problems.fog.kkt_newton import polish
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.model import (
    ABOVE,
    BELOW,
    FogBatch,
    FogParams,
    constraint_violations_batch,
    cpu_speed,
    energy_terms_batch,
)
from edgeopt.problems.fog.parallel import run_batch
from edgeopt.solvers.batch import put_fields, take_batch, take_fields

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_Multipliers = tuple[FloatArray, FloatArray, FloatArray]  # (phi, nu, beta) in SI units

GAP_TARGET = 1e-7  # duality gap s.z at which the path ends, relative to the energy
MU_START = 100.0  # the start's duals are MU_START / m / slack: a well-centred, cautious start
SIGMA = 0.2  # each step aims at a fifth of the current gap (fastest of 0.05-0.3 on the benchmark)
KEEP = 0.99  # fraction of the distance to the boundary a step may cover
MAX_ITER = 120
FALLBACK_MAX_ITER = 30  # outer (and inner) iterations of the nested fallback; converging solves take fewer
DEEPER_GAPS = (1e-9, 1e-10)  # path gaps of the third chance (_deeper), tried in turn
START_ROOM = 0.05  # below this spare share of tau the start blends in the minimum-latency rows


@dataclass
class _Vars:
    """The scaled primal variables of a batch (module docstring)."""

    e: FloatArray  # (S, K)
    T: FloatArray  # (S, N)
    L: FloatArray  # (S, K, N)
    Z: FloatArray  # (S, K, N, 2), 0 where the link does not exist
    F: FloatArray  # (S, K), 0 at the master


@dataclass
class _Duals:
    """Multipliers of the inequality families: time sharing, CPU, link power, latency, FRD power, rows."""

    t: FloatArray  # time sharing (S, K, N)
    c: FloatArray  # CPU speed (S, K, N)
    p: FloatArray  # link power (S, K, N, 2), 0 where no link
    lat: FloatArray  # latency (S,)
    f: FloatArray  # FRD power (S, K), 0 at the master
    e: FloatArray  # rows (S, K), 0 where the rows are fixed


class _Barrier:
    """Scaled constants of a batch (module docstring), as the compiled path takes them."""

    def __init__(self, params: Sequence[FogParams], batch: FogBatch, fixed_rows: FloatArray | None = None) -> None:
        self.params = list(params)
        m = ClosedForms(self.params, batch=batch)
        self.model = m
        self.K, self.N = m.K, m.N
        self.d_y = np.asarray(batch.d_y, dtype=float)
        self.tau = np.asarray(batch.tau, dtype=float)
        # Rows held fixed (round_rows' candidates): e is then a constant, not an unknown.
        self.fixed_e = None if fixed_rows is None else fixed_rows / self.d_y[:, None]
        self.row_free = np.full(self.tau.size, fixed_rows is None)
        tau3, dy3 = self.tau[:, None, None], self.d_y[:, None, None]
        self.link = m.mask.astype(float)  # 1 where the link exists
        self.frd = m.frd_mask.astype(float)
        self.c_local = m.kappa * (m.a * dy3) ** 3 / tau3**2  # J at e = L = 1
        self.c_cpu = m.a * dy3 / (m.fmax * tau3)  # L >= c_cpu e
        self.delta = np.where(m.mask, m.bits / (m.B_link * self.tau[:, None, None, None]), 0.0)
        self.z_min = np.where(m.mask, self.delta / m.xmax, 0.0)
        self.gamma = m.gamma
        self.pc = np.ascontiguousarray(m.pc, dtype=float)  # a broadcast view in ClosedForms
        btau = m.B_frd * self.tau[:, None]
        self.sigma = np.where(m.frd_mask, m.d_x * self.d_y[:, None] / btau, 0.0)
        self.zeta = np.where(m.frd_mask, m.frd_fixed / btau, 0.0)
        self.f_gamma = m.frd_gamma
        self.f_pc = np.ascontiguousarray(np.broadcast_to(m.frd_pc, self.sigma.shape), dtype=float)
        self.f_xmax = m.frd_xmax
        # Number of inequality constraints per instance (the complementarity pairs).
        self.m_bar = (
            2 * self.K * self.N + self.link.sum(axis=(1, 2, 3)) + 1 + self.frd.sum(axis=1) + self.K * self.row_free
        )
        self.E0 = np.ones(self.tau.size)

    def constants(self) -> tuple[FloatArray, ...]:
        """The arrays :func:`~edgeopt.problems.fog.path_kernel.run_path` takes first, C-contiguous float64."""
        arrays = (
            self.c_local,
            self.c_cpu,
            self.link,
            self.delta,
            self.z_min,
            self.gamma,
            self.pc,
            self.tau,
            self.frd,
            self.sigma,
            self.zeta,
            self.f_gamma,
            self.f_pc,
            self.f_xmax,
            self.m_bar,
        )
        # One compiled signature: numba specialises on dtype and layout.
        return tuple(np.ascontiguousarray(a, dtype=np.float64) for a in arrays)


def _start(bar: _Barrier) -> tuple[_Vars, BoolArray]:
    """A strictly feasible start: rows by CPU speed, every time stretched from its minimum.

    The rows are those of :func:`~edgeopt.problems.fog.min_latency.initial_rows`
    (in proportion to ``f_max / c``), from the batch's arrays: the cycles
    per row of the first layer are ``c`` times a constant of the instance.
    Where those rows leave less than :data:`START_ROOM` of the budget to
    spare, they are blended with the rows of the minimum latency (the LP of
    :func:`~edgeopt.problems.fog.min_latency.minimum_latency`): the latency at
    full speed is convex in the rows, so the blend that moves a fraction
    ``theta = (1 - L_lp) / (2 (L_init - L_lp))`` towards the speed-proportional
    rows leaves at least half of the room ``1 - L_lp`` (in units of ``tau``).
    ``ok`` is False only where no split meets the budget (``L_lp >= 1``): the
    nested solver then reports the instance infeasible.
    """
    if bar.fixed_e is not None:
        e = bar.fixed_e.copy()
        return _stretched(bar, e, _start_latency(bar, e))
    speed = bar.model.fmax[:, :, 0] / bar.model.a[:, :, 0]
    e = speed / speed.sum(axis=1, keepdims=True)
    total = _start_latency(bar, e)
    tight = np.flatnonzero(~(total < 1.0 - START_ROOM))
    ok = np.ones(e.shape[0], dtype=bool)
    for i in tight:  # one small LP per tight instance
        p = bar.params[i]
        lp = latency_at_full_speed_rows(p)
        if lp is None:
            ok[i] = False
            continue
        tau_min, rows = lp
        l_lp, l_init = tau_min / p.tau, float(total[i])
        if not l_lp < 1.0 - 1e-12:
            ok[i] = False
            continue
        theta = min(1.0, 0.5 * (1.0 - l_lp) / max(l_init - l_lp, 1e-300))
        e[i] = (1.0 - theta) * rows / p.d_y + theta * e[i]
    v, fits = _stretched(bar, e, _start_latency(bar, e) if tight.size else total)
    return v, ok & fits


def _stretched(bar: _Barrier, e: FloatArray, total: FloatArray) -> tuple[_Vars, BoolArray]:
    """Rows ``e`` with every time stretched from its minimum by a share of the spare latency; fits if any."""
    ok = total < 1.0
    L0 = bar.c_cpu * e[:, :, None]
    T0 = (L0 + bar.z_min.sum(axis=-1)).max(axis=1)
    F0 = np.where(bar.frd > 0, (bar.sigma * e + bar.zeta) / bar.f_xmax, 0.0)
    room = np.maximum(1.0 / np.maximum(total, 1e-300) - 1.0, 0.0)
    c_in = (1.0 + 0.3 * room)[:, None, None]
    c_out = (1.0 + 0.6 * room)[:, None]
    T, Z = c_out * T0, c_in[..., None] * bar.z_min
    # A node given no rows (only with fixed rows) computes nothing: its local time is
    # free, so start it at half of what its exchange leaves of the layer.
    L = np.where(e[:, :, None] > 0, c_in * L0, 0.5 * (T[:, None, :] - Z.sum(axis=-1)))
    return _Vars(e, T, L, Z, c_out * F0), ok


def _start_latency(bar: _Barrier, e: FloatArray) -> FloatArray:
    """Latency at full CPU speed and power of rows ``e`` (fractions of ``d_y``), in units of ``tau``."""
    L0 = bar.c_cpu * e[:, :, None]
    T0 = (L0 + bar.z_min.sum(axis=-1)).max(axis=1)
    F0 = np.where(bar.frd > 0, (bar.sigma * e + bar.zeta) / bar.f_xmax, 0.0)
    return np.asarray(F0.sum(axis=1) + T0.sum(axis=1))


def latency_at_full_speed_rows(p: FogParams) -> tuple[float, FloatArray] | None:
    """:func:`~edgeopt.problems.fog.min_latency.minimum_latency`, or None if its LP fails."""
    try:
        return minimum_latency(p)
    except SolverError:
        return None


def _path(
    bar: _Barrier,
    max_iter: int,
    gap_target: float = GAP_TARGET,
    warm: tuple[_Vars, _Duals] | None = None,
    start: tuple[_Vars, BoolArray] | None = None,
) -> tuple[_Vars, _Duals, FloatArray, BoolArray, FloatArray]:
    """Primal-dual path following (a fixed centring parameter, Armijo on the barrier function).

    Returns the point, the multipliers, the row price, convergence and the
    iterations per instance. Each instance iterates until its own end test
    (compiled, :func:`edgeopt.problems.fog.path_kernel.run_path`). ``warm``
    continues from an earlier end point of the path (its ``(v, z)``, with
    ``bar.E0`` as it left it), for a smaller ``gap_target``: the iterates
    are those a cold run would take. A cold start sets ``bar.E0`` to the
    start's energy (1 where the start failed; those instances do not
    iterate and end unconverged); ``start`` is :func:`_start`'s answer if
    the caller already has it.
    """
    S, K, N = bar.tau.size, bar.K, bar.N
    if warm is None:
        v, run = _start(bar) if start is None else start
        shapes = ((S, K, N), (S, K, N), (S, K, N, 2), (S,), (S, K), (S, K))
        z = _Duals(*(np.zeros(shape) for shape in shapes))  # written by the kernel's cold start
        bar.E0 = np.ones(S)
    else:
        v, z = warm
        run = np.ones(S, dtype=bool)
        bar.E0 = np.array(bar.E0, dtype=np.float64)
    # Copies, C-contiguous float64 (one compiled signature): the kernel works in place.
    v = _Vars(*(np.array(a, dtype=np.float64, order="C") for a in (v.e, v.T, v.L, v.Z, v.F)))
    z = _Duals(*(np.array(a, dtype=np.float64, order="C") for a in (z.t, z.c, z.p, z.lat, z.f, z.e)))
    nu = np.zeros(S)
    converged = np.zeros(S, dtype=bool)
    iterations = np.zeros(S)
    args: list[Any] = [*bar.constants(), np.ascontiguousarray(bar.row_free, dtype=np.bool_), bar.E0]
    args += [v.e, v.T, v.L, v.Z, v.F, z.t, z.c, z.p, z.lat, z.f, z.e]
    args += [np.ascontiguousarray(run, dtype=np.bool_), warm is None, int(max_iter), float(gap_target)]
    args += [float(SIGMA), float(MU_START), float(KEEP), nu, converged, iterations]
    # Spread over threads in blocks of instances (edgeopt.problems.fog.parallel): the serial
    # kernel's answers, bit for bit.
    run_batch(path_kernel.run_path, S, *args)
    return v, z, nu, converged, iterations


def _path_point(bar: _Barrier, v: _Vars) -> dict[str, FloatArray]:
    """The path's point in SI units: times from the scaled variables, powers eliminated exactly.

    Every constraint of (31) holds at it up to rounding (the path keeps every
    slack positive and each power sends exactly its bits in its time).
    """
    tau = bar.tau
    t3 = tau[:, None, None]
    rows = v.e * bar.d_y[:, None]
    Z = np.where(bar.link > 0, v.Z, 1.0)
    power = np.where(bar.link > 0, np.expm1(bar.delta / Z) / bar.gamma, 0.0)
    F = np.where(bar.frd > 0, v.F, 1.0)
    p_frd = np.where(bar.frd > 0, np.expm1((bar.sigma * v.e + bar.zeta) / F) / bar.f_gamma, 0.0)
    t_loc = v.L * t3
    return {
        "rows": rows,
        "t_layer": v.T * tau[:, None],
        "t_frd": bar.frd * v.F * tau[:, None],
        "p_frd": p_frd,
        "t_loc": t_loc,
        "f_cpu": cpu_speed(bar.model.a * rows[:, :, None], t_loc),
        "t_exc_above": bar.link[..., ABOVE] * v.Z[..., ABOVE] * t3,
        "p_exc_above": power[..., ABOVE],
        "t_exc_below": bar.link[..., BELOW] * v.Z[..., BELOW] * t3,
        "p_exc_below": power[..., BELOW],
    }


def _path_multipliers(bar: _Barrier, batch: FogBatch, z: _Duals) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(phi, nu, beta)`` in SI units from the path's multipliers, adjusted to give the best bound.

    ``phi`` is the latency multiplier; the time-sharing multipliers ``beta`` of
    each layer are rescaled to sum to ``phi`` (the dual function charges
    ``tau (sum_k beta - phi)`` for any excess, a large amount where ``phi tau``
    is large against the energy); ``nu`` is the best row price for them
    (:func:`~edgeopt.problems.fog.certificate.best_row_price`).
    """
    unit = bar.E0 / bar.tau
    phi = z.lat * unit
    beta = z.t * unit[:, None, None]
    total = beta.sum(axis=1, keepdims=True)
    beta = beta * np.where(total > 0, phi[:, None, None] / np.where(total > 0, total, 1.0), 1.0)
    return phi, best_row_price(batch, phi, beta), beta


def solve_batch(params: Sequence[FogParams], *, max_iter: int = MAX_ITER) -> list[Solution]:
    """Solve many independent instances of problem (31) together: ``BATCH_METHODS["analytic"]``.

    Instances of equal size ``(K, n_layers)`` are stacked and solved as one
    vectorised batch; mixed sizes are grouped (in order of first appearance).

    Parameters
    ----------
    params : sequence of FogParams
        The instances, of any mix of sizes.
    max_iter : int
        Newton iterations before an instance is handed to the decomposition.

    Returns
    -------
    list of Solution
        One per instance, in the given order. ``extras["path"]`` is
        ``"barrier"`` where this solver's point was certified, ``"nested"``
        where :func:`edgeopt.problems.fog.decomposition.solve` was used
        instead (instances near their minimum latency, infeasible ones, or an
        uncertified point). ``solve_time_s`` is the instance's share of its
        group's time plus any fallback time.

    Examples
    --------
    >>> import edgeopt as eo
    >>> base = eo.FogPartitioning.from_scenario("kilcioglu2021-fig6").params
    >>> sols = eo.FogPartitioning.solve_batch([base.replace(tau=t) for t in (0.2, 0.3)])
    >>> [s.status.value for s in sols]
    ['optimal', 'optimal']

    """
    params = list(params)
    out: list[Solution | None] = [None] * len(params)
    for size in dict.fromkeys((p.K, p.n_layers) for p in params):
        members = [i for i, p in enumerate(params) if (p.K, p.n_layers) == size]
        for i, sol in zip(members, _solve_group([params[i] for i in members], max_iter), strict=True):
            out[i] = sol
    return [sol for sol in out if sol is not None]


def _solve_group(params: list[FogParams], max_iter: int) -> list[Solution]:
    """:func:`solve_batch` on instances of one size (``K``, ``n_layers``)."""
    start = time.perf_counter()
    # A budget far below the minimum latency (tau ~ 1e-300) makes tau^2 underflow in the
    # scaled constants; such instances fail the start and are reported infeasible.
    batch = FogBatch.of(params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        bar = _Barrier(params, batch)
        v, z, nu_scaled, converged, iterations = _path(bar, max_iter)
    # Local phase: Newton on the KKT conditions from the end of the path.
    x, (phi, nu, beta), cert, polished, pt, polish_iterations = _local_phase(bar, batch, v, z, nu_scaled)
    path_converged = converged.copy()
    converged &= polished
    iterations += polish_iterations
    certified = converged & cert.passes
    rows = x["rows"]
    # Second chance, where the local phase did not converge (walls, CPU floors) or its
    # point was not certified: the path's own point with its own multipliers.
    second = path_converged & ~certified
    path_x: dict[str, FloatArray] = {}
    path_cert = None
    if second.any():
        sub = take_batch(bar, second, nested=(ClosedForms,))
        sub_batch = batch.take(second)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            path_x = _path_point(sub, take_fields(v, second))
            path_phi, path_nu, path_beta = _path_multipliers(sub, sub_batch, take_fields(z, second))
            path_cert = certify_batch(sub_batch, path_x, path_phi, path_nu, path_beta)
    if path_cert is not None and not path_cert.passes.all():
        deeper = np.flatnonzero(second)[~path_cert.passes]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            path_x, (path_phi, path_nu, path_beta), path_cert, extra, replaced = _deeper(
                bar, v, z, deeper, np.flatnonzero(second), path_x, (path_phi, path_nu, path_beta), path_cert, max_iter
            )
        iterations[deeper] += extra
        deep_entries = {int(j) for j in np.flatnonzero(replaced)}
    else:
        deep_entries = set()
    out: dict[int, Solution] = {}
    # The certified answers, built together (BatchCertificate.solutions: no Python work per
    # instance besides wrapping its values); the rest one by one, as the chances they took.
    done = np.flatnonzero(certified)
    if done.size:
        extras = {"kkt_residual": pt.max_residual, "active_nodes": np.count_nonzero(rows, axis=1), "path": "barrier"}
        for i, sol in zip(done.tolist(), cert.solutions(done, x, (phi, nu, beta), iterations, extras), strict=True):
            out[i] = sol
    shared = (time.perf_counter() - start) / len(params)
    second_idx = {int(i): j for j, i in enumerate(np.flatnonzero(second))}
    for i in np.flatnonzero(~certified).tolist():
        tic = time.perf_counter()
        p = params[i]
        j = second_idx.get(i)
        if j is not None and path_cert is not None and path_cert.passes[j]:
            sol = path_cert.solution(
                j,
                {name: value[j] for name, value in path_x.items()},
                {"latency": np.array(path_phi[j]), "rows": np.array(path_nu[j]), "layer_time": path_beta[j]},
                iterations=int(iterations[i]),
                extras={
                    # barrier-deep: the path continued to a smaller gap and the KKT Newton finish from there
                    "path": "barrier-deep" if j in deep_entries else "barrier-path",
                    "active_nodes": int(np.count_nonzero(path_x["rows"][j] > 0)),
                },
            )
        else:
            if not path_converged[i]:
                note = "path did not converge"
            elif not converged[i]:
                note = f"KKT Newton stopped at residual {pt.max_residual[i]:.2g}"
            else:
                note = f"not certified: gap {cert.gap[i]:.2g}, violation {cert.violation[i]:.2g}"
            sol = decomposition.solve(p, max_iter=FALLBACK_MAX_ITER)
            sol.extras["path"] = "nested"
            sol.extras["barrier_note"] = note
            if j is not None and path_cert is not None and sol.status is not Status.OPTIMAL:
                sol = _better_of(sol, path_cert, j, path_x, (path_phi, path_nu, path_beta), note)
        sol.solve_time_s = time.perf_counter() - tic
        out[i] = sol
    result = [out[i] for i in range(len(params))]
    for sol in result:
        sol.solve_time_s += shared
        sol.method = "analytic"
    return result


def _local_phase(
    bar: _Barrier, batch: FogBatch, v: _Vars, z: _Duals, nu_scaled: FloatArray
) -> tuple[dict[str, FloatArray], _Multipliers, BatchCertificate, BoolArray, Any, FloatArray]:
    """Newton on the KKT conditions from a path point, and the certificate of its point.

    Returns ``(x, (phi, nu, beta), certificate, converged, point, iterations)``.
    """
    unit = bar.E0 / bar.tau  # W per unit of the scaled multipliers
    rows0 = np.where(v.e <= 1e-9, 0.0, v.e) * bar.d_y[:, None]
    t0 = v.T * bar.tau[:, None]
    # The path's time-sharing multipliers z_t are accurate where they matter to the
    # energy; a node with little work can end far from busy all layer long. Its
    # price is re-fitted so that its busy time is exactly t_n (eq. (22) active).
    beta0 = z.t * unit[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pt, polished, polish_iterations = polish(
            bar.model, bar.d_y, bar.tau, rows0, t0, beta0, z.lat * unit, nu_scaled * bar.E0 / bar.d_y
        )
        # Instances that did not converge carry whatever the iteration left (possibly no
        # rows at all); their numbers are never used, and NaN fails every check below.
        phi, nu = np.exp(pt.lphi), np.exp(pt.lnu)
        rows = np.where(pt.active, pt.d, 0.0)
        rows *= bar.d_y[:, None] / rows.sum(axis=1, keepdims=True)
        beta = pt.beta
        # The links' spectral efficiencies come from the finish's last evaluation (at exactly these
        # prices); the FRD's are solved again, at phi = np.exp(log phi) (the finish's math.exp can
        # differ from numpy's in the last bit).
        x = primal_point(bar.model, rows, pt.t, phi[:, None], beta, known_links=pt.x_link)
        # Certificate, for the whole batch: the point is feasible and the dual function
        # at (phi, nu, beta) is within CERTIFIED of its energy (weak duality).
        cert = certify_batch(batch, x, phi, nu, beta)
    return x, (phi, nu, beta), cert, polished, pt, polish_iterations


def _deeper(
    bar: _Barrier,
    v: _Vars,
    z: _Duals,
    deeper: NDArray[np.intp],
    second: NDArray[np.intp],
    x: dict[str, FloatArray],
    duals: tuple[FloatArray, FloatArray, FloatArray],
    cert: BatchCertificate,
    max_iter: int,
) -> tuple[dict[str, FloatArray], tuple[FloatArray, FloatArray, FloatArray], BatchCertificate, FloatArray, BoolArray]:
    """Third chance: continue the path of the ``deeper`` instances to smaller gaps, then the local phase again.

    Near the minimum latency many prices sit beyond their saturation point (a
    node at full CPU speed or power, a "wall" of :mod:`~edgeopt.problems.fog.kkt_newton`).
    At the gap :data:`GAP_TARGET` the path's prices can put one entry on the
    wrong side of its wall, and the local phase then stalls (residual 1e-5 to
    1e-1). The path goes on, warm, to each of :data:`DEEPER_GAPS` in turn and
    the local phase restarts from there; an instance stops at the first
    converged point certified by the same bound
    (:func:`~edgeopt.problems.fog.certificate.certify_batch`).

    Returns the entries of the second-chance arrays (``second``'s point,
    multipliers and certificate), with those of the certified ``deeper``
    instances replaced, the extra iterations of each ``deeper`` instance, and
    which second-chance entries were replaced (labelled ``"barrier-deep"``).
    """
    pos = np.searchsorted(second, deeper)  # where each deeper instance sits in the second-chance arrays
    extra = np.zeros(deeper.size)
    todo = np.ones(deeper.size, dtype=bool)
    sel = np.zeros(bar.d_y.size, dtype=bool)
    sel[deeper] = True
    sub = take_batch(bar, sel, nested=(ClosedForms,))
    wv, wz = take_fields(v, sel), take_fields(z, sel)
    phi, nu, beta = (np.array(d) for d in duals)
    energy = {name: np.array(value) for name, value in cert.energy.items()}
    violation, bound, gap = (np.array(a, dtype=float) for a in (cert.violation, cert.bound, cert.gap))
    passes = np.array(cert.passes, dtype=bool)
    replaced = np.zeros(passes.size, dtype=bool)
    x = {name: np.array(value) for name, value in x.items()}
    for target in DEEPER_GAPS:
        if not todo.any():
            break
        cur = take_batch(sub, todo, nested=(ClosedForms,))
        wv_t, wz_t, nu_t, conv, its = _path(cur, max_iter, target, warm=(take_fields(wv, todo), take_fields(wz, todo)))
        put_fields(wv, np.flatnonzero(todo), wv_t)
        put_fields(wz, np.flatnonzero(todo), wz_t)
        extra[todo] += its
        batch = FogBatch.of(cur.params)
        # The local phase from the deeper point: its set of walls is then the right one.
        px, (pphi, pnu, pbeta), c, polished, _, pits = _local_phase(cur, batch, wv_t, wz_t, nu_t)
        extra[todo] += pits
        good = conv & polished & c.passes
        where = pos[np.flatnonzero(todo)[good]]
        replaced[where] = True
        for name in x:
            x[name][where] = px[name][good]
        for name in energy:
            energy[name][where] = c.energy[name][good]
        phi[where], nu[where], beta[where] = pphi[good], pnu[good], pbeta[good]
        violation[where], bound[where], gap[where], passes[where] = (
            c.violation[good],
            c.bound[good],
            c.gap[good],
            c.passes[good],
        )
        todo[np.flatnonzero(todo)[good | ~conv]] = False
    return x, (phi, nu, beta), BatchCertificate(energy, violation, bound, gap, passes), extra, replaced


def _better_of(
    nested: Solution,
    cert: BatchCertificate,
    j: int,
    x: dict[str, FloatArray],
    duals: tuple[FloatArray, FloatArray, FloatArray],
    note: str,
) -> Solution:
    """The nested solver's uncertified answer or the path's feasible point, whichever is lower."""
    energy = float(cert.energy["total"][j])
    if cert.violation[j] > CERTIFIED or (nested.has_point and nested.objective <= energy):
        return nested
    phi, nu, beta = duals
    return Solution(
        status=Status.FEASIBLE,
        objective=energy,
        x={name: value[j] for name, value in x.items()},
        duals={"latency": np.array(phi[j]), "rows": np.array(nu[j]), "layer_time": beta[j]},
        extras={
            "path": "barrier-path",
            "barrier_note": note,
            "duality_gap": float(cert.gap[j]),
            "dual_bound": float(cert.bound[j]),
            "max_violation": float(cert.violation[j]),
            "reason": f"interior-point point not certified (duality gap {cert.gap[j]:.3g}); "
            f"the nested solver gave {nested.status.value}",
        },
    )


def solve_fixed_rows_batch(
    params: Sequence[FogParams], rows: FloatArray, *, max_iter: int = MAX_ITER, gap_target: float = GAP_TARGET
) -> list[Solution]:
    """Optimise everything but the rows, for many instances of one size at once (the interior-point path only).

    The batched counterpart of
    :func:`edgeopt.problems.fog.decomposition.solve_fixed_rows`, used by
    :func:`edgeopt.problems.fog.rounding.round_rows` to re-solve its
    candidates together. The path of :func:`solve_batch` runs with the rows
    held fixed (``de = 0``, no row-sum multiplier) to a relative gap of
    ``gap_target``; its point is exactly feasible and its energy is
    bounded below by the dual function of the fixed-rows sub-problem at the
    path's multipliers (the gap is in ``extras["duality_gap"]``).

    Parameters
    ----------
    params : sequence of FogParams
        Instances of one size ``(K, n_layers)``.
    rows : ndarray, shape (S, K)
        Non-negative rows of each instance, summing to its ``d_y``.
    max_iter : int
        Path iterations.
    gap_target : float
        Relative gap at which the path ends (:data:`GAP_TARGET` by default).

    Returns
    -------
    list of Solution
        ``FEASIBLE`` (optimal for the rows to within the reported gap) where
        the path converged; ``INFEASIBLE`` where the rows cannot meet the
        latency budget at full speed and power; ``FAILED`` otherwise.

    """
    params = list(params)
    rows = np.asarray(rows, dtype=float)
    start = time.perf_counter()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        batch = FogBatch.of(params)
        bar = _Barrier(params, batch, fixed_rows=rows)
        first = _start(bar)
        fits = first[1]
        v, z, _nu, converged, iterations = _path(bar, max_iter, gap_target, start=first)
        x = _path_point(bar, v)
        phi, _, beta = _path_multipliers(bar, batch, z)
        bound = dual_function_batch(batch, phi, np.zeros(len(params)), beta, fixed_rows=rows)
        energy = energy_terms_batch(batch, x)["total"]
        violation = np.max(np.stack(list(constraint_violations_batch(batch, x).values())), axis=0)
    gap = (energy - bound) / np.abs(energy)
    shared = (time.perf_counter() - start) / max(len(params), 1)
    out = []
    for i in range(len(params)):
        if not fits[i]:
            sol = infeasible(
                "these rows cannot meet the latency budget at maximum CPU speed and transmit power (eq. (23))"
            )
        elif converged[i] and violation[i] <= CERTIFIED and np.isfinite(energy[i]):
            sol = Solution(
                status=Status.FEASIBLE,
                objective=float(energy[i]),
                x={name: value[i] for name, value in x.items()},
                duals={"latency": np.array(phi[i]), "layer_time": beta[i]},
                iterations=int(iterations[i]),
                extras={"duality_gap": float(gap[i]), "dual_bound": float(bound[i]), "path": "barrier-fixed-rows"},
            )
        else:
            sol = failed("the interior-point path did not converge for these rows")
        sol.solve_time_s = shared
        out.append(sol)
    return out


def solve(p: FogParams, *, max_iter: int = MAX_ITER) -> Solution:
    """One instance through :func:`solve_batch`: ``method="analytic"``, the default.

    Parameters
    ----------
    p : FogParams
        The instance.
    max_iter : int
        Newton iterations before the instance is handed to the decomposition.

    Returns
    -------
    Solution
        As one entry of :func:`solve_batch`.

    """
    return _solve_group([p], max_iter)[0]


__all__ = [
    "FALLBACK_MAX_ITER",
    "GAP_TARGET",
    "KEEP",
    "MAX_ITER",
    "MU_START",
    "SIGMA",
    "START_ROOM",
    "solve",
    "solve_batch",
    "solve_fixed_rows_batch",
]
