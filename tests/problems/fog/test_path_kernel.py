"""The compiled interior-point path of the fog solver (:mod:`edgeopt.problems.fog.path_kernel`).

Properties checked against the problem's own definitions (slacks and energy
from :mod:`edgeopt.problems.fog.model`, written out here), the nested
decomposition, and the kernel's own single-instance runs (a batch must not
change any instance's answer).
"""

from __future__ import annotations

import threading

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeopt.core.status import Status
from edgeopt.problems.fog import barrier, decomposition, parallel, path_kernel
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.model import FogBatch, FogParams, energy_terms_batch
from edgeopt.problems.fog.scenarios import random_params

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

instances = st.builds(
    lambda seed, k, n, regime, factor: (seed, k, n, regime, factor),
    st.integers(0, 2**31 - 1),
    st.integers(2, 8),
    st.integers(1, 3),
    st.sampled_from(["offload", "master"]),
    st.one_of(st.none(), st.floats(1.001, 3.0)),
)


def _instance(seed: int, k: int, n: int, regime: str, factor: float | None) -> FogParams:
    """A random instance; ``factor`` times its minimum latency as the budget (None: the generator's budget)."""
    p = random_params(seed, k, n, regime)
    if factor is not None:
        p = p.replace(tau=factor * minimum_latency(p)[0])
    return p


def _bar(params: list[FogParams], rows: np.ndarray | None = None) -> barrier._Barrier:
    return barrier._Barrier(params, FogBatch.of(params), fixed_rows=rows)


def _slacks(bar: barrier._Barrier, v: barrier._Vars) -> list[np.ndarray]:
    """The constraints (22), (16), (20), (23), (10), (4) in the scaled variables, only where they exist."""
    S = v.e.shape[0]
    out = [
        (v.T[:, None, :] - v.L - v.Z.sum(axis=-1)).reshape(S, -1),
        (v.L - bar.c_cpu * v.e[:, :, None]).reshape(S, -1),
        np.where(bar.link > 0, v.Z - bar.z_min, np.inf).reshape(S, -1),
        (1.0 - v.F.sum(axis=1) - v.T.sum(axis=1))[:, None],
        np.where(bar.frd > 0, v.F - (bar.sigma * v.e + bar.zeta) / bar.f_xmax, np.inf),
    ]
    if bar.row_free.all():
        out.append(v.e)
    return out


def _gap(bar: barrier._Barrier, v: barrier._Vars, z: barrier._Duals) -> np.ndarray:
    """``s . z`` per instance, from the slacks above (absent constraints carry no multiplier)."""
    s = _slacks(bar, v)
    duals = [z.t, z.c, z.p, z.lat[:, None], z.f] + ([z.e] if bar.row_free.all() else [])
    S = v.e.shape[0]
    terms = [np.where(np.isfinite(si), si, 0.0) * zi.reshape(S, -1) for si, zi in zip(s, duals, strict=True)]
    return np.asarray(sum(np.sum(t, axis=1) for t in terms))


def _energy(bar: barrier._Barrier, v: barrier._Vars) -> np.ndarray:
    """Energy (24) of the path's point, by the model's own evaluation."""
    return np.asarray(energy_terms_batch(FogBatch.of(bar.params), barrier._path_point(bar, v))["total"])


def _check_end_point(bar: barrier._Barrier, v: barrier._Vars, z: barrier._Duals, gap_target: float) -> np.ndarray:
    """Strictly feasible, positive multipliers where constraints exist, gap at most the target; returns the gap."""
    for si in _slacks(bar, v):
        assert np.all(si > 0), si.min()
    for zi, mask in ((z.t, 1.0), (z.c, 1.0), (z.p, bar.link), (z.f, bar.frd)):
        assert np.all(np.where(mask > 0, zi, 1.0) > 0)
    assert np.all(z.lat > 0)
    gap = _gap(bar, v, z)
    limit = gap_target * np.minimum(_energy(bar, v) / bar.E0, z.lat)
    assert np.all(gap <= limit * (1 + 1e-9)), (gap, limit)
    return gap


@SETTINGS
@given(case=instances)
def test_end_point_is_strictly_feasible_and_meets_the_gap(case: tuple) -> None:
    bar = _bar([_instance(*case)])
    v, z, _nu, converged, iterations = barrier._path(bar, barrier.MAX_ITER)
    assert converged.all() and 0 < iterations[0] < barrier.MAX_ITER
    _check_end_point(bar, v, z, barrier.GAP_TARGET)


@SETTINGS
@given(case=instances)
def test_warm_continuation_reaches_a_smaller_gap(case: tuple) -> None:
    bar = _bar([_instance(*case)])
    v, z, *_ = barrier._path(bar, barrier.MAX_ITER)
    gap = _check_end_point(bar, v, z, barrier.GAP_TARGET)
    target = barrier.DEEPER_GAPS[-1]
    v2, z2, _nu, converged, _its = barrier._path(bar, barrier.MAX_ITER, target, warm=(v, z))
    assert converged.all()
    deeper = _check_end_point(bar, v2, z2, target)
    assert np.all(deeper < gap)
    # The warm start leaves the caller's point alone (the kernel works on copies).
    assert np.all(_gap(bar, v, z) == gap)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    k=st.integers(2, 4),
    n=st.integers(1, 3),
    regime=st.sampled_from(["offload", "master"]),
)
def test_energy_after_the_local_phase_agrees_with_nested(seed: int, k: int, n: int, regime: str) -> None:
    p = random_params(seed, k, n, regime)
    fast = barrier.solve(p)
    ref = decomposition.solve(p)
    assert fast.status is Status.OPTIMAL and ref.status is Status.OPTIMAL
    assert fast.extras["path"] != "nested"
    assert fast.objective == pytest.approx(ref.objective, rel=1e-9)


def test_batch_gives_the_answers_of_single_calls() -> None:
    params = [
        random_params(11, 6, 3, "offload"),
        _instance(12, 6, 3, "master", 1.001),
        random_params(13, 6, 3, "master"),
        _instance(14, 6, 3, "offload", 1.05),
        _instance(15, 6, 3, "master", 2.5),
    ]
    batch = barrier._path(_bar(params), barrier.MAX_ITER)
    for i, p in enumerate(params):
        one = barrier._path(_bar([p]), barrier.MAX_ITER)
        for got, want in zip(batch[:2], one[:2], strict=True):  # every variable and multiplier, bit for bit
            for name in got.__dataclass_fields__:
                np.testing.assert_array_equal(getattr(got, name)[i], getattr(want, name)[0])
        for got, want in zip(batch[2:], one[2:], strict=True):
            assert got[i] == want[0]
    sols = barrier.solve_batch(params)
    for sol, p in zip(sols, params, strict=True):
        single = barrier.solve(p)
        assert sol.status is single.status is Status.OPTIMAL
        assert sol.objective == pytest.approx(single.objective, rel=1e-13)


def test_fixed_rows_stay_fixed_and_the_path_converges() -> None:
    params = [random_params(21 + i, 5, 2, regime) for i, regime in enumerate(["offload", "master", "offload"])]
    d_y = np.array([p.d_y for p in params])
    rows = np.array([[0.4, 0.0, 0.3, 0.3, 0.0], [0.2] * 5, [0.0, 0.5, 0.0, 0.0, 0.5]]) * d_y[:, None]
    bar = _bar(params, rows)
    v, z, _nu, converged, _its = barrier._path(bar, barrier.MAX_ITER)
    fits = barrier._start(bar)[1]
    assert fits.any()
    np.testing.assert_array_equal(v.e, rows / d_y[:, None])  # de = 0 exactly
    assert np.all(converged[fits])
    keep = np.flatnonzero(fits)
    sub = _bar([params[i] for i in keep], rows[keep])
    sub.E0 = bar.E0[keep]
    _check_end_point(
        sub,
        barrier._Vars(*(getattr(v, f)[keep] for f in v.__dataclass_fields__)),
        barrier._Duals(*(getattr(z, f)[keep] for f in z.__dataclass_fields__)),
        barrier.GAP_TARGET,
    )


def _batch_params() -> list[FogParams]:
    return [
        random_params(31, 6, 3, "offload"),
        _instance(32, 6, 3, "master", 1.0001),
        random_params(33, 6, 3, "master"),
        _instance(34, 6, 3, "offload", 1.01),
        _instance(35, 6, 3, "master", 3.0),
        _instance(36, 6, 3, "offload", 1.2),
    ]


def _assert_same_path(got: tuple, want: tuple) -> None:
    for a, b in zip(got[:2], want[:2], strict=True):  # every variable and multiplier, bit for bit
        for name in a.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for a, b in zip(got[2:], want[2:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_blocks_over_threads_give_the_serial_answers_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    params = _batch_params()
    serial = barrier._path(_bar(params), barrier.MAX_ITER)
    assert serial[3].all()
    # Force the split into blocks of one or two instances over three threads, whatever the machine.
    monkeypatch.setattr(parallel.numba, "get_num_threads", lambda: 3)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    calls: list[int] = []
    kernel = path_kernel.run_path

    def counted(*args):  # the serial kernel, on each block
        calls.append(args[0].shape[0])
        return kernel(*args)

    monkeypatch.setattr(barrier.path_kernel, "run_path", counted)
    _assert_same_path(barrier._path(_bar(params), barrier.MAX_ITER), serial)
    assert len(calls) > 1 and sum(calls) == len(params)
    # Warm continuation through the blocks too.
    bar = _bar(params)
    v, z, *_ = barrier._path(bar, barrier.MAX_ITER)
    deeper = barrier._path(bar, barrier.MAX_ITER, barrier.DEEPER_GAPS[-1], warm=(v, z))
    monkeypatch.undo()
    bar_s = _bar(params)
    v_s, z_s, *_ = barrier._path(bar_s, barrier.MAX_ITER)
    _assert_same_path(deeper, barrier._path(bar_s, barrier.MAX_ITER, barrier.DEEPER_GAPS[-1], warm=(v_s, z_s)))


def test_one_thread_and_concurrent_callers_give_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    params = _batch_params() * 2
    want = barrier._path(_bar(params), barrier.MAX_ITER)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)  # what NUMBA_NUM_THREADS=1 gives: the serial kernel
        _assert_same_path(barrier._path(_bar(params), barrier.MAX_ITER), want)
    finally:
        numba.set_num_threads(threads)
    # Three Python threads at once, each spreading its batch over the shared pool in small blocks.
    monkeypatch.setattr(parallel.numba, "get_num_threads", lambda: 3)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    got: list[tuple] = []

    def work() -> None:
        got.append(barrier._path(_bar(params), barrier.MAX_ITER))

    workers = [threading.Thread(target=work) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(got) == 3
    for g in got:
        _assert_same_path(g, want)
