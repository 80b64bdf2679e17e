"""The cut-selection benchmark (paper 000): analytic throughput, and agreement and speed against the HiGHS MILP.

Instances (rows per ``shared/BENCH_SCHEMA.md``):

``mnist-1M``
    1e6 channel gains (path loss over five decades times Rayleigh fading) on
    the compressed MNIST CNN with the raw input allowed: 24 candidate cuts
    (the named scenario ``"mnist"`` with ``samples=1_000_000``).
    Rows ``analytic`` (the envelope; median of 5 timed runs) and
    ``exhaustive`` (the full energy matrix and its row minimum).
``mnist-10k``
    The first 1e4 of those gains: ``analytic`` and ``cvxpy``/HIGHS (the
    one-hot MILP). A re-solve of the MILP is a full build and solve on new
    gains (the energy matrix is data, not a ``cp.Parameter``: a DPP
    parameter of that size would cost more to canonicalise than it saves).
``trajectory-power``
    The Fig. 4(a) walk at W = 5 MHz with power control (the named scenario): ``analytic`` against
    ``cvxpy``/CLARABEL (one conic program per candidate cut, then the row
    minimum), and the paper's fixed 1 mW as the ``fixed-power`` baseline.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from edgeopt.bench.common import environment, fmt, save, timed_solves
from edgeopt.core.solution import Solution
from edgeopt.problems.cut_selection import CutSelection
from edgeopt.problems.cut_selection import scenarios as scenario
from edgeopt.problems.cut_selection.reference import power_control_cvxpy

# The gains' generator and seed are the "mnist" scenario's, shared with the tests.
SEED = scenario.SEED
gains = scenario.random_gains


def _row(
    instance: str, size: dict[str, int], method: str, solver: str | None, sol: Solution, **kw: Any
) -> dict[str, Any]:
    return {
        "problem": "cut_selection",
        "instance": instance,
        "size": size,
        "method": method,
        "solver": solver,
        "status": sol.status.value,
        "solver_status": sol.extras.get("solver_status"),
        "objective": sol.objective if sol.has_point else None,
        "reference": kw.pop("reference", "exhaustive"),
        "rel_gap": kw.pop("rel_gap", None),
        "max_violation": 0.0 if sol.has_point else None,
        "duality_gap": kw.pop("duality_gap", None),
        "time_first_s": kw.pop("time_first_s"),
        "time_resolve_s": kw.pop("time_resolve_s"),
        "speedup_resolve": kw.pop("speedup_resolve", None),
        "throughput": kw.pop("throughput", None),
        "extra": kw,
    }


def run(quick: bool = False) -> tuple[list[dict[str, Any]], str]:
    """Run the benchmark; returns the rows and the Markdown report (also written to disk)."""
    rows: list[dict[str, Any]] = []
    n_big = 100_000 if quick else 1_000_000
    big = scenario.params("mnist", samples=n_big, seed=SEED)
    g = big.gains
    layers = int(big.candidates.size)
    sol, first, resolve = timed_solves(CutSelection(big), "analytic", 6, skip_first=True)
    ex, ex_first, ex_resolve = timed_solves(CutSelection(big), "exhaustive", 3, skip_first=True)
    gap = float(np.max(np.abs(sol.x["energy"] - ex.x["energy"]) / ex.x["energy"]))
    size = {"samples": n_big, "layers": layers}
    name = f"mnist-{n_big // 1000}k" if n_big < 1_000_000 else "mnist-1M"
    rows.append(
        _row(name, size, "analytic", None, sol, time_first_s=first, time_resolve_s=resolve,
             throughput=n_big / resolve, rel_gap=(sol.objective - ex.objective) / ex.objective,
             duality_gap=CutSelection(big).check(sol).duality_gap, max_sample_gap=gap)
    )  # fmt: skip
    rows.append(
        _row(name, size, "exhaustive", None, ex, time_first_s=ex_first, time_resolve_s=ex_resolve,
             throughput=n_big / ex_resolve, rel_gap=0.0, speedup_resolve=ex_resolve / resolve)
    )  # fmt: skip

    n_milp = 2_000 if quick else 10_000
    sub = big.replace(gains=g[:n_milp])
    fresh = big.replace(gains=gains(n_milp, SEED + 1))
    an, an_first, an_resolve = timed_solves(CutSelection(sub), "analytic", 6, skip_first=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        milp = CutSelection(sub).solve("cvxpy")
        milp_first = time.perf_counter() - start
        start = time.perf_counter()
        CutSelection(fresh).solve("cvxpy")
        milp_resolve = time.perf_counter() - start
    agree = int(np.count_nonzero(np.abs(milp.x["energy"] - an.x["energy"]) <= 1e-9 * an.x["energy"]))
    size = {"samples": n_milp, "layers": layers}
    name = f"mnist-{n_milp // 1000}k"
    rows.append(
        _row(name, size, "analytic", None, an, time_first_s=an_first, time_resolve_s=an_resolve,
             throughput=n_milp / an_resolve, reference="cvxpy",
             rel_gap=(an.objective - milp.objective) / milp.objective)
    )  # fmt: skip
    rows.append(
        _row(name, size, "cvxpy", "HIGHS", milp, time_first_s=milp_first, time_resolve_s=milp_resolve,
             throughput=n_milp / milp_resolve, reference="analytic",
             rel_gap=(milp.objective - an.objective) / an.objective, speedup_resolve=milp_resolve / an_resolve,
             agreeing_samples=agree)
    )  # fmt: skip

    rows.extend(_power_rows(quick))
    report = _report(rows)
    save(rows, report, "cut_selection_quick" if quick else "cut_selection")
    return rows, report


def _power_rows(quick: bool) -> list[dict[str, Any]]:
    p = scenario.params("trajectory-power", bandwidth=scenario.config()["link"]["trajectory_bandwidth"])
    if quick:
        p = p.replace(gains=p.gains[::4])
    g = p.gains
    size = {"samples": int(g.size), "layers": int(p.candidates.size)}
    sol, first, resolve = timed_solves(CutSelection(p), "analytic", 6, skip_first=True)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per_cut = [power_control_cvxpy(p, int(c)) for c in p.candidates]
    cvx_time = time.perf_counter() - start
    cvx_energy = np.stack([e for e, _, _ in per_cut], axis=1) + p.processing_energy[p.candidates]
    cvx_best = cvx_energy.min(axis=1)
    statuses = sorted({s for _, _, s in per_cut})
    cvx_objective = float(cvx_best.mean())
    # The paper's fixed 1 mW with the same circuit power, where it meets the deadline.
    fixed_best = scenario.fixed_power_energy(p)
    meets = np.isfinite(fixed_best)
    saving = 1 - sol.x["energy"][meets] / fixed_best[meets]
    rows = [
        _row("trajectory-power", size, "analytic", None, sol, time_first_s=first, time_resolve_s=resolve,
             throughput=g.size / resolve, reference="cvxpy", rel_gap=(sol.objective - cvx_objective) / cvx_objective,
             median_saving_vs_fixed_1mW=float(np.median(saving)), fixed_1mW_missed_deadline=int((~meets).sum()))
    ]  # fmt: skip
    rel = np.abs(cvx_best - sol.x["energy"]) / sol.x["energy"]
    cvx_sol = Solution(status=sol.status, objective=cvx_objective, extras={"solver_status": ",".join(statuses)})
    rows.append(
        _row("trajectory-power", size, "cvxpy", "CLARABEL", cvx_sol, time_first_s=cvx_time, time_resolve_s=cvx_time,
             reference="analytic", rel_gap=(cvx_objective - sol.objective) / sol.objective,
             speedup_resolve=cvx_time / resolve, max_sample_rel_diff=float(rel.max()))
    )  # fmt: skip
    return rows


def _report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Cut-selection benchmark (paper 000)",
        "",
        f"{environment()} Compressed MNIST CNN of the calibrated scenario, "
        "W = 5 MHz, P = 1 mW, N0 = 1e-9 W/Hz. Times are medians of repeated runs (MILP and Clarabel: one run).",
        "",
        "| instance | samples x cuts | method | status | time s | samples/s | rel gap (vs) | time / analytic | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        label = r["method"] if r["solver"] is None else f"{r['method']}/{r['solver']}"
        notes = ", ".join(f"{k} {fmt(v, '.3g') if isinstance(v, float) else v}" for k, v in r["extra"].items())
        lines.append(
            f"| {r['instance']} | {r['size']['samples']} x {r['size']['layers']} | {label} | {r['status']} "
            f"| {fmt(r['time_resolve_s'], '.4f')} | {fmt(r['throughput'], '.3g')} "
            f"| {fmt(r['rel_gap'], '.1e')} ({r['reference']}) | {fmt(r['speedup_resolve'], '.1f')} | {notes} |"
        )
    return "\n".join(lines) + "\n"
