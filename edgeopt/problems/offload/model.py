"""The offloading model of paper 001 (Chukhno et al., NET4us 2023): edge or device execution, full or pruned model.

A device needs ``Q`` inferences of one DNN within the model's lifetime. It
either sends every input to the edge server co-located with the base station
(the *edge* path, Fig. 1 left), or asks the server for the model once and
runs the ``Q`` inferences itself (the *device* path, Fig. 1 right). Either
way the model is the full one, a pruned one already in the server's
repository (*pre-pruned*), or one the server prunes on demand (*on-demand*).
That gives the six options of :data:`OPTIONS`.

Per request (eqs. (1)-(6))
--------------------------
With uplink and downlink rates ``D_ul``, ``D_dl`` (bit/s):

* (1) ``T_input = l_in / D_ul``, ``T_res = l_res / D_dl``;
* (2) ``T(edge) = T_input + T_pr + T_inf,e + T_res``;
* (3) ``E(edge) = P_tx T_input + (P_rx + P_E) T_res``: the device's energy;
  the server's own energy is not in it;
* (4) ``T_req = l_req / D_ul``, ``T_model = l_size / D_dl``;
* (5) ``T(device) = T_req + T_pr + T_model + T_inf,d``;
* (6) ``E(device) = P_tx T_req + (P_rx + P_E) T_model + P_d T_inf,d``.

``T_pr = 0`` for the full and the pre-pruned model. ``P_E`` is the device's
baseband circuit power, drawn while it receives (eqs. (3), (6) as printed).

Aggregation over ``Q`` requests
-------------------------------
The paper states it in words only (Sec. 3.1): on the edge path the whole
cycle repeats ``Q`` times, on the device path only the inference does. We
read that as (the issue's reading):

* edge: data ``Q (l_in + l_res)``, time ``Q T(edge)``, device energy
  ``Q E(edge)``; an on-demand pruning costs ``T_pr`` on every request, as (2)
  reads, or once per model lifetime with ``pruning="once"`` (the server keeps
  the pruned model for the remaining ``Q - 1`` requests);
* device: data ``l_req + l_size``, time ``T_req + T_pr + T_model + Q T_inf,d``,
  device energy ``P_tx T_req + (P_rx + P_E) T_model + Q P_d T_inf,d``.

Every cost is therefore affine in ``Q``: ``cost = intercept + slope Q``
(:func:`option_lines`), which is what makes the break-even points of
:mod:`.closed_forms` exact closed forms.

Edge load
---------
The server is a 4-vCPU VM loaded with ``n`` concurrent containers (Sec. 4.1).
We model it as processor sharing: our task runs one thread per core, each
background task keeps one core busy, and the scheduler shares the ``c``
cores equally among the ``c + n`` busy threads, so our task gets the fraction
``c / (c + n)`` of the machine and every edge compute time (inference and
pruning alike) stretches by :func:`load_slowdown` ``= 1 + n / c``. It is
monotone and affine in ``n``, so the load threshold of
:mod:`.closed_forms` is a closed form too. The paper measures these times
(Fig. 2(b), Fig. 3) but prints none.

The server's pruning energy is ``P_server T_pr`` (Sec. 4.2: "the product of
pruning time and power, with the latter one set to 131.26 W"); it is reported
(:func:`server_pruning_energy`), never added to the device's energy.

Units: bits, seconds, watts, joules, bit/s throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import array, integer, number

# The six options, in the order of every option axis (the last axis of option_lines' arrays).
OPTIONS: tuple[tuple[str, str], ...] = (
    ("edge", "full"),
    ("edge", "pre_pruned"),
    ("edge", "on_demand"),
    ("device", "full"),
    ("device", "pre_pruned"),
    ("device", "on_demand"),
)
OPTION_NAMES: tuple[str, ...] = tuple(f"{place}/{variant}" for place, variant in OPTIONS)
PLACES = ("edge", "device")
VARIANTS = ("full", "pre_pruned", "on_demand")
METRICS = ("time", "energy", "data")
PRUNING_MODES = ("per_request", "once")
# Which model (0 = full, 1 = pruned) each option runs, and whether it prunes on demand.
OPTION_MODEL = np.array([0, 1, 1, 0, 1, 1])
OPTION_ON_DEMAND = np.array([False, False, True, False, False, True])
OPTION_ON_DEVICE = np.array([False, False, False, True, True, True])

# Valid ranges, SI units (inclusive). Wide physically, and they keep every product finite.
RANGES: dict[str, tuple[float, float]] = {
    "requests": (0.0, 1e9),
    "edge_load": (0.0, 1e6),  # concurrent background tasks
    "rate": (1.0, 1e13),  # bit/s
    "bits": (0.0, 1e13),
    "time": (0.0, 1e6),  # s
    "power": (0.0, 1e4),  # W
    "accuracy": (0.0, 1.0),
}


def _check_array(name: str, value: Any, key: str, *, positive: bool = False) -> np.ndarray:
    low, high = RANGES[key]
    arr = array(name, value, allow_zero=not positive, maximum=high)
    if arr.size == 0:
        raise InvalidParameterError(f"{name} must hold at least one value, got an empty array")
    if np.any(arr < low):
        index = tuple(int(i) for i in np.argwhere(arr < low)[0])
        raise InvalidParameterError(f"{name} must be >= {low:g} everywhere, got {float(arr[index])!r} at index {index}")
    return arr


def _check_pair(name: str, value: Any, key: str) -> np.ndarray:
    arr = array(name, value, [(2,)], allow_zero=True, maximum=RANGES[key][1])
    return arr


@dataclass(frozen=True)
class OffloadParams:
    """One DNN served to a batch of operating points (Q, edge load, rates), SI units.

    The per-point fields (``requests``, ``edge_load``, ``uplink_rate``,
    ``downlink_rate``) take any shapes that broadcast together; the batch
    shape is their broadcast (:attr:`shape`). The DNN's sizes and times are
    scalars, or pairs ``[full, pruned]``.

    Attributes
    ----------
    requests : array
        ``Q``, inferences within the model's lifetime, in ``[0, 1e9]`` (real:
        the closed forms treat it as continuous).
    edge_load : array
        ``n``, concurrent background tasks on the server, in ``[0, 1e6]``.
    uplink_rate, downlink_rate : array
        ``D_ul``, ``D_dl`` in bit/s, in ``[1, 1e13]``
        (:func:`edgeopt.models.channel.umi_link_rate` gives them from distances).
    input_bits, result_bits, request_bits : float
        ``l_in`` (300 kB in Sec. 4.1), ``l_res`` (2 kB), ``l_req`` (not in the
        paper), in bits, in ``[0, 1e13]``.
    model_bits : array (2,)
        ``l_size`` of the full and the pruned model, bits.
    edge_inference_time, device_inference_time : array (2,)
        ``T_inf,e`` on an idle server and ``T_inf,d``, full and pruned, s.
    pruning_time : float
        ``T_pr`` on an idle server, s (Fig. 2(b): almost independent of the
        pruning factor).
    edge_cores : int
        ``c``, the server's cores (4 vCPUs in Sec. 4.1), for :func:`load_slowdown`.
    tx_power, rx_power, circuit_power, device_power : float
        ``P_tx`` (0.01 W), ``P_rx`` (0.1 W), ``P_E`` (5.34 W), ``P_d`` (2.8 W).
    server_power : float
        The server's power while pruning (131.26 W), for :func:`server_pruning_energy`.
    accuracy : array (2,)
        Top-1 accuracy of the full and the pruned model, in ``[0, 1]``.
    accuracy_floor : float
        Options whose model is below it are not allowed (0: all are).
    pruning : {"per_request", "once"}
        On the edge path, on-demand pruning on every request (eq. (2)) or once
        per model lifetime.
    objective : {"time", "energy", "data"}
        What :class:`~.problem.OffloadProblem` minimises: total time, device
        energy or exchanged data over the ``Q`` requests.
    deadline : float, optional
        Upper bound on the total time of the ``Q`` requests, s.
    battery : float, optional
        Upper bound on the device energy of the ``Q`` requests, J.
    name : str
        A label for reports.

    """

    requests: np.ndarray = field(metadata={"any_shape": True})
    edge_load: np.ndarray = field(metadata={"any_shape": True})
    uplink_rate: np.ndarray = field(metadata={"any_shape": True})
    downlink_rate: np.ndarray = field(metadata={"any_shape": True})
    input_bits: float
    result_bits: float
    request_bits: float
    model_bits: np.ndarray
    edge_inference_time: np.ndarray
    device_inference_time: np.ndarray
    pruning_time: float
    edge_cores: int = 4
    tx_power: float = 0.01
    rx_power: float = 0.1
    circuit_power: float = 5.34
    device_power: float = 2.8
    server_power: float = 131.26
    accuracy: np.ndarray = field(default_factory=lambda: np.array([1.0, 1.0]))
    accuracy_floor: float = 0.0
    pruning: str = "per_request"
    objective: str = "time"
    deadline: float | None = None
    battery: float | None = None
    name: str = field(default="", metadata={"free_text": True})

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "requests", _check_array("requests", self.requests, "requests"))
        set_(self, "edge_load", _check_array("edge_load", self.edge_load, "edge_load"))
        for name in ("uplink_rate", "downlink_rate"):
            set_(self, name, _check_array(name, getattr(self, name), "rate", positive=True))
        try:
            np.broadcast_shapes(self.requests.shape, self.edge_load.shape, self.uplink_rate.shape,
                                self.downlink_rate.shape)  # fmt: skip
        except ValueError:
            raise InvalidParameterError(
                "requests, edge_load, uplink_rate and downlink_rate must broadcast together, got shapes "
                f"{self.requests.shape}, {self.edge_load.shape}, {self.uplink_rate.shape}, {self.downlink_rate.shape}"
            ) from None
        for name in ("input_bits", "result_bits", "request_bits"):
            set_(self, name, number(name, getattr(self, name), minimum=0.0, maximum=RANGES["bits"][1]))
        set_(self, "model_bits", _check_pair("model_bits", self.model_bits, "bits"))
        for name in ("edge_inference_time", "device_inference_time"):
            set_(self, name, _check_pair(name, getattr(self, name), "time"))
        set_(self, "pruning_time", number("pruning_time", self.pruning_time, minimum=0.0, maximum=RANGES["time"][1]))
        set_(self, "edge_cores", integer("edge_cores", self.edge_cores, minimum=1, maximum=1_000_000))
        for name in ("tx_power", "rx_power", "circuit_power", "device_power", "server_power"):
            set_(self, name, number(name, getattr(self, name), minimum=0.0, maximum=RANGES["power"][1]))
        set_(self, "accuracy", _check_pair("accuracy", self.accuracy, "accuracy"))
        set_(self, "accuracy_floor", number("accuracy_floor", self.accuracy_floor, minimum=0.0, maximum=1.0))
        for name, allowed in (("pruning", PRUNING_MODES), ("objective", METRICS)):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in allowed:
                raise InvalidParameterError(f"{name} must be one of {allowed}, got {value!r}")
        for name in ("deadline", "battery"):
            value = getattr(self, name)
            if value is not None:
                set_(self, name, number(name, value, minimum=0.0, maximum=1e15, exclusive_minimum=True))
        if not isinstance(self.name, str):
            raise InvalidParameterError(f"name must be a str, got {type(self.name).__name__}")

    @property
    def shape(self) -> tuple[int, ...]:
        """The batch shape: the broadcast of the per-point fields."""
        return tuple(
            np.broadcast_shapes(
                self.requests.shape, self.edge_load.shape, self.uplink_rate.shape, self.downlink_rate.shape
            )
        )

    def replace(self, **changes: Any) -> OffloadParams:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)


class OptionLines(NamedTuple):
    """Every option's cost as a line in ``Q``: ``cost = intercept + slope * Q``.

    Each array has the batch shape plus a last axis of length 6 (:data:`OPTIONS`).
    """

    time_intercept: np.ndarray
    time_slope: np.ndarray
    energy_intercept: np.ndarray
    energy_slope: np.ndarray
    data_intercept: np.ndarray
    data_slope: np.ndarray

    def intercept(self, metric: str) -> np.ndarray:
        """The intercepts of ``metric`` (``"time"``, ``"energy"`` or ``"data"``)."""
        return np.asarray(getattr(self, f"{metric}_intercept"))

    def slope(self, metric: str) -> np.ndarray:
        """The slopes of ``metric``."""
        return np.asarray(getattr(self, f"{metric}_slope"))


def load_slowdown(edge_load: Any, cores: int) -> np.ndarray:
    """Stretch ``1 + n / c`` of an edge compute time under ``n`` background tasks on ``c`` cores.

    Processor sharing (module docstring): our task's ``c`` threads and the
    ``n`` busy background threads share the ``c`` cores equally, so it gets
    ``c / (c + n)`` of the machine. Monotone and affine in ``n``; 1 on an idle
    server.
    """
    return 1.0 + np.asarray(edge_load, dtype=float) / float(cores)


def transfer_times(params: OffloadParams) -> dict[str, np.ndarray]:
    """Eqs. (1) and (4): ``T_input``, ``T_res``, ``T_req`` and ``T_model`` (full, pruned on the last axis)."""
    up = params.uplink_rate
    down = params.downlink_rate
    return {
        "input": params.input_bits / up,
        "result": params.result_bits / down,
        "request": params.request_bits / up,
        "model": params.model_bits / np.asarray(down)[..., None],
    }


def edge_compute_times(params: OffloadParams) -> dict[str, np.ndarray]:
    """``T_inf,e`` (full, pruned on the last axis) and ``T_pr`` at the batch's edge loads."""
    stretch = load_slowdown(params.edge_load, params.edge_cores)
    return {"inference": stretch[..., None] * params.edge_inference_time, "pruning": stretch * params.pruning_time}


def option_lines(params: OffloadParams) -> OptionLines:
    """Time, device energy and exchanged data of the six options as lines in ``Q`` (eqs. (1)-(6), aggregated).

    Returns
    -------
    OptionLines
        Intercepts and slopes, batch shape + (6,), in the order of :data:`OPTIONS`.

    """
    shape = params.shape
    t = transfer_times(params)
    e = edge_compute_times(params)
    t_in = np.broadcast_to(t["input"], shape)
    t_res = np.broadcast_to(t["result"], shape)
    t_req = np.broadcast_to(t["request"], shape)
    t_model = np.broadcast_to(t["model"], (*shape, 2))
    inf_e = np.broadcast_to(e["inference"], (*shape, 2))
    t_pr = np.broadcast_to(e["pruning"], shape)
    zero = np.zeros(shape)
    receive = params.rx_power + params.circuit_power

    # Edge path, per request (eqs. (2), (3)); the pruning once per lifetime goes to the intercept instead.
    cycle = t_in + t_res
    per_request = params.pruning == "per_request"
    pr_slope = t_pr if per_request else zero
    pr_intercept = zero if per_request else t_pr
    edge_time_slope = np.stack([cycle + inf_e[..., 0], cycle + inf_e[..., 1], cycle + inf_e[..., 1] + pr_slope], -1)
    edge_time_intercept = np.stack([zero, zero, pr_intercept], -1)
    edge_energy = params.tx_power * t_in + receive * t_res
    edge_data = np.full(shape, params.input_bits + params.result_bits)

    # Device path (eqs. (5), (6)): the request and the download once, the inference Q times.
    inf_d = params.device_inference_time
    once = t_req[..., None] + t_model  # (..., 2): full, pruned
    device_time_intercept = np.stack([once[..., 0], once[..., 1], once[..., 1] + t_pr], -1)
    device_time_slope = np.broadcast_to(inf_d[[0, 1, 1]], (*shape, 3))
    device_energy_once = params.tx_power * t_req[..., None] + receive * t_model
    device_energy_intercept = device_energy_once[..., [0, 1, 1]]
    device_energy_slope = np.broadcast_to(params.device_power * inf_d[[0, 1, 1]], (*shape, 3))
    device_data = params.request_bits + params.model_bits[[0, 1, 1]]

    def both(edge: np.ndarray, device: np.ndarray) -> np.ndarray:
        return np.concatenate([np.broadcast_to(edge, (*shape, 3)), np.broadcast_to(device, (*shape, 3))], -1)

    return OptionLines(
        time_intercept=both(edge_time_intercept, device_time_intercept),
        time_slope=both(edge_time_slope, device_time_slope),
        energy_intercept=both(zero[..., None], device_energy_intercept),
        energy_slope=both(edge_energy[..., None], device_energy_slope),
        data_intercept=both(zero[..., None], np.broadcast_to(device_data, (*shape, 3))),
        data_slope=both(edge_data[..., None], np.zeros((*shape, 3))),
    )


def option_costs(params: OffloadParams, lines: OptionLines | None = None) -> dict[str, np.ndarray]:
    """Total time, device energy and data of every option at the batch's ``Q``: batch shape + (6,)."""
    lines = option_lines(params) if lines is None else lines
    q = np.broadcast_to(params.requests, params.shape)[..., None]
    return {m: lines.intercept(m) + lines.slope(m) * q for m in METRICS}


def at_option(values: np.ndarray, option: np.ndarray) -> np.ndarray:
    """Each point's entry of ``values`` (batch shape + (6,)) at its ``option`` (batch shape, valid indices)."""
    return np.take_along_axis(values, option[..., None], axis=-1)[..., 0]


def allowed_options(params: OffloadParams) -> np.ndarray:
    """Options whose model meets the accuracy floor, (6,) bool."""
    return np.asarray(params.accuracy[OPTION_MODEL] >= params.accuracy_floor)


def feasible_options(params: OffloadParams, costs: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Options allowed by the accuracy floor and within the deadline and the battery: batch shape + (6,) bool."""
    costs = option_costs(params) if costs is None else costs
    ok = np.broadcast_to(allowed_options(params), costs["time"].shape).copy()
    if params.deadline is not None:
        ok &= costs["time"] <= params.deadline
    if params.battery is not None:
        ok &= costs["energy"] <= params.battery
    return ok


def server_pruning_energy(params: OffloadParams) -> np.ndarray:
    """The server's energy per on-demand pruning, ``P_server T_pr`` at the batch's loads (Sec. 4.2), J."""
    return params.server_power * edge_compute_times(params)["pruning"]


def model_to_input_ratio(params: OffloadParams) -> float:
    """``l_size / l_in`` of the full model (Sec. 4.2: "nearly x1000 for ResNet-152")."""
    return float(params.model_bits[0] / params.input_bits) if params.input_bits > 0 else float("inf")


# Placeholder option of an operating point that no option can serve (see summarise).
NO_OPTION = -1


def summarise(params: OffloadParams, option: np.ndarray, costs: dict[str, np.ndarray] | None = None) -> Solution:
    """A :class:`Solution` from one option per operating point; the objective is the mean chosen metric.

    Parameters
    ----------
    params : OffloadParams
        The batch.
    option : numpy.ndarray of int
        Batch shape; an index into :data:`OPTIONS`, or :data:`NO_OPTION` (-1)
        where no option is feasible.
    costs : dict, optional
        :func:`option_costs`, if already computed.

    Returns
    -------
    Solution
        ``OPTIMAL`` with ``x["option"]``, ``x["on_device"]`` (bool),
        ``x["model"]`` (0 full, 1 pruned), ``x["on_demand"]`` (bool),
        ``x["time"]``, ``x["energy"]``, ``x["data"]`` (the option's totals over
        the ``Q`` requests), ``x["server_energy"]`` (the server's on-demand
        pruning energy, J, not part of any objective) and ``x["feasible"]``.
        Where no option is feasible: option -1, the metrics ``inf``, the flags
        False and the model -1. ``extras["n_infeasible"]`` counts those points,
        with a ``reason``. ``INFEASIBLE`` when no point is feasible.

    """
    costs = option_costs(params) if costs is None else costs
    shape = params.shape
    option = np.broadcast_to(np.asarray(option, dtype=np.int64), shape)
    feasible = option >= 0
    missed = int(np.count_nonzero(~feasible))
    total = int(np.prod(shape, dtype=np.int64))
    reason = _infeasible_reason(params, missed, total)
    if missed == total:
        return infeasible(reason, n_infeasible=missed, n_points=total)
    safe = np.where(feasible, option, 0)
    x: dict[str, np.ndarray] = {"option": np.array(option)}
    for metric in METRICS:
        chosen = at_option(costs[metric], safe)
        x[metric] = np.where(feasible, chosen, np.inf)
    pruning = np.broadcast_to(server_pruning_energy(params), shape)
    # The server prunes once for the device path or with pruning="once", on every request otherwise.
    q = np.broadcast_to(params.requests, shape)
    prunings = np.where(OPTION_ON_DEVICE[safe] | (params.pruning == "once"), 1.0, q)
    x["server_energy"] = np.where(feasible & OPTION_ON_DEMAND[safe], pruning * prunings, 0.0)
    x["on_device"] = feasible & OPTION_ON_DEVICE[safe]
    x["on_demand"] = feasible & OPTION_ON_DEMAND[safe]
    x["model"] = np.where(feasible, OPTION_MODEL[safe], NO_OPTION)
    x["feasible"] = np.array(feasible)
    extras: dict[str, Any] = {"n_infeasible": missed, "n_points": total, "options": OPTION_NAMES}
    if missed:
        extras["reason"] = reason
    value = float(np.mean(x[params.objective][feasible]))
    return Solution(status=Status.OPTIMAL, objective=value, x=x, extras=extras)


def _infeasible_reason(params: OffloadParams, missed: int, total: int) -> str:
    if not np.any(allowed_options(params)):
        return (
            f"no model meets the accuracy floor {params.accuracy_floor:g} (accuracies {params.accuracy.tolist()}): "
            f"all {total} operating points are infeasible"
        )
    limits = []
    if params.deadline is not None:
        limits.append(f"the {params.deadline:g} s deadline")
    if params.battery is not None:
        limits.append(f"the {params.battery:g} J battery")
    what = " and ".join(limits) or "the constraints"
    return (
        f"{missed} of {total} operating points have no option within {what} (accuracy floor "
        f"{params.accuracy_floor:g}); the objective is the mean over the other {total - missed}"
    )
