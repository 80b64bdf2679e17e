"""Serial, ``workers=2`` and a ``LocalCluster`` the test starts give the same results, bit for bit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sweep_frames import assert_same

import edgeopt as eo
from edgeopt.sweeps import sweep
from edgeopt.sweeps.execute import WORKER_ENV

distributed = pytest.importorskip("dask.distributed")

# 300 fog points in 3 chunks of the batched default method; random node gains per replicate.
FOG = {
    "problem": "fog",
    "scenario": "kilcioglu2021-fig7",
    "methods": ["analytic"],
    "replicates": 6,
    "seed": 3,
    "chunk_size": 100,
    "grid": {"tau": {"start": 0.45, "stop": 1.5, "num": 10}, "d_x": [128.0, 256.0, 384.0, 512.0, 640.0]},
    "random": {"gain_frd": {"distribution": "loguniform", "low": 1e-8, "high": 1e-6}},
}
# 300 ISCC points: the default method and a baseline on 150 (grid point, replicate) instances with random gains.
ISCC = {
    "problem": "iscc",
    "scenario": "latency",
    "methods": ["analytic", "typical_iscc"],
    "replicates": 3,
    "seed": 11,
    "chunk_size": 25,
    "grid": {"T_max": {"start": 0.55, "stop": 1.5, "num": 10}, "R_t": [0.75, 0.8, 0.85, 0.9, 0.93]},
    "random": {"gain": {"distribution": "lognormal", "mean": -4.6, "sigma": 1.0}},
}


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A two-worker LocalCluster of single-threaded processes, started by the test (one per module)."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", env=WORKER_ENV
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.mark.parametrize("spec", [FOG, ISCC], ids=["fog", "iscc"])
def test_serial_workers_and_cluster_agree_bit_for_bit(spec: dict[str, Any], client: Any, tmp_path: Path) -> None:
    serial = sweep(spec, tmp_path / "serial", progress=False)
    local = sweep(spec, tmp_path / "workers", workers=2, progress=False)
    cluster = sweep(spec, tmp_path / "cluster", client=client, progress=False)
    assert len(serial) == 300
    assert_same(serial, local)
    assert_same(serial, cluster)
    # Not trivially equal: the instances differ and were solved (a constant frame would also compare equal).
    assert serial["objective"].nunique() > 100
    assert (serial["status"] == ("optimal" if spec["problem"] == "fog" else "feasible")).mean() > 0.5


def test_the_sweep_matches_one_solve_per_point(tmp_path: Path) -> None:
    """The rows hold what ``Problem.solve`` returns for the point's Params, built independently from the row."""
    df = sweep(FOG, tmp_path / "serial", progress=False).iloc[::37]
    base = eo.FogPartitioning.from_scenario("kilcioglu2021-fig7").params
    for _, row in df.iterrows():
        params = base.replace(tau=row["param.tau"], d_x=row["param.d_x"], gain_frd=row["param.gain_frd"])
        solution = eo.FogPartitioning(params).solve()
        assert row["status"] == solution.status.value
        if solution.has_point:
            assert row["objective"] == pytest.approx(solution.objective, rel=1e-9)
            np.testing.assert_allclose(row["x.t_loc"], solution.x["t_loc"].ravel(), rtol=1e-6, atol=1e-12)
        else:
            assert np.isnan(row["objective"])
