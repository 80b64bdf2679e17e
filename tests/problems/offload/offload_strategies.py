"""Random OffloadParams over wide ranges, built here (not by the package's generators) for the model tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from edgeopt.problems.offload.model import OffloadParams


def _lu(rng: np.random.Generator, low: float, high: float, size: Any = None) -> Any:
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


def random_offload(seed: int, *, points: int = 8, **overrides: Any) -> OffloadParams:
    """A batch of ``points`` operating points with every size, time and power drawn over several decades."""
    rng = np.random.default_rng(seed)
    full_bits = _lu(rng, 1e5, 1e10)
    fields: dict[str, Any] = {
        "requests": np.round(_lu(rng, 1, 1e4, points)),
        "edge_load": np.round(rng.uniform(0, 200, points)),
        "uplink_rate": _lu(rng, 1e5, 1e10, points),
        "downlink_rate": _lu(rng, 1e5, 1e10, points),
        "input_bits": _lu(rng, 1e3, 1e8),
        "result_bits": _lu(rng, 1e1, 1e6),
        "request_bits": _lu(rng, 1e1, 1e5),
        "model_bits": np.array([full_bits, full_bits * rng.uniform(0.05, 1.0)]),
        "edge_inference_time": np.sort(_lu(rng, 1e-4, 10, 2))[::-1].copy(),
        "device_inference_time": np.sort(_lu(rng, 1e-3, 100, 2))[::-1].copy(),
        "pruning_time": float(_lu(rng, 1e-3, 100)),
        "edge_cores": int(rng.integers(1, 65)),
        "tx_power": float(_lu(rng, 1e-3, 1)),
        "rx_power": float(_lu(rng, 1e-2, 1)),
        "circuit_power": float(_lu(rng, 0.1, 10)),
        "device_power": float(_lu(rng, 0.1, 20)),
        "pruning": str(rng.choice(["per_request", "once"])),
        "objective": str(rng.choice(["time", "energy", "data"])),
    }
    fields.update(overrides)
    return OffloadParams(**fields)
