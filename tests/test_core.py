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
    assert set(prob.methods) == {"analytic", "decomposition", "cvxpy", "NoOptDist"}


def test_unknown_option_warns_not_silent():
    prob = eo.FogPartitioning.from_scenario("kilcioglu2021-fig4")
    with pytest.warns(UserWarning, match="ignores unknown option"):
        sol = prob.solve(bogus=1)
    assert sol.status is eo.Status.OPTIMAL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prob.solve(max_iter=120)
        prob.solve("decomposition", tol=1e-13)
