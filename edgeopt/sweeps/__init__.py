"""Resumable parameter sweeps: ``edgeopt.sweep(spec)`` and ``edgeopt sweep SWEEP.toml``.

A sweep file names a problem, a scenario (the base parameters), methods, a
full-factorial ``[grid]`` over Params fields and optional ``[random]``
fields drawn per replicate (:mod:`edgeopt.sweeps.spec`). Every point gets a
stable key and seed (:mod:`edgeopt.sweeps.points`); chunks of points are
solved through a batched method where the problem has one
(:mod:`edgeopt.sweeps.execute`), serially or on Dask, and each chunk is
written as one Parquet part the moment it finishes, so that a killed sweep
resumes where it stopped (:mod:`edgeopt.sweeps.store`).
"""

from __future__ import annotations

from edgeopt.sweeps.run import sweep
from edgeopt.sweeps.spec import Distribution, SweepSpec, SweepSpecError, load_spec

__all__ = ["Distribution", "SweepSpec", "SweepSpecError", "load_spec", "sweep"]
