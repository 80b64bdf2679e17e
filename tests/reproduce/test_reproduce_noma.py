"""``edgeopt.reproduce.noma``: paper 003's section of the report (figures, tables beside the paper's numbers, notes).

One ``reproduce(quick=True)`` serves the module (about 10 s of CPU: 15 instances of six schemes each). The paper's
numbers below are typed from the paper's text (the seed text's lines are cited), not taken from
:mod:`edgeopt.problems.noma.study`.
"""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from edgeopt.problems.noma import study
from edgeopt.reproduce import noma
from edgeopt.reproduce.common import Reproduction

FIGURES = ["noma_figs2_5", "noma_figs6_9", "noma_figs7_10", "noma_figs8_11"]
TABLES = ["noma_paper_numbers", "noma_fig5_readings", "noma_least_energy", "noma_xi_sensitivity"]
# L2791-2793: "without NOMA, the latency speedup of ECC is 3.1 to 8 times higher than the Device-Only approach".
FIG2_OMA_RANGE = (3.1, 8.0)
# L2811-2813: "the energy consumption reduction of ECC is 0.85 to 0.97 times lower than the Device-Only approach".
FIG3_OMA_RANGE = (0.85, 0.97)


@pytest.fixture(scope="module")
def quick() -> Iterator[Reproduction]:
    result = noma.reproduce(quick=True, progress=False)
    yield result
    for item in result.figures:
        plt.close(item.figure)


def _table(result: Reproduction, stem: str) -> pd.DataFrame:
    return next(t.frame for t in result.tables if t.stem == stem)


def test_every_figure_is_drawn_with_data(quick: Reproduction) -> None:
    assert quick.problem == "noma"
    assert [f.stem for f in quick.figures] == FIGURES
    for item in quick.figures:
        assert isinstance(item.figure, Figure)
        axes = item.figure.get_axes()
        assert len(axes) >= 2, item.stem
        assert all(ax.has_data() for ax in axes), item.stem
        # Quick mode runs one seed where the notebook runs three: the caption must say so.
        assert "seed 0" in item.caption and "notebook averages seeds 0-2" in item.caption, item.caption
    networks = quick.figures[0].figure.get_axes()
    assert len(networks) == 8  # Figs. 2-5 at M = 6 and at M = 10


def test_every_table_has_paper_columns_and_no_missing_number_beside_one(quick: Reproduction) -> None:
    assert [t.stem for t in quick.tables] == TABLES
    for table in quick.tables:
        frame = table.frame
        paper = [c for c in frame.columns if str(c).startswith("paper ")]
        ours = [c for c in frame.columns if c not in paper and pd.api.types.is_numeric_dtype(frame[c])]
        assert paper and len(frame) > 0, table.stem
        for _, row in frame.iterrows():
            has_paper = any(pd.notna(row[c]) for c in paper)
            assert has_paper, (table.stem, dict(row))
            assert all(np.isfinite(float(row[c])) for c in ours), (table.stem, dict(row))
            assert all(isinstance(row[c], str) and row[c] for c in frame.columns if c not in paper and c not in ours)


def test_the_paper_numbers_table_holds_every_printed_number(quick: Reproduction) -> None:
    frame = _table(quick, "noma_paper_numbers")
    oma = frame[frame["quantity"] == "ECC-OMA speed-up over Device-Only"]
    ranged = oma[oma["paper min"] != oma["paper max"]]
    assert sorted(ranged["setting"]) == ["NiN, M = 10", "VGG16, M = 10", "tiny YOLOv2, M = 10"]
    assert set(zip(ranged["paper min"], ranged["paper max"], strict=True)) == {FIG2_OMA_RANGE}
    energy = frame[frame["quantity"] == "ECC-OMA energy ratio E_DO / E"]
    assert set(zip(energy["paper min"], energy["paper max"], strict=True)) == {FIG3_OMA_RANGE}
    # L2920-2922: "when U = 10, the latency speedup of ECC-NOAM and Neurosurgeon is 7.1 and 6.3 ...
    # when U = 90, this becomes 3.85 and 1.9".
    fig6 = frame[frame["figure"] == 6].set_index(["quantity", "setting"])["paper min"]
    assert fig6[("ECC-NOMA speed-up over Device-Only", "U = 10, M = 6")] == 7.1
    assert fig6[("Neurosurgeon speed-up over Device-Only", "U = 10, M = 6")] == 6.3
    assert fig6[("ECC-NOMA speed-up over Device-Only", "U = 90, M = 6")] == 3.85
    assert fig6[("Neurosurgeon speed-up over Device-Only", "U = 90, M = 6")] == 1.9
    assert sorted(frame["figure"].unique()) == [2, 3, 5, 6, 7]


def test_ecc_oma_speedup_lies_in_the_papers_range_for_nin_and_vgg16(quick: Reproduction) -> None:
    """The notebook's one paper-number assertion: Fig. 2's ECC-OMA speed-up for NiN and VGG16 inside 3.1-8x.

    Tiny YOLOv2's is below the range (a departure the notebook asserts and explains: its optimum is an
    intermediate split, so offloading gains less).
    """
    frame = _table(quick, "noma_paper_numbers")
    rows = frame[(frame["quantity"] == "ECC-OMA speed-up over Device-Only") & (frame["paper max"] == 8.0)]
    ours = dict(zip(rows["setting"], rows["ours"], strict=True))
    lo, hi = FIG2_OMA_RANGE
    assert lo <= ours["NiN, M = 10"] <= hi
    assert lo <= ours["VGG16, M = 10"] <= hi
    assert ours["tiny YOLOv2, M = 10"] < lo


def test_energy_ratios_are_below_the_papers_and_the_xi_read_out_brackets_it(quick: Reproduction) -> None:
    """Fig. 3: our ECC-OMA energy ratios are far below 0.85-0.97 (the departure the notes explain by ``xi``)."""
    frame = _table(quick, "noma_paper_numbers")
    energy = frame[frame["quantity"] == "ECC-OMA energy ratio E_DO / E"]["ours"]
    assert np.all(energy < FIG3_OMA_RANGE[0])
    xi = _table(quick, "noma_xi_sensitivity")
    assert list(xi["device xi_d"]) == [1e-28] and list(xi["ECC-NOMA split"]) == [0]
    # The ratio is linear in xi_d at split 0: scaling the one point to the paper's ends gives the caption's range.
    ratio = float(xi["ECC-NOMA energy ratio"].iloc[0])
    caption = next(t.caption for t in quick.tables if t.stem == "noma_xi_sensitivity")
    assert f"{1e-28 * FIG3_OMA_RANGE[0] / ratio:.2e}-{1e-28 * FIG3_OMA_RANGE[1] / ratio:.2e}" in caption


def test_notes_state_the_departures(quick: Reproduction) -> None:
    text = " ".join(quick.notes)
    assert all(isinstance(n, str) and n.endswith(".") for n in quick.notes)
    for phrase in ("ECC over OMA", "xi_d", "contradicts itself", "seed 0", "Neurosurgeon", "li_gd"):
        assert phrase in text, phrase


def _fake_sweep(values: list, speedups: dict[str, list[float]], field: str = "n_subchannels") -> dict[str, object]:
    """A sweep result with the given speed-ups over Device-Only and 1.0 in every other mean."""
    ones = {m: {s: np.ones(len(values)) for s in noma.ORDER} for m in study.METRICS}
    ones["speedup_vs_device_only"].update({s: np.asarray(v, dtype=float) for s, v in speedups.items()})
    return {"field": field, "values": np.asarray(values), "mean": ones}


def test_fig7_lead_is_ecc_nomas_ratio_to_the_fastest_other_scheme() -> None:
    subs = _fake_sweep(
        [2, 4, 6], {"ecc_noma": [3.0, 5.0, 4.0], "neurosurgeon": [6.0, 4.0, 5.0], "edge_only": [3.0, 4.5, np.nan]}
    )
    np.testing.assert_allclose(noma.fig7_lead(subs), [3.0 / 6.0, 5.0 / 4.5, 4.0 / 5.0], rtol=1e-15)


def test_xi_for_paper_range_scales_the_smallest_point_linearly() -> None:
    rows = {
        1e-28: {"ecc_noma": {"energy_ratio_vs_device_only": 0.4}},
        3e-28: {"ecc_noma": {"energy_ratio_vs_device_only": 99.0}},  # ignored: the smallest xi_d fixes the line
    }
    lo, hi = noma.xi_for_paper_range(rows)
    assert lo == pytest.approx(1e-28 * 0.85 / 0.4, rel=1e-14)
    assert hi == pytest.approx(1e-28 * 0.97 / 0.4, rel=1e-14)


def test_a_sweep_without_the_papers_point_is_named() -> None:
    nets = _fake_sweep(["nin", "tiny_yolov2", "vgg16"], {}, field="profile")
    users = _fake_sweep([30, 50, 90], {}, field="n_users")
    subs = _fake_sweep([2, 4], {})
    with pytest.raises(ValueError, match=r"the n_users sweep has no point 10 "):
        noma.paper_frame({noma.OMA_SETTING: nets, noma.FIGURE_SETTING: nets}, users, subs)
    frame = noma.paper_frame({noma.OMA_SETTING: nets, noma.FIGURE_SETTING: nets}, _fake_sweep([10, 90], {}), subs)
    assert np.all(frame["ours"][frame["figure"] < 7] == 1.0)
