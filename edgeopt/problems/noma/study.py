"""The data of paper 003's Figs. 2-11: every scheme on one instance, sweeps over seeds, the paper's printed numbers.

Sec. VI compares six schemes (L2752-2770): ECC over NOMA (ours, ``li_gd``), ECC over OMA (``ecc_oma``),
Device-Only, Edge-Only, Neurosurgeon and DNN surgery (:mod:`edgeopt.problems.noma.baselines`, where each
reading is fixed). This module solves them through :meth:`NomaProblem.solve` (so the result contract
re-checks every decision), totals the latency and the energy of each decision with
:func:`~edgeopt.problems.noma.model.utility_terms`, and forms the paper's two figures of merit:

* **latency speed-up** ``T_base / T`` (Figs. 2, 4, 6-8), ``T = sum_i T_i`` (12);
* **energy ratio** ``E_base / E`` (Figs. 3, 5, 9-11), ``E = sum_i E_i`` (17). The paper calls it "energy
  consumption reduction"; a value below 1 means the scheme spends *more* than the base (L2809-2812).

The base is Device-Only (Figs. 2, 3 and 6-11) or Neurosurgeon (Figs. 4, 5; L2838). Figs. 8 and 11 take
Device-Only at the smallest workload as the base of every point (L2945-2946, L2986-2987):
:func:`rebase`. Both totals are network-wide sums over the users, so a ratio of totals weighs each user
by its own latency: one user on a bad channel moves it.

No plotting here (the notebook draws): plain dicts of floats and numpy arrays. A scheme without a
decision (``INFEASIBLE``: an AP with more users than ``cap x M``, for ECC over OMA ``cap = 1``) has
``None`` in every numeric field of :func:`compare_schemes` and NaN in the arrays of :func:`sweep`,
whose ``feasible`` counts say where.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from edgeopt.problems.noma import model, scenarios
from edgeopt.problems.noma.certificate import decision_violations
from edgeopt.problems.noma.model import NomaParams
from edgeopt.problems.noma.problem import NomaProblem
from edgeopt.solvers.threads import single_blas_thread

#: Scheme name -> the :class:`NomaProblem` method that computes it (Sec. VI-B, L2762-2770).
SCHEMES: dict[str, str] = {
    "ecc_noma": "li_gd",
    "ecc_oma": "ecc_oma",
    "device_only": "device_only",
    "edge_only": "edge_only",
    "neurosurgeon": "neurosurgeon",
    "dnn_surgery": "dnn_surgery",
}
#: The paper's names of the schemes (it writes "DNN surgeon" for DNN surgery, Hu et al. 2019).
LABELS: dict[str, str] = {
    "ecc_noma": "ECC-NOMA",
    "ecc_oma": "ECC-OMA",
    "device_only": "Device-Only",
    "edge_only": "Edge-Only",
    "neurosurgeon": "Neurosurgeon",
    "dnn_surgery": "DNN surgery",
}
#: The two bases of the ratios: Device-Only (Figs. 2, 3, 6-11) and Neurosurgeon (Figs. 4, 5).
BASES = ("device_only", "neurosurgeon")
#: The numeric fields of a :func:`compare_schemes` row and of the arrays of :func:`sweep`.
METRICS = (
    "utility",
    "T",
    "E",
    "speedup_vs_device_only",
    "energy_ratio_vs_device_only",
    "speedup_vs_neurosurgeon",
    "energy_ratio_vs_neurosurgeon",
)
#: The figure scenario of each network of Figs. 2-5 (``noma.toml``), in the paper's order (L2760).
NETWORK_SCENARIOS: dict[str, str] = {
    "nin": "yuan2023-networks-nin",
    "tiny_yolov2": "yuan2023-networks-tiny-yolov2",
    "vgg16": "yuan2023-networks-vgg16",
}
#: The seeds a sweep averages over by default.
SEEDS = (0, 1, 2)


def _ratio(base: float | None, value: float | None) -> float | None:
    """``base / value``, None where either is missing or the quotient is not a finite number."""
    if base is None or value is None or value <= 0.0:
        return None
    out = base / value
    return out if math.isfinite(out) else None


def _common_split(split: np.ndarray) -> int | list[int]:
    """The common split as an int, or the per-user splits as a list where they differ."""
    values = np.unique(split)
    return int(values[0]) if values.size == 1 else [int(s) for s in split]


def compare_schemes(
    params: NomaParams, schemes: Iterable[str] = tuple(SCHEMES), **options: Any
) -> dict[str, dict[str, Any]]:
    """Every scheme of Sec. VI on one instance: status, utility (19), totals of (12) and (17), split, ratios.

    The solves run with one BLAS thread: Li-GD's power polish calls L-BFGS-B on vectors of ``U`` entries,
    where OpenBLAS threads only add their start-up; on a loaded 2-core machine one Li-GD solve of
    ``yuan2023-users`` (U = 90) took 3.6 s with the default threads and 0.9 s with one (2026-12-01).

    Parameters
    ----------
    params : NomaParams
        The instance.
    schemes : iterable of str
        Names from :data:`SCHEMES` (default all six). Device-Only and Neurosurgeon are solved even when not
        asked for, since every ratio needs them, but only the asked-for rows are returned.
    **options
        Passed to every :meth:`NomaProblem.solve` call (e.g. ``gtol``) of the schemes that take them: the
        Li-GD based ones, ``ecc_noma``, ``ecc_oma`` and ``edge_only``.

    Returns
    -------
    dict
        Scheme name -> row with ``label``, ``method``, ``status`` (the :class:`Status` value),
        ``feasible`` (bool), ``reason`` (None or the ``INFEASIBLE`` reason), ``utility``, ``T`` (s), ``E``
        (J), ``split`` (the common split, or a list per user), ``violation`` (the decision's largest
        relative constraint violation, :func:`~edgeopt.problems.noma.certificate.decision_violations`: 0 for a
        valid one), the speed-ups ``T_base / T`` and the energy ratios ``E_base / E`` against Device-Only and
        Neurosurgeon (``speedup_vs_device_only``, ...), and ``solve_time_s``. Every numeric field is a float,
        or None where the scheme (or the base) has no decision: never NaN.

    """
    wanted = list(schemes)
    unknown = [s for s in wanted if s not in SCHEMES]
    if unknown:
        from edgeopt.core.errors import InvalidParameterError

        raise InvalidParameterError(f"unknown scheme(s) {unknown}; the schemes are {list(SCHEMES)}")
    problem = NomaProblem(params)
    gains = model.link_gains(params)
    tuned = {"li_gd", "ecc_oma", "edge_only"}
    rows: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys([*wanted, *BASES]):  # a loop over the six schemes; each solve is vectorised
        method = SCHEMES[name]
        with single_blas_thread():
            sol = problem.solve(method, **(options if method in tuned else {}))
        row: dict[str, Any] = {
            "label": LABELS[name],
            "method": method,
            "status": sol.status.value,
            "feasible": sol.has_point,
            "reason": None if sol.has_point else str(sol.extras.get("reason", sol.status.value)),
            "utility": None,
            "T": None,
            "E": None,
            "split": None,
            "violation": None,
            "solve_time_s": float(sol.solve_time_s),
        }
        if sol.has_point:
            dec = model.decision(params, **sol.x)
            terms = model.utility_terms(params, dec, gains)
            row.update(
                utility=float(np.sum(terms["utility"])),
                T=float(np.sum(terms["T"])),
                E=float(np.sum(terms["E"])),
                split=_common_split(dec.split),
                violation=max(decision_violations(params, sol.x).values()),
            )
        rows[name] = row
    for row in rows.values():
        for base in BASES:
            row[f"speedup_vs_{base}"] = _ratio(rows[base]["T"], row["T"])
            row[f"energy_ratio_vs_{base}"] = _ratio(rows[base]["E"], row["E"])
    return {name: rows[name] for name in wanted}


def infeasible(comparison: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The schemes of a :func:`compare_schemes` result without a decision, with the reason of each."""
    return {name: str(row["reason"]) for name, row in comparison.items() if not row["feasible"]}


def _collect(
    instances: Sequence[Sequence[NomaParams]],
    schemes: Sequence[str],
    progress: bool,
    description: str,
    options: dict[str, Any],
) -> dict[str, Any]:
    """Solve ``instances[value][seed]`` with every scheme; the per-seed arrays, their means and the counts."""
    n_values, n_seeds = len(instances), len(instances[0])
    per_seed = {metric: {s: np.full((n_values, n_seeds), np.nan) for s in schemes} for metric in METRICS}
    splits = {s: np.full((n_values, n_seeds), -1, dtype=np.int64) for s in schemes}
    violation = {s: np.full((n_values, n_seeds), np.nan) for s in schemes}
    reasons: dict[str, dict[int, str]] = {s: {} for s in schemes}
    points = [(i, k) for i in range(n_values) for k in range(n_seeds)]
    for i, k in tqdm(points, desc=description, disable=not progress, leave=False):  # a loop over instances
        comparison = compare_schemes(instances[i][k], schemes, **options)
        for s, row in comparison.items():
            if not row["feasible"]:
                reasons[s].setdefault(i, str(row["reason"]))
                continue
            for metric in METRICS:
                if row[metric] is not None:
                    per_seed[metric][s][i, k] = row[metric]
            if isinstance(row["split"], int):
                splits[s][i, k] = row["split"]
            violation[s][i, k] = row["violation"]
    feasible = {s: np.sum(np.isfinite(per_seed["T"][s]), axis=1) for s in schemes}
    mean: dict[str, dict[str, np.ndarray]] = {}
    for metric in METRICS:
        mean[metric] = {}
        for s in schemes:
            values = per_seed[metric][s]
            complete = np.all(np.isfinite(values), axis=1)
            mean[metric][s] = np.where(complete, np.mean(np.where(complete[:, None], values, 0.0), axis=1), np.nan)
    return {
        "schemes": tuple(schemes),
        "per_seed": per_seed,
        "mean": mean,
        "feasible": feasible,
        "splits": splits,
        "violation": violation,
        "reasons": reasons,
    }


def sweep(
    scenario: str,
    field: str,
    values: Sequence[Any],
    seeds: Sequence[int] = SEEDS,
    *,
    schemes: Iterable[str] = tuple(SCHEMES),
    progress: bool = False,
    options: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Every scheme on ``scenario`` with ``field`` set to each of ``values``, for each seed; means over seeds.

    Parameters
    ----------
    scenario : str
        A scenario of ``noma.toml`` (``yuan2023-users``, ``yuan2023-subchannels``, ``yuan2023-workload``, ...).
    field : str
        The swept scenario key (``n_users``, ``n_subchannels``, ``workload``, ``profile``, ...).
    values : sequence
        Its values, one figure point each.
    seeds : sequence of int
        The draws of positions, device speeds and fading averaged at each point
        (:func:`edgeopt.problems.noma.scenarios.params`). The draw streams are independent, so the same seed
        keeps the positions and speeds of a sweep over ``n_subchannels`` or ``workload``.
    schemes : iterable of str
        Names from :data:`SCHEMES`.
    progress : bool
        A tqdm bar over the instances.
    options : dict, optional
        Options of the Li-GD based solves (:func:`compare_schemes`).
    **overrides
        Further scenario keys held fixed over the sweep (e.g. ``n_subchannels=10``).

    Returns
    -------
    dict
        ``scenario``, ``field``, ``values`` (array), ``seeds`` (array), ``schemes``; ``per_seed[metric][scheme]``,
        arrays ``(len(values), len(seeds))`` of the :data:`METRICS` (NaN where the scheme has no decision);
        ``mean[metric][scheme]``, arrays ``(len(values),)``, the mean over the seeds where every seed has a
        decision and NaN elsewhere; ``feasible[scheme]``, the seeds with a decision at each value;
        ``splits[scheme]``, the common split per value and seed (-1: none or per user); ``violation[scheme]``,
        each decision's largest relative constraint violation (NaN: no decision); ``reasons[scheme]``,
        value index -> the first ``INFEASIBLE`` reason met there.

    """
    wanted = list(schemes)
    seeds = [int(s) for s in seeds]
    if not seeds or not len(values):
        from edgeopt.core.errors import InvalidParameterError

        raise InvalidParameterError(f"a sweep needs at least one value and one seed, got {values!r} and {seeds!r}")
    instances = [[scenarios.params(scenario, seed=seed, **{**overrides, field: v}) for seed in seeds] for v in values]
    out = _collect(instances, wanted, progress, f"{scenario} over {field}", dict(options or {}))
    return {"scenario": scenario, "field": field, "values": np.asarray(values), "seeds": np.asarray(seeds), **out}


def networks(
    seeds: Sequence[int] = SEEDS,
    *,
    schemes: Iterable[str] = tuple(SCHEMES),
    progress: bool = False,
    options: dict[str, Any] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Figs. 2-5: every scheme on the figure scenario of each network (:data:`NETWORK_SCENARIOS`), per seed.

    The result has the shape of :func:`sweep`'s, with ``field = "profile"`` and ``values`` the networks in the
    paper's order (NiN, tiny YOLOv2, VGG16); ``overrides`` (e.g. ``n_subchannels=10``) apply to all three.
    """
    wanted = list(schemes)
    seeds = [int(s) for s in seeds]
    instances = [
        [scenarios.params(name, seed=seed, **overrides) for seed in seeds] for name in NETWORK_SCENARIOS.values()
    ]
    out = _collect(instances, wanted, progress, "networks", dict(options or {}))
    return {
        "scenario": "yuan2023-networks-*",
        "field": "profile",
        "values": np.asarray(list(NETWORK_SCENARIOS)),
        "seeds": np.asarray(seeds),
        **out,
    }


def rebase(result: Mapping[str, Any], base: str = "device_only", index: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Speed-ups and energy ratios of a :func:`sweep` against one fixed point: ``base`` at ``values[index]``.

    Figs. 8 and 11 normalise every workload to Device-Only at the smallest one, K = 500 (L2945-2946,
    L2986-2987), so that the base grows no faster than the schemes. Per seed, ``T_base(values[index]) / T``
    and ``E_base(values[index]) / E``; then the mean over the seeds as in :func:`sweep`.

    Returns
    -------
    dict
        ``{"speedup": {scheme: array}, "energy_ratio": {scheme: array}}``, arrays ``(len(values),)``.

    """
    out: dict[str, dict[str, np.ndarray]] = {"speedup": {}, "energy_ratio": {}}
    for key, metric in (("speedup", "T"), ("energy_ratio", "E")):
        reference = result["per_seed"][metric][base][index]  # (n_seeds,)
        for s in result["schemes"]:
            ratios = reference[None, :] / result["per_seed"][metric][s]
            complete = np.all(np.isfinite(ratios), axis=1)
            out[key][s] = np.where(complete, np.mean(np.where(complete[:, None], ratios, 0.0), axis=1), np.nan)
    return out


# ---------------------------------------------------------------------------------------------- the paper's numbers
#: Every number the paper prints about Figs. 2-11 (Sec. VI-B and VI-C of the seed text), with its line(s).
#: ``metric`` is ``speedup`` (``T_base / T``) or ``energy_ratio`` (``E_base / E``); ``value`` a number or a
#: ``(low, high)`` range over the three networks; ``scheme`` and ``base`` are :data:`SCHEMES` names. The
#: paper's "ECC" is ECC over OMA ("ECC-OMA ... shorted as ECC", L2763-2764).
PAPER_NUMBERS: dict[str, dict[str, Any]] = {
    "fig2_ecc_oma_speedup": {
        "figure": 2,
        "scheme": "ecc_oma",
        "base": "device_only",
        "metric": "speedup",
        "value": (3.1, 8.0),
        "network": None,
        "lines": (2791, 2793),
        "text": "without NOMA, the latency speedup of ECC is 3.1 to 8 times higher than the Device-Only approach",
    },
    "fig2_nin_ecc_oma_speedup": {
        "figure": 2,
        "scheme": "ecc_oma",
        "base": "device_only",
        "metric": "speedup",
        "value": 4.1,
        "network": "nin",
        "lines": (2802, 2804),
        "text": "in NiN, the latency speedup of ECC without NOMA channel is 4.1 times",
    },
    "fig2_nin_ecc_noma_speedup": {
        "figure": 2,
        "scheme": "ecc_noma",
        "base": "device_only",
        "metric": "speedup",
        "value": 6.1,
        "network": "nin",
        "lines": (2803, 2804),
        "text": "while it is 6.1 times with NOMA channel",
    },
    "fig3_ecc_oma_energy_ratio": {
        "figure": 3,
        "scheme": "ecc_oma",
        "base": "device_only",
        "metric": "energy_ratio",
        "value": (0.85, 0.97),
        "network": None,
        "lines": (2811, 2813),
        "text": "the energy consumption reduction of ECC is 0.85 to 0.97 times lower than the Device-Only approach",
    },
    # Fig. 5: the text calls both ranges energy-reduction ratios against Neurosurgeon (L2855-2861); the issue
    # lists them beside the speed-ups. :data:`PAPER_READINGS` gives the speed-up reading too.
    "fig5_ecc_oma_energy_ratio": {
        "figure": 5,
        "scheme": "ecc_oma",
        "base": "neurosurgeon",
        "metric": "energy_ratio",
        "value": (1.5, 1.7),
        "network": None,
        "lines": (2859, 2860),
        "text": "the energy consumption reduction in ECC is 1.5 to 1.7 times larger than Neurosurgeon",
    },
    "fig5_dnn_surgery_energy_ratio": {
        "figure": 5,
        "scheme": "dnn_surgery",
        "base": "neurosurgeon",
        "metric": "energy_ratio",
        "value": (1.3, 1.49),
        "network": None,
        "lines": (2860, 2861),
        "text": "which is 1.3 to 1.49 times in DNN surgeon",
    },
    "fig6_ecc_noma_speedup_u10": {
        "figure": 6,
        "scheme": "ecc_noma",
        "base": "device_only",
        "metric": "speedup",
        "value": 7.1,
        "n_users": 10,
        "lines": (2920, 2921),
        "text": "when U = 10, the latency speedup of ECC-NOAM and Neurosurgeon is 7.1 and 6.3",
    },
    "fig6_neurosurgeon_speedup_u10": {
        "figure": 6,
        "scheme": "neurosurgeon",
        "base": "device_only",
        "metric": "speedup",
        "value": 6.3,
        "n_users": 10,
        "lines": (2920, 2921),
        "text": "when U = 10, the latency speedup of ECC-NOAM and Neurosurgeon is 7.1 and 6.3",
    },
    "fig6_ecc_noma_speedup_u90": {
        "figure": 6,
        "scheme": "ecc_noma",
        "base": "device_only",
        "metric": "speedup",
        "value": 3.85,
        "n_users": 90,
        "lines": (2921, 2922),
        "text": "when U = 90, this becomes 3.85 and 1.9",
    },
    "fig6_neurosurgeon_speedup_u90": {
        "figure": 6,
        "scheme": "neurosurgeon",
        "base": "device_only",
        "metric": "speedup",
        "value": 1.9,
        "n_users": 90,
        "lines": (2921, 2922),
        "text": "when U = 90, this becomes 3.85 and 1.9",
    },
    "fig7_ecc_noma_peak_m": {
        "figure": 7,
        "scheme": "ecc_noma",
        "metric": "argmax_speedup_n_subchannels",
        "value": 6,
        "lines": (2928, 2929),
        "text": "the latency speedup of ECC-NOMA increases first then reducing after M = 6",
    },
    "fig7_ecc_noma_best_m": {
        "figure": 7,
        "scheme": "ecc_noma",
        "metric": "n_subchannels_where_best",
        "value": 4,
        "lines": (2936, 2938),
        "text": "when M = 4, the performance of ECC-NOMA is the best. For the other values of M, the performance "
        "of Neurosurgeon is the best",
    },
    "fig8_base_workload": {
        "figure": 8,
        "scheme": "device_only",
        "metric": "base_workload_K",
        "value": 500,
        "lines": (2945, 2946),
        "text": "we use the latency of mobile devices when K = 500 as the baseline",
    },
    "fig11_base_workload": {
        "figure": 11,
        "scheme": "device_only",
        "metric": "base_workload_K",
        "value": 500,
        "lines": (2986, 2987),
        "text": "we use the latency of mobile devices when K = 500 as the baseline",
    },
}

#: The two readings of Fig. 5's ranges (L2859-2861): as printed, energy ratios ``E_NS / E``; as the issue lists
#: them beside the speed-ups, ``T_NS / T``. Scheme -> (range, metric) for each reading.
PAPER_READINGS: dict[str, dict[str, tuple[tuple[float, float], str]]] = {
    "as_printed": {
        "ecc_oma": ((1.5, 1.7), "energy_ratio_vs_neurosurgeon"),
        "dnn_surgery": ((1.3, 1.49), "energy_ratio_vs_neurosurgeon"),
    },
    "as_speedup": {
        "ecc_oma": ((1.5, 1.7), "speedup_vs_neurosurgeon"),
        "dnn_surgery": ((1.3, 1.49), "speedup_vs_neurosurgeon"),
    },
}

#: What the paper says of each figure without a number, with its lines: the trends to set ours against. The
#: two pairs marked ``contradicts`` disagree with each other.
PAPER_CLAIMS: dict[int, dict[str, Any]] = {
    2: {
        "lines": (2788, 2806),
        "claims": (
            "ECC and Edge-Only are faster than Device-Only",
            "ECC (OMA) is faster than Edge-Only",
            "ECC-NOMA is faster than ECC-OMA",
        ),
    },
    3: {
        "lines": (2808, 2820),
        "claims": (
            "ECC and Edge-Only spend more energy than Device-Only (ratios below 1)",
            "ECC-NOMA spends more energy than ECC-OMA",
        ),
    },
    4: {
        "lines": (2841, 2853),
        "claims": (
            "ECC-OMA and DNN surgery are similar and a little slower than Neurosurgeon",
            "ECC-NOMA is much faster than Neurosurgeon",
        ),
    },
    5: {
        "lines": (2855, 2869),
        "claims": (
            "ECC-OMA has the best energy ratio",
            "DNN surgery spends less energy than Neurosurgeon",
            "ECC-NOMA spends more than ECC-OMA, less than the others",
        ),
    },
    6: {
        "lines": (2913, 2924),
        "claims": (
            "latency grows with U for every scheme but Device-Only",
            "ECC-NOMA is the fastest, its advantage grows with U",
        ),
    },
    7: {
        "lines": (2927, 2939),
        "claims": (
            "ECC-NOMA's speed-up rises with M, then falls after M = 6",
            "Edge-Only, Neurosurgeon and DNN surgery do not depend on M",
            "ECC-NOMA is best only at M = 4, Neurosurgeon elsewhere",
        ),
        "contradicts": "a peak after M = 6 (L2929) against best only at M = 4 (L2936-2938)",
    },
    8: {
        "lines": (2941, 2951),
        "claims": (
            "normalised to Device-Only at K = 500",
            "latency grows with K for every scheme",
            "ECC-NOMA is the fastest, its advantage grows with K",
        ),
    },
    9: {
        "lines": (2953, 2965),
        "claims": (
            "energy grows with U for every scheme but Device-Only",
            "ECC-NOMA has the best energy ratio, its advantage shrinks with U",
        ),
        "contradicts": "ECC-NOMA best in energy (Figs. 9, 11) against Device-Only best (Figs. 3, 10)",
    },
    10: {
        "lines": (2967, 2981),
        "claims": (
            "ECC-NOMA's energy falls slightly with M",
            "Edge-Only, Neurosurgeon and DNN surgery do not depend on M",
            "Device-Only has the best energy ratio",
        ),
        "contradicts": "Device-Only best in energy (Figs. 3, 10) against ECC-NOMA best (Figs. 9, 11)",
    },
    11: {
        "lines": (2983, 2993),
        "claims": (
            "normalised to Device-Only at K = 500 (the text says latency; energy is meant)",
            "energy grows with K for every scheme",
            "ECC-NOMA has the best energy ratio, its advantage grows with K",
        ),
        "contradicts": "ECC-NOMA best in energy (Figs. 9, 11) against Device-Only best (Figs. 3, 10)",
    },
}

__all__ = [
    "BASES",
    "LABELS",
    "METRICS",
    "NETWORK_SCENARIOS",
    "PAPER_CLAIMS",
    "PAPER_NUMBERS",
    "PAPER_READINGS",
    "SCHEMES",
    "SEEDS",
    "compare_schemes",
    "infeasible",
    "networks",
    "rebase",
    "sweep",
]
