"""Command line: ``edgeopt bench {fog,cut_selection,iscc} [--json] [--quick]`` and ``edgeopt solve SCENARIO``."""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``edgeopt`` command."""
    parser = argparse.ArgumentParser(prog="edgeopt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="run a problem's benchmark")
    bench.add_argument("problem", choices=["fog", "cut_selection", "iscc"])
    bench.add_argument("--json", action="store_true", help="print the rows as one JSON array")
    bench.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    solve = sub.add_parser("solve", help="solve a named fog scenario and print the result")
    solve.add_argument("scenario")
    solve.add_argument("--method", default=None)
    args = parser.parse_args(argv)
    if args.command == "bench":
        from edgeopt.bench import cut_selection, fog, iscc

        runner = {"fog": fog.run, "cut_selection": cut_selection.run, "iscc": iscc.run}[args.problem]
        if args.json:
            # Native solvers (HiGHS prints a banner from C++) write to file descriptor 1; send
            # that to stderr while the benchmark runs so that stdout holds only the JSON array.
            sys.stdout.flush()
            saved = os.dup(1)
            os.dup2(2, 1)
            try:
                rows, report = runner(quick=args.quick)
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
        else:
            rows, report = runner(quick=args.quick)
        if args.json:
            json.dump(rows, sys.stdout)
            sys.stdout.write("\n")
        else:
            print(report)
        return 0
    import edgeopt as eo

    prob = eo.FogPartitioning.from_scenario(args.scenario)
    sol = prob.solve(args.method)
    print(f"status {sol.status.value}  objective {sol.objective:.6e} J  time {sol.solve_time_s * 1e3:.2f} ms")
    if sol.has_point:
        print("rows", sol.x["rows"].round(2).tolist())
    else:
        print("reason:", sol.reason)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
