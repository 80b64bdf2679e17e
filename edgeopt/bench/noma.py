"""The NOMA benchmark (paper 003): Li-GD against the exact references, against GD, at the paper's scale, baselines.

Rows per ``shared/BENCH_SCHEMA.md`` with ``problem = "noma"``; ``extra["section"]`` names the part of
the report a row belongs to. Every solve is one call on a fresh instance, timed with its setup
(``time_first_s = time_resolve_s``); a method that raises gives a ``failed`` row whose
``extra["reason"]`` holds the error, listed at the end of the report.

1. ``exhaustive`` (``small-noma-<seed>``): ``li_gd`` and ``exhaustive`` on
   :func:`~edgeopt.problems.noma.scenarios.small_noma_params` seeds ``0..49`` (``0..19`` with ``quick``:
   2 APs, 3-6 users, 2-3 subchannels, NiN); ``rel_gap`` against ``exhaustive``. Issue 13's bar: within
   :data:`EXHAUSTIVE_GAP`.
2. ``oma`` (``oma-<seed>``): ``analytic``, ``cvxpy`` / CLARABEL (its own split and assignment) and
   ``li_gd`` with the analytic split and assignment held fixed
   (``solve_li_gd(p, split=s, sub_up=..., sub_dn=...)``) on
   :func:`~edgeopt.problems.noma.scenarios.oma_params` seeds ``0..99`` (``0..9``); ``rel_gap`` against
   ``analytic``; the cvxpy row's ``speedup_resolve`` is its time over the analytic call's on the same
   instance. Issue 13's bar: :data:`OMA_AGREEMENT`.
3. ``iterations``: ``li_gd`` and ``gd`` (Corollary 4) on :func:`~edgeopt.problems.noma.scenarios.random_params`
   seeds ``0..13`` with :data:`RANDOM_SIZE` and the six :data:`FIGURES` scenarios (quick: seeds ``0..2``
   and the three networks scenarios). ``extra["loop_iterations"]`` is ``sum(iterations_per_split)``
   (Algorithm 1's loop and split 0), ``extra["reopt_iterations"]`` the re-optimisation after rounding
   (``iterations`` minus the loop's); ``rel_gap`` against ``gd``.
4. ``paper_scale``: ``yuan2023-paper-scale`` (seed 0; quick: :data:`QUICK_PAPER_SCALE` users and
   subchannels, named ``yuan2023-paper-scale-reduced``) by ``li_gd`` with a tqdm bar over the split
   indices, under :mod:`tracemalloc` (``extra["tracemalloc_peak_mb"]``, the peak of the traced Python and
   numpy allocations during the solve) and with ``ru_maxrss`` of the process before and after; this
   section runs first, so that the process peak before it is the imports'. The fixed-resource
   baselines :data:`PAPER_SCALE_BASELINES` follow on the same instance.
5. ``per_user``: ``li_gd_per_user`` on section 3's instances (the networks scenarios among them):
   ``rel_gap`` against ``li_gd`` (negative: utility gained), ``extra["gain"]``, ``extra["users_moved"]``.
6. ``baselines``: every baseline of :data:`~edgeopt.problems.noma.baselines.BASELINES` on the
   :data:`NETWORKS` scenarios, with ``li_gd`` (ECC over NOMA; its rows are section 3's): sums of ``T`` and
   ``E`` (:func:`~edgeopt.problems.noma.model.utility_terms`), speed-up ``T_base / T`` and energy ratio
   ``E_base / E`` against Device-Only and Neurosurgeon, beside the paper's printed numbers
   (:data:`PAPER_NUMBERS`).

Run time: the report's header states each section's wall time (the full run took about 7 minutes on 2
shared cores once ``li_gd`` ran six starts on small instances: section 1 about 4 minutes).
"""

from __future__ import annotations

import math
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tqdm import tqdm

from edgeopt.bench.common import environment, fmt, save
from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.problems.noma import model
from edgeopt.problems.noma import scenarios as scenario
from edgeopt.problems.noma.analytic import solve_analytic
from edgeopt.problems.noma.baselines import BASELINES
from edgeopt.problems.noma.certificate import decision_violations
from edgeopt.problems.noma.exhaustive import solve_exhaustive
from edgeopt.problems.noma.li_gd import solve_gd, solve_li_gd
from edgeopt.problems.noma.model import NomaParams
from edgeopt.problems.noma.per_user import solve_li_gd_per_user
from edgeopt.problems.noma.problem import NomaProblem
from edgeopt.problems.noma.reference import solve_cvxpy

PROBLEM = "noma"
#: Issue 13: li_gd within 2 % of exhaustive on every small NOMA instance.
EXHAUSTIVE_GAP = 0.02
#: Issue 13: on OMA the closed form, Clarabel and li_gd (split and assignment fixed) agree within 1e-6.
OMA_AGREEMENT = 1e-6
#: Issue 13 (Corollary 4): li_gd "reaches" gd's final utility when within this relative tolerance of it.
REACH_TOL = 1e-6
#: Issue 13 (Corollary 4): the median of li_gd / gd gradient iterations is at most this.
ITERATION_RATIO_BAR = 0.5
#: Issue 13: the paper-scale li_gd solve in under 30 s and 2 GB.
PAPER_SCALE_BARS = (30.0, 2048.0)

N_SMALL, N_SMALL_QUICK = 50, 20  # 200 until issue 16: the full report's 15-minute budget (section 1 was 154 s)
N_OMA, N_OMA_QUICK = 100, 10
N_RANDOM, N_RANDOM_QUICK = 6, 3  # 14 until issue 16 (the report's budget)
#: Size of section 3's random instances: 6 users per AP, so every AP fits in cap 3 x M >= 2 subchannels.
RANDOM_SIZE: dict[str, int] = {"n_aps": 3, "n_users": 18}
NETWORKS = ("yuan2023-networks-vgg16", "yuan2023-networks-nin", "yuan2023-networks-tiny-yolov2")
#: Section 3's figure scenarios, at the reduced scale of ``noma.toml``: (instance name, scenario, overrides).
#: ``yuan2023-workload`` at its default workload 1 is ``yuan2023-subchannels`` itself, so it runs at K = 3.
FIGURES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    *((name, name, {}) for name in NETWORKS),
    ("yuan2023-users", "yuan2023-users", {}),
    ("yuan2023-subchannels", "yuan2023-subchannels", {}),
    ("yuan2023-workload-3", "yuan2023-workload", {"workload": 3.0}),
)
PAPER_SCALE = "yuan2023-paper-scale"
QUICK_PAPER_SCALE: dict[str, int] = {"n_users": 250, "n_subchannels": 50}
#: The fixed-resource baselines, a few seconds at paper scale. ``edge_only`` and ``ecc_oma`` are whole
#: Li-GD runs, left out of section 4.
PAPER_SCALE_BASELINES = ("device_only", "neurosurgeon", "dnn_surgery")
#: The paper's printed numbers (Sec. VI, lines of the seed text).
PAPER_NUMBERS = {
    "speedup_vs_device_only": "ECC (without NOMA) 3.1-8x over Device-Only (L2792); NiN: 4.1x without NOMA, "
    "6.1x with NOMA (L2802-2804)",
    "energy_vs_device_only": "E_device_only / E of ECC 0.85-0.97 (L2812: ECC spends more than Device-Only)",
    "energy_vs_neurosurgeon": "Fig. 5, E_neurosurgeon / E: ECC (without NOMA) 1.5-1.7, DNN surgery 1.3-1.49 "
    "(L2857-2858); Fig. 4 (latency against Neurosurgeon) prints no number: ECC and DNN surgery 'a little "
    "worse', ECC-NOMA 'much better'",
}


# ---------------------------------------------------------------------------------------------- rows
def _size(p: NomaParams) -> dict[str, int]:
    return NomaProblem(p).size


def _attempt(fn: Callable[..., Solution], p: NomaParams, method: str, **options: Any) -> tuple[Solution, float]:
    """One timed call; an exception becomes a ``failed`` solution naming it (listed in the report)."""
    start = time.perf_counter()
    try:
        sol = fn(p, **options)
    except Exception as err:  # a crash of one method is a failed row of the benchmark, not the end of it
        sol = failed(f"{type(err).__name__}: {err}")
        sol.method, sol.problem = method, PROBLEM
    return sol, time.perf_counter() - start


def _split_of(sol: Solution) -> int | None:
    """The common split of a decision, or None (no point, or one split per user)."""
    if not sol.has_point:
        return None
    split = np.asarray(sol.x["split"])
    return int(split[0]) if np.all(split == split[0]) else None


def _row(
    section: str,
    instance: str,
    p: NomaParams,
    method: str,
    sol: Solution,
    seconds: float,
    *,
    reference: str,
    solver: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    violation = None
    if sol.has_point:
        violation = float(max(decision_violations(p, sol.x).values()))
    return {
        "problem": PROBLEM,
        "instance": instance,
        "size": _size(p),
        "method": method,
        "solver": solver,
        "status": sol.status.value,
        "solver_status": sol.extras.get("solver_status"),
        "objective": float(sol.objective) if sol.has_point and math.isfinite(sol.objective) else None,
        "reference": reference,
        "rel_gap": None,
        "max_violation": violation,
        "duality_gap": None,
        "time_first_s": seconds,
        "time_resolve_s": seconds,
        "speedup_resolve": None,
        "throughput": None,
        "extra": {
            "section": section,
            "split": _split_of(sol),
            "iterations": int(sol.iterations),
            "reason": sol.reason,
            **extra,
        },
    }


def _gap(row: dict[str, Any], reference: float | None) -> None:
    """Set ``rel_gap`` of ``row`` against a reference objective (both must exist)."""
    if row["objective"] is not None and reference is not None and reference != 0.0:
        row["rel_gap"] = (row["objective"] - reference) / abs(reference)


def _li_gd_extra(sol: Solution) -> dict[str, Any]:
    """Iteration counts of a li_gd / gd solution: the loop over splits and the re-optimisation apart."""
    per_split = sol.extras.get("iterations_per_split")
    if per_split is None:
        return {}
    loop = int(np.sum(per_split))
    relaxed = np.asarray(sol.extras["relaxed_utility"], dtype=float)
    return {
        "loop_iterations": loop,
        "reopt_iterations": int(sol.iterations) - loop,
        "iterations_per_split": [int(v) for v in per_split],
        "relaxed_best": float(np.min(relaxed)),
        "repair_moves": int(sol.extras.get("repair_moves", 0)),
        "converged": bool(sol.extras.get("converged", False)),
    }


def _bar(items: Iterable[Any], desc: str, progress: bool) -> Any:
    return tqdm(list(items), desc=desc, disable=not progress, leave=False)


# ---------------------------------------------------------------------------------------------- sections
def _exhaustive_rows(n: int, progress: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for seed in _bar(range(n), "noma: li_gd vs exhaustive", progress):
        p = scenario.small_noma_params(seed)
        name = f"small-noma-{seed}"
        ref, t_ref = _attempt(solve_exhaustive, p, "exhaustive")
        ours, t_ours = _attempt(solve_li_gd, p, "li_gd")
        ref_row = _row(
            "exhaustive",
            name,
            p,
            "exhaustive",
            ref,
            t_ref,
            reference="exhaustive",
            assignments=ref.extras.get("assignments_up"),
        )
        our_row = _row("exhaustive", name, p, "li_gd", ours, t_ours, reference="exhaustive", **_li_gd_extra(ours))
        for r in (ref_row, our_row):
            _gap(r, ref_row["objective"])
        rows += [ref_row, our_row]
    return rows


def _oma_rows(n: int, progress: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for seed in _bar(range(n), "noma: OMA analytic / cvxpy / li_gd", progress):
        p = scenario.oma_params(seed)
        name = f"oma-{seed}"
        exact, t_exact = _attempt(solve_analytic, p, "analytic")
        group = [_row("oma", name, p, "analytic", exact, t_exact, reference="analytic")]
        conic, t_conic = _attempt(solve_cvxpy, p, "cvxpy", solver="CLARABEL")
        same = None
        if conic.has_point and exact.has_point:
            same = all(np.array_equal(conic.x[k], exact.x[k]) for k in ("split", "sub_up", "sub_dn"))
        cvx = _row(
            "oma",
            name,
            p,
            "cvxpy",
            conic,
            t_conic,
            reference="analytic",
            solver="CLARABEL",
            same_decision=same,
            solver_objective=conic.extras.get("solver_objective"),
        )
        cvx["speedup_resolve"] = t_conic / t_exact
        group.append(cvx)
        if exact.has_point:
            split = _split_of(exact)
            fixed, t_fixed = _attempt(
                solve_li_gd, p, "li_gd", split=split, sub_up=exact.x["sub_up"], sub_dn=exact.x["sub_dn"]
            )
            group.append(_row("oma", name, p, "li_gd", fixed, t_fixed, reference="analytic", held_fixed=True))
        for r in group:
            _gap(r, group[0]["objective"])
        rows += group
    return rows


def _iteration_instances(quick: bool) -> list[tuple[str, NomaParams]]:
    """Section 3's instances (and section 5's): random ones first, then the figure scenarios."""
    n = N_RANDOM_QUICK if quick else N_RANDOM
    out = [
        (f"random-{seed}", scenario.random_params(seed, n_aps=RANDOM_SIZE["n_aps"], n_users=RANDOM_SIZE["n_users"]))
        for seed in range(n)
    ]
    figures = [f for f in FIGURES if f[0] in NETWORKS] if quick else list(FIGURES)
    out += [(name, scenario.params(entry, **overrides)) for name, entry, overrides in figures]
    return out


def _iteration_rows(
    instances: list[tuple[str, NomaParams]], progress: bool
) -> tuple[list[dict[str, Any]], dict[str, Solution]]:
    rows: list[dict[str, Any]] = []
    li_gd: dict[str, Solution] = {}
    for name, p in _bar(instances, "noma: li_gd vs gd", progress):
        warm, t_warm = _attempt(solve_li_gd, p, "li_gd")
        cold, t_cold = _attempt(solve_gd, p, "gd")
        li_gd[name] = warm
        group = [
            _row("iterations", name, p, "li_gd", warm, t_warm, reference="gd", **_li_gd_extra(warm)),
            _row("iterations", name, p, "gd", cold, t_cold, reference="gd", **_li_gd_extra(cold)),
        ]
        for r in group:
            _gap(r, group[1]["objective"])
        rows += group
    return rows, li_gd


def _rss_mb() -> float:
    """``ru_maxrss`` of this process in MiB (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _paper_scale_rows(quick: bool, progress: bool) -> list[dict[str, Any]]:
    if quick:
        p = scenario.params(PAPER_SCALE, seed=0, **QUICK_PAPER_SCALE)
        name = f"{PAPER_SCALE}-reduced"
    else:
        p = scenario.params(PAPER_SCALE, seed=0)
        name = PAPER_SCALE
    rss_before = _rss_mb()
    # Timed alone first (tracemalloc slows every allocation), then once more under tracemalloc for its peak.
    sol, seconds = _attempt(solve_li_gd, p, "li_gd", progress=progress)
    rss_after = _rss_mb()
    tracemalloc.start()
    try:
        _attempt(solve_li_gd, p, "li_gd", progress=False)
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    ours = _row(
        "paper_scale",
        name,
        p,
        "li_gd",
        sol,
        seconds,
        reference="li_gd",
        tracemalloc_peak_mb=traced_peak / 2**20,
        ru_maxrss_before_mb=rss_before,
        ru_maxrss_after_mb=rss_after,
        seed=0,
        **_li_gd_extra(sol),
        **_totals(p, sol),
    )
    rows = [ours]
    for method in PAPER_SCALE_BASELINES:
        base, t_base = _attempt(BASELINES[method], p, method)
        rows.append(_row("paper_scale", name, p, method, base, t_base, reference="li_gd", **_totals(p, base)))
    for r in rows:
        _gap(r, ours["objective"])
    return rows


def _per_user_rows(
    instances: list[tuple[str, NomaParams]], li_gd: dict[str, Solution], progress: bool
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, p in _bar(instances, "noma: li_gd_per_user", progress):
        sol, seconds = _attempt(solve_li_gd_per_user, p, "li_gd_per_user")
        base = li_gd.get(name)
        reference = float(base.objective) if base is not None and base.has_point else None
        moved = int(sol.extras["users_moved"]) if "users_moved" in sol.extras else None
        row = _row(
            "per_user",
            name,
            p,
            "li_gd_per_user",
            sol,
            seconds,
            reference="li_gd",
            gain=sol.extras.get("gain"),
            users_moved=moved,
            rounds=sol.extras.get("rounds"),
            li_gd_objective=reference,
            li_gd_objective_inside=sol.extras.get("li_gd_objective"),
            distinct_splits=int(np.unique(sol.x["split"]).size) if sol.has_point else None,
        )
        _gap(row, reference)
        rows.append(row)
    return rows


def _totals(p: NomaParams, sol: Solution) -> dict[str, Any]:
    """Sums over users of the latency ``T`` (12) and energy ``E`` (17) of a decision."""
    if not sol.has_point:
        return {}
    terms = model.utility_terms(p, model.decision(p, **sol.x))
    return {"T_total": float(np.sum(terms["T"])), "E_total": float(np.sum(terms["E"]))}


def _baseline_rows(
    iteration_rows: list[dict[str, Any]], li_gd: dict[str, Solution], progress: bool
) -> list[dict[str, Any]]:
    """Every baseline on the networks scenarios; section 3's li_gd rows there gain the same totals and ratios."""
    rows: list[dict[str, Any]] = []
    for name in _bar(NETWORKS, "noma: baselines", progress):
        p = scenario.params(name)
        ours = next(r for r in iteration_rows if r["instance"] == name and r["method"] == "li_gd")
        ours["extra"].update(_totals(p, li_gd[name]))
        group = [ours]
        for method, fn in BASELINES.items():
            sol, seconds = _attempt(fn, p, method)
            group.append(_row("baselines", name, p, method, sol, seconds, reference="li_gd", **_totals(p, sol)))
        for r in group[1:]:
            _gap(r, ours["objective"])
        by_method = {r["method"]: r["extra"] for r in group}
        for r in group:
            e = r["extra"]
            for label, base in (
                ("device_only", by_method.get("device_only")),
                ("neurosurgeon", by_method.get("neurosurgeon")),
            ):
                if base is None or "T_total" not in e or "T_total" not in base:
                    continue
                e[f"speedup_vs_{label}"] = base["T_total"] / e["T_total"]
                e[f"energy_ratio_vs_{label}"] = base["E_total"] / e["E_total"]
        rows += group[1:]
    return rows


# ---------------------------------------------------------------------------------------------- run
def run(quick: bool = False, progress: bool = True) -> tuple[list[dict[str, Any]], str]:
    """Run the benchmark; returns the rows and the Markdown report (also written to ``benchmarks/results``).

    Parameters
    ----------
    quick : bool
        The smoke run: fewer instances per section and a reduced paper-scale instance (module docstring).
    progress : bool
        tqdm bars over each section's instances and over the paper-scale solve's split indices.

    """
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def timed(key: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        timings[key] = time.perf_counter() - t0
        return out

    # Section 4 first: the process's ru_maxrss before it is then the imports' alone.
    paper = timed("paper_scale", lambda: _paper_scale_rows(quick, progress))
    small = timed("exhaustive", lambda: _exhaustive_rows(N_SMALL_QUICK if quick else N_SMALL, progress))
    oma = timed("oma", lambda: _oma_rows(N_OMA_QUICK if quick else N_OMA, progress))
    instances = _iteration_instances(quick)
    iterations, li_gd = timed("iterations", lambda: _iteration_rows(instances, progress))
    per_user = timed("per_user", lambda: _per_user_rows(instances, li_gd, progress))
    baselines = timed("baselines", lambda: _baseline_rows(iterations, li_gd, progress))
    rows = small + oma + iterations + paper + per_user + baselines
    timings["total"] = time.perf_counter() - started
    report = _report(rows, timings, quick)
    save(rows, report, "noma_quick" if quick else "noma")
    return rows, report


# ---------------------------------------------------------------------------------------------- report
def _section(rows: list[dict[str, Any]], name: str, method: str | None = None) -> list[dict[str, Any]]:
    return [r for r in rows if r["extra"]["section"] == name and (method is None or r["method"] == method)]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ok(r: dict[str, Any]) -> bool:
    return r["status"] in ("optimal", "feasible")


def _times_ms(rows: list[dict[str, Any]]) -> str:
    t = [1e3 * r["time_resolve_s"] for r in rows]
    return f"median {fmt(_median(t), '.1f')} ms, max {fmt(max(t) if t else None, '.1f')} ms"


def _status_counts(rows: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _report_exhaustive(rows: list[dict[str, Any]]) -> list[str]:
    ours = _section(rows, "exhaustive", "li_gd")
    ref = _section(rows, "exhaustive", "exhaustive")
    gaps = [r["rel_gap"] for r in ours if r["rel_gap"] is not None]
    worst = max(ours, key=lambda r: -math.inf if r["rel_gap"] is None else r["rel_gap"], default=None)
    above = [r["instance"] for r in ours if r["rel_gap"] is not None and r["rel_gap"] > EXHAUSTIVE_GAP]
    below = sum(g < -1e-9 for g in gaps)
    verdict = "yes" if gaps and not above and len(gaps) == len(ours) else "no"
    return [
        "## 1. Li-GD against exhaustive search (small NOMA)",
        "",
        f"{len(ours)} instances `small_noma_params(seed)`, seeds 0..{len(ours) - 1}: 2 APs, 3-6 users in uniformly "
        "drawn cells, 2-3 subchannels, cluster cap 3, NiN, the other values as `random_params`. `exhaustive` "
        "enumerates every cap-respecting assignment per direction with multi-start L-BFGS-B powers (8 starts), "
        "so it is a reference, not a certificate. Gap = (li_gd - exhaustive) / exhaustive.",
        "",
        f"- gaps on {len(gaps)} of {len(ours)} instances with both answers: worst "
        f"{fmt(max(gaps) if gaps else None, '.3e')}"
        f" ({worst['instance'] if worst else '-'}), median {fmt(_median(gaps), '.3e')}; "
        f"above {EXHAUSTIVE_GAP:.0%}: {len(above)} {above[:10] if above else ''}; li_gd below exhaustive "
        f"(by more than 1e-9): {below}.",
        f"- issue 13's bar (li_gd within {EXHAUSTIVE_GAP:.0%} of exhaustive on every instance): **{verdict}**.",
        f"- statuses: li_gd {_status_counts(ours)}; exhaustive {_status_counts(ref)}.",
        f"- times: li_gd {_times_ms(ours)}; exhaustive {_times_ms(ref)}.",
    ]


def _report_oma(rows: list[dict[str, Any]]) -> list[str]:
    exact = _section(rows, "oma", "analytic")
    conic = _section(rows, "oma", "cvxpy")
    fixed = _section(rows, "oma", "li_gd")
    lines = [
        "",
        "## 2. OMA: closed form, CVXPY / Clarabel and Li-GD with the split and assignment held fixed",
        "",
        f'{len(exact)} instances `oma_params(seed)`, seeds 0..{len(exact) - 1}: `access = "oma"`, 2 APs with users '
        "in both cells, 2-6 users, M = U..U+4 subchannels, NiN. `cvxpy` chooses its own assignment (min-cost flow "
        "on its per-bit costs) and split; `li_gd` gets the analytic split and assignment and descends the powers "
        "and r. Gap = (method - analytic) / analytic; one call each.",
        "",
        "| method | answered | statuses | same split and assignment | worst abs gap | median abs gap "
        f"| abs gap > {OMA_AGREEMENT:g} | time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for method, group in (("analytic", exact), ("cvxpy (CLARABEL)", conic), ("li_gd (held fixed)", fixed)):
        gaps = [abs(r["rel_gap"]) for r in group if r["rel_gap"] is not None]
        same = [r["extra"].get("same_decision") for r in group if r["extra"].get("same_decision") is not None]
        lines.append(
            f"| {method} | {sum(_ok(r) for r in group)}/{len(group)} | {_status_counts(group)} "
            f"| {f'{sum(same)}/{len(same)}' if same else '-'} | {fmt(max(gaps) if gaps else None, '.1e')} "
            f"| {fmt(_median(gaps), '.1e')} | {sum(g > OMA_AGREEMENT for g in gaps)} | {_times_ms(group)} |"
        )
    speedups = [r["speedup_resolve"] for r in conic if r["speedup_resolve"] is not None]
    inaccurate = sum(r["solver_status"] == "optimal_inaccurate" for r in conic)
    agree = all(r["rel_gap"] is not None and abs(r["rel_gap"]) <= OMA_AGREEMENT for r in conic + fixed) and len(
        conic
    ) == len(exact)
    lines += [
        "",
        f"- time ratio cvxpy / analytic (`speedup_resolve`, same instance, single calls): median "
        f"{fmt(_median(speedups), '.0f')}x, range {fmt(min(speedups) if speedups else None, '.0f')}-"
        f"{fmt(max(speedups) if speedups else None, '.0f')}x; Clarabel optimal_inaccurate: {inaccurate}.",
        f"- issue 13's bar (Clarabel and li_gd within {OMA_AGREEMENT:g} of the closed form on every instance): "
        f"**{'yes' if agree else 'no'}**.",
    ]
    return lines


def _report_iterations(rows: list[dict[str, Any]]) -> list[str]:
    ours = {r["instance"]: r for r in _section(rows, "iterations", "li_gd")}
    cold = {r["instance"]: r for r in _section(rows, "iterations", "gd")}
    n_random = sum(name.startswith("random-") for name in ours)
    figures = [name for name in ours if not name.startswith("random-")]
    lines = [
        "",
        "## 3. Li-GD against GD: gradient iterations (Corollary 4)",
        "",
        f"{len(ours)} instances: `random_params(seed, n_aps={RANDOM_SIZE['n_aps']}, n_users={RANDOM_SIZE['n_users']})`"
        f", seeds 0..{n_random - 1} (6 users per AP, M drawn from 2..4, NiN), and the figure scenarios "
        f"{', '.join(f'`{f}`' for f in figures)} at `noma.toml`'s reduced scale"
        f"{' (`yuan2023-workload-3`: `yuan2023-workload` with workload 3)' if 'yuan2023-workload-3' in ours else ''}. "
        "Both methods run the same starts (the default, `auto_starts`: six on these sizes, from the "
        '"spread", "greedy" and "uniform" points and seeded random ones); `gd` restarts every split from each, '
        "`li_gd` warm-starts split s+1 from split s; iterations are summed over the starts. "
        "Loop = `sum(iterations_per_split)` (splits 1..F and 0); re-opt = the descent of the powers "
        "and r after rounding. Reached: li_gd's utility at most gd's times (1 + 1e-6), for the final "
        "(rounded, re-optimised) decision and for the best relaxed split.",
        "",
        "| instance | U | N | M | F | li_gd loop | li_gd re-opt | gd loop | gd re-opt | loop ratio "
        "| li_gd utility | gd utility | rel diff | reached (final / relaxed) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios: list[float] = []
    reached_final = reached_relaxed = 0
    for name, r in ours.items():
        g = cold.get(name)
        e, s = r["extra"], r["size"]
        if g is None or "loop_iterations" not in e or "loop_iterations" not in g["extra"]:
            lines.append(f"| {name} | {s['U']} | {s['N']} | {s['M']} | {s['F']} | failed | | | | | | | | |")
            continue
        ge = g["extra"]
        ratio = e["loop_iterations"] / ge["loop_iterations"] if ge["loop_iterations"] else math.nan
        ratios.append(ratio)
        final = r["objective"] <= g["objective"] * (1.0 + REACH_TOL)
        relaxed = e["relaxed_best"] <= ge["relaxed_best"] * (1.0 + REACH_TOL)
        reached_final += final
        reached_relaxed += relaxed
        lines.append(
            f"| {name} | {s['U']} | {s['N']} | {s['M']} | {s['F']} | {e['loop_iterations']} | {e['reopt_iterations']} "
            f"| {ge['loop_iterations']} | {ge['reopt_iterations']} | {ratio:.3f} | {r['objective']:.6g} "
            f"| {g['objective']:.6g} | {fmt(r['rel_gap'], '.1e')} | {'yes' if final else 'no'} / "
            f"{'yes' if relaxed else 'no'} |"
        )
    median_ratio = _median(ratios)
    totals = [(r["extra"]["iterations"], cold[n]["extra"]["iterations"]) for n, r in ours.items() if n in cold]
    total_ratio = _median([a / b for a, b in totals if b])
    done = median_ratio is not None and median_ratio <= ITERATION_RATIO_BAR and reached_final == len(ours)
    lines += [
        "",
        f"- median li_gd / gd loop iterations: {fmt(median_ratio, '.3f')} (with the re-optimisation: "
        f"{fmt(total_ratio, '.3f')}); li_gd reached gd's final utility on {reached_final}/{len(ours)}, its best "
        f"relaxed utility on {reached_relaxed}/{len(ours)}.",
        f"- issue 13's bar (li_gd reaches gd's final utility within {REACH_TOL:g} in at most half of gd's "
        f"iterations, median over the instances): **{'yes' if done else 'no'}**.",
        f"- times: li_gd {_times_ms(list(ours.values()))}; gd {_times_ms(list(cold.values()))}.",
    ]
    return lines


def _report_paper_scale(rows: list[dict[str, Any]], quick: bool) -> list[str]:
    group = _section(rows, "paper_scale")
    if not group:
        return []
    ours = group[0]
    e, s = ours["extra"], ours["size"]
    what = (
        f"`{PAPER_SCALE}` with {QUICK_PAPER_SCALE['n_users']} users and M = {QUICK_PAPER_SCALE['n_subchannels']} "
        "(the quick run's reduced instance, not the paper's scale)"
        if quick
        else f"`{PAPER_SCALE}` (Sec. VI: 5 APs, 1250 users, M = 250, B = 10 MHz, VGG16)"
    )
    lines = [
        "",
        "## 4. Paper scale",
        "",
        f"{what}, seed 0: U = {s['U']}, N = {s['N']}, M = {s['M']}, F = {s['F']}. One timed `li_gd` solve with a "
        "tqdm bar over the split indices (one start: `auto_starts` at this size), then the same solve again under "
        "`tracemalloc` (its peak counts the Python and numpy allocations made during the solve); `ru_maxrss` is "
        "the process's peak resident set, before and after the timed solve (this section runs first, so "
        "'before' is the imports' peak).",
        "",
    ]
    if ours["objective"] is None:
        return [*lines, f"li_gd: {ours['status']} ({e.get('reason')})."]
    t_bar, mem_bar = PAPER_SCALE_BARS
    meets = ours["time_resolve_s"] < t_bar and e["tracemalloc_peak_mb"] < mem_bar and e["ru_maxrss_after_mb"] < mem_bar
    nonzero = {i: v for i, v in enumerate(e.get("iterations_per_split", [])) if v}
    lines += [
        f"- li_gd: {ours['time_resolve_s']:.1f} s wall, utility {ours['objective']:.6g}, split "
        f"{e['split']}, {e['iterations']} gradient iterations (loop {e['loop_iterations']}, re-opt "
        f"{e['reopt_iterations']}; per split, the nonzero ones: {nonzero}), {e['repair_moves']} cap-repair moves.",
        f"- memory: tracemalloc peak {e['tracemalloc_peak_mb']:.0f} MiB; ru_maxrss {e['ru_maxrss_before_mb']:.0f} MiB "
        f"before, {e['ru_maxrss_after_mb']:.0f} MiB after.",
        f"- issue 13's bar (under {t_bar:.0f} s and {mem_bar / 1024:.0f} GB on 2 cores): "
        + ("not measured (it applies to the full instance)" if quick else f"**{'yes' if meets else 'no'}**")
        + ".",
        "",
        f"Fixed-resource baselines on the same instance ({', '.join(PAPER_SCALE_BASELINES)}; `edge_only` and "
        "`ecc_oma` are whole Li-GD runs, left out):",
        "",
        "| method | status | utility | sum T (s) | sum E (J) | T_base / T_li_gd | time s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in group:
        x = r["extra"]
        speed = x["T_total"] / e["T_total"] if "T_total" in x and "T_total" in e else None
        lines.append(
            f"| {r['method']} | {r['status']} | {fmt(r['objective'], '.6g')} | {fmt(x.get('T_total'), '.5g')} "
            f"| {fmt(x.get('E_total'), '.5g')} | {fmt(speed, '.2f')} | {r['time_resolve_s']:.2f} |"
        )
    return lines


def _report_per_user(rows: list[dict[str, Any]]) -> list[str]:
    group = _section(rows, "per_user")
    lines = [
        "",
        "## 5. A split per user (`li_gd_per_user`) against `li_gd`",
        "",
        f"Section 3's {len(group)} instances (the three `yuan2023-networks-*` scenarios among them). Gain = li_gd "
        "utility - li_gd_per_user utility (>= 0 by construction); relative to li_gd's utility. Users moved: users "
        "whose split differs from li_gd's common split.",
        "",
        "| instance | status | li_gd utility | per-user utility | gain | relative gain | users moved | distinct splits "
        "| time ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rel: list[float] = []
    for r in group:
        e = r["extra"]
        base = e.get("li_gd_objective")
        gain = None if r["rel_gap"] is None else 0.0 - r["rel_gap"]
        if gain is not None:
            rel.append(gain)
        lines.append(
            f"| {r['instance']} | {r['status']} | {fmt(base, '.6g')} | {fmt(r['objective'], '.6g')} "
            f"| {fmt(e.get('gain'), '.3e')} | {fmt(gain, '.2e')} | {fmt(e.get('users_moved'), 'd')} "
            f"| {fmt(e.get('distinct_splits'), 'd')} | {1e3 * r['time_resolve_s']:.1f} |"
        )
    lines += [
        "",
        f"- relative gain: median {fmt(_median(rel), '.2e')}, largest {fmt(max(rel) if rel else None, '.2e')}; "
        f"instances with a gain above 1e-9: {sum(g > 1e-9 for g in rel)}/{len(group)}; failed: "
        f"{sum(r['status'] == 'failed' for r in group)}.",
    ]
    return lines


_RATIO_KEYS = (
    "speedup_vs_device_only",
    "energy_ratio_vs_device_only",
    "speedup_vs_neurosurgeon",
    "energy_ratio_vs_neurosurgeon",
)


def _report_baselines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## 6. Baselines on the `yuan2023-networks-*` scenarios (Figs. 2-5)",
        "",
        "50 users over 5 APs (10 per AP), M = 6, seed 2023 (the scenarios' default draw). ECC over NOMA is "
        "`li_gd`. Speed-up = T_base / T and energy ratio = E_base / E with sums over users "
        "(`model.utility_terms`); > 1 means this scheme is faster / spends less than the base.",
        "",
        "| network | method | status | utility | sum T (s) | sum E (J) | speed-up vs Device-Only "
        "| E_DO / E | speed-up vs Neurosurgeon | E_NS / E |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in NETWORKS:
        group = [r for r in rows if r["instance"] == name and r["extra"]["section"] in ("iterations", "baselines")]
        group = [r for r in group if r["method"] != "gd"]
        for r in group:
            e = r["extra"]
            status = r["status"] if r["status"] != "infeasible" else f"infeasible ({e.get('reason')})"
            label = "li_gd (ECC-NOMA)" if r["method"] == "li_gd" else r["method"]
            cells = [
                name.removeprefix("yuan2023-networks-"),
                label,
                status,
                fmt(r["objective"], ".5g"),
                fmt(e.get("T_total"), ".4g"),
                fmt(e.get("E_total"), ".4g"),
                *(fmt(e.get(key), ".2f") for key in _RATIO_KEYS),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "The paper's printed numbers beside these (Sec. VI):",
        "",
        *(f"- {text}." for text in PAPER_NUMBERS.values()),
    ]
    return lines


def _report_failures(rows: list[dict[str, Any]]) -> list[str]:
    bad = [r for r in rows if r["status"] == "failed"]
    if not bad:
        return ["", "No method failed."]
    lines = ["", f"## Failures ({len(bad)} rows)", ""]
    seen: set[tuple[str, str]] = set()
    for r in bad:
        key = (r["method"], str(r["extra"].get("reason")))
        if key in seen:
            continue
        seen.add(key)
        count = sum(b["method"] == r["method"] and str(b["extra"].get("reason")) == key[1] for b in bad)
        lines.append(f"- {r['method']} on {r['instance']} (and {count - 1} more like it): {key[1]}")
    return lines


def _report(rows: list[dict[str, Any]], timings: dict[str, float], quick: bool) -> str:
    spent = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    lines = [
        f"# NOMA benchmark (paper 003){' - quick run' if quick else ''}",
        "",
        f"{environment()} Every solve is one call on a fresh instance, timed with its setup. Wall time: {spent}.",
        "",
        *_report_exhaustive(rows),
        *_report_oma(rows),
        *_report_iterations(rows),
        *_report_paper_scale(rows, quick),
        *_report_per_user(rows),
        *_report_baselines(rows),
        *_report_failures(rows),
    ]
    return "\n".join(lines) + "\n"
