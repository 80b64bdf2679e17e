"""DAG-split instances: named scenarios on shipped profiles and seeded random DAGs.

The named scenarios (:func:`names`, :func:`params`) are the tables of
``dag_split.toml`` beside this module: a profile of :mod:`edgeopt.models.zoo`
under sequential-latency costs. :func:`random_params` draws the small random
DAGs the property tests and the behaviour comparisons share.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import networkx as nx
import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, scenario_entry, scenario_names
from edgeopt.models.dnn import DnnProfile
from edgeopt.models.zoo import profile
from edgeopt.problems.dag_split.model import DagSplitParams

__all__ = ["config", "latency_params", "names", "params", "random_params"]

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
    macs = net.column("macs")
    elements = net.column("output_elements")
    return DagSplitParams.from_profile(
        net,
        macs / device_macs_per_s,
        macs / server_macs_per_s,
        bits_per_element * elements / link_bits_per_s,
        allow_raw=allow_raw,
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
    return latency_params(
        profile(str(cfg["network"])),
        float(cfg["device_macs_per_s"]),
        float(cfg["server_macs_per_s"]),
        float(cfg["link_bits_per_s"]),
        int(cfg["bits_per_element"]),
        bool(cfg["allow_raw"]),
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
    # The size and the raw rule come from their own stream, so that the graph and
    # costs drawn for given (n_layers, allow_raw) do not depend on them.
    shape = np.random.default_rng([seed, 1])
    n = int(shape.integers(2, 13)) if n_layers is None else int(n_layers)
    raw = bool(shape.random() < 0.5) if allow_raw is None else bool(allow_raw)
    rng = np.random.default_rng(seed)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for v in range(1, n):
        for u in rng.choice(v, size=min(v, int(rng.integers(1, 4))), replace=False):
            g.add_edge(int(u), v)
    for v in range(n - 1):
        if g.out_degree(v) == 0:
            g.add_edge(v, n - 1)

    def costs() -> dict[int, float]:
        values = rng.exponential(1.0, n) * (rng.random(n) > 0.15)
        return dict(enumerate(values.tolist()))

    return DagSplitParams(g, costs(), costs(), costs(), allow_raw=raw)
