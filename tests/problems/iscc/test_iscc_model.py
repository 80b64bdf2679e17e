"""ISCC (paper 002) model: the error functions, eq. (3)'s line, Lemma 3, parameter validation."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.iscc import scenarios as scenario
from edgeopt.problems.iscc import typical_iscc, u_pruning


def test_pruning_error_function() -> None:
    assert u_pruning(1.0) == 0.0
    assert np.isclose(u_pruning(1e-12), 2.0, atol=1e-9)
    p = np.linspace(0.01, 1, 100)
    assert np.all(np.diff(u_pruning(p)) < 0)  # less pruning, less error


def test_bad_parameters_are_named() -> None:
    with pytest.raises(InvalidParameterError, match="R_t"):
        scenario.params("table2", R_t=1.2)
    with pytest.raises(InvalidParameterError, match="T_max"):
        scenario.params("table2", T_max=-1.0)
    with pytest.raises(InvalidParameterError, match="bandwidth"):
        scenario.params("table2", bandwidth=float("nan"))
    with pytest.raises(InvalidParameterError, match="unknown ISCC scenario"):
        scenario.params("nope")
    params = scenario.params("table2")
    with pytest.raises(InvalidParameterError, match="feature_size"):
        params.replace(feature_size=np.ones(3))
    with pytest.raises(InvalidParameterError, match="components"):
        typical_iscc(params, components=0)
    with pytest.raises(InvalidParameterError, match="residual_energy"):
        typical_iscc(params, residual_energy=1.0)


def test_device_flops_line_is_eq3_above_the_kink() -> None:
    params = scenario.params("table2")
    splits = np.arange(params.n_layers + 1)
    offset, slope, kink = params.device_flops_line(splits)
    for p in np.linspace(0.0, 1.0, 101):
        exact = params.device_flops(splits, p)
        line = offset + slope * p
        above = p >= kink
        assert np.allclose(line[above], exact[above], rtol=1e-14, atol=0.0)
        assert np.all(line <= exact + 1e-9)  # below the kink eq. (3) clips at zero: the line undercounts


def test_sensing_power_is_the_least_power_meeting_the_target() -> None:
    params = scenario.params("table2")
    eps = np.linspace(0.0, 0.5, 501)
    power = params.sensing_power_for_error(eps)
    ok = np.isfinite(power)
    assert ok[0] and not ok[-1]
    # Where finite: within P_max and the accuracy equals R_t; where infinite, P_max falls short.
    assert np.all(power[ok] <= params.p_max)
    reached = params.acc_a * np.arctan(params.acc_b * power[ok]) * (1 - eps[ok])
    assert np.allclose(reached, params.R_t, rtol=1e-12)
    best = params.acc_a * np.arctan(params.acc_b * params.p_max) * (1 - eps[~ok])
    assert np.all(best < params.R_t * (1 + 1e-12))
