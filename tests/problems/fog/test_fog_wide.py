"""Issue 12 for the fog problem: wide-range instances, bad inputs, CVXPY labels and the batched rounding.

The regression cases are the failures the issue lists; the wide-range sample
is drawn by :func:`edgeopt.problems.fog.scenarios.wide_params`, and every
answer is judged by the problem's own ``check()`` at the tolerances the
problem class states (``FEASIBILITY_TOL``, ``CERTIFICATE_TOL``).
"""

import dataclasses
import math

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.problems.fog.decomposition import solve_fixed_rows
from edgeopt.problems.fog.model import FIELD_RANGES
from edgeopt.problems.fog.scenarios import random_params, wide_params

FOG = eo.FogPartitioning
INT_FIELDS = ("n_layers", "master")
ARRAY_FIELDS = ("cycles_per_mac", "kappa", "f_max", "p_max", "p_circuit", "gain_frd", "gain_link")


@pytest.fixture(scope="module")
def fig6():
    return FOG.from_scenario("kilcioglu2021-fig6").params


def _judge(params, sol):
    """The contract's own conditions, re-checked here from ``check()``."""
    assert sol.status in (eo.Status.OPTIMAL, eo.Status.FEASIBLE, eo.Status.INFEASIBLE, eo.Status.FAILED)
    assert "exception" not in sol.extras, sol.reason
    if sol.has_point:
        assert math.isfinite(sol.objective)
        assert all(np.all(np.isfinite(v)) for v in sol.x.values())
        report = FOG(params).check(sol)
        assert report.primal_feasibility <= FOG.FEASIBILITY_TOL, report.details
        if sol.status is eo.Status.OPTIMAL:
            assert abs(report.duality_gap) <= FOG.CERTIFICATE_TOL, report.details


def test_wide_params_is_deterministic_valid_and_feasible():
    a, b = wide_params(5), wide_params(5)
    assert a.as_dict() == b.as_dict()
    tau_min, _ = FOG(a).minimum_latency()
    assert 1.0001 * tau_min * (1 - 1e-12) <= a.tau <= 100 * tau_min * (1 + 1e-12)


def test_wide_params_spans_four_decades():
    """Property: over many draws each positive field covers at least four decades."""
    draws = [wide_params(s) for s in range(300)]
    for name in ("d_y", "bandwidth", "noise_psd", "kappa", "f_max", "p_max", "cycles_per_mac", "gain_link"):
        values = np.concatenate([np.ravel(getattr(p, name)) for p in draws])
        values = values[values > 0]
        assert np.log10(values.max() / values.min()) >= 4.0, name
    ratios = [p.tau / FOG(p).minimum_latency()[0] for p in draws[:100]]
    assert min(ratios) < 1.01 and max(ratios) > 10


@pytest.mark.parametrize("seed", range(0, 24))
def test_wide_instance_answers_pass_their_own_check(seed):
    p = wide_params(seed)
    _judge(p, FOG(p).solve())


def test_wide_batch_matches_the_contract():
    params = [wide_params(s) for s in range(100, 160)]
    sols = FOG.solve_batch(params)
    for p, sol in zip(params, sols, strict=True):
        _judge(p, sol)
    assert sum(s.status is eo.Status.OPTIMAL for s in sols) >= 55


@pytest.mark.slow
def test_wide_instances_many():
    """Slow: 1,000 wide instances, none crashing, none NaN, every label earned."""
    params = [wide_params(s) for s in range(1000)]
    for p, sol in zip(params, FOG.solve_batch(params), strict=True):
        _judge(p, sol)


@pytest.mark.parametrize("tau", [1e-9, 1e-6, 1e-300])
def test_tiny_budget_is_infeasible_with_reason(fig6, tau):
    """Issue 12: tau = 1e-9 raised RuntimeError from the minimum-latency LP."""
    sol = FOG(fig6.replace(tau=tau)).solve()
    assert sol.status is eo.Status.INFEASIBLE
    assert "latency budget" in sol.reason and "below the" in sol.reason


def test_minimum_latency_does_not_depend_on_tau(fig6):
    a, _ = FOG(fig6.replace(tau=1e-9)).minimum_latency()
    b, _ = FOG(fig6).minimum_latency()
    assert a == pytest.approx(b, rel=1e-9)


def _bad_values(field, value):
    shape = np.shape(value)
    out = [math.nan, math.inf, -1.0, 0.0, object(), "1.0", None, 1e300, 1e-300, True]
    if field in INT_FIELDS:
        out += [2.5, 1.0, np.float64(1.0)]
    else:
        out += [np.ones(tuple(s + 1 for s in shape) or (2,))]
    if field in ARRAY_FIELDS:
        for bad in (math.nan, math.inf, -1.0, 1e300, 1e-300):
            arr = np.array(value, dtype=float)
            arr.flat[-1] = bad
            out.append(arr)
        out.append(np.full(shape, "x"))
    return out


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(eo.FogParams)])
def test_every_field_rejects_bad_values_by_name(fig6, field):
    """Issue 12: every field validated for type, finiteness, sign, range and shape; the error names it.

    Values that are valid for a field (a zero circuit power, a tiny budget) must
    instead give an instance that solves with a proper status.
    """
    value = getattr(fig6, field)
    for bad in _bad_values(field, value):
        try:
            p = dataclasses.replace(fig6, **{field: bad})
        except eo.InvalidParameterError as err:
            assert field in str(err) or (field == "cycles_per_mac" and "K" in str(err)), (field, bad, err)
            continue
        accepted = (field == "tau" and isinstance(bad, float) and 0 < bad < 1e9) or (
            field == "p_circuit" and np.all((np.asarray(bad) >= 0.0) & (np.asarray(bad) <= FIELD_RANGES[field][1]))
        )
        assert accepted, (field, bad)
        sol = FOG(p).solve()
        assert sol.status in (eo.Status.OPTIMAL, eo.Status.FEASIBLE, eo.Status.INFEASIBLE)
        _judge(p, sol)


def test_ranges_are_stated_for_every_numeric_field():
    numeric = {f.name for f in dataclasses.fields(eo.FogParams)} - set(INT_FIELDS)
    assert set(FIELD_RANGES) == numeric
    assert all(lo < hi for lo, hi in FIELD_RANGES.values())


def test_integer_fields_take_numpy_integers(fig6):
    p = fig6.replace(master=np.int64(3), n_layers=np.int32(2), gain_link=fig6.gain_link[:, 0])
    assert type(p.master) is int and type(p.n_layers) is int and (p.master, p.n_layers) == (3, 2)


def test_fixed_rows_of_the_wrong_type_are_rejected(fig6):
    with pytest.raises(eo.InvalidParameterError, match="fixed_rows must be an array of real numbers"):
        solve_fixed_rows(fig6, ["a"] * fig6.K)


def test_scs_is_not_labelled_optimal_far_from_the_optimum(fig6):
    """Issue 12: SCS on fig6 was 'optimal' 38.8 % above the optimum; its repaired point is not its reported one."""
    prob = FOG(fig6)
    best = prob.solve()
    sol = prob.solve("cvxpy", solver="SCS")
    assert sol.extras["solver_status"] == "optimal"
    assert "solver_objective" in sol.extras
    if sol.status is eo.Status.OPTIMAL:
        assert abs(sol.objective - sol.extras["solver_objective"]) <= FOG.CERTIFICATE_TOL * sol.objective
    assert sol.objective > best.objective * 1.1
    assert sol.status is not eo.Status.OPTIMAL


def test_cvxpy_reports_its_own_objective_and_the_repaired_one(fig6):
    sol = FOG(fig6).solve("cvxpy", solver="CLARABEL")
    assert sol.has_point
    assert sol.extras["solver_status"] in ("optimal", "optimal_inaccurate")
    assert sol.objective == pytest.approx(FOG(fig6).energy(sol.x), rel=1e-12)
    gap = abs(sol.objective - sol.extras["solver_objective"]) / sol.objective
    assert (sol.status is eo.Status.OPTIMAL) == (gap <= FOG.CERTIFICATE_TOL)


def test_round_rows_at_twenty_nodes_is_integer_and_no_worse_than_largest_remainder():
    """Issue 12: round_rows re-solves its candidates in batches (the benchmark times K = 20)."""
    p = random_params(1, 20, 4)
    prob = FOG(p)
    rounded = prob.round_rows(prob.solve())
    rows = rounded.x["rows"]
    assert np.all(rows == np.round(rows)) and rows.sum() == p.d_y
    assert rounded.objective <= rounded.extras["largest_remainder_objective"] * (1 + 1e-9)
    exact = solve_fixed_rows(p, rows)
    assert exact.status is eo.Status.OPTIMAL
    assert rounded.objective <= exact.objective * (1 + 1e-9)
    assert prob.check(rounded).primal_feasibility <= FOG.FEASIBILITY_TOL


def test_solution_shapes_match_a_solution(fig6):
    prob = FOG(fig6)
    sol = prob.solve()
    assert {k: np.shape(v) for k, v in sol.x.items() if k in prob.solution_shapes()} == prob.solution_shapes()
    bad = dataclasses.replace(sol, x={**sol.x, "rows": sol.x["rows"][:-1]})
    with pytest.raises(eo.InvalidParameterError, match="rows"):
        prob.check(bad)
