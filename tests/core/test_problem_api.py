import math
import warnings

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.core.status import from_cvxpy_status


def test_status_mapping_defaults_to_failed():
    assert from_cvxpy_status("optimal") is eo.Status.OPTIMAL
    assert from_cvxpy_status("optimal_inaccurate") is eo.Status.FEASIBLE
    assert from_cvxpy_status("infeasible") is eo.Status.INFEASIBLE
    assert from_cvxpy_status("solver_error") is eo.Status.FAILED
    assert from_cvxpy_status(None) is eo.Status.FAILED


def test_solution_rejects_nan():
    with pytest.raises(ValueError, match="objective"):
        eo.Solution(status=eo.Status.OPTIMAL, objective=math.nan)
    with pytest.raises(ValueError, match="rows"):
        eo.Solution(status=eo.Status.OPTIMAL, objective=1.0, x={"rows": np.array([np.nan])})


def test_failed_solution_never_passes_gap_check():
    sol = eo.Solution(status=eo.Status.FAILED)
    assert sol.duality_gap() == math.inf
    assert sol.objective == math.inf


def test_unknown_method_lists_available():
    prob = eo.FogPartitioning.from_scenario("kilcioglu2021-fig4")
    with pytest.raises(eo.UnknownMethodError, match="available: analytic"):
        prob.solve(method="nope")
    assert prob.methods[0] == "analytic"
    assert set(prob.methods) == {"analytic", "decomposition", "cvxpy", "no_opt_dist"}


def test_unknown_option_warns_not_silent():
    prob = eo.FogPartitioning.from_scenario("kilcioglu2021-fig4")
    with pytest.warns(UserWarning, match="ignores unknown option"):
        sol = prob.solve(bogus=1)
    assert sol.status is eo.Status.OPTIMAL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prob.solve(max_iter=120)
        prob.solve("decomposition", tol=1e-13)


def test_old_method_name_still_works_with_deprecation_warning():
    prob = eo.FogPartitioning.from_scenario("kilcioglu2021-fig4")
    with pytest.warns(DeprecationWarning, match="now called 'no_opt_dist'"):
        old = prob.solve("NoOptDist")
    assert old.method == "no_opt_dist"
    assert old.objective == prob.solve("no_opt_dist").objective


class _Toy(eo.Problem):
    """A problem class of the test's own, so that registering methods leaves the real ones alone."""

    NAME = "toy"
    METHODS = {}
    DEFAULT_METHOD = "double"

    def check(self, solution):
        return eo.KKTReport(primal_feasibility=0.0)


def test_register_method_function_and_decorator_forms():
    def double(params, *, factor=2.0):
        return eo.Solution(status=eo.Status.OPTIMAL, objective=factor * params)

    assert eo.register_method(_Toy, "double", double) is double

    @eo.register_method(_Toy, "square")
    def square(params):
        return eo.Solution(status=eo.Status.FEASIBLE, objective=params**2)

    prob = _Toy(3.0)
    assert prob.methods == ["double", "square"]
    assert prob.solve().objective == 6.0
    assert prob.solve(factor=3.0).objective == 9.0
    assert prob.solve("square").method == "square"
    assert "toy" not in eo.PROBLEMS and "double" not in eo.DagSplit.METHODS


def test_register_method_rejects_bad_names_and_duplicates():
    def method(params):
        return eo.Solution(status=eo.Status.FAILED)

    with pytest.raises(eo.InvalidParameterError, match="snake_case"):
        eo.register_method(_Toy, "NoOptDist", method)
    with pytest.raises(eo.InvalidParameterError, match="Problem subclass"):
        eo.register_method(int, "x", method)
    eo.register_method(_Toy, "once", method)
    with pytest.raises(eo.InvalidParameterError, match="already has a method 'once'"):
        eo.register_method(_Toy, "once", method)
    eo.register_method(_Toy, "once", method, replace=True)


def test_solve_batch_only_for_batched_methods():
    with pytest.raises(eo.UnknownMethodError, match="batched method 'cvxpy'.*available: analytic"):
        eo.FogPartitioning.solve_batch([], method="cvxpy")
    with pytest.raises(eo.UnknownMethodError, match="available: none"):
        eo.DagSplit.solve_batch([])
    with pytest.raises(eo.InvalidParameterError, match="FogParams or FogPartitioning items, got str at index 0"):
        eo.FogPartitioning.solve_batch(["x"])


def test_constructor_checks_params_type():
    with pytest.raises(eo.InvalidParameterError, match="FogPartitioning takes a FogParams, got dict"):
        eo.FogPartitioning({})


def test_unknown_scenario_lists_the_names():
    with pytest.raises(eo.InvalidParameterError, match="unknown fog scenario 'nope'; available: \\['kilcioglu2021"):
        eo.FogPartitioning.from_scenario("nope")


def test_every_problem_is_importable_from_the_top():
    for cls in eo.PROBLEMS.values():
        assert getattr(eo, cls.__name__) is cls
