"""The compiled LU solve of edgeopt.solvers.dense against numpy's LAPACK solve."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.solvers.dense import lu_solve_inplace


@pytest.mark.parametrize("n", [1, 2, 7, 26])
def test_lu_solve_agrees_with_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(20):
        A = rng.normal(size=(n, n)) + n * np.eye(n) * rng.choice([-1.0, 1.0])
        A[[0, -1]] = A[[-1, 0]]  # a permuted diagonal: pivoting is needed
        b = rng.normal(size=n)
        x = b.copy()
        assert lu_solve_inplace(A.copy(), x)
        ref = np.linalg.solve(A, b)
        assert np.allclose(x, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_lu_solve_reports_a_singular_or_nan_system() -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert not lu_solve_inplace(singular.copy(), np.array([1.0, 1.0]))
    assert not lu_solve_inplace(np.zeros((3, 3)), np.ones(3))
    assert not lu_solve_inplace(np.array([[np.nan, 1.0], [1.0, 1.0]]), np.ones(2))
