"""Named and seeded random offloading instances (paper 001, Sec. 4), shared by tests, benchmark and notebook.

From profile to parameters
--------------------------
Paper 001 measures its inference and pruning times and prints none of them.
:func:`dnn_figures` derives them from the shipped profiles
(:mod:`edgeopt.models.zoo`: parameters and MACs) and the platform constants
of ``offload.toml``, with no constant fitted to the paper:

* model size ``l_size = params x 32`` bits (fp32); the pruned model keeps
  ``1 - pf`` of the parameters, stored densely (channel pruning: a smaller
  dense model);
* inference time ``MACs / (peak MAC rate x efficiency)`` on an idle platform;
  the pruned model does ``1 - pf`` of the MACs;
* pruning time ``n log2 n / pruning_rate`` for ``n`` parameters: magnitude
  pruning orders the weight vector (Sec. 4.2: the time depends on the
  parameter count, not on ``pf``).

The edge load stretches both edge times by :func:`~.model.load_slowdown`.
The link rates come from :func:`edgeopt.models.channel.umi_link_rate` at the
scenario's distance (3GPP TR 38.901 UMi street canyon; the noise figures,
the array gain and the LOS handling are the TOML's choices).

Named scenarios
---------------
``offload.toml``: ``chukhno2023-resnet152``, ``-densenet201`` and
``-mobilenet`` (a batch over Figs. 3-5's axes: ``Q`` x edge load) and
``tiny-offload`` (one point). :func:`names` lists them, :func:`params`
builds one.

Random instances
----------------
:func:`random_params` (the paper's ranges: the three networks, 10-500 m,
``Q`` 1-1000, loads 0-100, sometimes a deadline or a battery near its
feasibility limit) and :func:`wide_params` (the fuzz harness: every positive
quantity log-uniform over at least four decades, plus degenerate regimes)
are reproducible from their seed.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, log_uniform, scenario_entry, scenario_names
from edgeopt.core.validate import array, number
from edgeopt.models import zoo
from edgeopt.models.channel import dbm_per_hz_to_watt_per_hz, dbm_to_watt, umi_link_rate
from edgeopt.problems.offload.model import METRICS, PRUNING_MODES, RANGES, OffloadParams, option_costs

SCENARIO_FILE = "offload.toml"
_PACKAGE = "edgeopt.problems.offload"
#: The networks of Sec. 4.1 (zoo names).
NETWORKS = ("resnet152", "densenet201", "mobilenet_v1")
BITS_PER_BYTE = 8.0


class DnnFigures(NamedTuple):
    """Sizes and idle-platform times of one network, full and pruned (``[full, pruned]`` pairs)."""

    params: np.ndarray
    macs: np.ndarray
    model_bits: np.ndarray
    edge_inference_time: np.ndarray
    device_inference_time: np.ndarray
    pruning_time: float


class LinkRates(NamedTuple):
    """Uplink (device to base station) and downlink rates in bit/s."""

    uplink: np.ndarray
    downlink: np.ndarray


@cache
def _data() -> dict[str, Any]:
    return load_toml(_PACKAGE, SCENARIO_FILE)


def names() -> list[str]:
    """The named scenarios of ``offload.toml``."""
    return scenario_names(_data())


def defaults() -> dict[str, Any]:
    """The ``[defaults]`` table (a copy)."""
    return dict(_data()["defaults"])


@cache
def _counts(profile: str) -> tuple[float, float]:
    """(parameters, MACs) of a shipped zoo profile, counted once per name (building and sorting one costs ~0.1 s)."""
    net = zoo.profile(profile)
    return float(net.params), float(net.macs)


def dnn_figures(profile: str, settings: dict[str, Any] | None = None) -> DnnFigures:
    """Sizes and times of ``profile`` under the platform constants of ``settings`` (default: the TOML's).

    Parameters
    ----------
    profile : str
        A zoo name, e.g. ``"resnet152"``.
    settings : dict, optional
        Keys ``pruning_factor``, ``bits_per_parameter``, ``edge_peak_mac_rate``,
        ``device_peak_mac_rate``, ``mac_efficiency``, ``pruning_rate``.

    """
    s = _checked({**defaults(), **(settings or {}), "profile": profile})
    keep = 1.0 - s["pruning_factor"]
    n_params, n_macs = _counts(profile)
    params = np.array([n_params, keep * n_params])
    macs = np.array([n_macs, keep * n_macs])
    efficiency = s["mac_efficiency"]
    return DnnFigures(
        params=params,
        macs=macs,
        model_bits=params * s["bits_per_parameter"],
        edge_inference_time=macs / (s["edge_peak_mac_rate"] * efficiency),
        device_inference_time=macs / (s["device_peak_mac_rate"] * efficiency),
        pruning_time=n_params * math.log2(n_params) / s["pruning_rate"],
    )


# Numeric settings of offload.toml: (minimum, maximum, minimum excluded, maximum excluded). Validated under their
# own names, so an error names the setting, not the OffloadParams field derived from it.
_NUMERIC_SETTINGS: dict[str, tuple[float, float, bool, bool]] = {
    "pruning_factor": (0.0, 1.0, False, True),
    "bits_per_parameter": (0.0, 1e6, True, False),
    "edge_peak_mac_rate": (0.0, 1e20, True, False),
    "device_peak_mac_rate": (0.0, 1e20, True, False),
    "mac_efficiency": (0.0, 1.0, True, False),
    "pruning_rate": (0.0, 1e20, True, False),
    "input_bytes": (0.0, 1e12, False, False),
    "result_bytes": (0.0, 1e12, False, False),
    "request_bytes": (0.0, 1e12, False, False),
    "accuracy_full": (0.0, 1.0, False, False),
    "accuracy_drop": (0.0, 1.0, False, False),
    "frequency": (0.0, 1e12, True, False),
    "bandwidth": (0.0, 1e12, True, False),
    "bs_power_dbm": (-200.0, 100.0, False, False),
    "device_power_dbm": (-200.0, 100.0, False, False),
    "noise_psd_dbm_per_hz": (-300.0, 0.0, False, False),
    "bs_noise_figure_db": (0.0, 100.0, False, False),
    "device_noise_figure_db": (0.0, 100.0, False, False),
}
_OPTIONAL_KEYS = frozenset({"deadline", "battery"})


def _checked(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with every numeric key validated under its own name; an unknown key is an error."""
    unknown = sorted(set(settings) - set(defaults()) - _OPTIONAL_KEYS)
    if unknown:
        raise InvalidParameterError(
            f"unknown offload scenario setting(s) {unknown}; the settings are those of offload.toml's [defaults] "
            f"and {sorted(_OPTIONAL_KEYS)}"
        )
    out = dict(settings)
    for key, (low, high, strict_low, strict_high) in _NUMERIC_SETTINGS.items():
        out[key] = number(
            key, settings[key], minimum=low, maximum=high, exclusive_minimum=strict_low, exclusive_maximum=strict_high
        )
    if not isinstance(settings["profile"], str) or settings["profile"] not in zoo.PROFILES:
        raise InvalidParameterError(f"profile must be one of {sorted(zoo.PROFILES)}, got {settings['profile']!r}")
    return out


def link_rates(distance: Any, settings: dict[str, Any] | None = None) -> LinkRates:
    """Uplink and downlink Shannon rates at ``distance`` metres under the radio settings (TOML keys)."""
    s = _checked({**defaults(), **(settings or {})})
    d = array("distance", distance, allow_zero=True)
    common = {
        "bandwidth": s["bandwidth"],
        "frequency": s["frequency"],
        "noise_psd": float(dbm_per_hz_to_watt_per_hz(s["noise_psd_dbm_per_hz"])),
        "los": s["los"],
        "h_bs": s["h_bs"],
        "h_ut": s["h_ut"],
    }
    uplink = umi_link_rate(
        d,
        tx_power=float(dbm_to_watt(s["device_power_dbm"])),
        tx_elements=s["device_elements"],
        rx_elements=s["bs_elements"],
        noise_figure_db=s["bs_noise_figure_db"],
        **common,
    )
    downlink = umi_link_rate(
        d,
        tx_power=float(dbm_to_watt(s["bs_power_dbm"])),
        tx_elements=s["bs_elements"],
        rx_elements=s["device_elements"],
        noise_figure_db=s["device_noise_figure_db"],
        **common,
    )
    return LinkRates(np.asarray(uplink, dtype=float), np.asarray(downlink, dtype=float))


def from_settings(settings: dict[str, Any]) -> OffloadParams:
    """:class:`OffloadParams` from a merged scenario entry (TOML keys; see ``offload.toml``).

    Every setting is validated under its own name; per-point fields
    (``requests``, ``edge_load``) and the powers go to :class:`OffloadParams`
    as they are, which names them. A distance so large that a link carries
    less than 1 bit/s is rejected as ``distance``.
    """
    s = _checked({**defaults(), **settings})
    figures = dnn_figures(str(s["profile"]), s)
    rates = link_rates(s["distance"], s)
    slowest = float(min(np.min(rates.uplink), np.min(rates.downlink)))
    if not slowest >= RANGES["rate"][0]:
        raise InvalidParameterError(
            f"distance {s['distance']!r} m gives a link rate of {slowest:.3g} bit/s, below the "
            f"{RANGES['rate'][0]:g} bit/s the model accepts"
        )
    accuracy_full = s["accuracy_full"]
    return OffloadParams(
        requests=s["requests"],
        edge_load=s["edge_load"],
        uplink_rate=rates.uplink,
        downlink_rate=rates.downlink,
        input_bits=s["input_bytes"] * BITS_PER_BYTE,
        result_bits=s["result_bytes"] * BITS_PER_BYTE,
        request_bits=s["request_bytes"] * BITS_PER_BYTE,
        model_bits=figures.model_bits,
        edge_inference_time=figures.edge_inference_time,
        device_inference_time=figures.device_inference_time,
        pruning_time=figures.pruning_time,
        edge_cores=s["edge_cores"],
        tx_power=s["tx_power"],
        rx_power=s["rx_power"],
        circuit_power=s["circuit_power"],
        device_power=s["device_power"],
        server_power=s["server_power"],
        # "almost as good" (Sec. 4.2): the drop may not exceed the full model's accuracy
        accuracy=np.array([accuracy_full, accuracy_full - min(s["accuracy_drop"], accuracy_full)]),
        accuracy_floor=s["accuracy_floor"],
        pruning=s["pruning"],
        objective=s["objective"],
        deadline=s.get("deadline"),
        battery=s.get("battery"),
        name=str(s.get("name") or s["profile"]),
    )


def params(name: str, **overrides: Any) -> OffloadParams:
    """The named scenario, with ``overrides`` (TOML keys or OffloadParams fields) applied."""
    entry = scenario_entry(_data(), name, "offload", **overrides)
    entry.setdefault("name", name)
    if not entry["name"]:
        entry["name"] = name
    return from_settings(entry)


# --------------------------------------------------------------------------- random instances
def _limit_between(values: np.ndarray, rng: np.random.Generator, near: bool) -> float:
    """A deadline or battery: just above the smallest option's value (``near``) or up to 100x it."""
    low = float(np.min(values))
    factor = 1.0 + 10 ** rng.uniform(-4, -2) if near else 10 ** rng.uniform(np.log10(1.0001), 2)
    return low * factor


def random_params(seed: int, *, points: int = 16) -> OffloadParams:
    """An instance over the paper's ranges: a network of Sec. 4.1, 10-500 m, ``Q`` 1-1000, loads 0-100.

    A third of the draws add a deadline, a third a battery, each from just
    above the least value any option reaches (1.0001x-1.01x: the feasibility
    limit of the point that needs most) to 100x; a fifth set an accuracy
    floor that excludes the pruned model.
    """
    rng = np.random.default_rng(seed)
    network = str(rng.choice(NETWORKS))
    settings: dict[str, Any] = {
        "profile": network,
        "accuracy_full": 0.75,
        "distance": rng.uniform(10.0, 500.0, points),
        "requests": np.round(log_uniform(rng, 1.0, 1000.0, points)),
        "edge_load": np.round(rng.uniform(0.0, 100.0, points)),
        "objective": str(rng.choice(METRICS)),
        "pruning": str(rng.choice(PRUNING_MODES)),
        "los": str(rng.choice(["expected", "los", "nlos"])),
        "name": f"random-{seed}",
    }
    if rng.uniform() < 0.2:
        settings["accuracy_floor"] = 0.749
    base = from_settings(settings)
    costs = option_costs(base)
    constrained: dict[str, Any] = {}
    if rng.uniform() < 1 / 3:
        constrained["deadline"] = _limit_between(np.max(np.min(costs["time"], axis=-1)), rng, rng.uniform() < 0.5)
    if rng.uniform() < 1 / 3:
        constrained["battery"] = _limit_between(np.max(np.min(costs["energy"], axis=-1)), rng, rng.uniform() < 0.5)
    return base.replace(**constrained) if constrained else base


def wide_params(seed: int) -> OffloadParams:
    """A fuzz instance: every positive quantity log-uniform over at least four decades, degenerate regimes too.

    Regimes (by ``seed % 6``): 0 generic; 1 ``Q = 0`` and an idle server
    somewhere in the batch; 2 pruning free (``T_pr = 0``) and pruned = full;
    3 a deadline at 1.0001x the largest per-point minimum time; 4 a battery
    at 1.0001x the largest per-point minimum energy; 5 a one-core server and
    an accuracy floor that removes the pruned model.
    """
    rng = np.random.default_rng(seed)
    regime = seed % 6
    points = int(rng.integers(1, 40))
    full_bits = float(log_uniform(rng, 1e3, 1e12))
    shrink = float(log_uniform(rng, 1e-3, 1.0))
    edge_full = float(log_uniform(rng, 1e-6, 1e2))
    device_full = float(log_uniform(rng, 1e-5, 1e3))
    fields: dict[str, Any] = {
        "requests": np.round(log_uniform(rng, 1.0, 1e8, points)),
        "edge_load": np.round(log_uniform(rng, 1e-2, 1e5, points)),
        "uplink_rate": log_uniform(rng, 1e3, 1e12, points),
        "downlink_rate": log_uniform(rng, 1e3, 1e12, points),
        "input_bits": float(log_uniform(rng, 1e2, 1e10)),
        "result_bits": float(log_uniform(rng, 1.0, 1e8)),
        "request_bits": float(log_uniform(rng, 1.0, 1e7)),
        "model_bits": np.array([full_bits, full_bits * shrink]),
        "edge_inference_time": np.array([edge_full, edge_full * float(log_uniform(rng, 1e-3, 1.0))]),
        "device_inference_time": np.array([device_full, device_full * float(log_uniform(rng, 1e-3, 1.0))]),
        "pruning_time": float(log_uniform(rng, 1e-6, 1e4)),
        "edge_cores": int(rng.integers(1, 1025)),
        "tx_power": float(log_uniform(rng, 1e-4, 10.0)),
        "rx_power": float(log_uniform(rng, 1e-3, 10.0)),
        "circuit_power": float(log_uniform(rng, 1e-2, 100.0)),
        "device_power": float(log_uniform(rng, 1e-2, 100.0)),
        "server_power": float(log_uniform(rng, 1.0, 1e4)),
        "accuracy": np.array([0.8, 0.8 - float(rng.uniform(0, 0.3))]),
        "objective": str(rng.choice(METRICS)),
        "pruning": str(rng.choice(PRUNING_MODES)),
        "name": f"wide-{seed}",
    }
    if regime == 1:
        fields["requests"][0] = 0.0
        fields["edge_load"][-1] = 0.0
    elif regime == 2:
        fields["pruning_time"] = 0.0
        fields["model_bits"] = np.array([full_bits, full_bits])
        fields["edge_inference_time"] = np.array([edge_full, edge_full])
    elif regime == 5:
        fields["edge_cores"] = 1
        fields["accuracy_floor"] = 0.8
    base = OffloadParams(**fields)
    if regime in (3, 4):
        costs = option_costs(base)
        metric = "time" if regime == 3 else "energy"
        limit = float(np.max(np.min(costs[metric], axis=-1))) * 1.0001
        if limit > 0:
            return base.replace(**{"deadline" if regime == 3 else "battery": limit})
    return base
