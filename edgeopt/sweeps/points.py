"""The points of a sweep, their keys and seeds, every point's Params, and the fixed chunks.

Points
------
A point is (grid values, method, replicate). The point list has a fixed
order: the grid's full factorial (``itertools.product`` over the ``[grid]``
fields in file order, the last field fastest), then the methods in file
order, then the replicates; a point's ``index`` is its position in it.

Keys and seeds
--------------
``key`` is a short hash (the first 16 hex digits of SHA-256) of the
canonical JSON (sorted keys, shortest round-trip floats) of ``{"grid":
{field: value}, "method": m, "replicate": r}``; ``instance_key`` the same
without the method. Both are stable: they depend on the values, not on
their position in the file, on the executor or on resuming.

Each point's ``seed`` is drawn by ``numpy.random.SeedSequence([seed,
int(instance_key, 16)])`` (63 bits), and its ``[random]`` fields are drawn,
in the order of their names, from ``numpy.random.default_rng(seed)``: the
row's ``seed`` reproduces the draw. The issue asks for "its own seed
derived from seed and the key"; we derive it from the *instance* key
deliberately, so that every method of one (grid point, replicate) solves
the same random instance, and methods are compared on common draws.

Params
------
:func:`build_plan` builds every instance's Params up front, through the
problem's own validation (``dataclasses.replace`` of the scenario's
Params), so that a bad value is rejected before anything runs, with its
point named. Without ``[random]`` fields the replicates of a grid point
share one Params object.

Chunks
------
Chunks are the unit of work and of writing: each method's points, in point
order, are cut into runs of ``spec.chunk_size_for(method)`` points. A chunk
is one task and one Parquet part named by its index and a hash of its keys.
The composition depends only on the spec, never on the executor or on what
a previous run finished, so results are bit-identical however they are run,
even where a batched method's answer depended on its batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgeopt.sweeps.spec import SweepSpec, SweepSpecError, canonical_json

#: Hex digits of SHA-256 kept in a key (64 bits: a collision is unlikely below about 10^9 points).
KEY_DIGITS = 16
#: Hex digits of the chunk's key hash in its part name.
CHUNK_DIGITS = 12


def short_hash(text: str, digits: int = KEY_DIGITS) -> str:
    """The first ``digits`` hex digits of the SHA-256 of ``text``."""
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def point_seed(seed: int, instance_key: str) -> int:
    """The seed of an instance: 63 bits of ``SeedSequence([seed, int(instance_key, 16)])`` (fits an int64 column)."""
    state = np.random.SeedSequence([seed, int(instance_key, 16)]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


@dataclass(frozen=True)
class Chunk:
    """A fixed run of one method's points: one task, one Parquet part.

    Attributes
    ----------
    index : int
        Position in :attr:`Plan.chunks`.
    method : str
        The method of every point of the chunk.
    points : numpy.ndarray
        Indices of its points in the point order.
    name : str
        Its part's name, ``part-<index>-<hash of its keys>``.

    """

    index: int
    method: str
    points: np.ndarray
    name: str

    def __len__(self) -> int:
        return int(self.points.size)


@dataclass(frozen=True)
class Plan:
    """Every point of a sweep, ready to run (see the module docstring).

    Per-point attributes are sequences in point order; per-instance ones
    are indexed by ``instance`` (``grid_point * replicates + replicate``).

    Attributes
    ----------
    spec : SweepSpec
        The sweep.
    key, instance_key, method : list of str
        Per point.
    replicate, seed, instance : numpy.ndarray of int64
        Per point.
    grid_values : list of tuple
        Per grid point, the values of the ``[grid]`` fields in file order.
    draws : list of dict
        Per instance, the ``[random]`` values drawn (empty without ``[random]``).
    params : list
        Per instance, the Params it is solved with.
    chunks : tuple of Chunk
        The chunks, in order.

    """

    spec: SweepSpec
    key: list[str]
    instance_key: list[str]
    method: list[str]
    replicate: np.ndarray
    seed: np.ndarray
    instance: np.ndarray
    grid_values: list[tuple[Any, ...]]
    draws: list[dict[str, Any]]
    params: list[Any]
    chunks: tuple[Chunk, ...]

    def __len__(self) -> int:
        return len(self.key)

    def grid_point(self, point: int) -> int:
        """The grid point of point ``point``."""
        return int(self.instance[point]) // self.spec.replicates

    def describe(self, point: int) -> str:
        """``T_max=0.4, R_t=0.8, replicate 0, method 'analytic'``: a point in words, for messages."""
        return _describe(self.spec, self.grid_values[self.grid_point(point)], int(self.replicate[point]))


def _describe(spec: SweepSpec, values: tuple[Any, ...], replicate: int) -> str:
    parts = [f"{name}={_short(v)}" for (name, _), v in zip(spec.grid, values, strict=True)]
    if spec.random or spec.replicates > 1:
        parts.append(f"replicate {replicate}")
    return ", ".join(parts) or "the scenario's own parameters"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_field_value(value: Any) -> Any:
    """A plain grid value as a Params field takes it: a numeric list becomes an array, other lists tuples."""
    if isinstance(value, list):
        arr = np.asarray(value)
        return arr if arr.dtype.kind in "iufb" else tuple(value)
    return value


def _grid_json(spec: SweepSpec) -> list[str]:
    """``canonical_json(grid)`` of every grid point, in product order, from each value's JSON made once."""
    fields = sorted(range(len(spec.grid)), key=lambda f: spec.grid[f][0])  # canonical JSON sorts the keys
    encoded = [[f"{json.dumps(name)}:{canonical_json(v)}" for v in values] for name, values in spec.grid]
    return [
        "{" + ",".join(encoded[f][index[f]] for f in fields) + "}"
        for index in itertools.product(*(range(len(values)) for _, values in spec.grid))
    ]


def build_plan(spec: SweepSpec) -> Plan:
    """Every point, key, seed, Params and chunk of ``spec``; every value checked by the problem's Params.

    Raises
    ------
    SweepSpecError
        Naming the point (its grid values and replicate) and the Params
        error, for the first instance whose Params the problem rejects.

    """
    cls = spec.problem_class
    try:
        base = cls.SCENARIOS.params(spec.scenario) if cls.SCENARIOS is not None else None
    except (ValueError, TypeError) as err:
        raise SweepSpecError(f"scenario {spec.scenario!r} of {spec.problem}: {err}") from err
    if base is None:
        raise SweepSpecError(f"{spec.problem} has no named scenarios to sweep from")
    names = [name for name, _ in spec.grid]
    grid_values = list(itertools.product(*(values for _, values in spec.grid)))
    random_fields = sorted(spec.random, key=lambda item: item[0])  # drawn by name: the file's order is no input
    shapes = {name: np.shape(getattr(base, name)) for name, _ in random_fields}
    n_rep = spec.replicates
    grid_json = _grid_json(spec)

    instance_keys: list[str] = []
    seeds: list[int] = []
    draws: list[dict[str, Any]] = []
    params: list[Any] = []
    for g, values in enumerate(grid_values):
        fields = {name: _as_field_value(v) for name, v in zip(names, values, strict=True)}
        shared = None
        for r in range(n_rep):
            # canonical_json({"grid": grid, "replicate": r}), with the grid's JSON made once
            ikey = short_hash(f'{{"grid":{grid_json[g]},"replicate":{r}}}')
            seed = point_seed(spec.seed, ikey)
            drawn: dict[str, Any] = {}
            if random_fields:
                rng = np.random.default_rng(seed)
                drawn = {name: dist.draw(rng, shapes[name]) for name, dist in random_fields}
            if shared is None or drawn:
                try:
                    shared = dataclasses.replace(base, **fields, **drawn)
                except (ValueError, TypeError, ArithmeticError) as err:  # Params validation: InvalidParameterError
                    raise SweepSpecError(f"grid point {g} ({_describe(spec, values, r)}): {err}") from err
            instance_keys.append(ikey)
            seeds.append(seed)
            draws.append(drawn)
            params.append(shared)

    n_methods = len(spec.methods)
    n_points = len(grid_values) * n_methods * n_rep
    # Point order: grid point, then method, then replicate.
    g_idx, m_idx, r_idx = (a.ravel() for a in np.indices((len(grid_values), n_methods, n_rep)))
    instance = g_idx * n_rep + r_idx
    method_json = [json.dumps(m) for m in spec.methods]
    keys = [  # canonical_json({"grid": grid, "method": m, "replicate": r})
        short_hash(f'{{"grid":{grid_json[g]},"method":{method_json[m]},"replicate":{r}}}')
        for g, m, r in zip(g_idx.tolist(), m_idx.tolist(), r_idx.tolist(), strict=True)
    ]
    if len(set(keys)) != n_points:  # distinct grid values and methods make distinct keys; a collision is a bug
        raise SweepSpecError("two points of the sweep share a key (a hash collision); change the seed or the grid")

    chunks: list[Chunk] = []
    order = np.arange(n_points)
    for m, method in enumerate(spec.methods):
        members = order[m_idx == m]
        size = spec.chunk_size_for(method)
        for start in range(0, members.size, size):
            points = members[start : start + size]
            digest = short_hash("\n".join(keys[i] for i in points.tolist()), CHUNK_DIGITS)
            chunks.append(Chunk(len(chunks), method, points, f"part-{len(chunks):05d}-{digest}"))
    return Plan(
        spec=spec,
        key=keys,
        instance_key=[instance_keys[i] for i in instance.tolist()],
        method=[spec.methods[m] for m in m_idx.tolist()],
        replicate=r_idx.astype(np.int64),
        seed=np.asarray(seeds, dtype=np.int64)[instance],
        instance=instance.astype(np.int64),
        grid_values=grid_values,
        draws=draws,
        params=params,
        chunks=tuple(chunks),
    )
