"""One BLAS thread during the compression methods' loops (through threadpoolctl, when it is installed).

The methods multiply small dense matrices (the digits: 1257 x 65 by 65 x 10)
thousands of times. Multithreaded OpenBLAS is slower on them even on an idle
machine, and under CPU contention far slower: the default on the digits
took 0.03 s with one thread and 0.9 s with two on a loaded 2-core machine
(measured during issue 12). threadpoolctl (a dependency of scikit-learn,
the ``compression`` extra) caps every loaded BLAS at one thread for the
duration of a solve and restores it afterwards; without it nothing changes.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any


@functools.cache
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - optional, found once
    except ImportError:
        return None
    return ThreadpoolController()


def single_thread() -> contextlib.AbstractContextManager[Any]:
    """A context manager that runs its block with one BLAS thread (a no-op without threadpoolctl)."""
    controller = _controller()
    if controller is None:
        return contextlib.nullcontext()
    limit: contextlib.AbstractContextManager[Any] = controller.limit(limits=1, user_api="blas")
    return limit
