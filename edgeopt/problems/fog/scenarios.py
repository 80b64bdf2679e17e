"""Named and seeded random fog instances (paper 004), shared by the tests, the benchmark and the notebook.

Named scenarios
---------------
``kilcioglu2021.toml`` beside this module holds one table per figure setting
of the paper, each with the reasons for its values in comments; a
``[defaults]`` table is merged under each. :func:`names` lists them and
:func:`params` builds one (``FogPartitioning.from_scenario(name)``).

Random instances
----------------
:func:`random_params` draws a reproducible feasible instance. Ranges (SI
units; each drawn independently per node or link):

=================  ==========================  =============================
parameter          ``regime="offload"``         ``regime="master"``
=================  ==========================  =============================
d_x                64 .. 512 (>= 2^(N-1))       same
d_y                128 .. 1024                  same
bandwidth          0.2 .. 5 MHz                 same
noise_psd          -174 dBm/Hz                  same
cycles_per_mac     20 .. 400                    others 20 .. 400, master 0.5
kappa              1e-28.5 .. 1e-27             others same, master 1e-30
f_max              0.5 .. 2 GHz                 others same, master 20 GHz
p_max              0.05 .. 0.5 W                same
p_circuit          0 (20 %) or 0.01 .. 0.2 W    0.1 .. 0.5 W
gains              1e-10 .. 1e-6 (4 decades)    1e-12 .. 1e-10
tau                tau_min x 1.2 .. 20          same
=================  ==========================  =============================

In the "offload" regime computation dominates and every node takes rows; in
the "master" regime the master computes almost for free and the links are
poor, so it keeps every row and the others only exchange boundary rows.
``tau`` is drawn relative to the instance's minimum latency so that every
instance is feasible.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, scenario_entry, scenario_names
from edgeopt.core.scenarios import log_uniform as draw_log_uniform
from edgeopt.models.channel import dbm_per_hz_to_watt_per_hz
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.model import FogParams

#: The scenario file beside this module, in this package.
SCENARIO_FILE = "kilcioglu2021.toml"
_PACKAGE = "edgeopt.problems.fog"
#: The regimes of :func:`random_params`.
REGIMES = ("offload", "master")


def _data() -> dict[str, Any]:
    """The parsed scenario file."""
    return load_toml(_PACKAGE, SCENARIO_FILE)


def names() -> list[str]:
    """Names of the fog scenarios, in file order."""
    return scenario_names(_data())


def params(name: str, **overrides: Any) -> FogParams:
    """Build :class:`~edgeopt.problems.fog.model.FogParams` for a named fog scenario.

    ``overrides`` replace scenario entries (``K``, ``tau``, ``d_x``, ``d_y``,
    ``n_layers``, ...) before the per-node arrays are drawn, so that a sweep
    over ``K`` keeps the same generator.

    Raises
    ------
    InvalidParameterError
        For an unknown name (the message lists the scenarios) or an invalid value.

    """
    cfg = scenario_entry(_data(), name, "fog", **overrides)
    k_nodes = int(cfg["K"])
    n_layers = int(cfg["n_layers"])
    rng = np.random.default_rng(int(cfg["node_seed"]))
    lo, hi = cfg["cycles_per_mac"]
    cycles = rng.uniform(lo, hi, k_nodes)
    lo, hi = cfg["f_max"]
    f_max = rng.uniform(lo, hi, k_nodes)
    lo, hi = np.log10(cfg["gain"])
    gain_frd = 10 ** rng.uniform(lo, hi, k_nodes)
    gain_link = 10 ** rng.uniform(lo, hi, k_nodes - 1)
    return FogParams(
        d_x=float(cfg["d_x"]),
        d_y=float(cfg["d_y"]),
        n_layers=n_layers,
        tau=float(cfg["tau"]),
        bandwidth=float(cfg["bandwidth"]),
        noise_psd=float(dbm_per_hz_to_watt_per_hz(cfg["noise_psd_dbm_per_hz"])),
        master=int(cfg["master"]),
        cycles_per_mac=cycles,
        kappa=np.full(k_nodes, float(cfg["kappa"])),
        f_max=f_max,
        p_max=np.full(k_nodes, float(cfg["p_max"])),
        p_circuit=np.full(k_nodes, float(cfg["p_circuit"])),
        gain_frd=gain_frd,
        gain_link=gain_link,
    )


def random_params(seed: int, k_nodes: int, n_layers: int, regime: str = "offload") -> FogParams:
    """A reproducible random feasible instance (see the module docstring for the ranges).

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    k_nodes : int
        Number of nodes ``K >= 2``.
    n_layers : int
        Collaborative layer-packs ``N >= 1``.
    regime : {"offload", "master"}
        Which node computes (module docstring).

    Raises
    ------
    InvalidParameterError
        For an unknown ``regime``.

    """
    if regime not in REGIMES:
        raise InvalidParameterError(f"regime must be 'offload' or 'master', got {regime!r}")
    rng = np.random.default_rng(seed)
    K, N = k_nodes, n_layers

    log_uniform = partial(draw_log_uniform, rng)

    d_x = float(max(int(rng.integers(64, 513)), 2 ** (N - 1)))
    d_y = float(rng.integers(128, 1025))
    master = int(rng.integers(0, K))
    cycles = rng.uniform(20, 400, K)
    kappa = log_uniform(10**-28.5, 1e-27, K)
    f_max = rng.uniform(0.5e9, 2e9, K)
    p_max = rng.uniform(0.05, 0.5, K)
    if regime == "offload":
        p_circuit = np.where(rng.random(K) < 0.2, 0.0, rng.uniform(0.01, 0.2, K))
        gain_frd = log_uniform(1e-10, 1e-6, K)
        gain_link = log_uniform(1e-10, 1e-6, (K - 1, N) if rng.random() < 0.5 else (K - 1,))
    else:
        p_circuit = rng.uniform(0.1, 0.5, K)
        gain_frd = log_uniform(1e-12, 1e-10, K)
        gain_link = log_uniform(1e-12, 1e-10, (K - 1,))
        cycles[master], kappa[master], f_max[master] = 0.5, 1e-30, 20e9
    base = FogParams(
        d_x=d_x,
        d_y=d_y,
        n_layers=N,
        tau=1.0,
        bandwidth=float(log_uniform(2e5, 5e6)),
        noise_psd=10 ** (-174 / 10) * 1e-3,
        master=master,
        cycles_per_mac=cycles,
        kappa=kappa,
        f_max=f_max,
        p_max=p_max,
        p_circuit=p_circuit,
        gain_frd=gain_frd,
        gain_link=gain_link,
    )
    tau_min, _ = minimum_latency(base)
    return base.replace(tau=float(tau_min * log_uniform(1.2, 20.0)))


#: The regimes of :func:`wide_params` and the probability of each.
WIDE_REGIMES = {"spread": 0.55, "idle": 0.15, "brief": 0.15, "master": 0.15}
#: Largest ``K`` and ``n_layers`` of :func:`wide_params` (small enough for ~0.1 s per default solve).
WIDE_MAX_NODES, WIDE_MAX_LAYERS = 12, 5


def wide_params(seed: int) -> FogParams:
    """One valid instance drawn widely, for the fuzz harness (issue 12); deterministic in ``seed``.

    Every positive parameter is log-uniform over at least four decades around
    the value of the named scenarios (``kilcioglu2021.toml``): an instance
    draws a centre ``v0 10^U(-2, 2)`` per field and each node or link
    ``centre 10^U(-0.5, 0.5)`` around it (a scalar field both), so that one
    field spans five decades over many instances and one within an instance.

    =================  ==============================  ==========================================
    parameter          scenario value ``v0``           drawn
    =================  ==============================  ==========================================
    K, n_layers        10, 3-4                         uniform 2..12, 1..5
    master             0                               uniform over the nodes
    d_x                512                             ``v0 10^U(-2.5, 2.5)`` rounded, ``>= 2^(N-1)``
    d_y                1024                            ``v0 10^U(-2.5, 2.5)`` rounded, ``>= 1``
    bandwidth          1 MHz                           ``v0 10^U(-2.5, 2.5)``
    noise_psd          -174 dBm/Hz                     ``v0 10^U(-2.5, 2.5)``
    cycles_per_mac     250                             centre and spread as above
    kappa              1e-28                           centre and spread as above
    f_max              1.25 GHz                        centre and spread as above
    p_max              0.1 W                           centre and spread as above
    p_circuit          0.05 W                          centre and spread; all 0 w.p. 0.15, each
                                                       entry 0 w.p. 0.15
    gain_frd, link     1e-7                            centre ``v0 10^U(-2.5, 2.5)``, spread
                                                       ``10^U(-1, 1)``; links per layer w.p. 1/2
    tau                ``tau_min`` (the minimum        ``tau_min 10^U(log 1.0001, 2)``; w.p. 0.2
                       latency)                        ``tau_min 10^U(log 1.0001, log 1.01)``
    =================  ==============================  ==========================================

    Regimes (probabilities in :data:`WIDE_REGIMES`): ``"spread"`` as in the
    table; ``"idle"``: one to ``K - 1`` nodes compute ``10^U(2, 4)`` times
    more slowly and dearly (cycles per MAC), so that they take no rows and
    only exchange; ``"brief"``: cheap computing and expensive radio (kappa
    centre ``v0 10^U(-2, -1)``, gain centre ``v0 10^U(-2.5, -1.5)``), so that
    the master keeps every row; ``"master"``: the master computes almost for
    free (cycles ``10^-2``, kappa ``10^-2`` and f_max ``10^2`` times its
    draw). Every instance is feasible (``tau > tau_min``).

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    FogParams

    """
    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, WIDE_MAX_NODES + 1))
    N = int(rng.integers(1, WIDE_MAX_LAYERS + 1))
    names = list(WIDE_REGIMES)
    regime = names[int(rng.choice(len(names), p=list(WIDE_REGIMES.values())))]

    def wide(
        v0: float,
        size: int | tuple[int, ...] | None = None,
        centre: tuple[float, float] = (-2.0, 2.0),
        spread: float = 0.5,
    ) -> np.ndarray:
        mid = v0 * 10.0 ** rng.uniform(*centre)
        if size is None:  # a scalar: the centre's and the spread's decades together
            return np.asarray(mid * 10.0 ** rng.uniform(-spread, spread))
        return np.asarray(mid * 10.0 ** rng.uniform(-spread, spread, size))

    master = int(rng.integers(0, K))
    d_x = float(max(round(float(wide(512.0))), 2 ** (N - 1)))
    d_y = float(max(round(float(wide(1024.0))), 1))
    bandwidth = float(wide(1e6))
    noise_psd = float(wide(float(dbm_per_hz_to_watt_per_hz(-174.0))))
    kappa_centre = (-2.0, -1.0) if regime == "brief" else (-2.0, 2.0)
    gain_centre = (-2.5, -1.5) if regime == "brief" else (-2.5, 2.5)
    cycles = wide(250.0, K)
    kappa = wide(1e-28, K, kappa_centre)
    f_max = wide(1.25e9, K)
    p_max = wide(0.1, K)
    p_circuit = wide(0.05, K)
    if rng.random() < 0.15:
        p_circuit[:] = 0.0
    p_circuit[rng.random(K) < 0.15] = 0.0
    gain_frd = wide(1e-7, K, gain_centre, 1.0)
    gain_link = wide(1e-7, (K - 1, N) if rng.random() < 0.5 else (K - 1,), gain_centre, 1.0)
    if regime == "idle":
        idle = rng.permutation(K)[: int(rng.integers(1, K))]
        cycles[idle] *= 10.0 ** rng.uniform(2.0, 4.0, idle.size)
    elif regime == "master":
        cycles[master] *= 1e-2
        kappa[master] *= 1e-2
        f_max[master] *= 1e2
    base = FogParams(
        d_x=d_x,
        d_y=d_y,
        n_layers=N,
        tau=1.0,
        bandwidth=bandwidth,
        noise_psd=noise_psd,
        master=master,
        cycles_per_mac=cycles,
        kappa=kappa,
        f_max=f_max,
        p_max=p_max,
        p_circuit=p_circuit,
        gain_frd=gain_frd,
        gain_link=gain_link,
    )
    tau_min, _ = minimum_latency(base)
    top = 0.01 if rng.random() < 0.2 else 2.0
    return base.replace(tau=float(tau_min * 10.0 ** rng.uniform(np.log10(1.0001), top)))


__all__ = [
    "REGIMES",
    "SCENARIO_FILE",
    "WIDE_MAX_LAYERS",
    "WIDE_MAX_NODES",
    "WIDE_REGIMES",
    "names",
    "params",
    "random_params",
    "wide_params",
]
