"""Named and seeded random fog instances, shared by the tests and the benchmark.

Ranges (SI units; each drawn independently per node or link):

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

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from edgeopt.problems.iscc import IsccParams

from edgeopt.problems.fog import FogParams


def random_fog_params(seed: int, k_nodes: int, n_layers: int, regime: str = "offload") -> FogParams:
    """A reproducible random feasible instance (see the module docstring for ranges)."""
    if regime not in ("offload", "master"):
        raise ValueError(f"regime must be 'offload' or 'master', got {regime!r}")
    rng = np.random.default_rng(seed)
    K, N = k_nodes, n_layers

    def log_uniform(lo: float, hi: float, size: int | tuple[int, ...] | None = None) -> np.ndarray:
        return np.asarray(10.0 ** rng.uniform(np.log10(lo), np.log10(hi), size))

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
    params = FogParams(
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
    from edgeopt.solvers.fog import minimum_latency

    tau_min, _ = minimum_latency(params)
    return params.replace(tau=float(tau_min * log_uniform(1.2, 20.0)))


# Ranges of the random ISCC instances (paper 002), around Table II; the network
# constants are those of the scenario file.
ISCC_RANGES = {
    "R_t": (0.7, 0.95),
    "T_max": (0.55, 1.5),  # s; T_sen = 0.5 s is fixed
    "snr_db": (0.0, 25.0),  # g / (B N0) per watt, in dB
    "kappa_log10": (-21.5, -20.5),
    "v_max": (4e6, 1.6e7),  # FLOP/s
    "bandwidth": (5e4, 2e5),  # Hz
    "p_max": (0.5, 2.0),  # W
}


def random_iscc_params(seed: int) -> IsccParams:
    """A random ISCC instance over ``ISCC_RANGES`` (uniform in each range; ``kappa`` log-uniform)."""
    from edgeopt.models.channel import db_to_linear
    from edgeopt.scenarios import iscc

    rng = np.random.default_rng(seed)

    def draw(name: str) -> float:
        lo, hi = ISCC_RANGES[name]
        return float(rng.uniform(lo, hi))

    bandwidth = draw("bandwidth")
    return iscc.params(
        "table2",
        R_t=draw("R_t"),
        T_max=draw("T_max"),
        snr=float(db_to_linear(draw("snr_db"))),
        kappa=10 ** draw("kappa_log10"),
        v_max=draw("v_max"),
        bandwidth=bandwidth,
        p_max=draw("p_max"),
    )
