"""Command line: ``edgeopt list | solve PROBLEM SCENARIO | bench PROBLEM | reproduce | sweep SWEEP.toml``.

Every list here comes from ``edgeopt.PROBLEMS`` and the problems' own method
tables and scenario files, so a new problem appears without touching this file.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from edgeopt.bench import benchmark, benchmarks
from edgeopt.core.errors import EdgeOptError
from edgeopt.core.solution import Solution
from edgeopt.problems.registry import PROBLEMS

try:  # `edgeopt sweep` needs the "sweep" extra (pandas, pyarrow); every other command works without it
    from edgeopt.sweeps import cli as sweeps_cli
except ImportError as missing:  # pragma: no cover - the test environment installs every extra
    sweeps_cli = None  # type: ignore[assignment]
    _SWEEP_MISSING = str(missing)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``edgeopt`` command."""
    parser = argparse.ArgumentParser(prog="edgeopt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print every problem with its methods and named scenarios")
    solve = sub.add_parser("solve", help="solve a named scenario of a problem and print the result")
    solve.add_argument("problem", help=f"one of {', '.join(PROBLEMS)}")
    solve.add_argument("scenario", nargs="?", help="a scenario name (see `edgeopt list`)")
    solve.add_argument("--method", default=None, help="a registered method (default: the problem's default)")
    solve.add_argument("--json", action="store_true", help="print the solution as one JSON object")
    solve.add_argument("--no-progress", action="store_true", help="no progress bar on long solves")
    bench = sub.add_parser("bench", help="run a problem's benchmark")
    bench.add_argument("problem", choices=benchmarks())
    bench.add_argument("--json", action="store_true", help="print the rows as one JSON array")
    bench.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    bench.add_argument("-n", type=int, default=None, help="fuzz only: wide valid instances per problem")
    bench.add_argument("--no-progress", action="store_true", help="no progress bars")
    reproduce = sub.add_parser(
        "reproduce", help="run every benchmark and paper reproduction, write report.md with its figures and tables"
    )
    reproduce.add_argument("--quick", action="store_true", help="every part on fewer instances (under 3 min)")
    reproduce.add_argument(
        "--out",
        default=None,
        help="report directory (default benchmarks/results, benchmarks/results/quick with --quick)",
    )
    reproduce.add_argument("--no-progress", action="store_true", help="no progress bars")
    if sweeps_cli is not None:
        sweeps_cli.add_parser(sub)
    else:  # pragma: no cover
        sub.add_parser("sweep", help="(needs: pip install 'edgeopt[sweep]')").add_argument("rest", nargs="*")
    args = parser.parse_args(argv)
    try:
        if args.command == "sweep":
            if sweeps_cli is None:  # pragma: no cover
                print(f"edgeopt: error: sweep needs pip install 'edgeopt[sweep]' ({_SWEEP_MISSING})", file=sys.stderr)
                return 2
            return sweeps_cli.main(args)
        if args.command == "reproduce":
            return _reproduce(args.out, args.quick, not args.no_progress)
        if args.command == "list":
            print(_listing())
            return 0
        if args.command == "solve":
            return _solve(args.problem, args.scenario, args.method, args.json, not args.no_progress)
        options = {"n": args.n} if args.n is not None else {}
        return _bench(args.problem, args.quick, args.json, not args.no_progress, **options)
    except EdgeOptError as err:
        print(f"edgeopt: error: {err}", file=sys.stderr)
        return 2


def _listing() -> str:
    lines = []
    for name, cls in PROBLEMS.items():
        methods = cls.method_names()
        batched = sorted(cls.BATCH_METHODS)
        lines.append(f"{name} ({cls.__name__})")
        lines.append(f"  methods:   {methods[0]} (default), {', '.join(methods[1:])}")
        if batched:
            lines.append(f"  batched:   {', '.join(batched)}")
        lines.append(f"  scenarios: {', '.join(cls.scenarios()) or '-'}")
    return "\n".join(lines)


def _solve(problem: str, scenario: str | None, method: str | None, as_json: bool, progress: bool = True) -> int:
    if problem not in PROBLEMS:
        fog = PROBLEMS["fog"]
        if scenario is None and problem in fog.scenarios():
            # The 0.1 form `edgeopt solve SCENARIO` knew only fog scenarios.
            warnings.warn(
                f"`edgeopt solve {problem}` is now `edgeopt solve fog {problem}`", DeprecationWarning, stacklevel=2
            )
            problem, scenario = "fog", problem
        else:
            print(f"edgeopt: error: unknown problem {problem!r}; available: {', '.join(PROBLEMS)}", file=sys.stderr)
            return 2
    cls = PROBLEMS[problem]
    if scenario is None:
        print(f"edgeopt: error: name a scenario of {problem}: {', '.join(cls.scenarios())}", file=sys.stderr)
        return 2
    accepted = cls.method_options(method)
    # Long methods take ``progress``: on by default here, off by default in the API.
    options = {"progress": progress} if accepted is None or "progress" in accepted else {}
    sol = cls.from_scenario(scenario).solve(method, **options)
    if as_json:
        json.dump(_solution_json(problem, scenario, sol), sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"{problem} {scenario}: {sol!r}")
    if sol.reason:
        print("reason:", sol.reason)
    for key, value in sol.x.items():
        arr = np.asarray(value)
        rounded = arr.round(6) if arr.dtype.kind == "f" else arr  # bool and int arrays print as they are
        shown = rounded.tolist() if arr.size <= 12 else f"array of shape {arr.shape}"
        print(f"  {key} = {shown}")
    return 0


def _bench(problem: str, quick: bool, as_json: bool, progress: bool = True, **options: Any) -> int:
    runner = benchmark(problem)
    if options and problem != "fuzz":
        print("edgeopt: error: -n applies to `edgeopt bench fuzz` only", file=sys.stderr)
        return 2
    takes = inspect.signature(runner).parameters
    if "progress" in takes:
        options["progress"] = progress
    if as_json:
        # Native solvers (HiGHS prints a banner from C++) write to file descriptor 1; send
        # that to stderr while the benchmark runs so that stdout holds only the JSON array.
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
        try:
            rows, report = runner(quick=quick, **options)
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
    else:
        rows, report = runner(quick=quick, **options)
        print(report)
    return 0


def _reproduce(out: str | None, quick: bool, progress: bool) -> int:
    # The report needs matplotlib and pandas (extra "bench"): imported only for this command.
    from edgeopt.reproduce.report import build

    path = build(None if out is None else Path(out), quick=quick, progress=progress)
    print(f"edgeopt reproduce: wrote {path} and {path.with_suffix('.html')}")
    return 0


def _solution_json(problem: str, scenario: str, sol: Solution) -> dict[str, Any]:
    return {
        "problem": problem,
        "scenario": scenario,
        "method": sol.method,
        "status": sol.status.value,
        "objective": sol.objective if math.isfinite(sol.objective) else None,
        "iterations": sol.iterations,
        "solve_time_s": sol.solve_time_s,
        "reason": sol.reason,
        "x": {k: _plain(v) for k, v in sol.x.items()},
        "extras": {k: v for k, v in ((k, _plain(v)) for k, v in sol.extras.items()) if v is not _SKIP},
    }


_SKIP = object()


def _plain(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (non-finite floats as None); ``_SKIP`` for what JSON cannot hold."""
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if isinstance(value, int | np.integer):
            return int(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.ndarray | list | tuple):
        arr = np.asarray(value)
        if arr.dtype.kind in "biuf":
            flat = [None if isinstance(v, float) and not math.isfinite(v) else v for v in arr.reshape(-1).tolist()]
            return np.array(flat, dtype=object).reshape(arr.shape).tolist()
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return _SKIP


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
