"""The papers' seed texts, and the check that a study's printed numbers are on the lines it cites."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def assert_numbers_printed(paper_numbers: dict[str, dict[str, Any]], seed_text: Path) -> list[str]:
    """Every value of a study's ``PAPER_NUMBERS`` appears (as ``f"{value:g}"``) on the seed lines it cites.

    Returns the seed text's lines, for further checks.
    """
    lines = seed_text.read_text(encoding="utf-8").splitlines()
    for key, entry in paper_numbers.items():
        first, last = entry["lines"]
        text = " ".join(lines[first - 1 : last])
        values = entry["value"] if isinstance(entry["value"], tuple) else (entry["value"],)
        for value in values:
            assert f"{value:g}" in text, (key, value, text)
    return lines
