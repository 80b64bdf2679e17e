"""The batched fog path gives every instance the bits it gets alone, and its shortcuts equal the long way.

``FogPartitioning.solve_batch`` stacks its instances once, runs the compiled
kernels over blocks of the batch from several threads and builds the answers
and the contract's packs for the whole batch at once. Checked here:

* an instance's answer (point, multipliers, objective, iterations, path,
  certificate) is the same, bit for bit, whatever else shares its batch, in
  whatever order, over one thread or several, and alone through ``solve()``;
* the stacked constants (:meth:`FogBatch.of`) equal the model's definitions,
  written out here for one instance at a time;
* the answers built together (:meth:`BatchCertificate.solutions`) equal those
  built one at a time, and the contract's fast check rejects what
  ``check()`` rejects, with its message;
* :func:`~edgeopt.problems.fog.parallel.run_batch` joins its blocks in order.
"""

from __future__ import annotations

import copy
import multiprocessing

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.fog import barrier, parallel
from edgeopt.problems.fog.certificate import certify_batch
from edgeopt.problems.fog.closed_forms import ClosedForms, primal_point
from edgeopt.problems.fog.min_latency import minimum_latency
from edgeopt.problems.fog.model import FogBatch, FogLayout
from edgeopt.problems.fog.scenarios import random_params, wide_params


def _group(K: int, N: int, count: int, seed: int) -> list[eo.FogParams]:
    """Instances of one size: both regimes, generator budgets and budgets near the minimum latency."""
    out = []
    for i in range(count):
        p = random_params(seed + i, K, N, "offload" if i % 2 else "master")
        if i % 3 == 0:
            tau_min, _ = minimum_latency(p)
            p = p.replace(tau=tau_min * (1.002 if i % 2 else 1.03))  # the start's LP, the deeper chances
        out.append(p)
    return out


def _bits(sol: eo.Solution) -> tuple:
    """Everything of an answer that must not depend on the batch (not its time)."""
    x = tuple((k, np.asarray(v).tobytes(), np.shape(v)) for k, v in sorted(sol.x.items()))
    duals = None if sol.duals is None else tuple((k, np.asarray(v).tobytes()) for k, v in sorted(sol.duals.items()))
    contract = {k: v for k, v in sol.extras.get("contract", {}).items() if k != "check_time_s"}
    return (
        sol.status,
        sol.objective,
        x,
        duals,
        sol.iterations,
        sol.extras.get("path"),
        sol.extras.get("duality_gap"),
        sol.extras.get("dual_bound"),
        tuple(sorted(contract.items())),
    )


@pytest.fixture(scope="module")
def group() -> list[eo.FogParams]:
    return _group(6, 3, 12, 1601)


def test_an_instance_gets_the_same_bits_in_any_batch(group, monkeypatch):
    others = _group(6, 3, 6, 1701)
    together = [_bits(s) for s in eo.FogPartitioning.solve_batch(group)]
    assert all(b[0] is eo.Status.OPTIMAL for b in together)
    alone = [_bits(eo.FogPartitioning(p).solve()) for p in group[:4]]
    assert alone == together[:4]
    reversed_ = [_bits(s) for s in eo.FogPartitioning.solve_batch(group[::-1])][::-1]
    assert reversed_ == together
    # Other partners, other sizes in the same call, and the instances interleaved with them.
    mixed = [q for pair in zip(group, others + others, strict=True) for q in pair] + [wide_params(3)]
    got = [_bits(s) for s in eo.FogPartitioning.solve_batch(mixed)]
    assert got[0:-1:2] == together
    # Blocks of one or two instances over three threads (whatever the machine has).
    monkeypatch.setattr(parallel.numba, "get_num_threads", lambda: 3)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    assert [_bits(s) for s in eo.FogPartitioning.solve_batch(group)] == together


def test_stacked_constants_are_the_model_written_out(group):
    params = group + [random_params(5, 6, 3, "offload").replace(master=0), random_params(6, 6, 3).replace(master=5)]
    b = FogBatch.of(params)
    for i, p in enumerate(params):
        K, N = p.K, p.n_layers
        halving = 2.0 ** np.arange(N)
        columns = np.floor(p.d_x / halving)  # d^x_n = floor(d_x / 2^(n-1))
        macs = 9 * columns / halving  # eq. (14) per row
        above = np.arange(K) >= 1  # node k has a neighbour above iff k >= 1, below iff k <= K - 2
        below = np.arange(K) <= K - 2
        mask = np.stack([np.repeat(above[:, None], N, 1), np.repeat(below[:, None], N, 1)], axis=-1)
        gain = np.ones((K, N, 2))
        gain[1:, :, 0] = p.gain_link
        gain[:-1, :, 1] = p.gain_link
        want = {
            "columns": columns,
            "macs_per_row": macs,
            "cycles_per_row": p.cycles_per_mac[:, None] * macs[None, :],
            "link_mask": mask,
            "link_bits": np.where(mask, columns[None, :, None], 0.0),
            "link_gain": gain,
            "frd_mask": np.arange(K) != p.master,
            "frd_fixed_bits": p.d_x * (1.0 + (above & below)),  # d_x (1 + I^a I^b), eq. (9)
        }
        for name, value in want.items():
            got = getattr(b.layout, name)[i]
            assert got.dtype == np.asarray(value).dtype and np.array_equal(got, value), name
            assert np.array_equal(getattr(p.layout, name), value), name  # the instance's own layout too
        for name in ("d_x", "d_y", "tau", "bandwidth", "noise_psd"):
            assert getattr(b, name)[i] == getattr(p, name), name
        for name in ("kappa", "f_max", "p_max", "p_circuit", "gain_frd"):
            assert np.array_equal(getattr(b, name)[i], getattr(p, name)), name
        assert b.p_max_master[i] == p.p_max[p.master] and b.p_circuit_master[i] == p.p_circuit[p.master]
    one = FogBatch.one(params[0])
    for name in ("columns", "cycles_per_row", "link_gain", "frd_fixed_bits"):
        assert np.array_equal(getattr(one.layout, name), getattr(b.layout, name)[:1])
    taken = b.take(np.array([2, 0]))
    assert np.array_equal(taken.tau, b.tau[[2, 0]])
    assert np.array_equal(taken.layout.link_gain, b.layout.link_gain[[2, 0]])
    with pytest.raises(InvalidParameterError, match="one size"):
        FogBatch.of([params[0], random_params(1, 4, 3)])
    with pytest.raises(InvalidParameterError, match="at least one"):
        FogBatch.of([])


def test_closed_forms_of_a_batch_are_those_of_each_instance(group):
    batch = ClosedForms(group, batch=FogBatch.of(group))
    for i, p in enumerate(group):
        one = ClosedForms(p)
        names = ("a", "kappa", "fmax", "gamma", "xmax", "link_tmin", "link_t0", "link_sat", "frd_xmax", "frd_fixed")
        for name in names:
            assert np.array_equal(getattr(batch, name)[i], getattr(one, name)), name


def test_answers_built_together_equal_those_built_one_at_a_time(group):
    sols = eo.FogPartitioning.solve_batch(group)
    b = FogBatch.of(group)
    x = {k: np.stack([s.x[k] for s in sols]) for k in sols[0].x}
    phi = np.array([float(s.duals["latency"]) for s in sols])
    nu = np.array([float(s.duals["rows"]) for s in sols])
    beta = np.stack([s.duals["layer_time"] for s in sols])
    cert = certify_batch(b, x, phi, nu, beta)
    assert cert.passes.all()
    take = np.array([3, 0, 7])
    iterations = np.arange(len(group), dtype=float)
    extras = {"path": "test", "active_nodes": np.arange(len(group)), "note": [f"n{i}" for i in range(len(group))]}
    together = cert.solutions(take, x, (phi, nu, beta), iterations, extras)
    for sol, i in zip(together, take.tolist(), strict=True):
        duals = {"latency": np.array(phi[i]), "rows": np.array(nu[i]), "layer_time": beta[i]}
        own = {"path": "test", "active_nodes": i, "note": f"n{i}"}
        one = cert.solution(i, {k: v[i] for k, v in x.items()}, duals, iterations=i, extras=own)
        assert _bits(sol) == _bits(one) and sol.extras == one.extras
        assert type(sol.extras["active_nodes"]) is int and type(sol.iterations) is int
    bad = {k: v.copy() for k, v in x.items()}
    bad["f_cpu"][0, 0, 0] = np.nan
    with pytest.raises(InvalidParameterError, match="f_cpu"):
        cert.solutions(np.array([0]), bad, (phi, nu, beta), iterations, {})
    uncertified = copy.copy(cert)
    uncertified.passes = cert.passes.copy()
    uncertified.passes[1] = False
    with pytest.raises(eo.SolverError, match="instance 1"):
        uncertified.solutions(np.array([0, 1]), x, (phi, nu, beta), iterations, {})


def test_the_fast_check_rejects_what_check_rejects(group):
    params = group[:5]
    sols = eo.FogPartitioning.solve_batch(params)
    # Entries given as lists, and a point without multipliers: the reports of check(), one at a time.
    odd = [copy.deepcopy(s) for s in sols]
    odd[1].x = {k: v.tolist() for k, v in odd[1].x.items()}
    odd[2].duals = None
    one_at_a_time = [eo.FogPartitioning(p).check(s) for p, s in zip(params, odd, strict=True)]
    assert eo.FogPartitioning.check_batch(params, odd) == one_at_a_time
    for spoil in ("shape", "missing", "problem"):
        broken = [copy.deepcopy(s) for s in sols]
        if spoil == "shape":
            broken[3].x["t_loc"] = broken[3].x["t_loc"][:, :-1]
        elif spoil == "missing":
            del broken[3].x["f_cpu"]
        else:
            broken[3].problem = "iscc"
        with pytest.raises(InvalidParameterError) as one:
            eo.FogPartitioning(params[3]).check(broken[3])
        with pytest.raises(InvalidParameterError) as batch:
            eo.FogPartitioning.check_batch(params, broken)
        assert str(batch.value) == str(one.value)


def test_primal_point_from_the_finish_s_rates_is_the_point_solved_again(group):
    b = FogBatch.of(group)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        bar = barrier._Barrier(group, b)
        v, z, nu, _, _ = barrier._path(bar, barrier.MAX_ITER)
        x, (phi, _, beta), _, _, pt, _ = barrier._local_phase(bar, b, v, z, nu)
    assert (pt.x_link > 0).any()
    again = primal_point(bar.model, x["rows"], x["t_layer"], phi[:, None], beta)
    for name, value in x.items():
        assert np.array_equal(value, again[name]), name


def _toy(a, b, scale):
    """A batch kernel in Python: one result row per instance, and a write into ``b``."""
    b[:] = a.sum(axis=1) * scale
    return a * 2.0, a[:, 0].copy()


def test_blocks_are_joined_in_order(monkeypatch):
    a = np.arange(60.0).reshape(20, 3)
    b = np.zeros(20)
    want = _toy(a, np.zeros(20), 0.5)
    monkeypatch.setattr(parallel.numba, "get_num_threads", lambda: 3)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 2)
    seen = []

    def kernel(a_, b_, scale):
        seen.append(a_.shape[0])
        # A batch started inside a block runs in one call there.
        assert parallel.run_batch(lambda q: q.shape[0], a_.shape[0], a_) == a_.shape[0]
        return _toy(a_, b_, scale)

    got = parallel.run_batch(kernel, 20, a, b, 0.5)
    assert len(seen) > 3 and sum(seen) == 20
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert np.array_equal(b, a.sum(axis=1) * 0.5)
    assert parallel.run_batch(lambda q: None, 20, a) is None
    assert np.array_equal(parallel.run_batch(lambda q: q[:, 1] + 0.0, 20, a), a[:, 1])
    monkeypatch.setattr(parallel.numba, "get_num_threads", lambda: 1)
    seen.clear()
    parallel.run_batch(kernel, 20, a, b, 0.5)
    assert seen == [20]  # one thread: one call


def test_layouts_of_a_batch_of_one_equal_the_instance_s():
    p = random_params(9, 5, 4, "master")
    lay = FogLayout.of_batch(np.array([p.d_x]), p.cycles_per_mac[None], np.array([p.master]), p.gain_link[None], 4)
    for name in ("columns", "cycles_per_row", "link_bits", "frd_mask"):
        assert np.array_equal(getattr(lay, name)[0], getattr(p.layout, name))


def _split_solve(params: list[eo.FogParams]) -> list[tuple]:
    parallel.PARALLEL_MIN = 1  # in the child: blocks of one instance or so, over the pool
    return [_bits(s) for s in eo.FogPartitioning.solve_batch(params)]


def test_a_forked_process_gets_a_pool_of_its_own(group, monkeypatch):
    monkeypatch.setattr(parallel.numba, "get_num_threads", lambda: 2)
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    want = [_bits(s) for s in eo.FogPartitioning.solve_batch(group)]  # the parent's pool now exists
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply_async(_split_solve, (group,)).get(timeout=120)  # the parent's workers are gone there
    assert got == want
