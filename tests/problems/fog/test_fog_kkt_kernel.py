"""The compiled local phase of the fog solver: its scalar closed forms and its batch behaviour.

References: the numpy Lambert-W closed form of :mod:`edgeopt.solvers.lambert` (an independent implementation of
the same root), the defining equation ``(x - 1) e^x + 1 = y`` itself, and the nested decomposition.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeopt.core.status import Status
from edgeopt.problems.fog import barrier, decomposition
from edgeopt.problems.fog.closed_forms import priced_x_scalar
from edgeopt.problems.fog.scenarios import random_params
from edgeopt.solvers.lambert import priced_spectral_efficiency, spectral_efficiency_scalar, transmission_lhs_scalar


@settings(max_examples=300, deadline=None)
@given(st.floats(-30.0, 300.0))
def test_compiled_spectral_efficiency_solves_its_equation(log10_y: float) -> None:
    y = 10.0**log10_y
    x = spectral_efficiency_scalar(y)
    assert x == pytest.approx(float(priced_spectral_efficiency(np.array([y]))[0]), rel=1e-14)
    # The defining equation, evaluated in a form that keeps its digits near 0 (the series below 1e-3).
    assert transmission_lhs_scalar(x) == pytest.approx(y, rel=1e-12 * max(1.0, x))


def test_compiled_spectral_efficiency_is_capped_and_zero_at_zero() -> None:
    assert spectral_efficiency_scalar(0.0) == 0.0
    x, dx = priced_x_scalar(1e6, 2.0, 1.5)  # the unpriced root is far above the cap
    assert (x, dx) == (1.5, 0.0)
    x, dx = priced_x_scalar(0.5, 2.0, 50.0)  # below the cap: dx/dw = gamma / (x e^x)
    assert dx == pytest.approx(2.0 / (x * np.exp(x)), rel=1e-15)


def test_a_batch_gives_each_instance_its_own_answer() -> None:
    """Instances of one batch, from both regimes, get the answers they get alone (no coupling in the kernel)."""
    params = [random_params(seed, 8, 3, regime) for seed in (3, 4) for regime in ("offload", "master")]
    together = barrier.solve_batch(params)
    for p, sol in zip(params, together, strict=True):
        alone = barrier.solve(p)
        assert sol.status is Status.OPTIMAL and alone.status is Status.OPTIMAL
        assert sol.objective == pytest.approx(alone.objective, rel=1e-12)
        nested = decomposition.solve(p)
        assert sol.objective == pytest.approx(nested.objective, rel=1e-9)
