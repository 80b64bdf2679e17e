"""The UMi link budget of paper 001: hand-computed rates, LOS handling, monotonicity, shapes, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tolerances import RATE_VS_HAND

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.channel import array_gain_db, umi_link_rate

# Paper 001, Sec. 4.1: 3.5 GHz, 100 MHz, 23 dBm (BS) / 10 dBm (device), 4x4 arrays, -174 dBm/Hz.
# Noise figures (ours): 9 dB at the device (downlink receiver), 5 dB at the BS (uplink receiver).
N0 = 10 ** ((-174 - 30) / 10)  # W/Hz, written out rather than through the helper under test
PAPER = {"bandwidth": 100e6, "frequency": 3.5e9, "tx_elements": 16, "rx_elements": 16, "noise_psd": N0}
DOWNLINK = {**PAPER, "tx_power": 10 ** ((23 - 30) / 10), "noise_figure_db": 9.0}
UPLINK = {**PAPER, "tx_power": 10 ** ((10 - 30) / 10), "noise_figure_db": 5.0}
RATE_RTOL = RATE_VS_HAND  # the hand computation and the code do the same float arithmetic in a different order


def _rate_from_db(snr_db: float, bandwidth: float = 100e6) -> float:
    return bandwidth * math.log2(1 + 10 ** (snr_db / 10))


def test_rate_from_the_published_ns3_loss() -> None:
    # Path loss 88.4122 dB: ns-3 three-gpp-propagation-loss-model-test-suite.cc, 5 GHz, 100 m LOS, h 10 / 1.5 m.
    # SNR [dB] = P [dBm] + G_tx + G_rx - PL - (N0 [dBm/Hz] + 10 log10 B + NF)
    #          = 23 + 10 log10 16 + 10 log10 16 - 88.4122 - (-174 + 80 + 9)
    snr_db = 23 + 2 * 10 * math.log10(16) - 88.4122 - (-174 + 80 + 9)
    assert snr_db == pytest.approx(43.6702, abs=1e-4)
    got = float(umi_link_rate(100.0, los="los", **{**DOWNLINK, "frequency": 5e9}))
    # ns-3's loss is printed to 1e-4 dB, worth 1e-4 / 10 * ln 10 * SNR / ((1 + SNR) ln(1 + SNR)) ~ 2e-6 relative
    assert got == pytest.approx(_rate_from_db(snr_db), rel=1e-5)


@pytest.mark.parametrize(("budget", "p_dbm", "nf_db"), [(DOWNLINK, 23, 9), (UPLINK, 10, 5)])
def test_paper_rates_against_the_db_arithmetic(budget: dict, p_dbm: float, nf_db: float) -> None:
    # 100 m at 3.5 GHz, d_3D = sqrt(100^2 + 8.5^2); d'_BP = 210 m, so PL1 (LOS).
    d3 = math.sqrt(100**2 + 8.5**2)
    pl_los = 32.4 + 21 * math.log10(d3) + 20 * math.log10(3.5)
    pl_nlos = max(pl_los, 35.3 * math.log10(d3) + 22.4 + 21.3 * math.log10(3.5) - 0.3 * (1.5 - 1.5))
    noise_dbm = -174 + 10 * math.log10(100e6) + nf_db
    gains_db = 2 * 10 * math.log10(16)
    r_los = _rate_from_db(p_dbm + gains_db - pl_los - noise_dbm)
    r_nlos = _rate_from_db(p_dbm + gains_db - pl_nlos - noise_dbm)
    p = 18 / 100 + math.exp(-100 / 36) * (1 - 18 / 100)  # Table 7.4.2-1
    assert float(umi_link_rate(100.0, los="los", **budget)) == pytest.approx(r_los, rel=RATE_RTOL)
    assert float(umi_link_rate(100.0, los="nlos", **budget)) == pytest.approx(r_nlos, rel=RATE_RTOL)
    expected = p * r_los + (1 - p) * r_nlos
    assert float(umi_link_rate(100.0, los="expected", **budget)) == pytest.approx(expected, rel=RATE_RTOL)
    assert float(umi_link_rate(100.0, **budget)) == pytest.approx(expected, rel=RATE_RTOL)  # the default


def test_beyond_the_breakpoint_uses_pl2() -> None:
    # 500 m at 3.5 GHz, past d'_BP = 210 m: PL2 = 32.4 + 40 log10 d_3D + 20 log10 f_c - 9.5 log10(210^2 + 8.5^2)
    d3 = math.sqrt(500**2 + 8.5**2)
    pl2 = 32.4 + 40 * math.log10(d3) + 20 * math.log10(3.5) - 9.5 * math.log10(210**2 + 8.5**2)
    snr_db = 23 + 2 * 10 * math.log10(16) - pl2 - (-174 + 80 + 9)
    assert float(umi_link_rate(500.0, los="los", **DOWNLINK)) == pytest.approx(_rate_from_db(snr_db), rel=RATE_RTOL)


def test_expected_equals_los_up_to_18m() -> None:
    d = np.array([0.0, 5.0, 10.0, 18.0])
    np.testing.assert_array_equal(umi_link_rate(d, los="expected", **UPLINK), umi_link_rate(d, los="los", **UPLINK))


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 5000.0), st.sampled_from([DOWNLINK, UPLINK]))
def test_expected_lies_between_nlos_and_los(d: float, budget: dict) -> None:
    """Property: p R_LOS + (1 - p) R_NLOS is between R_NLOS and R_LOS (NLOS loss >= LOS loss)."""
    los = float(umi_link_rate(d, los="los", **budget))
    nlos = float(umi_link_rate(d, los="nlos", **budget))
    expected = float(umi_link_rate(d, los="expected", **budget))
    assert nlos <= los
    assert nlos * (1 - 1e-12) <= expected <= los * (1 + 1e-12)


@pytest.mark.parametrize("mode", ["los", "nlos", "expected"])
@pytest.mark.parametrize("budget", [DOWNLINK, UPLINK])
def test_monotone_decreasing_in_distance(mode: str, budget: dict) -> None:
    d = np.concatenate([np.linspace(0.0, 10.0, 21), np.geomspace(10.0, 1e4, 400)[1:]])
    rate = umi_link_rate(d, los=mode, **budget)
    assert np.all(np.diff(rate) < 0)
    assert np.all(rate > 0)


def test_downlink_beats_uplink_at_the_paper_settings() -> None:
    # +13 dB of transmit power against -4 dB of noise figure: the downlink SNR is 9 dB higher.
    d = np.array([10.0, 50.0, 100.0, 200.0, 500.0])
    for mode in ("los", "nlos", "expected"):
        assert np.all(umi_link_rate(d, los=mode, **DOWNLINK) > umi_link_rate(d, los=mode, **UPLINK))


def test_shapes() -> None:
    scalar = umi_link_rate(100.0, **DOWNLINK)
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    assert umi_link_rate(np.full((3, 4), 100.0), **DOWNLINK).shape == (3, 4)
    assert umi_link_rate([10.0, 20.0], los="nlos", **UPLINK).shape == (2,)
    assert umi_link_rate(np.zeros((0,)), **UPLINK).shape == (0,)


def test_array_gain() -> None:
    assert float(array_gain_db(16)) == pytest.approx(10 * math.log10(16))  # 12.0412 dB for a 4x4 array
    assert float(array_gain_db(1)) == 0.0
    np.testing.assert_allclose(array_gain_db(np.array([1, 2, 4, 64])), 10 * np.log10([1, 2, 4, 64]))
    # doubling both arrays adds 2 x 3.01 dB to the SNR
    small = float(umi_link_rate(300.0, los="los", **{**UPLINK, "tx_elements": 8, "rx_elements": 8}))
    large = float(umi_link_rate(300.0, los="los", **UPLINK))
    snr_small = 2 ** (small / 100e6) - 1
    snr_large = 2 ** (large / 100e6) - 1
    assert snr_large / snr_small == pytest.approx(4.0, rel=1e-9)


@pytest.mark.parametrize("bad", [0, -4, 4.0, True, "16", np.array([4, 0]), np.array([4.0])])
def test_array_gain_rejects_non_integers(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match="n_elements"):
        array_gain_db(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("override", "name"),
    [
        ({"tx_power": 0.0}, "tx_power"),
        ({"tx_power": -0.1}, "tx_power"),
        ({"tx_power": np.nan}, "tx_power"),
        ({"bandwidth": 0.0}, "bandwidth"),
        ({"bandwidth": "100 MHz"}, "bandwidth"),
        ({"frequency": -3.5e9}, "frequency"),
        ({"tx_elements": 0}, "tx_elements"),
        ({"rx_elements": 16.0}, "rx_elements"),
        ({"rx_elements": True}, "rx_elements"),
        ({"noise_psd": 0.0}, "noise_psd"),
        ({"noise_psd": np.inf}, "noise_psd"),
        ({"noise_figure_db": -1.0}, "noise_figure_db"),
        ({"noise_figure_db": np.nan}, "noise_figure_db"),
        ({"los": "maybe"}, "los"),
        ({"los": True}, "los"),
        ({"h_bs": 0.0}, "h_bs"),
        ({"h_ut": 1.0}, "h_ut"),
    ],
)
def test_invalid_arguments_name_the_argument(override: dict, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        umi_link_rate(100.0, **{**DOWNLINK, **override})


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.array([10.0, -5.0])])
def test_invalid_distance(bad: object) -> None:
    for mode in ("los", "nlos", "expected"):
        with pytest.raises(InvalidParameterError, match="distance_2d"):
            umi_link_rate(bad, los=mode, **UPLINK)  # type: ignore[arg-type]
