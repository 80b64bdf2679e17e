"""Cut selection (paper 000): analytic vs exhaustive vs HiGHS MILP, power control vs CVXPY, bad input, the bench."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import CUT_ENERGY_AGREEMENT, ENVELOPE_VS_MATRIX, POWER_CONTROL_VS_CLARABEL

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.models import zoo
from edgeopt.models.channel import shannon_rate_bits
from edgeopt.problems.cut_selection import (
    CutSelection,
    CutSelectionParams,
    PowerControl,
    baselines,
    energy_at,
    energy_matrix,
    lower_envelope,
    power_control_cvxpy,
)
from edgeopt.problems.cut_selection import scenarios as scenario


def _mnist(gains: np.ndarray, bandwidth: float = 5e6, **kw: object) -> CutSelectionParams:
    return CutSelectionParams.from_profile(zoo.mnist_cnn(), gains, bandwidth, 1e-9, **kw)  # type: ignore[arg-type]


def test_milp_agrees_with_analytic_on_10000_samples() -> None:
    rng = np.random.default_rng(5)
    # Path loss over four decades times Rayleigh fading: every regime of the network.
    gains = 10 ** rng.uniform(-4, 1, 10_000) * rng.exponential(size=10_000)
    for profile in (zoo.mnist_cnn(), scenario.compressed(zoo.mnist_cnn())):
        p = CutSelectionParams.from_profile(profile, gains, 5e6, 1e-9, energy_model=scenario.energy_model())
        analytic = CutSelection(p).solve()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            milp = CutSelection(p).solve("cvxpy")
        assert analytic.status is Status.OPTIMAL and milp.status is Status.OPTIMAL
        rel = np.abs(milp.x["energy"] - analytic.x["energy"]) / analytic.x["energy"]
        assert np.all(rel <= CUT_ENERGY_AGREEMENT), f"{np.count_nonzero(rel > CUT_ENERGY_AGREEMENT)} disagree"
        # The choices are spread over several layers, so the agreement is not trivial.
        assert len(np.unique(analytic.x["cut"])) >= 4


@settings(max_examples=200, deadline=None)
@given(
    n_layers=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
    allow_raw=st.booleans(),
)
def test_envelope_equals_row_minimum(n_layers: int, seed: int, allow_raw: bool) -> None:
    """Property: on random networks (ties included), the envelope's energy is every sample's row minimum."""
    p = scenario.random_params(seed, n_layers=n_layers, allow_raw=allow_raw)
    sol = CutSelection(p).solve()
    best = energy_matrix(p).min(axis=1)
    assert np.all(np.abs(sol.x["energy"] - best) <= ENVELOPE_VS_MATRIX * best)
    assert CutSelection(p).check(sol).passes(ENVELOPE_VS_MATRIX)


def test_lower_envelope_small_case() -> None:
    # Lines 3 + 0c, 1 + 1c, 0 + 4c: the envelope is 0+4c, then 1+c from c=1/3, then 3 from c=2.
    lines, breaks = lower_envelope(np.array([3.0, 1.0, 0.0]), np.array([0.0, 1.0, 4.0]))
    assert lines.tolist() == [2, 1, 0]
    assert np.allclose(breaks, [1 / 3, 2.0])


def test_batch_shape_is_kept_and_raw_input_is_opt_in() -> None:
    gains = np.full((3, 4), 50.0)
    sol = CutSelection(_mnist(gains, 15e6)).solve()
    assert sol.x["cut"].shape == (3, 4) and np.all(sol.x["cut"] >= 1)
    raw = CutSelection(_mnist(gains, 15e6, allow_raw=True)).solve()
    # At a strong channel and wide band the raw 784 pixels are the cheapest to send.
    assert np.all(raw.x["cut"] == 0)
    assert raw.objective < sol.objective


def test_transmission_energy_is_power_times_time() -> None:
    p = _mnist(np.array([0.5]), 15e3)
    e = energy_at(p, "pool1")
    rate = shannon_rate_bits(1e-3, 0.5, 15e3, 1e-9)
    assert e["transmission_time"][0] == pytest.approx(32 * 2304 / rate, rel=1e-14)
    assert e["transmission_energy"][0] == pytest.approx(1e-3 * 32 * 2304 / rate, rel=1e-14)


def test_power_control_matches_clarabel_and_never_loses() -> None:
    rng = np.random.default_rng(11)
    gains = 10 ** rng.uniform(-3, 1, 300)
    p = _mnist(gains, 5e6, power=0.1, power_control=PowerControl(deadline=0.05, circuit_power=5e-3))
    checked = 0
    for cut in (3, 6, 13, 20, 22):
        ref_energy, _, status = power_control_cvxpy(p, cut)
        ours = energy_at(p, cut)["transmission_energy"]
        assert np.array_equal(np.isfinite(ours), np.isfinite(ref_energy)), status
        ok = np.isfinite(ours)
        rel = np.abs(ref_energy[ok] - ours[ok]) / ours[ok]
        assert rel.max() <= POWER_CONTROL_VS_CLARABEL, (cut, status, rel.max())
        checked += int(ok.sum())
    assert checked > 500
    # The paper's fixed 1 mW, with the same circuit power and deadline, is one feasible
    # choice of the joint problem wherever it meets the deadline: never better.
    joint = CutSelection(p).solve()
    fixed = _mnist(gains, 5e6, power=1e-3)
    times = np.stack([energy_at(fixed, c)["transmission_time"] for c in fixed.candidates], axis=1)
    fixed_energy = fixed.processing_energy[fixed.candidates] + (1e-3 + 5e-3) * times
    fixed_energy[times > 0.05] = np.inf
    assert joint.status is Status.OPTIMAL
    assert np.all(joint.x["energy"] <= fixed_energy.min(axis=1) * (1 + 1e-12))
    assert np.mean(joint.x["energy"] < 0.99 * fixed_energy.min(axis=1)) > 0.5
    # The baseline of the benchmark computes the same fixed-power energies.
    assert np.array_equal(baselines.fixed_power_energy(p, 1e-3), fixed_energy.min(axis=1))


def test_power_control_stationarity_inside_the_box() -> None:
    # Interior optimum: dE/dt = 0 at the returned time (the Lambert-W condition).
    p = _mnist(np.array([1.0, 3.0]), 5e6, power=10.0, power_control=PowerControl(deadline=10.0, circuit_power=1e-2))
    e = energy_at(p, "pool2")
    t = e["transmission_time"]
    bits = p.payload_bits[p.layer_names.index("pool2")]

    def energy(tt: np.ndarray) -> np.ndarray:
        scale = 1e-9 * 5e6 / np.array([1.0, 3.0])
        return scale * tt * np.expm1(bits * np.log(2) / (5e6 * tt)) + 1e-2 * tt

    h = 1e-6 * t
    slope = (energy(t + h) - energy(t - h)) / (2 * h)
    assert np.all(np.abs(slope) * t <= 1e-6 * e["transmission_energy"])
    assert np.all(t < 10.0)


def test_infeasible_deadline_is_a_status() -> None:
    # One sample, and it cannot make the deadline: nothing is reachable, the whole instance is infeasible.
    p = _mnist(np.array([1e-6]), 15e3, power=1e-3, power_control=PowerControl(deadline=1e-3, circuit_power=0.0))
    sol = CutSelection(p).solve()
    assert sol.status is Status.INFEASIBLE and "deadline" in (sol.reason or "") and not sol.x


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidParameterError, match="gains.*>= 0.*-1.0"):
        _mnist(np.array([1.0, -1.0]))
    with pytest.raises(InvalidParameterError, match="gains"):
        _mnist(np.array([np.nan]))
    p = _mnist(np.array([1.0]))
    with pytest.raises(InvalidParameterError, match="out of range.*allow_raw"):
        energy_at(p, 0)
    with pytest.raises(InvalidParameterError, match="out of range"):
        energy_at(p, 24)
    with pytest.raises(InvalidParameterError, match="no layer named 'pool9'"):
        energy_at(p, "pool9")
    with pytest.raises(InvalidParameterError, match="bandwidth"):
        _mnist(np.array([1.0]), -5.0)
    with pytest.raises(InvalidParameterError, match="output_elements"):
        CutSelectionParams([0.0, 1.0], [1.0], [1.0], 1e6, 1e-9)


def test_bench_json_is_one_clean_array(
    capfd: pytest.CaptureFixture[str], tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from edgeopt.cli import main

    monkeypatch.chdir(tmp_path)  # the benchmark writes benchmarks/results/ under the working directory
    assert main(["bench", "cut_selection", "--json", "--quick"]) == 0
    rows = json.loads(capfd.readouterr().out)
    keys = {"problem", "instance", "size", "method", "solver", "status", "objective", "rel_gap", "throughput"}
    assert rows and all(keys <= set(r) for r in rows)
    milp = next(r for r in rows if r["solver"] == "HIGHS")
    assert milp["extra"]["agreeing_samples"] == milp["size"]["samples"]
