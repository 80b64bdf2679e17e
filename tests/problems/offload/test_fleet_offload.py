"""FleetParams.from_offload: the fleet priced by paper 001's model at each device-server distance.

Expected values are computed here from eqs. (1)-(6) aggregated over ``Q`` (the issue's reading), on the
template's own fields and the link rates at each distance, device by device; they are not read from the
fleet's code.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.offload import fleet_scenarios
from edgeopt.problems.offload import scenarios as offload_scenarios
from edgeopt.problems.offload.fleet import FleetParams, FleetProblem

Q = 50.0
DISTANCE = np.array([[30.0, 250.0, 90.0], [400.0, 15.0, 120.0]])


@pytest.fixture(scope="module")
def template():
    return offload_scenarios.params("chukhno2023-densenet201", requests=[Q], edge_load=[0.0])


def _by_hand(t, metric: str):
    """Device and edge costs of every (device, server, model) from eqs. (1)-(6), one pair at a time."""
    n, s = DISTANCE.shape
    device = np.empty((n, s, 2))
    edge = np.empty((n, s, 2))
    for u in range(n):
        for j in range(s):
            rates = offload_scenarios.link_rates(DISTANCE[u, j])
            up, down = float(rates.uplink), float(rates.downlink)
            t_in, t_res, t_req = t.input_bits / up, t.result_bits / down, t.request_bits / up
            for k in range(2):
                t_model = t.model_bits[k] / down
                if metric == "time":
                    edge[u, j, k] = Q * (t_in + t.edge_inference_time[k] + t_res)  # eq. (2), T_pr = 0
                    device[u, j, k] = t_req + t_model + Q * t.device_inference_time[k]  # eq. (5)
                else:
                    edge[u, j, k] = Q * (t.tx_power * t_in + (t.rx_power + t.circuit_power) * t_res)  # eq. (3)
                    device[u, j, k] = (  # eq. (6)
                        t.tx_power * t_req
                        + (t.rx_power + t.circuit_power) * t_model
                        + Q * t.device_power * t.device_inference_time[k]
                    )
    return device, edge


@pytest.mark.parametrize("metric", ["time", "energy"])
def test_costs_follow_the_paper_model(template, metric: str) -> None:
    fleet = FleetParams.from_offload(template, DISTANCE, metric=metric)
    device, edge = _by_hand(template, metric)
    # The device path downloads the model from the best server; the edge path runs at the chosen one.
    assert fleet.device_cost == pytest.approx(device.min(axis=1), rel=1e-12)
    priced = fleet.transfer_cost[:, :, None] + fleet.edge_time[None, :, :]
    assert priced == pytest.approx(edge, rel=1e-12)
    if metric == "time":
        # Processor sharing of single-threaded tasks: gamma = (Q T_inf,e full) / cores.
        assert fleet.congestion == pytest.approx(Q * template.edge_inference_time[0] / template.edge_cores, rel=1e-12)
        assert fleet.edge_time[:, 0] == pytest.approx(Q * template.edge_inference_time[0], rel=1e-12)
    else:
        assert np.all(fleet.congestion == 0.0) and np.all(fleet.edge_time == 0.0)
    assert np.array_equal(fleet.edge_cores, np.full(3, template.edge_cores))
    assert np.array_equal(fleet.accuracy, template.accuracy)


def test_overrides_and_background_load(template) -> None:
    fleet = FleetParams.from_offload(
        template, DISTANCE, edge_load=[0.0, 4.0, 8.0], edge_cores=[2, 4, 8], congestion=[0.0, 1.0, 2.0],
        accuracy_floor=[0.0, 0.9],
    )  # fmt: skip
    # The lead's load model: a stretch 1 + n / c of the edge compute times (c = the template's 4 cores).
    stretch = 1.0 + np.array([0.0, 4.0, 8.0]) / template.edge_cores
    assert fleet.edge_time[:, 1] == pytest.approx(Q * stretch * template.edge_inference_time[1], rel=1e-12)
    assert fleet.edge_cores.tolist() == [2, 4, 8] and fleet.congestion.tolist() == [0.0, 1.0, 2.0]
    sol = FleetProblem(fleet).solve()
    assert sol.status is Status.INFEASIBLE and "device(s) [1]" in sol.reason


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"distance": np.ones(3)}, "distance must be a 2-d array"),
        ({"distance": -DISTANCE}, "distance must be >= 0"),
        ({"metric": "money"}, "metric must be one of"),
        ({"edge_cores": [4.0, 4.0, 4.0]}, "edge_cores must be an array of integers"),
        ({"edge_load": [0.0, 1.0]}, r"edge_load must have shape \(3,\)"),
        ({"accuracy_floor": [0.0]}, r"accuracy_floor must have shape \(2,\)"),
    ],
)
def test_bad_arguments_are_named(template, kwargs: dict, match: str) -> None:
    args = {"distance": DISTANCE, **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        FleetParams.from_offload(template, args.pop("distance"), **args)


def test_one_q_for_the_whole_fleet(template) -> None:
    with pytest.raises(InvalidParameterError, match="requests must hold one Q"):
        FleetParams.from_offload(template.replace(requests=np.array([1.0, 2.0])), DISTANCE)
    with pytest.raises(InvalidParameterError, match="offload must be an OffloadParams"):
        FleetParams.from_offload(object(), DISTANCE)  # type: ignore[arg-type]


def test_offload_scenarios_solve_and_agree_with_the_milp() -> None:
    for name in ("chukhno2023-fleet-resnet152-time", "chukhno2023-fleet-mobilenet-energy"):
        prob = FleetProblem.from_scenario(name)
        flow, milp = prob.solve("flow"), prob.solve("cvxpy")
        assert flow.status is Status.OPTIMAL and milp.status is Status.OPTIMAL
        assert flow.objective == pytest.approx(milp.objective, rel=1e-9)
    # Device energy does not see the queue: with no congestion every device offloads (edge energy is ~mJ).
    energy = FleetProblem.from_scenario("chukhno2023-fleet-mobilenet-energy").solve()
    assert energy.extras["on_device"] == 0
    p = fleet_scenarios.offload_params(0, 5, 2, metric="data")
    assert p.n_devices == 5 and p.n_servers == 2
