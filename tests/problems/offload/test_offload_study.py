"""The figure and finding data of paper 001 (:mod:`edgeopt.problems.offload.study`) and the notebook that draws them.

Expected values are re-typed from published numbers and the paper's equations, not taken from the code:
torchvision's parameter counts and GFLOPs (ResNet-152 60,192,808 and 11.51; DenseNet-201 20,013,928 and 4.29),
Howard et al. 2017 for MobileNet v1 (4.2 M parameters, 569 M mult-adds, 94.86 % of them in 1x1 convolutions,
Table 2), the paper's powers and sizes (Sec. 4.1), and the documented platform constants of ``offload.toml``
(224 and 72 GMAC/s peak, 0.35 efficiency). The gain formula of :func:`study.gain_bounds` is checked against the
model itself, and its error bound against random readings. The notebook test executes
``notebooks/offload.ipynb`` once and asserts that every cell that shows a figure produced a PNG (issue 16: a
notebook that forces the Agg backend produces none).
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbclient import NotebookClient
from scipy.stats import entropy
from seed_text import assert_numbers_printed
from tolerances import MOBILENET_ROUNDING, PUBLISHED_ROUNDING

from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.offload import scenarios, study
from edgeopt.problems.offload.closed_forms import load_threshold
from edgeopt.problems.offload.model import OPTION_NAMES, option_costs

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK = ROOT / "notebooks" / "offload.ipynb"
SEED_TEXT = ROOT.parent / "shared" / "seeds" / "001_a74b7417d40c4499.txt"

# Published sizes (torchvision's model cards; Howard et al. 2017, Table 8 and Table 2).
RESNET_PARAMS = 60_192_808
RESNET_GMACS = 11.51  # torchvision's "GFLOPS", which counts multiply-accumulates
DENSENET_PARAMS = 20_013_928
DENSENET_GMACS = 4.29
MOBILENET_PARAMS = 4.2e6
MOBILENET_MACS = 569e6
MOBILENET_POINTWISE = 0.9486
# The paper's numbers (Sec. 4.1) and the TOML's documented constants.
INPUT_BITS = 300e3 * 8
RESULT_BITS = 2e3 * 8
REQUEST_BITS = 1e3 * 8
P_TX, P_RX, P_E, P_D = 0.01, 0.1, 5.34, 2.8
EDGE_MAC_RATE = 224e9 * 0.35
DEVICE_MAC_RATE = 72e9 * 0.35
PF = 0.7
EXPECTED_FINDINGS = (
    "energy_gains",
    "load_threshold",
    "model_to_input_ratio",
    "resnet_edge_least_data",
    "pre_pruned_fastest",
    "full_slowest",
    "single_inference_below_batteries",
    "resnet_drains_by_100",
    "mobilenet_beyond_100",
    "abstract_time_saving",
    "abstract_energy_saving",
    "abstract_device_faster",
)


@cache
def found() -> dict[str, study.Finding]:
    return study.findings()


@cache
def _bounds() -> dict[str, Any]:
    return study.gain_bounds()


@cache
def downlink() -> float:
    return float(scenarios.params("chukhno2023-resnet152").downlink_rate)


# --------------------------------------------------------------------------- the derived numbers
def test_resnet_model_is_802_times_the_input() -> None:
    """Torchvision's 60,192,808 parameters x 32 bit over the 300 kB input."""
    expected = RESNET_PARAMS * 32 / INPUT_BITS
    assert expected == pytest.approx(802.5707733, rel=1e-9)
    assert study.dnn_table()["resnet152"]["model_to_input"] == pytest.approx(expected, rel=1e-12)
    ratio = found()["model_to_input_ratio"]
    assert ratio.values["ratio"] == pytest.approx(expected, rel=1e-12)
    assert ratio.met  # within 25 % of "nearly x1000"


def test_dnn_table_matches_published_counts_and_platform_constants() -> None:
    table = study.dnn_table()
    resnet, densenet = table["resnet152"], table["densenet201"]
    assert resnet["params_m"] * 1e6 == pytest.approx(RESNET_PARAMS, rel=1e-12)
    assert densenet["params_m"] * 1e6 == pytest.approx(DENSENET_PARAMS, rel=1e-12)
    assert resnet["model_mb"] == pytest.approx(RESNET_PARAMS * 4 / 1e6, rel=1e-12)
    assert resnet["pruned_mb"] == pytest.approx((1 - PF) * RESNET_PARAMS * 4 / 1e6, rel=1e-12)
    for row, gmacs in ((resnet, RESNET_GMACS), (densenet, DENSENET_GMACS)):
        assert row["edge_ms"] == pytest.approx(gmacs * 1e9 / EDGE_MAC_RATE * 1e3, rel=PUBLISHED_ROUNDING)
        assert row["device_ms"] == pytest.approx(gmacs * 1e9 / DEVICE_MAC_RATE * 1e3, rel=PUBLISHED_ROUNDING)
        assert row["device_pruned_ms"] == pytest.approx((1 - PF) * row["device_ms"], rel=1e-12)
    # Magnitude pruning sorts the |weights|: n log2 n comparisons at 3e8 per second (offload.toml).
    assert resnet["pruning_s"] == pytest.approx(RESNET_PARAMS * math.log2(RESNET_PARAMS) / 3e8, rel=1e-12)
    mobilenet = table["mobilenet_v1"]
    assert mobilenet["params_m"] * 1e6 == pytest.approx(MOBILENET_PARAMS, rel=MOBILENET_ROUNDING)
    assert mobilenet["gmacs"] * 1e9 == pytest.approx(MOBILENET_MACS, rel=MOBILENET_ROUNDING)


def test_pointwise_share_of_mobilenet_is_howards() -> None:
    """Howard et al. 2017, Table 2: 1x1 convolutions hold 94.86 % of MobileNet's mult-adds."""
    assert study.pointwise_mac_share("mobilenet_v1") == pytest.approx(MOBILENET_POINTWISE, abs=1e-4)
    shares = [study.pointwise_mac_share(n) for n in study.NETWORKS]
    assert 0 < shares[0] < shares[1] < shares[2] < 1


def test_binary_entropy_matches_scipy() -> None:
    for p in (0.1, 0.3, 0.5, 0.7):
        assert study.binary_entropy(p) == pytest.approx(entropy([p, 1 - p], base=2), rel=1e-12)
    assert study.binary_entropy(0.0) == 0.0 and study.binary_entropy(1.0) == 0.0


def test_bits_per_inference_second_is_32_rate_params_per_mac() -> None:
    rho = study.bits_per_inference_second("resnet152")
    expected = 32 * DEVICE_MAC_RATE * RESNET_PARAMS / (RESNET_GMACS * 1e9)
    assert rho["device"] == pytest.approx(expected, rel=PUBLISHED_ROUNDING)
    assert rho["edge"] / rho["device"] == pytest.approx(224 / 72, rel=1e-12)


# --------------------------------------------------------------------------- the figures
def test_radio_rates_are_the_scenarios_and_ordered_by_los_mode() -> None:
    r = study.radio([100.0])
    p = scenarios.params("chukhno2023-resnet152")
    assert r["uplink"]["expected"][0] == pytest.approx(float(p.uplink_rate), rel=1e-12)
    assert r["downlink"]["expected"][0] == pytest.approx(float(p.downlink_rate), rel=1e-12)
    pl = r["los_probability"][0]
    for link in ("uplink", "downlink"):
        mixed = pl * r[link]["los"][0] + (1 - pl) * r[link]["nlos"][0]
        assert r[link]["expected"][0] == pytest.approx(mixed, rel=1e-12)
    # TR 38.901 Table 7.4.2-1 at 100 m: 18/100 + exp(-100/36)(1 - 18/100).
    assert pl == pytest.approx(0.18 + math.exp(-100 / 36) * 0.82, rel=1e-12)


def test_fig3_delay_at_q1_is_eqs_2_and_5() -> None:
    f3 = study.delay_vs_load("resnet152", [0.0, 100.0])
    t = f3["time"]
    assert t.shape == (2, 6)
    p = scenarios.params("chukhno2023-resnet152")
    up, down = float(p.uplink_rate), float(p.downlink_rate)
    t_e = RESNET_GMACS * 1e9 / EDGE_MAC_RATE
    t_d = RESNET_GMACS * 1e9 / DEVICE_MAC_RATE
    cycle = INPUT_BITS / up + RESULT_BITS / down
    edge_full = OPTION_NAMES.index("edge/full")
    device_full = OPTION_NAMES.index("device/full")
    assert t[0, edge_full] == pytest.approx(cycle + t_e, rel=PUBLISHED_ROUNDING)
    assert t[1, edge_full] == pytest.approx(cycle + (1 + 100 / 4) * t_e, rel=PUBLISHED_ROUNDING)
    download = REQUEST_BITS / up + RESNET_PARAMS * 32 / down
    assert t[0, device_full] == pytest.approx(download + t_d, rel=PUBLISHED_ROUNDING)
    assert t[1, device_full] == t[0, device_full]  # the device path does not see the load


def test_fig4_edge_curves_coincide_and_device_is_flat() -> None:
    f4 = study.data_vs_requests("densenet201", [1.0, 10.0, 1000.0])
    data = f4["data"]
    np.testing.assert_array_equal(data[:, 0], data[:, 1])
    np.testing.assert_array_equal(data[:, 0], data[:, 2])
    assert data[:, 0] == pytest.approx(np.array([1.0, 10.0, 1000.0]) * (INPUT_BITS + RESULT_BITS), rel=1e-12)
    device_full = OPTION_NAMES.index("device/full")
    assert data[:, device_full] == pytest.approx(REQUEST_BITS + DENSENET_PARAMS * 32, rel=1e-12)


def test_fig5_energy_is_eq_6_aggregated() -> None:
    f5 = study.energy_vs_requests("resnet152", [100.0])
    up, down = float(scenarios.params("chukhno2023-resnet152").uplink_rate), downlink()
    expected = P_TX * REQUEST_BITS / up + (P_RX + P_E) * RESNET_PARAMS * 32 / down
    expected += 100 * P_D * RESNET_GMACS * 1e9 / DEVICE_MAC_RATE
    assert f5["energy"][0, OPTION_NAMES.index("device/full")] == pytest.approx(expected, rel=PUBLISHED_ROUNDING)
    assert f5["batteries"] == pytest.approx({"embedded": 13_320.0, "smartphone": 39_960.0, "pc": 66_600.0})


def test_data_break_even_is_model_over_input_plus_result() -> None:
    be = study.break_evens("resnet152")["data"]
    full = (REQUEST_BITS + RESNET_PARAMS * 32) / (INPUT_BITS + RESULT_BITS)
    pruned = (REQUEST_BITS + (1 - PF) * RESNET_PARAMS * 32) / (INPUT_BITS + RESULT_BITS)
    np.testing.assert_allclose(be["full"], full, rtol=1e-12)
    np.testing.assert_allclose(be["pre_pruned"], pruned, rtol=1e-12)
    cross = found()["resnet_edge_least_data"].values["crossings"]["resnet152"]
    assert cross["full"] > 300 > cross["pre_pruned"]


def test_resnet_battery_lifetime_and_the_130_joules() -> None:
    """3.7 Wh = 13,320 J over ``P_d T_inf`` per inference, after the one download (eq. (6))."""
    up = float(scenarios.params("chukhno2023-resnet152").uplink_rate)
    once = P_TX * REQUEST_BITS / up + (P_RX + P_E) * RESNET_PARAMS * 32 / downlink()
    per_inference = P_D * RESNET_GMACS * 1e9 / DEVICE_MAC_RATE
    f = found()["resnet_drains_by_100"]
    assert f.values["q_full"] == pytest.approx((13_320 - once) / per_inference, rel=PUBLISHED_ROUNDING)
    assert f.values["joules_needed"] == pytest.approx((13_320 - once) / 100, rel=1e-9)
    assert f.values["joules_needed"] > 130  # the "more than 130 J per inference"
    assert not f.met


# --------------------------------------------------------------------------- the energy gains
def test_energy_gain_is_one_over_one_minus_pf_at_every_q() -> None:
    """Sizes and MACs both scale by 1 - pf; the request (1e-7 J) is the only term that does not."""
    for net, gains in study.energy_gains().items():
        np.testing.assert_allclose(gains, 1 / (1 - PF), rtol=1e-6, err_msg=net)
    f = found()["energy_gains"]
    assert not f.met
    assert f.values["gains"] == pytest.approx([1 / (1 - PF)] * 3, rel=1e-6)


def test_gain_formula_matches_the_model() -> None:
    """``G = (rho + x) / (sigma rho + phi x)``, ``x = Q P_d D / (P_rx + P_E)``, against eq. (6) in the model."""
    p = study.network_params("mobilenet_v1", requests=[3.0, 300.0], edge_load=[0.0])
    rho = study.bits_per_inference_second("mobilenet_v1")["device"]
    x = np.array([3.0, 300.0]) * P_D * downlink() / (P_RX + P_E)
    for sigma, phi in ((0.2, 0.9), (0.9, 0.2), (1.0, 1.0)):
        bits, t = p.model_bits[0], p.device_inference_time[0]
        priced = p.replace(model_bits=np.array([bits, sigma * bits]), device_inference_time=np.array([t, phi * t]))
        energy = option_costs(priced)["energy"]
        model_gain = energy[:, OPTION_NAMES.index("device/full")] / energy[:, OPTION_NAMES.index("device/pre_pruned")]
        np.testing.assert_allclose(model_gain, (rho + x) / (sigma * rho + phi * x), rtol=1e-6)


def test_gain_bounds_against_hand_values() -> None:
    b = study.gain_bounds()
    published = (MOBILENET_PARAMS / MOBILENET_MACS) / (RESNET_PARAMS / (RESNET_GMACS * 1e9))
    assert b["rho_ratio"] == pytest.approx(published, rel=MOBILENET_ROUNDING)
    assert b["cap"] == pytest.approx(1 / 0.3, rel=1e-12)
    assert b["tolerance_ratio"] == pytest.approx(5.4 * 0.75 / (1.5 * 1.25), rel=1e-12)
    r = b["rho_ratio"]
    assert b["error_bound"] >= (3.6 - r) / (3.6 + r) - 1e-12
    assert b["error_bound"] > study.TOLERANCE
    assert b["error_bound"] <= b["grid_error"] <= b["pruning_only_error"]


@settings(max_examples=200, deadline=None)
@given(
    sigma=st.floats(1e-3, 1.0),
    phi=st.floats(1e-3, 1.0),
    log_x=st.floats(5.0, 14.0),
)
def test_no_common_reading_beats_the_error_bound(sigma: float, phi: float, log_x: float) -> None:
    """Property: any one (sigma, phi, Q D) for the three networks is at least ``error_bound`` off the paper."""
    b = _bounds()
    rho = b["rho"]
    x = 10.0**log_x
    gains = (rho + x) / (sigma * rho + phi * x)
    worst = float(np.max(np.abs(gains / study.PAPER_GAINS - 1)))
    assert worst >= b["error_bound"] * (1 - 1e-9)
    assert float(np.max(gains)) <= max(1 / sigma, 1 / phi) * (1 + 1e-12)


def test_pruning_readings_are_capped_and_ordered() -> None:
    r = study.pruning_readings()
    assert set(r) == {"structured", "zeros_kept", "zeros_compressed", "sparse_pointwise"}
    np.testing.assert_allclose(r["zeros_kept"]["gains"], 1.0, rtol=1e-12)
    assert r["zeros_compressed"]["sigma"][0] == pytest.approx(0.3 + entropy([0.3, 0.7], base=2) / 32, rel=1e-12)
    for name, reading in r.items():
        assert np.all(reading["gains"] <= reading["cap"][:, None] * (1 + 1e-9)), name
        assert reading["best_error"] > study.TOLERANCE, name
    sparse = r["sparse_pointwise"]
    assert sparse["phi"][2] == pytest.approx(1 - PF * MOBILENET_POINTWISE, abs=1e-4)
    assert sparse["gains"][0, -1] < sparse["gains"][1, -1] < sparse["gains"][2, -1]  # the paper's order


# --------------------------------------------------------------------------- the findings
def test_findings_has_a_record_with_a_bool_for_every_finding() -> None:
    records = found()
    assert tuple(records) == EXPECTED_FINDINGS
    for key, f in records.items():
        assert f.key == key
        assert isinstance(f.met, bool), key
        assert f.statement and f.paper and f.reading and f.ours, key
        first, last = f.lines
        assert 1 <= first <= last, key
        if not f.met:
            assert re.search(r"\d", f.explanation), key  # explained with numbers


def test_load_threshold_slowdown_brings_mobilenet_to_densenet() -> None:
    """Scaling MobileNet's edge and device times by the reported factor puts its threshold at DenseNet's."""
    f = found()["load_threshold"]
    assert not f.met
    s = f.values["mobilenet_slowdown_needed"]
    target = f.values["thresholds"]["densenet201"]["full"]
    p = study.network_params("mobilenet_v1", requests=[1.0], edge_load=[0.0])
    slowed = p.replace(edge_inference_time=s * p.edge_inference_time, device_inference_time=s * p.device_inference_time)
    assert float(load_threshold(slowed)[0]) == pytest.approx(target, rel=1e-9)
    # Brute force: at the threshold load, the device and the edge take the same time.
    at = slowed.replace(edge_load=np.array([target]))
    time = option_costs(at)["time"][0]
    assert time[OPTION_NAMES.index("device/full")] == pytest.approx(time[OPTION_NAMES.index("edge/full")], rel=1e-9)


def test_abstract_energy_saving_states_the_contradiction() -> None:
    f = found()["abstract_energy_saving"]
    assert not f.met
    assert f.values["max"] == pytest.approx(PF, rel=1e-6)
    assert "2.13x" in f.explanation  # 1 / (1 - 0.53)
    np.testing.assert_allclose(f.values["paper_gain_savings"], 1 - 1 / np.array([1.5, 2.7, 5.4]), rtol=1e-12)


def test_device_faster_is_read_at_the_highest_load() -> None:
    f = found()["abstract_device_faster"]
    t = study.delay_vs_load("densenet201", [100.0])["time"][0]
    pre = 1 - t[OPTION_NAMES.index("device/pre_pruned")] / t[OPTION_NAMES.index("edge/pre_pruned")]
    assert f.values["faster"]["densenet201"]["pre_pruned"] == pytest.approx(pre, rel=1e-12)
    assert f.values["max"] >= pre
    assert f.met == (abs(f.values["max"] / 0.6 - 1) <= study.TOLERANCE)


def test_unknown_network_is_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="network must be one of"):
        study.network_params("vgg16")


@pytest.mark.skipif(not SEED_TEXT.exists(), reason="the paper's seed text is not beside the repository")
def test_paper_numbers_are_printed_on_the_lines_they_cite() -> None:
    lines = assert_numbers_printed(study.PAPER_NUMBERS, SEED_TEXT)
    for f in found().values():
        assert f.lines[1] <= len(lines), f.key


# --------------------------------------------------------------------------- the notebook
@cache
def executed_notebook() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    resources = {"metadata": {"path": str(NOTEBOOK.parent)}}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
    return nb


def test_notebook_shows_every_figure_inline() -> None:
    """Every cell that shows a figure leaves an image/png output (the inline backend, not Agg)."""
    raw = nbformat.read(NOTEBOOK, as_version=4)
    assert "%matplotlib inline" in raw.cells[1].source
    assert 'matplotlib.use("Agg")' not in "".join(cell.source for cell in raw.cells)
    nb = executed_notebook()
    figures = [cell for cell in nb.cells if cell.cell_type == "code" and "plt.show()" in cell.source]
    assert len(figures) == 5  # the radio, Figs. 3, 4, 5 and the gain readings
    for cell in figures:
        kinds = [output.get("data", {}).keys() for output in cell.outputs]
        assert any("image/png" in k for k in kinds), cell.source[:80]
    assert not any(output.output_type == "error" for cell in nb.cells for output in cell.get("outputs", []))
    printed = "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))
    for key in EXPECTED_FINDINGS:
        assert f"== {key} " in printed, key
    assert "NOT met" in printed
