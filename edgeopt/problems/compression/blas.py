"""One BLAS thread during the compression methods' loops: :func:`edgeopt.solvers.threads.single_blas_thread`.

The methods multiply small dense matrices (the digits: 1257 x 65 by 65 x 10) thousands of times, where
multithreaded OpenBLAS is slower (the shared module's docstring has the measurements). This module keeps
the name the compression methods import.
"""

from __future__ import annotations

import contextlib
from typing import Any

from edgeopt.solvers.threads import single_blas_thread


def single_thread() -> contextlib.AbstractContextManager[Any]:
    """A context manager that runs its block with one BLAS thread (``edgeopt.solvers.threads``)."""
    return single_blas_thread()
