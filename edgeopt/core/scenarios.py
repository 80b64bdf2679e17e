"""Scenario files: the TOML beside each problem's ``scenarios.py``.

A scenario file holds named parameter sets, each with the reasons for its
values in comments. A ``[defaults]`` table, where present, is merged under
every named table and is not itself a scenario.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError


def load_toml(package: str, filename: str) -> dict[str, Any]:
    """Read ``filename`` shipped inside ``package`` (e.g. ``"edgeopt.problems.fog"``)."""
    with resources.files(package).joinpath(filename).open("rb") as fh:
        return tomllib.load(fh)


def scenario_names(data: dict[str, Any], *, skip: tuple[str, ...] = ("defaults",)) -> list[str]:
    """The named tables of a loaded scenario file, in file order, without ``skip``."""
    return [name for name, value in data.items() if isinstance(value, dict) and name not in skip]


def scenario_entry(data: dict[str, Any], name: str, problem: str, **overrides: Any) -> dict[str, Any]:
    """``defaults`` merged with table ``name`` and then ``overrides``.

    Raises
    ------
    InvalidParameterError
        If ``name`` is not a scenario of the file; the message lists them.

    """
    names = scenario_names(data)
    if name not in names:
        raise InvalidParameterError(f"unknown {problem} scenario {name!r}; available: {names}")
    return {**data.get("defaults", {}), **data[name], **overrides}


def log_uniform(rng: Any, low: float, high: float, size: int | tuple[int, ...] | None = None) -> Any:
    """Draws log-uniform on ``[low, high]`` (``10 ** U(log10 low, log10 high)``), as the wide generators use."""
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)
