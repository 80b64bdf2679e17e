"""Small dense linear algebra for compiled kernels (numba): a LAPACK call per tiny system costs more than it saves.

The fog solver's interior-point path (:mod:`edgeopt.problems.fog.path_kernel`)
and its KKT Newton finish (:mod:`edgeopt.problems.fog.kkt_newton`) each solve
one dense system of order ``K + N + 2`` or less per instance and iteration,
inside loops over the instances of a batch; both use :func:`lu_solve_inplace`.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, error_model="numpy", nogil=True)
def lu_solve_inplace(A, b):  # pragma: no cover - compiled
    """Solve ``A x = b`` by Gaussian elimination with partial pivoting, in place.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        Overwritten by the elimination.
    b : ndarray, shape (n,)
        Overwritten by the solution ``x``.

    Returns
    -------
    bool
        False if a pivot is zero or not a number (``b`` is then meaningless).

    """
    n = A.shape[0]
    for c in range(n):
        p = c
        big = abs(A[c, c])
        for i in range(c + 1, n):
            if abs(A[i, c]) > big:
                big = abs(A[i, c])
                p = i
        if not big > 0.0:  # zero or NaN pivot
            return False
        if p != c:
            for j in range(c, n):
                A[c, j], A[p, j] = A[p, j], A[c, j]
            b[c], b[p] = b[p], b[c]
        piv = A[c, c]
        for i in range(c + 1, n):
            f = A[i, c] / piv
            if f != 0.0:
                for j in range(c + 1, n):
                    A[i, j] -= f * A[c, j]
                b[i] -= f * b[c]
    for i in range(n - 1, -1, -1):
        acc = b[i]
        for j in range(i + 1, n):
            acc -= A[i, j] * b[j]
        b[i] = acc / A[i, i]
    return True
