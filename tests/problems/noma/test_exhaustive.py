"""The exhaustive NOMA search (paper 003, ``method="exhaustive"``) and Li-GD measured against it.

Every expected value here comes from an independent computation:

* a brute force over the *joint* (split, uplink assignment, downlink assignment), whose powers and compute
  units are found by coordinate descent on dense grids, on a utility re-typed here from the model's
  docstring (gains recomputed from the positions): it uses none of the decomposition the method rests on;
* the exact OMA optimum of :mod:`edgeopt.problems.noma.analytic` (Lambert-W powers, linear assignment),
  itself checked against Clarabel in ``test_oma.py``;
* the model's own :func:`~edgeopt.problems.noma.model.uplink` / :func:`~edgeopt.problems.noma.model.downlink`
  for the stacked link evaluation, and :func:`~edgeopt.problems.noma.model.evaluate` at every split for the
  split scores;
* counts of the assignments by :func:`itertools.product` and a filter.

Instances
---------
``small_noma_params(seed)`` (2 APs, 3-6 users in uniformly drawn cells, 2-3 subchannels, cap 3, NiN) for the
Li-GD comparison, and :func:`tiny` below for the brute force, over these ranges (``LU`` log-uniform):

=========================  ===============================================================
users, subchannels, units  3, 2, 3 (cap 3: every map of the users to subchannels is allowed)
layout                     2 APs ``U(100, 300)`` m apart; users 0 and 1 in cells 0 and 1, user 2 in
                           either, uniform in angle at ``U(5, ISD/2)`` m from their AP
fading                     Rayleigh power gains (exponential, unit mean), independent up / down
layer_flops, feature_bits  ``LU(1e6, 1e9)`` FLOPs and ``LU(1e3, 1e6)`` bits per unit
result_bits, bandwidth     ``LU(10, 1e4)`` bits, ``LU(1e5, 2e6)`` Hz
path loss                  exponent ``U(2.5, 4)``, reference gain ``LU(1e-5, 1e-3)`` at 1 m
powers                     device ``p_max`` ``LU(0.05, 1)`` W, AP ``LU(0.1, 3)`` W; ``p_min = p_max LU(1e-3, 0.1)``
speeds, kappas             device ``LU(1e8, 3e9)`` cycles/s, ``xi_d`` ``LU(1e-29, 1e-26)``;
                           ``c_min`` ``LU(5e8, 5e9)``, ``xi_e`` ``LU(1e-30, 1e-27)``
compute units, weights     ``r_min = 1``, ``r_max`` ``U(2, 16)``, ``gamma`` ``U(1, 1.5)``; ``w_T`` ``U(0.1, 0.9)``
=========================  ===============================================================

On the seeds used (2, 7, 19) the best splits are 1, 0 and 2, with powers inside their boxes and at both ends,
and ``r`` inside its box and at ``r_min``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from typing import Any

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.noma import exhaustive
from edgeopt.problems.noma.analytic import solve_analytic
from edgeopt.problems.noma.exhaustive import solve_exhaustive
from edgeopt.problems.noma.li_gd import solve_li_gd
from edgeopt.problems.noma.model import NomaParams, association, downlink, evaluate, link_gains, one_hot, uplink
from edgeopt.problems.noma.scenarios import oma_params, small_noma_params

# Issue 13's Done-when line: li_gd within 2 % of exhaustive on every small NOMA instance drawn.
LI_GD_GAP = 0.02
# The search must never lose to li_gd (it enumerates li_gd's assignment too): rounding only.
NEVER_WORSE = 1e-9
SEEDS = range(50)
# The brute force's grids end at a spacing of 1e-7 in log units, so its optimum is a local one to ~1e-14 (the
# utility is flat there). Measured on seeds 0-3, 7, 19: within 6e-16. The issue asks for 1e-4.
VS_BRUTE_FORCE = 1e-9
# The re-typed utility against the model at the same decision: the same formulas in another order.
RETYPED = 1e-12
# The split scores against model.evaluate at each split: the same sums regrouped.
SPLIT_SCORES = 1e-12
# The stacked SINR form against model.uplink / model.downlink (value and gradient).
STACKED = 1e-12
# exhaustive against the exact OMA optimum: L-BFGS-B on a problem with one local minimum per assignment.
VS_ANALYTIC = 1e-9


def _log_uniform(rng: np.random.Generator, low: float, high: float, size: int | None = None) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def tiny(seed: int) -> NomaParams:
    """2 APs, 3 users, 2 subchannels, 3 split units over the module docstring's ranges."""
    rng = np.random.default_rng(seed)
    users, subs, units = 3, 2, 3
    spacing = rng.uniform(100.0, 300.0)
    aps = np.array([[0.0, 0.0], [spacing, 0.0]])
    home = np.array([0, 1, int(rng.integers(0, 2))])
    radius = rng.uniform(5.0, 0.5 * spacing, users)
    angle = rng.uniform(0.0, 2.0 * np.pi, users)
    positions = aps[home] + np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    w_t = float(rng.uniform(0.1, 0.9))
    p_max = float(_log_uniform(rng, 0.05, 1.0))
    ap_max = float(_log_uniform(rng, 0.1, 3.0))
    return NomaParams(
        ap_positions=aps,
        user_positions=positions,
        fading_up=rng.exponential(1.0, (users, 2, subs)) + 1e-6,
        fading_dn=rng.exponential(1.0, (users, 2, subs)) + 1e-6,
        layer_flops=_log_uniform(rng, 1e6, 1e9, units),
        feature_bits=_log_uniform(rng, 1e3, 1e6, units),
        device_speed=_log_uniform(rng, 1e8, 3e9, users),
        result_bits=float(_log_uniform(rng, 10.0, 1e4)),
        bandwidth=float(_log_uniform(rng, 1e5, 2e6)),
        pathloss_exponent=float(rng.uniform(2.5, 4.0)),
        reference_gain=float(_log_uniform(rng, 1e-5, 1e-3)),
        device_power_min=p_max * float(_log_uniform(rng, 1e-3, 0.1)),
        device_power_max=p_max,
        ap_power_min=ap_max * float(_log_uniform(rng, 1e-3, 0.1)),
        ap_power_max=ap_max,
        device_kappa=float(_log_uniform(rng, 1e-29, 1e-26)),
        edge_unit_speed=float(_log_uniform(rng, 5e8, 5e9)),
        edge_kappa=float(_log_uniform(rng, 1e-30, 1e-27)),
        r_min=1.0,
        r_max=float(rng.uniform(2.0, 16.0)),
        speedup_exponent=float(rng.uniform(1.0, 1.5)),
        w_T=w_t,
        w_E=1.0 - w_t,
        cluster_cap=3,
    )


# ------------------------------------------------------------------ independent re-typed utility
def retyped_utility(
    params: NomaParams,
    split: np.ndarray,
    sub_up: np.ndarray,
    sub_dn: np.ndarray,
    p: np.ndarray,
    big_p: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """The utility (19)-(22) of a batch of integral decisions, from the model docstring's formulas.

    ``split`` ``(B,)``; ``sub_up``, ``sub_dn`` ``(B, U)``; ``p``, ``big_p``, ``r`` ``(B, G, U)`` (``G``
    candidate values per decision). Returns ``(B, G)``. Gains recomputed from the positions: nearest AP,
    ``g0 max(d, d0)^-alpha`` times the fading; uplink SIC in descending gain order (a user hears the weaker
    users of its cell and every user of another cell on its subchannel, through their gains to its AP),
    downlink in ascending order (a user hears the stronger users of its cell through its own gain and every
    other AP's users on its subchannel through that AP's gain to it).
    """
    n_users = params.n_users
    d = np.hypot(*(params.user_positions[:, None, :] - params.ap_positions[None, :, :]).transpose(2, 0, 1))
    large = params.reference_gain * (np.maximum(d, params.reference_distance) / params.reference_distance) ** (
        -params.pathloss_exponent
    )
    cell = np.argmax(large, axis=1)
    g_up = large[:, :, None] * params.fading_up  # (U, N, M)
    g_dn = large[:, :, None] * params.fading_dn
    width = params.bandwidth / params.n_subchannels
    noise = params.noise_psd * width
    n_units = params.n_units
    sending = split < n_units  # a common split: every user sends, or none
    w_s = np.where(sending, params.feature_bits[np.minimum(split, n_units - 1)], 0.0)
    m_bits = np.where(sending, params.result_bits, 0.0)
    cumulative = np.concatenate([[0.0], np.cumsum(params.layer_flops)])
    f_dev = cumulative[split]
    f_edge = cumulative[-1] - f_dev
    total = np.zeros(p.shape[:2])
    for i in range(n_users):
        a = cell[i]
        m_up = sub_up[:, i]
        m_dn = sub_dn[:, i]
        own_up = g_up[i, a, m_up]  # (B,)
        own_dn = g_dn[i, a, m_dn]
        den_up = np.full(p.shape[:2], noise)
        den_dn = np.full(p.shape[:2], noise)
        for j in range(n_users):
            if j == i:
                continue
            same_up = (sub_up[:, j] == m_up)[:, None]
            same_dn = (sub_dn[:, j] == m_dn)[:, None]
            if cell[j] == a:
                weaker = (g_up[j, a, m_up] < own_up)[:, None]
                den_up += np.where(same_up & weaker, p[:, :, j] * g_up[j, a, m_up][:, None], 0.0)
                stronger = (g_dn[j, a, m_dn] > own_dn)[:, None]
                den_dn += np.where(same_dn & stronger, big_p[:, :, j] * own_dn[:, None], 0.0)
            else:
                den_up += np.where(same_up, p[:, :, j] * g_up[j, a, m_up][:, None], 0.0)
                den_dn += np.where(same_dn, big_p[:, :, j] * g_dn[i, cell[j], m_dn][:, None], 0.0)
        rate_up = width * np.log2(1.0 + p[:, :, i] * own_up[:, None] / den_up)
        rate_dn = width * np.log2(1.0 + big_p[:, :, i] * own_dn[:, None] / den_dn)
        t_up = np.where(sending[:, None], w_s[:, None] / rate_up, 0.0)
        t_dn = np.where(sending[:, None], m_bits[:, None] / rate_dn, 0.0)
        cycles_dev = params.device_cycles_per_flop * f_dev[:, None]
        speed_dev = params.device_speed[i]
        t_dev = cycles_dev / speed_dev
        e_dev = params.device_kappa * speed_dev**2 * cycles_dev
        v = r[:, :, i] ** params.speedup_exponent * params.edge_unit_speed
        cycles_edge = params.edge_cycles_per_flop * f_edge[:, None]
        t_srv = cycles_edge / v
        e_srv = params.edge_kappa * v**2 * cycles_edge
        latency = t_dev + t_srv + t_up + t_dn
        energy = e_dev + e_srv + p[:, :, i] * t_up + big_p[:, :, i] * t_dn
        total += params.w_T * latency + params.w_E * energy
    return total


def brute_force(params: NomaParams) -> float:
    """The least re-typed utility over every joint (split, uplink, downlink assignment), by grid descent.

    Per joint choice, coordinate descent on each user's ``p``, ``P`` and ``r``: first on a grid of 241
    points over the whole box (``log`` for the powers and ``r``), sweeping until no coordinate moves, then
    on local grids of 41 points spanning four of the last spacings, the spacing divided by 10 each stage,
    down to 1e-7. Two starts (every variable at its upper end, and at its lower end); the least kept.
    """
    u, m, f = params.n_users, params.n_subchannels, params.n_units
    assignments = np.array(list(itertools.product(range(m), repeat=u)))  # cap 3 >= U: all allowed
    joint = list(itertools.product(range(f + 1), range(len(assignments)), range(len(assignments))))
    split = np.array([j[0] for j in joint])
    sub_up = assignments[[j[1] for j in joint]]
    sub_dn = assignments[[j[2] for j in joint]]
    boxes = [
        (math.log(params.device_power_min), math.log(params.device_power_max)),
        (math.log(params.ap_power_min), math.log(params.ap_power_max)),
        (math.log(params.r_min), math.log(params.r_max)),
    ]
    best = math.inf
    for end in (1, 0):
        x = np.stack([np.full((len(joint), u), box[end]) for box in boxes])  # (3, B, U) in log units

        def value(trial: np.ndarray) -> np.ndarray:
            q = np.exp(trial)  # (3, B, G, U)
            return retyped_utility(params, split, sub_up, sub_dn, q[0], q[1], q[2])

        spacing = None
        for stage in range(12):
            for _sweep in range(50):
                moved = False
                for var, i in itertools.product(range(3), range(u)):
                    low, high = boxes[var]
                    if spacing is None:
                        grid = np.broadcast_to(np.linspace(low, high, 241), (len(joint), 241))
                    else:
                        grid = np.clip(x[var, :, i, None] + spacing * np.linspace(-2.0, 2.0, 41), low, high)
                    trial = np.repeat(x[:, :, None, :], grid.shape[1], axis=2)
                    trial[var, :, :, i] = grid
                    values = value(trial)
                    current = value(x[:, :, None, :])[:, 0]
                    pick = np.argmin(values, axis=1)
                    improve = values[np.arange(len(joint)), pick] < current
                    if np.any(improve):
                        moved = True
                        x[var, improve, i] = grid[improve, pick[improve]]
                if not moved:
                    break
            width = max(b[1] - b[0] for b in boxes)
            spacing = width / 240.0 if spacing is None else spacing / 10.0
            if stage > 0 and spacing < 1e-7:
                break
        best = min(best, float(np.min(value(x[:, :, None, :]))))
    return best


@functools.cache
def _pair(seed: int) -> tuple[NomaParams, Solution, Solution]:
    params = small_noma_params(seed)
    return params, solve_exhaustive(params), solve_li_gd(params)


# ------------------------------------------------------------------ li_gd against exhaustive
@pytest.mark.parametrize("seed", SEEDS)
def test_li_gd_within_two_percent_of_exhaustive(seed: int) -> None:
    params, ex, li = _pair(seed)
    assert ex.status == Status.FEASIBLE and li.status == Status.FEASIBLE
    assert ex.objective <= li.objective * (1.0 + NEVER_WORSE), (
        f"seed {seed}: exhaustive {ex.objective!r} above li_gd {li.objective!r}: the search is broken"
    )
    assert li.objective <= ex.objective * (1.0 + LI_GD_GAP), (
        f"seed {seed}: li_gd {li.objective!r} is {li.objective / ex.objective - 1:.2%} above exhaustive "
        f"{ex.objective!r}"
    )


@pytest.mark.parametrize(("kind", "seed"), [*(("small", s) for s in SEEDS[:8]), ("tiny", 2), ("tiny", 19)])
def test_split_scores_are_the_utility_of_the_decision_at_every_split(kind: str, seed: int) -> None:
    # The decomposition: the returned assignment, powers and r, evaluated at every split by the model itself,
    # give the scores the method combined from its two link values. (Every small_noma_params draw picks
    # split 0; tiny(2) and tiny(19) pick splits 1 and 2.)
    if kind == "small":
        params, ex, _ = _pair(seed)
    else:
        params = tiny(seed)
        ex = solve_exhaustive(params)
    scores = ex.extras["split_utilities"]
    assert scores.shape == (params.n_units + 1,)
    for s in range(params.n_units + 1):
        at_s = evaluate(params, {**ex.x, "split": np.full(params.n_users, s)})
        assert scores[s] == pytest.approx(at_s, rel=SPLIT_SCORES)
    assert ex.objective == pytest.approx(scores.min(), rel=SPLIT_SCORES)
    assert int(ex.x["split"][0]) == int(np.argmin(scores))


def test_solution_fields_and_counts() -> None:
    params, ex, _ = _pair(0)
    assert ex.method == "exhaustive" and ex.problem == "noma"
    assert sorted(ex.x) == ["P", "p", "r", "split", "sub_dn", "sub_up"]
    assert all(v.shape == (params.n_users,) for v in ex.x.values())
    assert ex.objective == pytest.approx(evaluate(params, ex.x), rel=1e-15)
    assert ex.extras["assignments_up"] == ex.extras["assignments_dn"] == _count_by_product(params)


# ------------------------------------------------------------------ brute force
@pytest.mark.parametrize("seed", [2, 7, 19])
def test_exhaustive_matches_a_joint_brute_force(seed: int) -> None:
    params = tiny(seed)
    ex = solve_exhaustive(params)
    x = ex.x
    retyped = retyped_utility(
        params,
        x["split"][:1],
        x["sub_up"][None],
        x["sub_dn"][None],
        x["p"][None, None],
        x["P"][None, None],
        x["r"][None, None],
    )[0, 0]
    assert retyped == pytest.approx(ex.objective, rel=RETYPED)
    brute = brute_force(params)
    assert ex.objective <= brute * (1.0 + NEVER_WORSE)
    assert brute == pytest.approx(ex.objective, rel=VS_BRUTE_FORCE)


# ------------------------------------------------------------------ pieces
@pytest.mark.parametrize("seed", [0, 3, 10])
def test_stacked_links_match_the_model(seed: int) -> None:
    params = small_noma_params(seed)
    gains = link_gains(params)
    assignments = exhaustive.enumerate_assignments(params)
    rng = np.random.default_rng(seed)
    pick = assignments[rng.choice(len(assignments), 12, replace=False)]
    for direction, link, box in (
        ("up", uplink, (params.device_power_min, params.device_power_max)),
        ("dn", downlink, (params.ap_power_min, params.ap_power_max)),
    ):
        power = np.exp(rng.uniform(math.log(box[0]), math.log(box[1]), size=pick.shape))
        gain, c_mat = exhaustive.stacked_coefficients(*exhaustive.interference(params, gains, direction), pick)
        value, grad = exhaustive.stacked_link(params, gain, c_mat, power)
        ones = np.ones(params.n_users)
        for k in range(len(pick)):
            ev = link(params, gains, ones, one_hot(pick[k], params.n_subchannels), power[k], gradient=True)
            assert value[k] == pytest.approx(ev.value, rel=STACKED)
            assert ev.grad_power is not None
            scale = float(np.abs(ev.grad_power).max())
            np.testing.assert_allclose(grad[k], ev.grad_power, rtol=STACKED, atol=STACKED * scale)


def _count_by_product(params: NomaParams) -> int:
    cell = association(params)
    cap = 1 if params.access == "oma" else params.cluster_cap
    key = np.zeros_like(cell) if params.access == "oma" else cell
    count = 0
    for sub in itertools.product(range(params.n_subchannels), repeat=params.n_users):
        load = np.bincount(key * params.n_subchannels + np.array(sub))
        count += int(load.max() <= cap)
    return count


@pytest.mark.parametrize(("seed", "cap"), [(0, 3), (1, 1), (4, 2), (13, 2)])
def test_assignments_are_every_cap_respecting_map(seed: int, cap: int) -> None:
    params = dataclasses.replace(small_noma_params(seed), cluster_cap=cap)
    expected = _count_by_product(params)
    rows = exhaustive.enumerate_assignments(params)
    assert exhaustive.assignment_count(params) == expected == len(rows) == len(np.unique(rows, axis=0))
    cell = association(params)
    for row in rows:
        load = np.bincount(cell * params.n_subchannels + row)
        assert load.max() <= cap


# ------------------------------------------------------------------ OMA: the exact optimum
def _small_oma_seeds(count: int) -> list[int]:
    seeds: list[int] = []
    seed = 0
    while len(seeds) < count:
        if exhaustive.assignment_count(oma_params(seed)) <= 720:
            seeds.append(seed)
        seed += 1
    return seeds


@pytest.mark.parametrize("seed", _small_oma_seeds(4))
def test_exhaustive_finds_the_oma_optimum(seed: int) -> None:
    params = oma_params(seed)
    exact = solve_analytic(params)
    ex = solve_exhaustive(params)
    assert exact.status == Status.OPTIMAL
    assert ex.extras["assignments_up"] == math.perm(params.n_subchannels, params.n_users)
    assert ex.objective == pytest.approx(exact.objective, rel=VS_ANALYTIC)


# ------------------------------------------------------------------ refusals and infeasibility
def test_too_many_assignments_are_refused_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    params = dataclasses.replace(small_noma_params(0), cluster_cap=2)  # 6 users, 3 subchannels
    count = _count_by_product(params)

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("enumerated before refusing")

    monkeypatch.setattr(exhaustive, "enumerate_assignments", forbidden)
    monkeypatch.setattr(exhaustive.model, "link_gains", forbidden)
    with pytest.raises(InvalidParameterError) as err:
        solve_exhaustive(params, max_assignments=count - 1)
    message = str(err.value)
    for part in (f"U={params.n_users}", "N=2", f"M={params.n_subchannels}", "cluster_cap=2", str(count)):
        assert part in message


def test_an_overfull_ap_is_infeasible() -> None:
    params = small_noma_params(0)  # 6 users, 3 subchannels; an AP with 4 users
    over = dataclasses.replace(params, cluster_cap=1)
    counts = np.bincount(association(over), minlength=2)
    assert counts.max() > over.n_subchannels
    sol = solve_exhaustive(over)
    assert sol.status == Status.INFEASIBLE
    assert sol.method == "exhaustive"
    assert sol.reason is not None
    assert f"AP {int(np.argmax(counts))}" in sol.reason
    assert str(int(counts.max())) in sol.reason


def test_splits_option_and_bad_options() -> None:
    params = small_noma_params(11)  # 3 users, 2 subchannels
    device_only = solve_exhaustive(params, splits=[params.n_units])
    assert int(device_only.x["split"][0]) == params.n_units
    scores = device_only.extras["split_utilities"]
    assert np.all(np.isinf(scores[:-1])) and np.isfinite(scores[-1])
    assert device_only.objective == pytest.approx(scores[-1], rel=SPLIT_SCORES)
    bad_options: list[dict[str, Any]] = [
        {"starts": 0},
        {"starts": 2.0},
        {"max_assignments": 0},
        {"splits": [params.n_units + 1]},
        {"splits": []},
        {"seed": -1},
    ]
    for bad in bad_options:
        with pytest.raises(InvalidParameterError):
            solve_exhaustive(params, **bad)
