"""Behaviour comparison across a refactor: capture every method's answers, then diff two captures.

Usage (run with the interpreter of the project's venv)::

    PYTHONPATH=/path/to/old/tree python benchmarks/compare_behaviour.py capture old.json [--quick]
    python benchmarks/compare_behaviour.py capture new.json [--quick]
    python benchmarks/compare_behaviour.py compare old.json new.json [--tol 1e-12] [--x-tol TOL]
    python benchmarks/compare_behaviour.py against REV OUT_DIR [--quick] [--reuse]

``capture`` solves, with whichever ``edgeopt`` is importable (its path and the
git commit of its tree are recorded), every registered method of every
problem on the instances below, and writes one record per (problem,
instance, method): status, objective (``Infinity`` allowed in the JSON) and a
few key values of ``x``. A method that raises is recorded with status
``"error"`` and the exception's type; the capture never stops on it.

``compare`` matches the records of two captures by key and prints, per
problem and method, the worst relative objective difference
``|a - b| / max(|a|, |b|, tiny)`` (equal infinities count 0) and the worst
relative difference of the recorded ``x`` values, every status change and
every key present on one side only. It exits with 1 if an objective differs
by more than ``--tol`` (1e-12), a status changed, a record of OLD is missing
from NEW (unless ``--allow-missing``; records only in NEW, such as new
methods, never fail), a capture had a section stop on an exception, or, with
``--x-tol``, an ``x`` value differs by more than that; with 2 if one capture
is ``--quick`` and the other is not.

``against REV OUT_DIR`` captures the tree of git revision ``REV`` (an existing
worktree checked out at ``REV``, else a read-only ``git archive`` export into
``OUT_DIR``, run through ``PYTHONPATH``) and the tree holding this script, then
compares them (exit 3 if a capture fails). ``--reuse`` keeps a capture of
``REV`` already in ``OUT_DIR``.

Instances (all seeded; ``--quick`` shrinks every list, for a smoke run only)
----------------------------------------------------------------------------
fog (``FogPartitioning``; methods ``analytic``, ``decomposition``, ``cvxpy``
(CLARABEL), ``no_opt_dist``, recorded under that name also where the old code
calls it ``NoOptDist``)
    * ``bench/random-SEED``: the fog benchmark's grid, ``K`` in 4, 10, 20, 50
      by ``n_layers`` in 2, 3, 4, two instances each, seed
      ``1000 K + 10 N + i``, regime ``"offload"``; every method, and
      ``cvxpy[ECOS]`` / ``cvxpy[SCS]`` where installed, as the benchmark runs
      (SCS for ``K <= 10`` only: up to 20 s a solve above).
    * ``bench/random-SEED/variant-J``: the benchmark's 100 perturbed variants
      of each (gains times U(0.9, 1.1)), through ``solve_batch`` in one call
      per instance, as the benchmark does.
    * ``bench/robustness-7/I``: the benchmark's robustness sample (2000
      instances, ``K`` 2-30, ``n_layers`` 1-5, both regimes) in one
      ``solve_batch`` call.
    * ``scenario/NAME``: the named scenarios, every method and ``round_rows``.
    * ``random/I``: 200 instances from the library's generator, ``K`` 2-20,
      ``n_layers`` 1-4, both regimes; ``analytic``, ``decomposition`` and
      ``no_opt_dist`` on all, ``cvxpy`` on the first 50 (speed);
      ``solve_batch`` on all 200 in one call; ``round_rows`` on the first 8
      with ``K <= 6`` (it takes seconds per instance).
iscc (``IsccProblem``; every method of ``prob.methods``)
    * ``scenario/NAME``: ``table2`` and the Table III rows; every method, and
      ``global[grid=120]``, the benchmark's reference setting.
    * ``bench/random-SEED``, seeds 0-99: the benchmark's random instances;
      every method and ``global[grid=120]``, but the default ``global``
      (grid 200, the slow one) on seeds 0-19 only.
    * ``random/SEED``, seeds 1000-1199: every method, ``global`` (the slow
      one) on the first 50 only.
    * ``lemma4/seed-4/I``: ``lemma4`` on the benchmark's 10,000 seeded arrays
      of (45) (objective: the energy; status: ``feasible`` or ``infeasible``;
      ``x``: ``p_c``, ``v_e``, ``mu1``), and ``lemma4_cvxpy`` on the first 200
      where it is found (status: CVXPY's).
cut_selection (``CutSelection``: ``analytic``, ``exhaustive``, ``cvxpy``)
    * ``bench/mnist-1M`` (all methods but ``cvxpy``), ``bench/mnist-10k`` and
      ``bench/mnist-10k-fresh`` (all methods): the benchmark's gains on the
      calibrated compressed MNIST CNN.
    * ``bench/trajectory-power``: the Fig. 4(a) walk with ``PowerControl``;
      every method, the per-cut ``power_control_cvxpy`` reference and the
      fixed 1 mW energies of the benchmark.
    * ``random/I``: 200 instances written here from
      ``CutSelectionParams.from_profile`` (zoo chain profiles, 1-200 seeded
      gains, random link, half of them with ``PowerControl``); every method.
dag_split (``DagSplit``: ``flow``, ``exhaustive``)
    * ``random/I``: 200 instances: even ``I`` a zoo profile (ResNet-18/34,
      MobileNet, VGG-16, ...) through ``DagSplitParams.from_profile`` with
      per-layer costs scaled by seeded positive factors (``exhaustive``
      refuses more than 20 layers: a ``failed`` record), odd ``I`` a random
      DAG of 2-12 layers as in the tests.
compression (``L1Logistic``: ``fista``, ``cvxpy``)
    * ``random/I``: 200 seeded multinomial logistic instances, 20-60 samples,
      3-8 features, 2-4 classes, ``mu`` in 0.9-0.9999; both methods.
    * ``digits/train-150``: the first 150 training images of ``DigitsData``.

The full capture takes 5.5-7.5 minutes (measured on a shared 2-core machine; per section in ``meta.sections``).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

TOL = 1e-12
TINY = 1e-300
RENAMED_METHODS = {"NoOptDist": "no_opt_dist"}
REPO = Path(__file__).resolve().parents[1]


# -- adapter: the new location first, then the old one ------------------------------------------------------------


def _resolve(candidates: Iterable[tuple[str, str]], required: bool = True) -> Any:
    """The first attribute ``name`` of module ``module`` that imports, from ``(module, name)`` pairs."""
    tried = []
    for module, name in candidates:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            tried.append(f"{module} (no module)")
            continue
        if hasattr(mod, name):
            return getattr(mod, name)
        tried.append(f"{module}.{name} (no attribute)")
    if required:
        raise LookupError("none of: " + ", ".join(tried))
    return None


class Api:
    """The names the capture needs, resolved once in the imported tree."""

    def __init__(self) -> None:
        import edgeopt

        self.eo = edgeopt
        self.zoo = importlib.import_module("edgeopt.models.zoo")
        self.energy = importlib.import_module("edgeopt.models.energy")
        self.compression = importlib.import_module("edgeopt.problems.compression")
        self.fog_random = _resolve(
            [("edgeopt.problems.fog.scenarios", "random_params"), ("edgeopt.bench.instances", "random_fog_params")]
        )
        self.fog_scenarios = _resolve(
            [
                ("edgeopt.problems.fog.scenarios", "names"),
                ("edgeopt.problems.fog.scenarios", "scenarios"),
                ("edgeopt.scenarios", "fog_scenarios"),
            ]
        )
        self.iscc_random = _resolve(
            [("edgeopt.problems.iscc.scenarios", "random_params"), ("edgeopt.bench.instances", "random_iscc_params")]
        )
        self.iscc_params = _resolve(
            [("edgeopt.problems.iscc.scenarios", "params"), ("edgeopt.scenarios.iscc", "params")]
        )
        self.iscc_scenarios = _resolve(
            [("edgeopt.problems.iscc.scenarios", "scenarios"), ("edgeopt.scenarios.iscc", "scenarios")]
        )
        self.lemma4 = _resolve([("edgeopt.problems.iscc.lemma4", "lemma4"), ("edgeopt.solvers.iscc", "lemma4")])
        self.lemma4_cvxpy = _resolve(
            [
                ("edgeopt.problems.iscc.reference", "lemma4_cvxpy"),
                ("edgeopt.problems.iscc.lemma4", "lemma4_cvxpy"),
                ("edgeopt.solvers.iscc", "lemma4_cvxpy"),
            ],
            required=False,
        )
        self.cut_scenario = _module(["edgeopt.problems.cut_selection.scenarios", "edgeopt.scenarios.cut_selection"])
        self.power_control_cvxpy = _resolve(
            [
                ("edgeopt.problems.cut_selection.reference", "power_control_cvxpy"),
                ("edgeopt.problems.cut_selection_cvxpy", "power_control_cvxpy"),
            ],
            required=False,
        )

    def resolved(self) -> dict[str, str]:
        """Where every adapted name came from (recorded in the capture's metadata)."""
        out = {}
        for attr, value in vars(self).items():
            if attr == "eo" or value is None:
                out[attr] = "edgeopt" if attr == "eo" else "not found"
            else:
                out[attr] = getattr(value, "__name__", "") if isinstance(value, type(sys)) else _origin(value)
        return out


def _origin(value: Any) -> str:
    return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__name__)}"


def _module(names: list[str]) -> Any:
    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise LookupError("none of the modules " + ", ".join(names))


def _methods(problem: Any) -> list[tuple[str, str]]:
    """``(registered name, recorded name)`` of a problem's methods, each recorded name once."""
    out: dict[str, str] = {}
    for name in problem.methods:
        canonical = RENAMED_METHODS.get(name, name)
        if canonical not in out or name == canonical:
            out[canonical] = name
    return [(registered, canonical) for canonical, registered in out.items()]


# -- records ------------------------------------------------------------------------------------------------------


def _floats(value: Any) -> float | list[float]:
    arr = np.asarray(value, dtype=float)
    return float(arr) if arr.ndim == 0 else [float(v) for v in arr.reshape(-1)]


class Recorder:
    """Collects records keyed ``problem/instance/method`` and times the sections of the capture."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, float] = {}

    def add(
        self,
        problem: str,
        instance: str,
        method: str,
        status: str,
        objective: float,
        x: dict[str, Any] | None = None,
        **info: Any,
    ) -> None:
        """Store one record; ``x`` values become floats or flat lists of floats."""
        key = f"{problem}/{instance}/{method}"
        if key in self.records:
            raise RuntimeError(f"duplicate record {key}")
        self.records[key] = {
            "problem": problem,
            "instance": instance,
            "method": method,
            "status": status,
            "objective": float(objective),
            "x": {k: _floats(v) for k, v in (x or {}).items()},
            **info,
        }

    def solve(
        self,
        problem: str,
        instance: str,
        method: str,
        run: Callable[[], Any],
        keys: Callable[[Any], dict[str, Any]],
        **info: Any,
    ) -> Any:
        """Run ``run()`` (a solve returning a ``Solution``) and record it; an exception becomes status ``error``."""
        start = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.simplefilter("ignore", DeprecationWarning)
                sol = run()
        except Exception as exc:  # noqa: BLE001 - recorded, never fatal
            self.add(problem, instance, method, "error", math.nan, error=f"{type(exc).__name__}: {exc}"[:300], **info)
            return None
        elapsed = time.perf_counter() - start
        info["time_s"] = elapsed
        info["warnings"] = sorted({f"{w.category.__name__}: {str(w.message)[:80]}" for w in caught})
        try:
            x = keys(sol) if sol.has_point else {}
        except Exception as exc:  # noqa: BLE001 - an x field renamed or gone: shown by compare as an x difference
            x, info["x_error"] = {}, f"{type(exc).__name__}: {exc}"[:300]
        self.add(problem, instance, method, sol.status.value, sol.objective, x, **info)
        return sol

    def section(self, name: str, start: float) -> None:
        """Record the wall time of a section that began at ``start`` and print it."""
        self.sections[name] = time.perf_counter() - start
        count = sum(1 for r in self.records.values() if r["problem"] == name.split(":")[0])
        print(f"  {name}: {self.sections[name]:.1f} s ({count} records of the problem so far)", flush=True)


# -- fog ------------------------------------------------------------------------------------------------------------

FOG_BENCH_SIZES = [(k, n) for k in (4, 10, 20, 50) for n in (2, 3, 4)]
FOG_BENCH_QUICK = [(4, 2), (10, 3)]


def _fog_keys(sol: Any) -> dict[str, Any]:
    return {"rows": sol.x["rows"], "t_layer": sol.x["t_layer"]}


def _fog_perturbed(p: Any, rng: np.random.Generator) -> Any:
    """The fog benchmark's perturbation: gains times U(0.9, 1.1)."""
    return p.replace(
        gain_frd=p.gain_frd * rng.uniform(0.9, 1.1, p.K),
        gain_link=p.gain_link * rng.uniform(0.9, 1.1, p.gain_link.shape),
    )


def _fog_all_methods(rec: Recorder, api: Api, name: str, p: Any, cvxpy: bool = True, **info: Any) -> None:
    prob = api.eo.FogPartitioning(p)
    for registered, canonical in _methods(prob):
        if canonical == "cvxpy" and not cvxpy:
            continue
        rec.solve("fog", name, canonical, functools.partial(prob.solve, registered), _fog_keys, **info)


def _fog_batch(rec: Recorder, api: Api, names: list[str], params: list[Any]) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sols = api.eo.FogPartitioning.solve_batch(params)
    except Exception as exc:  # noqa: BLE001 - recorded, never fatal
        for name in names:
            rec.add("fog", name, "solve_batch", "error", math.nan, error=f"{type(exc).__name__}: {exc}"[:300])
        return
    for name, p, sol in zip(names, params, sols, strict=True):
        x = _fog_keys(sol) if sol.has_point else {}
        rec.add("fog", name, "solve_batch", sol.status.value, sol.objective, x, size=[p.K, p.n_layers])


def _fog_round(rec: Recorder, api: Api, name: str, p: Any) -> None:
    prob = api.eo.FogPartitioning(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = prob.solve()
    if not base.has_point:
        return
    rec.solve("fog", name, "round_rows", functools.partial(prob.round_rows, base), lambda s: {"rows": s.x["rows"]})


def capture_fog(rec: Recorder, api: Api, quick: bool) -> None:
    """Fog: the benchmark's grid, its batches and robustness sample, the named scenarios, 200 random instances."""
    import cvxpy as cp

    start = time.perf_counter()
    extra_solvers = [s for s in ("ECOS", "SCS") if s in cp.installed_solvers()]
    for K, N in FOG_BENCH_QUICK if quick else FOG_BENCH_SIZES:
        for i in range(2):
            seed = 1000 * K + 10 * N + i
            p = api.fog_random(seed, K, N, "offload")
            name = f"bench/random-{seed}"
            _fog_all_methods(rec, api, name, p, size=[K, N])
            prob = api.eo.FogPartitioning(p)
            for solver in extra_solvers:
                if solver == "SCS" and K > 10:
                    continue  # up to 20 s a solve on the large instances, and mostly failed
                run = functools.partial(prob.solve, "cvxpy", solver=solver)
                rec.solve("fog", name, f"cvxpy[{solver}]", run, _fog_keys, size=[K, N])
            rng = np.random.default_rng(seed)
            variants = [_fog_perturbed(p, rng) for _ in range(20 if quick else 100)]
            _fog_batch(rec, api, [f"{name}/variant-{j}" for j in range(len(variants))], variants)
    rec.section("fog: bench grid and its variants", start)

    start = time.perf_counter()
    rng = np.random.default_rng(7)
    sample = [
        api.fog_random(
            int(rng.integers(0, 2**32 - 1)),
            int(rng.integers(2, 31)),
            int(rng.integers(1, 6)),
            str(rng.choice(["offload", "master"])),
        )
        for _ in range(100 if quick else 2000)
    ]
    _fog_batch(rec, api, [f"bench/robustness-7/{i}" for i in range(len(sample))], sample)
    rec.section("fog: bench robustness sample", start)

    start = time.perf_counter()
    names = list(api.fog_scenarios())
    for name in names[:2] if quick else names:
        p = api.eo.FogPartitioning.from_scenario(name).params
        _fog_all_methods(rec, api, f"scenario/{name}", p, size=[p.K, p.n_layers])
        if not quick or p.K <= 10:
            _fog_round(rec, api, f"scenario/{name}", p)
    rec.section("fog: named scenarios", start)

    start = time.perf_counter()
    rng = np.random.default_rng(20251111)
    randoms = []
    for _ in range(20 if quick else 200):
        seed = int(rng.integers(0, 2**32 - 1))
        K, N = int(rng.integers(2, 21)), int(rng.integers(1, 5))
        regime = str(rng.choice(["offload", "master"]))
        randoms.append((seed, K, N, regime, api.fog_random(seed, K, N, regime)))
    rounded = 0
    for i, (seed, K, N, regime, p) in enumerate(randoms):
        info = {"size": [K, N], "regime": regime, "seed": seed}
        _fog_all_methods(rec, api, f"random/{i}", p, cvxpy=i < (10 if quick else 50), **info)
        if K <= 6 and rounded < (2 if quick else 8):
            _fog_round(rec, api, f"random/{i}", p)
            rounded += 1
    _fog_batch(rec, api, [f"random/{i}" for i in range(len(randoms))], [r[-1] for r in randoms])
    rec.section("fog: random instances", start)


# -- iscc -----------------------------------------------------------------------------------------------------------

ISCC_KEYS = ("split", "Q", "p", "P_s", "P_c", "v_e")


def _iscc_keys(sol: Any) -> dict[str, Any]:
    return {k: sol.x[k] for k in ISCC_KEYS if k in sol.x}


def _iscc_all(rec: Recorder, api: Api, name: str, p: Any, global_default: bool, bench_global: bool) -> None:
    prob = api.eo.IsccProblem(p)
    for registered, canonical in _methods(prob):
        if canonical == "global" and not global_default:
            continue
        rec.solve("iscc", name, canonical, functools.partial(prob.solve, registered), _iscc_keys)
    if bench_global:
        rec.solve("iscc", name, "global[grid=120]", functools.partial(prob.solve, "global", grid=120), _iscc_keys)


def lemma4_arrays(n: int, seed: int = 4) -> tuple[Any, ...]:
    """The ISCC benchmark's random instances of (45) (``edgeopt.bench.iscc.lemma4_instances``), restated."""
    rng = np.random.default_rng(seed)
    a1 = 10 ** rng.uniform(-4, -0.5, n) * (rng.random(n) > 0.05)
    a2 = 10 ** rng.uniform(3, 7, n) * (rng.random(n) > 0.05)
    gain = 10 ** rng.uniform(-3, 0, n)
    t2 = 10 ** rng.uniform(-1.5, 0, n)
    return a1, a2, 1e5, 1e-9, gain, 1e-21, t2, 8e6, 1.0


def _iscc_lemma4(rec: Recorder, api: Api, quick: bool) -> None:
    n = 10_000
    args = lemma4_arrays(n)
    try:
        res = api.lemma4(*args)
    except Exception as exc:  # noqa: BLE001 - recorded, never fatal
        rec.add("iscc", "lemma4/seed-4", "lemma4", "error", math.nan, error=f"{type(exc).__name__}: {exc}"[:300])
        return
    for i in range(200 if quick else n):
        status = "feasible" if bool(res.feasible[i]) else "infeasible"
        x = {"p_c": res.p_c[i], "v_e": res.v_e[i], "mu1": res.mu1[i]}
        rec.add("iscc", f"lemma4/seed-4/{i}", "lemma4", status, res.energy[i], x)
    if api.lemma4_cvxpy is None:
        print("  (no lemma4_cvxpy found: skipped)")
        return
    m = 20 if quick else 200
    a1, a2, bandwidth, noise_psd, gain, kappa, t2, v_max, p_max = args
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = api.lemma4_cvxpy(a1[:m], a2[:m], bandwidth, noise_psd, gain[:m], kappa, t2[:m], v_max, p_max)
    except Exception as exc:  # noqa: BLE001 - recorded, never fatal
        rec.add("iscc", "lemma4/seed-4", "lemma4_cvxpy", "error", math.nan, error=f"{type(exc).__name__}: {exc}"[:300])
        return
    for i in range(m):
        x = {"p_c": ref.p_c[i], "v_e": ref.v_e[i]}
        rec.add("iscc", f"lemma4/seed-4/{i}", "lemma4_cvxpy", str(ref.status[i]), ref.energy[i], x)


def capture_iscc(rec: Recorder, api: Api, quick: bool) -> None:
    """ISCC: the named scenarios and the benchmark's 100 random instances, 200 more, and Lemma 4's arrays."""
    start = time.perf_counter()
    for name in dict.fromkeys(["table2", *api.iscc_scenarios()]):
        _iscc_all(rec, api, f"scenario/{name}", api.iscc_params(name), global_default=True, bench_global=True)
    for seed in range(10 if quick else 100):
        p = api.iscc_random(seed)
        _iscc_all(rec, api, f"bench/random-{seed}", p, global_default=seed < (5 if quick else 20), bench_global=True)
    rec.section("iscc: bench instances", start)

    start = time.perf_counter()
    for i, seed in enumerate(range(1000, 1020 if quick else 1200)):
        p = api.iscc_random(seed)
        _iscc_all(rec, api, f"random/{seed}", p, global_default=i < (5 if quick else 50), bench_global=False)
    rec.section("iscc: random instances", start)

    start = time.perf_counter()
    _iscc_lemma4(rec, api, quick)
    rec.section("iscc: lemma4", start)


# -- cut selection --------------------------------------------------------------------------------------------------

CUT_SEED = 20261123  # the cut-selection benchmark's seed
CUT_PROFILES = ("mnist_cnn", "iscc_cnn", "nin", "tiny_yolov2", "vgg16", "mobilenet_v1")


def bench_gains(n: int, seed: int = CUT_SEED) -> np.ndarray:
    """The cut-selection benchmark's gains (``edgeopt.bench.cut_selection.gains``), restated."""
    rng = np.random.default_rng(seed)
    return 10 ** rng.uniform(-4, 1, n) * rng.exponential(size=n)


def _cut_keys(sol: Any) -> dict[str, Any]:
    return {
        "cut_sum": float(np.sum(sol.x["cut"])),
        "mean_energy": float(np.mean(sol.x["energy"])),
        "mean_transmit_power": float(np.mean(sol.x["transmit_power"])),
        "mean_transmission_time": float(np.mean(sol.x["transmission_time"])),
        "first_cuts": np.asarray(sol.x["cut"]).reshape(-1)[:20],
    }


def random_cut_selection(api: Api, seed: int) -> tuple[Any, dict[str, Any]]:
    """A seeded cut-selection instance from a zoo chain profile, half of them with power control."""
    rng = np.random.default_rng(seed)
    name = str(rng.choice(CUT_PROFILES))
    profile = getattr(api.zoo, name)()
    n = int(rng.integers(1, 201))
    gains = 10 ** rng.uniform(-4, 1, n) * rng.exponential(size=n)
    bandwidth = float(10 ** rng.uniform(4, 7.3))
    noise_psd = float(10 ** rng.uniform(-10, -8))
    model = api.energy.ProcessingEnergyModel.from_tables() if rng.random() < 0.5 else api.cut_scenario.energy_model()
    allow_raw = bool(rng.random() < 0.5)
    info = {"profile": name, "samples": n, "power_control": False}
    if rng.random() < 0.5:
        control = api.eo.PowerControl(
            deadline=float(10 ** rng.uniform(-3, 0.5)), circuit_power=float(rng.uniform(0, 0.05))
        )
        power = float(10 ** rng.uniform(-2, 0))
        info["power_control"] = True
        p = api.eo.CutSelectionParams.from_profile(
            profile, gains, bandwidth, noise_psd, power, model, allow_raw=allow_raw, power_control=control
        )
    else:
        power = float(10 ** rng.uniform(-4, -1))
        p = api.eo.CutSelectionParams.from_profile(
            profile, gains, bandwidth, noise_psd, power, model, allow_raw=allow_raw
        )
    return p, info


def _cut_all(rec: Recorder, api: Api, name: str, p: Any, skip: tuple[str, ...] = (), **info: Any) -> None:
    prob = api.eo.CutSelection(p)
    for registered, canonical in _methods(prob):
        if canonical not in skip:
            rec.solve("cut_selection", name, canonical, functools.partial(prob.solve, registered), _cut_keys, **info)


def capture_cut_selection(rec: Recorder, api: Api, quick: bool) -> None:
    """Cut selection: the benchmark's instances and 200 random ones."""
    start = time.perf_counter()
    scenario = api.cut_scenario
    model = scenario.energy_model()
    small = scenario.compressed(api.zoo.mnist_cnn())
    n_big = 100_000 if quick else 1_000_000
    g = bench_gains(n_big)
    big = api.eo.CutSelectionParams.from_profile(small, g, 5e6, 1e-9, energy_model=model, allow_raw=True)
    name = f"mnist-{n_big // 1000}k" if n_big < 1_000_000 else "mnist-1M"
    _cut_all(rec, api, f"bench/{name}", big, skip=("cvxpy",))
    n_milp = 2_000 if quick else 10_000
    _cut_all(rec, api, f"bench/mnist-{n_milp // 1000}k", big.replace(gains=g[:n_milp]))
    _cut_all(rec, api, f"bench/mnist-{n_milp // 1000}k-fresh", big.replace(gains=bench_gains(n_milp, CUT_SEED + 1)))

    _, walk = scenario.trajectory()
    if quick:
        walk = walk[::4]
    p = scenario.params(small, walk, scenario.config()["link"]["trajectory_bandwidth"], model, power_control=True)
    _cut_all(rec, api, "bench/trajectory-power", p)
    fixed = scenario.fixed_power_energy(p)
    finite = fixed[np.isfinite(fixed)]
    rec.add(
        "cut_selection",
        "bench/trajectory-power",
        "fixed_power_energy",
        "feasible" if finite.size else "infeasible",
        float(finite.mean()) if finite.size else math.inf,
        {"missed": float(fixed.size - finite.size), "first": fixed[:20]},
    )
    if api.power_control_cvxpy is not None:
        for c in p.candidates:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    energy, times, status = api.power_control_cvxpy(p, int(c))
            except Exception as exc:  # noqa: BLE001 - recorded, never fatal
                rec.add("cut_selection", f"bench/trajectory-power/cut-{int(c)}", "power_control_cvxpy", "error",
                        math.nan, error=f"{type(exc).__name__}: {exc}"[:300])  # fmt: skip
                continue
            finite = np.isfinite(energy)
            objective = float(np.mean(energy[finite])) if finite.any() else math.inf
            x = {"missed": float((~finite).sum()), "first_energy": energy[:20], "first_time": times[:20]}
            rec.add(
                "cut_selection", f"bench/trajectory-power/cut-{int(c)}", "power_control_cvxpy", status, objective, x
            )
    rec.section("cut_selection: bench instances", start)

    start = time.perf_counter()
    for i in range(20 if quick else 200):
        p, info = random_cut_selection(api, 5000 + i)
        _cut_all(rec, api, f"random/{i}", p, **info)
    rec.section("cut_selection: random instances", start)


# -- dag split ------------------------------------------------------------------------------------------------------

DAG_PROFILES = ("resnet18", "resnet34", "mobilenet_v1", "vgg16", "mnist_cnn", "iscc_cnn", "nin", "tiny_yolov2")


def _dag_keys(sol: Any) -> dict[str, Any]:
    mask = np.asarray(sol.x["on_device"], dtype=bool)
    return {"on_device_count": float(mask.sum()), "on_device_index": np.flatnonzero(mask)}


def random_dag_split(api: Api, index: int) -> tuple[Any, dict[str, Any]]:
    """A seeded DAG-split instance: a zoo profile with scaled costs (even ``index``) or a small random DAG (odd)."""
    rng = np.random.default_rng(7000 + index)
    if index % 2 == 0:
        name = str(rng.choice(DAG_PROFILES))
        profile = api.zoo.resnet(int(name[6:])) if name.startswith("resnet") else getattr(api.zoo, name)()
        macs = profile.column("macs")
        out = profile.column("output_elements")
        size = len(profile.order)
        device = macs / 10 ** rng.uniform(8, 10) * rng.uniform(0.5, 2.0, size)
        server = macs / 10 ** rng.uniform(10, 12) * rng.uniform(0.5, 2.0, size)
        comm = 32 * out / 10 ** rng.uniform(6, 8) * rng.uniform(0.5, 2.0, size)
        params = api.eo.DagSplitParams.from_profile(profile, device, server, comm, allow_raw=bool(rng.random() < 0.5))
        return params, {"profile": name, "layers": size}
    # As tests/test_dag_split.py's small_dags: 2..12 layers, one input and one output, some costs zero.
    n = int(rng.integers(2, 13))
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for v in range(1, n):
        for u in rng.choice(v, size=min(v, int(rng.integers(1, 4))), replace=False):
            g.add_edge(int(u), v)
    for v in range(n - 1):
        if g.out_degree(v) == 0:
            g.add_edge(v, n - 1)

    def costs() -> dict[int, float]:
        values = rng.exponential(1.0, n) * (rng.random(n) > 0.15)
        return dict(enumerate(values.tolist()))

    params = api.eo.DagSplitParams(g, costs(), costs(), costs(), allow_raw=bool(rng.random() < 0.5))
    return params, {"profile": "random-dag", "layers": n}


def capture_dag_split(rec: Recorder, api: Api, quick: bool) -> None:
    """DAG split: 200 random instances."""
    start = time.perf_counter()
    for i in range(20 if quick else 200):
        p, info = random_dag_split(api, i)
        prob = api.eo.DagSplit(p)
        for registered, canonical in _methods(prob):
            rec.solve(
                "dag_split", f"random/{i}", canonical, functools.partial(prob.solve, registered), _dag_keys, **info
            )
    rec.section("dag_split: random instances", start)


# -- compression ----------------------------------------------------------------------------------------------------


def _compression_keys(sol: Any) -> dict[str, Any]:
    w = np.asarray(sol.x["W"])
    return {"W_l1": float(np.abs(w).sum()), "c": sol.x["c"], "W_first": w.reshape(-1)[:40]}


def random_l1_logistic(api: Api, seed: int) -> tuple[Any, dict[str, Any]]:
    """A seeded multinomial logistic instance: 20-60 samples, 3-8 features, 2-4 classes."""
    rng = np.random.default_rng(seed)
    n, f, k = int(rng.integers(20, 61)), int(rng.integers(3, 9)), int(rng.integers(2, 5))
    x = rng.normal(size=(n, f))
    w = rng.normal(size=(f, k))
    y = np.argmax(x @ w + rng.gumbel(size=(n, k)), axis=1)
    # Since issue 12 every class must have a sample (an empty class has no finite optimal bias):
    # renumber the classes that occur.
    _, y = np.unique(y, return_inverse=True)
    k = max(int(y.max()) + 1, 2)
    mu = float(rng.choice([0.9, 0.99, 0.999, 0.9999]))
    return api.compression.L1LogisticParams(x, y, mu=mu, n_classes=k), {"size": [n, f, k], "mu": mu}


def capture_compression(rec: Recorder, api: Api, quick: bool) -> None:
    """Compression: 200 small random instances and one digits subset."""
    start = time.perf_counter()
    L1Logistic = api.compression.L1Logistic
    for i in range(20 if quick else 200):
        p, info = random_l1_logistic(api, 9000 + i)
        prob = L1Logistic(p)
        for registered, canonical in _methods(prob):
            rec.solve(
                "compression",
                f"random/{i}",
                canonical,
                functools.partial(prob.solve, registered),
                _compression_keys,
                **info,
            )
    rec.section("compression: random instances", start)

    if not quick:
        start = time.perf_counter()
        try:
            data = api.compression.DigitsData.load()
        except ImportError as exc:
            print(f"  (digits not available: {exc})")
            return
        prob = L1Logistic(api.compression.L1LogisticParams(data.x_train[:150], data.y_train[:150]))
        for registered, canonical in _methods(prob):
            rec.solve(
                "compression",
                "digits/train-150",
                canonical,
                functools.partial(prob.solve, registered),
                _compression_keys,
            )
        rec.section("compression: digits subset", start)


# -- capture --------------------------------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(root), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def _tree_info(path: Path) -> dict[str, Any]:
    root = path.parent.parent
    status = _git(root, "status", "--porcelain", "--", "edgeopt")
    return {
        "edgeopt_path": str(path.parent),
        "tree": str(root),
        # Set by ``against`` for a ``git archive`` export, which has no repository of its own.
        "commit": os.environ.get("EDGEOPT_COMPARE_COMMIT") or _git(root, "rev-parse", "HEAD"),
        "dirty": None if status is None else bool(status),
    }


def capture(out: Path, quick: bool, expect_root: Path | None, only: list[str] | None) -> int:
    """Solve everything with the importable ``edgeopt`` and write the records and metadata to ``out``."""
    warnings.simplefilter("ignore", DeprecationWarning)
    import cvxpy
    import scipy

    import edgeopt

    path = Path(edgeopt.__file__).resolve()
    if expect_root is not None and not path.is_relative_to(expect_root.resolve()):
        print(f"edgeopt imported from {path}, not from {expect_root}", file=sys.stderr)
        return 2
    meta: dict[str, Any] = {
        **_tree_info(path),
        "quick": quick,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cvxpy": cvxpy.__version__,
        "networkx": nx.__version__,
        "argv": sys.argv,
    }
    print(f"capturing {path.parent} (commit {meta['commit']}, dirty {meta['dirty']}), quick={quick}", flush=True)
    api = Api()
    meta["resolved"] = api.resolved()
    rec = Recorder()
    start = time.perf_counter()
    steps = {
        "fog": capture_fog,
        "iscc": capture_iscc,
        "cut_selection": capture_cut_selection,
        "dag_split": capture_dag_split,
        "compression": capture_compression,
    }
    meta["failed_sections"] = {}
    for name, step in steps.items():
        if only is None or name in only:
            try:
                step(rec, api, quick)
            except Exception as exc:  # noqa: BLE001 - the other problems are still captured; compare reports it
                traceback.print_exc()
                meta["failed_sections"][name] = f"{type(exc).__name__}: {exc}"[:300]
    meta["total_s"] = time.perf_counter() - start
    meta["sections"] = rec.sections
    counts: dict[str, int] = defaultdict(int)
    errors: dict[str, int] = defaultdict(int)
    for r in rec.records.values():
        counts[f"{r['problem']}/{r['method']}"] += 1
        if r["status"] == "error":
            errors[f"{r['problem']}/{r['method']}: {r['error'].split(':')[0]}"] += 1
    meta["counts"] = dict(sorted(counts.items()))
    meta["errors"] = dict(sorted(errors.items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as fh:
        json.dump({"meta": meta, "records": rec.records}, fh, indent=None, separators=(",", ":"))
    print(f"{len(rec.records)} records in {meta['total_s']:.1f} s -> {out}")
    for key, n in meta["counts"].items():
        print(f"  {key}: {n}")
    if errors:
        print("errors:")
        for key, n in meta["errors"].items():
            print(f"  {key}: {n}")
    for name, why in meta["failed_sections"].items():
        print(f"the {name} section stopped: {why}")
    return 1 if meta["failed_sections"] else 0


# -- compare --------------------------------------------------------------------------------------------------------


def relative(a: float, b: float) -> float:
    """``|a - b| / max(|a|, |b|, tiny)``; equal values (infinities included) and two NaNs give 0."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b), TINY)


def _x_difference(xa: dict[str, Any], xb: dict[str, Any]) -> tuple[float, str]:
    worst, where = 0.0, ""
    for name in sorted(set(xa) | set(xb)):
        a, b = xa.get(name), xb.get(name)
        if a is None or b is None:
            return math.inf, f"{name} on one side only"
        va, vb = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
        if va.shape != vb.shape:
            return math.inf, f"{name} shape {va.shape} vs {vb.shape}"
        for u, v in zip(va.tolist(), vb.tolist(), strict=True):
            d = relative(u, v)
            if d > worst:
                worst, where = d, name
    return worst, where


def _load(path: Path) -> dict[str, Any]:
    with open(path) as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def compare(old_path: Path, new_path: Path, tol: float, x_tol: float | None, allow_missing: bool = False) -> int:
    """Print the differences of two captures; 1 if an objective moved by more than ``tol`` or a status changed."""
    old, new = _load(old_path), _load(new_path)
    stopped = []
    for label, data in (("old", old), ("new", new)):
        m = data["meta"]
        print(f"{label}: {m['edgeopt_path']} commit {m['commit']} dirty {m['dirty']} quick {m['quick']}")
        stopped += [f"{label} {name}: {why}" for name, why in m.get("failed_sections", {}).items()]
    if old["meta"]["quick"] != new["meta"]["quick"]:
        print(
            "one capture is --quick and the other is not: their instances differ under the same keys", file=sys.stderr
        )
        return 2
    a, b = old["records"], new["records"]
    common = sorted(set(a) & set(b))
    only_old = sorted(set(a) - set(b))
    only_new = sorted(set(b) - set(a))
    worst: dict[tuple[str, str], tuple[float, str]] = {}
    worst_x: dict[tuple[str, str], tuple[float, str]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    status_changes, error_changes, warning_changes = [], [], 0
    for key in common:
        ra, rb = a[key], b[key]
        group = (ra["problem"], ra["method"])
        counts[group] += 1
        if ra["status"] != rb["status"]:
            status_changes.append(f"{key}: {ra['status']} -> {rb['status']}")
        elif ra["status"] == "error" and ra.get("error", "").split(":")[0] != rb.get("error", "").split(":")[0]:
            error_changes.append(f"{key}: {ra.get('error')} -> {rb.get('error')}")
        warning_changes += ra.get("warnings", []) != rb.get("warnings", [])
        d = relative(ra["objective"], rb["objective"])
        if group not in worst or d > worst[group][0]:
            worst[group] = (d, key)
        dx, name = _x_difference(ra["x"], rb["x"]) if ra["status"] == rb["status"] else (0.0, "")
        if group not in worst_x or dx > worst_x[group][0]:
            worst_x[group] = (dx, f"{key} [{name}]" if name else key)

    print(f"\n{len(common)} common records, {len(only_old)} only in old, {len(only_new)} only in new\n")
    print(f"{'problem':<14} {'method':<22} {'records':>7} {'worst rel obj diff':>19} {'worst rel x diff':>17}  at")
    for group in sorted(worst):
        d, key = worst[group]
        dx, xkey = worst_x[group]
        flag = " <-- over tol" if d > tol else ""
        at = key if d > 0 or dx == 0 else xkey
        print(f"{group[0]:<14} {group[1]:<22} {counts[group]:>7} {d:>19.3e} {dx:>17.3e}  {at}{flag}")
    overall = max((d for d, _ in worst.values()), default=0.0)
    overall_x = max((d for d, _ in worst_x.values()), default=0.0)
    print(f"\nworst relative objective difference: {overall:.3e} (tolerance {tol:g})")
    print(f"worst relative x difference: {overall_x:.3e}" + ("" if x_tol is None else f" (tolerance {x_tol:g})"))
    for label, keys in (("only in old", only_old), ("only in new", only_new)):
        if keys:
            print(f"\n{len(keys)} keys {label}:")
            by_group: dict[str, list[str]] = defaultdict(list)
            for key in keys:
                problem, *_, method = key.split("/")
                by_group[f"{problem}/{method}"].append(key)
            for name, members in sorted(by_group.items()):
                print(f"  {name}: {len(members)} (e.g. {members[0]})")
    if status_changes:
        print(f"\n{len(status_changes)} status changes:")
        for line in status_changes:
            print(f"  {line}")
    if error_changes:
        print(f"\n{len(error_changes)} errors of another type (not a failure):")
        for line in error_changes[:50]:
            print(f"  {line}")
    if warning_changes:
        print(f"\n{warning_changes} records whose warnings changed (not a failure)")
    for line in stopped:
        print(f"\nsection stopped in the capture: {line}")
    failed = overall > tol or bool(status_changes) or bool(stopped) or (x_tol is not None and overall_x > x_tol)
    failed = failed or (bool(only_old) and not allow_missing)
    print("\nFAIL" if failed else "\nOK")
    return 1 if failed else 0


# -- against --------------------------------------------------------------------------------------------------------


def _tree_for(rev: str, commit: str, out_dir: Path) -> Path:
    """A directory holding the tree of ``commit``: an existing clean worktree at it, else a ``git archive`` export."""
    listing = _git(REPO, "worktree", "list", "--porcelain") or ""
    for block in listing.split("\n\n"):
        fields = dict(line.split(" ", 1) for line in block.splitlines() if " " in line)
        path = Path(fields.get("worktree", ""))
        if fields.get("HEAD") == commit and path != REPO and (path / "edgeopt").is_dir():
            if not _git(path, "status", "--porcelain", "--", "edgeopt"):
                print(f"using the worktree {path} at {rev}")
                return path
    target = out_dir / f"tree-{commit[:10]}"
    if not (target / "edgeopt").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tar:
            subprocess.run(["git", "-C", str(REPO), "archive", commit], stdout=tar, check=True)
            tar.seek(0)
            subprocess.run(["tar", "-x", "-C", str(target)], stdin=tar, check=True)
    print(f"using an export of {rev} in {target}")
    return target


def against(rev: str, out_dir: Path, quick: bool, reuse: bool) -> int:
    """Capture the tree of ``rev`` and the tree of this script in subprocesses, then compare them."""
    commit = _git(REPO, "rev-parse", "--verify", f"{rev}^{{commit}}")
    if not commit:
        print(f"unknown revision {rev!r}", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if quick else ""
    old_json = out_dir / f"old-{commit[:10]}{suffix}.json"
    new_json = out_dir / f"new{suffix}.json"
    runs: list[tuple[Path, Path, str | None]] = []
    if not (reuse and old_json.exists() and _load(old_json)["meta"].get("commit") == commit):
        runs.append((_tree_for(rev, commit, out_dir), old_json, commit))
    runs.append((REPO, new_json, None))
    for tree, target, known in runs:
        target.unlink(missing_ok=True)  # never compare a stale capture
        env = {**os.environ, "PYTHONPATH": str(tree)}
        if known:
            env["EDGEOPT_COMPARE_COMMIT"] = known
        cmd = [sys.executable, str(Path(__file__).resolve()), "capture", str(target), "--expect-root", str(tree)]
        code = subprocess.run(cmd + (["--quick"] if quick else []), env=env, check=False).returncode
        if code:
            print(f"the capture of {tree} failed (exit {code})", file=sys.stderr)
            if code != 1 or not target.exists():  # 1 with a file: some section stopped, the rest is comparable
                return 3
    return compare(old_json, new_json, TOL, None)


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture", help="solve everything with the importable edgeopt, write OUT.json")
    cap.add_argument("out", type=Path)
    cap.add_argument("--quick", action="store_true", help="small instance lists (a smoke run)")
    cap.add_argument("--expect-root", type=Path, help="fail unless edgeopt is imported from under this directory")
    cap.add_argument("--only", nargs="+", help="capture only these problems")
    cmp_ = sub.add_parser("compare", help="compare two captures")
    cmp_.add_argument("old", type=Path)
    cmp_.add_argument("new", type=Path)
    cmp_.add_argument("--tol", type=float, default=TOL, help="largest relative objective difference (1e-12)")
    cmp_.add_argument("--x-tol", type=float, help="also fail when a recorded x value differs by more")
    cmp_.add_argument("--allow-missing", action="store_true", help="do not fail on records missing from NEW")
    ag = sub.add_parser("against", help="capture REV (through PYTHONPATH) and this tree, then compare")
    ag.add_argument("rev")
    ag.add_argument("out_dir", type=Path)
    ag.add_argument("--quick", action="store_true")
    ag.add_argument("--reuse", action="store_true", help="keep a capture of REV already in OUT_DIR")
    args = parser.parse_args(argv)
    if args.command == "capture":
        return capture(args.out, args.quick, args.expect_root, args.only)
    if args.command == "compare":
        return compare(args.old, args.new, args.tol, args.x_tol, args.allow_missing)
    return against(args.rev, args.out_dir, args.quick, args.reuse)


if __name__ == "__main__":
    sys.exit(main())
