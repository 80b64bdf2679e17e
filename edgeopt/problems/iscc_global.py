"""A global reference for the ISCC problem (paper 002), written from the model, sharing no solver code.

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
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.iscc import IsccParams, infeasibility_reason, make_solution, point


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


def solve_global(params: IsccParams, grid: int = 200, polish: int = 5) -> Solution:
    """Grid over ``(p, P_c)`` for every ``(l, Q)``, then Nelder-Mead from the ``polish`` best cells."""
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
    assert best_x is not None
    s, qq, p, p_c = best_x
    if s == 0:
        p = 1.0  # no device layers: the pruning ratio has no effect
    _, p_s, v_e = two_variable_energy(params, np.array(s), np.array(qq), np.array(p), np.array(p_c))
    if params.upload_bits(s, qq) == 0:
        p_c = 0.0
    x = point(s, qq, p, float(p_s), p_c, float(v_e))
    return make_solution(params, x, Status.FEASIBLE, grid=grid, polished=int(polish))


def _simplex(start: np.ndarray, step: float) -> np.ndarray:
    return np.array([start, start + [step, 0.0], start + [0.0, 0.05]])
