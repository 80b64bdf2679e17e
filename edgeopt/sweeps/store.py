"""A sweep's directory of Parquet parts: one part per chunk, written whole or not at all.

Layout of ``DIR``
-----------------
``_sweep.json``
    The sweep's spec (:meth:`~edgeopt.sweeps.spec.SweepSpec.to_dict`) and
    size. A run on a directory that holds another sweep's manifest is
    refused, so parts of two different sweeps never mix.
``part-<chunk index>-<hash of the chunk's keys>.parquet``
    One per finished chunk. Each is written to a hidden temporary name in
    ``DIR``, flushed to disk and then ``os.replace``-d to its final name (an
    atomic rename on one file system): a killed run leaves no partial part
    and no duplicate row, and the next run skips the chunks whose part
    exists. Leftover temporary files are removed when a run starts, so one
    directory takes one running sweep at a time.

``pandas.read_parquet(DIR)`` reads the parts directly (pyarrow skips names
that start with ``_`` or ``.``).

Columns
-------
``key``, ``instance_key``, ``index`` (point order), one ``param.<field>``
per ``[grid]`` and ``[random]`` field, ``method``, ``replicate``, ``seed``,
``status``, ``reason``, ``objective`` (NaN where the solution has no
point), ``iterations``, ``solve_time_s``, ``error`` (``"Type: message"`` of
an exception the solve raised, else null), and one ``x.<name>`` per entry
of the solutions' ``x``. Scalars are float64 (an integer grid field int64,
a bool or text field bool or string); arrays are ``list<float64>``
flattened in C order (reshape them with the instance's sizes). The types
of every column are fixed by the spec (``x`` entries by the problem's
``solution_shapes``: a declared 0-d entry is a float column, any other a
list column), so that parts concatenate; an entry only some methods return
appears as nulls in the other rows.

pyarrow is the ``sweep`` extra and is imported where it is used, so that
``import edgeopt`` works without it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.sweeps.points import Plan
from edgeopt.sweeps.spec import SweepSpecError, canonical_json

if TYPE_CHECKING:
    import pyarrow as pa

#: Name of the manifest in a sweep directory.
MANIFEST = "_sweep.json"
#: Version of the directory layout, in the manifest.
LAYOUT_VERSION = 1
_TMP_PREFIX = ".tmp-"


def arrow() -> Any:
    """The ``pyarrow`` module, or an ImportError that says how to install it."""
    try:
        import pyarrow  # the "sweep" extra: import edgeopt works without it
    except ImportError as err:
        raise ImportError("edgeopt.sweep needs pyarrow: pip install 'edgeopt[sweep]'") from err
    return pyarrow


# ---------------------------------------------------------------------------------------------- columns
def _list_array(values: Sequence[Any], pa: Any) -> Any:
    """``list<float64>`` of the flattened arrays in ``values`` (None -> null), built from one flat buffer."""
    flats = [None if v is None else np.asarray(v, dtype=np.float64).ravel() for v in values]
    lengths = np.fromiter((0 if f is None else f.size for f in flats), dtype=np.int32, count=len(flats))
    offsets = np.zeros(len(flats) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    present = [f for f in flats if f is not None]
    flat = np.concatenate(present) if present else np.zeros(0)
    mask = np.fromiter((f is None for f in flats), dtype=bool, count=len(flats))
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=pa.float64()), mask=pa.array(mask))


def _value_column(values: Sequence[Any], pa: Any) -> Any:
    """The Arrow column of a ``[grid]`` field's values: its type decided by all of them (see the module docstring)."""
    if all(isinstance(v, bool) for v in values):
        return pa.array(values, type=pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.array(values, type=pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.array([float(v) for v in values], type=pa.float64())
    if all(isinstance(v, str) for v in values):
        return pa.array(values, type=pa.string())
    try:
        return _list_array([np.asarray(v, dtype=np.float64) for v in values], pa)
    except (TypeError, ValueError):  # a list of text or of ragged lists: keep its canonical JSON
        return pa.array([canonical_json(v) for v in values], type=pa.string())


def point_table(plan: Plan) -> Any:
    """The columns a row has before it is solved (key, index, parameters, method, replicate, seed), all points."""
    pa = arrow()
    spec = plan.spec
    grid_point = plan.instance // spec.replicates
    columns: dict[str, Any] = {
        "key": pa.array(plan.key, type=pa.string()),
        "instance_key": pa.array(plan.instance_key, type=pa.string()),
        "index": pa.array(np.arange(len(plan), dtype=np.int64)),
    }
    for f, (name, _) in enumerate(spec.grid):
        per_grid_point = _value_column([v[f] for v in plan.grid_values], pa)
        columns[f"param.{name}"] = per_grid_point.take(pa.array(grid_point))
    for name, _ in spec.random:
        drawn = [d[name] for d in plan.draws]
        column = (
            pa.array(drawn, type=pa.float64()) if all(isinstance(v, float) for v in drawn) else _list_array(drawn, pa)
        )
        columns[f"param.{name}"] = column.take(pa.array(plan.instance))
    columns["method"] = pa.array(plan.method, type=pa.string())
    columns["replicate"] = pa.array(plan.replicate)
    columns["seed"] = pa.array(plan.seed)
    return pa.table(columns)


def x_columns(plan: Plan) -> dict[str, bool]:
    """The ``x`` entries of the problem's ``solution_shapes`` for the scenario: name -> whether it is a scalar."""
    spec = plan.spec
    cls = spec.problem_class
    shapes = cls(plan.params[0]).solution_shapes() if len(plan) else {}
    return {name: tuple(shape) == () for name, shape in shapes.items()}


def result_columns(
    solutions: Sequence[Solution],
    errors: Sequence[str | None],
    scalars: dict[str, bool],
) -> dict[str, Any]:
    """The solved columns of a chunk's rows (status to ``x.*``), one pass over its solutions per column."""
    pa = arrow()
    n = len(solutions)
    has_point = [s.has_point for s in solutions]
    columns: dict[str, Any] = {
        "status": pa.array([s.status.value for s in solutions], type=pa.string()),
        "reason": pa.array([s.reason for s in solutions], type=pa.string()),
        "objective": pa.array(
            np.fromiter(
                (float(s.objective) if ok else math.nan for s, ok in zip(solutions, has_point, strict=True)),
                dtype=np.float64,
                count=n,
            )
        ),
        "iterations": pa.array(np.fromiter((int(s.iterations) for s in solutions), dtype=np.int64, count=n)),
        "solve_time_s": pa.array(np.fromiter((float(s.solve_time_s) for s in solutions), dtype=np.float64, count=n)),
        "error": pa.array(list(errors), type=pa.string()),
    }
    names = dict.fromkeys(scalars)
    for s in solutions:  # entries a method returns beyond the declared ones (a baseline's extras)
        names.update(dict.fromkeys(s.x))
    for name in names:
        values = [s.x.get(name) if ok else None for s, ok in zip(solutions, has_point, strict=True)]
        if scalars.get(name, False):
            flat = np.fromiter(
                (math.nan if v is None else float(np.asarray(v).reshape(())) for v in values), dtype=np.float64, count=n
            )
            columns[f"x.{name}"] = pa.array(flat, mask=~np.asarray(has_point, dtype=bool))
        else:
            columns[f"x.{name}"] = _list_array(values, pa)
    return columns


# ---------------------------------------------------------------------------------------------- the directory
def manifest(plan: Plan) -> dict[str, Any]:
    """What ``_sweep.json`` holds: the layout version, the spec and the sweep's size."""
    return {
        "edgeopt_sweep": LAYOUT_VERSION,
        "spec": plan.spec.to_dict(),
        "points": len(plan),
        "chunks": len(plan.chunks),
    }


def prepare(directory: Path, plan: Plan) -> None:
    """Create ``directory`` (or check it holds this sweep), write the manifest, remove leftover temporary files.

    Raises
    ------
    SweepSpecError
        When ``directory`` is a file, holds another sweep's manifest, or is a
        non-empty directory without one.

    """
    wanted = manifest(plan)
    if directory.exists() and not directory.is_dir():
        raise SweepSpecError(f"sweep output {str(directory)!r} is a file, not a directory")
    path = directory / MANIFEST
    if path.exists():
        try:
            found = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise SweepSpecError(f"{str(path)!r} is not a readable sweep manifest: {err}") from err
        if found != wanted:
            raise SweepSpecError(f"{str(directory)!r} holds another sweep ({_difference(found, wanted)}); " + _ADVICE)
    elif directory.exists() and any(p.name != MANIFEST for p in directory.iterdir()):
        raise SweepSpecError(f"{str(directory)!r} is not empty and holds no sweep manifest; " + _ADVICE)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, (json.dumps(wanted, indent=1, sort_keys=True) + "\n").encode())
    for leftover in directory.glob(f"{_TMP_PREFIX}*"):  # a killed run's unfinished part
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


_ADVICE = "give another output directory, or delete this one to start again"


def _difference(found: Any, wanted: dict[str, Any]) -> str:
    """The first key where two manifests differ, for the error message."""
    if not isinstance(found, dict):
        return "an unreadable manifest"
    for key in wanted:
        a, b = found.get(key), wanted[key]
        if a != b:
            if isinstance(a, dict) and isinstance(b, dict):
                inner = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
                return f"{key}.{inner[0]} is {a.get(inner[0])!r} there, {b.get(inner[0])!r} here"
            return f"{key} is {a!r} there, {b!r} here"
    return "an extra entry in its manifest"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.parent / f"{_TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def part_path(directory: Path, name: str) -> Path:
    """The path of part ``name``."""
    return directory / f"{name}.parquet"


def finished(directory: Path, names: Sequence[str]) -> set[str]:
    """The names among ``names`` whose part exists in ``directory``."""
    return {name for name in names if part_path(directory, name).is_file()}


def write_part(directory: Path, name: str, table: pa.Table) -> Path:
    """Write ``table`` as part ``name``: to a temporary file, flushed, then renamed (never a partial part)."""
    pq = _parquet()
    path = part_path(directory, name)
    tmp = directory / f"{_TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
    try:
        with tmp.open("wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def read_parts(directory: Path, names: Sequence[str]) -> pa.Table:
    """The parts ``names`` as one table in point order; every part must exist."""
    pa, pq = arrow(), _parquet()
    tables = [pq.read_table(part_path(directory, name)) for name in names]
    if not tables:
        return pa.table({})
    table = pa.concat_tables(tables, promote_options="default")  # a column only some parts have: nulls elsewhere
    return table.sort_by("index")


def finished_keys(directory: Path) -> set[str]:
    """The keys of every row of every part in ``directory`` (for a user inspecting a directory)."""
    pq = _parquet()
    keys: set[str] = set()
    for path in sorted(directory.glob("part-*.parquet")):
        keys.update(pq.read_table(path, columns=["key"]).column("key").to_pylist())
    return keys


def _parquet() -> Any:
    arrow()  # the install hint, where pyarrow is missing
    import pyarrow.parquet  # the "sweep" extra, as above

    return pyarrow.parquet
