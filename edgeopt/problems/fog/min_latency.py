"""The minimum latency of the fog problem (paper 004): the feasibility limit of eq. (23).

With every node at maximum CPU speed (eq. (16)) and every transmitter at its
power cap (eqs. (10), (20)), the latency of rows ``d`` is

``L_min(d) = sum_{k != m} b_k(d_k) / r^max_k + sum_n max_k (a_{k,n} d_k / f_k + S_{k,n})``

with ``b_k`` the node's FRD bits (eq. (9)), ``r^max_k`` the FRD rate at full
power and ``S_{k,n}`` the exchange time at full power. An instance is feasible
iff some split reaches ``L_min(d) < tau``; :func:`minimum_latency` finds the
best split by a linear program.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from edgeopt.core.errors import SolverError
from edgeopt.problems.fog.closed_forms import ClosedForms
from edgeopt.problems.fog.model import FogParams

FloatArray = NDArray[np.float64]


def min_layer_times(model: ClosedForms, d: FloatArray) -> FloatArray:
    """Per-layer time ``max_k (a_{k,n} d_k / f_k + S_{k,n})`` at full CPU speed and power (batch axes first)."""
    return np.asarray(np.max(model.a * d[..., None] / model.fmax + model.link_tmin, axis=-2))


def latency_at_full_speed(model: ClosedForms, d: FloatArray) -> float:
    """``L_min(d)``: the latency of rows ``d`` with every node at full CPU speed and power (module docstring)."""
    frd = np.where(model.frd_mask, model.frd_bits(d) / (model.B_frd * model.frd_xmax), 0.0).sum()
    return float(frd + min_layer_times(model, d).sum())


def minimum_latency(p: FogParams) -> tuple[float, FloatArray]:
    """Smallest latency any split can reach, and the rows that reach it.

    With every node at maximum power and CPU speed, the latency of rows ``d``
    is ``sum_{k != m} b_k(d_k) / r^max_k + sum_n max_k (a_{k,n} d_k / f_k +
    S_{k,n})``, with ``S_{k,n}`` the exchange time at full power. Minimising it
    over ``d >= 0, sum d = d_y`` is a linear program in ``(d, t_n)`` (epigraph
    of the max), solved with HiGHS through :func:`scipy.optimize.linprog`.

    Returns
    -------
    tau_min : float
        The minimum latency in seconds (of the returned rows, exactly).
    rows : ndarray, shape (K,)
        Rows reaching it, summing to ``d_y``.

    Raises
    ------
    SolverError
        If HiGHS fails (the LP is always feasible and bounded, so only on a
        backend error).

    """
    model = ClosedForms(p)
    K, N = p.K, p.n_layers
    frd_rate = model.B_frd * model.frd_xmax
    c = np.concatenate([np.where(model.frd_mask, p.d_x / frd_rate, 0.0), np.ones(N)])
    # a_{k,n} d_k / f_k - t_n <= -S_{k,n}
    rows_idx = np.arange(K * N)
    A = np.zeros((K * N, K + N))
    A[rows_idx, np.repeat(np.arange(K), N)] = (model.a / model.fmax).ravel()
    A[rows_idx, K + np.tile(np.arange(N), K)] = -1.0
    b = -model.link_tmin.ravel()
    A_eq = np.concatenate([np.ones(K), np.zeros(N)])[None, :]
    # Scale rows to units of d_y and times to units of T_u, the latency of the
    # speed-proportional rows (an upper bound on the optimum, independent of tau):
    # every coefficient is then of order one, whatever the instance's units
    # (HiGHS drops matrix entries below 1e-9 and refuses ones above 1e15).
    t_unit = latency_at_full_speed(model, initial_rows(p))
    scale = np.concatenate([np.full(K, p.d_y), np.full(N, t_unit)])
    try:
        res = linprog(
            c * scale / t_unit,
            A_ub=A * scale / t_unit,
            b_ub=b / t_unit,
            A_eq=A_eq * scale / p.d_y,
            b_eq=[1.0],
            bounds=[(0, None)] * (K + N),
            method="highs",
        )
    except (ValueError, RuntimeError) as err:  # pragma: no cover - scipy rejects only non-finite data
        raise SolverError(f"minimum-latency LP failed in scipy.optimize.linprog: {err}") from err
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise SolverError(f"minimum-latency LP failed (HiGHS status {res.status}): {res.message}")
    d = np.maximum(res.x[:K] * p.d_y, 0.0)
    d *= p.d_y / d.sum()
    # Report the latency of the returned rows exactly (not HiGHS' rounded objective);
    # never more than the speed-proportional rows' own latency.
    latency = latency_at_full_speed(model, d)
    if latency > t_unit:  # pragma: no cover - HiGHS returned a worse vertex than the start
        return t_unit, initial_rows(p)
    return latency, d


def initial_rows(p: FogParams) -> FloatArray:
    """Rows in proportion to each node's cycle rate ``f_max / c``: a feasible-looking start."""
    speed = p.f_max / p.cycles_per_mac
    return np.asarray(p.d_y * speed / speed.sum())


__all__ = ["initial_rows", "latency_at_full_speed", "min_layer_times", "minimum_latency"]
