"""``edgeopt.bench.compare.COLUMNS``, which every benchmark test reads, is the key column of shared/BENCH_SCHEMA.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edgeopt.bench.compare import COLUMNS

SCHEMA = Path(__file__).resolve().parents[1].parent / "shared" / "BENCH_SCHEMA.md"


@pytest.mark.skipif(not SCHEMA.exists(), reason="shared/BENCH_SCHEMA.md is not beside the repository")
def test_columns_are_the_schema_files_keys_in_order() -> None:
    keys = re.findall(r"^\| `([a-z_]+)` \|", SCHEMA.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert keys == list(COLUMNS)
