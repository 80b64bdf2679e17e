"""DAG-split instances: named scenarios on shipped profiles and seeded random DAGs.

The named scenarios (:func:`names`, :func:`params`) are the tables of
``dag_split.toml`` beside this module: a profile of :mod:`edgeopt.models.zoo`
under sequential-latency costs. :func:`random_params` draws the small random
DAGs the property tests and the behaviour comparisons share;
:func:`wide_params` draws instances far outside the scenarios' ranges for the
fuzz harness (issue 12).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import networkx as nx
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, scenario_entry, scenario_names
from edgeopt.core.validate import boolean, integer, positive_scalar
from edgeopt.models.dnn import DnnProfile
from edgeopt.models.zoo import profile
from edgeopt.problems.dag_split.model import MAX_COST, DagSplitParams

__all__ = ["WIDE_NETWORKS", "config", "latency_params", "names", "params", "random_params", "wide_params"]

_KEYS = {
    "description",
    "network",
    "device_macs_per_s",
    "server_macs_per_s",
    "link_bits_per_s",
    "bits_per_element",
    "allow_raw",
}


@cache
def config() -> dict[str, Any]:
    """The scenario file ``dag_split.toml`` as a dict."""
    return load_toml("edgeopt.problems.dag_split", "dag_split.toml")


def names() -> list[str]:
    """Names of the named scenarios."""
    return scenario_names(config())


def latency_params(
    net: DnnProfile,
    device_macs_per_s: float,
    server_macs_per_s: float,
    link_bits_per_s: float,
    bits_per_element: int = 32,
    allow_raw: bool = True,
) -> DagSplitParams:
    """Sequential-latency costs (s) of a profile: MACs over the device's and the server's speeds, bits over the link.

    Parameters
    ----------
    net : DnnProfile
        A chain or DAG profile.
    device_macs_per_s, server_macs_per_s : float
        Compute speeds in MAC/s.
    link_bits_per_s : float
        Uplink rate in bit/s.
    bits_per_element : int
        Bits per output element.
    allow_raw : bool
        May the raw input be sent?

    Returns
    -------
    DagSplitParams

    """
    if not isinstance(net, DnnProfile):
        raise InvalidParameterError(f"net must be a DnnProfile, got {type(net).__name__}")
    speeds = {
        "device_macs_per_s": positive_scalar("device_macs_per_s", device_macs_per_s),
        "server_macs_per_s": positive_scalar("server_macs_per_s", server_macs_per_s),
        "link_bits_per_s": positive_scalar("link_bits_per_s", link_bits_per_s),
    }
    bits = integer("bits_per_element", bits_per_element, minimum=1)
    macs = net.column("macs")
    work = {
        "device_macs_per_s": macs,
        "server_macs_per_s": macs,
        "link_bits_per_s": bits * net.column("output_elements"),
    }
    costs = {}
    for name, speed in speeds.items():
        with np.errstate(over="ignore"):
            cost = work[name] / speed
        if not np.all(cost <= MAX_COST):
            raise InvalidParameterError(
                f"{name} = {speed!r} is too small for {net.name!r}: a cost exceeds {MAX_COST:g} (the costs' range)"
            )
        costs[name] = cost
    return DagSplitParams.from_profile(
        net,
        costs["device_macs_per_s"],
        costs["server_macs_per_s"],
        costs["link_bits_per_s"],
        allow_raw=boolean("allow_raw", allow_raw),
    )


def params(name: str, **overrides: Any) -> DagSplitParams:
    """Parameters of a named scenario; ``overrides`` replace its entries (see ``dag_split.toml``).

    Raises
    ------
    InvalidParameterError
        For an unknown scenario or an unknown entry.

    """
    unknown = sorted(set(overrides) - _KEYS)
    if unknown:
        raise InvalidParameterError(f"unknown dag_split scenario entries {unknown}; the entries are {sorted(_KEYS)}")
    cfg = scenario_entry(config(), name, "dag_split", **overrides)
    network = cfg["network"]
    if not isinstance(network, str):
        raise InvalidParameterError(f"network must be a profile name (str), got {network!r}")
    return latency_params(
        profile(network),
        cfg["device_macs_per_s"],
        cfg["server_macs_per_s"],
        cfg["link_bits_per_s"],
        cfg["bits_per_element"],
        cfg["allow_raw"],
    )


def random_params(seed: int, n_layers: int | None = None, allow_raw: bool | None = None) -> DagSplitParams:
    """A seeded random DAG with one input and one output, and random costs (some exactly zero).

    Layer ``v`` reads from 1..3 distinct earlier layers; every layer without a
    consumer feeds the output ``n - 1``. Each cost is exponential with mean 1,
    zeroed with probability 0.15 (ties and free layers).

    Parameters
    ----------
    seed : int
        Seeds the graph and the costs.
    n_layers : int, optional
        Number of layers, input and output included; by default drawn in 2..12.
    allow_raw : bool, optional
        By default drawn.

    Returns
    -------
    DagSplitParams

    """
    seed = integer("seed", seed, minimum=0)
    # The size and the raw rule come from their own stream, so that the graph and
    # costs drawn for given (n_layers, allow_raw) do not depend on them.
    shape = np.random.default_rng([seed, 1])
    n = int(shape.integers(2, 13)) if n_layers is None else integer("n_layers", n_layers, minimum=2)
    raw = bool(shape.random() < 0.5) if allow_raw is None else boolean("allow_raw", allow_raw)
    rng = np.random.default_rng(seed)
    g = _random_dag(rng, n)

    def costs() -> dict[int, float]:
        values = rng.exponential(1.0, n) * (rng.random(n) > 0.15)
        return dict(enumerate(values.tolist()))

    return DagSplitParams(g, costs(), costs(), costs(), allow_raw=raw)


def _random_dag(rng: np.random.Generator, n: int) -> nx.DiGraph:
    """Layer ``v`` reads from 1..3 distinct earlier layers; every layer without a consumer feeds ``n - 1``."""
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for v in range(1, n):
        for u in rng.choice(v, size=min(v, int(rng.integers(1, 4))), replace=False):
            g.add_edge(int(u), v)
    for v in range(n - 1):
        if g.out_degree(v) == 0:
            g.add_edge(v, n - 1)
    return g


# The zoo networks wide_params draws from (ResNet-152 and DenseNet-201 are left out: one flow on them
# takes 0.05-0.3 s, against the fuzz run's budget of well under 0.1 s per instance on average).
WIDE_NETWORKS = ("mnist_cnn", "iscc_cnn", "nin", "tiny_yolov2", "vgg16", "resnet18", "mobilenet_v1")


def wide_params(seed: int) -> DagSplitParams:
    """One valid instance drawn far outside the scenarios' ranges (the fuzz harness of issue 12).

    Distribution (every draw from ``np.random.default_rng(seed)``):

    - the network: with probability 1/2 a random DAG of ``n`` layers,
      ``n`` log-uniform in 2..40, each layer reading 1..3 earlier ones
      (:func:`random_params`'s construction); otherwise a zoo network of
      :data:`WIDE_NETWORKS`, uniformly;
    - costs of a random DAG: every entry log-uniform over 1e-6..1e6 (twelve
      decades), each array times its own log-uniform factor over 1e-10..1e10
      with probability 1/5 (relative magnitudes over twenty decades);
    - costs of a zoo network: the scenarios' sequential latencies (MACs over
      20 GMAC/s and 1 TMAC/s, 32-bit outputs over 100 Mbit/s), each speed
      times a log-uniform factor over 1e-2..1e2 (four decades around the
      scenario), and, with probability 1/5, one cost array times a factor
      log-uniform over 1e-20..1e20 (the issue's ``server_cost * 1e20``);
    - degenerate costs, each with probability 1/10: every communication cost
      0; all three arrays equal to one constant (every split of equal
      per-layer cost: ties everywhere); 15 % of all entries 0;
    - ``allow_raw`` True or False with probability 1/2.

    Every drawn instance is valid and feasible (putting every layer on the
    device is always a valid split).

    Parameters
    ----------
    seed : int
        Seeds everything.

    Returns
    -------
    DagSplitParams

    """
    seed = integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    allow_raw = bool(rng.random() < 0.5)
    if rng.random() < 0.5:
        n = int(np.exp(rng.uniform(np.log(2), np.log(41))))
        graph = _random_dag(rng, n)
        order: list[Any] = list(range(n))
        arrays = [10 ** rng.uniform(-6, 6, n) for _ in range(3)]
        for k in range(3):
            if rng.random() < 0.2:
                arrays[k] = arrays[k] * 10 ** rng.uniform(-10, 10)
    else:
        net = profile(str(rng.choice(WIDE_NETWORKS)))
        graph = nx.DiGraph(net.graph.edges)
        graph.add_nodes_from(net.order)
        order = net.order
        macs = net.column("macs")
        arrays = [
            macs / (20e9 * 10 ** rng.uniform(-2, 2)),
            macs / (1e12 * 10 ** rng.uniform(-2, 2)),
            32 * net.column("output_elements") / (100e6 * 10 ** rng.uniform(-2, 2)),
        ]
        if rng.random() < 0.2:
            k = int(rng.integers(3))
            arrays[k] = arrays[k] * 10 ** rng.uniform(-20, 20)
    if rng.random() < 0.1:
        arrays[2] = np.zeros(len(order))
    if rng.random() < 0.1:
        arrays = [np.full(len(order), 10 ** rng.uniform(-6, 6))] * 3
    if rng.random() < 0.1:
        arrays = [a * (rng.random(len(order)) > 0.15) for a in arrays]
    device, server, comm = (dict(zip(order, a.tolist(), strict=True)) for a in arrays)
    return DagSplitParams(graph, device, server, comm, allow_raw=allow_raw)
