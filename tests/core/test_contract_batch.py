"""The batched result contract (``contract.enforce_batch``, ``Problem.check_batch``) equals the one-at-a-time path.

``Problem.solve_batch`` re-checks a batch with one ``check_batch`` call (the
fog problem's is vectorised, one compiled pass per size); every label,
reason and extra must be what :func:`edgeopt.core.contract.enforce` gives each
answer alone, on a mixed batch: certified optima, infeasible and failed
answers (no point), an uncertified 'optimal', an infeasible point labelled
optimal, a backend objective without multipliers, and a point of another size.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.core import contract
from edgeopt.core.problem import failed
from edgeopt.core.status import Status
from edgeopt.problems.fog import problem as fog_problem
from edgeopt.problems.fog.scenarios import random_params


class BatchContractFog(eo.FogPartitioning):
    """A subclass, so that the methods registered here stay out of the library's own table."""


class LoopContractFog(eo.FogPartitioning):
    """The same problem with the base class's per-instance ``check_batch`` (the default every other problem keeps)."""

    check_batch = classmethod(eo.Problem.check_batch.__func__)  # type: ignore[attr-defined]


def _relabel(solution, status, **x_changes):
    x = {k: np.array(v, copy=True) for k, v in solution.x.items()}
    x.update(x_changes)
    return eo.Solution(status=status, objective=solution.objective, x=x, duals=solution.duals, extras={"path": "test"})


@pytest.fixture(scope="module")
def mixed():
    """(params, solutions) of a batch of two sizes with every kind of answer the contract labels."""
    fig6 = eo.FogPartitioning.from_scenario("kilcioglu2021-fig6").params
    small = [random_params(40 + i, 5, 2, "master") for i in range(3)]
    large = [random_params(60 + i, 20, 4, "offload") for i in range(3)]
    params, sols = [], []

    def add(p, s):
        params.append(p)
        sols.append(s)

    for p in (fig6, *small, *large):
        add(p, eo.FogPartitioning(p).solve())  # certified optima
    add(fig6.replace(tau=1e-6), eo.FogPartitioning(fig6.replace(tau=1e-6)).solve())  # infeasible: no point
    add(small[0], failed("a method that gave up"))
    baseline = eo.FogPartitioning(large[0]).solve("no_opt_dist")
    add(large[0], _relabel(baseline, Status.OPTIMAL))  # feasible, far from optimal: downgraded
    opt = eo.FogPartitioning(small[1]).solve()
    add(small[1], _relabel(opt, Status.OPTIMAL, rows=opt.x["rows"] * 0.5))  # infeasible point: failed
    no_duals = _relabel(opt, Status.OPTIMAL)
    no_duals.duals = None
    no_duals.extras["solver_objective"] = opt.objective * (1 + 1e-9)  # certified by the backend's objective
    add(small[1], no_duals)
    far = copy.deepcopy(no_duals)
    far.extras["solver_objective"] = opt.objective * 0.6
    add(small[1], far)
    add(large[1], _relabel(eo.FogPartitioning(large[1]).solve(), Status.FEASIBLE))  # feasible label, certified point
    assert {s.status for s in sols} >= {Status.OPTIMAL, Status.INFEASIBLE, Status.FAILED}
    return params, sols


def _fresh(sols):
    out = copy.deepcopy(sols)
    for s in out:
        s.extras.pop("contract", None)
        s.problem = "fog"
    return out


def _comparable(solution):
    extras = copy.deepcopy(solution.extras)
    extras.get("contract", {}).pop("check_time_s", None)
    return solution.status, solution.objective, extras


def _one_at_a_time(cls, params, sols):
    return [contract.enforce(cls(p), s) for p, s in zip(params, sols, strict=True)]


@pytest.mark.parametrize("cls", [BatchContractFog, LoopContractFog])
def test_enforce_batch_labels_every_answer_as_enforce_does(mixed, cls):
    params, sols = mixed
    expected = _one_at_a_time(eo.FogPartitioning, params, _fresh(sols))
    got = contract.enforce_batch(cls, params, _fresh(sols))
    assert [_comparable(s) for s in got] == [_comparable(s) for s in expected]
    statuses = [s.status for s in got]
    assert statuses.count(Status.FAILED) == 2 and statuses.count(Status.INFEASIBLE) == 1
    assert sum("downgraded" in s.extras for s in got) == 2
    assert all(s.extras["contract"]["check_time_s"] >= 0 for s in got if s.has_point or "contract" in s.extras)


def test_vectorised_check_batch_gives_the_reports_of_check(mixed):
    params, sols = mixed
    with_point = [(p, s) for p, s in zip(params, sols, strict=True) if s.has_point]
    reports = eo.FogPartitioning.check_batch([p for p, _ in with_point], [s for _, s in with_point])
    assert reports == [eo.FogPartitioning(p).check(s) for p, s in with_point]


def test_a_point_of_another_size_falls_back_to_one_at_a_time(mixed):
    params, sols = mixed
    params = list(params)
    params[1] = eo.FogPartitioning.from_scenario("kilcioglu2021-fig6").params  # sols[1] has another shape
    expected = _one_at_a_time(eo.FogPartitioning, params, _fresh(sols))
    got = contract.enforce_batch(BatchContractFog, params, _fresh(sols))
    assert [_comparable(s) for s in got] == [_comparable(s) for s in expected]
    assert got[1].status is Status.FAILED and "does not fit" in got[1].reason


def test_solve_batch_checks_the_batch_in_one_call(mixed, monkeypatch):
    params, sols = mixed
    eo.register_method(BatchContractFog, "replay", lambda p: sols[0], batch=lambda ps: _fresh(sols), replace=True)
    calls = []
    real = fog_problem.kkt_report_batch
    monkeypatch.setattr(fog_problem, "kkt_report_batch", lambda *a: calls.append(len(a[0])) or real(*a))
    got = BatchContractFog.solve_batch(params, method="replay")
    assert calls == [sum(s.has_point for s in sols)]
    expected = _one_at_a_time(eo.FogPartitioning, params, _fresh(sols))
    assert [_comparable(s) for s in got] == [_comparable(s) for s in expected]
    assert all(s.method == "replay" and s.problem == "fog" for s in got)


class BatchIscc(eo.IsccProblem):
    """Another problem: it keeps the default, per-instance ``check_batch``."""


def test_other_problems_keep_the_per_instance_check():
    prob = BatchIscc.from_scenario("latency")
    good = prob.solve()
    bad = copy.deepcopy(good)
    bad.x = {k: np.asarray(v) * 3.0 for k, v in bad.x.items()}
    bad.extras = {}
    sols = [good, bad, failed("nothing")]
    eo.register_method(BatchIscc, "replay", lambda p: good, batch=lambda ps: copy.deepcopy(sols), replace=True)
    got = BatchIscc.solve_batch([prob.params] * 3, method="replay")
    expected = [contract.enforce(BatchIscc(prob.params), s) for s in _fresh_iscc(sols)]
    assert [_comparable(s) for s in got] == [_comparable(s) for s in expected]
    assert got[2].status is Status.FAILED and math.isinf(got[2].objective)


def _fresh_iscc(sols):
    out = copy.deepcopy(sols)
    for s in out:
        s.extras.pop("contract", None)
        s.method, s.problem = "replay", "iscc"
    return out
