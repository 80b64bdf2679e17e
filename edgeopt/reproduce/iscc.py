"""Paper 002 (energy-efficient ISCC for edge inference): Table III, Figs. 9-11 and the PCA scheme's break-even.

The data functions compute what ``notebooks/iscc.ipynb`` shows, with the
package's methods (:class:`~edgeopt.problems.iscc.problem.IsccProblem`), and
the ``plot_*`` functions draw it; the notebook and :func:`reproduce` (the
report's ISCC section) call the same ones.

=========================  ===================================================
:func:`table3`             Table III: the proposed method's optimal settings on
                           the three scenarios, with the global reference and
                           the paper's Algorithm 2 beside it
:func:`table3_frame`       Table III with the paper's numbers in ``paper ...``
                           columns
:func:`sweeps`             Figs. 9-11: every method's energy against
                           ``T_max``, ``R_t`` and the SNR (Table II otherwise)
:func:`plot_sweep`         one of Figs. 9-11
:func:`trends_frame`       the paper's findings on Figs. 9-11 (Sec. V-B), ours
                           beside each
:func:`pca_break_even`     per point of Figs. 9-11, the discarded PCA energy at
                           which the typical ISCC scheme costs what the proposed
                           method does
:func:`plot_break_even`    those break-even values against the fixed 2 %
:func:`reproduce`          all of it for ``edgeopt reproduce``
=========================  ===================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt  # the figures (extra "bench"); pyplot so that a notebook's inline backend shows them
import numpy as np
import pandas as pd  # the tables (extra "bench")
from matplotlib.figure import Figure
from scipy.optimize import brentq
from tqdm import tqdm

from edgeopt.core.solution import Solution
from edgeopt.models.channel import db_to_linear
from edgeopt.problems.iscc import PCA_COMPONENTS, PCA_RESIDUAL_ENERGY, IsccParams, IsccProblem, typical_iscc
from edgeopt.problems.iscc import scenarios as sc
from edgeopt.reproduce.common import ReportFigure, ReportTable, Reproduction

#: Every scheme of Figs. 9-11: the proposed method, the paper's Algorithm 2 and the five baselines of Sec. V.
METHODS = ("analytic", "alternating", "on_server", "on_device", "no_pruning", "typical_iscc", "jcc")
#: The baselines inside the proposed method's design space (restrictions of problem (22)): never below it.
NESTED = ("on_server", "on_device", "no_pruning", "jcc")
#: Legend names, as Sec. V calls the schemes.
LABELS = {
    "analytic": "proposed",
    "alternating": "Algorithm 2",
    "on_server": "on-server",
    "on_device": "advanced on-device",
    "no_pruning": "w/o pruning",
    "typical_iscc": "typical ISCC (PCA)",
    "jcc": "JC&C",
}
#: The Table III scenarios, in the paper's row order.
TABLE3_SCENARIOS = ("latency", "accuracy", "snr")

#: The axes of Figs. 9-11: (figure, field of :func:`~edgeopt.problems.iscc.scenarios.params`, axis label, points).
#: ``T_max = 0.52 s`` is just above ``T_sen = 0.5 s``, where on-device inference cannot finish; the SNR is
#: ``g / (B N0)`` per watt in dB (Table II: 20 dB).
GRIDS: dict[str, tuple[str, str, str, tuple[float, ...]]] = {
    "fig9": ("Fig. 9", "T_max", "maximum latency T_max (s)", (0.52, 0.55, 0.6, 0.7, 0.8, 1.0, 1.2)),
    "fig10": ("Fig. 10", "R_t", "target accuracy R_t", (0.75, 0.8, 0.85, 0.9, 0.94, 0.97)),
    "fig11": ("Fig. 11", "snr_db", "SNR (dB)", (0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0)),
}
#: ``quick=True``: the ends and two inner points of each axis (the tightest ``T_max`` kept, where a baseline fails).
QUICK_GRIDS: dict[str, tuple[float, ...]] = {
    "fig9": (0.52, 0.6, 0.8, 1.2),
    "fig10": (0.75, 0.85, 0.94, 0.97),
    "fig11": (0.0, 10.0, 20.0, 30.0),
}

# Several schemes coincide along whole axes (on-server is the optimum at 20 dB): open markers of decreasing size
# and different dashes keep every curve visible where they overlap. (marker, line style, marker size)
_STYLES = {
    "analytic": ("o", "-", 9.0),
    "alternating": ("s", "--", 7.5),
    "on_server": ("^", "-.", 6.5),
    "on_device": ("v", ":", 6.5),
    "no_pruning": ("D", "--", 4.5),
    "typical_iscc": ("x", "-", 6.0),
    "jcc": ("*", "-", 7.0),
}

# Relative slack of "at or below": the methods' objectives are exact to rounding.
_SLACK = 1e-9


# ------------------------------------------------------------------------------------------------------ Table III


@dataclass(frozen=True)
class Table3Row:
    """One scenario of Table III: our solutions and the paper's printed settings."""

    scenario: str  #: ``latency``, ``accuracy`` or ``snr``
    params: IsccParams
    ours: Solution  #: the default method (``analytic``)
    reference: Solution  #: the independent ``global`` search
    alternating: Solution  #: the paper's Algorithm 2
    paper: dict[str, Any]  #: the ``paper_*`` entries of ``iscc.toml`` (Table III as extracted), prefix dropped


def table3(progress: bool = True) -> list[Table3Row]:
    """Table III's three scenarios solved by the default method, the global reference and Algorithm 2.

    The scenarios are the paper's ``(R_t, T_max, SNR)`` = latency-constrained
    ``(0.8, 0.6, 100)``, accuracy-constrained ``(0.94, 1.2, 100)`` and
    SNR-constrained ``(0.8, 1.2, 1)``, Table II otherwise. The global
    reference costs about 0.2-1 s per scenario.
    """
    rows = []
    config = sc.config()["scenarios"]
    for name in tqdm(TABLE3_SCENARIOS, desc="iscc Table III", disable=not progress, leave=False):
        params = sc.params(name)
        problem = IsccProblem(params)
        paper = {k.removeprefix("paper_"): v for k, v in config[name].items() if k.startswith("paper_")}
        rows.append(
            Table3Row(name, params, problem.solve(), problem.solve("global"), problem.solve("alternating"), paper)
        )
    return rows


def table3_frame(rows: list[Table3Row]) -> pd.DataFrame:
    """Table III: our optimal settings next to the paper's (``paper ...`` columns), one row per scenario.

    The paper prints ``l``, ``Q``, ``p``, ``P_s`` (W), ``P_c`` (W) and ``v_e``
    (1e6 FLOP/s) but no energy. The extraction lost one of ``l``, ``Q`` in the
    accuracy row (a single "3" is left) and the SNR row's ``l`` reads "11", no
    split of the 7-layer network: those ``paper l`` / ``paper Q`` cells are
    empty (NaN), and ``paper reading`` says what the text has. Our columns add
    the energy, its relative gap to the global reference and Algorithm 2's
    energy.
    """
    records = []
    for row in rows:
        x, paper = row.ours.x, row.paper
        if "Q_or_split" in paper:
            reading = f"one of l, Q is {paper['Q_or_split']}; the other was lost in the extraction"
        elif "split" in paper:
            reading = f"l = {paper['split']}, Q = {paper['Q']}"
        else:
            reading = f"Q = {paper['Q']}; l reads '11', no split of the 7-layer network"
        gain_db = 10.0 * math.log10(row.params.gain / (row.params.bandwidth * row.params.noise_psd))
        records.append(
            {
                "scenario": row.scenario,
                "R_t": row.params.R_t,
                "T_max s": row.params.T_max,
                "SNR dB": gain_db,
                "l": int(x["split"]),
                "paper l": float(paper.get("split", math.nan)),
                "Q": int(x["Q"]),
                "paper Q": float(paper.get("Q", math.nan)),
                "p": float(x["p"]),
                "paper p": float(paper["p"]),
                "P_s W": float(x["P_s"]),
                "paper P_s W": float(paper["P_s"]),
                "P_c W": float(x["P_c"]),
                "paper P_c W": float(paper["P_c"]),
                "v_e MFLOP/s": float(x["v_e"]) / 1e6,
                "paper v_e MFLOP/s": float(paper["v_e"]) / 1e6,
                "E mJ": row.ours.objective * 1e3,
                "rel gap vs global": _gap(row.ours.objective, row.reference.objective),
                "Algorithm 2 E mJ": row.alternating.objective * 1e3,
                "paper reading": reading,
            }
        )
    return pd.DataFrame.from_records(records)


def _finite_or(values: np.ndarray, fill: float) -> np.ndarray:
    """``values`` with its non-finite entries (no point) replaced by ``fill``."""
    return np.where(np.isfinite(values), values, fill)


def _gap(value: float, reference: float) -> float:
    """Relative gap ``value / reference - 1`` (``inf`` when either has no point)."""
    if not (math.isfinite(value) and math.isfinite(reference)):
        return math.inf
    return value / reference - 1.0


# ---------------------------------------------------------------------------------------------------- Figs. 9-11


@dataclass(frozen=True)
class Sweep:
    """Every method's energy along one axis of Figs. 9-11 (Table II elsewhere)."""

    key: str  #: ``fig9``, ``fig10`` or ``fig11``
    figure: str  #: ``Fig. 9`` ...
    field: str  #: the swept field: ``T_max``, ``R_t`` or ``snr_db``
    xlabel: str
    values: np.ndarray  #: the points of the axis
    energy: dict[str, np.ndarray]  #: J per method and point; ``inf`` where the method returns no point
    split: dict[str, np.ndarray]  #: the chosen split per method and point; -1 where there is no point

    def feasible(self, method: str) -> np.ndarray:
        """Where ``method`` returned a point (its energy is finite)."""
        return np.isfinite(self.energy[method])


def sweep_params(field: str, value: float) -> IsccParams:
    """Table II with ``field`` set to ``value`` (``snr_db`` is converted to the linear ``snr`` per watt)."""
    if field == "snr_db":
        return sc.params("table2", snr=float(db_to_linear(value)))
    return sc.params("table2", **{field: float(value)})


def sweeps(
    quick: bool = False, progress: bool = True, grids: dict[str, tuple[float, ...]] | None = None
) -> dict[str, Sweep]:
    """Figs. 9-11: every scheme of :data:`METHODS` at each point of :data:`GRIDS` (``quick``: :data:`QUICK_GRIDS`).

    ``grids`` replaces the points of the axes it names (keys ``fig9``,
    ``fig10``, ``fig11``). Each point is one solve per method (about 5-10 ms
    each), so the 20 points of the full axes take a few seconds.
    """
    points = {key: spec[3] for key, spec in GRIDS.items()}
    if quick:
        points.update(QUICK_GRIDS)
    if grids:
        unknown = sorted(set(grids) - set(GRIDS))
        if unknown:
            raise ValueError(f"grids: unknown figure(s) {unknown}; allowed: {sorted(GRIDS)}")
        points.update(grids)
    jobs = [(key, value) for key, values in points.items() for value in values]
    energy: dict[str, dict[str, list[float]]] = {key: {m: [] for m in METHODS} for key in points}
    split: dict[str, dict[str, list[int]]] = {key: {m: [] for m in METHODS} for key in points}
    for key, value in tqdm(jobs, desc="iscc Figs. 9-11", unit="point", disable=not progress, leave=False):
        problem = IsccProblem(sweep_params(GRIDS[key][1], value))
        for method in METHODS:
            sol = problem.solve(method)
            energy[key][method].append(sol.objective if sol.has_point else math.inf)
            split[key][method].append(int(sol.x["split"]) if sol.has_point else -1)
    return {
        key: Sweep(
            key,
            GRIDS[key][0],
            GRIDS[key][1],
            GRIDS[key][2],
            np.array(points[key], dtype=float),
            {m: np.array(v, dtype=float) for m, v in energy[key].items()},
            {m: np.array(v, dtype=int) for m, v in split[key].items()},
        )
        for key in points
    }


def sweep_frame(sweep: Sweep) -> pd.DataFrame:
    """One of Figs. 9-11 as numbers: energy in mJ per scheme (columns) and point (rows), ``inf`` if infeasible."""
    frame = pd.DataFrame({m: sweep.energy[m] * 1e3 for m in METHODS})
    frame.insert(0, sweep.field, sweep.values)
    return frame


def plot_sweep(sweep: Sweep) -> Figure:
    """Draw one of Figs. 9-11: energy (mJ, log scale) of every scheme against the swept parameter.

    An infeasible point (the scheme cannot meet the accuracy target within the
    deadline) is left out of its curve.
    """
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    for method in METHODS:
        energy = np.where(sweep.feasible(method), sweep.energy[method] * 1e3, np.nan)
        marker, linestyle, size = _STYLES[method]
        ax.semilogy(
            sweep.values,
            energy,
            marker=marker,
            linestyle=linestyle,
            markersize=size,
            fillstyle="none",
            linewidth=2.0 if method == "analytic" else 1.2,
            zorder=3 if method == "analytic" else 2,
            label=LABELS[method],
        )
    ax.set_xlabel(sweep.xlabel)
    ax.set_ylabel("device energy (mJ)")
    ax.set_title(f"{sweep.figure}: energy against {sweep.xlabel.split(' (')[0]}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    # No tight_layout (a text layout pass): the default margins fit this figure's labels as drawn.
    return fig


def pca_wins(sweep: Sweep) -> np.ndarray:
    """The points where the typical ISCC (PCA) scheme is below the proposed method."""
    ours, pca = sweep.energy["analytic"], sweep.energy["typical_iscc"]
    return np.isfinite(ours) & (pca < ours * (1 - _SLACK))


def trends_frame(data: dict[str, Sweep]) -> pd.DataFrame:
    """The paper's findings on Figs. 9-11 (Sec. V-B, quoted), each beside what our sweeps show.

    The paper prints its figures' curves, not their numbers, so its findings
    are compared in words, with our numbers. Needs the three sweeps of
    :func:`sweeps`.
    """
    fig9, fig10, fig11 = data["fig9"], data["fig10"], data["fig11"]
    everything = list(data.values())
    rows: list[tuple[str, str, str]] = []

    below = sum(int(np.sum(pca_wins(s))) for s in everything)
    total = sum(int(np.sum(s.feasible("analytic"))) for s in everything)
    nested_ok = all(
        np.all(s.energy["analytic"][s.feasible(m)] <= s.energy[m][s.feasible(m)] * (1 + _SLACK))
        for s in everything
        for m in (*NESTED, "alternating")
    )
    rows.append(
        (
            "Figs. 9-11",
            "the proposed method achieves the least energy consumption",
            f"at or below every scheme inside its design space at every point: {'yes' if nested_ok else 'no'}; "
            f"the PCA scheme (outside it) is below it at {below} of {total} points",
        )
    )
    cuts = []
    for m in METHODS[2:]:  # the baselines of Sec. V ("existing methods"); Algorithm 2 is the paper's own
        both = [(s, s.feasible(m) & s.feasible("analytic")) for s in everything]
        cut = [1.0 - s.energy["analytic"][ok] / s.energy[m][ok] for s, ok in both if np.any(ok)]
        if cut:
            cuts.append(f"{LABELS[m]} {float(np.max(np.concatenate(cut))):.0%}")
    rows.append(
        (
            "Abstract",
            "a significant reduction in energy consumption of up to 40% compared to existing methods, particularly "
            "in low-latency scenarios",
            "largest reduction of the proposed method's energy over the points of Figs. 9-11: " + ", ".join(cuts),
        )
    )
    failing = [
        f"{LABELS[m]} at T_max = {', '.join(f'{v:g}' for v in fig9.values[~fig9.feasible(m)])} s"
        for m in METHODS
        if not np.all(fig9.feasible(m))
    ]
    at_06 = [LABELS[m] for m in METHODS if np.any(~fig9.feasible(m) & (fig9.values == 0.6))]
    rows.append(
        (
            "Fig. 9",
            "at extremely low latency requirements (T_max = 0.6 s) some baselines fail to complete within the deadline",
            "infeasible: "
            + ("; ".join(failing) if failing else "none")
            + f" (axis from {fig9.values[0]:g} s)"
            + (f"; at 0.6 s: {', '.join(at_06) or 'none'}" if np.any(fig9.values == 0.6) else ""),
        )
    )
    # An infeasible scheme (energy inf) does not count against JC&C's being the highest.
    top = sum(
        int(np.sum(np.all([s.energy["jcc"] >= _finite_or(s.energy[m], -math.inf) for m in METHODS], axis=0)))
        for s in everything
    )
    points = sum(s.values.size for s in everything)
    least_jcc = min(float(np.min(s.energy["jcc"])) for s in everything)
    rows.append(
        (
            "Fig. 9",
            "JC&C exhibits the highest energy consumption",
            f"highest at {top} of {points} points of Figs. 9-11, at least {least_jcc * 1e3:.1f} mJ "
            f"(sensing at P_max for T_sen alone)",
        )
    )
    rows.append(
        (
            "Fig. 9",
            "under more lenient latency constraint, executing the inference task locally is preferred",
            f"proposed split l at T_max = {', '.join(f'{v:g}' for v in fig9.values)} s: "
            f"{', '.join(str(v) for v in fig9.split['analytic'])} (l = {sc.params('table2').n_layers}: all on the "
            "device)",
        )
    )
    ours10 = fig10.energy["analytic"]
    rising = bool(np.all(np.diff(ours10[np.isfinite(ours10)]) > 0))
    rows.append(
        (
            "Fig. 10",
            "achieving more accurate classification results in higher energy consumption",
            f"proposed energy rises with R_t: {'yes' if rising else 'no'} "
            f"({ours10[0] * 1e3:.2f} mJ at {fig10.values[0]:g} to {ours10[-1] * 1e3:.2f} mJ at {fig10.values[-1]:g})",
        )
    )
    rows.append(
        (
            "Fig. 10",
            "under a high accuracy target, performing inference tasks at the server results in nearly the minimal "
            "energy consumption",
            f"on-server / proposed at R_t = {fig10.values[-1]:g}: {fig10.energy['on_server'][-1] / ours10[-1]:.4f}",
        )
    )
    device = fig11.energy["on_device"]
    rows.append(
        (
            "Fig. 11",
            "[on-device inference] does not involve communication, so the energy consumption remains invariant",
            f"on-device energy over SNR: max / min - 1 = {float(np.max(device) / np.min(device) - 1):.1e}",
        )
    )
    ours11 = fig11.energy["analytic"]
    falling = bool(np.all(np.diff(ours11) <= ours11[1:] * _SLACK))
    rows.append(
        (
            "Fig. 11",
            "a higher SNR leads to a significant decrease in energy consumption for the other schemes",
            f"proposed energy non-increasing in SNR: {'yes' if falling else 'no'} "
            f"({ours11[0] * 1e3:.2f} mJ at {fig11.values[0]:g} dB to {ours11[-1] * 1e3:.2f} mJ "
            f"at {fig11.values[-1]:g} dB)",
        )
    )
    rows.append(
        (
            "Fig. 11",
            "asymptotic optimal performance of server-based inference under high SNR",
            f"on-server / proposed at {fig11.values[-1]:g} dB: {fig11.energy['on_server'][-1] / ours11[-1]:.4f}",
        )
    )
    pca_gain = int(np.sum(fig11.energy["typical_iscc"] < fig11.energy["on_server"] * (1 - _SLACK)))
    rows.append(
        (
            "Fig. 11",
            "[the typical ISCC framework] shows certain performance gains compared to the on-server inference",
            f"PCA scheme below on-server at {pca_gain} of {fig11.values.size} SNR points",
        )
    )
    return pd.DataFrame(rows, columns=["figure", "paper finding (Sec. V-B)", "ours"])


# ------------------------------------------------------------------------------------------- PCA break-even


def break_even(params: IsccParams, target: float, *, xtol: float = 1e-9) -> float:
    """The discarded PCA energy at which the typical ISCC scheme costs ``target`` J.

    The PCA scheme's energy rises with the share of the input energy its
    discarded components carry (``residual_energy`` of
    :func:`~edgeopt.problems.iscc.baselines.typical_iscc`) and becomes
    infeasible (``inf``) past some share. Brent's method (scipy's ``brentq``,
    to ``xtol``) finds where it crosses ``target`` on ``[0, 0.999]``, on the
    energy capped at ``2 target`` so that the function stays finite; being
    non-decreasing, it changes sign only once, at the crossing (or at the
    feasibility edge, if the scheme is below ``target`` up to there). Returns
    0 if the scheme is at or above ``target`` with nothing discarded, 0.999 if
    it stays below it throughout. About 8 PCA solves per call (a bisection
    to 1e-9 needs 30).
    """

    def excess(residual: float) -> float:
        sol = typical_iscc(params, residual_energy=residual)
        return min(sol.objective if sol.has_point else math.inf, 2.0 * target) - target

    lo, hi = 0.0, 0.999
    if excess(lo) >= 0:
        return lo
    if excess(hi) < 0:
        return hi
    return float(brentq(excess, lo, hi, xtol=xtol))


@dataclass(frozen=True)
class BreakEven:
    """The PCA scheme's break-even discarded energy at the points of one of Figs. 9-11."""

    key: str  #: ``fig9`` ...
    figure: str
    xlabel: str
    values: np.ndarray  #: the points where the proposed method has a point
    residual: np.ndarray  #: break-even discarded energy (a share of the input energy) at those points


def pca_break_even(data: dict[str, Sweep], progress: bool = True) -> dict[str, BreakEven]:
    """At each feasible point of Figs. 9-11, :func:`break_even` at the proposed method's energy.

    The PCA model of the comparison is fixed (:data:`PCA_COMPONENTS`
    components, :data:`PCA_RESIDUAL_ENERGY` of the input energy discarded);
    this is a sensitivity read-out of that one free constant, not a retuning:
    above the break-even value the proposed method is at or below the PCA
    scheme at that point. About 8 PCA solves per point.
    """
    jobs = [(key, i) for key, s in data.items() for i in np.flatnonzero(s.feasible("analytic"))]
    found: dict[str, list[float]] = {key: [] for key in data}
    for key, i in tqdm(jobs, desc="iscc PCA break-even", unit="point", disable=not progress, leave=False):
        s = data[key]
        found[key].append(break_even(sweep_params(s.field, float(s.values[i])), float(s.energy["analytic"][i])))
    return {
        key: BreakEven(key, s.figure, s.xlabel, s.values[s.feasible("analytic")], np.array(found[key]))
        for key, s in data.items()
    }


def plot_break_even(even: dict[str, BreakEven]) -> Figure:
    """Draw the break-even discarded energy of each of Figs. 9-11's points, with the fixed model's 2 % line.

    A point above the line is one where the fixed PCA model is below the
    proposed method.
    """
    fig, axes = plt.subplots(1, len(even), figsize=(4.2 * len(even), 3.4), squeeze=False)
    for ax, b in zip(axes[0], even.values(), strict=True):
        ax.plot(b.values, b.residual * 100, "o-", markersize=4, label="break-even")
        ax.axhline(
            PCA_RESIDUAL_ENERGY * 100, color="k", linestyle="--", label=f"fixed model ({PCA_RESIDUAL_ENERGY:.0%})"
        )
        ax.set_xlabel(b.xlabel)
        ax.set_title(f"{b.figure} points")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("discarded PCA energy (%)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"PCA scheme ({PCA_COMPONENTS} components): discarded energy at which it costs what the proposed does")
    # Margins set here instead of tight_layout's text layout pass: the figure fits its canvas as drawn.
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.17, top=0.82, wspace=0.25)
    return fig


# -------------------------------------------------------------------------------------------------- the report


def notes(rows: list[Table3Row], data: dict[str, Sweep], even: dict[str, BreakEven]) -> list[str]:
    """The known departures from the paper and the limitations, with this run's numbers.

    Taken from the notebook's text, the README's ISCC sections and the
    problem's docstrings.
    """
    by_name = {row.scenario: row for row in rows}
    lat, snr = by_name["latency"], by_name["snr"]
    n_layers, snr_split = lat.params.n_layers, int(snr.ours.x["split"])
    worst_gap = max(abs(_gap(r.ours.objective, r.reference.objective)) for r in rows)
    below = sum(int(np.sum(pca_wins(s))) for s in data.values())
    total = sum(int(np.sum(s.feasible("analytic"))) for s in data.values())
    needed = max(float(np.max(b.residual)) for b in even.values() if b.residual.size)
    missing = [
        f"{LABELS[m]} at {s.field} = {', '.join(f'{v:g}' for v in s.values[~s.feasible(m)])}"
        for s in data.values()
        for m in METHODS
        if not np.all(s.feasible(m))
    ]
    return [
        "The paper does not print its accuracy model's constants: the per-layer weight statistics come from a "
        "seeded synthetic Laplace network of the Fig. 6 architecture, and b and the margin were fitted to Table "
        "III's rows through Lemma 3 (edgeopt/problems/iscc/iscc.toml), so sensing powers close to Table III's "
        "are a consistency check of that fit, not a prediction.",
        "The extraction of Table III lost one of l and Q in the accuracy-constrained row and left the "
        "SNR-constrained row's l unreadable ('11'); those paper cells are empty.",
        f"Latency-constrained row: we upload the raw spectrogram (l = {int(lat.ours.x['split'])}, "
        f"Q = {int(lat.ours.x['Q'])}) where the paper computes to l = 5 with Q = 5. Our spectrogram is 1x32x32 "
        "(the paper does not give its size), so the raw upload costs a few millijoules while even a pruned front "
        "end costs more at kappa = 1e-21; a larger input would move the split up.",
        f"SNR-constrained row: at 0 dB we run {'every layer' if snr_split == n_layers else 'not every layer'} "
        f"on the device (l = {snr_split}), as the paper's text says the optimum does; the paper's "
        "Q = 2 suggests a late split rather than none. Transmit power and CPU speed follow from the split, so they "
        "are not comparable where the split differs.",
        "No method claims optimal: the problem is not convex over the split and Q. The default method is exact "
        "in each (split, Q) (Lemmas 3 and 4 in closed form, a 1-D search in p), and its certificate is the "
        f"independent global reference: the largest relative gap on Table III here is {worst_gap:.1e}.",
        "The default method is not the paper's alternation; Algorithm 2 is method 'alternating'. Started at full "
        "CPU speed as the paper says, it ends "
        f"{_gap(snr.alternating.objective, snr.ours.objective):.0%} above the default on the SNR-constrained "
        "scenario (random instances: edgeopt bench iscc).",
        f"The typical ISCC (PCA) baseline's model was fixed before any comparison ({PCA_COMPONENTS} components, "
        f"{PCA_RESIDUAL_ENERGY:.0%} of the input energy discarded) and is outside the proposed method's design "
        f"space; it is below the proposed method at {below} of {total} points of Figs. 9-11, where the paper finds "
        "the opposite (it does not give its PCA accuracy model). The proposed method is at or below it at every "
        f"point once PCA discards {needed:.1%} of the input energy (the break-even figure).",
        "Figs. 9-11 use Table II elsewhere (R_t = 0.85, T_max = 0.8 s, SNR 20 dB). The paper gives their curves, "
        "not numbers, so they are compared by the paper's stated findings (the trends table). A missing point is "
        "an infeasible scheme (status infeasible, with the reason): " + ("; ".join(missing) or "none") + ".",
    ]


def reproduce(quick: bool = False, progress: bool = True) -> Reproduction:
    """Paper 002's Table III, Figs. 9-11, their findings and the PCA break-even, for ``edgeopt reproduce``.

    ``quick`` keeps every figure and table on 4 points per axis instead of 6-7
    (:data:`QUICK_GRIDS`). Figures: ``iscc_fig9``, ``iscc_fig10``,
    ``iscc_fig11``, ``iscc_pca_break_even``; tables: ``iscc_table3`` (with the
    paper's numbers) and ``iscc_trends`` (the paper's findings on Figs. 9-11).
    """
    rows = table3(progress=progress)
    data = sweeps(quick=quick, progress=progress)
    even = pca_break_even(data, progress=progress)
    captions = {
        "fig9": "Fig. 9: device energy of every scheme against the latency budget T_max (R_t = 0.85, SNR 20 dB). "
        "The paper: the proposed method is lowest, some baselines fail at tight deadlines, JC&C is highest.",
        "fig10": "Fig. 10: device energy against the target accuracy R_t (T_max = 0.8 s, SNR 20 dB). The paper: "
        "energy rises with R_t; on-server is nearly minimal at high targets.",
        "fig11": "Fig. 11: device energy against the SNR (R_t = 0.85, T_max = 0.8 s). The paper: on-device is "
        "flat, the other schemes fall with the SNR, on-server is asymptotically optimal.",
    }
    figures = [ReportFigure(f"iscc_{key}", plot_sweep(s), captions[key]) for key, s in data.items()]
    figures.append(
        ReportFigure(
            "iscc_pca_break_even",
            plot_break_even(even),
            "The share of the input energy the PCA scheme must discard to cost what the proposed method does, at "
            f"each point of Figs. 9-11; above the dashed line (the fixed model's {PCA_RESIDUAL_ENERGY:.0%}) the "
            "fixed PCA model is below the proposed method. Not in the paper, which does not give its PCA model.",
        )
    )
    tables = [
        ReportTable(
            "iscc_table3",
            table3_frame(rows),
            "Table III, optimal settings of the three scenarios: ours (default method) beside the paper's; "
            "the paper prints no energy",
        ),
        ReportTable("iscc_trends", trends_frame(data), "Figs. 9-11: the paper's findings beside ours"),
    ]
    return Reproduction(
        problem="iscc",
        title="paper 002, energy-efficient ISCC for edge inference",
        figures=figures,
        tables=tables,
        notes=notes(rows, data, even),
    )
