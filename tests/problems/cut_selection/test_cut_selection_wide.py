"""Cut selection outside the paper's ranges (issue 12): strict inputs, per-sample results, the wide generator."""

from __future__ import annotations

import dataclasses
import math
import re
import warnings

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.models import zoo
from edgeopt.models.channel import shannon_rate_bits
from edgeopt.problems.cut_selection import (
    RANGES,
    UNREACHABLE_CUT,
    CutSelection,
    CutSelectionParams,
    PowerControl,
    energy_matrix,
    lower_envelope,
)
from edgeopt.problems.cut_selection import scenarios as scenario

BAD = [math.nan, math.inf, -1.0, 0.0, object(), "1.0", None, 1e300, 1e-300, True, np.zeros(3), 2.5]


def _mnist(gains: object, bandwidth: float = 5e6, **kw: object) -> CutSelectionParams:
    return CutSelectionParams.from_profile(zoo.mnist_cnn(), gains, bandwidth, 1e-9, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["no", 1, 0, None, np.array([True])])
def test_allow_raw_takes_only_bools(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="allow_raw"):
        _mnist(np.ones(2), allow_raw=bad)


@pytest.mark.parametrize("bad", [2.5, None, math.nan, 32.0, True, "32", 0, 2000])
def test_bits_per_element_is_a_bounded_integer(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="bits_per_element"):
        _mnist(np.ones(2), bits_per_element=bad)


def test_every_field_rejects_bad_values_by_name_or_solves() -> None:
    """The fuzz harness's invalid variants: each init field in turn replaced by a bad value."""
    accepted = set()
    # Values valid for their field: gains of any shape (0 = no link), 2.5 Hz or W inside the ranges,
    # a bool for allow_raw, no power control.
    valid = {("gains", "0.0"), ("gains", "array([0., 0., 0.])"), ("gains", "2.5"), ("bandwidth", "2.5"),
             ("power", "2.5"), ("allow_raw", "True"), ("power_control", "None")}  # fmt: skip
    controlled = next(s for s in range(100) if scenario.wide_params(s).power_control is not None)
    fixed = next(s for s in range(100) if scenario.wide_params(s).power_control is None)
    for seed in (fixed, controlled):
        base = scenario.wide_params(seed)
        for field in dataclasses.fields(CutSelectionParams):
            for bad in BAD:
                try:
                    p = dataclasses.replace(base, **{field.name: bad})
                except InvalidParameterError as err:
                    assert field.name in str(err), (field.name, bad, str(err))
                    continue
                accepted.add((field.name, repr(bad)))
                # Only values valid for that field may pass, and they must then solve with a status.
                sol = CutSelection(p).solve()
                assert sol.status in (Status.OPTIMAL, Status.INFEASIBLE), (field.name, bad, sol.reason)
    assert accepted <= valid, accepted - valid
    pc = scenario.wide_params(controlled).power_control
    assert pc is not None
    for field in ("deadline", "circuit_power"):
        for bad in BAD:
            try:
                dataclasses.replace(pc, **{field: bad})
            except InvalidParameterError as err:
                assert f"power_control.{field}" in str(err)
            else:  # 2.5 s and 2.5 W are in range; no (or a negligible) circuit power is allowed
                assert bad == 2.5 or (field == "circuit_power" and bad in (0.0, 1e-300)), (field, bad)
                sol = CutSelection(base.replace(power_control=dataclasses.replace(pc, **{field: bad}))).solve()
                assert sol.status in (Status.OPTIMAL, Status.INFEASIBLE), (field, bad, sol.reason)


@pytest.mark.parametrize(
    ("field", "value"),
    [("bandwidth", 1e300), ("bandwidth", 1e-300), ("noise_psd", 1e300), ("power", 1e-300), ("power", 1e300)],
)
def test_extreme_scalars_are_rejected_with_their_range(field: str, value: float) -> None:
    low, high = RANGES[field]
    with pytest.raises(InvalidParameterError, match=f"{field}.*" + re.escape(f"[{low:g}, {high:g}]")):
        _mnist(np.ones(2)).replace(**{field: value})


def test_tiny_and_huge_gains_are_rejected_and_zero_is_no_link() -> None:
    with pytest.raises(InvalidParameterError, match=r"gains must be 0 or in \[1e-30"):
        _mnist(np.array([1.0, 1e-300]))
    with pytest.raises(InvalidParameterError, match="gains must be <= 1e"):
        _mnist(np.array([1.0, 1e300]))
    with pytest.raises(InvalidParameterError, match="gains must be an array of real numbers"):
        _mnist(["1.0"])


def test_public_functions_check_their_arrays() -> None:
    with pytest.raises(InvalidParameterError, match="intercepts"):
        lower_envelope(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    with pytest.raises(InvalidParameterError, match="slopes"):
        lower_envelope(np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(InvalidParameterError, match="branches"):
        CutSelectionParams.from_profile(zoo.resnet(18), [1.0], 5e6, 1e-9)
    with pytest.raises(InvalidParameterError, match="energy_model"):
        CutSelectionParams.from_profile(zoo.mnist_cnn(), [1.0], 5e6, 1e-9, energy_model="fp32")
    with pytest.raises(InvalidParameterError, match="layer_names"):
        CutSelectionParams([0.0, 1.0], [1.0, 1.0], [1.0], 1e6, 1e-9, layer_names="ab")
    with pytest.raises(InvalidParameterError, match="samples"):
        scenario.params("mnist", samples=2.5)
    with pytest.raises(InvalidParameterError, match="allow_raw"):
        scenario.params("mnist", allow_raw="no")


def _controlled(gains: np.ndarray) -> CutSelectionParams:
    return _mnist(gains, 5e6, power=0.1, power_control=PowerControl(deadline=0.05, circuit_power=5e-3))


def test_one_unreachable_sample_does_not_void_the_batch() -> None:
    rng = np.random.default_rng(3)
    gains = 10 ** rng.uniform(-3, 1, 1000)
    p = _controlled(gains)
    # The smallest payload of the network (the 10 labels) must be sent within 50 ms at 100 mW:
    # a gain below the one that rate needs cannot make it at any cut.
    bits = float(p.payload_bits[p.candidates].min())
    needed = np.expm1(bits * np.log(2) / (0.05 * 5e6)) * 1e-9 * 5e6 / 0.1
    weak = gains.copy()
    weak[17] = needed / 10
    weak[400] = 0.0  # no link at all
    for method in ("analytic", "exhaustive", "cvxpy"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sol = CutSelection(p.replace(gains=weak)).solve(method)
        assert sol.has_point, (method, sol.reason)
        assert sol.extras["n_infeasible"] == 2 and "2 of 1000" in (sol.reason or "")
        mask = sol.x["feasible"]
        assert mask.dtype == bool and mask.sum() == 998 and not mask[17] and not mask[400]
        assert np.all(np.isinf(sol.x["energy"][~mask])) and np.all(sol.x["cut"][~mask] == UNREACHABLE_CUT)
        # The served samples are solved as if the unreachable ones were not there.
        rest = CutSelection(p.replace(gains=weak[mask])).solve()
        assert np.allclose(sol.x["energy"][mask], rest.x["energy"], rtol=1e-6, atol=0)
        assert sol.objective == pytest.approx(float(np.mean(rest.x["energy"])), rel=1e-6)
    assert CutSelection(p.replace(gains=weak)).solve().status is Status.OPTIMAL


def test_no_reachable_sample_is_infeasible_and_zero_gain_with_an_empty_payload_is_served() -> None:
    sol = CutSelection(_controlled(np.zeros(5))).solve()
    assert sol.status is Status.INFEASIBLE and not sol.x and "5 of 5" in (sol.reason or "")
    fixed = CutSelection(_mnist(np.array([0.0, 1.0]))).solve()
    assert fixed.extras["n_infeasible"] == 1 and fixed.x["feasible"].tolist() == [False, True]
    # A cut that sends nothing needs no link: the zero-gain sample is served there, at its processing energy.
    p = CutSelectionParams([0.0, 2e-3, 5e-3], [100.0, 10.0, 0.0], [0.0, 1.0], 1e6, 1e-9)
    sol = CutSelection(p).solve()
    assert sol.x["feasible"].tolist() == [True, True] and sol.x["cut"][0] == 2 and sol.x["energy"][0] == 5e-3
    # At the unit gain: cut 1 costs 2 mJ + 320 bits at 1 mW over the Shannon rate; cut 2 costs 5 mJ.
    rate = float(shannon_rate_bits(1e-3, 1.0, 1e6, 1e-9))
    assert sol.x["energy"][1] == pytest.approx(min(2e-3 + 1e-3 * 320 / rate, 5e-3), rel=1e-14)


def test_check_verifies_the_mask_both_ways() -> None:
    rng = np.random.default_rng(4)
    gains = 10 ** rng.uniform(-3, 1, 50)
    gains[5] = 0.0
    prob = CutSelection(_controlled(gains))
    sol = prob.solve()
    assert prob.check(sol).primal_feasibility <= CutSelection.FEASIBILITY_TOL
    # A reachable sample given up on is a wrong answer, not a feasible one.
    x = dict(sol.x)
    x["feasible"] = sol.x["feasible"].copy()
    x["feasible"][0] = False
    x["energy"] = np.where(x["feasible"], sol.x["energy"], np.inf)
    lazy = Solution(Status.OPTIMAL, float(x["energy"][x["feasible"]].mean()), x=x, problem="cut_selection")
    report = prob.check(lazy)
    assert math.isinf(report.primal_feasibility) and report.details["reachable_marked_unreachable"] == 1
    # An unreachable sample claimed served at some cut is rejected too.
    x = dict(sol.x)
    x["feasible"] = np.ones(50, dtype=bool)
    x["cut"] = np.where(sol.x["feasible"], sol.x["cut"], 3)
    x["energy"] = np.where(sol.x["feasible"], sol.x["energy"], 1.0)
    claim = Solution(Status.OPTIMAL, float(x["energy"].mean()), x=x, problem="cut_selection")
    assert prob.check(claim).details["unreachable_marked_feasible"] == 1
    # A transmission time past the deadline is a violation of the point, whatever the energy claimed.
    x = dict(sol.x)
    x["transmission_time"] = np.where(sol.x["feasible"], 0.06, np.inf)
    late = Solution(Status.OPTIMAL, sol.objective, x=x, problem="cut_selection")
    assert prob.check(late).details["bounds"] == pytest.approx(0.2, rel=1e-9)


def test_cvxpy_reference_handles_power_control() -> None:
    prob = CutSelection.from_scenario("trajectory-power")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = prob.solve("cvxpy")
    ours = prob.solve()
    assert ref.has_point and ref.extras["solver_objective"] > 0 and "optimal" in ref.extras["solver_status"]
    # Clarabel's repaired point against the closed form (the DESIGN.md reference accuracy, 1e-6).
    assert ref.objective == pytest.approx(ours.objective, rel=1e-6) and ref.objective >= ours.objective
    milp = CutSelection.from_scenario("mnist").solve("cvxpy")
    assert milp.extras["solver_status"] == "optimal"
    assert milp.extras["solver_objective"] == pytest.approx(milp.objective, rel=1e-6)


def _wide(seeds: range) -> dict[str, int]:
    counts = {"unreachable": 0, "power_control": 0}
    for seed in seeds:
        p = scenario.wide_params(seed)
        prob = CutSelection(p)
        sol = prob.solve()
        ex = prob.solve("exhaustive")
        assert sol.status is ex.status, seed
        assert sol.status in (Status.OPTIMAL, Status.INFEASIBLE), (seed, sol.reason)
        if not sol.has_point:
            assert np.all(p.gains == 0), seed  # the only designed infeasible case
            continue
        assert np.array_equal(sol.x["feasible"], ex.x["feasible"]), seed
        assert sol.objective == pytest.approx(ex.objective, rel=CutSelection.CERTIFICATE_TOL), seed
        # Row minima of the energy matrix, independently of both methods.
        best = energy_matrix(p).min(axis=1)
        assert np.array_equal(np.isfinite(best), sol.x["feasible"].reshape(-1)), seed
        counts["unreachable"] += int(sol.extras["n_infeasible"] > 0)
        counts["power_control"] += int(p.power_control is not None)
    return counts


def test_wide_instances_agree_with_exhaustive() -> None:
    counts = _wide(range(150))
    assert counts["unreachable"] >= 10 and counts["power_control"] >= 50  # the degenerate regimes are drawn


@pytest.mark.slow
def test_wide_instances_agree_with_exhaustive_10000() -> None:
    _wide(range(10_000))


def test_wide_params_are_seeded_and_valid() -> None:
    a, b = scenario.wide_params(5), scenario.wide_params(5)
    assert np.array_equal(a.gains, b.gains) and a.power_control == b.power_control
    with pytest.raises(InvalidParameterError, match="seed"):
        scenario.wide_params(2.5)  # type: ignore[arg-type]
    deadlines = [p.power_control.deadline for s in range(60) if (p := scenario.wide_params(s)).power_control]
    assert len(set(deadlines)) == len(deadlines) > 10
