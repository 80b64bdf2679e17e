"""The paper 000 reproduction (Figs. 3-5, Table III, the DAG split) as the report uses it: figures, tables, notes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from edgeopt.reproduce import cut_selection

STEMS = ["cut_selection_fig3", "cut_selection_fig4", "cut_selection_fig5"]
TABLES = [
    "cut_selection_table3",
    "cut_selection_table3_ridge",
    "cut_selection_fig4_medians",
    "cut_selection_compression",
    "cut_selection_power_control",
    "cut_selection_dag_split",
]
SCHEMES = ("pool1", "softmax", "PS", "PSNC")

# Table III as printed in the paper (shared/seeds/000), not from the code or the scenario file: per bandwidth,
# row -> (Pool-1, softmax, PS, PSNC); energies in 1e-4 J, CO2 in 1e-10 kg.
PAPER_TABLE3 = {
    15e3: {
        "E (1e-4 J)": (8.66, 1.69, 1.69, 4.36),
        "E_p (1e-4 J)": (0.66, 1.67, 1.64, 2.60),
        "E_tr (1e-4 J)": (7.98, 0.03, 0.05, 1.76),
        "CO2 (1e-10 kg)": (0.66, 0.13, 0.13, 0.33),
    },
    15e6: {
        "E (1e-4 J)": (1.24, 1.67, 0.53, 0.61),
        "E_p (1e-4 J)": (0.66, 1.67, 0.23, 0.23),
        "E_tr (1e-4 J)": (0.58, 0.002, 0.31, 0.38),
        "CO2 (1e-10 kg)": (0.1, 0.12, 0.04, 0.05),
    },
}


@pytest.fixture(scope="module")
def rep():
    out = cut_selection.reproduce(quick=True, progress=False)
    yield out
    for f in out.figures:
        plt.close(f.figure)


def _table(rep, stem):
    return next(t.frame for t in rep.tables if t.stem == stem)


def test_figure_stems_and_plotted_data(rep):
    assert rep.problem == "cut_selection"
    assert [f.stem for f in rep.figures] == STEMS
    for f in rep.figures:
        assert f.caption
        axes = f.figure.get_axes()
        assert axes, f.stem
        for ax in axes:
            ys = [line.get_ydata() for line in ax.get_lines()] + [[p.get_height()] for p in ax.patches]
            values = np.concatenate([np.asarray(y, dtype=float) for y in ys]) if ys else np.array([])
            assert np.isfinite(values).sum() >= 2, f"{f.stem} has an axis without plotted data"


def test_tables_paper_columns_and_no_nan(rep):
    assert [t.stem for t in rep.tables] == TABLES
    for table in rep.tables:
        assert table.caption, table.stem
        frame = table.frame
        assert len(frame) > 0, table.stem
        numeric = [c for c in frame.columns if frame[c].dtype.kind in "fiu"]
        assert not frame[numeric].isna().any().any(), table.stem
    # The reproduced paper tables carry the paper's numbers in columns of their own.
    for stem in ("cut_selection_table3", "cut_selection_table3_ridge"):
        frame = _table(rep, stem)
        paper = [c for c in frame.columns if c.startswith("paper ")]
        assert paper, stem
        for column in paper:
            assert column.removeprefix("paper ") in frame.columns, (stem, column)
            assert frame[column].notna().all(), (stem, column)
    assert rep.notes and all(isinstance(n, str) and n for n in rep.notes)


def test_table3_paper_columns_are_the_printed_table(rep):
    frame = _table(rep, "cut_selection_table3")
    assert len(frame) == 8
    for bandwidth, rows in PAPER_TABLE3.items():
        block = frame[frame["W (Hz)"] == bandwidth].set_index("scheme").loc[list(SCHEMES)]
        for column, values in rows.items():
            np.testing.assert_allclose(block["paper " + column].to_numpy(), values, rtol=1e-12, err_msg=column)


def test_table3_energies_within_the_notebooks_factor_of_the_paper(rep):
    # The notebook asserts every E cell within a factor 2 of the paper's, at both bandwidths (15 MHz is a
    # prediction), and PS below PSNC; the paper's text: "PS outperforms all the other baselines in terms of total
    # energy consumption" (softmax ties it at 15 kHz: "softmax performs slightly similar").
    frame = _table(rep, "cut_selection_table3")
    for bandwidth, rows in PAPER_TABLE3.items():
        block = frame[frame["W (Hz)"] == bandwidth].set_index("scheme")
        ours = block.loc[list(SCHEMES), "E (1e-4 J)"].to_numpy()
        ratio = ours / np.array(rows["E (1e-4 J)"])
        assert np.all((ratio >= 0.5) & (ratio <= 2)), (bandwidth, ratio)
        np.testing.assert_allclose(block.loc[list(SCHEMES), "E / paper E"].to_numpy(), ratio, rtol=1e-12)
        assert block.loc["PS", "E (1e-4 J)"] < block.loc["PSNC", "E (1e-4 J)"]
        assert block.loc["PS", "E (1e-4 J)"] <= ours.min() * (1 + 1e-12)
    # At 15 kHz the fit's cells: PS within 1 % of the printed 1.69e-4 J (the calibration's target).
    ps = frame[(frame["W (Hz)"] == 15e3) & (frame["scheme"] == "PS")]["E (1e-4 J)"].item()
    assert abs(ps / 1.69 - 1) < 0.01
