"""NOMA (paper 003): Li-GD's relaxed stationarity, rounding, warm starts and the per-user splits.

The relaxed stationarity is measured by ``check`` from the model's gradients, not by the solver's own
stopping test; the rounding is checked by counting users per cluster here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.noma import model, scenarios
from edgeopt.problems.noma.li_gd import round_assignment, solve_gd, solve_li_gd
from edgeopt.problems.noma.per_user import solve_li_gd_per_user
from edgeopt.problems.noma.problem import NomaProblem

# RELAXED_STATIONARITY = 1e-4: the relative Frank-Wolfe gap of the relaxed problem that check() recomputes at
#     li_gd's relaxed point. li_gd stops at a gap of GTOL = 1e-8 per block or when the utility stops changing
#     (the paper's two rules); on 300 random_params instances (seeds 0-149, both placements) the gap had a
#     median of 3e-9, 90 % below 5e-7 and a worst of 2.5e-5: where the utility is flat to rounding the
#     second rule ends the descent first (measured 2026-12-01).
RELAXED_STATIONARITY = 1e-4


def _loads(params, sub):
    cell = model.association(params)
    return model.subchannel_load(params, cell, sub)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), placement=st.sampled_from(["per_cell", "uniform"]))
def test_li_gd_point_is_feasible_and_the_relaxed_point_stationary(seed, placement):
    params = scenarios.random_params(seed, placement=placement)
    prob = NomaProblem(params)
    sol = prob.solve("li_gd")
    if sol.status is Status.INFEASIBLE:
        assert model.capacity_shortfall(params) is not None
        return
    assert sol.status is Status.FEASIBLE
    report = prob.check(sol)
    assert report.primal_feasibility == 0.0
    cap = params.cluster_cap
    assert _loads(params, sol.x["sub_up"]).max() <= cap and _loads(params, sol.x["sub_dn"]).max() <= cap
    assert prob.evaluate(sol.x) == pytest.approx(sol.objective, rel=1e-12)
    if sol.extras["converged"]:
        assert report.stationarity <= RELAXED_STATIONARITY


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_li_gd_on_wide_instances_returns_a_checked_point(seed):
    params = scenarios.wide_params(seed)
    prob = NomaProblem(params)
    sol = prob.solve()
    assert sol.status in (Status.FEASIBLE, Status.INFEASIBLE, Status.OPTIMAL)
    if sol.has_point:
        report = prob.check(sol)
        assert report.primal_feasibility <= prob.FEASIBILITY_TOL
        assert np.isfinite(sol.objective)
        # Never worse than Device-Only, which the final choice over the splits includes.
        device_only = dict(sol.x, split=np.full(params.n_users, params.n_units))
        assert sol.objective <= prob.evaluate(device_only) * (1 + 1e-12)


def test_rounding_repairs_every_cluster_over_the_cap():
    # Every user's relaxed allocation piles on subchannel 0: argmax alone breaks the cap of 3.
    params = scenarios.random_params(7, n_users=8, n_subchannels=3)
    gains = model.link_gains(params)
    beta = np.zeros((params.n_users, params.n_subchannels))
    beta[:, 0] = 1.0
    power = np.full(params.n_users, params.device_power_max)
    sub, moved = round_assignment(params, gains, "up", beta, power)
    loads = _loads(params, sub)
    counts = np.bincount(gains.cell, minlength=params.n_aps)
    assert loads.max() <= params.cluster_cap
    assert moved == int(np.sum(np.maximum(counts - params.cluster_cap, 0)))  # only the excess moves
    oma = dataclasses.replace(
        params,
        access="oma",
        fading_up=np.tile(params.fading_up, (1, 1, 3)),
        fading_dn=np.tile(params.fading_dn, (1, 1, 3)),
    )
    gains = model.link_gains(oma)
    beta = np.zeros((oma.n_users, oma.n_subchannels))
    beta[:, 0] = 1.0
    sub, _ = round_assignment(oma, gains, "dn", beta, power)
    assert np.bincount(sub).max() == 1


def test_warm_starts_save_iterations_and_reach_the_same_utility():
    params = scenarios.params("yuan2023-networks-nin", seed=0)
    warm = solve_li_gd(params)
    cold = solve_gd(params)
    assert warm.objective <= cold.objective * (1 + 1e-6)
    assert warm.extras["iterations_per_split"].sum() <= 0.5 * cold.extras["iterations_per_split"].sum()


def test_per_user_splits_are_never_worse_than_li_gd():
    for seed in range(5):
        params = scenarios.random_params(seed, n_users=6)
        common = solve_li_gd(params)
        own = solve_li_gd_per_user(params)
        if common.status is Status.INFEASIBLE:
            assert own.status is Status.INFEASIBLE
            continue
        assert own.objective <= common.objective * (1 + 1e-12)
        assert own.extras["gain"] == pytest.approx(common.objective - own.objective, abs=1e-12 * common.objective)
        assert model.evaluate(params, own.x) == pytest.approx(own.objective, rel=1e-12)


def test_options_are_checked():
    params = scenarios.params("tiny-noma", seed=0)
    with pytest.raises(InvalidParameterError, match="start"):
        solve_li_gd(params, start="random")
    with pytest.raises(InvalidParameterError, match="sub_up and sub_dn"):
        solve_li_gd(params, sub_up=np.zeros(params.n_users, int))
    with pytest.raises(InvalidParameterError, match="split"):
        solve_li_gd(params, split=params.n_units + 1)
    with pytest.raises(InvalidParameterError, match="warm_start"):
        solve_li_gd(params, warm_start="no")
    sol = solve_li_gd(params, progress=True, start="uniform")
    assert sol.status is Status.FEASIBLE
