"""The fog reproduction (paper 004, Figs. 4-10) as the report uses it: figures, paper tables, notes."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

import edgeopt as eo
from edgeopt.reproduce import fog

STEMS = [f"fog_fig{n}" for n in range(4, 11)]

# The numbers of the paper's Sec. IX, read from its text (shared/seeds/004), not from the code:
# Fig. 6 "approximately 50% larger", Fig. 7 "almost three times less", Fig. 9 "almost 33% more efficient",
# Fig. 10 "approximately 23% reduction".
PAPER_NUMBERS = {"Fig. 6": 0.50, "Fig. 7": 3.0, "Fig. 9": 0.33, "Fig. 10": 0.23}


@pytest.fixture(scope="module")
def rep():
    out = fog.reproduce(quick=True, progress=False)
    yield out
    for f in out.figures:
        plt.close(f.figure)


def _claim(rep, figure):
    """The claims row of ``figure`` that carries a paper number."""
    claims = rep.tables[0].frame
    rows = claims[(claims["figure"] == figure) & claims["paper value"].notna()]
    return rows.iloc[0]


def test_figure_stems_and_plotted_data(rep):
    assert rep.problem == "fog"
    assert [f.stem for f in rep.figures] == STEMS
    for f in rep.figures:
        assert f.caption
        axes = f.figure.get_axes()
        assert axes, f.stem
        for ax in axes:
            ys = [line.get_ydata() for line in ax.get_lines()] + [[p.get_height()] for p in ax.patches]
            values = np.concatenate([np.asarray(y, dtype=float) for y in ys]) if ys else np.array([])
            assert np.isfinite(values).sum() >= 2, f"{f.stem} has no plotted data"


def test_tables_have_paper_columns_and_no_nan_where_the_paper_has_a_number(rep):
    assert [t.stem for t in rep.tables] == ["fog_paper_claims", "fog_fig6_reference"]
    for table in rep.tables:
        frame = table.frame
        paper = [c for c in frame.columns if c.startswith("paper ")]
        assert paper, table.stem
        numeric_paper = [c for c in paper if frame[c].dtype.kind == "f"]
        assert numeric_paper, table.stem
        has_number = frame[numeric_paper].notna().any(axis=1)
        ours = [c for c in frame.columns if c not in paper and frame[c].dtype.kind == "f"]
        assert ours, table.stem
        assert not frame.loc[has_number, ours].isna().any().any(), table.stem


def test_paper_numbers_are_the_papers_and_ours_point_the_same_way(rep):
    for figure, number in PAPER_NUMBERS.items():
        row = _claim(rep, figure)
        assert row["paper value"] == number, figure
    # The direction of each of the paper's numbers, as the notebook asserts it: NoOptDist above the optimum
    # (Figs. 6, 9), K = 20 cheaper per MAC than K = 10 (Fig. 7), one more collaborative layer saves (Fig. 10).
    assert _claim(rep, "Fig. 6")["ours"] > 0
    assert _claim(rep, "Fig. 7")["ours"] > 1
    assert _claim(rep, "Fig. 9")["ours"] > 0
    assert _claim(rep, "Fig. 10")["ours"] > 0
    assert rep.tables[0].frame["holds"].all()


def test_clarabel_agrees_with_the_decomposition_as_the_paper_reports(rep):
    # Paper: "the results of the decomposed approach converge to" CVX's on the overall problem (31). Our
    # Opt-Overall is an independent CVXPY model solved by Clarabel. The notebook asserts it never lands below
    # the certified optimum (1e-8 relative); above, it is off by Clarabel's own inaccuracy (up to 3.2e-2 on
    # the tightest budget, so 5e-2 here).
    frame = rep.tables[1].frame
    rel = frame["(Clarabel - Opt) / Opt"].to_numpy()
    got = np.isfinite(rel)
    assert got.sum() >= rel.size // 2
    assert np.all(rel[got] >= -1e-8)
    assert np.all(rel[got] <= 5e-2)
    assert np.all(frame["paper (Opt-Overall - Opt-Decomp) / Opt-Decomp"] == 0.0)


def test_back_end_cycles_by_hand():
    p = eo.FogPartitioning.from_scenario("kilcioglu2021-fig10", d_y=896, n_layers=3).params
    # eq. (14) on layers 4 and 5 of the whole input: 9 * floor(256 / 8) * 896 / 8 + 9 * floor(256 / 16) * 896 / 16
    macs = 9 * 32 * 112 + 9 * 16 * 56
    assert fog.back_end_cycles(p, n_tot=5) == pytest.approx(p.cycles_per_mac[p.master] * macs, rel=1e-15)
    every_layer = eo.FogPartitioning.from_scenario("kilcioglu2021-fig10", d_y=896, n_layers=5).params
    assert fog.back_end_cycles(every_layer, n_tot=5) == 0.0


def test_fig10_search_finds_the_best_back_end_time():
    data = fog.fig10_data([896], [4])
    t_best = float(data.extras["back_end_time"][0, 0])
    e_best = float(data.energy[fog.OVERALL][0, 0])
    p = eo.FogPartitioning.from_scenario("kilcioglu2021-fig10", d_y=896, n_layers=4).params
    m = p.master
    cycles = p.cycles_per_mac[m] * (9 * 16 * 56)  # layer 5 on the master alone, eq. (14)

    def overall(t):  # one collaborative solve with the public API, plus the master's cubic energy
        sol = eo.FogPartitioning(p.replace(tau=p.tau - t)).solve()
        assert sol.status is eo.Status.OPTIMAL
        return sol.objective + p.kappa[m] * cycles**3 / t**2

    assert e_best == pytest.approx(overall(t_best), rel=1e-9)
    for t in (0.9 * t_best, 1.1 * t_best):
        assert overall(t) > e_best
    assert not math.isnan(e_best)


def test_notes_state_the_departures(rep):
    assert len(rep.notes) >= 5
    text = " ".join(rep.notes)
    assert "Table 3" in text and "Clarabel" in text
    assert "nan" not in text.lower().replace("nats", "")
