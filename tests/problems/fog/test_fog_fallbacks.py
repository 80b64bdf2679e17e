"""Budgets near the minimum latency that used to fall back to the nested decomposition (issue 15's tau sweep).

At the path's usual stopping gap one price could sit on the wrong side of its saturation wall and the KKT
Newton finish stalled; the third chance (the path continued to smaller gaps) now certifies these. The
objective is checked against the nested decomposition, an independent solver of the same problem.
"""

from __future__ import annotations

import pytest

from edgeopt.core.status import Status
from edgeopt.problems.fog import decomposition
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.problem import FogPartitioning
from edgeopt.problems.fog.scenarios import random_params

# (seed, K, n_layers, tau / tau_min): offload-regime cases of the 18:40 sweep that fell back.
CASES = [(15104002, 10, 4, 1.0001), (15202000, 20, 2, 1.0001), (15204004, 20, 4, 1.0001)]


@pytest.mark.parametrize(("seed", "k", "n", "factor"), CASES)
def test_near_the_latency_limit_the_interior_point_path_certifies(seed: int, k: int, n: int, factor: float) -> None:
    p = random_params(seed, k, n, "offload")
    p = p.replace(tau=minimum_latency(p)[0] * factor)
    sol = FogPartitioning(p).solve()
    assert sol.status is Status.OPTIMAL
    assert sol.extras["path"] != "nested", sol.extras.get("barrier_note")
    assert sol.extras["duality_gap"] <= 1e-9
    nested = decomposition.solve(p)
    if nested.status is Status.OPTIMAL:
        assert sol.objective == pytest.approx(nested.objective, rel=1e-9)
    assert sol.objective <= nested.objective * (1 + 1e-9)
