"""A sweep killed with SIGKILL resumes with exactly one row per point and the values of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sweep_frames import assert_same

from edgeopt.sweeps import execute, load_spec, sweep
from edgeopt.sweeps.points import build_plan

# 120 points in 30 chunks of 4, each chunk tens of milliseconds of ISCC solves: long enough to be killed in the middle.
SWEEP = """
problem = "iscc"
scenario = "latency"
methods = ["alternating"]
chunk_size = 4
[grid]
T_max = { start = 0.6, stop = 1.4, num = 40 }
R_t = [0.8, 0.85, 0.9]
"""
CHUNKS = 30
POINTS = 120


def _parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet"))


def test_sigkill_then_resume(tmp_path: Path) -> None:
    toml = tmp_path / "sweep.toml"
    toml.write_text(textwrap.dedent(SWEEP))
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edgeopt.sweeps", str(toml), "--out", str(out), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 600
    try:
        while not _parts(out):
            assert proc.poll() is None, f"the sweep ended before it was killed: {proc.stderr.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "no part written in 10 minutes"
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    written = _parts(out)
    assert 1 <= len(written) < CHUNKS, f"killed with {len(written)} of {CHUNKS} parts written: not halfway"
    (out / ".tmp-deadbeef-part-00001-000000000000.parquet").write_bytes(b"half a part")  # as a kill mid-write leaves

    resumed = sweep(toml, out, progress=False)
    whole = sweep(toml, tmp_path / "whole", progress=False)

    assert not list(out.glob(".tmp-*")), "the leftover temporary file must be removed"
    rows = [pq.read_table(p, columns=["key"]).column("key").to_pylist() for p in _parts(out)]
    keys = [k for part in rows for k in part]
    assert len(_parts(out)) == CHUNKS
    assert len(keys) == POINTS and len(set(keys)) == POINTS, "exactly one row per point"
    assert set(keys) == set(build_plan(load_spec(toml)).key)
    assert_same(resumed, whole)


def test_resume_solves_only_the_missing_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = {
        "problem": "iscc",
        "scenario": "latency",
        "methods": ["typical_iscc"],
        "grid": {"T_max": [0.6, 0.7, 0.8, 0.9, 1.0, 1.1]},
        "chunk_size": 2,
    }
    first = sweep(spec, tmp_path / "out", progress=False)
    parts = _parts(tmp_path / "out")
    assert len(parts) == 3
    kept = {p.name: p.stat().st_mtime_ns for p in parts[1:]}
    parts[0].unlink()

    solved: list[str] = []
    original = execute.run_task

    def counting(task: execute.Task) -> object:
        solved.append(task.name)
        return original(task)

    monkeypatch.setattr(execute, "run_task", counting)
    again = sweep(spec, tmp_path / "out", progress=True)
    assert solved == [parts[0].stem]
    assert {p.name: p.stat().st_mtime_ns for p in _parts(tmp_path / "out")[1:]} == kept
    assert "skipped=4" in capsys.readouterr().err
    assert_same(first, again)
