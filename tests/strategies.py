"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from edgeopt.problems.fog.model import FogParams
from edgeopt.problems.fog.scenarios import random_params


@st.composite
def fog_instances(draw: st.DrawFn, max_nodes: int = 30, max_layers: int = 5) -> FogParams:
    """Random valid fog instances over the ranges of :mod:`edgeopt.problems.fog.scenarios`."""
    k_nodes = draw(st.integers(2, max_nodes))
    n_layers = draw(st.integers(1, max_layers))
    regime = draw(st.sampled_from(["offload", "master"]))
    seed = draw(st.integers(0, 2**32 - 1))
    return random_params(seed, k_nodes, n_layers, regime)
