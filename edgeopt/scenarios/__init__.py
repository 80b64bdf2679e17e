"""Deprecated: the scenarios moved into each problem's package (``edgeopt.problems.<name>.scenarios``).

``edgeopt.scenarios.fog_params`` / ``fog_scenarios`` and the submodules
``edgeopt.scenarios.cut_selection`` and ``edgeopt.scenarios.iscc`` keep working
for one release, with a ``DeprecationWarning``. Use
``FogPartitioning.from_scenario(name)`` / ``FogPartitioning.scenarios()``, or
``edgeopt.problems.fog.scenarios.params(name)`` / ``names()``.
"""

from __future__ import annotations

import warnings
from typing import Any

from edgeopt.problems.fog import scenarios as _fog
from edgeopt.problems.fog.model import FogParams


def _moved(old: str, new: str) -> None:
    warnings.warn(f"{old} moved to {new}; the old name goes in the next release", DeprecationWarning, stacklevel=3)


def fog_scenarios() -> list[str]:
    """Deprecated: use ``edgeopt.FogPartitioning.scenarios()``."""
    _moved("edgeopt.scenarios.fog_scenarios", "edgeopt.FogPartitioning.scenarios")
    return _fog.names()


def fog_params(name: str, **overrides: Any) -> FogParams:
    """Deprecated: use ``edgeopt.problems.fog.scenarios.params``."""
    _moved("edgeopt.scenarios.fog_params", "edgeopt.problems.fog.scenarios.params")
    return _fog.params(name, **overrides)


__all__ = ["fog_params", "fog_scenarios"]
