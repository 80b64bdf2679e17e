"""Cut selection (paper 000) in batches: ``CutSelection.solve_batch`` against one ``solve()`` per instance.

The expected answers are the per-instance solves, bit for bit (a batch must
return what each instance returns alone), and, as an independent check of
the choices, the energy matrix's row minimum (:func:`~.model.row_minimum`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.cut_selection import CutSelection, CutSelectionParams
from edgeopt.problems.cut_selection import envelope as envelope_module
from edgeopt.problems.cut_selection import scenarios as scenario
from edgeopt.problems.cut_selection.envelope import solve_envelope, solve_envelope_batch
from edgeopt.problems.cut_selection.model import row_minimum


def mixed_instances() -> list[CutSelectionParams]:
    """Random and wide instances (fixed power and power control), a sweep over one network's links,
    2-D gains, and a batch with no link at all (INFEASIBLE)."""
    mnist = scenario.params("mnist")
    out = [scenario.random_params(seed, n_samples=1 + seed % 7) for seed in range(6)]
    out += [scenario.wide_params(seed) for seed in range(8)]
    out += [mnist.replace(bandwidth=b, power=w) for b in (1.5e4, 1.5e6) for w in (1e-4, 1e-3)]
    out += [mnist.replace(gains=mnist.gains[:12].reshape(3, 4)), mnist.replace(gains=np.zeros(3))]
    out += [scenario.random_params(7, power_control=True, n_samples=5), scenario.params("trajectory-power")]
    return out


def assert_same(a: Solution, b: Solution, label: Any) -> None:
    """Same status, objective, point (values, dtypes, shapes) and extras (the contract's timings aside)."""
    assert a.status is b.status, label
    assert a.objective == b.objective or (math.isinf(a.objective) and math.isinf(b.objective)), label
    assert a.has_point == b.has_point, label
    if a.has_point:
        assert sorted(a.x) == sorted(b.x), label
        for key in a.x:
            assert a.x[key].dtype == b.x[key].dtype and np.array_equal(a.x[key], b.x[key]), (label, key)
    assert {k: v for k, v in a.extras.items() if k != "contract"} == {
        k: v for k, v in b.extras.items() if k != "contract"
    }, label


def test_solve_batch_equals_each_solve_bit_for_bit() -> None:
    params = mixed_instances()
    batch = CutSelection.solve_batch(params)
    assert {s.status for s in batch} == {Status.OPTIMAL, Status.INFEASIBLE}
    assert any(p.power_control is not None for p in params)
    for i, (p, together) in enumerate(zip(params, batch, strict=True)):
        assert_same(CutSelection(p).solve(), together, i)
        assert together.method == "analytic" and together.problem == "cut_selection"
        if together.has_point:  # re-checked by the result contract, certificate included
            assert together.extras["contract"]["certificate"] <= CutSelection.CERTIFICATE_TOL


def test_an_instance_gets_the_same_bits_in_any_batch() -> None:
    params = mixed_instances()
    first = solve_envelope_batch(params)
    others = [scenario.wide_params(seed) for seed in (8, 9)] + [scenario.params("mnist").replace(bandwidth=3e5)]
    second = solve_envelope_batch([*others, *params[::-1]])[len(others) :][::-1]
    for i, (a, b) in enumerate(zip(first, second, strict=True)):
        assert_same(a, b, i)


def test_instances_sharing_a_network_share_one_envelope(monkeypatch: pytest.MonkeyPatch) -> None:
    mnist = scenario.params("mnist")
    params = [mnist.replace(bandwidth=b, noise_psd=n) for b in (1e4, 1e5, 1e6) for n in (1e-10, 1e-9)]
    params.append(scenario.random_params(3))
    calls = []
    original = envelope_module.lower_envelope

    def counted(intercepts: np.ndarray, slopes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(intercepts.size)
        return original(intercepts, slopes)

    monkeypatch.setattr(envelope_module, "lower_envelope", counted)
    batch = solve_envelope_batch(params)
    assert len(calls) == 2  # one envelope per layer table
    for p, sol in zip(params, batch, strict=True):
        # Every sample's chosen energy is its row minimum, computed from the model without the envelope.
        assert np.allclose(sol.x["energy"].reshape(-1), row_minimum(p), rtol=1e-13, atol=0.0)
    assert_same(solve_envelope(params[0]), batch[0], "first")
    assert CutSelection.solve_batch([]) == []
