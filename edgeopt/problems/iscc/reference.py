"""Independent references for the ISCC problem (paper 002): a global search and Lemma 4 in CVXPY.

Nothing here imports or reuses the methods it checks (``lemma4``,
``analytic``, ``alternating``, ``baselines``): both references are written
from the model (:mod:`edgeopt.problems.iscc.model`) alone.

**The whole problem (22): :func:`solve_global`.**

For each split ``l`` and bit count ``Q`` the remaining continuous problem is
reduced, directly from the model's constraints, to two variables ``(p, P_c)``:

* the accuracy constraint (21) rises with ``P_s`` and the energy is linear in
  it, so ``P_s`` is the least value meeting it
  (:meth:`IsccParams.sensing_power`);
* the energy rises with ``v_e`` and the latency falls with it, so ``v_e`` is the
  least speed meeting the deadline,
  ``v_e = A_2 / (T_max - T_sen - T_s - T_comm(P_c))`` (infeasible above ``v_max``
  or when no time is left).

The two-variable energy is sampled on a dense grid (``p`` uniform on
``(0, 1]``, ``P_c`` log-uniform on ``[1e-6 P_max, P_max]``) for every
``(l, Q)`` at once, and the best few cells are polished by SciPy's
Nelder-Mead from the cell and bounded by the box. Nothing here uses Lemma 3's
closed form beyond the model's own inverse of the accuracy, or Lemma 4 at all.

**Sub-problem (45): :class:`Lemma4Cvxpy` and :func:`lemma4_cvxpy`**, the
exponential-cone model of the convex sub-problem that Lemma 4 solves in
closed form, for re-solves on many instances (see the class docstring for
the scaling).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from edgeopt.core.problem import failed, infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.iscc.model import (
    LN2,
    IsccParams,
    infeasibility_reason,
    make_solution,
    point,
    subproblem_arguments,
)


def two_variable_energy(
    params: IsccParams, split: np.ndarray, q: np.ndarray, p: np.ndarray, p_c: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Energy (``inf`` if infeasible), ``P_s`` and ``v_e`` at broadcast ``(split, Q, p, P_c)``."""
    p_s = params.sensing_power(split, p, q)
    bits = params.upload_bits(split, q)
    left = params.device_and_upload_time(split) - params.upload_time(split, q, p_c)
    a2 = params.device_flops(split, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        v_e = np.where(a2 > 0, a2 / left, 0.0)
    ok = (left > 0) & (v_e <= params.v_max) & np.isfinite(p_s)
    p_c_used = np.where(bits > 0, p_c, 0.0)
    energy = params.energy(split, q, p, np.where(ok, p_s, 0.0), p_c_used, v_e)
    return np.where(ok, energy, np.inf), p_s, v_e


def solve_global(params: IsccParams, *, grid: int = 200, polish: int = 5) -> Solution:
    """Grid over ``(p, P_c)`` for every ``(l, Q)``, then Nelder-Mead from the ``polish`` best cells.

    Parameters
    ----------
    params : IsccParams
        The instance.
    grid : int
        Samples per axis: ``grid`` values of ``p`` times ``grid`` of ``P_c``
        for every (split, Q) pair (``grid^2 (L (Q_max - 1) + 1)`` energies).
    polish : int
        How many of the best cells Nelder-Mead starts from.

    Returns
    -------
    Solution
        ``FEASIBLE`` at the best polished point (``extras["grid"]``,
        ``extras["polished"]``), or ``INFEASIBLE`` with the reason.

    """
    reason = infeasibility_reason(params)
    if reason is not None:
        return infeasible(reason)
    split, q = params.design_pairs()
    ps = np.arange(1, grid + 1) / grid
    pcs = params.p_max * np.logspace(-6, 0, grid)
    energy = two_variable_energy(params, split[:, None, None], q[:, None, None], ps[None, :, None], pcs[None, None, :])[
        0
    ]
    flat = energy.reshape(-1)
    if not np.any(np.isfinite(flat)):
        return infeasible("no (split, Q, p, P_c) meets both the accuracy target and the latency budget")
    order = np.argsort(flat)[:polish]
    best_value, best_x = np.inf, None
    for index in order:
        if not np.isfinite(flat[index]):
            continue
        k, i, j = np.unravel_index(index, energy.shape)
        s, qq = int(split[k]), int(q[k])

        def f(z: np.ndarray, s: int = s, qq: int = qq) -> float:
            p, log_pc = z
            if not 0.0 < p <= 1.0 or log_pc > np.log(params.p_max):
                return np.inf
            return float(two_variable_energy(params, np.array(s), np.array(qq), np.array(p), np.exp(log_pc))[0])

        start = np.array([ps[i], np.log(pcs[j])])
        result = minimize(
            f,
            start,
            method="Nelder-Mead",
            options={
                "xatol": 1e-12,
                "fatol": 1e-15 * flat[index],
                "maxiter": 4000,
                "initial_simplex": _simplex(start, 1.0 / grid),
            },
        )
        candidates = [(result.fun, result.x), (f(start), start)]
        for value, z in candidates:
            if value < best_value:
                best_value, best_x = value, (s, qq, float(z[0]), float(np.exp(z[1])))
    if best_x is None:  # every polished cell was finite on the grid, so this cannot happen
        return failed("the global search polished no finite cell")
    s, qq, p, p_c = best_x
    if s == 0:
        p = 1.0  # no device layers: the pruning ratio has no effect
    _, p_s, v_e = two_variable_energy(params, np.array(s), np.array(qq), np.array(p), np.array(p_c))
    if params.upload_bits(s, qq) == 0:
        p_c = 0.0
    x = point(s, qq, p, float(p_s), p_c, float(v_e))
    return make_solution(params, x, Status.FEASIBLE, grid=grid, polished=int(polish))


def _simplex(start: np.ndarray, step: float) -> np.ndarray:
    """Nelder-Mead's first simplex: ``start`` and a step of ``step`` in ``p`` and 0.05 in ``log P_c``."""
    return np.array([start, start + [step, 0.0], start + [0.0, 0.05]])


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
