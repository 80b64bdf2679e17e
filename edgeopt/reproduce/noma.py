"""Paper 003 (NOMA-based split inference in multi-cell MEC, ECC with Li-GD), reproduced: Figs. 2-11 at reduced scale.

The numbers come from :mod:`edgeopt.problems.noma.study` (every scheme of Sec. VI solved through
:class:`~edgeopt.problems.noma.problem.NomaProblem` on the reduced-scale figure scenarios of ``noma.toml``);
this module fixes the axes of the figures, draws them and sets them beside the paper's printed numbers
(:data:`~edgeopt.problems.noma.study.PAPER_NUMBERS`, :data:`~edgeopt.problems.noma.study.PAPER_READINGS`).
``notebooks/noma.ipynb`` calls the same functions, so nothing is drawn twice.

==============================  =====================================================================
:func:`networks`                Figs. 2-5: the three networks at the figure scenarios' M = 6 and at
                                M = 10 (where ECC-OMA has a decision)
:func:`users_sweep`             Figs. 6 and 9: against the number of users U
:func:`subchannels_sweep`       Figs. 7 and 10: against the number of subchannels M
:func:`workload_sweep`          Figs. 8 and 11: against the workload (the paper's K / 500)
:func:`xi_sensitivity`          Fig. 3's energy ratio against the device's switched capacitance
:func:`plot_networks`, ...      the four figures (:func:`plot_users`, :func:`plot_subchannels`,
                                :func:`plot_workload`), drawn with :func:`bars` and :func:`curves`
:func:`paper_frame`             every number the paper prints about Figs. 2-11, ours beside it
:func:`fig5_readings_frame`     Fig. 5's two readings (energy ratio as printed, speed-up)
:func:`least_energy_frame`      the least-energy scheme per point (Figs. 3, 10 against 9, 11)
:func:`xi_frame`                :func:`xi_sensitivity` with Fig. 3's range
:func:`reproduce`               all of it for ``edgeopt reproduce``
==============================  =====================================================================

A sweep result is the dict of :func:`edgeopt.problems.noma.study.sweep` (``values``, ``per_seed``, ``mean``,
``feasible``, ``splits``, ``reasons``, ...). A point where a scheme has no decision for some seed is NaN in
``mean`` and marked with an ``x`` in the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

# pandas and matplotlib are the report's optional dependencies (extra "bench"), allowed at the top here;
# pyplot so that a notebook's inline backend shows the figures.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from tqdm import tqdm

from edgeopt.problems.noma import scenarios as sc
from edgeopt.problems.noma import study
from edgeopt.reproduce.common import ReportFigure, ReportTable, Reproduction

#: The schemes in the figures' order (ours first, Device-Only, the base, last).
ORDER = ("ecc_noma", "ecc_oma", "edge_only", "neurosurgeon", "dnn_surgery", "device_only")
COLORS: dict[str, str] = dict(
    zip(ORDER, ("tab:red", "tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:gray"), strict=True)
)
#: The networks of Figs. 2-5 as the paper names them.
NETS: dict[str, str] = {"nin": "NiN", "tiny_yolov2": "tiny YOLOv2", "vgg16": "VGG16"}
# ECC-NOMA and Edge-Only coincide wherever the best split is 0: ECC-NOMA is drawn wide underneath, Edge-Only
# dashed and ECC-OMA dotted on top, so that all three stay visible where they overlap.
STYLES: dict[str, dict[str, Any]] = {s: {"ls": "-", "lw": 1.2, "zorder": 2} for s in ORDER}
STYLES["ecc_noma"] = {"ls": "-", "lw": 2.5, "zorder": 4}
STYLES["edge_only"] = {"ls": "--", "lw": 1.2, "zorder": 5}
STYLES["ecc_oma"] = {"ls": ":", "lw": 2.0, "zorder": 6}
#: The two settings of Figs. 2-5: the figure scenarios' M = 6 (ECC-OMA infeasible: 10 users per AP need
#: M >= 10), and M = 10, everything else equal.
NETWORK_SETTINGS: dict[str, dict[str, Any]] = {
    "M = 6 (figure scenario)": {},
    "M = 10 (ECC-OMA feasible)": {"n_subchannels": 10},
}
FIGURE_SETTING, OMA_SETTING = NETWORK_SETTINGS
#: The device switched capacitances of the energy read-out (``noma.toml``'s is 1e-28).
XI_VALUES = (1e-28, 2e-28, 2.5e-28, 3e-28)
_PAPER = study.PAPER_NUMBERS


@dataclass(frozen=True)
class Grid:
    """The seeds and the points of every figure's axis."""

    seeds: tuple[int, ...]
    users: tuple[int, ...]  #: Figs. 6 and 9, network-wide U
    subchannels: tuple[int, ...]  #: Figs. 7 and 10, M
    workload: tuple[float, ...]  #: Figs. 8 and 11, the paper's K / 500
    xi: tuple[float, ...]  #: the device ``xi`` of :func:`xi_sensitivity`


#: The notebook's axes, on its three seeds.
NOTEBOOK_GRID = Grid(
    seeds=study.SEEDS,
    users=(10, 30, 50, 70, 90),
    subchannels=(2, 3, 4, 5, 6, 8, 10),
    workload=(1.0, 2.0, 3.0, 4.0, 5.0),
    xi=XI_VALUES,
)
#: :func:`reproduce`: the notebook's axes and seeds, so that the report's numbers are the notebook's. It took 43 s
#: of CPU on this 2-core machine (2026-12-01; 170 s of wall time under a load of 8.5 from other jobs).
FULL_GRID = NOTEBOOK_GRID
#: ``reproduce(quick=True)``: one seed, the ends and the paper's marked points of each axis (U = 10 and 90 of
#: Fig. 6, M = 4 and 6 of Fig. 7, K = 500 of Figs. 8 and 11), and only the default ``xi_d`` (the ratio is linear
#: in it, so :func:`xi_for_paper_range` needs one point).
QUICK_GRID = Grid(seeds=(0,), users=(10, 90), subchannels=(2, 4, 6, 10), workload=(1.0, 5.0), xi=(1e-28,))


# ------------------------------------------------------------------------------------------------------------- data
def networks(seeds: Sequence[int] = study.SEEDS, progress: bool = False) -> dict[str, dict[str, Any]]:
    """Figs. 2-5: every scheme on the three networks, at each of :data:`NETWORK_SETTINGS`.

    ``yuan2023-networks-{nin,tiny-yolov2,vgg16}``: 50 users (10 per AP) on M = 6 subchannels, then M = 10.

    Returns
    -------
    dict
        Setting label -> the :func:`edgeopt.problems.noma.study.networks` result.

    """
    return {
        label: study.networks(seeds, progress=progress, **overrides) for label, overrides in NETWORK_SETTINGS.items()
    }


def users_sweep(
    seeds: Sequence[int] = study.SEEDS, values: Sequence[int] = NOTEBOOK_GRID.users, progress: bool = False
) -> dict[str, Any]:
    """Figs. 6 and 9: ``yuan2023-users`` (M = 6) against the network-wide number of users U."""
    return study.sweep("yuan2023-users", "n_users", list(values), seeds, progress=progress)


def subchannels_sweep(
    seeds: Sequence[int] = study.SEEDS, values: Sequence[int] = NOTEBOOK_GRID.subchannels, progress: bool = False
) -> dict[str, Any]:
    """Figs. 7 and 10: ``yuan2023-subchannels`` (U = 30, 6 per AP) against the number of subchannels M."""
    return study.sweep("yuan2023-subchannels", "n_subchannels", list(values), seeds, progress=progress)


def workload_sweep(
    seeds: Sequence[int] = study.SEEDS, values: Sequence[float] = NOTEBOOK_GRID.workload, progress: bool = False
) -> dict[str, Any]:
    """Figs. 8 and 11: ``yuan2023-workload`` (U = 30, M = 4) against the workload, the paper's K / 500."""
    return study.sweep("yuan2023-workload", "workload", list(values), seeds, progress=progress)


def xi_sensitivity(
    xi_values: Sequence[float] = XI_VALUES, seed: int = 0, progress: bool = False
) -> dict[float, dict[str, dict[str, Any]]]:
    """ECC-NOMA and ECC-OMA on VGG16 at M = 10 (one seed) with the device's switched capacitance ``xi_d`` varied.

    A read-out, not a change of the defaults: ``noma.toml`` sets ``xi_d = 1e-28`` and ``xi_e = 1e-29`` (the paper
    gives neither), which puts Fig. 3's energy ratios far below the paper's 0.85-0.97.

    Returns
    -------
    dict
        ``xi_d`` -> the :func:`edgeopt.problems.noma.study.compare_schemes` rows of ``ecc_noma`` and ``ecc_oma``.

    """
    out: dict[float, dict[str, dict[str, Any]]] = {}
    for xi_d in tqdm(xi_values, desc="noma xi_d", disable=not progress, leave=False):  # one instance per value
        params = sc.params(study.NETWORK_SCENARIOS["vgg16"], seed=seed, n_subchannels=10, device_kappa=xi_d)
        out[float(xi_d)] = study.compare_schemes(params, ["ecc_noma", "ecc_oma"])
    return out


def xi_for_paper_range(xi: Mapping[float, Mapping[str, Mapping[str, Any]]]) -> tuple[float, float]:
    """The device ``xi_d`` that puts ECC-NOMA's energy ratio at Fig. 3's 0.85 and 0.97 (L2811-2813).

    At split 0 the devices compute nothing, so only Device-Only's energy moves with ``xi_d``: the ratio is
    linear in it, and the smallest ``xi_d`` of :func:`xi_sensitivity` fixes the line.
    """
    base = min(xi)
    ratio = float(xi[base]["ecc_noma"]["energy_ratio_vs_device_only"])
    lo, hi = _PAPER["fig3_ecc_oma_energy_ratio"]["value"]
    return base * lo / ratio, base * hi / ratio


def leaders(means: Mapping[str, np.ndarray], best: Callable[..., np.ndarray], rel: float = 1e-3) -> list[str]:
    """Per point, the schemes within ``rel`` of the best seed mean (``best`` is ``np.nanmax`` or ``np.nanmin``).

    ECC-NOMA and Edge-Only often tie at split 0, Neurosurgeon and DNN surgery with Device-Only when they keep
    everything on the device.
    """
    data = np.array([means[s] for s in ORDER])
    top = best(np.where(np.isfinite(data), data, np.nan), axis=0)
    return [
        " / ".join(
            study.LABELS[s] for s, v in zip(ORDER, data[:, j], strict=True) if abs(v - top[j]) <= rel * abs(top[j])
        )
        for j in range(data.shape[1])
    ]


def energy_rank(result: Mapping[str, Any], scheme: str = "ecc_noma") -> list[int]:
    """Per point, the rank of ``scheme``'s mean network energy among the schemes (1 = least; ties within 1e-9)."""
    energy = np.array([result["mean"]["E"][s] for s in ORDER])
    own = np.asarray(result["mean"]["E"][scheme])
    return [int(np.sum(energy[:, j] < own[j] * (1 - 1e-9))) + 1 for j in range(energy.shape[1])]


# ---------------------------------------------------------------------------------------------------------- text
def fmt_row(values: Sequence[float] | np.ndarray) -> str:
    """Seed means as fixed-width text, n/a where a scheme has no decision."""
    return "".join(f"{'n/a':>12}" if not np.isfinite(v) else f"{v:>12.3f}" for v in values)


def means_text(result: Mapping[str, Any], metrics: Sequence[str]) -> str:
    """The seed means as text: one row per scheme, one column per swept value, one block per metric."""
    head = f"{'':<14}" + "".join(f"{NETS.get(str(v), str(v)):>12}" for v in result["values"])
    lines = []
    for metric in metrics:
        lines += [metric, head]
        lines += [f"  {study.LABELS[s]:<12}{fmt_row(result['mean'][metric][s])}" for s in ORDER]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------- drawing
def bars(ax: Axes, result: Mapping[str, Any], metric: str, title: str, log: bool = False) -> tuple[np.ndarray, float]:
    """Grouped bars of the seed mean per network, the seeds as dots, a red x where a scheme has no decision.

    Returns the group positions and the bar width, for :func:`offset`.
    """
    x = np.arange(len(result["values"]), dtype=float)
    width = 0.8 / len(ORDER)
    for j, s in enumerate(ORDER):
        pos = x + (j - (len(ORDER) - 1) / 2) * width
        mean = np.asarray(result["mean"][metric][s])
        ax.bar(pos, mean, width, color=COLORS[s], label=study.LABELS[s])
        seeds = result["per_seed"][metric][s]
        ax.plot(np.repeat(pos[:, None], seeds.shape[1], axis=1), seeds, "k.", ms=2)
        missing = ~np.isfinite(mean)
        ax.plot(pos[missing], np.full(missing.sum(), 1.0), "rx", ms=7, mew=2)
    ax.set_xticks(x, [NETS[str(v)] for v in result["values"]])
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    return x, width


def offset(result: Mapping[str, Any], x: np.ndarray, width: float, scheme: str, network: str) -> float:
    """The bar position of one scheme and network in :func:`bars` (for the paper's markers)."""
    i = list(result["values"]).index(network)
    return float(x[i] + (ORDER.index(scheme) - (len(ORDER) - 1) / 2) * width)


def band(ax: Axes, key: str, color: str, text: str) -> Artist:
    """The paper's printed range ``study.PAPER_NUMBERS[key]`` as a shaded band, labelled for the axis's legend."""
    lo, hi = _PAPER[key]["value"]
    return ax.axhspan(lo, hi, color=color, alpha=0.2, label=f"paper: {text} {lo}-{hi} (L{_PAPER[key]['lines'][0]})")


def curves(
    ax: Axes,
    result: Mapping[str, Any],
    metric: str,
    title: str,
    values: Mapping[str, np.ndarray] | None = None,
    schemes: Sequence[str] = ORDER,
    log: bool = False,
) -> None:
    """One line per scheme over the swept field: the seed mean, the seeds as dots, an x where infeasible.

    ``values`` replaces the seed means (e.g. :func:`edgeopt.problems.noma.study.rebase`'s); no seed dots then.
    """
    xs = np.asarray(result["values"], dtype=float)
    data = values if values is not None else result["mean"][metric]
    for s in schemes:
        ax.plot(xs, data[s], marker="o", ms=3, color=COLORS[s], label=study.LABELS[s], **STYLES[s])
        if values is None:
            seeds = result["per_seed"][metric][s]
            ax.plot(np.repeat(xs[:, None], seeds.shape[1], axis=1), seeds, ".", ms=2, color=COLORS[s], alpha=0.5)
        missing = ~np.isfinite(data[s])
        ax.plot(xs[missing], np.full(missing.sum(), 1.0), "x", color=COLORS[s], ms=7, mew=2)
    ax.set_title(title)
    ax.set_xlabel(str(result["field"]))
    if log:
        ax.set_yscale("log")


def _style() -> AbstractContextManager[None]:
    """The figures' font size (the notebook's), set only while a figure is drawn."""
    return plt.rc_context({"font.size": 9})


def _unit_lines(axes: Any) -> None:
    """A thin line at ratio 1 (the base's own level) on every panel of an array of axes."""
    for ax in np.asarray(axes).ravel():
        ax.axhline(1.0, color="k", lw=0.5)


def plot_networks(nets: Mapping[str, Mapping[str, Any]]) -> Figure:
    """Figs. 2-5: speed-ups and energy ratios of the six schemes on the three networks, one row per setting.

    Columns: Fig. 2 (speed-up over Device-Only), Fig. 3 (energy ratio over Device-Only), Fig. 4 (speed-up over
    Neurosurgeon, no numbers printed), Fig. 5 (energy ratio over Neurosurgeon). Bands and stars are the paper's
    printed numbers (L2791-2813, L2859-2861).

    Parameters
    ----------
    nets : mapping
        Setting label -> :func:`edgeopt.problems.noma.study.networks` result (:func:`networks`).

    """
    with _style():
        fig, axes = plt.subplots(len(nets), 4, figsize=(17, 3.75 * len(nets)), squeeze=False)
        for row, (label, result) in zip(axes, nets.items(), strict=True):
            x, w = bars(row[0], result, "speedup_vs_device_only", f"Fig. 2: speed-up vs Device-Only, {label}")
            marks = [band(row[0], "fig2_ecc_oma_speedup", COLORS["ecc_oma"], "ECC-OMA")]
            for key in ("fig2_nin_ecc_oma_speedup", "fig2_nin_ecc_noma_speedup"):
                entry = _PAPER[key]
                marks += row[0].plot(
                    offset(result, x, w, entry["scheme"], "nin"),
                    entry["value"],
                    "*",
                    ms=12,
                    color=COLORS[entry["scheme"]],
                    mec="k",
                    ls="none",
                    label=f"paper: NiN {study.LABELS[entry['scheme']]} {entry['value']}x (L{entry['lines'][0]})",
                )
            row[0].legend(handles=marks, fontsize=6, loc="upper right")
            bars(row[1], result, "energy_ratio_vs_device_only", "Fig. 3: energy ratio vs Device-Only", log=True)
            row[1].legend(
                handles=[band(row[1], "fig3_ecc_oma_energy_ratio", COLORS["ecc_oma"], "ECC-OMA")],
                fontsize=6,
                loc="lower right",
            )
            bars(row[2], result, "speedup_vs_neurosurgeon", "Fig. 4: speed-up vs Neurosurgeon (no numbers printed)")
            bars(row[3], result, "energy_ratio_vs_neurosurgeon", "Fig. 5: energy ratio vs Neurosurgeon", log=True)
            row[3].legend(
                handles=[
                    band(row[3], "fig5_ecc_oma_energy_ratio", COLORS["ecc_oma"], "ECC-OMA"),
                    band(row[3], "fig5_dnn_surgery_energy_ratio", COLORS["dnn_surgery"], "DNN surgery"),
                ],
                fontsize=6,
                loc="upper left",
            )
            _unit_lines(row)
        handles, names = axes[0, 2].get_legend_handles_labels()
        fig.legend(handles, names, loc="lower right", ncol=6, fontsize=8)
        fig.text(
            0.01, 0.01, "bars: seed means; dots: seeds; red x: no decision (ECC-OMA at 10 users per AP > M)", fontsize=8
        )
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def plot_users(users: Mapping[str, Any]) -> Figure:
    """Figs. 6 and 9: speed-up and energy ratio over Device-Only against U; stars: the paper's U = 10, 90 (L2920)."""
    with _style():
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
        curves(axes[0], users, "speedup_vs_device_only", "Fig. 6: speed-up vs Device-Only")
        for key in (
            "fig6_ecc_noma_speedup_u10",
            "fig6_neurosurgeon_speedup_u10",
            "fig6_ecc_noma_speedup_u90",
            "fig6_neurosurgeon_speedup_u90",
        ):
            entry = _PAPER[key]
            axes[0].plot(entry["n_users"], entry["value"], "*", ms=13, color=COLORS[entry["scheme"]], mec="k")
        curves(axes[1], users, "energy_ratio_vs_device_only", "Fig. 9: energy ratio vs Device-Only", log=True)
        axes[0].legend(fontsize=7)
        _unit_lines(axes)
        fig.tight_layout()
    return fig


def plot_subchannels(subs: Mapping[str, Any]) -> Figure:
    """Figs. 7 and 10: against M, with the paper's two contradictory claims on Fig. 7 (L2929, L2936) as lines."""
    with _style():
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
        curves(axes[0], subs, "speedup_vs_device_only", "Fig. 7: speed-up vs Device-Only")
        curves(axes[1], subs, "energy_ratio_vs_device_only", "Fig. 10: energy ratio vs Device-Only", log=True)
        _unit_lines(axes)
        peak, best = _PAPER["fig7_ecc_noma_peak_m"], _PAPER["fig7_ecc_noma_best_m"]
        axes[0].axvline(peak["value"], color="k", ls="--", lw=0.8)
        axes[0].axvline(best["value"], color="k", ls=":", lw=0.8)
        axes[0].text(
            peak["value"],
            axes[0].get_ylim()[1],
            f" paper: peak after M = {peak['value']} (L{peak['lines'][0]})",
            fontsize=7,
            va="top",
        )
        axes[0].text(
            best["value"],
            axes[0].get_ylim()[0],
            f" paper: ECC-NOMA best only at M = {best['value']} (L{best['lines'][0]})",
            fontsize=7,
            va="bottom",
        )
        axes[0].legend(fontsize=7)
        fig.tight_layout()
    return fig


def plot_workload(work: Mapping[str, Any]) -> Figure:
    """Figs. 8 and 11: against the workload; top, the paper's base (Device-Only at K = 500, L2945), below, the same K.

    The top row is :func:`edgeopt.problems.noma.study.rebase` of ``work`` at its first value.
    """
    rebased = study.rebase(work, "device_only", 0)
    with _style():
        fig, axes = plt.subplots(2, 2, figsize=(13, 7.5))
        curves(
            axes[0, 0],
            work,
            "speedup",
            "Fig. 8: speed-up vs Device-Only at workload 1 (the paper's base)",
            values=rebased["speedup"],
        )
        curves(
            axes[0, 1],
            work,
            "energy_ratio",
            "Fig. 11: energy ratio vs Device-Only at workload 1 (the paper's base)",
            values=rebased["energy_ratio"],
            log=True,
        )
        curves(axes[1, 0], work, "speedup_vs_device_only", "Fig. 8 against Device-Only at the same workload")
        curves(
            axes[1, 1],
            work,
            "energy_ratio_vs_device_only",
            "Fig. 11 against Device-Only at the same workload",
            log=True,
        )
        _unit_lines(axes)
        axes[0, 0].legend(fontsize=7)
        fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------- tables
def _at(result: Mapping[str, Any], value: float) -> int:
    """The index of ``value`` on a sweep's axis; a clear error if the sweep does not hold it."""
    values = [float(v) for v in result["values"]]
    if float(value) not in values:
        raise ValueError(
            f"the {result['field']} sweep has no point {value} (it has {values}); the paper's number is there"
        )
    return values.index(float(value))


def _lines(entry: Mapping[str, Any]) -> str:
    lo, hi = entry["lines"]
    return f"L{lo}" if lo == hi else f"L{lo}-{hi}"


def fig7_lead(subs: Mapping[str, Any]) -> np.ndarray:
    """Per M, ECC-NOMA's speed-up over the fastest of the other schemes (seed means; above 1: ECC-NOMA is best)."""
    means = subs["mean"]["speedup_vs_device_only"]
    others = np.array([means[s] for s in ORDER if s != "ecc_noma"])
    fastest = np.max(np.where(np.isfinite(others), others, -np.inf), axis=0)
    return np.asarray(means["ecc_noma"]) / fastest


def paper_frame(
    nets: Mapping[str, Mapping[str, Any]], users: Mapping[str, Any], subs: Mapping[str, Any]
) -> pd.DataFrame:
    """Every number the paper prints about Figs. 2-11, ours beside it.

    The numbers are :data:`~edgeopt.problems.noma.study.PAPER_NUMBERS`, one row each, ours the seed mean at the
    row's setting. A range the paper gives over the three networks (Figs. 2, 3, 5: "3.1 to 8 times") has one row
    per network with the range in ``paper min`` and ``paper max``; a single number has ``paper min = paper max``.
    Fig. 2's NiN ECC-NOMA value is set beside ours at M = 10 and at the figure scenario's M = 6. Fig. 7's rows are
    values of M: where ECC-NOMA's speed-up peaks, and where its lead over the fastest other scheme
    (:func:`fig7_lead`) is largest. Figs. 8 and 11 print only their base (Device-Only at K = 500), which
    :func:`plot_workload` uses. ``ours`` is NaN only where a scheme has no decision for some seed.
    """
    oma, figure = nets[OMA_SETTING], nets[FIGURE_SETTING]
    rows: list[dict[str, Any]] = []

    def add(key: str, quantity: str, setting: str, ours: float) -> None:
        entry = _PAPER[key]
        value = entry["value"]
        lo, hi = value if isinstance(value, tuple) else (value, value)
        rows.append(
            {
                "figure": entry["figure"],
                "quantity": quantity,
                "setting": setting,
                "ours": float(ours),
                "paper min": float(lo),
                "paper max": float(hi),
                "paper lines": _lines(entry),
            }
        )

    def per_network(key: str, quantity: str, result: Mapping[str, Any], metric: str, scheme: str) -> None:
        for net, v in zip(result["values"], result["mean"][metric][scheme], strict=True):
            add(key, quantity, f"{NETS[str(net)]}, M = 10", v)

    def at_nin(result: Mapping[str, Any], metric: str, scheme: str) -> float:
        return float(result["mean"][metric][scheme][list(result["values"]).index("nin")])

    per_network("fig2_ecc_oma_speedup", "ECC-OMA speed-up over Device-Only", oma, "speedup_vs_device_only", "ecc_oma")
    add(
        "fig2_nin_ecc_oma_speedup",
        "ECC-OMA speed-up over Device-Only",
        "NiN, M = 10",
        at_nin(oma, "speedup_vs_device_only", "ecc_oma"),
    )
    add(
        "fig2_nin_ecc_noma_speedup",
        "ECC-NOMA speed-up over Device-Only",
        "NiN, M = 10",
        at_nin(oma, "speedup_vs_device_only", "ecc_noma"),
    )
    add(
        "fig2_nin_ecc_noma_speedup",
        "ECC-NOMA speed-up over Device-Only",
        "NiN, M = 6 (figure scenario)",
        at_nin(figure, "speedup_vs_device_only", "ecc_noma"),
    )
    per_network(
        "fig3_ecc_oma_energy_ratio", "ECC-OMA energy ratio E_DO / E", oma, "energy_ratio_vs_device_only", "ecc_oma"
    )
    per_network(
        "fig5_ecc_oma_energy_ratio",
        "ECC-OMA energy ratio E_NS / E (as printed)",
        oma,
        "energy_ratio_vs_neurosurgeon",
        "ecc_oma",
    )
    per_network(
        "fig5_dnn_surgery_energy_ratio",
        "DNN surgery energy ratio E_NS / E (as printed)",
        oma,
        "energy_ratio_vs_neurosurgeon",
        "dnn_surgery",
    )
    for u in (10, 90):
        i = _at(users, u)
        for scheme in ("ecc_noma", "neurosurgeon"):
            add(
                f"fig6_{scheme}_speedup_u{u}",
                f"{study.LABELS[scheme]} speed-up over Device-Only",
                f"U = {u}, M = 6",
                users["mean"]["speedup_vs_device_only"][scheme][i],
            )
    ms = np.asarray(subs["values"], dtype=float)
    axis = f"U = 30, M = {_span(ms)}"
    noma = np.asarray(subs["mean"]["speedup_vs_device_only"]["ecc_noma"], dtype=float)
    lead = fig7_lead(subs)
    add(
        "fig7_ecc_noma_peak_m",
        "M of ECC-NOMA's largest speed-up",
        axis,
        ms[int(np.nanargmax(noma))] if np.any(np.isfinite(noma)) else np.nan,
    )
    add(
        "fig7_ecc_noma_best_m",
        "M of ECC-NOMA's largest lead over the fastest other scheme",
        axis,
        ms[int(np.nanargmax(lead))] if np.any(np.isfinite(lead)) else np.nan,
    )
    return pd.DataFrame(rows)


def _span(values: np.ndarray) -> str:
    return ", ".join(f"{v:g}" for v in values)


def fig5_readings_frame(oma: Mapping[str, Any]) -> pd.DataFrame:
    """Fig. 5's two readings of "1.5 to 1.7 times" (:data:`~edgeopt.problems.noma.study.PAPER_READINGS`), ours beside.

    L2855-2861 call both ranges energy-reduction ratios against Neurosurgeon (``as_printed``: ``E_NS / E``); the
    issue lists them beside the speed-ups (``as_speedup``: ``T_NS / T``). ``oma`` is the M = 10 networks result.
    """
    rows = []
    for reading, entries in study.PAPER_READINGS.items():
        for scheme, ((lo, hi), metric) in entries.items():
            row: dict[str, Any] = {"reading": reading, "scheme": study.LABELS[scheme], "metric": metric}
            for net, v in zip(oma["values"], oma["mean"][metric][scheme], strict=True):
                row[f"ours {NETS[str(net)]}"] = float(v)
            row.update({"paper min": lo, "paper max": hi})
            rows.append(row)
    return pd.DataFrame(rows)


#: The paper's least-energy scheme per figure, with its lines: it contradicts itself (Figs. 3 and 10 against
#: Figs. 9 and 11, :data:`~edgeopt.problems.noma.study.PAPER_CLAIMS`).
LEAST_ENERGY_CLAIMS: dict[str, tuple[str, str]] = {
    "Figs. 2-3": ("Device-Only", "L2809-2811"),
    "Fig. 9": ("ECC-NOMA", "L2960-2961"),
    "Fig. 10": ("Device-Only", "L2980-2981"),
    "Fig. 11": ("ECC-NOMA", "L2989-2990"),
}


def energy_sweeps(
    nets: Mapping[str, Mapping[str, Any]], users: Mapping[str, Any], subs: Mapping[str, Any], work: Mapping[str, Any]
) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """The five results of the least-energy comparison: title -> (the figure it speaks for, the result)."""
    return {
        "Figs. 2-3 (M = 6)": ("Figs. 2-3", nets[FIGURE_SETTING]),
        "Figs. 2-3 (M = 10)": ("Figs. 2-3", nets[OMA_SETTING]),
        "Fig. 9 (users)": ("Fig. 9", users),
        "Fig. 10 (M)": ("Fig. 10", subs),
        "Fig. 11 (workload)": ("Fig. 11", work),
    }


def least_energy_frame(sweeps: Mapping[str, tuple[str, Mapping[str, Any]]]) -> pd.DataFrame:
    """Per point of every sweep, our least-energy scheme(s) (ties within 1e-9) and ECC-NOMA's rank, beside the paper's.

    ``sweeps`` is :func:`energy_sweeps`'s. The paper names the least-energy scheme per figure
    (:data:`LEAST_ENERGY_CLAIMS`): Device-Only in Figs. 3 and 10, ECC-NOMA in Figs. 9 and 11.
    """
    rows = []
    for title, (figure, result) in sweeps.items():
        least = leaders(result["mean"]["E"], np.nanmin, rel=1e-9)
        rank = energy_rank(result)
        claim, lines = LEAST_ENERGY_CLAIMS[figure]
        for v, s, r in zip(result["values"], least, rank, strict=True):
            rows.append(
                {
                    "sweep": title,
                    "point": NETS.get(str(v), f"{result['field']} = {v}"),
                    "least energy (ours)": s,
                    "ECC-NOMA energy rank (ours)": r,
                    "paper least energy": claim,
                    "paper lines": lines,
                }
            )
    return pd.DataFrame(rows)


def xi_frame(xi: Mapping[float, Mapping[str, Mapping[str, Any]]]) -> pd.DataFrame:
    """:func:`xi_sensitivity` as a table, with Fig. 3's printed range (0.85-0.97, L2811-2813) beside the ratios."""
    lo, hi = _PAPER["fig3_ecc_oma_energy_ratio"]["value"]
    rows = []
    for xi_d, r in xi.items():
        noma, oma = r["ecc_noma"], r["ecc_oma"]
        rows.append(
            {
                "device xi_d": xi_d,
                "ECC-NOMA split": noma["split"] if isinstance(noma["split"], int) else str(noma["split"]),
                "ECC-NOMA speed-up": noma["speedup_vs_device_only"],
                "ECC-NOMA energy ratio": noma["energy_ratio_vs_device_only"],
                "ECC-OMA energy ratio": oma["energy_ratio_vs_device_only"],
                "paper ECC-OMA energy ratio min": lo,
                "paper ECC-OMA energy ratio max": hi,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------- report
def _seeds_text(seeds: Sequence[int]) -> str:
    noun = "seed" if len(seeds) == 1 else "seeds"
    return f"{noun} {', '.join(str(s) for s in seeds)}"


def notes(grid: Grid, nets: Mapping[str, Mapping[str, Any]], xi_range: tuple[float, float]) -> list[str]:
    """The known departures from the paper and the limitations.

    Taken from the notebook's text, the README's NOMA sections and departures, ``noma.toml`` and
    :mod:`~edgeopt.problems.noma.study`'s docstring; the numbers quoted from the notebook are its seed means over
    seeds 0-2, those computed here are this run's.
    """
    oma = nets[OMA_SETTING]
    speedup = oma["mean"]["speedup_vs_device_only"]
    noma_gain = speedup["ecc_noma"] / speedup["ecc_oma"] - 1.0
    seeds = "" if grid.seeds == NOTEBOOK_GRID.seeds else f"; the notebook averages {_seeds_text(NOTEBOOK_GRID.seeds)}"
    return [
        f"Reduced scale: the figure scenarios of noma.toml have 5 APs, 10-90 users and M = 2-10 subchannels, not the "
        f"paper's sizes; every point is the mean over {_seeds_text(grid.seeds)} (positions, device speeds, fading)"
        f"{seeds}. The paper's printed numbers are compared with these means, not read off its plots.",
        "ECC over OMA is read as orthogonal access inside each cell with the subchannels reused across cells "
        "(cap 1). At the figure scenarios of Figs. 2-5 (10 users per AP, M = 6) it has no decision at all, so "
        "Figs. 2-5 are also drawn at M = 10, everything else equal; it is infeasible from U = 50 on in Figs. 6 and 9, "
        "below M = 6 in Figs. 7 and 10 and everywhere in Figs. 8 and 11 (M = 4).",
        "The NOMA gain over OMA is small: ECC-NOMA's speed-up over ECC-OMA's at M = 10 is "
        + ", ".join(f"{NETS[str(n)]} {100 * g:+.0f} %" for n, g in zip(oma["values"], noma_gain, strict=True))
        + " in this run (notebook: 5-9 %), where the paper's NiN numbers (4.1x and 6.1x) give 49 %.",
        "The energy ratios E_DO / E are far below the paper's 0.85-0.97 (Fig. 3): the paper gives neither switched "
        "capacitance, and noma.toml's xi_d = 1e-28 (devices) and xi_e = 1e-29 (edge) make the edge spend about 2.4x "
        "the devices' energy per cycle, with the upload on top. A device xi_d of "
        f"{xi_range[0]:.2e}-{xi_range[1]:.2e} puts ECC-NOMA's ratio in the paper's range (split 0 throughout); the "
        "paper's range alone cannot tell a larger xi_d from a smaller xi_e.",
        "Neurosurgeon and DNN surgery run at full power, at r_max (8 compute units, 24 GHz) and with the round-robin "
        "subchannel share; the paper defines none of these. Neurosurgeon is then interference-limited, often keeps "
        "everything on the device, and where it offloads spends about 100x Device-Only's energy, so the energy "
        "ratios against it (Fig. 5) are far from the paper's 1.3-1.7, and the orderings against it (Figs. 4-8) do "
        "not reproduce: it is faster than ECC-NOMA at low user density.",
        "Fig. 5's ranges have two readings: as printed, energy ratios against Neurosurgeon; as the issue lists them, "
        "speed-ups. Both are tabulated.",
        "ECC-NOMA minimises w_T T + w_E E with w_T = w_E = 0.5, so it runs the edge at about 3.7 GHz and is not the "
        "latency-optimal scheme; its speed-up in Fig. 6 is flat (notebook: 4.2-4.4x) against the paper's fall from "
        "7.1 to 3.85, while Neurosurgeon's fall (notebook: 6.4x to 2.3x) is close to the paper's 6.3 to 1.9.",
        "Fig. 7: the paper contradicts itself (a peak after M = 6, L2929, against ECC-NOMA best only at M = 4, "
        "L2936-2938). It also says Edge-Only, Neurosurgeon and DNN surgery do not depend on M; in the model every "
        "scheme shares the same B / M subchannels, so all of them do. In the notebook ECC-NOMA's speed-up rises to "
        "M = 6 and stays within about 1 % up to M = 10, with Neurosurgeon the fastest at M = 2-8.",
        "Figs. 8 and 11: the workload multiplies every unit's FLOPs (the paper's K / 500, not in its model); every "
        "point is normalised to Device-Only at the smallest workload as the paper does (the Fig. 11 text says "
        "latency for the energy figure).",
        "Figs. 9 and 11 call ECC-NOMA's energy the best, Figs. 3 and 10 say Device-Only spends the least: the paper "
        "contradicts itself. In the notebook Device-Only uses the least energy at every point (ties with schemes "
        "making its decision aside) but the two largest workloads, where DNN surgery uses less; ECC-NOMA never does, "
        "so in our model Figs. 3 and 10 hold and Figs. 9 and 11 do not. ECC-NOMA minimises w_T T + w_E E, not E.",
        "Speed-ups and energy ratios are ratios of network-wide totals (sums of (12) and (17) over the users), so one "
        "user on a bad channel moves them.",
        "yuan2023-users counts U network-wide (2-18 per AP): the paper's 'per AP' cannot hold at M = 4-6 (noma.toml).",
        "ECC-NOMA is the package's default li_gd, which goes beyond the paper's Algorithm 1 (projection and Armijo "
        "steps, per-user Barzilai-Borwein steps, L-BFGS-B powers after the rounding, a local search, several starts "
        "on small instances); li_gd(starts=1, local_search=False) is the paper's algorithm with the issue's additions.",
    ]


def reproduce(quick: bool = False, progress: bool = True) -> Reproduction:
    """Paper 003's Figs. 2-11 at reduced scale, the paper's printed numbers beside ours, for ``edgeopt reproduce``.

    Full mode (:data:`FULL_GRID`) runs the notebook's axes and its three seeds, so its numbers are the
    notebook's (about 45 s of CPU); ``quick`` one seed on :data:`QUICK_GRID`'s fewer points (about 10 s), and the
    captions and notes say so. Figures: ``noma_figs2_5``, ``noma_figs6_9``,
    ``noma_figs7_10``, ``noma_figs8_11``; tables: ``noma_paper_numbers``, ``noma_fig5_readings``,
    ``noma_least_energy``, ``noma_xi_sensitivity``.
    """
    grid = QUICK_GRID if quick else FULL_GRID
    seeds = grid.seeds
    nets = networks(seeds, progress=progress)
    users = users_sweep(seeds, grid.users, progress=progress)
    subs = subchannels_sweep(seeds, grid.subchannels, progress=progress)
    work = workload_sweep(seeds, grid.workload, progress=progress)
    xi = xi_sensitivity(grid.xi, seed=0, progress=progress)
    xi_range = xi_for_paper_range(xi)
    over = f"Means over {_seeds_text(seeds)} (dots: the seeds"
    over += "; the notebook averages seeds 0-2)" if seeds != NOTEBOOK_GRID.seeds else ")"
    figures = [
        ReportFigure(
            "noma_figs2_5",
            plot_networks(nets),
            "Figs. 2-5: speed-up and energy ratio of the six schemes over Device-Only (Figs. 2, 3) and over "
            "Neurosurgeon (Figs. 4, 5) on NiN, tiny YOLOv2 and VGG16, 10 users per AP, at the figure scenarios' M = 6 "
            f"(top; ECC-OMA has no decision, red x) and at M = 10 (bottom). {over}. Bands and stars: the paper's "
            "printed numbers.",
        ),
        ReportFigure(
            "noma_figs6_9",
            plot_users(users),
            f"Figs. 6 and 9: speed-up and energy ratio over Device-Only against the number of users (M = 6). {over}. "
            "Stars: the paper's ECC-NOMA and Neurosurgeon speed-ups at U = 10 and 90.",
        ),
        ReportFigure(
            "noma_figs7_10",
            plot_subchannels(subs),
            f"Figs. 7 and 10: against the number of subchannels M (U = 30). {over}. Dashed and dotted: the paper's "
            "peak after M = 6 and 'ECC-NOMA best only at M = 4', which contradict each other.",
        ),
        ReportFigure(
            "noma_figs8_11",
            plot_workload(work),
            f"Figs. 8 and 11: against the workload (the paper's K / 500; U = 30, M = 4, ECC-OMA infeasible). {over}. "
            "Top: normalised to Device-Only at the smallest workload, as in the paper; bottom: at the same workload.",
        ),
    ]
    tables = [
        ReportTable(
            "noma_paper_numbers",
            paper_frame(nets, users, subs),
            f"every number the paper prints about Figs. 2-11, ours beside it ({_seeds_text(seeds)} means)",
        ),
        ReportTable(
            "noma_fig5_readings",
            fig5_readings_frame(nets[OMA_SETTING]),
            "Fig. 5's two readings of '1.5 to 1.7 times' against Neurosurgeon, at M = 10",
        ),
        ReportTable(
            "noma_least_energy",
            least_energy_frame(energy_sweeps(nets, users, subs, work)),
            "the least-energy scheme per point, beside the paper's (which contradicts itself)",
        ),
        ReportTable(
            "noma_xi_sensitivity",
            xi_frame(xi),
            f"Fig. 3's energy ratio against the device's switched capacitance (VGG16, M = 10, seed 0); "
            f"xi_d = {xi_range[0]:.2e}-{xi_range[1]:.2e} gives the paper's 0.85-0.97",
        ),
    ]
    return Reproduction(
        problem="noma",
        title="paper 003, NOMA-based split inference in multi-cell MEC (ECC with Li-GD)",
        figures=figures,
        tables=tables,
        notes=notes(grid, nets, xi_range),
    )
