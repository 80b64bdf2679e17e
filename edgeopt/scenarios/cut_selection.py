"""Deprecated: moved to :mod:`edgeopt.problems.cut_selection.scenarios`; this alias goes in the next release."""

from __future__ import annotations

import warnings
from typing import Any

from edgeopt.problems.cut_selection import scenarios as _moved_to

warnings.warn(
    "edgeopt.scenarios.cut_selection moved to edgeopt.problems.cut_selection.scenarios (the old path goes in 0.2)",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    return getattr(_moved_to, name)
