"""The result contract of Problem.solve / solve_batch, Solution's exports and the strict validators (issue 12)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status


class ContractFog(eo.FogPartitioning):
    """A subclass, so that the methods registered here stay out of the library's own table."""


@pytest.fixture(scope="module")
def fig6():
    return ContractFog.from_scenario("kilcioglu2021-fig6")


@pytest.fixture(scope="module")
def optimum(fig6):
    return fig6.solve()


def _copy(solution, status, **x_changes):
    x = {k: np.array(v, copy=True) for k, v in solution.x.items()}
    x.update(x_changes)
    return eo.Solution(status=status, objective=solution.objective, x=x, duals=solution.duals, extras={})


def test_infeasible_point_labelled_optimal_becomes_failed(fig6, optimum):
    # Rows that no longer sum to d_y: a point violating the model's equality, labelled optimal by its method.
    bad = _copy(optimum, Status.OPTIMAL, rows=optimum.x["rows"] * 0.5)
    eo.register_method(ContractFog, "halved_rows", lambda params: bad, replace=True)
    sol = fig6.solve("halved_rows")
    assert sol.status is Status.FAILED and math.isinf(sol.objective)
    assert sol.extras["rejected_status"] == "optimal" and sol.extras["max_violation"] > 0.1
    assert "constraint violation" in sol.reason and "tolerance" in sol.reason


def test_uncertified_optimal_becomes_feasible_and_keeps_the_backend_status(fig6):
    # The equal-rows baseline is feasible but far from optimal (duality gap ~2.6): it cannot keep 'optimal'.
    baseline = fig6.solve("no_opt_dist")
    claimed = _copy(baseline, Status.OPTIMAL)
    claimed.objective = baseline.objective
    eo.register_method(ContractFog, "claims_optimal", lambda params: claimed, replace=True)
    sol = fig6.solve("claims_optimal")
    assert sol.status is Status.FEASIBLE
    assert sol.extras["solver_status"] == "optimal" and "not certified" in sol.extras["downgraded"]


def test_backend_objective_that_matches_the_repaired_point_certifies(fig6, optimum):
    matched = _copy(optimum, Status.OPTIMAL)
    matched.duals = None  # no multipliers: the gap cannot be formed, the backend's own objective is the evidence
    matched.extras = {"solver_objective": optimum.objective * (1 + 1e-9)}
    eo.register_method(ContractFog, "reports_objective", lambda params: matched, replace=True)
    assert fig6.solve("reports_objective").status is Status.OPTIMAL
    far = _copy(optimum, Status.OPTIMAL)
    far.duals = None
    far.extras = {"solver_objective": optimum.objective * 0.6}  # a backend 40 % off its own point
    eo.register_method(ContractFog, "reports_far_objective", lambda params: far, replace=True)
    sol = fig6.solve("reports_far_objective")
    assert sol.status is Status.FEASIBLE and "from the backend's reported one" in sol.extras["downgraded"]


def test_dependency_errors_become_failed_but_programming_errors_propagate(fig6):
    def raises_runtime(params):
        raise RuntimeError("HiGHS went away")

    def raises_type(params):
        raise TypeError("a bug in the method")

    eo.register_method(ContractFog, "raises_runtime", raises_runtime, replace=True)
    eo.register_method(ContractFog, "raises_type", raises_type, replace=True)
    sol = fig6.solve("raises_runtime")
    assert sol.status is Status.FAILED and sol.extras["exception"] == "RuntimeError"
    assert "HiGHS went away" in sol.reason
    with pytest.raises(TypeError, match="a bug"):
        fig6.solve("raises_type")

    class UsersOwnError(Exception):
        pass

    def raises_own(params):
        raise UsersOwnError("the user's method gave up")

    eo.register_method(ContractFog, "raises_own", raises_own, replace=True)
    with pytest.raises(UsersOwnError):
        fig6.solve("raises_own")


def test_solve_batch_applies_the_contract(fig6):
    sols = ContractFog.solve_batch([fig6.params, fig6.params.replace(tau=fig6.params.tau * 2)])
    assert [s.status for s in sols] == [Status.OPTIMAL, Status.OPTIMAL]
    assert all(s.extras["contract"]["max_violation"] <= ContractFog.FEASIBILITY_TOL for s in sols)


def test_check_refuses_another_problems_solution(optimum):
    iscc = eo.IsccProblem.from_scenario("latency")
    with pytest.raises(InvalidParameterError, match="comes from problem 'fog'"):
        iscc.check(optimum)
    other_size = eo.FogPartitioning.from_scenario("kilcioglu2021-fig4")
    with pytest.raises(InvalidParameterError, match=r"solution\.x\[|does not fit this FogPartitioning"):
        other_size.check(optimum)
    with pytest.raises(InvalidParameterError, match="takes a Solution"):
        other_size.check({"rows": 1})


def test_repr_is_one_line_and_exports_are_plain(optimum):
    text = repr(optimum)
    assert "\n" not in text and "optimal" in text and "analytic" in text and "ms" in text and "iterations" in text
    exported = optimum.to_dict()
    json.dumps(exported)  # lists, not arrays
    assert exported["x"]["rows"] == optimum.x["rows"].tolist() and exported["problem"] == "fog"
    frame = optimum.to_frame()
    assert len(frame) == sum(np.size(v) for v in optimum.x.values())
    assert {"variable", "index_0", "index_1", "value"} <= set(frame.columns)
    rows = frame[frame.variable == "rows"]
    assert rows["index_1"].isna().all() and rows["value"].tolist() == optimum.x["rows"].tolist()
    both = eo.to_frame([optimum, optimum])
    assert len(both) == 2 * len(frame) and set(both["solution"]) == {0, 1}


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (lambda v: validate.number("x", v), "1.0", "x must be a real number"),
        (lambda v: validate.number("x", v), True, "x must be a real number"),
        (lambda v: validate.number("x", v), None, "x must be a real number"),
        (lambda v: validate.number("x", v, minimum=0, maximum=1), 2.0, r"x must be finite and in \[0, 1\]"),
        (lambda v: validate.positive_scalar("p", v), math.nan, "p must be finite and > 0"),
        (lambda v: validate.positive_scalar("p", v), 0.0, "p must be finite and > 0"),
        (lambda v: validate.integer("q", v), 2.5, "q must be an integer"),
        (lambda v: validate.integer("q", v), 3.0, "q must be an integer"),
        (lambda v: validate.integer("q", v, minimum=1), 0, r"q must be an integer in \[1, inf\)"),
        (lambda v: validate.boolean("allow_raw", v), "no", "allow_raw must be True or False"),
        (lambda v: validate.boolean("allow_raw", v), 1, "allow_raw must be True or False"),
        (lambda v: validate.array("g", v), ["1", "2"], "g must be an array of real numbers"),
        (lambda v: validate.array("g", v), None, "g must be an array of real numbers"),
        (lambda v: validate.array("g", v, ((2,),)), [1.0, 2.0, 3.0], r"g must have shape \(2,\)"),
        (lambda v: validate.array("g", v), [1.0, math.inf], "g must be finite"),
        (lambda v: validate.array("g", v, allow_zero=True), [0.0, -1.0], "g must be >= 0 everywhere"),
        (lambda v: validate.array("g", v, maximum=10.0), [1.0, 11.0], "g must be <= 10 everywhere"),
    ],
)
def test_validators_name_the_field_and_never_coerce(check, value, message):
    with pytest.raises(InvalidParameterError, match=message):
        check(value)


def test_validators_accept_real_numbers_of_any_numpy_kind():
    assert validate.number("x", np.float32(2.0)) == 2.0 and validate.integer("q", np.int64(3)) == 3
    assert validate.boolean("b", np.bool_(True)) is True
    arr = validate.array("g", [1, 2])
    assert arr.dtype == float and not arr.flags.writeable
