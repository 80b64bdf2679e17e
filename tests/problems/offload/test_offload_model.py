"""Paper 001's model: the aggregated costs against a hand evaluation, validation, and the enumeration vs the MILP."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import OFFLOAD_VS_HAND, OFFLOAD_VS_MILP

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.offload.model import OPTION_NAMES, OffloadParams, option_costs
from edgeopt.problems.offload.problem import OffloadProblem
from edgeopt.problems.offload.reference import paper_costs
from tests.problems.offload.offload_strategies import random_offload


def _hand(p: OffloadParams, i: int) -> dict[str, dict[str, float]]:
    """Eqs. (1)-(6) for point ``i`` of a 1-d batch, written out once more by hand (scalars)."""
    q, n = float(p.requests[i]), float(p.edge_load[i])
    up, down = float(p.uplink_rate[i]), float(p.downlink_rate[i])
    slow = 1.0 + n / p.edge_cores
    t_in, t_res, t_req = p.input_bits / up, p.result_bits / down, p.request_bits / up
    t_pr = p.pruning_time * slow
    ie_f, ie_p = p.edge_inference_time * slow
    id_f, id_p = p.device_inference_time
    m_f, m_p = p.model_bits / down
    prx = p.rx_power + p.circuit_power
    pr_edge = q * t_pr if p.pruning == "per_request" else t_pr
    edge_energy = q * (p.tx_power * t_in + prx * t_res)
    edge_data = q * (p.input_bits + p.result_bits)
    dev_full = p.tx_power * t_req + prx * m_f + q * p.device_power * id_f
    dev_pruned = p.tx_power * t_req + prx * m_p + q * p.device_power * id_p
    out = {
        "edge/full": (q * (t_in + ie_f + t_res), edge_energy, edge_data),
        "edge/pre_pruned": (q * (t_in + ie_p + t_res), edge_energy, edge_data),
        "edge/on_demand": (q * (t_in + ie_p + t_res) + pr_edge, edge_energy, edge_data),
        "device/full": (t_req + m_f + q * id_f, dev_full, p.request_bits + p.model_bits[0]),
        "device/pre_pruned": (t_req + m_p + q * id_p, dev_pruned, p.request_bits + p.model_bits[1]),
        "device/on_demand": (t_req + t_pr + m_p + q * id_p, dev_pruned, p.request_bits + p.model_bits[1]),
    }
    return {k: {"time": v[0], "energy": v[1], "data": v[2]} for k, v in out.items()}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_option_costs_match_a_hand_evaluation(seed: int) -> None:
    p = random_offload(seed, points=4)
    costs = option_costs(p)
    restated = paper_costs(p)
    for i in range(4):
        hand = _hand(p, i)
        for j, name in enumerate(OPTION_NAMES):
            for metric in ("time", "energy", "data"):
                assert costs[metric][i, j] == pytest.approx(hand[name][metric], rel=OFFLOAD_VS_HAND)
                assert restated[metric][i, j] == pytest.approx(hand[name][metric], rel=OFFLOAD_VS_HAND)


def _between_costs(values: np.ndarray, rng: np.random.Generator) -> float:
    """A limit midway (geometrically) between two neighbouring costs, so no option sits on it within rounding."""
    v = np.unique(values[values > 0])
    k = int(rng.integers(len(v) // 20, max(len(v) * 9 // 10, len(v) // 20 + 1)))
    return float(np.sqrt(v[k] * v[min(k + 1, len(v) - 1)]) * (1.0 if k + 1 < len(v) else 1.5))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), deadline=st.booleans(), battery=st.booleans())
def test_enumeration_equals_the_milp(seed: int, deadline: bool, battery: bool) -> None:
    p = random_offload(seed, points=12)
    costs = option_costs(p)
    rng = np.random.default_rng(seed)
    extra = {}
    if deadline:
        extra["deadline"] = _between_costs(costs["time"], rng)
    if battery:
        extra["battery"] = _between_costs(costs["energy"], rng)
    if rng.uniform() < 0.3:
        extra.update(accuracy=np.array([0.8, 0.7]), accuracy_floor=0.75)
    p = p.replace(**extra)
    fast = OffloadProblem(p).solve()
    milp = OffloadProblem(p).solve(method="cvxpy")
    assert fast.status == milp.status
    if fast.status is Status.INFEASIBLE:
        return
    np.testing.assert_array_equal(fast.x["feasible"], milp.x["feasible"])
    assert milp.objective == pytest.approx(fast.objective, rel=OFFLOAD_VS_MILP)
    assert fast.objective <= milp.objective * (1 + 1e-12)
    # The MILP's own objective is priced from the paper's costs as restated in the reference, not by the model.
    assert milp.extras["solver_objective"] == pytest.approx(fast.objective, rel=OFFLOAD_VS_MILP)
    report = OffloadProblem(p).check(fast)
    assert report.duality_gap <= 1e-12 and report.primal_feasibility <= 1e-12


def test_accuracy_floor_removes_the_pruned_options() -> None:
    p = random_offload(3, accuracy=np.array([0.78, 0.70]), accuracy_floor=0.75)
    sol = OffloadProblem(p).solve()
    assert np.all(sol.x["model"] == 0)


def test_no_model_accurate_enough_is_infeasible() -> None:
    p = random_offload(4, accuracy=np.array([0.78, 0.70]), accuracy_floor=0.9)
    sol = OffloadProblem(p).solve()
    assert sol.status is Status.INFEASIBLE and "accuracy floor" in sol.extras["reason"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requests", np.array([-1.0])),
        ("edge_load", np.array([-2.0])),
        ("uplink_rate", np.array([0.0])),
        ("requests", np.array([np.nan])),
        ("model_bits", np.array([1.0, 2.0, 3.0])),
        ("edge_cores", 0),
        ("edge_cores", 4.0),
        ("pruning", "sometimes"),
        ("objective", "cost"),
        ("accuracy_floor", 1.5),
        ("deadline", 0.0),
        ("tx_power", np.nan),
    ],
)
def test_bad_input_names_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidParameterError, match=field):
        random_offload(0, **{field: value})


def test_batch_shapes_must_broadcast() -> None:
    with pytest.raises(InvalidParameterError, match="broadcast"):
        random_offload(0, requests=np.ones(3), edge_load=np.ones(4))


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("pruning_factor", 1.0),
        ("pruning_factor", "abc"),
        ("pruning_factor", None),
        ("pruning_factor", np.nan),
        ("pruning_rate", 0.0),
        ("mac_efficiency", 0.0),
        ("mac_efficiency", -1.0),
        ("accuracy_drop", 2.0),
        ("distance", "far"),
        ("distance", -5.0),
        ("requests", "x"),
        ("requests", [-1.0]),
        ("edge_load", [-3.0]),
        ("bs_elements", 2.5),
        ("edge_cores", 2.5),
        ("profile", "alexnet"),
        ("frequency", 0.0),
        ("no_such_setting", 1.0),
    ],
)
def test_scenario_settings_are_validated_under_their_own_names(setting: str, value: object) -> None:
    from edgeopt.problems.offload import scenarios

    with pytest.raises(InvalidParameterError, match=setting if setting != "bs_elements" else "elements"):
        scenarios.params("tiny-offload", **{setting: value})


def test_a_distance_beyond_any_link_is_rejected_as_distance() -> None:
    from edgeopt.problems.offload import scenarios

    with pytest.raises(InvalidParameterError, match="distance"):
        scenarios.params("tiny-offload", distance=1e9)
