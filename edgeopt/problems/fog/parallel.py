"""Spread a compiled batch kernel of the fog solver over threads, block by block: the same answers, bit for bit.

Every batch kernel of the default method (the interior-point path
:func:`~edgeopt.problems.fog.path_kernel.run_path`, the KKT Newton finish,
the closed-form primal point, the certificate) loops over the instances of
its batch and computes each one from its own entries of the arrays alone.
:func:`run_batch` cuts the batch axis into contiguous blocks and runs the
*same* compiled kernel on each block from a pool of Python threads: the
kernels are compiled with ``nogil=True``, so the blocks run at once, and
each instance goes through exactly the code it would take in one serial
call, whatever the block it falls in. The answers are therefore those of
the serial kernel, bit for bit, and independent of the other instances of
the batch.

Why threads over blocks instead of numba's ``prange``: a ``parallel=True``
twin of each kernel doubles its compile time (the first call on a fresh
checkout), numba's default ``workqueue`` layer aborts the process when two
Python threads enter it at once, and the contiguous slices of C-contiguous
arrays keep the kernels' compiled signatures, so nothing is compiled twice.

The thread count is numba's (``NUMBA_NUM_THREADS`` in the environment before
numba is imported, or ``numba.set_num_threads(n)`` in the calling thread);
with one thread, or fewer than :data:`PARALLEL_MIN` instances per thread,
the kernel runs in one call in the caller's thread. A call from inside a
block (a kernel that starts another batch) runs serially too. A process
forked after the pool started (``multiprocessing`` with ``fork``) starts a
pool of its own: the parent's threads do not exist in the child.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np

#: Instances per thread from which a batch is spread over threads (below it one call is cheaper).
PARALLEL_MIN = 16
#: Blocks per thread: a few more than threads even out instances of unequal cost.
BLOCKS_PER_THREAD = 4

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_LOCAL = threading.local()  # .inside: this thread is running a block


def _forget_pool() -> None:
    """In a forked child: the parent's workers do not exist there, so start a pool of its own when needed."""
    global _POOL, _POOL_LOCK
    _POOL, _POOL_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            # As many workers as numba allows threads (NUMBA_NUM_THREADS); a call uses get_num_threads() of them.
            most = int(getattr(numba.config, "NUMBA_NUM_THREADS", 1))
            _POOL = ThreadPoolExecutor(max_workers=max(1, most), thread_name_prefix="fog")
        return _POOL


def _rows(value: Any, size: int, lo: int, hi: int) -> Any:
    """``value`` restricted to instances ``lo:hi``: arrays (and tuples of arrays) with the batch axis first."""
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == size:
        return value[lo:hi]
    if isinstance(value, tuple):
        return tuple(_rows(item, size, lo, hi) for item in value)
    return value


def _blocks(
    kernel: Callable[..., Any], args: Sequence[Any], size: int, todo: Iterator[tuple[int, int, int]]
) -> list[tuple[int, Any]]:
    """Run blocks taken from ``todo`` (shared by the workers) until none is left; returns ``(index, result)`` pairs."""
    done: list[tuple[int, Any]] = []
    _LOCAL.inside = True
    try:
        for index, lo, hi in todo:
            done.append((index, kernel(*(_rows(a, size, lo, hi) for a in args))))
    finally:
        _LOCAL.inside = False
    return done


def run_batch(kernel: Callable[..., Any], size: int, *args: Any) -> Any:
    """``kernel(*args)`` over a batch of ``size`` instances, spread over threads in blocks.

    Parameters
    ----------
    kernel : callable
        A compiled (``nogil``) kernel that loops over the instances of its
        batch-first arguments and writes or returns each instance's results
        from its own entries only.
    size : int
        The batch size: every array argument (or array in a tuple argument)
        whose first axis has this length is cut into blocks; the other
        arguments are passed to every block unchanged. A kernel must not take
        shared arrays of that length.
    *args
        The kernel's arguments.

    Returns
    -------
    Any
        The kernel's return value: for a split call, its arrays (or tuple of
        arrays) joined along the batch axis in block order; ``None`` for a
        kernel that only writes into its arguments.

    """
    threads = numba.get_num_threads()
    if threads <= 1 or size < PARALLEL_MIN * threads or getattr(_LOCAL, "inside", False):
        return kernel(*args)
    blocks = min(threads * BLOCKS_PER_THREAD, size // PARALLEL_MIN)
    edges = np.linspace(0, size, blocks + 1).astype(int).tolist()
    # One shared iterator: each worker takes the next block when it is free (a lock keeps
    # the iterator consistent across threads), so slow blocks do not hold the others up.
    lock = threading.Lock()
    source = iter(list(enumerate(zip(edges[:-1], edges[1:], strict=True))))

    def todo() -> Iterator[tuple[int, int, int]]:
        while True:
            with lock:
                item = next(source, None)
            if item is None:
                return
            index, (lo, hi) = item
            yield index, lo, hi

    helpers = [_pool().submit(_blocks, kernel, args, size, todo()) for _ in range(threads - 1)]
    done = _blocks(kernel, args, size, todo())  # the caller works too
    for helper in helpers:
        done += helper.result()
    parts = [result for _, result in sorted(done, key=lambda pair: pair[0])]
    if parts[0] is None:
        return None
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))
    return np.concatenate(parts)


__all__ = ["BLOCKS_PER_THREAD", "PARALLEL_MIN", "run_batch"]
