""":func:`sweep`: run a sweep file serially, on local worker processes or on a Dask cluster; resume it after a kill."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from edgeopt.core.errors import InvalidParameterError
from edgeopt.sweeps.execute import Task, local_client, make_tasks, run_dask, run_serial
from edgeopt.sweeps.points import build_plan
from edgeopt.sweeps.spec import SweepSpec, SweepSpecError, load_spec
from edgeopt.sweeps.store import finished, point_table, prepare, read_parts, write_part


def sweep(
    spec: SweepSpec | Mapping[str, Any] | str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    client: Any = None,
    workers: int | None = None,
    progress: bool = True,
    chunk_size: int | None = None,
) -> Any:
    """Solve every point of a sweep and return one row per point, in point order.

    Parameters
    ----------
    spec : SweepSpec, dict or path
        A :class:`~edgeopt.sweeps.spec.SweepSpec`, a dict with a sweep file's
        content, or the path of a TOML sweep file (format in
        :mod:`edgeopt.sweeps.spec`).
    out : path, optional
        The directory of Parquet parts (layout in :mod:`edgeopt.sweeps.store`).
        A run on a directory that holds part of the same sweep resumes it:
        finished chunks are skipped. Without it the sweep runs in a
        temporary directory, removed afterwards (nothing to resume).
    client : dask.distributed.Client, optional
        Run the chunks on this client's cluster.
    workers : int, optional
        Run the chunks on a ``LocalCluster`` of this many single-threaded
        worker processes, started and closed here. Without ``client`` and
        ``workers`` the sweep runs serially in this process.
    progress : bool
        Show a tqdm bar of points done, with the resumed ones as ``skipped``.
    chunk_size : int, optional
        Points per chunk, replacing the file's ``chunk_size``. It is part of
        the sweep's identity: resume with the same value.

    Returns
    -------
    pandas.DataFrame
        One row per point, sorted by ``index``; the columns are listed in
        :mod:`edgeopt.sweeps.store`.

    Raises
    ------
    SweepSpecError
        Before anything runs or is written, for any invalid entry of the
        spec (the message names it), an invalid value at some point (named
        with the point), or an output directory holding another sweep.

    Examples
    --------
    >>> import edgeopt as eo
    >>> df = eo.sweep(
    ...     {"problem": "fog", "scenario": "kilcioglu2021-fig7", "methods": ["analytic"],
    ...      "grid": {"tau": [0.4, 0.6]}},
    ...     progress=False,
    ... )
    >>> df[["param.tau", "method", "status"]].to_dict("list")
    {'param.tau': [0.4, 0.6], 'method': ['analytic', 'analytic'], 'status': ['optimal', 'optimal']}

    """
    spec = load_spec(spec)
    if chunk_size is not None:
        spec = dataclasses.replace(spec, chunk_size=chunk_size)
    if client is not None and workers is not None:
        raise SweepSpecError("give client or workers, not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SweepSpecError(f"workers must be an integer >= 1, got {workers!r}")
    plan = build_plan(spec)  # every Params built and checked: nothing has run yet
    points = point_table(plan)
    with _directory(out) as directory:
        prepare(directory, plan)
        done = finished(directory, [c.name for c in plan.chunks])
        todo = [c for c in plan.chunks if c.name not in done]
        skipped = len(plan) - sum(len(c) for c in todo)
        bar = tqdm(
            total=len(plan),
            initial=skipped,
            desc=f"sweep {spec.problem}",
            unit="pt",
            disable=not progress,
            dynamic_ncols=True,
        )
        bar.set_postfix(skipped=skipped, refresh=False)

        def write(task: Task, table: Any) -> None:
            write_part(directory, task.name, table)
            bar.update(len(task))

        try:
            if todo:
                tasks = make_tasks(plan, points, todo)
                if client is not None:
                    run_dask(client, tasks, write)
                elif workers is not None:
                    with local_client(workers) as local:
                        run_dask(local, tasks, write)
                else:
                    run_serial(tasks, write)
        finally:
            bar.close()
        table = read_parts(directory, [c.name for c in plan.chunks])
    if table.num_rows != len(plan) or len(set(table.column("key").to_pylist())) != len(plan):
        raise InvalidParameterError(  # the parts are this sweep's by name and manifest: this would be a bug
            f"the sweep directory holds {table.num_rows} rows for {len(plan)} points"
        )
    return table.to_pandas()


@contextlib.contextmanager
def _directory(out: str | os.PathLike[str] | None) -> Iterator[Path]:
    if out is not None:
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="edgeopt-sweep-") as tmp:
        yield Path(tmp) / "parts"
