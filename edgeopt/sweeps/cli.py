"""The ``edgeopt sweep`` command: ``SWEEP.toml [--out DIR] [--workers N | --scheduler ADDRESS] [--no-progress]``.

``edgeopt/cli.py`` adds it with :func:`add_parser` and runs it with
:func:`main`; ``python -m edgeopt.sweeps`` runs it alone (:func:`run`).
Without ``--out`` the parts go to ``SWEEP.parquet/`` beside ``SWEEP.toml``
(the file's name with ``.parquet`` for ``.toml``; ``pandas.read_parquet``
reads that directory directly). Running the same command again resumes a
killed sweep.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from edgeopt.core.errors import EdgeOptError
from edgeopt.sweeps.run import sweep


def default_out(spec: str | Path) -> Path:
    """The output directory of a sweep file without ``--out``: ``SWEEP.parquet`` beside ``SWEEP.toml``."""
    return Path(spec).with_suffix(".parquet")


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the sweep command's arguments to ``parser``."""
    parser.add_argument("spec", metavar="SWEEP.toml", help="the sweep file (problem, scenario, methods, [grid], ...)")
    parser.add_argument(
        "--out", default=None, help="directory of Parquet parts (default: SWEEP.parquet beside SWEEP.toml)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="run on a local Dask cluster of N worker processes")
    where.add_argument("--scheduler", default=None, help="run on the Dask scheduler at this address (tcp://HOST:PORT)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sweep`` to the ``edgeopt`` command's subparsers; returns its parser."""
    parser = subparsers.add_parser(
        "sweep",
        help="run a resumable parameter sweep (serial, local workers or a Dask cluster)",
        description=__doc__.splitlines()[0],
    )
    return configure(parser)


def main(args: argparse.Namespace) -> int:
    """Run the parsed ``sweep`` command; print a summary. Returns the exit status (2 on an edgeopt error)."""
    out = Path(args.out) if args.out is not None else default_out(args.spec)
    try:
        if args.scheduler is not None:
            try:
                from dask.distributed import Client  # the "sweep" extra: only a cluster run needs it
            except ImportError as err:
                raise ImportError("--scheduler needs dask: pip install 'edgeopt[sweep]'") from err
            try:
                client = Client(args.scheduler)
            except (OSError, TimeoutError) as err:
                print(f"edgeopt: error: cannot reach the Dask scheduler {args.scheduler}: {err}", file=sys.stderr)
                return 2
            with client:
                table = sweep(args.spec, out, client=client, progress=not args.no_progress)
        else:
            table = sweep(args.spec, out, workers=args.workers, progress=not args.no_progress)
    except EdgeOptError as err:
        print(f"edgeopt: error: {err}", file=sys.stderr)
        return 2
    counts = table.groupby(["method", "status"], sort=False).size()
    print(f"{len(table)} points in {out}")
    for (method, status), n in counts.items():
        print(f"  {method:<20} {status:<11} {n}")
    return 0


def run(argv: list[str] | None = None) -> int:
    """``python -m edgeopt.sweeps ...``: the sweep command on its own."""
    parser = configure(argparse.ArgumentParser(prog="edgeopt sweep", description=__doc__.splitlines()[0]))
    return main(parser.parse_args(argv))
