"""The sweep file: a TOML table (or a dict of the same content) read into a frozen :class:`SweepSpec`.

.. code-block:: toml

    problem = "iscc"                 # a name from edgeopt.PROBLEMS
    scenario = "latency"             # a named scenario: the base parameters
    methods = ["analytic", "alternating"]
    replicates = 1                   # seeded random draws per grid point
    seed = 0
    chunk_size = 50                  # optional: points per chunk (default below)
    [grid]                           # full factorial over Params fields
    T_max = [0.4, 0.6, 0.8]
    R_t = { start = 0.80, stop = 0.95, num = 4 }        # numpy.linspace
    bandwidth = { start = 1e4, stop = 1e6, num = 3, log = true }   # numpy.geomspace
    [random]                         # optional: fields drawn per replicate
    gain = { distribution = "exponential", scale = 1e-2 }

Every check that needs no solve happens here, before anything runs: the
problem, the scenario, the methods, the field names, the shape of each grid
entry and distribution. The values themselves are checked by the problem's
own Params validation when :func:`edgeopt.sweeps.points.build_plan` builds
every point's Params up front; a bad value is reported there with its point.

Distributions of ``[random]`` (numpy's ``Generator`` methods and argument
names): ``exponential(scale)``, ``uniform(low, high)``,
``loguniform(low, high)`` (``10 ** uniform(log10 low, log10 high)``, as the
problems' wide-range generators draw), ``normal(loc = 0, scale)`` and
``lognormal(mean = 0, sigma)``. A random field takes the shape of the
scenario's value of that field: a scalar field gets one draw, an array
field one draw per entry.

Every error is a :class:`SweepSpecError` (an
:class:`~edgeopt.core.errors.InvalidParameterError`, hence an
``EdgeOptError`` and a ``ValueError``) whose message names the bad key.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import numbers
import os
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import Problem
from edgeopt.problems.registry import PROBLEMS


class SweepSpecError(InvalidParameterError):
    """An invalid sweep file or dict; the message names the key, the value and what is allowed."""


#: Top-level keys of a sweep file.
KEYS = ("problem", "scenario", "methods", "replicates", "seed", "chunk_size", "grid", "random")

#: Points per chunk when the file sets none: a batched method amortises its call over many instances;
#: a per-point method needs chunks small enough that a killed sweep loses little and two workers share the load.
DEFAULT_CHUNK_BATCHED = 500
DEFAULT_CHUNK_SINGLE = 50

#: Distribution name -> (required arguments, optional arguments with their defaults).
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "exponential": (("scale",), {}),
    "uniform": (("low", "high"), {}),
    "loguniform": (("low", "high"), {}),
    "normal": (("scale",), {"loc": 0.0}),
    "lognormal": (("sigma",), {"mean": 0.0}),
}

#: Keys of a ``{start, stop, num}`` grid entry (``log`` optional).
RANGE_KEYS = ("start", "stop", "num", "log")


def _real(where: str, value: Any) -> float:
    """``value`` as a finite float; bools and strings are rejected (no coercion, as in Params validation)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise SweepSpecError(f"{where} must be a finite real number, got {value!r}")
    return float(value)


def _integer(where: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise SweepSpecError(f"{where} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _suggest(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Distribution:
    """One ``[random]`` entry: a numpy ``Generator`` distribution and its arguments.

    Attributes
    ----------
    name : str
        A key of :data:`DISTRIBUTIONS`.
    args : tuple of (str, float)
        Its arguments, every optional one filled in, in the order of :data:`DISTRIBUTIONS`.

    """

    name: str
    args: tuple[tuple[str, float], ...]

    @classmethod
    def parse(cls, where: str, entry: Any) -> Distribution:
        """Read ``{distribution = NAME, ARG = value, ...}``; ``where`` names the entry in errors."""
        if not isinstance(entry, Mapping):
            raise SweepSpecError(
                f'{where} must be a table such as {{ distribution = "exponential", scale = 1e-2 }}, got {entry!r}'
            )
        name = entry.get("distribution")
        if name not in DISTRIBUTIONS:
            raise SweepSpecError(
                f"{where}: unknown distribution {name!r}{_suggest(str(name), list(DISTRIBUTIONS))}; "
                f"available: {', '.join(DISTRIBUTIONS)}"
            )
        required, optional = DISTRIBUTIONS[name]
        allowed = ("distribution", *required, *optional)
        for key in entry:
            if key not in allowed:
                raise SweepSpecError(f"{where}: {name} takes {', '.join(allowed[1:])}; got an unknown key {key!r}")
        for key in required:
            if key not in entry:
                raise SweepSpecError(f"{where}: {name} needs {key!r}")
        values = {key: _real(f"{where}.{key}", entry[key]) for key in required}
        values.update({key: _real(f"{where}.{key}", entry.get(key, default)) for key, default in optional.items()})
        for key in ("scale", "sigma"):
            if key in values and values[key] <= 0:
                raise SweepSpecError(f"{where}.{key} must be > 0, got {values[key]!r}")
        if "low" in values and not values["low"] < values["high"]:
            raise SweepSpecError(f"{where}: low must be < high, got low={values['low']!r}, high={values['high']!r}")
        if name == "loguniform" and values["low"] <= 0:
            raise SweepSpecError(f"{where}.low must be > 0 for loguniform, got {values['low']!r}")
        return cls(name, tuple((key, values[key]) for key in (*required, *optional)))

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> float | np.ndarray:
        """One draw of ``shape`` (a Python float for ``()``) from ``rng``."""
        a = dict(self.args)
        size = shape or None
        if self.name == "exponential":
            value = rng.exponential(a["scale"], size)
        elif self.name == "uniform":
            value = rng.uniform(a["low"], a["high"], size)
        elif self.name == "loguniform":
            value = 10 ** rng.uniform(math.log10(a["low"]), math.log10(a["high"]), size)
        elif self.name == "normal":
            value = rng.normal(a["loc"], a["scale"], size)
        else:
            value = rng.lognormal(a["mean"], a["sigma"], size)
        return float(value) if size is None else np.asarray(value, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """The entry as in a sweep file."""
        return {"distribution": self.name, **dict(self.args)}


def _plain(value: Any) -> Any:
    """A grid value as plain JSON-able Python (lists for arrays): the form keys are hashed from."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, shortest round-trip floats): the text keys are hashed from."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _grid_values(where: str, entry: Any) -> tuple[Any, ...]:
    """A grid entry (a non-empty list, or ``{start, stop, num[, log]}``) as a tuple of plain values."""
    if isinstance(entry, Mapping):
        for key in entry:
            if key not in RANGE_KEYS:
                raise SweepSpecError(f"{where}: a range takes {', '.join(RANGE_KEYS)}; got an unknown key {key!r}")
        for key in ("start", "stop", "num"):
            if key not in entry:
                raise SweepSpecError(f"{where}: a range needs {key!r} (as in {{ start = 0.8, stop = 0.95, num = 4 }})")
        start, stop = _real(f"{where}.start", entry["start"]), _real(f"{where}.stop", entry["stop"])
        num = _integer(f"{where}.num", entry["num"], 1)
        log = entry.get("log", False)
        if not isinstance(log, bool):
            raise SweepSpecError(f"{where}.log must be true or false, got {log!r}")
        if log and (start <= 0 or stop <= 0):
            raise SweepSpecError(f"{where}: a log range needs start > 0 and stop > 0, got {start!r} and {stop!r}")
        values = np.geomspace(start, stop, num) if log else np.linspace(start, stop, num)
        out: tuple[Any, ...] = tuple(float(v) for v in values)
    elif isinstance(entry, list | tuple):
        if not entry:
            raise SweepSpecError(f"{where} is empty: give at least one value")
        out = tuple(_plain(v) for v in entry)
        for v in out:
            _check_value(where, v)
    else:
        raise SweepSpecError(
            f"{where} must be a list of values or a range {{ start, stop, num }}, got {entry!r} "
            f"(a single value: write it as a one-element list)"
        )
    seen: set[str] = set()
    for v in out:
        text = canonical_json(v)
        if text in seen:
            raise SweepSpecError(f"{where} lists the value {v!r} twice: every grid point must be distinct")
        seen.add(text)
    return out


def _check_value(where: str, value: Any) -> None:
    """A grid value is a number, bool, string or a (nested) list of those: what TOML holds."""
    if isinstance(value, list):
        for v in value:
            _check_value(where, v)
    elif isinstance(value, float) and not math.isfinite(value):
        raise SweepSpecError(f"{where} holds {value!r}: grid values must be finite")
    elif value is not None and not isinstance(value, bool | int | float | str):
        raise SweepSpecError(f"{where} holds {value!r} ({type(value).__name__}): not a TOML value")


def params_fields(cls: type[Problem]) -> tuple[str, ...]:
    """The init fields of ``cls.PARAMS``, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(cls.PARAMS) if f.init)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: what to solve, over which grid, with which random draws.

    Build one with :func:`load_spec` (from a TOML path or a dict); the
    constructor validates everything that needs no solve.

    Attributes
    ----------
    problem : str
        A key of ``edgeopt.PROBLEMS``.
    scenario : str
        A named scenario of that problem: the base parameters every point changes.
    methods : tuple of str
        Registered methods (deprecated names are replaced by the new ones, with a warning).
    replicates : int
        Random draws per grid point (``>= 1``).
    seed : int
        Root of every point's seed (``>= 0``).
    grid : tuple of (str, tuple)
        Params field -> its values, in file order; the full factorial is swept.
    random : tuple of (str, Distribution)
        Params field -> its distribution, drawn per (grid point, replicate).
    chunk_size : int or None
        Points per chunk; None for :data:`DEFAULT_CHUNK_BATCHED` (a method of
        the problem's ``BATCH_METHODS``) or :data:`DEFAULT_CHUNK_SINGLE`.
    source : str or None
        The TOML file it was read from (not part of the sweep's identity).

    """

    problem: str
    scenario: str
    methods: tuple[str, ...]
    replicates: int = 1
    seed: int = 0
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    random: tuple[tuple[str, Distribution], ...] = ()
    chunk_size: int | None = None
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.problem, str) or self.problem not in PROBLEMS:
            raise SweepSpecError(
                f"unknown problem {self.problem!r}{_suggest(str(self.problem), list(PROBLEMS))}; "
                f"available: {', '.join(PROBLEMS)}"
            )
        cls = PROBLEMS[self.problem]
        scenarios = cls.scenarios()
        if not isinstance(self.scenario, str) or self.scenario not in scenarios:
            raise SweepSpecError(
                f"unknown {self.problem} scenario {self.scenario!r}{_suggest(str(self.scenario), scenarios)}; "
                f"available: {', '.join(scenarios) or 'none'}"
            )
        object.__setattr__(self, "methods", _methods(cls, self.methods))
        object.__setattr__(self, "replicates", _integer("replicates", self.replicates, 1))
        object.__setattr__(self, "seed", _integer("seed", self.seed, 0))
        if self.chunk_size is not None:
            object.__setattr__(self, "chunk_size", _integer("chunk_size", self.chunk_size, 1))
        # A spec built directly (not through from_dict) may hold tables and raw entries: normalise them the same way.
        grid = self.grid.items() if isinstance(self.grid, Mapping) else self.grid
        object.__setattr__(self, "grid", tuple((name, _grid_values(f"grid.{name}", v)) for name, v in grid))
        random = self.random.items() if isinstance(self.random, Mapping) else self.random
        object.__setattr__(
            self,
            "random",
            tuple((n, d if isinstance(d, Distribution) else Distribution.parse(f"random.{n}", d)) for n, d in random),
        )
        fields = params_fields(cls)
        for table, names in (("grid", [k for k, _ in self.grid]), ("random", [k for k, _ in self.random])):
            for name in names:
                if name not in fields:
                    raise SweepSpecError(
                        f"{table} field {name!r} is not a {cls.PARAMS.__name__} field{_suggest(name, fields)}; "
                        f"fields: {', '.join(fields)}"
                    )
            if len(set(names)) != len(names):
                raise SweepSpecError(f"a {table} field is listed twice: {names}")
        both = sorted({k for k, _ in self.grid} & {k for k, _ in self.random})
        if both:
            raise SweepSpecError(f"field(s) {both} are in both [grid] and [random]: give each field one role")

    @property
    def problem_class(self) -> type[Problem]:
        """The :class:`~edgeopt.core.problem.Problem` subclass."""
        return PROBLEMS[self.problem]

    def chunk_size_for(self, method: str) -> int:
        """Points per chunk of ``method``."""
        if self.chunk_size is not None:
            return self.chunk_size
        return DEFAULT_CHUNK_BATCHED if method in self.problem_class.BATCH_METHODS else DEFAULT_CHUNK_SINGLE

    def to_dict(self) -> dict[str, Any]:
        """The sweep as plain JSON-able data (the content of a sweep file, chunk sizes resolved)."""
        return {
            "problem": self.problem,
            "scenario": self.scenario,
            "methods": list(self.methods),
            "replicates": self.replicates,
            "seed": self.seed,
            "chunk_size": {m: self.chunk_size_for(m) for m in self.methods},
            "grid": {name: [_plain(v) for v in values] for name, values in self.grid},
            "random": {name: dist.to_dict() for name, dist in self.random},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> SweepSpec:
        """Read the content of a sweep file (see the module docstring)."""
        if not isinstance(data, Mapping):
            raise SweepSpecError(f"a sweep spec is a table (dict), got {type(data).__name__}")
        for key in data:
            if key not in KEYS:
                raise SweepSpecError(
                    f"unknown key {key!r} in the sweep spec{_suggest(str(key), KEYS)}; allowed: {', '.join(KEYS)}"
                )
        for key in ("problem", "scenario"):
            if key not in data:
                raise SweepSpecError(f"the sweep spec needs {key!r}")
        problem = data["problem"]
        methods = data.get("methods")
        if methods is None and isinstance(problem, str) and problem in PROBLEMS:
            methods = [PROBLEMS[problem].DEFAULT_METHOD]
        grid = data.get("grid", {})
        random = data.get("random", {})
        for key, table in (("grid", grid), ("random", random)):
            if not isinstance(table, Mapping):
                raise SweepSpecError(f"{key} must be a table of field = entry, got {table!r}")
        return cls(
            problem=problem,
            scenario=data["scenario"],
            methods=methods,  # type: ignore[arg-type]  # checked and made a tuple by __post_init__
            replicates=data.get("replicates", 1),
            seed=data.get("seed", 0),
            grid=tuple(grid.items()),
            random=tuple(random.items()),
            chunk_size=data.get("chunk_size"),
            source=source,
        )

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> SweepSpec:
        """Read a sweep file."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise SweepSpecError(f"sweep file {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as err:
            raise SweepSpecError(f"sweep file {str(path)!r} is not valid TOML: {err}") from err
        return cls.from_dict(data, source=str(path))


def _methods(cls: type[Problem], methods: Any) -> tuple[str, ...]:
    """``methods`` checked against the problem's method table; deprecated names replaced by the new ones."""
    if isinstance(methods, str) or not isinstance(methods, Sequence) or not methods:
        raise SweepSpecError(f"methods must be a non-empty list of method names, got {methods!r}")
    out = []
    names = cls.method_names()
    for name in methods:
        if name in cls.DEPRECATED_METHODS:
            new = cls.DEPRECATED_METHODS[name]
            warnings.warn(f"method {name!r} of {cls.__name__} is now called {new!r}", DeprecationWarning, stacklevel=4)
            name = new
        if not isinstance(name, str) or name not in cls.METHODS:
            raise SweepSpecError(
                f"unknown method {name!r} for {cls.__name__}{_suggest(str(name), names)}; available: {', '.join(names)}"
            )
        out.append(name)
    if len(set(out)) != len(out):
        raise SweepSpecError(f"a method is listed twice: {out}")
    return tuple(out)


def load_spec(spec: SweepSpec | Mapping[str, Any] | str | os.PathLike[str]) -> SweepSpec:
    """A :class:`SweepSpec` from a spec, a dict of a sweep file's content, or the path of a TOML file."""
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, Mapping):
        return SweepSpec.from_dict(spec)
    if isinstance(spec, str | os.PathLike):
        return SweepSpec.from_toml(spec)
    raise SweepSpecError(f"spec must be a SweepSpec, a dict or the path of a TOML file, got {type(spec).__name__}")
