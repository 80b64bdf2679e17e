"""Deprecated: the random-instance generators moved into each problem's ``scenarios`` module.

``random_fog_params`` is :func:`edgeopt.problems.fog.scenarios.random_params`;
``random_iscc_params`` and ``ISCC_RANGES`` are in :mod:`edgeopt.problems.iscc.scenarios`.
These aliases go in the next release.
"""

from __future__ import annotations

import warnings
from typing import Any

from edgeopt.problems.fog import scenarios as _fog
from edgeopt.problems.iscc import scenarios as _iscc

_MOVED = {
    "random_fog_params": (_fog, "random_params", "edgeopt.problems.fog.scenarios.random_params"),
    "random_iscc_params": (_iscc, "random_params", "edgeopt.problems.iscc.scenarios.random_params"),
    "ISCC_RANGES": (_iscc, "ISCC_RANGES", "edgeopt.problems.iscc.scenarios.ISCC_RANGES"),
}


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module 'edgeopt.bench.instances' has no attribute {name!r}")
    module, attribute, new = _MOVED[name]
    warnings.warn(f"edgeopt.bench.instances.{name} moved to {new}", DeprecationWarning, stacklevel=2)
    return getattr(module, attribute)
