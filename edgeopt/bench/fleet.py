"""The fleet benchmark (issue 14, item 4): the min-cost flow against the HiGHS MILP, on the same instances, one run.

Rows per ``shared/BENCH_SCHEMA.md`` with ``problem = "offload"`` (called by
:mod:`edgeopt.bench.offload`); ``extra["section"]`` is ``"fleet"``.

``fleet-U<U>-random-<seed>``
    :func:`~edgeopt.problems.offload.fleet_scenarios.random_params` (paper
    001's magnitudes) with ``U`` = :data:`SIZES` devices and ``S`` =
    :data:`SERVERS` servers, :data:`SEEDS` instances per size. The ``flow``
    row's ``time_resolve_s`` is the median of :data:`FLOW_REPEATS` single
    ``solve("flow")`` calls (each a full solve, the result contract's check
    included), ``time_first_s`` the first; the ``cvxpy`` row (HiGHS) is one
    call, timed whole (build, MILP, LP relaxation, repair, check), and
    ``extra["milp_time_s"]`` is its MILP part alone (build and solve).
    ``speedup_resolve`` on the ``cvxpy`` row is the whole call over the flow's
    median, ``extra["speedup_milp_only"]`` the MILP part over it: the speed
    line is judged on the latter, the smaller.
``fleet-U<U>-busy-<seed>``
    The same with ``cores = U / (2 S)`` on every server (and the congestion
    scaled with it), so that the servers carry a large part of the fleet and
    the flow has up to ``S U`` unit arcs: one instance per size.
``fleet-wide-<seed>``
    :func:`~edgeopt.problems.offload.fleet_scenarios.wide_params` (the fuzz
    ranges) with at most 200 devices: the same two rows.

``rel_gap`` compares each method with the other (``reference`` names it);
``duality_gap`` is the certificate of the result contract (the Lagrangian
gap of :mod:`~edgeopt.problems.offload.fleet_certificate`).
``quick=True`` runs ``U <= 1000`` and fewer seeds.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

from edgeopt.bench.common import fmt
from edgeopt.core.solution import Solution
from edgeopt.problems.offload import fleet_scenarios
from edgeopt.problems.offload.fleet import FleetParams, FleetProblem

PROBLEM = "offload"
SIZES = (10, 100, 1_000, 10_000)
QUICK_LARGEST = 1_000
SERVERS = 4
#: Instances per size (full run, quick run).
SEEDS = {10: (10, 4), 100: (6, 3), 1_000: (3, 1), 10_000: (1, 0)}
#: Single flow calls per instance; the median is reported.
FLOW_REPEATS = 7
#: Wide instances (full run, quick run), each with at most WIDE_LARGEST devices.
WIDE = (20, 6)
WIDE_LARGEST = 200
#: Issue 14's speed line at U = 10,000, S = 4: the flow under 1 s and at least 10x faster than the MILP.
SPEED_LINE = (1.0, 10.0)
#: Issue 14: the flow's cost equals the MILP's within 1e-9 relative for U <= 200.
AGREEMENT = 1e-9


def _timed(problem: FleetProblem, method: str) -> tuple[Solution, float]:
    start = time.perf_counter()
    sol = problem.solve(method)
    return sol, time.perf_counter() - start


def _gap(a: Solution, b: Solution) -> float | None:
    if not (a.has_point and b.has_point and math.isfinite(a.objective) and math.isfinite(b.objective)):
        return None
    return (a.objective - b.objective) / max(abs(b.objective), math.ulp(0.0))


def _row(instance: str, p: FleetParams, method: str, sol: Solution, **kw: Any) -> dict[str, Any]:
    contract = sol.extras.get("contract", {})
    return {
        "problem": PROBLEM,
        "instance": instance,
        "size": {"devices": p.n_devices, "servers": p.n_servers},
        "method": method,
        "solver": "HIGHS" if method == "cvxpy" else None,
        "status": sol.status.value,
        "solver_status": sol.extras.get("solver_status"),
        "objective": float(sol.objective) if sol.has_point else None,
        "reference": "flow" if method == "cvxpy" else "cvxpy",
        "rel_gap": kw.pop("rel_gap"),
        "max_violation": contract.get("max_violation"),
        "duality_gap": contract.get("certificate"),
        "time_first_s": kw.pop("time_first_s"),
        "time_resolve_s": kw.pop("time_resolve_s"),
        "speedup_resolve": kw.pop("speedup_resolve", None),
        "throughput": None,
        "extra": {"section": "fleet", "tasks": sol.extras.get("tasks"), "reason": sol.reason, **kw},
    }


def _pair(instance: str, family: str, p: FleetParams) -> list[dict[str, Any]]:
    """The flow and the MILP on one instance: two rows."""
    problem = FleetProblem(p)
    times = []
    flow = None
    for _ in range(FLOW_REPEATS):
        flow, seconds = _timed(problem, "flow")
        times.append(seconds)
    assert flow is not None
    flow_median = statistics.median(times)
    milp, milp_seconds = _timed(problem, "cvxpy")
    milp_only = float(milp.extras.get("milp_time_s", milp_seconds))
    flow_row = _row(
        instance,
        p,
        "flow",
        flow,
        family=family,
        rel_gap=_gap(flow, milp),
        time_first_s=times[0],
        time_resolve_s=flow_median,
        backend=flow.extras.get("backend"),
        repairs=flow.extras.get("repairs"),
        solve_time_s=flow.solve_time_s,
    )
    milp_row = _row(
        instance,
        p,
        "cvxpy",
        milp,
        family=family,
        rel_gap=_gap(milp, flow),
        time_first_s=milp_seconds,
        time_resolve_s=milp_seconds,
        speedup_resolve=milp_seconds / flow_median,
        milp_time_s=milp_only,
        speedup_milp_only=milp_only / flow_median,
        lp_objective=milp.extras.get("lp_objective"),
        lp_time_s=milp.extras.get("lp_time_s"),
        relaxation_gap=milp.extras.get("relaxation_gap"),
        solver_objective=milp.extras.get("solver_objective"),
    )
    return [flow_row, milp_row]


def fleet_rows(quick: bool = False) -> tuple[list[dict[str, Any]], str]:
    """Run the fleet benchmark (module docstring); returns the rows and a Markdown section for the report."""
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    sizes = [u for u in SIZES if not quick or u <= QUICK_LARGEST]
    for n in sizes:
        for seed in range(SEEDS[n][1 if quick else 0]):
            p = fleet_scenarios.random_params(seed, n_devices=n, n_servers=SERVERS)
            rows += _pair(f"fleet-U{n}-random-{seed}", "random", p)
        if SEEDS[n][1 if quick else 0]:
            busy = fleet_scenarios.random_params(0, n_devices=n, n_servers=SERVERS, cores=max(1, n // (2 * SERVERS)))
            rows += _pair(f"fleet-U{n}-busy-0", "busy", busy)
    wanted, seed = WIDE[1 if quick else 0], 0
    while sum(r["instance"].startswith("fleet-wide") for r in rows) < 2 * wanted:
        p = fleet_scenarios.wide_params(seed)
        if p.n_devices <= WIDE_LARGEST:
            rows += _pair(f"fleet-wide-{seed}", "wide", p)
        seed += 1
    return rows, _report(rows, sizes, time.perf_counter() - start)


def _report(rows: list[dict[str, Any]], sizes: list[int], seconds: float) -> str:
    lines = [
        "## The fleet of devices: min-cost flow (`flow`) against the HiGHS MILP (`cvxpy`)",
        "",
        f"S = {SERVERS} servers; `random_params` (paper magnitudes), its busy variant (U / 2S cores per server) and "
        f"`wide_params` (fuzz ranges, U <= {WIDE_LARGEST}). Flow time: median of {FLOW_REPEATS} single calls; MILP: "
        "one call, whole and its MILP part alone (build and solve, without the LP relaxation). Ratios over the "
        f"feasible instances. Wall time {seconds:.0f} s.",
        "",
        "| family | U | n | statuses (flow / MILP) | worst abs. rel. gap | flow s (median) | MILP s (whole call) "
        "| MILP s (MILP part) | MILP part / flow (min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    groups: list[tuple[str, int | None]] = [(f, n) for n in sizes for f in ("random", "busy")] + [("wide", None)]
    verdicts = []
    for family, n in groups:
        pairs = [
            (f, m)
            for f, m in zip(rows[0::2], rows[1::2], strict=True)
            if f["extra"]["family"] == family and (n is None or f["size"]["devices"] == n)
        ]
        if not pairs:
            continue
        gaps = [abs(f["rel_gap"]) for f, _ in pairs if f["rel_gap"] is not None]
        worst = max(gaps) if gaps else None
        statuses = sorted({f"{f['status']} / {m['status']}" for f, m in pairs})
        solved = [(f, m) for f, m in pairs if f["objective"] is not None] or pairs
        ratio = min(m["extra"]["speedup_milp_only"] for _, m in solved)
        flow_t = statistics.median(f["time_resolve_s"] for f, _ in solved)
        whole = statistics.median(m["time_resolve_s"] for _, m in solved)
        part = statistics.median(m["extra"]["milp_time_s"] for _, m in solved)
        u = str(n) if n is not None else f"1..{max(f['size']['devices'] for f, _ in pairs)}"
        lines.append(
            f"| {family} | {u} | {len(pairs)} | {', '.join(statuses)} | {fmt(worst)} | {fmt(flow_t, '.4f')} | "
            f"{fmt(whole, '.3f')} | {fmt(part, '.3f')} | {fmt(ratio, '.0f')} |"
        )
        if n is None or n <= WIDE_LARGEST:
            verdicts.append(worst is None or worst <= AGREEMENT)
    lines.append("")
    agree = "met" if all(verdicts) else "NOT met"
    lines.append(
        f"- Flow cost equals the MILP's within {AGREEMENT:g} relative on every instance with U <= 200: {agree}."
    )
    big = [(f, m) for f, m in zip(rows[0::2], rows[1::2], strict=True) if f["size"]["devices"] == 10_000]
    if big:
        flow_t = max(f["time_resolve_s"] for f, _ in big)
        ratio = min(m["extra"]["speedup_milp_only"] for _, m in big)
        met = flow_t < SPEED_LINE[0] and ratio >= SPEED_LINE[1]
        lines.append(
            f"- Speed line (U = 10,000, S = 4, {len(big)} instances): flow at most {flow_t:.4f} s (bar: under "
            f"{SPEED_LINE[0]:g} s), at least {ratio:.0f}x faster than the MILP part of the HiGHS call (bar: "
            f"{SPEED_LINE[1]:g}x): {'met' if met else 'NOT met'}."
        )
    else:
        lines.append("- Speed line (U = 10,000): not run (quick).")
    return "\n".join(lines) + "\n"
