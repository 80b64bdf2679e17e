"""The comparison schemes of paper 003, Sec. VI, each fixed here before any comparison was run.

Each is a method ``f(params, **options) -> Solution`` of
:class:`~edgeopt.problems.noma.problem.NomaProblem`, registered under its name in :data:`BASELINES`.
A baseline returns ``FEASIBLE`` (it is optimal at most within its restriction) with ``x`` the fields of
its decision (:data:`~edgeopt.problems.noma.model.DECISION_FIELDS`, the split broadcast to ``(U,)``)
and ``objective`` the exact utility (19) of that decision (:func:`~edgeopt.problems.noma.model.evaluate`),
or ``INFEASIBLE`` with ``extras["reason"]`` (:func:`~edgeopt.problems.noma.model.capacity_shortfall`)
where no decision exists. The paper names the schemes (L2752-2759) and defines none of them
further; the readings below are ours.

* ``device_only`` (Device-Only, "executing the entire DNN on the device"): split ``F``, nothing sent.
  (18.e)-(18.f) still give every user one uplink and one downlink subchannel, so the users hold the
  :func:`round_robin` assignment (user ``k`` of a cell on subchannel ``k mod M``), which respects the
  cap whenever a decision exists at all. The powers sit at their maxima and ``r = r_min``: a silent
  user's powers and an idle user's compute units enter no term of the utility, so any value in their
  boxes gives the same objective; these are fixed so that the decision is one definite point.
* ``edge_only`` (Edge-Only, "executing the entire DNN on the edge"): split 0, the raw input uploaded,
  with the assignment, the powers and ``r`` optimised by Li-GD for that split alone
  (:func:`~edgeopt.problems.noma.li_gd.solve_li_gd` with ``split=0``). Edge-Only fixes the split, not the
  resources, so it gets the same resource optimisation as ECC: the comparison isolates the split.
* ``neurosurgeon`` (Neurosurgeon, Kang et al. 2017): the *latency-optimal* split without resource
  optimisation. Neurosurgeon picks the partition point of least end-to-end latency from profiled layer
  times and the current link rate; it allocates nothing. We fix its resources at what an unoptimised
  system offers: full device and AP power, ``r = r_max`` (the whole edge: Neurosurgeon assumes an
  unloaded server) and "an equal bandwidth share", the :func:`round_robin` assignment (every
  subchannel of a cell carries the same number of users, within one). At those resources it takes the
  split ``s in 0..F`` of least total latency ``sum_i T_i`` (12) (ties to the lower split), and reports
  the utility (19) of that decision. It ignores energy: its objective is not what it minimises.
* ``dnn_surgery`` (DNN surgery, Hu et al. 2019): the split chosen under an *edge-capacity limit*.
  The paper says only that DNN surgery "considers the resource limitation of edge server" (L2863)
  and never states the limit. Our reading: a capacity-limited edge gives each user its minimum share,
  ``r = r_min`` (one compute unit), with full power and the :func:`round_robin` assignment; the split is
  again the one of least total latency at those resources. The paper's own explanation (L2844-2850:
  DNN surgery allocates "a little less" computing than Neurosurgeon, so it is slower and spends less)
  is what this reading gives: a lower ``r`` costs time and saves edge energy, ``xi_e (lambda c_min)^2``
  per cycle.
* ``ecc_oma`` (ECC over OMA, "ECC approach with OMA channel"): Li-GD on the same instance with
  orthogonal access inside each cell, ``dataclasses.replace(params, cluster_cap=1)``: one user per
  subchannel per AP, the subchannels still reused between cells, as the paper's OMA keeps the
  multi-cell interference. ``INFEASIBLE`` where an AP serves more users than ``M``. The model's
  utility does not depend on the cap, only the feasible set does, and a cap-1 decision is feasible for
  every cap ``>= 1``: the objective is evaluated on the original ``params`` (``extras["objective_cap1"]``
  holds the same value evaluated on the cap-1 instance).
* ECC over NOMA is ``li_gd`` itself (:func:`~edgeopt.problems.noma.li_gd.solve_li_gd`): not repeated here.

On an ``access="oma"`` instance (one user per subchannel network-wide) :func:`round_robin` runs over the
whole network instead of each cell, so the fixed assignments stay feasible wherever ``U <= M``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.noma import model
from edgeopt.problems.noma.li_gd import FTOL, GTOL, MAX_ITER, solve_li_gd
from edgeopt.problems.noma.model import NomaDecision, NomaParams

PROBLEM = "noma"


# ---------------------------------------------------------------------------------------------- helpers
def round_robin(params: NomaParams, cell: np.ndarray | None = None) -> np.ndarray:
    """The equal-share assignment: user ``k`` of a cell (in index order) on subchannel ``k mod M``.

    The rank of each user within its cell comes from one stable argsort by cell: in the sorted order a
    user's rank is its position minus the position of its cell's first user. A cell of ``n_a`` users then
    puts ``ceil(n_a / M)`` or ``floor(n_a / M)`` users on each subchannel, so the assignment meets the
    cap ``cluster_cap`` exactly when ``n_a <= cluster_cap x M``, i.e. whenever any decision exists
    (:func:`~edgeopt.problems.noma.model.capacity_shortfall`). Under ``access="oma"`` the whole network is
    one "cell" (one user per subchannel network-wide), feasible when ``U <= M``.

    Parameters
    ----------
    params : NomaParams
        The instance.
    cell : array of int (U,), optional
        The association ``a_i`` (default :func:`~edgeopt.problems.noma.model.association`).

    Returns
    -------
    array of int (U,)
        Each user's subchannel, used for both directions by the baselines.

    """
    cell = model.association(params) if cell is None else np.asarray(cell, dtype=np.int64)
    key = np.zeros_like(cell) if params.access == "oma" else cell
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.searchsorted(sorted_key, sorted_key, side="left")
    rank = np.empty(cell.shape[0], dtype=np.int64)
    rank[order] = np.arange(cell.shape[0]) - first
    return np.asarray(rank % params.n_subchannels, dtype=np.int64)


def _infeasible(method: str, reason: str, started: float) -> Solution:
    return Solution(
        Status.INFEASIBLE,
        method=method,
        problem=PROBLEM,
        solve_time_s=time.perf_counter() - started,
        extras={"reason": reason},
    )


def _feasible(
    params: NomaParams, dec: NomaDecision, method: str, started: float, iterations: int, extras: dict[str, Any]
) -> Solution:
    """The solution of a validated decision, with its exact utility (19)."""
    return model.make_solution(params, dec, method, started, iterations=iterations, extras=extras)


def fixed_resources(params: NomaParams, r: float) -> dict[str, np.ndarray]:
    """The unoptimised resources of the fixed baselines: :func:`round_robin`, full powers, ``r`` for every user."""
    sub = round_robin(params)
    u = params.n_users
    return {
        "sub_up": sub,
        "sub_dn": sub.copy(),
        "p": np.full(u, params.device_power_max),
        "P": np.full(u, params.ap_power_max),
        "r": np.full(u, float(r)),
    }


def latency_per_split(params: NomaParams, resources: dict[str, np.ndarray]) -> np.ndarray:
    """Total latency ``sum_i T_i`` (12) of every common split ``0..F`` at fixed resources, shape ``(F + 1,)``."""
    gains = model.link_gains(params)
    u = params.n_users
    totals = np.empty(params.n_units + 1)
    for s in range(params.n_units + 1):  # a loop over splits, each vectorised over users
        dec = model.decision(params, split=np.full(u, s, dtype=np.int64), **resources)
        totals[s] = float(np.sum(model.utility_terms(params, dec, gains)["T"]))
    return totals


def _latency_optimal(params: NomaParams, r: float, method: str) -> Solution:
    """The split of least total latency at the fixed resources with ``r`` compute units (ties: lower split)."""
    started = time.perf_counter()
    reason = model.capacity_shortfall(params)
    if reason is not None:
        return _infeasible(method, reason, started)
    resources = fixed_resources(params, r)
    latency = latency_per_split(params, resources)
    best = int(np.argmin(latency))
    dec = model.decision(params, split=np.full(params.n_users, best, dtype=np.int64), **resources)
    return _feasible(params, dec, method, started, 0, {"latency_per_split": latency, "total_latency": latency[best]})


def _relabel(params: NomaParams, sol: Solution, method: str, started: float, **extras: Any) -> Solution:
    """A Li-GD solution under a baseline's name, its objective re-evaluated on ``params``."""
    if not sol.has_point:
        return _infeasible(method, str(sol.extras.get("reason", "no decision")), started)
    dec = model.decision(params, **sol.x)
    return _feasible(params, dec, method, started, sol.iterations, {**sol.extras, **extras})


# ---------------------------------------------------------------------------------------------- baselines
def device_only(params: NomaParams) -> Solution:
    """Device-Only: split ``F`` (nothing sent), :func:`round_robin` subchannels, full powers, ``r_min``."""
    started = time.perf_counter()
    reason = model.capacity_shortfall(params)
    if reason is not None:
        return _infeasible("device_only", reason, started)
    resources = fixed_resources(params, params.r_min)
    dec = model.decision(params, split=np.full(params.n_users, params.n_units, dtype=np.int64), **resources)
    return _feasible(params, dec, "device_only", started, 0, {})


def edge_only(
    params: NomaParams,
    *,
    start: str = "greedy",
    gtol: float = GTOL,
    ftol: float = FTOL,
    max_iter: int = MAX_ITER,
    progress: bool = False,
) -> Solution:
    """Edge-Only: split 0 (raw input uploaded), resources optimised by Li-GD for that split.

    The options are :func:`~edgeopt.problems.noma.li_gd.solve_li_gd`'s.
    """
    started = time.perf_counter()
    sol = solve_li_gd(
        params, split=0, start=start, gtol=gtol, ftol=ftol, max_iter=max_iter, progress=progress, method="edge_only"
    )
    return _relabel(params, sol, "edge_only", started)


def neurosurgeon(params: NomaParams) -> Solution:
    """Neurosurgeon: the latency-optimal split at full power, ``r_max`` and the equal (round-robin) share.

    ``extras["latency_per_split"]`` holds ``sum_i T_i`` of every split ``0..F``.
    """
    return _latency_optimal(params, params.r_max, "neurosurgeon")


def dnn_surgery(params: NomaParams) -> Solution:
    """DNN surgery: the latency-optimal split under the capacity-limited edge, ``r = r_min`` (our reading).

    Full power and the round-robin share as :func:`neurosurgeon`; ``extras["latency_per_split"]`` likewise.
    """
    return _latency_optimal(params, params.r_min, "dnn_surgery")


def ecc_oma(
    params: NomaParams,
    *,
    warm_start: bool = True,
    start: str = "greedy",
    gtol: float = GTOL,
    ftol: float = FTOL,
    max_iter: int = MAX_ITER,
    progress: bool = False,
) -> Solution:
    """ECC over OMA: Li-GD with one user per subchannel per AP (``cluster_cap = 1``), evaluated on ``params``.

    ``INFEASIBLE`` where an AP serves more users than ``M``. The options are
    :func:`~edgeopt.problems.noma.li_gd.solve_li_gd`'s.
    """
    started = time.perf_counter()
    orthogonal = dataclasses.replace(params, cluster_cap=1)
    sol = solve_li_gd(
        orthogonal,
        warm_start=warm_start,
        start=start,
        gtol=gtol,
        ftol=ftol,
        max_iter=max_iter,
        progress=progress,
        method="ecc_oma",
    )
    if not sol.has_point:
        return _relabel(params, sol, "ecc_oma", started)
    return _relabel(params, sol, "ecc_oma", started, objective_cap1=model.evaluate(orthogonal, sol.x))


BASELINES: dict[str, Callable[..., Solution]] = {
    "device_only": device_only,
    "edge_only": edge_only,
    "neurosurgeon": neurosurgeon,
    "dnn_surgery": dnn_surgery,
    "ecc_oma": ecc_oma,
}
"""Baseline name -> method function ``f(params, **options) -> Solution``."""

__all__ = [
    "BASELINES",
    "device_only",
    "dnn_surgery",
    "ecc_oma",
    "edge_only",
    "fixed_resources",
    "latency_per_split",
    "neurosurgeon",
    "round_robin",
]
