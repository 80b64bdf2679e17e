"""ISCC (paper 002) in batches: ``IsccProblem.solve_batch`` against one ``solve()`` per instance, bit for bit.

The expected answers are the per-instance solves (a batch must return what
each instance returns alone) and the model's own methods on
:class:`~edgeopt.problems.iscc.model.IsccParams` (what the stacked rows of
:mod:`edgeopt.problems.iscc.pairs` must evaluate). Nothing is compared at a
tolerance: the arithmetic is the same, so the bits are.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.iscc import IsccParams, IsccProblem, lemma4
from edgeopt.problems.iscc import analytic as analytic_module
from edgeopt.problems.iscc import scenarios as scenario
from edgeopt.problems.iscc.analytic import solve_analytic, solve_analytic_batch
from edgeopt.problems.iscc.lemma4 import spectral_efficiency
from edgeopt.problems.iscc.model import infeasibility_reason
from edgeopt.problems.iscc.pairs import PairRows
from edgeopt.solvers.lambert import priced_spectral_efficiency

# Extras that are timings, not answers.
TIMINGS = ("contract",)


def mixed_instances() -> list[IsccParams]:
    """Random and wide instances (1..7 layers, Q_max 2..32), two infeasible ones and a sweep-like grid."""
    out = [scenario.random_params(seed) for seed in range(4)]
    out += [scenario.wide_params(seed) for seed in (0, 1, 3, 4, 5, 9, 11, 17)]
    out += [scenario.params("table2", R_t=0.999), scenario.params("table2", T_max=0.5005)]
    out += [scenario.params("latency", T_max=t, R_t=r) for t in (0.6, 0.9) for r in (0.8, 0.9)]
    return out


def assert_same(a: Solution, b: Solution, label: Any) -> None:
    """Same status, objective, point (values and dtypes) and extras (timings aside), bit for bit."""
    assert a.status is b.status, label
    assert a.objective == b.objective or (math.isinf(a.objective) and math.isinf(b.objective)), label
    assert a.has_point == b.has_point, label
    if a.has_point:
        assert sorted(a.x) == sorted(b.x), label
        for key in a.x:
            assert a.x[key].dtype == b.x[key].dtype, (label, key)
            assert np.array_equal(a.x[key], b.x[key]), (label, key, a.x[key], b.x[key])
    strip = {k: v for k, v in a.extras.items() if k not in TIMINGS}
    assert strip == {k: v for k, v in b.extras.items() if k not in TIMINGS}, label


def test_solve_batch_equals_each_solve_bit_for_bit() -> None:
    params = mixed_instances()
    batch = IsccProblem.solve_batch(params)
    assert {s.status for s in batch} == {Status.FEASIBLE, Status.INFEASIBLE}
    assert len({p.n_layers for p in params}) >= 3  # several layer counts, so several groups
    for i, (p, together) in enumerate(zip(params, batch, strict=True)):
        alone = IsccProblem(p).solve()
        assert_same(alone, together, i)
        assert together.method == "analytic" and together.problem == "iscc"
        if together.status is Status.INFEASIBLE:  # the model's own reason where it has one
            assert together.reason == (infeasibility_reason(p) or together.reason)
        else:  # re-checked by the result contract like a single solve
            assert together.extras["contract"]["max_violation"] <= IsccProblem.FEASIBILITY_TOL


def test_an_instance_gets_the_same_bits_in_any_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same instances in another order, beside other neighbours (whose zooms run more stages), and
    # cut into chunks of one or two instances: a stage run for a neighbour must not move a finished pair.
    params = mixed_instances()
    first = solve_analytic_batch(params)
    neighbours = [scenario.wide_params(seed) for seed in (2, 6, 7, 21)]
    second = solve_analytic_batch([*neighbours[:2], *params[::-1], *neighbours[2:]])[2:-2][::-1]
    assert max(s.extras.get("stages", 0) for s in second) > min(s.extras.get("stages", 99) for s in second)
    monkeypatch.setattr(analytic_module, "CHUNK_ROWS", 200)
    third = solve_analytic_batch(params)
    for i, (a, b, c) in enumerate(zip(first, second, third, strict=True)):
        assert_same(a, b, ("reordered", i))
        assert_same(a, c, ("chunked", i))


def test_batch_of_one_is_the_single_method() -> None:
    p = scenario.wide_params(3)
    assert_same(solve_analytic(p), solve_analytic_batch([p])[0], "one")
    assert IsccProblem.solve_batch([]) == []


def test_batch_options_are_validated_and_passed_on() -> None:
    params = [scenario.random_params(0), scenario.random_params(1)]
    with pytest.raises(InvalidParameterError, match="grid"):
        IsccProblem.solve_batch(params, grid=3)
    coarse = IsccProblem.solve_batch(params, rtol=1e-6)
    for p, together in zip(params, coarse, strict=True):
        assert_same(IsccProblem(p).solve(rtol=1e-6), together, "rtol")


def test_pair_rows_evaluate_the_models_equations() -> None:
    # Stacked rows of several instances against IsccParams' own methods on each instance: exact.
    params = [scenario.wide_params(seed) for seed in (0, 1, 3, 4, 5)] + [scenario.random_params(2)]
    rng = np.random.default_rng(5)
    for n_layers in sorted({p.n_layers for p in params}):
        group = [p for p in params if p.n_layers == n_layers]
        pairs = [p.design_pairs() for p in group]
        rows = PairRows(group, [s for s, _ in pairs], [q for _, q in pairs])
        ps = 10 ** rng.uniform(-8, 0, (rows.size, 3))
        got = {
            "error": rows.error(ps),
            "sensing_power": rows.sensing_power(ps),
            "accuracy": rows.accuracy(0.3, ps),
            "device_flops": rows.device_flops(ps),
            "latency": rows.latency(ps, 0.5 * rows.p_max[:, None], 0.7 * rows.v_max[:, None]),
        }
        start = 0
        for p, (s, q) in zip(group, pairs, strict=True):
            at = slice(start, start + s.size)
            start += s.size
            split, bits, pp = s[:, None], q[:, None], ps[at]
            want = {
                "error": p.error(split, pp, bits),
                "sensing_power": p.sensing_power(split, pp, bits),
                "accuracy": p.accuracy(0.3, split, pp, bits),
                "device_flops": p.device_flops(split, pp),
                "latency": p.latency(split, bits, pp, 0.5 * p.p_max, 0.7 * p.v_max),
            }
            for name, value in want.items():
                assert np.array_equal(got[name][at], value), (n_layers, name)
            assert np.array_equal(rows.t2[at], p.device_and_upload_time(s))
            assert np.array_equal(rows.bits[at], p.upload_bits(s, q))
            # Lemma 3's threshold: numpy's arctan against math.atan, to the last bit or one rounding step.
            threshold = p.R_t / (p.acc_a * math.atan(p.acc_b * p.p_max))
            assert np.all(np.abs(rows.threshold[at] - threshold) <= np.spacing(threshold))


def test_lemma4_entries_do_not_depend_on_the_other_entries() -> None:
    # The array form of the Lambert-W step stops on its slowest entry, which moves the last bits of the
    # others (with it, 14 of the 60 entries below differ alone and together); Lemma 4 must not inherit that.
    rng = np.random.default_rng(11)
    n = 300
    a1 = 10 ** rng.uniform(-4, -0.2, n) * (rng.random(n) > 0.1)
    a2 = 10 ** rng.uniform(3, 8, n) * (rng.random(n) > 0.1)
    gain = 10 ** rng.uniform(-6, 2, n)
    t2 = 10 ** rng.uniform(-2, 0, n)
    together = lemma4(a1, a2, 1e5, 1e-9, gain, 1e-21, t2, 8e6, 1.0)
    for part in (slice(0, 100), slice(100, n), *(slice(i, i + 1) for i in range(60))):
        alone = lemma4(a1[part], a2[part], 1e5, 1e-9, gain[part], 1e-21, t2[part], 8e6, 1.0)
        for field in ("p_c", "v_e", "energy", "mu1", "feasible"):
            assert np.array_equal(getattr(alone, field), getattr(together, field)[part]), field
    y = 10 ** rng.uniform(-12, 12, 2000)
    x = spectral_efficiency(y)
    assert np.allclose(x, priced_spectral_efficiency(y), rtol=1e-12, atol=0.0)
    assert np.array_equal(x[:10], spectral_efficiency(y[:10]))
