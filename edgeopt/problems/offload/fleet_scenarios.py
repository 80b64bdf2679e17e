"""Fleet instances: named scenarios (``fleet.toml``) and the seeded generators that tests and benchmarks share.

:func:`offload_params` prices a fleet with paper 001's model itself
(:meth:`~.fleet_model.FleetParams.from_offload`): devices dropped at random in
a square around ``S`` edge servers, each device's cost from the UMi link
rates at its distances. :func:`random_params` draws fleets directly at the
paper's magnitudes (latencies in seconds of one request: an i7 core, a
4-vCPU edge server, a 300 kB input over a 5G NR link); :func:`wide_params`
draws instances far outside them for the fuzz harness (issue 12), with
degenerate regimes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, log_uniform, scenario_entry, scenario_names
from edgeopt.core.validate import boolean, integer, number
from edgeopt.problems.offload import scenarios as offload_scenarios
from edgeopt.problems.offload.fleet_model import FleetParams

__all__ = ["config", "names", "offload_params", "params", "random_params", "wide_params"]

_KEYS = {"description", "kind", "seed", "n_devices", "n_servers", "infeasible", "cores"}
_OFFLOAD_KEYS = {"network", "requests", "metric", "area", "strict_share"}
_KINDS = ("random", "offload")
#: TR 38.901's UMi model holds from 10 m (Table 7.4.1-1); nearer devices are placed at 10 m.
MIN_DISTANCE = 10.0


@cache
def config() -> dict[str, Any]:
    """The scenario file ``fleet.toml`` as a dict."""
    return load_toml("edgeopt.problems.offload", "fleet.toml")


def names() -> list[str]:
    """Names of the named fleet scenarios."""
    return scenario_names(config())


def params(name: str, **overrides: Any) -> FleetParams:
    """Parameters of a named scenario; ``overrides`` replace its entries (see ``fleet.toml``).

    Raises
    ------
    InvalidParameterError
        For an unknown scenario or entry.

    """
    keys = _KEYS | _OFFLOAD_KEYS
    unknown = sorted(set(overrides) - keys)
    if unknown:
        raise InvalidParameterError(f"unknown offload_fleet scenario entries {unknown}; the entries are {sorted(keys)}")
    cfg = scenario_entry(config(), name, "offload_fleet", **overrides)
    kind = cfg.get("kind", "random")
    if kind not in _KINDS:
        raise InvalidParameterError(f"kind must be one of {_KINDS}, got {kind!r}")
    if kind == "offload":
        extra = {key: cfg[key] for key in _OFFLOAD_KEYS if key in cfg}
        return offload_params(cfg["seed"], cfg["n_devices"], cfg["n_servers"], **extra)
    return random_params(
        cfg["seed"],
        n_devices=cfg["n_devices"],
        n_servers=cfg["n_servers"],
        infeasible=cfg.get("infeasible", False),
        cores=cfg.get("cores"),
    )


def offload_params(
    seed: int,
    n_devices: int,
    n_servers: int,
    *,
    network: str = "chukhno2023-resnet152",
    requests: float = 100.0,
    metric: str = "time",
    area: float = 400.0,
    strict_share: float = 0.3,
) -> FleetParams:
    """A fleet priced by paper 001's model: ``U`` devices dropped at random around ``S`` edge servers.

    The servers stand on the horizontal mid-line of an ``area x area`` square
    (metres), evenly spaced; the devices are uniform in the square; each
    distance is at least :data:`MIN_DISTANCE`. The template is the offload
    scenario ``network`` (``offload.toml``: the DNN's sizes and times, the
    powers, the radio, 4 cores per server) at ``Q = requests``, priced for
    ``metric`` by :meth:`~.fleet_model.FleetParams.from_offload`. A share
    ``strict_share`` of the devices needs the full model (floor between the
    two accuracies); the others take either.

    Parameters
    ----------
    seed : int
        Seeds the positions and the floors.
    n_devices, n_servers : int
        ``U`` and ``S``.
    network : str
        An ``offload.toml`` scenario name.
    requests : float
        ``Q``, the requests of every device.
    metric : {"time", "energy", "data"}
        What the costs measure.
    area : float
        Side of the square in m.
    strict_share : float
        Share of the devices that need the full model, in ``[0, 1]``.

    Returns
    -------
    FleetParams

    """
    seed = integer("seed", seed, minimum=0)
    n = integer("n_devices", n_devices, minimum=1)
    s = integer("n_servers", n_servers, minimum=1)
    side = number("area", area, minimum=MIN_DISTANCE, maximum=1e5)
    share = number("strict_share", strict_share, minimum=0.0, maximum=1.0)
    q = number("requests", requests, minimum=0.0)
    template = offload_scenarios.params(network, requests=[q], edge_load=[0.0])
    rng = np.random.default_rng(seed)
    devices = rng.uniform(0.0, side, (n, 2))
    servers = np.stack([(np.arange(s) + 0.5) / s * side, np.full(s, side / 2)], axis=1)
    offsets = devices[:, None, :] - servers[None, :, :]
    distance = np.maximum(np.hypot(offsets[..., 0], offsets[..., 1]), MIN_DISTANCE)
    full, pruned = (float(a) for a in template.accuracy)
    strict = rng.random(n) < share
    # A floor just under the full model's accuracy and above the pruned one's: the full model only.
    floor = np.where(strict, max(pruned, full - 1e-4), 0.0) if full > pruned else np.zeros(n)
    return FleetParams.from_offload(template, distance, metric=metric, accuracy_floor=floor)


def random_params(
    seed: int,
    n_devices: int | None = None,
    n_servers: int | None = None,
    infeasible: bool = False,
    cores: int | None = None,
) -> FleetParams:
    """A seeded fleet at paper 001's magnitudes: per-request latencies in seconds.

    Distribution (every draw from ``np.random.default_rng(seed)``; the sizes,
    when not given, from their own stream ``[seed, 1]``, so that a fleet of
    given size does not depend on them):

    - ``U`` log-uniform in 1..200 and ``S`` uniform in 1..6, unless given;
    - ``device_cost[:, 0]``: full-model inference on one i7-9750H core,
      uniform 0.1..2 s (MobileNet to ResNet-152 at ~10-100 GFLOP/s);
      the pruned model ``x U(0.3, 0.8)``;
    - ``transfer_cost``: 300 kB up and 2 kB down at 10..500 Mbit/s (distance
      and load), log-uniform 0.005..0.25 s;
    - ``edge_time[:, 0]``: the full model on an idle 4-vCPU server, uniform
      0.02..0.3 s; pruned ``x U(0.3, 0.8)``;
    - ``edge_cores`` uniform in 1..8 (the paper's VM has 4);
    - ``congestion``: processor sharing of ``n > m`` tasks on ``m`` cores
      stretches each by ``n / m``, an extra ``(t / m) n (n - m)`` in all for
      tasks of ``t`` seconds, so ``gamma = t_full / m`` times ``U(0.5, 2)``;
    - accuracy: full ``U(0.70, 0.80)`` (ImageNet top-1 of the three networks),
      pruned ``0.5..5`` points lower; floors uniform in ``[0, pruned]`` for
      70 % of the devices and in ``(pruned, full]`` (full model only) for 30 %;
    - ``infeasible=True``: device 0's floor is above both accuracies;
    - ``cores``: every server gets that many cores instead (a busy regime
      when it is of the order of ``U / S``).

    Parameters
    ----------
    seed : int
        Seeds everything.
    n_devices, n_servers : int, optional
        ``U`` and ``S``.
    infeasible : bool
        Make device 0 infeasible.
    cores : int, optional
        Cores of every server (default: drawn in 1..8).

    Returns
    -------
    FleetParams

    """
    seed = integer("seed", seed, minimum=0)
    shape = np.random.default_rng([seed, 1])
    n = int(np.floor(log_uniform(shape, 1, 201))) if n_devices is None else integer("n_devices", n_devices, minimum=1)
    s = int(shape.integers(1, 7)) if n_servers is None else integer("n_servers", n_servers, minimum=1)
    infeasible = boolean("infeasible", infeasible)
    n = min(n, 200) if n_devices is None else n
    rng = np.random.default_rng(seed)
    full = rng.uniform(0.1, 2.0, n)
    device = np.stack([full, full * rng.uniform(0.3, 0.8, n)], axis=1)
    transfer = log_uniform(rng, 0.005, 0.25, (n, s))
    edge_full = rng.uniform(0.02, 0.3, s)
    edge = np.stack([edge_full, edge_full * rng.uniform(0.3, 0.8, s)], axis=1)
    drawn = rng.integers(1, 9, s)
    server_cores = drawn if cores is None else np.full(s, integer("cores", cores, minimum=1))
    congestion = edge_full / server_cores * rng.uniform(0.5, 2.0, s)
    top = rng.uniform(0.70, 0.80)
    accuracy = np.array([top, top - rng.uniform(0.005, 0.05)])
    strict = rng.random(n) < 0.3
    floor = np.where(strict, rng.uniform(accuracy[1], accuracy[0], n), rng.uniform(0.0, accuracy[1], n))
    floor = np.where(strict & (floor <= accuracy[1]), accuracy[0], floor)
    if infeasible:
        floor[0] = min(1.0, accuracy[0] + 0.01)
    return FleetParams(device, transfer, edge, server_cores, congestion, accuracy, floor)


def wide_params(seed: int) -> FleetParams:
    """One valid fleet drawn far outside :func:`random_params`' ranges (the fuzz harness of issue 12).

    Distribution (every draw from ``np.random.default_rng(seed)``):

    - ``U`` log-uniform in 1..300, ``S`` log-uniform in 1..12;
    - ``device_cost``, ``transfer_cost``, ``edge_time``: every entry
      log-uniform over 1e-4..1e4 (eight decades), each array times its own
      factor log-uniform over 1e-6..1e6 with probability 1/5 (relative
      magnitudes over twenty decades);
    - ``congestion`` log-uniform over 1e-6..1e2 per server; all zero with
      probability 0.15, each server zero with probability 0.1;
    - ``edge_cores`` log-uniform in 1..1000; with probability 1/5 one server
      has a single core, with probability 1/10 every server has at least
      ``U`` (no congestion can occur);
    - accuracies uniform in ``[0, 1]``, floors uniform below the larger one;
      with probability 0.15 every floor is above the smaller accuracy (one
      model only); with probability 0.05 one device's floor is above both
      (an ``INFEASIBLE`` instance);
    - degenerate costs, each with probability 1/10: 15 % of all cost entries
      exactly 0; every cost equal to one constant (ties everywhere);
    - a spread regime, with probability 0.15 and from its own stream
      ``np.random.default_rng([seed, 2])`` (so the other draws of a seed do
      not depend on it): every entry of the three cost arrays and of
      ``congestion`` log-uniform over 1e-12..1e12 (24 decades), then in each
      cost array one random block of rows and columns set to exactly 0 (so
      some devices have a zero-cost option), and each server's congestion 0
      with probability 0.2. This is where HiGHS's absolute tolerances meet
      costs 1e-9 apart (:mod:`.fleet_reference`, Units).

    Parameters
    ----------
    seed : int
        Seeds everything.

    Returns
    -------
    FleetParams

    """
    seed = integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    n = min(300, int(np.floor(log_uniform(rng, 1, 301))))
    s = min(12, int(np.floor(log_uniform(rng, 1, 13))))
    costs = [log_uniform(rng, 1e-4, 1e4, shape) for shape in ((n, 2), (n, s), (s, 2))]
    costs = [c * log_uniform(rng, 1e-6, 1e6) if rng.random() < 0.2 else c for c in costs]
    if rng.random() < 0.1:
        costs = [c * (rng.random(c.shape) > 0.15) for c in costs]
    if rng.random() < 0.1:
        value = log_uniform(rng, 1e-4, 1e4)
        costs = [np.full(c.shape, value) for c in costs]
    congestion = log_uniform(rng, 1e-6, 1e2, s) * (rng.random(s) > 0.1)
    if rng.random() < 0.15:
        congestion = np.zeros(s)
    cores = np.floor(log_uniform(rng, 1, 1001, s)).astype(np.int64)
    if rng.random() < 0.2:
        cores[rng.integers(s)] = 1
    if rng.random() < 0.1:
        cores = np.maximum(cores, n)
    accuracy = rng.uniform(0.0, 1.0, 2)
    low, high = float(accuracy.min()), float(accuracy.max())
    floor = rng.uniform(0.0, high, n)
    if rng.random() < 0.15:
        floor = rng.uniform(low, high, n)
        floor = np.where(floor <= low, high, floor)
    if rng.random() < 0.05 and high < 1.0:
        floor[rng.integers(n)] = min(1.0, float(np.nextafter(high, 2.0)) + rng.uniform(0.0, 1.0 - high))
    spread = np.random.default_rng([seed, 2])
    if spread.random() < 0.15:
        costs = [_zero_block(spread, log_uniform(spread, 1e-12, 1e12, c.shape)) for c in costs]
        congestion = log_uniform(spread, 1e-12, 1e12, s) * (spread.random(s) > 0.2)
    return FleetParams(costs[0], costs[1], costs[2], cores, congestion, accuracy, floor)


def _zero_block(rng: np.random.Generator, cost: np.ndarray) -> np.ndarray:
    """``cost`` with one random block ``[r0:r1, c0:c1]`` (at least one entry) set to 0 (:func:`wide_params`)."""
    first = [int(rng.integers(0, size)) for size in cost.shape]
    last = [int(rng.integers(start + 1, size + 1)) for start, size in zip(first, cost.shape, strict=True)]
    out = cost.copy()
    out[first[0] : last[0], first[1] : last[1]] = 0.0
    return out
