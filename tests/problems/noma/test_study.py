"""The figure data of paper 003 (:mod:`edgeopt.problems.noma.study`) and the notebook that draws them.

The totals and ratios are checked against values recomputed here: each scheme solved again through
:class:`NomaProblem` (every method is deterministic), its decision's per-user terms summed with
:func:`~edgeopt.problems.noma.model.utility_terms`, and Device-Only's latency and energy re-typed from
(1) and (13). The notebook test executes ``notebooks/noma.ipynb`` and asserts that every cell that shows a
figure produced a PNG (issue 16: a notebook that forces the Agg backend produces none).
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from seed_text import assert_numbers_printed

from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.noma import model, scenarios, study
from edgeopt.problems.noma.model import NomaParams
from edgeopt.problems.noma.problem import NomaProblem

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK = ROOT / "notebooks" / "noma.ipynb"
SEED_TEXT = ROOT.parent / "shared" / "seeds" / "003_b6618b07c0629284.txt"
# Two sums of the same per-user terms, in the same order: equal up to the last bits.
SAME_SUM = 1e-12
NUMERIC = ("utility", "T", "E", "violation", *study.METRICS[3:])


@cache
def small() -> NomaParams:
    """2 users per AP on M = 6: every scheme has a decision, ECC over OMA included."""
    return scenarios.params("yuan2023-users", seed=0, n_users=10)


@cache
def comparison() -> dict[str, dict[str, object]]:
    return study.compare_schemes(small())


def totals(params: NomaParams, method: str) -> tuple[float, float, float]:
    """``(utility, T, E)`` of ``method``'s decision, summed here from the model's per-user terms."""
    sol = NomaProblem(params).solve(method)
    terms = model.utility_terms(params, model.decision(params, **sol.x))
    return float(np.sum(terms["utility"])), float(np.sum(terms["T"])), float(np.sum(terms["E"]))


def test_compare_schemes_has_every_field_of_every_scheme() -> None:
    rows = comparison()
    assert list(rows) == list(study.SCHEMES)
    for name, row in rows.items():
        assert row["label"] == study.LABELS[name]
        assert row["method"] == study.SCHEMES[name]
        assert row["status"] == "feasible" and row["feasible"] and row["reason"] is None
        for key in NUMERIC:
            value = row[key]
            assert isinstance(value, float) and math.isfinite(value), (name, key, value)
        assert row["violation"] == 0.0
        assert isinstance(row["split"], int) and 0 <= row["split"] <= small().n_units


def test_compare_schemes_totals_and_ratios_match_the_recomputed_terms() -> None:
    params = small()
    rows = comparison()
    recomputed = {name: totals(params, method) for name, method in study.SCHEMES.items()}
    for name, (utility, t, e) in recomputed.items():
        row = rows[name]
        assert row["utility"] == pytest.approx(utility, rel=SAME_SUM)
        assert row["T"] == pytest.approx(t, rel=SAME_SUM)
        assert row["E"] == pytest.approx(e, rel=SAME_SUM)
        for base in study.BASES:
            _, t_base, e_base = recomputed[base]
            assert row[f"speedup_vs_{base}"] == pytest.approx(t_base / t, rel=1e-11)
            assert row[f"energy_ratio_vs_{base}"] == pytest.approx(e_base / e, rel=1e-11)
    for base in study.BASES:
        assert rows[base][f"speedup_vs_{base}"] == 1.0
        assert rows[base][f"energy_ratio_vs_{base}"] == 1.0


def test_device_only_totals_match_the_formulas() -> None:
    """(1) and (13) re-typed: ``T = sum_i phi_d F / c_i``, ``E = sum_i xi_d c_i^2 phi_d F`` with F all FLOPs."""
    params = small()
    row = comparison()["device_only"]
    cycles = params.device_cycles_per_flop * float(np.sum(params.layer_flops))
    t = sum(cycles / c for c in params.device_speed.tolist())
    e = sum(params.device_kappa * c * c * cycles for c in params.device_speed.tolist())
    assert row["split"] == params.n_units
    assert row["T"] == pytest.approx(t, rel=1e-12)
    assert row["E"] == pytest.approx(e, rel=1e-12)
    assert row["utility"] == pytest.approx(params.w_T * t + params.w_E * e, rel=1e-12)


def test_ecc_noma_is_never_above_device_only() -> None:
    """By construction: Li-GD evaluates split F, whose utility is Device-Only's, among its candidates."""
    rows = comparison()
    assert rows["ecc_noma"]["utility"] <= rows["device_only"]["utility"] * (1 + SAME_SUM)


def test_an_infeasible_scheme_has_none_markers_and_is_listed() -> None:
    params = scenarios.params("yuan2023-networks-nin", seed=0)  # 10 users per AP, M = 6 < 10: no OMA decision
    rows = study.compare_schemes(params, ["ecc_oma", "device_only"])
    assert list(rows) == ["ecc_oma", "device_only"]
    oma = rows["ecc_oma"]
    assert oma["status"] == "infeasible" and not oma["feasible"]
    assert all(oma[key] is None for key in (*NUMERIC, "split"))
    assert "AP" in str(oma["reason"]) and "10 users" in str(oma["reason"])
    assert study.infeasible(rows) == {"ecc_oma": oma["reason"]}
    assert rows["device_only"]["speedup_vs_neurosurgeon"] is not None  # the bases are solved anyway


def test_unknown_scheme_is_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="ecc_noma"):
        study.compare_schemes(small(), ["li_gd"])


@cache
def small_sweep() -> dict[str, object]:
    """30 users (6 per AP) on M = 6, then 4: ECC over OMA fits only on the first."""
    return study.sweep("yuan2023-subchannels", "n_subchannels", [6, 4], seeds=(0, 1), schemes=["ecc_noma", "ecc_oma"])


def test_sweep_holds_every_seed_and_their_means() -> None:
    result = small_sweep()
    assert result["values"].tolist() == [6, 4] and result["seeds"].tolist() == [0, 1]
    assert result["schemes"] == ("ecc_noma", "ecc_oma")
    per_seed, mean = result["per_seed"], result["mean"]
    # Each cell is compare_schemes on that instance.
    for i, m in enumerate((6, 4)):
        for k, seed in enumerate((0, 1)):
            params = scenarios.params("yuan2023-subchannels", seed=seed, n_subchannels=m)
            rows = study.compare_schemes(params, ["ecc_noma"])
            for metric in study.METRICS:
                assert per_seed[metric]["ecc_noma"][i, k] == rows["ecc_noma"][metric]
    for metric in study.METRICS:
        np.testing.assert_array_equal(mean[metric]["ecc_noma"], per_seed[metric]["ecc_noma"].mean(axis=1))
    # ECC over OMA: 6 users per AP fit on M = 6, not on M = 4; a mean only where every seed has a decision.
    assert result["feasible"]["ecc_oma"].tolist() == [2, 0]
    assert result["feasible"]["ecc_noma"].tolist() == [2, 2]
    assert np.all(np.isnan(per_seed["T"]["ecc_oma"][1])) and np.isnan(mean["T"]["ecc_oma"][1])
    assert np.isfinite(mean["T"]["ecc_oma"][0])
    assert list(result["reasons"]["ecc_oma"]) == [1] and "AP" in result["reasons"]["ecc_oma"][1]
    assert np.all(result["violation"]["ecc_noma"] == 0.0)


def test_rebase_divides_by_the_base_at_the_chosen_point() -> None:
    result = small_sweep()
    rebased = study.rebase(result, "ecc_noma", 0)
    t = result["per_seed"]["T"]["ecc_noma"]
    e = result["per_seed"]["E"]["ecc_noma"]
    np.testing.assert_allclose(rebased["speedup"]["ecc_noma"], np.mean(t[0][None, :] / t, axis=1), rtol=1e-15)
    np.testing.assert_allclose(rebased["energy_ratio"]["ecc_noma"], np.mean(e[0][None, :] / e, axis=1), rtol=1e-15)
    assert rebased["speedup"]["ecc_noma"][0] == 1.0
    assert np.isnan(rebased["speedup"]["ecc_oma"][1])


def test_sweep_needs_values_and_seeds() -> None:
    with pytest.raises(InvalidParameterError, match="at least one value"):
        study.sweep("yuan2023-users", "n_users", [], seeds=(0,))


@pytest.mark.skipif(not SEED_TEXT.exists(), reason="the paper's seed text is not beside the repository")
def test_paper_numbers_are_printed_on_the_lines_they_cite() -> None:
    assert_numbers_printed(study.PAPER_NUMBERS, SEED_TEXT)


def _figure_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code" and "plt.show()" in cell.source]


def test_notebook_shows_every_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cell that shows a figure leaves an image/png output (the inline backend, not Agg).

    On one seed (the kernel inherits ``EDGEOPT_NOMA_SEEDS``): the same cells, a third of the solves;
    ``tests/test_notebooks.py`` runs the notebook as stored. Seed 1, because Li-GD takes longest on seed 0's
    instances (5-9 s on ``yuan2023-networks-vgg16`` against 0.3 s on seeds 1 and 2, 2026-12-01).
    """
    monkeypatch.setenv("EDGEOPT_NOMA_SEEDS", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert "%matplotlib inline" in nb.cells[1].source and 'matplotlib.use("Agg")' not in "".join(
        cell.source for cell in nb.cells
    )
    resources = {"metadata": {"path": str(NOTEBOOK.parent)}}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
    figures = _figure_cells(nb)
    assert len(figures) == 4  # Figs. 2-5, 6 and 9, 7 and 10, 8 and 11
    for cell in figures:
        kinds = [output.get("data", {}).keys() for output in cell.outputs]
        assert any("image/png" in k for k in kinds), cell.source[:80]
    assert not any(output.output_type == "error" for cell in nb.cells for output in cell.get("outputs", []))
    printed = "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))
    assert "infeasible" in printed  # ECC-OMA's missing points are reported
