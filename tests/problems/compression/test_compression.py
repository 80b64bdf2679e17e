"""Compression (paper 000, problem (10)): FISTA vs CVXPY on real digits, pruning, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tolerances import COMPRESSION_VS_CVXPY

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.compression import DigitsData, L1Logistic, L1LogisticParams, accuracy, prune, scenarios

FISTA_KKT = 1e-6  # subgradient residual relative to lambda_max; FISTA stops at 1e-13 objective change


@pytest.fixture(scope="module")
def digits() -> DigitsData:
    return DigitsData.load(seed=0)


def test_fista_matches_clarabel(digits: DigitsData) -> None:
    params = L1LogisticParams(digits.x_train, digits.y_train, mu=0.99)
    problem = L1Logistic(params)
    fista = problem.solve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = problem.solve("cvxpy")
    assert fista.status is Status.OPTIMAL and reference.status is Status.OPTIMAL
    assert abs(reference.objective - fista.objective) <= COMPRESSION_VS_CVXPY * fista.objective
    assert problem.check(fista).stationarity <= FISTA_KKT


def test_more_l1_means_sparser_and_pruning_keeps_accuracy(digits: DigitsData) -> None:
    sols = {}
    for mu in (0.999, 0.99):
        sols[mu] = L1Logistic(L1LogisticParams(digits.x_train, digits.y_train, mu=mu)).solve()
        assert sols[mu].status is Status.OPTIMAL
    nnz = {mu: int(np.count_nonzero(s.x["W"])) for mu, s in sols.items()}
    assert nnz[0.99] < nnz[0.999] < 640
    w, c = sols[0.999].x["W"], sols[0.999].x["c"]
    dense_accuracy = accuracy(digits.x_test, digits.y_test, w, c)
    assert dense_accuracy > 0.9
    pruned = prune(w, 0.05 * np.abs(w).max())
    assert np.count_nonzero(pruned) < nnz[0.999]
    assert np.all(pruned[np.abs(w) < 0.05 * np.abs(w).max()] == 0)
    assert accuracy(digits.x_test, digits.y_test, pruned, c) > dense_accuracy - 0.05


def test_bad_input_is_named(digits: DigitsData) -> None:
    with pytest.raises(InvalidParameterError, match="mu"):
        L1LogisticParams(digits.x_train, digits.y_train, mu=1.5)
    with pytest.raises(InvalidParameterError, match="labels"):
        L1LogisticParams(digits.x_train, digits.y_train + 10)
    with pytest.raises(InvalidParameterError, match="test_fraction"):
        DigitsData.load(test_fraction=1.0)


def test_named_scenarios(digits: DigitsData) -> None:
    assert {"digits", "digits-small"} <= set(L1Logistic.scenarios())
    full = scenarios.params("digits")
    assert np.array_equal(full.x, digits.x_train) and full.mu == 0.99 and full.n_classes == 10
    small = L1Logistic.from_scenario("digits-small")
    assert small.params.x.shape == (150, 16) and set(small.params.y.tolist()) == {0, 1, 2}
    fista = small.solve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = small.solve("cvxpy")
    assert fista.status is Status.OPTIMAL and reference.status is Status.OPTIMAL
    assert abs(reference.objective - fista.objective) <= COMPRESSION_VS_CVXPY * fista.objective
    assert small.check(fista).stationarity <= FISTA_KKT
    assert L1Logistic.from_scenario("digits-small", mu=0.9).params.mu == 0.9
    with pytest.raises(InvalidParameterError, match="pool"):
        scenarios.params("digits", pool=3)
    with pytest.raises(InvalidParameterError, match="entries.*'lr'"):
        scenarios.params("digits", lr=0.1)


def test_random_params_are_seeded_and_solved() -> None:
    for seed in range(5):
        a, b = scenarios.random_params(seed), scenarios.random_params(seed)
        assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) and a.mu == b.mu
        problem = L1Logistic(a)
        fista = problem.solve()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = problem.solve("cvxpy")
        assert abs(reference.objective - fista.objective) <= COMPRESSION_VS_CVXPY * fista.objective
