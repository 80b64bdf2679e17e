"""A split per user (beyond the paper): coordinate descent on the splits on top of Li-GD.

The paper's split is common to all users (L1507-1511), although (18.a) allows one per user. Starting
from ``li_gd``'s decision, each round

1. gives every user, at once, the split of least utility at the current rates: user ``i``'s utility at
   split ``s`` is ``w_T (T_dev + T_srv + w_s / R_i + m_i / Phi_i) + w_E (E_dev + E_srv + p_i w_s / R_i
   + P_i m_i / Phi_i)`` with its rates ``R_i``, ``Phi_i`` on its subchannels at the current
   interference (a user at ``s = F`` is silent, and its rate is the one it would get if it sent);
2. re-optimises the powers and ``r`` for these splits and the (unchanged) assignment
   (:func:`edgeopt.problems.noma.li_gd.reoptimise`, with each user's own bits);
3. keeps the round only if the exact utility fell.

It stops when no user changes its split or a round does not lower the utility, so the result is never
worse than ``li_gd``'s. Moving a user to or from ``s = F`` changes the interference the others see;
step 3's exact evaluation accounts for it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer
from edgeopt.problems.noma import model
from edgeopt.problems.noma.li_gd import reoptimise, solve_li_gd
from edgeopt.problems.noma.model import NomaDecision, NomaParams, RelaxedPoint

ROUNDS = 20


def split_costs(params: NomaParams, gains: model.LinkGains, dec: NomaDecision) -> np.ndarray:
    """``(U, F + 1)``: each user's utility at every split, at the decision's rates, powers and ``r``."""
    m = params.n_subchannels
    bits_up, bits_dn = model.split_bits(params, dec.split)
    users = np.arange(params.n_users)
    sinr_up = model.uplink(params, gains, bits_up, model.one_hot(dec.sub_up, m), dec.p, gradient=False).sinr
    sinr_dn = model.downlink(params, gains, bits_dn, model.one_hot(dec.sub_dn, m), dec.P, gradient=False).sinr
    b = params.subchannel_bandwidth
    rate_up = b * np.log2(1.0 + sinr_up[users, dec.sub_up])
    rate_dn = b * np.log2(1.0 + sinr_dn[users, dec.sub_dn])
    splits = np.arange(params.n_units + 1)
    device_flops, edge_flops = model.split_flops(params, splits)  # (F + 1,)
    cycles_d = params.device_cycles_per_flop * device_flops[None, :]
    speed_d = params.device_speed[:, None]
    cycles_e = params.edge_cycles_per_flop * edge_flops[None, :]
    speed_e = (model.compensation(params, dec.r) * params.edge_unit_speed)[:, None]
    up_bits, dn_bits = model.split_bits(params, splits)
    t_up = up_bits[None, :] / rate_up[:, None]
    t_dn = dn_bits[None, :] / rate_dn[:, None]
    latency = cycles_d / speed_d + cycles_e / speed_e + t_up + t_dn
    energy = (
        params.device_kappa * speed_d**2 * cycles_d
        + params.edge_kappa * speed_e**2 * cycles_e
        + dec.p[:, None] * t_up
        + dec.P[:, None] * t_dn
    )
    return np.asarray(params.w_T * latency + params.w_E * energy)


def solve_li_gd_per_user(params: NomaParams, *, rounds: int = ROUNDS, **options: Any) -> Solution:
    """``li_gd``, then a split per user by coordinate descent (module docstring); ``FEASIBLE``.

    Parameters
    ----------
    params : NomaParams
        The instance.
    rounds : int
        Rounds of split changes at most.
    **options
        Passed to :func:`~edgeopt.problems.noma.li_gd.solve_li_gd` and to the re-optimisations
        (``gtol``, ``ftol``, ``max_iter``, ``start``, ``progress``).

    Returns
    -------
    Solution
        ``extras``: ``li_gd_objective`` (the common-split start), ``gain`` (utility gained, >= 0),
        ``rounds`` taken, ``users_moved`` (users whose split differs from the common one).

    """
    started = time.perf_counter()
    integer("rounds", rounds, minimum=0)
    base = solve_li_gd(params, **options)
    if base.status not in (Status.FEASIBLE, Status.OPTIMAL):
        base.method = "li_gd_per_user"
        return base
    descent = {k: v for k, v in options.items() if k in ("gtol", "ftol", "max_iter")}
    gains = model.link_gains(params)
    x = base.x
    dec = NomaDecision(x["split"], x["sub_up"], x["sub_dn"], x["p"], x["P"], x["r"])
    best = float(base.objective)
    iterations = base.iterations
    taken = 0
    for _ in range(rounds):
        new_split = np.asarray(np.argmin(split_costs(params, gains, dec), axis=1), dtype=np.int64)
        if np.array_equal(new_split, dec.split):
            break
        m = params.n_subchannels
        start = RelaxedPoint(0, model.one_hot(dec.sub_up, m), dec.p, model.one_hot(dec.sub_dn, m), dec.P, dec.r)
        trial, its = reoptimise(params, gains, new_split, dec.sub_up, dec.sub_dn, start, **descent)
        iterations += its
        value = float(np.sum(model.utility_terms(params, trial, gains)["utility"]))
        if not value < best:
            break
        dec, best = trial, value
        taken += 1
    common = int(base.x["split"][0])
    extras = {
        "li_gd_objective": float(base.objective),
        "gain": float(base.objective) - best,
        "rounds": taken,
        "users_moved": int(np.sum(dec.split != common)),
    }
    return model.make_solution(
        params, dec, "li_gd_per_user", started, iterations=iterations, extras=extras, gains=gains
    )
