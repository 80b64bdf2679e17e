"""ISCC (paper 002) scenarios: the stored constants, the named scenarios and the random instances."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.iscc import IsccParams, IsccProblem
from edgeopt.problems.iscc import scenarios as scenario


def test_scenario_constants_are_rederived_from_the_seed() -> None:
    fresh = scenario.network_constants()
    stored = scenario.stored_constants()
    assert fresh["feature_range"] == pytest.approx(stored["feature_range"], rel=1e-12)
    for name, values in stored["layers"].items():
        for key, value in values.items():
            assert fresh["layers"][name][key] == pytest.approx(value, rel=1e-12), (name, key)
    fit = scenario.calibrate()
    cal = scenario.config()["calibration"]
    assert fit["b"] == pytest.approx(cal["b"], rel=1e-6)
    assert fit["margin"] == pytest.approx(cal["margin"], rel=1e-6)
    assert fit["accuracy_row"] == cal["accuracy_row"] and fit["snr_row"] == cal["snr_row"]


def test_named_scenarios_are_table2_and_table3() -> None:
    assert scenario.names() == ["table2", "latency", "accuracy", "snr"]
    assert IsccProblem.scenarios() == scenario.names()
    assert scenario.scenarios() == ["latency", "accuracy", "snr"]
    for name in scenario.names():
        problem = IsccProblem.from_scenario(name, T_max=1.0)
        assert isinstance(problem.params, IsccParams) and problem.params.T_max == 1.0
    with pytest.raises(InvalidParameterError, match="unknown iscc scenario"):
        IsccProblem.from_scenario("nope")


def test_random_instances_are_reproducible_and_in_range() -> None:
    for seed in range(5):
        a, b = scenario.random_params(seed), scenario.random_params(seed)
        assert a.T_max == b.T_max and a.gain == b.gain and a.kappa == b.kappa
        for name in ("R_t", "T_max", "v_max", "bandwidth", "p_max"):
            lo, hi = scenario.ISCC_RANGES[name]
            assert lo <= getattr(a, name) <= hi, name
        lo, hi = scenario.ISCC_RANGES["kappa_log10"]
        assert lo <= np.log10(a.kappa) <= hi
    assert scenario.random_params(0).T_max != scenario.random_params(1).T_max
