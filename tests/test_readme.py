"""The README's Python blocks run as written (the user-registered method among them), and old paths still work."""

import importlib
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import edgeopt as eo

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_the_register_method_block():
    assert any("register_method" in block and "eo.bench.compare" in block for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(block, capsys):
    namespace: dict = {}
    with warnings.catch_warnings():
        # The README shows only current paths: nothing in it may be deprecated.
        warnings.simplefilter("error", DeprecationWarning)
        exec(compile(block, "README.md", "exec"), namespace)
    if "register_method" in block:
        rows = namespace["rows"]
        assert list(rows["method"]) == ["analytic", "exhaustive", "cvxpy", "raw_upload"]
        assert set(rows["status"]) <= {"optimal", "feasible"}
        mine = rows[rows["method"] == "raw_upload"].iloc[0]
        # Sending the raw input is one of the cuts the optimum chooses from: never below it.
        assert mine["rel_gap"] >= 0.0
        assert rows[rows["method"] == "analytic"].iloc[0]["rel_gap"] == 0.0
        assert "raw_upload" in eo.CutSelection.METHODS
        del eo.CutSelection.METHODS["raw_upload"]  # leave the registry as the other tests expect it


def test_old_import_paths_warn_and_still_work():
    with pytest.warns(DeprecationWarning, match="edgeopt.problems.fog.scenarios.params"):
        from edgeopt.scenarios import fog_params

        p = fog_params("kilcioglu2021-fig4")
    _same(p, eo.FogPartitioning.from_scenario("kilcioglu2021-fig4").params)
    with pytest.warns(DeprecationWarning, match="random_fog_params moved"):
        from edgeopt.bench.instances import random_fog_params
    _same(random_fog_params(3, 4, 2), eo.FogPartitioning.SCENARIOS.random_params(3, 4, 2))
    for old in ("edgeopt.scenarios.cut_selection", "edgeopt.scenarios.iscc"):
        module = importlib.import_module(old)
        with pytest.warns(DeprecationWarning, match="moved to edgeopt.problems"):
            module = importlib.reload(module)
        assert callable(module.params)


def _same(a, b):
    left, right = a.as_dict(), b.as_dict()
    assert left.keys() == right.keys()
    for key in left:
        assert np.array_equal(left[key], right[key]), key
