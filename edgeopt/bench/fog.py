"""The fog benchmark: analytic vs every installed CVXPY solver on seeded instances.

Rows follow ``shared/BENCH_SCHEMA.md``. CVXPY objectives are those of the
feasibility-repaired points (:meth:`FogPartitioning.repair`); re-solves load
new parameter values (gains scaled by U(0.9, 1.1)) into the built DPP model.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

import cvxpy as cp
import numpy as np

import edgeopt as eo
from edgeopt.bench.common import environment, save
from edgeopt.bench.common import fmt as _fmt
from edgeopt.bench.instances import random_fog_params
from edgeopt.problems.fog import FogParams, constraint_violations
from edgeopt.problems.fog_cvxpy import build, solve_model

SIZES = [(k, n) for k in (4, 10, 20, 50) for n in (2, 3, 4)]
QUICK_SIZES = [(4, 2), (10, 3)]
SOLVERS = [s for s in ("CLARABEL", "ECOS", "SCS") if s in cp.installed_solvers()]


def _perturbed(p: FogParams, rng: np.random.Generator) -> FogParams:
    return p.replace(
        gain_frd=p.gain_frd * rng.uniform(0.9, 1.1, p.K),
        gain_link=p.gain_link * rng.uniform(0.9, 1.1, p.gain_link.shape),
    )


def _row(
    p: FogParams, instance: str, method: str, solver: str | None, sol: eo.Solution, **extra: Any
) -> dict[str, Any]:
    return {
        "problem": "fog",
        "instance": instance,
        "size": {"K": p.K, "n_layers": p.n_layers},
        "method": method,
        "solver": solver,
        "status": sol.status.value,
        "solver_status": sol.extras.get("solver_status"),
        "objective": sol.objective if sol.has_point else None,
        "reference": "best_feasible",
        "rel_gap": None,
        "max_violation": sol.extras.get("max_violation"),
        "duality_gap": sol.extras.get("duality_gap"),
        "time_first_s": extra.pop("time_first_s"),
        "time_resolve_s": extra.pop("time_resolve_s"),
        "speedup_resolve": None,
        "throughput": None,
        "extra": extra,
    }


def run(quick: bool = False, instances: int = 2, resolves: int = 3) -> tuple[list[dict[str, Any]], str]:
    """Run the benchmark; returns the rows and the Markdown report (also written to disk)."""
    rows: list[dict[str, Any]] = []
    for K, N in QUICK_SIZES if quick else SIZES:
        for i in range(instances):
            seed = 1000 * K + 10 * N + i
            p = random_fog_params(seed, K, N, "offload")
            name = f"random-{seed}"
            rng = np.random.default_rng(seed)
            variants = [_perturbed(p, rng) for _ in range(resolves)]
            prob = eo.FogPartitioning(p)
            start = time.perf_counter()
            sol = prob.solve()
            first = time.perf_counter() - start
            times = []
            for q in variants:
                start = time.perf_counter()
                eo.FogPartitioning(q).solve()
                times.append(time.perf_counter() - start)
            an_resolve = statistics.median(times)
            an = _row(
                p, name, "analytic", None, sol, time_first_s=first, time_resolve_s=an_resolve, iterations=sol.iterations
            )
            if sol.has_point:
                an["max_violation"] = max(constraint_violations(p, sol.x).values())
            rows.append(an)
            for solver in SOLVERS:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    model = build(K, N, p.master)
                    ref = solve_model(model, p, solver)
                    cold = time.perf_counter() - start
                    rtimes, statuses = [], []
                    for q in variants:
                        start = time.perf_counter()
                        re = solve_model(model, q, solver)
                        elapsed = time.perf_counter() - start
                        statuses.append(re.extras.get("solver_status"))
                        if re.has_point:
                            rtimes.append(elapsed)
                resolve = statistics.median(rtimes) if rtimes else float("nan")
                cv_row = _row(
                    p,
                    name,
                    "cvxpy",
                    solver,
                    ref,
                    time_first_s=cold,
                    time_resolve_s=resolve,
                    resolve_statuses=statuses,
                    reported_objective=ref.extras.get("reported_objective"),
                )
                cv_row["speedup_resolve"] = resolve / an_resolve if rtimes else None
                rows.append(cv_row)
    # Gaps against the best feasible row of each instance.
    for name in {r["instance"] for r in rows}:
        group = [r for r in rows if r["instance"] == name and r["objective"] is not None]
        best = min(r["objective"] for r in group)
        for r in group:
            r["rel_gap"] = (r["objective"] - best) / abs(best)
    report = _report(rows)
    save(rows, report, "fog_quick" if quick else "fog")
    return rows, report


def _report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Fog benchmark (Kilcioglu et al. 2021, problem (31))",
        "",
        f"{environment()} Seeded random 'offload' instances "
        "(`edgeopt.bench.instances`). Objectives of CVXPY rows are at feasibility-repaired points; "
        "gaps are against the best feasible row of each instance. Times are medians; re-solves load new "
        "parameter values (gains x U(0.9, 1.1)). Solver tolerances are the CVXPY defaults.",
        "",
        "| K | N | method | status (opt/inacc/fail) | median re-solve ms | max rel gap | max violation "
        "| max duality gap | re-solve / analytic |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    sizes = sorted({(r["size"]["K"], r["size"]["n_layers"]) for r in rows})
    for K, N in sizes:
        for method, solver in [("analytic", None)] + [("cvxpy", s) for s in SOLVERS]:
            group = [
                r
                for r in rows
                if r["size"]["K"] == K
                and r["size"]["n_layers"] == N
                and r["method"] == method
                and r["solver"] == solver
            ]
            if not group:
                continue
            opt = sum(r["solver_status"] in (None, "optimal") and r["status"] == "optimal" for r in group)
            inacc = sum(r["status"] == "feasible" for r in group)
            fail = len(group) - opt - inacc
            res = [r["time_resolve_s"] for r in group if r["time_resolve_s"] == r["time_resolve_s"]]
            gaps = [r["rel_gap"] for r in group if r["rel_gap"] is not None]
            viol = [r["max_violation"] for r in group if r["max_violation"] is not None]
            dgap = [abs(r["duality_gap"]) for r in group if r["duality_gap"] is not None]
            speed = [r["speedup_resolve"] for r in group if r["speedup_resolve"] is not None]
            label = "analytic" if solver is None else f"cvxpy/{solver}"
            median_ms = 1e3 * statistics.median(res) if res else None
            lines.append(
                f"| {K} | {N} | {label} | {opt}/{inacc}/{fail} | {_fmt(median_ms, '.2f')} "
                f"| {_fmt(max(gaps) if gaps else None)} | {_fmt(max(viol) if viol else None)} "
                f"| {_fmt(max(dgap) if dgap else None)} | {_fmt(statistics.median(speed) if speed else None, '.2f')} |"
            )
    return "\n".join(lines) + "\n"
