"""The report's reproduction of paper 001 (Chukhno et al., NET4us 2023): figures, tables beside the paper, notes.

The paper's numbers are transcribed here from its text (shared/seeds/001_a74b7417d40c4499.txt, the lines named
beside each), not read from the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D

from edgeopt.reproduce import offload
from edgeopt.reproduce.common import Reproduction

STEMS = {"offload_radio", "offload_fig3", "offload_fig4", "offload_fig5", "offload_pruning_readings"}
TABLES = {"offload_findings", "offload_numbers", "offload_dnn"}
#: The notebook's bar for a numeric finding: "met when ours is within 25 % of the paper's value".
TOLERANCE = 0.25
# What the paper prints, by the finding it belongs to: L24 (abstract), L180, L194.
PAPER = {
    "energy_gains": [1.5, 2.7, 5.4],  # L194: "in the order of 1.5, 2.7, and 5.4"
    "model_to_input_ratio": [1000.0],  # L180: "nearly x1000 for ResNet-152"
    "resnet_edge_least_data": [300.0, 300.0],  # L180: "at least up to Q=300"
    "single_inference_below_batteries": [3.7 * 3600.0],  # L194: "3.7 Wh for embedded devices", in J
    "resnet_drains_by_100": [100.0, 100.0],  # L194: "ResNet-152, for Q=100, no matter whether it is pruned or not"
    "mobilenet_beyond_100": [100.0],  # L194-201: "values of Q higher than 100"
    "abstract_time_saving": [40.0],  # L24: "savings up to 40% and 53%"
    "abstract_energy_saving": [53.0],
    "abstract_device_faster": [60.0],  # L24: "60% faster decisionmaking"
}


@pytest.fixture(scope="module")
def rep() -> Iterator[Reproduction]:
    out = offload.reproduce(quick=True, progress=False)
    yield out
    for fig in out.figures:
        plt.close(fig.figure)


def test_figures_are_the_notebooks(rep: Reproduction) -> None:
    assert rep.problem == "offload"
    assert {f.stem for f in rep.figures} == STEMS
    assert len(rep.figures) == len(STEMS)
    for fig in rep.figures:
        assert fig.caption.strip(), fig.stem
        assert fig.figure.axes, fig.stem
        for ax in fig.figure.axes:
            # Each panel has at least one curve with finite data (the reference lines are axvline/axhline too).
            curves = [line for line in ax.get_lines() if isinstance(line, Line2D) and len(line.get_xdata()) > 2]
            assert curves, (fig.stem, ax.get_title())
            assert all(np.all(np.isfinite(np.asarray(c.get_ydata(), dtype=float))) for c in curves), fig.stem


def test_tables_have_paper_columns_and_no_nan_where_the_paper_has_a_number(rep: Reproduction) -> None:
    assert {t.stem for t in rep.tables} == TABLES
    for table in rep.tables:
        frame = table.frame
        assert isinstance(frame, pd.DataFrame) and len(frame), table.stem
        paper = [c for c in frame.columns if str(c).startswith("paper")]
        assert paper, (table.stem, list(frame.columns))
        has_paper = frame[paper].notna().any(axis=1)
        assert has_paper.any(), table.stem
        ours = frame.loc[has_paper, [c for c in frame.columns if c not in paper]]
        assert not ours.isna().any().any(), (table.stem, ours[ours.isna().any(axis=1)])


def test_the_paper_numbers_are_the_papers(rep: Reproduction) -> None:
    numbers = next(t.frame for t in rep.tables if t.stem == "offload_numbers")
    for key, values in PAPER.items():
        got = numbers.loc[numbers["finding"] == key, "paper value"].to_numpy(dtype=float)
        np.testing.assert_allclose(got, values, rtol=1e-12, err_msg=key)
    # The DNN table holds the one model-to-input ratio the paper prints, for ResNet-152 only.
    dnn = next(t.frame for t in rep.tables if t.stem == "offload_dnn").set_index("network")
    assert dnn.loc["ResNet-152", "paper model/input"] == 1000.0
    assert dnn["paper model/input"].isna().sum() == 2


def test_model_to_input_ratio_within_the_notebooks_tolerance(rep: Reproduction) -> None:
    """Ours is 802x (L180: "nearly x1000"), met within 25 %, as the notebook asserts.

    Independently of the zoo: torchvision's ResNet-152 has 60,192,808 parameters, 32 bits each, against the
    paper's 300 kB input (L144).
    """
    numbers = next(t.frame for t in rep.tables if t.stem == "offload_numbers")
    row = numbers.loc[numbers["finding"] == "model_to_input_ratio"].iloc[0]
    assert abs(row["ours"] / 1000.0 - 1.0) <= TOLERANCE
    assert row["ours"] == pytest.approx(60_192_808 * 32 / (300e3 * 8), rel=1e-6)
    assert bool(row["holds"])


def test_device_faster_within_tolerance_and_gains_not(rep: Reproduction) -> None:
    """The notebook's statuses: the device 46 % faster than a loaded edge (paper 60 %, met); the gains not met."""
    numbers = next(t.frame for t in rep.tables if t.stem == "offload_numbers")
    faster = numbers.loc[numbers["finding"] == "abstract_device_faster", "ours"].iloc[0]
    assert abs(faster / 60.0 - 1.0) <= TOLERANCE
    # A 70 % pruning that keeps 30 % of the bits and the MACs gives 1 / 0.3 on every network.
    gains = numbers.loc[numbers["finding"] == "energy_gains", "ours"].to_numpy(dtype=float)
    np.testing.assert_allclose(gains, 1.0 / 0.3, rtol=1e-6)
    assert np.any(np.abs(gains / np.array(PAPER["energy_gains"]) - 1.0) > TOLERANCE)
    findings = next(t.frame for t in rep.tables if t.stem == "offload_findings").set_index("finding")
    assert not findings.loc["energy_gains", "met"] and findings.loc["abstract_device_faster", "met"]


def test_notes_name_every_finding_not_met(rep: Reproduction) -> None:
    findings = next(t.frame for t in rep.tables if t.stem == "offload_findings")
    not_met = findings.loc[~findings["met"].astype(bool), "paper statement"]
    assert len(not_met) == 7  # the notebook's EXPECTED: 7 of the 12 findings are not met
    for statement in not_met:
        assert any(statement in note for note in rep.notes), statement
    assert any("calibrated" in note for note in rep.notes)
    assert any("FleetProblem" in note for note in rep.notes)
