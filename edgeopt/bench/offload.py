"""The offloading benchmark (paper 001): closed forms against brute force, enumeration against the MILP, the fleet.

Rows per ``shared/BENCH_SCHEMA.md``:

``closed-forms-random`` / ``closed-forms-wide``
    The exact break-even ``Q`` (three metrics x nine device/edge variant
    pairs), load thresholds (nine pairs) and battery lifetimes (six options x
    three batteries) of :mod:`edgeopt.problems.offload.closed_forms`, on
    ``random_params`` (the paper's ranges) and ``wide_params`` (the fuzz
    ranges), against brute force: every integer ``Q`` (or load) up to a
    horizon plus the largest valid value, priced by the paper's costs as
    restated in :mod:`edgeopt.problems.offload.reference`. ``extra`` counts the
    agreements; a crossing within rounding of an integer is a tie either side
    and is counted apart.
``random-batch`` / ``wide-batch``
    ``"analytic"`` (every option priced, the best kept) against ``"cvxpy"``
    (the one-hot MILP with HiGHS on the restated costs) on one batch of
    operating points each: the relative gap of the means, the points whose
    choices differ in value, and the time ratio in the same run.
``single-point``
    One operating point, solved alone: the single-call time of both methods.
``fleet-U<U>``
    The fleet of devices (:mod:`edgeopt.bench.fleet`): the min-cost flow
    against the HiGHS MILP at U = 10 ... 10,000 devices and S = 4 servers.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from tqdm import tqdm

from edgeopt.bench.common import environment, fmt, save
from edgeopt.bench.fleet import fleet_rows
from edgeopt.core.solution import Solution
from edgeopt.problems.offload import scenarios
from edgeopt.problems.offload.closed_forms import (
    BATTERY_WH,
    battery_joules,
    battery_requests,
    break_even_requests,
    load_threshold,
)
from edgeopt.problems.offload.model import OPTION_NAMES, VARIANTS, OffloadParams
from edgeopt.problems.offload.problem import OffloadProblem
from edgeopt.problems.offload.reference import paper_costs

HORIZON = 5_000
LARGEST = {"requests": 1e9, "edge_load": 1e6}  # the valid maxima: "every larger value" ends there


def _row(instance: str, size: dict[str, int], method: str, solver: str | None, **kw: Any) -> dict[str, Any]:
    sol: Solution | None = kw.pop("sol", None)
    return {
        "problem": "offload",
        "instance": instance,
        "size": size,
        "method": method,
        "solver": solver,
        "status": kw.pop("status", sol.status.value if sol is not None else "optimal"),
        "solver_status": sol.extras.get("solver_status") if sol is not None else None,
        "objective": kw.pop("objective", sol.objective if sol is not None and sol.has_point else None),
        "reference": kw.pop("reference", "cvxpy"),
        "rel_gap": kw.pop("rel_gap", None),
        "max_violation": kw.pop("max_violation", None),
        "duality_gap": kw.pop("duality_gap", None),
        "time_first_s": kw.pop("time_first_s"),
        "time_resolve_s": kw.pop("time_resolve_s"),
        "speedup_resolve": kw.pop("speedup_resolve", None),
        "throughput": kw.pop("throughput", None),
        "extra": kw,
    }


# --------------------------------------------------------------------------- closed forms vs brute force
def _swept(params: OffloadParams, axis: str) -> OffloadParams:
    """The batch flattened to rows, with ``axis`` swept over 0..HORIZON and the largest valid value."""
    shape = params.shape
    flat = {
        name: np.broadcast_to(getattr(params, name), shape).reshape(-1, 1)
        for name in ("requests", "edge_load", "uplink_rate", "downlink_rate")
    }
    flat[axis] = np.append(np.arange(HORIZON + 1, dtype=float), LARGEST[axis])[None, :]
    return params.replace(**flat)


def _first_from(better: np.ndarray) -> np.ndarray:
    """First integer column from which every later column is True (HORIZON + 1: only the largest, or none)."""
    tail = np.flip(np.logical_and.accumulate(np.flip(better, axis=-1), axis=-1), axis=-1)
    return np.where(tail[:, -1], np.minimum(np.argmax(tail, axis=-1), HORIZON + 1), HORIZON + 1)


def _device_better_from(device: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """Brute force: per row, the first integer column from which the device's cost is at most the edge's."""
    return _first_from(device <= edge)


def _last_within(energy: np.ndarray, capacity: float) -> np.ndarray:
    """Brute force: per row, the largest integer Q whose energy is within ``capacity`` (HORIZON + 1: beyond)."""
    within = energy <= capacity
    first_out = np.where(within[:, -1], HORIZON + 1, np.argmin(within, axis=-1))
    return np.where(first_out > HORIZON, HORIZON + 1, first_out - 1)


def _as_integer(q_star: np.ndarray, rounding: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    capped = np.minimum(np.where(np.isfinite(q_star), q_star, HORIZON + 1), HORIZON + 1)
    return np.where(q_star > HORIZON, HORIZON + 1, rounding(capped))


def _tie(q_star: np.ndarray) -> np.ndarray:
    """A crossing within rounding of a positive integer: brute force and closed form may split it either way."""
    finite = np.where(np.isfinite(q_star), q_star, 0.0)
    near = np.abs(finite - np.round(finite)) < 1e-9 * np.maximum(1.0, finite)
    return (finite > 0) & (finite <= HORIZON + 1) & near


def _closed_form_counts(params: OffloadParams) -> dict[str, list[int]]:
    """Per family: [agree, disagree, ties, closed-form microseconds, brute-force microseconds].

    The brute force's time is its grid pricing and its comparisons; the battery family reads the break-even
    family's Q grid, whose pricing is counted under break-even.
    """
    counts = {name: [0, 0, 0, 0, 0] for name in ("break_even", "load_threshold", "battery")}
    n_points = int(np.prod(params.shape, dtype=np.int64))

    def tally(family: str, q_star: np.ndarray, brute: np.ndarray, expected: np.ndarray) -> None:
        tie = _tie(q_star)
        agree = brute == expected
        counts[family][0] += int(np.count_nonzero(agree & ~tie))
        counts[family][1] += int(np.count_nonzero(~agree & ~tie))
        counts[family][2] += int(np.count_nonzero(tie))

    def timed(family: str, slot: int, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        out = work(*args, **kwargs)
        counts[family][slot] += int((time.perf_counter() - start) * 1e6)
        return out

    grid = (n_points, HORIZON + 2, len(OPTION_NAMES))
    by_q = timed("break_even", 4, paper_costs, _swept(params, "requests"))
    by_load = timed("load_threshold", 4, paper_costs, _swept(params, "edge_load"))["time"].reshape(grid)
    for device in VARIANTS:
        d = OPTION_NAMES.index(f"device/{device}")
        for edge in VARIANTS:
            e = OPTION_NAMES.index(f"edge/{edge}")
            for metric in ("time", "energy", "data"):
                q_star = timed("break_even", 3, break_even_requests, params, metric, device_variant=device,
                               edge_variant=edge).reshape(-1)  # fmt: skip
                cost = by_q[metric].reshape(grid)
                brute = timed("break_even", 4, _device_better_from, cost[..., d], cost[..., e])
                tally("break_even", q_star, brute, _as_integer(q_star, np.ceil))
            n_star = timed("load_threshold", 3, load_threshold, params, device_variant=device,
                           edge_variant=edge).reshape(-1)  # fmt: skip
            brute = timed("load_threshold", 4, _device_better_from, by_load[..., d], by_load[..., e])
            tally("load_threshold", n_star, brute, _as_integer(n_star, np.ceil))
    energy = by_q["energy"].reshape(grid)
    for index, option in enumerate(OPTION_NAMES):
        place, variant = option.split("/")
        for wh in BATTERY_WH.values():
            capacity = float(battery_joules(wh))
            q_star = timed("battery", 3, battery_requests, params, capacity, place=place, variant=variant)
            q_star = q_star.reshape(-1)
            brute = timed("battery", 4, _last_within, energy[..., index], capacity)
            expected = np.where(energy[:, 0, index] > capacity, -1, _as_integer(q_star, np.floor))
            tally("battery", q_star, brute, expected)
    return counts


def _closed_form_rows(quick: bool, progress: bool) -> list[dict[str, Any]]:
    rows = []
    n = 20 if quick else 200
    for label, generator in (("random", scenarios.random_params), ("wide", scenarios.wide_params)):
        total = {name: [0, 0, 0, 0, 0] for name in ("break_even", "load_threshold", "battery")}
        points = 0
        for seed in tqdm(range(n), desc=f"offload closed forms ({label})", disable=not progress, leave=False):
            params = generator(seed)
            points += int(np.prod(params.shape, dtype=np.int64))
            for family, values in _closed_form_counts(params).items():
                total[family] = [a + b for a, b in zip(total[family], values, strict=True)]
        for family, (agree, disagree, ties, cf_us, brute_us) in total.items():
            rows.append(
                _row(f"closed-forms-{label}", {"instances": n, "points": points}, family, None,
                     status="optimal" if disagree == 0 else "failed", reference="brute_force", objective=None,
                     time_first_s=cf_us / 1e6, time_resolve_s=cf_us / 1e6,
                     speedup_resolve=brute_us / max(cf_us, 1), agree=agree, disagree=disagree, ties=ties,
                     brute_force_s=brute_us / 1e6, horizon=HORIZON)
            )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- enumeration vs MILP
def _solve(params: OffloadParams, method: str) -> Solution:
    return OffloadProblem(params).solve(method)


def _median_time(solve: Callable[[], Solution], repeats: int) -> tuple[Solution, float, float]:
    times = []
    sol = None
    for _ in range(repeats):
        start = time.perf_counter()
        sol = solve()
        times.append(time.perf_counter() - start)
    assert sol is not None
    return sol, times[0], statistics.median(times[1:] if repeats > 1 else times)


def _concatenate(instances: list[OffloadParams]) -> OffloadParams:
    """One batch from instances that share their scalars (the first's), per-point fields concatenated."""
    first = instances[0]
    fields = {}
    for name in ("requests", "edge_load", "uplink_rate", "downlink_rate"):
        fields[name] = np.concatenate([np.broadcast_to(getattr(p, name), p.shape).reshape(-1) for p in instances])
    return first.replace(**fields)


def _batch_rows(quick: bool) -> list[dict[str, Any]]:
    rows = []
    n = 50 if quick else 500
    for label, generator in (("random", scenarios.random_params), ("wide", scenarios.wide_params)):
        # Each generated instance keeps its own scalars; the per-instance comparison below solves them one by
        # one, and one big batch (the first instance's scalars, every instance's points) times the batch path.
        worst, differing, statuses_equal, points = 0.0, 0, 0, 0
        t_an, t_milp = [], []
        for seed in range(n):
            p = generator(seed)
            points += int(np.prod(p.shape, dtype=np.int64))
            an, _, an_t = _median_time(partial(_solve, p, "analytic"), 2)
            milp, _, milp_t = _median_time(partial(_solve, p, "cvxpy"), 1)
            t_an.append(an_t)
            t_milp.append(milp_t)
            statuses_equal += int(an.status == milp.status)
            if an.has_point and milp.has_point:
                worst = max(worst, abs(an.objective - milp.objective) / max(abs(milp.objective), 1e-300))
                metric = an.x[p.objective]
                other = milp.x[p.objective]
                both = np.isfinite(metric) & np.isfinite(other)
                far = np.abs(metric[both] - other[both]) > 1e-9 * np.abs(other[both])
                differing += int(np.count_nonzero(far)) + int(
                    np.count_nonzero(np.isfinite(metric) != np.isfinite(other))
                )
        ratio = statistics.median(m / a for m, a in zip(t_milp, t_an, strict=True))
        rows.append(
            _row(f"{label}-instances", {"instances": n, "points": points}, "analytic", None, status="optimal",
                 objective=None, rel_gap=worst, time_first_s=statistics.median(t_an),
                 time_resolve_s=statistics.median(t_an), statuses_equal=statuses_equal,
                 points_differing=differing)
        )  # fmt: skip
        rows.append(
            _row(f"{label}-instances", {"instances": n, "points": points}, "cvxpy", "HIGHS", status="optimal",
                 objective=None, reference="analytic", rel_gap=worst, time_first_s=statistics.median(t_milp),
                 time_resolve_s=statistics.median(t_milp), speedup_resolve=ratio)
        )  # fmt: skip
    # One large batch: 10,000 points of ResNet-152 over the paper's ranges, and one point alone.
    rng = np.random.default_rng(14)
    size = 2_000 if quick else 10_000
    big = scenarios.params(
        "chukhno2023-resnet152",
        requests=np.round(10 ** rng.uniform(0, 3, size)),
        edge_load=np.round(rng.uniform(0, 100, size)),
        distance=rng.uniform(10, 500, size),
    )
    for instance, p in (("batch", big), ("single-point", scenarios.params("tiny-offload"))):
        points = int(np.prod(p.shape, dtype=np.int64))
        an, an_first, an_t = _median_time(partial(_solve, p, "analytic"), 7)
        milp, milp_first, milp_t = _median_time(partial(_solve, p, "cvxpy"), 3)
        gap = (an.objective - milp.objective) / milp.objective
        report = OffloadProblem(p).check(an)
        rows.append(
            _row(instance, {"points": points}, "analytic", None, sol=an, rel_gap=gap, time_first_s=an_first,
                 time_resolve_s=an_t, throughput=points / an_t, duality_gap=report.duality_gap,
                 max_violation=report.primal_feasibility)
        )  # fmt: skip
        rows.append(
            _row(instance, {"points": points}, "cvxpy", "HIGHS", sol=milp, reference="analytic", rel_gap=-gap,
                 time_first_s=milp_first, time_resolve_s=milp_t, throughput=points / milp_t,
                 speedup_resolve=milp_t / an_t)
        )  # fmt: skip
    return rows


def run(quick: bool = False, progress: bool = True) -> tuple[list[dict[str, Any]], str]:
    """Run the benchmark; returns the rows and the Markdown report (also written to disk)."""
    start = time.perf_counter()
    rows = _closed_form_rows(quick, progress)
    rows += _batch_rows(quick)
    fleet, fleet_report = fleet_rows(quick)
    rows += fleet
    report = _report(rows, fleet_report, time.perf_counter() - start)
    save(rows, report, "offload_quick" if quick else "offload")
    return rows, report


def _report(rows: list[dict[str, Any]], fleet_report: str, seconds: float) -> str:
    lines = [
        "# Offload benchmark (paper 001)",
        "",
        environment() + f" Wall time {seconds:.0f} s.",
        "",
        "## Closed forms against brute force (integer Q or load up to the horizon, and the largest valid value)",
        "",
        "Times per family: the closed forms' calls; the brute force's grid pricing and comparisons (the battery "
        "family reads the break-even family's Q grid, priced under break-even).",
        "",
        "| instances | family | instances x points | agree | disagree | ties | closed form s | brute force s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["instance"].startswith("closed-forms"):
            e = r["extra"]
            lines.append(
                f"| {r['instance']} | {r['method']} | {r['size']['instances']} x {r['size']['points']} | "
                f"{e['agree']} | {e['disagree']} | {e['ties']} | {fmt(r['time_resolve_s'])} | "
                f"{fmt(e['brute_force_s'])} |"
            )
    lines += [
        "",
        "## Enumeration (`analytic`) against the HiGHS MILP (`cvxpy`)",
        "",
        "| instance | points | method | worst rel. gap | time (median) | MILP / analytic |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["instance"].endswith("instances") or r["instance"] in ("batch", "single-point"):
            points = r["size"].get("points")
            lines.append(
                f"| {r['instance']} | {points} | {r['method']} | {fmt(r['rel_gap'])} | {fmt(r['time_resolve_s'])} | "
                f"{fmt(r['speedup_resolve'], '.0f')} |"
            )
    lines += ["", fleet_report]
    return "\n".join(lines) + "\n"
