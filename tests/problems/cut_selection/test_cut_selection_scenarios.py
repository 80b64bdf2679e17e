"""Cut-selection scenarios (paper 000): calibration, Table III, the trajectory, named and random instances."""

from __future__ import annotations

import numpy as np
import pytest
from tolerances import TABLE3_FACTOR

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.models import zoo
from edgeopt.problems.cut_selection import CutSelection, CutSelectionParams, baselines, select_cuts
from edgeopt.problems.cut_selection import scenarios as scenario


def test_calibration_is_reproducible_from_the_15_khz_cells() -> None:
    fitted = scenario.calibrate()
    cfg = scenario.config()
    assert fitted["access_energy"] == pytest.approx(cfg["energy"]["access_energy"], rel=1e-12)
    assert fitted["weight_keep"] == pytest.approx(cfg["compression"]["weight_keep"])
    assert fitted["neuron_keep"] == pytest.approx(cfg["compression"]["neuron_keep"])


@pytest.mark.parametrize("bandwidth", [15e3, 15e6])
def test_table3_energy_row_within_factor_two(bandwidth: float) -> None:
    ours = scenario.table3(bandwidth)
    paper = scenario.paper_table3(bandwidth)
    for name in scenario.SCHEMES:
        ratio = ours[name]["E"] / paper["E"][name]
        assert 1 / TABLE3_FACTOR <= ratio <= TABLE3_FACTOR, (name, ratio)
    # As in the paper: the proposed scheme beats its uncompressed version in both regimes.
    assert ours["PS"]["E"] < ours["PSNC"]["E"]


def test_trajectory_is_seeded() -> None:
    pos1, g1 = scenario.trajectory()
    pos2, g2 = scenario.trajectory()
    assert np.array_equal(g1, g2) and pos1.shape == (g1.size, 2)
    _, path_loss = scenario.trajectory(fading=False)
    assert np.all(path_loss <= 1.0) and path_loss.max() == 1.0


def test_named_scenarios_build_and_solve() -> None:
    names = CutSelection.scenarios()
    assert {"mnist", "trajectory", "trajectory-power", "table3-15khz", "table3-15mhz"} <= set(names)
    for name in names:
        prob = CutSelection.from_scenario(name)
        assert prob.scenario == name
        sol = prob.solve()
        assert sol.status is Status.OPTIMAL, (name, sol.reason)
        assert prob.check(sol).passes(1e-12)
    assert CutSelection.from_scenario("trajectory-power").params.power_control is not None


def test_mnist_scenario_is_the_benchmark_instance() -> None:
    p = scenario.params("mnist", samples=5000)
    small = scenario.compressed(zoo.mnist_cnn())
    bench = CutSelectionParams.from_profile(
        small, scenario.random_gains(5000), 5e6, 1e-9, energy_model=scenario.energy_model(), allow_raw=True
    )
    for field in ("processing_energy", "output_elements", "gains"):
        assert np.array_equal(getattr(p, field), getattr(bench, field)), field
    assert (p.bandwidth, p.noise_psd, p.power, p.allow_raw) == (5e6, 1e-9, 1e-3, True)


def test_table3_scenario_is_the_ps_column() -> None:
    ours = scenario.table3(15e6)
    sol = CutSelection.from_scenario("table3-15mhz").solve()
    assert sol.objective == pytest.approx(ours["PS"]["E"], rel=1e-15)


def test_scenario_overrides_and_errors() -> None:
    p = scenario.params("trajectory", bandwidth=15e6, network="original", gains=np.array([0.5, 2.0]))
    assert p.bandwidth == 15e6 and p.gains.tolist() == [0.5, 2.0] and p.layer_names == tuple(zoo.mnist_cnn().order)
    assert p.processing_energy[-1] > scenario.params("trajectory").processing_energy[-1]  # not compressed
    with pytest.raises(InvalidParameterError, match="unknown cut_selection scenario 'nope'"):
        CutSelection.from_scenario("nope")
    with pytest.raises(InvalidParameterError, match="entries.*'gain'"):
        scenario.params("mnist", gain=3.0)
    with pytest.raises(InvalidParameterError, match="network"):
        scenario.params("mnist", network="resnet")
    with pytest.raises(InvalidParameterError, match="gains must be"):
        scenario.params("mnist", gains="walk")


def test_profile_form_of_params_is_kept() -> None:
    _, g = scenario.trajectory()
    small = scenario.compressed(zoo.mnist_cnn())
    old = scenario.params(small, g, 5e6, power_control=True)
    new = scenario.profile_params(small, g, 5e6, power_control=True)
    for field in ("processing_energy", "output_elements", "gains"):
        assert np.array_equal(getattr(old, field), getattr(new, field)), field
    assert old.power_control == new.power_control


def test_schemes_are_the_baselines_on_the_scenario_link() -> None:
    g = scenario.random_gains(300, seed=3)
    runs = scenario.schemes(g, 5e6)
    assert set(runs) == set(baselines.SCHEMES) == set(scenario.SCHEMES)
    small = scenario.profile_params(scenario.compressed(zoo.mnist_cnn()), g, 5e6)
    assert np.array_equal(runs["PS"]["energy"], select_cuts(small)["energy"])
    # PS picks the best cut per gain on the compressed network: never above softmax on it.
    assert np.all(runs["PS"]["energy"] <= runs["softmax"]["energy"])


@pytest.mark.parametrize("power_control", [False, True])
def test_random_params_are_seeded_and_feasible(power_control: bool) -> None:
    for seed in range(20):
        a = scenario.random_params(seed, power_control=power_control)
        b = scenario.random_params(seed, power_control=power_control)
        assert np.array_equal(a.gains, b.gains) and a.allow_raw == b.allow_raw and a.n_layers == b.n_layers
        assert (a.power_control is not None) is power_control
        sol = CutSelection(a).solve()
        assert sol.status is Status.OPTIMAL, sol.reason
    # The arrays for given (n_layers, allow_raw) do not depend on the structure's draws.
    p = scenario.random_params(7, n_layers=5, allow_raw=True)
    q = scenario.random_params(7, n_layers=5, allow_raw=True, power_control=True)
    assert np.array_equal(p.processing_energy, q.processing_energy) and np.array_equal(p.gains, q.gains)
