"""The sweep file: an invalid entry is rejected before anything runs, naming it; keys, seeds and order as documented."""

from __future__ import annotations

import hashlib
import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.sweeps import SweepSpec, SweepSpecError, load_spec, sweep
from edgeopt.sweeps.points import build_plan

BASE: dict[str, Any] = {"problem": "iscc", "scenario": "latency", "methods": ["analytic"], "grid": {"T_max": [0.6]}}


def _with(**changes: Any) -> dict[str, Any]:
    spec = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return spec


# (spec, the text the message must contain); every case is a mistake a user makes in a sweep file.
INVALID = {
    "unknown problem": (_with(problem="isc"), "unknown problem 'isc' (did you mean 'iscc'?)"),
    "unknown scenario": (_with(scenario="latncy"), "unknown iscc scenario 'latncy' (did you mean 'latency'?)"),
    "unknown method": (
        _with(methods=["analitic"]),
        "unknown method 'analitic' for IsccProblem (did you mean 'analytic'",
    ),
    "method twice": (_with(methods=["analytic", "analytic"]), "a method is listed twice"),
    "methods not a list": (_with(methods="analytic"), "methods must be a non-empty list"),
    "unknown grid field": (
        _with(grid={"Tmax": [0.6]}),
        "grid field 'Tmax' is not a IsccParams field (did you mean 'T_max'",
    ),
    "unknown random field": (
        _with(random={"gian": {"distribution": "exponential", "scale": 1e-2}}),
        "random field 'gian' is not a IsccParams field (did you mean 'gain'",
    ),
    "field in grid and random": (
        _with(grid={"gain": [0.01]}, random={"gain": {"distribution": "exponential", "scale": 1e-2}}),
        "['gain'] are in both [grid] and [random]",
    ),
    "bad value": (_with(grid={"T_max": [0.6, -1.0]}), "grid point 1 (T_max=-1.0): T_max must be"),
    "bad value of an integer field": (
        _with(grid={"q_max": [8, 8.5]}),
        "grid point 1 (q_max=8.5): q_max must be an integer",
    ),
    "text for a number": (_with(grid={"R_t": ["0.8"]}), "grid point 0 (R_t='0.8'): R_t must be a real number"),
    "empty grid list": (_with(grid={"T_max": []}), "grid.T_max is empty"),
    "repeated grid value": (_with(grid={"T_max": [0.6, 0.6]}), "grid.T_max lists the value 0.6 twice"),
    "range without num": (_with(grid={"T_max": {"start": 0.6, "stop": 1.0}}), "grid.T_max: a range needs 'num'"),
    "range with a typo": (
        _with(grid={"T_max": {"start": 0.6, "stop": 1.0, "nun": 3}}),
        "grid.T_max: a range takes start, stop, num, log; got an unknown key 'nun'",
    ),
    "range of zero points": (_with(grid={"T_max": {"start": 0.6, "stop": 1.0, "num": 0}}), "grid.T_max.num must be"),
    "scalar grid entry": (_with(grid={"T_max": 0.6}), "grid.T_max must be a list of values or a range"),
    "unknown distribution": (
        _with(random={"gain": {"distribution": "exponentail", "scale": 1e-2}}),
        "random.gain: unknown distribution 'exponentail' (did you mean 'exponential'?)",
    ),
    "distribution without its argument": (
        _with(random={"gain": {"distribution": "exponential"}}),
        "random.gain: exponential needs 'scale'",
    ),
    "distribution with a wrong argument": (
        _with(random={"gain": {"distribution": "exponential", "mean": 1e-2}}),
        "random.gain: exponential takes scale; got an unknown key 'mean'",
    ),
    "negative scale": (
        _with(random={"gain": {"distribution": "normal", "scale": -1.0}}),
        "random.gain.scale must be > 0",
    ),
    "uniform low above high": (
        _with(random={"gain": {"distribution": "uniform", "low": 0.2, "high": 0.1}}),
        "random.gain: low must be < high",
    ),
    "drawn value out of range": (
        _with(random={"gain": {"distribution": "normal", "loc": -1.0, "scale": 1e-3}}),
        "grid point 0 (T_max=0.6, replicate 0): gain must be",
    ),
    "unknown top-level key": (
        _with(replicate=2),
        "unknown key 'replicate' in the sweep spec (did you mean 'replicates'?)",
    ),
    "no scenario": (_with(scenario=None), "the sweep spec needs 'scenario'"),
    "zero replicates": (_with(replicates=0), "replicates must be an integer >= 1, got 0"),
    "negative seed": (_with(seed=-1), "seed must be an integer >= 0, got -1"),
    "float seed": (_with(seed=1.5), "seed must be an integer >= 0, got 1.5"),
    "zero chunk size": (_with(chunk_size=0), "chunk_size must be an integer >= 1, got 0"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_spec_is_rejected_before_anything_runs(case: str, tmp_path: Path) -> None:
    spec, message = INVALID[case]
    out = tmp_path / "out"
    with pytest.raises(SweepSpecError) as info:
        sweep(spec, out, progress=False)
    assert message in str(info.value)
    assert isinstance(info.value, eo.EdgeOptError)
    assert not out.exists(), "nothing may be written for an invalid spec"


def test_errors_of_the_toml_file(tmp_path: Path) -> None:
    with pytest.raises(SweepSpecError, match="does not exist"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('problem = "iscc"\nscenario = \n')
    with pytest.raises(SweepSpecError, match="is not valid TOML"):
        load_spec(bad)


def test_a_directory_of_another_sweep_is_refused(tmp_path: Path) -> None:
    """Parts of two different sweeps never mix: the manifest of the first refuses the second."""
    spec = _with(methods=["typical_iscc"], grid={"T_max": [0.6, 0.8]})
    sweep(spec, tmp_path / "out", progress=False)
    parts = sorted(p.name for p in (tmp_path / "out").iterdir())
    other = _with(methods=["typical_iscc"], scenario="accuracy", grid={"T_max": [0.6, 0.8]})
    with pytest.raises(
        SweepSpecError, match="holds another sweep \\(spec.scenario is 'latency' there, 'accuracy' here"
    ):
        sweep(other, tmp_path / "out", progress=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == parts
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(SweepSpecError, match="is not empty and holds no sweep manifest"):
        sweep(spec, tmp_path / "full", progress=False)


def _key(payload: dict[str, Any]) -> str:
    """The documented key: 16 hex digits of SHA-256 of the canonical JSON."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_points_keys_seeds_and_draws_follow_the_documented_rules(tmp_path: Path) -> None:
    """Order grid x method x replicate; keys from the canonical JSON; seeds from SeedSequence; draws from the seed."""
    toml = tmp_path / "s.toml"
    toml.write_text(
        textwrap.dedent(
            """
            problem = "iscc"
            scenario = "latency"
            methods = ["typical_iscc", "no_pruning"]
            replicates = 2
            seed = 7
            [grid]
            T_max = { start = 0.6, stop = 1.0, num = 3 }
            q_max = [8, 16]
            [random]
            gain = { distribution = "exponential", scale = 1e-2 }
            """
        )
    )
    plan = build_plan(load_spec(toml))
    t_max = np.linspace(0.6, 1.0, 3)
    expected = list(itertools.product(t_max.tolist(), [8, 16], ["typical_iscc", "no_pruning"], [0, 1]))
    assert len(plan) == len(expected) == 24
    for i, (t, q, method, r) in enumerate(expected):
        grid = {"T_max": t, "q_max": q}
        assert plan.key[i] == _key({"grid": grid, "method": method, "replicate": r})
        assert plan.instance_key[i] == _key({"grid": grid, "replicate": r})
        assert plan.method[i] == method and plan.replicate[i] == r
        state = np.random.SeedSequence([7, int(plan.instance_key[i], 16)]).generate_state(1, np.uint64)[0]
        assert plan.seed[i] == int(state >> np.uint64(1))
        params = plan.params[plan.instance[i]]
        assert params.T_max == t and params.q_max == q
        assert params.gain == np.random.default_rng(int(plan.seed[i])).exponential(1e-2)
    # Every method of one (grid point, replicate) solves the same draw; replicates differ.
    assert plan.params[plan.instance[0]].gain == plan.params[plan.instance[2]].gain
    assert plan.params[plan.instance[0]].gain != plan.params[plan.instance[1]].gain
    # The same sweep with the grid written in another order has the same keys.
    flipped = build_plan(
        SweepSpec.from_dict(
            {
                "problem": "iscc",
                "scenario": "latency",
                "methods": ["typical_iscc", "no_pruning"],
                "replicates": 2,
                "seed": 7,
                "grid": {"q_max": [8, 16], "T_max": t_max.tolist()},
                "random": {"gain": {"distribution": "exponential", "scale": 1e-2}},
            }
        )
    )
    assert set(flipped.key) == set(plan.key)


def test_a_random_array_field_takes_the_scenario_shape() -> None:
    spec = load_spec(
        {
            "problem": "fog",
            "scenario": "kilcioglu2021-fig7",
            "methods": ["analytic"],
            "replicates": 3,
            "random": {"gain_link": {"distribution": "loguniform", "low": 1e-8, "high": 1e-6}},
        }
    )
    plan = build_plan(spec)
    base = eo.FogPartitioning.from_scenario("kilcioglu2021-fig7").params
    for i in range(3):
        drawn = plan.params[plan.instance[i]].gain_link
        assert drawn.shape == base.gain_link.shape == (base.K - 1, base.n_layers)
        rng = np.random.default_rng(int(plan.seed[i]))
        np.testing.assert_array_equal(drawn, 10 ** rng.uniform(-8.0, -6.0, base.gain_link.shape))


def test_chunks_are_fixed_by_the_spec() -> None:
    """Each method's points in order, cut into chunk_size runs; a batched method's default chunk is larger."""
    spec = load_spec(
        {
            "problem": "fog",
            "scenario": "kilcioglu2021-fig7",
            "methods": ["analytic", "no_opt_dist"],
            "grid": {"tau": {"start": 0.5, "stop": 1.0, "num": 120}},
        }
    )
    assert "analytic" in eo.FogPartitioning.BATCH_METHODS and "no_opt_dist" not in eo.FogPartitioning.BATCH_METHODS
    plan = build_plan(spec)
    sizes = [(c.method, len(c)) for c in plan.chunks]
    assert sizes == [("analytic", 120), ("no_opt_dist", 50), ("no_opt_dist", 50), ("no_opt_dist", 20)]
    np.testing.assert_array_equal(plan.chunks[0].points, np.arange(0, 240, 2))
    np.testing.assert_array_equal(plan.chunks[2].points, np.arange(101, 201, 2))
    assert len({c.name for c in plan.chunks}) == 4
    assert [c.name for c in build_plan(spec).chunks] == [c.name for c in plan.chunks]


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``edgeopt sweep SWEEP.toml`` writes SWEEP.parquet beside the file; an invalid file exits 2 naming the error."""
    from edgeopt.sweeps import cli

    toml = tmp_path / "small.toml"
    toml.write_text('problem = "iscc"\nscenario = "latency"\nmethods = ["typical_iscc"]\n[grid]\nT_max = [0.6, 0.8]\n')
    assert cli.run([str(toml), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert f"2 points in {tmp_path / 'small.parquet'}" in printed and "typical_iscc" in printed
    assert len(list((tmp_path / "small.parquet").glob("part-*.parquet"))) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('problem = "isc"\nscenario = "latency"\n')
    assert cli.run([str(bad), "--no-progress"]) == 2
    assert "edgeopt: error: unknown problem 'isc'" in capsys.readouterr().err
    assert not (tmp_path / "bad.parquet").exists()
    with pytest.raises(SystemExit):
        cli.run([str(toml), "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert cli.run([str(toml), "--workers", "0", "--out", str(tmp_path / "w0")]) == 2
    assert "workers must be an integer >= 1, got 0" in capsys.readouterr().err
