"""3GPP TR 38.901 UMi street canyon: published values, the LOS probability, properties, bad input.

Published values (each cited where it is used):

- ns-3, ``src/propagation/test/three-gpp-propagation-loss-model-test-suite.cc``,
  ``ThreeGppUmiPropagationLossModelTestCase::DoRun`` (nsnam/ns-3-dev-git at
  140646449a337d54deb474da299a9c0e2eb5a576): received power for 0 dBm sent,
  i.e. minus the path loss, 5 GHz, BS at (0, 0, 10), UT at (d, 0, 1.5),
  shadowing off. Only the first two vectors (10 m and 100 m LOS) are passed
  to ``m_testVectors.Add`` there; the other six are written out but never
  asserted by ns-3 (a missing ``Add``). They were generated with
  ``M_C = 3.0e8``.
- ns-3, ``src/buildings/test/buildings-penetration-loss-pathloss-test.cc`` at
  c5f1436e4769774c26628de6cb23e816b2016789 (the version before the October
  2025 rewrite): the O2O UMi vector at 1000 m LOS, asserted there with a
  2e-3 dB tolerance.
- ns-3, ``src/propagation/test/channel-condition-model-test-suite.cc`` (same
  HEAD commit), the UMi street-canyon LOS probabilities, written as formulas.
- SIMULATOR-WG/SHARC, ``tests/test_propagation_umi.py``: LOS probabilities
  printed to three decimals, and LOS losses for h_BS = 30 / 35 m that use the
  free-space constant 32.45 where TR 38.901 has 32.4 (SHARC writes
  ``20 log10(f_MHz) - 27.55``), so they sit 0.05 dB above the standard.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import LOS_PROBABILITY, PATHLOSS_DB

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models import pathloss
from edgeopt.models.pathloss import umi_los_probability, umi_street_canyon

PL_TOL_DB = PATHLOSS_DB  # issue 14: the path loss matches every published value within 0.01 dB
PLOS_TOL = LOS_PROBABILITY  # issue 14: the LOS probability within 1e-6

# (d_2D m, LOS?, path loss dB = -m_pr), ns-3 three-gpp-propagation-loss-model-test-suite.cc, f = 5 GHz,
# h_BS = 10 m, h_UT = 1.5 m; the line of each m_pr at 140646449a.
NS3_UMI_5GHZ = [
    (10.0, True, 69.8591),  # line 412 (asserted by ns-3)
    (100.0, True, 88.4122),  # line 419 (asserted by ns-3)
    (1000.0, True, 119.3114),  # line 426 (not added to m_testVectors)
    (5000.0, True, 147.2696),  # line 432 (not added)
    (10.0, False, 76.7563),  # line 438 (not added)
    (100.0, False, 107.9432),  # line 444 (not added)
    (1000.0, False, 143.1886),  # line 450 (not added)
    (5000.0, False, 167.8617),  # line 456 (not added)
]


@pytest.mark.parametrize(("distance", "los", "expected"), NS3_UMI_5GHZ)
def test_ns3_three_gpp_propagation_loss_model_test_suite(distance: float, los: bool, expected: float) -> None:
    got = float(umi_street_canyon(distance, 5e9, h_bs=10.0, h_ut=1.5, los=los))
    assert abs(got - expected) <= PL_TOL_DB


def test_ns3_test_suite_all_vectors_at_once() -> None:
    """The same eight values through one broadcast call (distances and los both arrays)."""
    d = np.array([v[0] for v in NS3_UMI_5GHZ])
    los = np.array([v[1] for v in NS3_UMI_5GHZ])
    expected = np.array([v[2] for v in NS3_UMI_5GHZ])
    got = umi_street_canyon(d, 5e9, los=los)
    assert got.shape == (8,)
    # Measured: max deviation 4.4e-5 dB (the values are printed to 1e-4 dB).
    assert np.max(np.abs(got - expected)) <= 1e-4


def test_ns3_buildings_penetration_test_o2o_umi_1000m() -> None:
    # ns-3 buildings-penetration-loss-pathloss-test.cc at c5f1436e47, line 171: m_pr = -119.3114 for the
    # UMi O2O link BS (0, 0, 10) - UT (1000, 0, 1.5), 5 GHz, LOS, asserted with m_tolerance(2e-3) (line 85).
    # It passes at ns-3's own 2e-3 dB with c = 3e8; c = 299792458 would give 119.3057 (off by 0.0057 dB).
    got = float(umi_street_canyon(1000.0, 5e9, los=True))
    assert abs(got - 119.3114) <= 2e-3


def test_speed_of_light_is_the_standards_3e8() -> None:
    assert pathloss.SPEED_OF_LIGHT == 3.0e8


# SHARC tests/test_propagation_umi.py, test_loss_los: d_2D (2, 4), h_bs (2,) per row, h_ue (4,) per column,
# frequency in MHz in SHARC (30000 -> 30 GHz, 300 -> 0.3 GHz), h_e = 1. Values printed to 1e-3 dB.
SHARC_D = np.array([[100.0, 200.0, 300.0, 400.0], [500.0, 600.0, 700.0, 800.0]])
SHARC_H_BS = np.array([30.0, 35.0])[:, None]
SHARC_H_UE = np.array([2.0, 3.0, 4.0, 5.0])
SHARC_LOS_30GHZ = np.array([[104.336, 110.396, 114.046, 116.653], [118.690, 120.346, 121.748, 122.963]])
SHARC_LOS_300MHZ = np.array([[64.336, 70.396, 74.046, 76.653], [89.215, 86.829, 86.187, 86.139]])
SHARC_OFFSET_DB = 0.05  # SHARC's 20 log10(f_MHz) - 27.55 = 32.45 + 20 log10(f_GHz); TR 38.901 has 32.4


@pytest.mark.parametrize(("frequency", "expected"), [(30e9, SHARC_LOS_30GHZ), (0.3e9, SHARC_LOS_300MHZ)])
def test_sharc_los_values_after_its_documented_constant(frequency: float, expected: np.ndarray) -> None:
    """Out-of-range heights (h_BS 30 / 35 m) and 0.3 GHz, PL1 and PL2 branches, broadcast heights.

    At 0.3 GHz the second row (h_BS = 35 m) lies beyond d'_BP = 4 h'_BS h'_UT f / c, so it exercises PL2
    with a height-dependent breakpoint; SHARC uses c = 3e8 there too. Tolerance: SHARC's 1e-3 dB printing
    (measured worst residual 7.3e-4 dB after removing the 0.05 dB constant).
    """
    got = umi_street_canyon(SHARC_D, frequency, h_bs=SHARC_H_BS, h_ut=SHARC_H_UE, los=True)
    assert got.shape == (2, 4)
    np.testing.assert_allclose(got + SHARC_OFFSET_DB, expected, rtol=0, atol=1e-3)


# --- LOS probability, Table 7.4.2-1 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        # ns-3 channel-condition-model-test-suite.cc at 140646449a, lines 157-161: UT at (18, 0, 1.5)
        (18.0, 1.0),
        # lines 163-167: UT at (50, 0, 1.5)
        (50.0, 18.0 / 50.0 + math.exp(-50.0 / 36.0) * (1.0 - 18.0 / 50.0)),
        # lines 170-174: UT at (100, 0, 15) (UMi's probability does not depend on h_UT)
        (100.0, 18.0 / 100.0 + math.exp(-100.0 / 36.0) * (1.0 - 18.0 / 100.0)),
    ],
)
def test_ns3_channel_condition_model_test_suite(distance: float, expected: float) -> None:
    assert abs(float(umi_los_probability(distance)) - expected) <= PLOS_TOL


def test_sharc_los_probability_at_its_printed_precision() -> None:
    # SHARC tests/test_propagation_umi.py, test_los_probability (asserted there with atol=1e-2). Printed to
    # three decimals; 0.308 at 80 m is truncated (the value is 0.30898), hence 1e-3 rather than 5e-4.
    d = np.array([[10.0, 15.0, 40.0], [17.0, 60.0, 80.0]])
    expected = np.array([[1.0, 1.0, 0.631], [1.0, 0.432, 0.308]])
    np.testing.assert_allclose(umi_los_probability(d), expected, rtol=0, atol=1e-3)


def test_los_probability_is_one_up_to_18m_and_at_zero() -> None:
    d = np.array([0.0, 1.0, 10.0, 17.999, 18.0])
    assert np.all(umi_los_probability(d) == 1.0)
    assert float(umi_los_probability(18.0 + 1e-9)) < 1.0


@settings(max_examples=200, deadline=None)
@given(st.floats(18.0, 1e5), st.floats(1e-6, 1e3))
def test_los_probability_decreases_and_stays_in_unit_interval(d: float, step: float) -> None:
    """Property: for d > 18 m, Pr_LOS in (0, 1) and strictly decreasing; it matches the table's formula."""
    p1, p2 = umi_los_probability([d, d + step])
    assert 0.0 < p2 <= p1 <= 1.0
    if d > 18.0:
        assert abs(p1 - (18.0 / d + math.exp(-d / 36.0) * (1.0 - 18.0 / d))) <= 1e-12


# --- properties of the path loss ------------------------------------------------------------------------


def _table_formula(d2: float, f: float, h_bs: float, h_ut: float, los: bool) -> float:
    """TR 38.901 Table 7.4.1-1 written out in scalar math (c = 3e8, h_E = 1), for cross-checks."""
    fc = f / 1e9
    d3 = math.sqrt(d2 * d2 + (h_bs - h_ut) ** 2)
    d_bp = 4.0 * (h_bs - 1.0) * (h_ut - 1.0) * f / 3.0e8
    if d2 <= d_bp:
        pl_los = 32.4 + 21.0 * math.log10(d3) + 20.0 * math.log10(fc)
    else:
        pl_los = 32.4 + 40.0 * math.log10(d3) + 20.0 * math.log10(fc) - 9.5 * math.log10(d_bp**2 + (h_bs - h_ut) ** 2)
    if los:
        return pl_los
    return max(pl_los, 35.3 * math.log10(d3) + 22.4 + 21.3 * math.log10(fc) - 0.3 * (h_ut - 1.5))


geometry = st.tuples(
    st.floats(0.0, 2e4),  # d_2D, in and beyond the 10 m - 5 km range
    st.floats(0.5e9, 100e9),  # frequency
    st.floats(1.5, 22.5),  # h_UT
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(geometry)
def test_matches_the_table_formula_everywhere(g: tuple[float, float, float, bool]) -> None:
    """Property: the vectorised code equals the scalar transcription of the table, in and out of range."""
    d2, f, h_ut, los = g
    if d2 == 0.0 and h_ut == 10.0:
        return
    got = float(umi_street_canyon(d2, f, h_ut=h_ut, los=los))
    assert abs(got - _table_formula(d2, f, 10.0, h_ut, los)) <= 1e-9


@settings(max_examples=300, deadline=None)
@given(geometry)
def test_nlos_is_never_below_los(g: tuple[float, float, float, bool]) -> None:
    """Property: PL_NLOS = max(PL_LOS, PL'_NLOS) >= PL_LOS."""
    d2, f, h_ut, _ = g
    d2 = max(d2, 1.0)
    assert float(umi_street_canyon(d2, f, h_ut=h_ut, los=False)) >= float(umi_street_canyon(d2, f, h_ut=h_ut))


@settings(max_examples=300, deadline=None)
@given(geometry, st.floats(1e-3, 1e3))
def test_monotone_in_distance(g: tuple[float, float, float, bool], step: float) -> None:
    """Property: the loss increases with d_2D in both states, across the breakpoint too."""
    d2, f, h_ut, los = g
    d2 = max(d2, 1.0)
    near, far = umi_street_canyon([d2, d2 + step], f, h_ut=h_ut, los=los)
    assert far > near


@pytest.mark.parametrize("frequency", [0.5e9, 3.5e9, 5e9, 28e9, 100e9])
@pytest.mark.parametrize("h_ut", [1.5, 2.0, 5.0, 22.5])
def test_continuous_at_the_breakpoint(frequency: float, h_ut: float) -> None:
    d_bp = 4.0 * (10.0 - 1.0) * (h_ut - 1.0) * frequency / 3.0e8  # Note 1, written from the table
    below, above = umi_street_canyon([d_bp * (1 - 1e-12), d_bp * (1 + 1e-12)], frequency, h_ut=h_ut)
    assert abs(above - below) <= 1e-8
    assert abs(float(umi_street_canyon(d_bp, frequency, h_ut=h_ut)) - below) <= 1e-8
    # the slope changes there (21 -> 40 dB/decade in d_3D): a kink, not a jump
    eps = 1e-3 * d_bp
    left = float(umi_street_canyon(d_bp, frequency, h_ut=h_ut) - umi_street_canyon(d_bp - eps, frequency, h_ut=h_ut))
    right = float(umi_street_canyon(d_bp + eps, frequency, h_ut=h_ut) - umi_street_canyon(d_bp, frequency, h_ut=h_ut))
    assert right > 1.5 * left


def test_paper_breakpoint_is_210m_at_3p5ghz() -> None:
    # NOTES-003-001: d'_BP = 4 * 9 * 0.5 * 3.5e9 / 3e8 = 210 m for h_BS = 10 m, h_UT = 1.5 m.
    below, above = umi_street_canyon([209.0, 211.0], 3.5e9)
    pl1 = 32.4 + 21 * math.log10(math.hypot(209.0, 8.5)) + 20 * math.log10(3.5)
    pl2 = 32.4 + 40 * math.log10(math.hypot(211.0, 8.5)) + 20 * math.log10(3.5) - 9.5 * math.log10(210**2 + 8.5**2)
    assert abs(below - pl1) <= 1e-9 and abs(above - pl2) <= 1e-9


# --- shapes ---------------------------------------------------------------------------------------------


def test_broadcasting_shapes() -> None:
    d = np.array([[10.0], [100.0], [1000.0]])
    f = np.array([3.5e9, 28e9])
    assert umi_street_canyon(d, f).shape == (3, 2)
    assert umi_street_canyon(d, f, los=np.array([True, False])).shape == (3, 2)
    assert umi_street_canyon(d, 3.5e9, h_ut=np.array([1.5, 2.0, 3.0, 4.0])).shape == (3, 4)
    scalar = umi_street_canyon(100.0, 3.5e9)
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    assert umi_street_canyon(np.zeros((0,)), 3.5e9).shape == (0,)
    assert umi_los_probability(np.ones((2, 3, 4)) * 40).shape == (2, 3, 4)
    assert umi_los_probability(40.0).shape == ()
    # an element-wise los array picks the state per element
    mixed = umi_street_canyon([100.0, 100.0], 3.5e9, los=np.array([True, False]))
    assert mixed[0] == umi_street_canyon(100.0, 3.5e9, los=True)
    assert mixed[1] == umi_street_canyon(100.0, 3.5e9, los=False)


# --- out of range and bad input -------------------------------------------------------------------------


def test_outside_the_range_extrapolates_by_default_and_raises_when_strict() -> None:
    for kwargs in ({"distance_2d": 5.0}, {"distance_2d": 6000.0}, {"h_bs": 25.0}, {"h_ut": 30.0}, {"frequency": 0.2e9}):
        args = {"distance_2d": 100.0, "frequency": 3.5e9, **kwargs}
        d, f = args.pop("distance_2d"), args.pop("frequency")
        value = float(umi_street_canyon(d, f, **args))
        assert value == pytest.approx(_table_formula(d, f, args.get("h_bs", 10.0), args.get("h_ut", 1.5), True))
        name = next(iter(kwargs))
        with pytest.raises(InvalidParameterError, match=name):
            umi_street_canyon(d, f, strict=True, **args)
    # in range, strict changes nothing
    assert umi_street_canyon(100.0, 3.5e9, strict=True) == umi_street_canyon(100.0, 3.5e9)
    # below 10 m the extrapolation stays below the 10 m value (continuous, increasing)
    assert umi_street_canyon(0.0, 3.5e9) < umi_street_canyon(10.0, 3.5e9)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"distance_2d": -1.0}, "distance_2d"),
        ({"distance_2d": np.array([10.0, np.nan])}, "distance_2d"),
        ({"distance_2d": np.inf}, "distance_2d"),
        ({"distance_2d": True}, "distance_2d"),
        ({"distance_2d": "100"}, "distance_2d"),
        ({"frequency": 0.0}, "frequency"),
        ({"frequency": -3.5e9}, "frequency"),
        ({"frequency": np.nan}, "frequency"),
        ({"h_bs": 0.0}, "h_bs"),
        ({"h_bs": 1.0}, "h_bs"),
        ({"h_ut": -1.5}, "h_ut"),
        ({"h_ut": 0.5}, "h_ut"),
        ({"los": "yes"}, "los"),
        ({"los": 1}, "los"),
        ({"los": np.array([1.0, 0.0])}, "los"),
        ({"strict": 1}, "strict"),
        ({"distance_2d": np.ones(3), "frequency": np.ones(2) * 3.5e9}, "broadcast"),
        ({"distance_2d": 0.0, "h_ut": 10.0}, "zero 3-D distance"),
    ],
)
def test_invalid_input_names_the_argument(kwargs: dict, name: str) -> None:
    args = {"distance_2d": 100.0, "frequency": 3.5e9, **kwargs}
    with pytest.raises(InvalidParameterError, match=name):
        umi_street_canyon(args.pop("distance_2d"), args.pop("frequency"), **args)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf, "40", None, True])
def test_los_probability_rejects_bad_distance(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="distance_2d"):
        umi_los_probability(bad)  # type: ignore[arg-type]


def test_shadow_fading_constants_are_the_tables() -> None:
    # Table 7.4.1-1, UMi street canyon: sigma_SF = 4 dB (LOS), 7.82 dB (NLOS), 8.2 dB (optional NLOS);
    # the same 4 / 7.82 appear in ns-3's GetShadowingStd above 6 GHz and in SHARC's propagation_umi.py.
    assert pathloss.UMI_SHADOW_FADING_STD_LOS_DB == 4.0
    assert pathloss.UMI_SHADOW_FADING_STD_NLOS_DB == 7.82
    assert pathloss.UMI_SHADOW_FADING_STD_NLOS_OPTIONAL_DB == 8.2
