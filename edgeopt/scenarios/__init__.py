"""Named parameter sets (TOML), one per paper table / figure setting."""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import tomllib

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.channel import dbm_per_hz_to_watt_per_hz


def _load(filename: str) -> dict[str, Any]:
    with resources.files(__package__).joinpath(filename).open("rb") as fh:
        return tomllib.load(fh)


def fog_scenarios() -> list[str]:
    """Names of the fog scenarios."""
    return [name for name in _load("kilcioglu2021.toml") if name != "defaults"]


def fog_params(name: str, **overrides: Any) -> Any:
    """Build :class:`~edgeopt.FogParams` for a named fog scenario.

    ``overrides`` replace scenario entries (``K``, ``tau``, ``d_x``, ``d_y``,
    ``n_layers``, ...) before the per-node arrays are drawn, so that a sweep
    over ``K`` keeps the same generator.
    """
    from edgeopt.problems.fog import FogParams

    data = _load("kilcioglu2021.toml")
    if name not in data or name == "defaults":
        raise InvalidParameterError(f"unknown fog scenario {name!r}; available: {fog_scenarios()}")
    cfg = {**data["defaults"], **data[name], **overrides}
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


__all__ = ["fog_params", "fog_scenarios"]
