"""The Sec. VI baselines of paper 003 (:mod:`edgeopt.problems.noma.baselines`).

Every expected value is computed here independently of the baselines: the round-robin assignment by a plain
loop over each cell's users (the association recomputed as the nearest AP from the positions), the
latency-optimal split by brute force over every split with the model's :func:`utility_terms`, and the
Device-Only utility from its formulas (1), (13) re-typed.

Instances: ``small_noma_params`` (2 APs, 3-6 users in uniformly drawn cells, 2-3 subchannels),
``random_params`` (2 or 3 APs, per-cell placement, NiN / VGG16 / tiny YOLOv2), ``oma_params``
(``access="oma"``) and the reduced-scale figure scenarios of ``noma.toml``.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.noma import model, scenarios
from edgeopt.problems.noma.baselines import BASELINES, round_robin
from edgeopt.problems.noma.li_gd import solve_li_gd
from edgeopt.problems.noma.model import DECISION_FIELDS, NomaParams

# li_gd (ECC over NOMA) is never worse than a baseline, up to rounding of the utility's sums.
NOT_WORSE = 1e-9
# edge_only and ecc_oma run li_gd's own optimiser (at split 0; on the cap-1 instance) from their own starts.
# The power problem of a fixed assignment is not convex, so li_gd can end a little above them: measured
# worst 3.0e-6 relative (random-24 against ecc_oma) over these instances, 2026-12-01.
NOT_WORSE_OPTIMISED = 1e-4
# Two evaluations of the same decision: the same sums, in the same order.
SAME_VALUE = 1e-12

FIGURE_SCENARIOS: list[tuple[str, tuple[tuple[str, object], ...]]] = [
    ("yuan2023-networks-nin", ()),
    ("yuan2023-networks-vgg16", ()),
    ("yuan2023-networks-tiny-yolov2", ()),
    ("yuan2023-users", ()),  # 18 users per AP on M = 6: every cluster at the cap
    ("yuan2023-users", (("n_users", 10),)),  # 2 per AP: ECC over OMA feasible
    ("yuan2023-users", (("n_users", 30),)),
    ("yuan2023-subchannels", ()),
    ("yuan2023-subchannels", (("n_subchannels", 8),)),
    ("yuan2023-workload", (("workload", 3.0),)),
]

INSTANCES: list[tuple[str, int, tuple[tuple[str, object], ...]]] = [
    # Kept small for CI (each li_gd runs six starts on these sizes); the benchmark covers more.
    *[("small", seed, ()) for seed in range(12)],
    *[("random", seed, ()) for seed in (*range(10), 24)],
    *[("random", seed, (("n_aps", 3), ("profile", "vgg16"))) for seed in range(3)],
    *[("random", seed, (("n_aps", 3), ("profile", "tiny_yolov2"))) for seed in range(3)],
    *[("oma", seed, ()) for seed in range(3)],
    *[(name, 0, overrides) for name, overrides in FIGURE_SCENARIOS],
]

KNOWN_ABOVE_ECC_OMA: set[tuple[str, int]] = set()


def _ident(case: tuple[str, int, tuple[tuple[str, object], ...]]) -> str:
    kind, seed, overrides = case
    extra = "".join(f"-{k}={v}" for k, v in overrides)
    return f"{kind}{extra}-{seed}"


@cache
def instance(kind: str, seed: int, overrides: tuple[tuple[str, object], ...]) -> NomaParams:
    options = dict(overrides)
    if kind == "small":
        return scenarios.small_noma_params(seed)
    if kind == "random":
        return scenarios.random_params(seed, **options)  # type: ignore[arg-type]
    if kind == "oma":
        return scenarios.oma_params(seed)
    return scenarios.params(kind, seed=seed, **options)


@cache
@cache
def solved(kind: str, seed: int, overrides: tuple[tuple[str, object], ...], method: str) -> Solution:
    params = instance(kind, seed, overrides)
    if method == "li_gd":
        return solve_li_gd(params)
    return BASELINES[method](params)


# ------------------------------------------------------------------ independent references
def nearest_ap(params: NomaParams) -> np.ndarray:
    """The association recomputed from the positions: the nearest AP (largest path-loss gain), lower index on ties."""
    distance = np.linalg.norm(params.user_positions[:, None, :] - params.ap_positions[None, :, :], axis=2)
    return np.argmin(np.maximum(distance, params.reference_distance), axis=1)


def round_robin_by_loop(params: NomaParams) -> np.ndarray:
    """User ``k`` of a cell (in index order) on subchannel ``k mod M``; one cell for the network under OMA."""
    cell = nearest_ap(params) if params.access == "noma" else np.zeros(params.n_users, dtype=int)
    sub = np.empty(params.n_users, dtype=np.int64)
    seen: dict[int, int] = {}
    for i in range(params.n_users):
        k = seen.get(int(cell[i]), 0)
        sub[i] = k % params.n_subchannels
        seen[int(cell[i])] = k + 1
    return sub


def loads(params: NomaParams, sub: np.ndarray) -> np.ndarray:
    """Users per (AP, subchannel) (NOMA) or per subchannel in the network (OMA), counted by a loop."""
    cell = nearest_ap(params) if params.access == "noma" else np.zeros(params.n_users, dtype=int)
    out = np.zeros((params.n_aps, params.n_subchannels), dtype=int)
    for i in range(params.n_users):
        out[cell[i], sub[i]] += 1
    return out


def users_per_ap(params: NomaParams) -> np.ndarray:
    return np.bincount(nearest_ap(params), minlength=params.n_aps)


def device_only_utility(params: NomaParams) -> float:
    """(1), (13) and (19) re-typed for split F: every layer on the device, nothing sent, nothing at the edge."""
    cycles = params.device_cycles_per_flop * float(np.sum(params.layer_flops))
    latency = cycles / params.device_speed
    energy = params.device_kappa * params.device_speed**2 * cycles
    return float(np.sum(params.w_T * latency + params.w_E * energy))


def total_latency(params: NomaParams, x: dict[str, np.ndarray], split: int) -> float:
    fields = {**x, "split": np.full(params.n_users, split, dtype=np.int64)}
    return float(np.sum(model.utility_terms(params, model.decision(params, **fields))["T"]))


# ------------------------------------------------------------------ tests
def test_registry_names() -> None:
    assert list(BASELINES) == ["device_only", "edge_only", "neurosurgeon", "dnn_surgery", "ecc_oma"]
    assert "li_gd" not in BASELINES  # ECC over NOMA is li_gd itself


@pytest.mark.parametrize("case", INSTANCES, ids=_ident)
@pytest.mark.parametrize("method", list(BASELINES))
def test_decision_valid_and_objective_exact(case: tuple, method: str) -> None:
    params = instance(*case)
    sol = solved(*case, method)
    assert sol.method == method and sol.problem == "noma"
    if method == "ecc_oma":
        cap_one = dataclasses.replace(params, cluster_cap=1)
        exists = (
            params.n_users <= params.n_subchannels
            if params.access == "oma"
            else np.all(users_per_ap(params) <= params.n_subchannels)
        )
        reason = model.capacity_shortfall(cap_one)
    else:
        exists = model.capacity_shortfall(params) is None
        reason = model.capacity_shortfall(params)
    if not exists:
        assert sol.status is Status.INFEASIBLE
        assert sol.extras["reason"] == reason and reason
        assert sol.objective == np.inf and not sol.x
        return
    assert sol.status is Status.FEASIBLE
    assert sorted(sol.x) == sorted(DECISION_FIELDS)
    for name in DECISION_FIELDS:
        assert np.shape(sol.x[name]) == (params.n_users,), name
    dec = model.decision(params, **sol.x)  # raises if any constraint breaks
    assert sol.objective == pytest.approx(model.evaluate(params, dec), rel=SAME_VALUE)
    cap = 1 if params.access == "oma" or method == "ecc_oma" else params.cluster_cap
    for direction in ("sub_up", "sub_dn"):
        assert loads(params, sol.x[direction]).max() <= cap


@pytest.mark.parametrize("case", INSTANCES, ids=_ident)
def test_round_robin_matches_the_loop_and_respects_the_cap(case: tuple) -> None:
    params = instance(*case)
    sub = round_robin(params)
    np.testing.assert_array_equal(sub, round_robin_by_loop(params))
    load = loads(params, sub)
    counts = load.sum(axis=1)
    busy = counts > 0
    # An equal share: within each cell the subchannels carry the same number of users, within one.
    assert np.all(load.max(axis=1)[busy] - load.min(axis=1)[busy] <= 1)
    if params.access == "oma":
        assert (load.max() <= 1) == (params.n_users <= params.n_subchannels)
    else:
        assert (load.max() <= params.cluster_cap) == bool(np.all(counts <= params.cluster_cap * params.n_subchannels))


def test_round_robin_at_the_cap() -> None:
    # 90 users on 5 APs (18 each) and M = 6: every cluster holds exactly cluster_cap = 3 users.
    params = scenarios.params("yuan2023-users", seed=0)
    assert np.all(users_per_ap(params) == 18)
    np.testing.assert_array_equal(loads(params, round_robin(params)), np.full((5, 6), 3))


@pytest.mark.parametrize("case", INSTANCES, ids=_ident)
@pytest.mark.parametrize("method", ["neurosurgeon", "dnn_surgery"])
def test_fixed_resources_and_latency_optimal_split(case: tuple, method: str) -> None:
    params = instance(*case)
    sol = solved(*case, method)
    if not sol.has_point:
        pytest.skip("no decision exists")
    x = sol.x
    np.testing.assert_array_equal(x["sub_up"], round_robin_by_loop(params))
    np.testing.assert_array_equal(x["sub_dn"], round_robin_by_loop(params))
    np.testing.assert_array_equal(x["p"], params.device_power_max)
    np.testing.assert_array_equal(x["P"], params.ap_power_max)
    np.testing.assert_array_equal(x["r"], params.r_max if method == "neurosurgeon" else params.r_min)
    split = x["split"]
    assert np.all(split == split[0])
    latency = [total_latency(params, x, s) for s in range(params.n_units + 1)]
    assert latency[int(split[0])] <= min(latency) * (1 + SAME_VALUE)
    assert int(split[0]) == int(np.argmin(latency))  # ties to the lower split


@pytest.mark.parametrize("case", INSTANCES, ids=_ident)
def test_device_only_sends_nothing(case: tuple) -> None:
    params = instance(*case)
    sol = solved(*case, "device_only")
    assert sol.has_point
    np.testing.assert_array_equal(sol.x["split"], params.n_units)
    terms = model.utility_terms(params, model.decision(params, **sol.x))
    for name in ("T_up", "T_dn", "T_srv", "E_up", "E_dn", "E_srv"):
        np.testing.assert_array_equal(terms[name], 0.0)
    assert sol.objective == pytest.approx(device_only_utility(params), rel=SAME_VALUE)
    np.testing.assert_array_equal(sol.x["sub_up"], round_robin_by_loop(params))


@pytest.mark.parametrize("case", INSTANCES, ids=_ident)
def test_edge_only_uploads_the_raw_input(case: tuple) -> None:
    params = instance(*case)
    sol = solved(*case, "edge_only")
    assert sol.has_point
    np.testing.assert_array_equal(sol.x["split"], 0)
    terms = model.utility_terms(params, model.decision(params, **sol.x))
    np.testing.assert_array_equal(terms["T_dev"], 0.0)
    assert np.all(terms["T_up"] > 0)


@pytest.mark.parametrize("case", INSTANCES, ids=_ident)
def test_ecc_oma_is_orthogonal_in_each_cell(case: tuple) -> None:
    params = instance(*case)
    sol = solved(*case, "ecc_oma")
    if not sol.has_point:
        assert np.any(users_per_ap(params) > params.n_subchannels) or params.n_users > params.n_subchannels
        return
    for direction in ("sub_up", "sub_dn"):
        assert loads(params, sol.x[direction]).max() <= 1
    # The utility does not depend on the cap: the same decision scores the same on the cap-1 instance.
    assert sol.extras["objective_cap1"] == pytest.approx(sol.objective, rel=SAME_VALUE)


def _not_worse_cases() -> list[object]:
    out: list[object] = []
    for case in INSTANCES:
        for method in BASELINES:
            marks = []
            if method == "ecc_oma" and case[:2] in KNOWN_ABOVE_ECC_OMA and not case[2]:
                marks = [pytest.mark.xfail(strict=True, reason="li_gd stops above ecc_oma here (reported)")]
            out.append(pytest.param(case, method, marks=marks, id=f"{_ident(case)}-{method}"))
    return out


@pytest.mark.parametrize(("case", "method"), _not_worse_cases())
def test_li_gd_is_not_worse_than_any_baseline(case: tuple, method: str) -> None:
    ecc_noma = solved(*case, "li_gd")
    baseline = solved(*case, method)
    if not baseline.has_point:
        pytest.skip("the baseline has no decision here")
    assert ecc_noma.has_point
    tolerance = NOT_WORSE_OPTIMISED if method in ("edge_only", "ecc_oma") else NOT_WORSE
    assert ecc_noma.objective <= baseline.objective * (1 + tolerance), (
        f"{_ident(case)}: li_gd {ecc_noma.objective!r} > {method} {baseline.objective!r}"
    )
