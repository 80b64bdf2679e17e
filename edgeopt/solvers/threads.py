"""One BLAS thread for a block of code: the solvers' loops multiply small arrays many times.

Multithreaded OpenBLAS is slower on small dense products even on an idle machine, and under CPU
contention far slower: compression's default on the digits took 0.03 s with one thread and 0.9 s with
two on a loaded 2-core machine (issue 12); NOMA's L-BFGS-B power polish 0.9 s against 3.6 s at 90
users (issue 13). threadpoolctl (a runtime dependency) caps every loaded BLAS at one thread for the
block and restores it afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """A context manager that runs its block with one BLAS thread."""
    limit: contextlib.AbstractContextManager[Any] = _controller().limit(limits=1, user_api="blas")
    return limit
