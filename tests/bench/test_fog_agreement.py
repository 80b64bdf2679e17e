"""The fog agreement check (issue 15): its reference file resumes, and a disagreement is reported."""

from __future__ import annotations

from pathlib import Path

from edgeopt.bench import fog_agreement
from edgeopt.problems.fog.scenarios import random_params


def _items() -> list:
    return [(f"random-{i}", random_params(900 + i, 3, 2, "offload")) for i in range(2)] + [
        ("sweep-1-x2", random_params(910, 3, 2, "master"))
    ]


def test_reference_resumes_and_computes_only_missing_keys(tmp_path: Path) -> None:
    items = _items()
    path = tmp_path / "ref.csv"
    first = fog_agreement.nested_reference(items[:2], path, workers=1, progress=False)
    assert sorted(first) == ["random-0", "random-1"]
    stored = path.read_text()
    both = fog_agreement.nested_reference(items, path, workers=1, progress=False)
    assert sorted(both) == ["random-0", "random-1", "sweep-1-x2"]
    # The first two rows are kept as written, the third appended once.
    text = path.read_text()
    assert text.startswith(stored) and text.count("sweep-1-x2") == 1


def test_compare_flags_a_reference_that_disagrees(tmp_path: Path) -> None:
    items = _items()
    reference = fog_agreement.nested_reference(items, tmp_path / "ref.csv", workers=1, progress=False)
    summary = fog_agreement.compare(items, reference)
    assert summary["random"]["both_optimal"] == 2 and summary["random"]["within"]
    # Moving one stored optimum by 1e-6 must be caught by the 1e-9 threshold.
    moved = {k: dict(v) for k, v in reference.items()}
    moved["random-1"]["objective"] = repr(float(moved["random-1"]["objective"]) * (1 + 1e-6))
    bad = fog_agreement.compare(items, moved)["random"]
    assert not bad["within"] and bad["worst_key"] == "random-1"
    assert "NO" in fog_agreement.report({"random": bad}, moved)
