"""Solving chunks, and the executors that run them: serial, or on Dask (a local cluster or the user's).

A chunk is solved in one of two ways:

- a method of the problem's ``BATCH_METHODS``: ONE ``cls.solve_batch(params,
  method)`` call for the whole chunk (the batched paths of fog, ISCC, cut
  selection, found through ``BATCH_METHODS``, never by problem name). If that
  call raises, the chunk is solved again point by point, so that the point
  at fault is isolated and the others keep their answers;
- any other method: ``cls(params).solve(method)`` per point.

A point whose solve raises is recorded as ``failed``, with the exception's
type and message in ``error`` and ``reason``, and the sweep goes on. (The
result contract already turns a dependency's error inside a method into a
``failed`` solution; its text is copied into ``error`` too.)

Executors
---------
:func:`run_serial` loops over the chunks in this process. :func:`run_dask`
submits one task per chunk to a ``dask.distributed.Client`` and hands each
result to the driver as it completes (``as_completed``), which writes it at
once. :func:`local_client` starts a ``LocalCluster`` of single-threaded
worker processes whose environment sets ``NUMBA_NUM_THREADS``,
``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` to 1
(:data:`WORKER_ENV`, through dask's ``distributed.nanny.pre-spawn-environ``,
so it holds before numba or a BLAS is loaded): N workers then use N cores,
not N times the machine. The same setting drops dask's default
``MALLOC_TRIM_THRESHOLD_=65536``, which slows numpy's large temporaries
down (:func:`worker_environ`). Workers of a user's own cluster are started
by the user, with the same effect from a shell: ``NUMBA_NUM_THREADS=1
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 dask worker
ADDRESS --nthreads 1 --no-nanny`` (without a nanny, dask sets no malloc
threshold; with one, it sets its ``pre-spawn-environ``).

A task carries the method's functions, so a method registered at run time
(``edgeopt.register_method`` in a notebook) is registered in a worker that
lacks it; built-in methods unpickle to the worker's own functions.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from edgeopt.core.problem import BatchFunction, MethodFunction, Problem, register_method
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.registry import PROBLEMS
from edgeopt.sweeps.points import Chunk, Plan
from edgeopt.sweeps.store import arrow, result_columns, x_columns

#: Environment of the worker processes :func:`local_client` starts: one thread each (see the module docstring).
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to solve one chunk and build its rows.

    Attributes
    ----------
    name : str
        The chunk's part name.
    problem : str
        ``NAME`` of the problem class in ``edgeopt.PROBLEMS``.
    method : str
        The method.
    function, batch_function : callable
        ``cls.METHODS[method]`` and ``cls.BATCH_METHODS.get(method)`` in the driver.
    params : list
        The Params of each point of the chunk.
    points : pyarrow.Table
        The chunk's rows of :func:`~edgeopt.sweeps.store.point_table`.
    scalars : dict of str to bool
        The declared ``x`` entries (:func:`~edgeopt.sweeps.store.x_columns`).

    """

    name: str
    problem: str
    method: str
    function: MethodFunction
    batch_function: BatchFunction | None
    params: list[Any]
    points: Any
    scalars: dict[str, bool]

    def __len__(self) -> int:
        return len(self.params)


def make_tasks(plan: Plan, points: Any, chunks: Sequence[Chunk]) -> list[Task]:
    """One :class:`Task` per chunk, with the chunk's Params and point rows."""
    pa = arrow()
    cls = plan.spec.problem_class
    scalars = x_columns(plan)
    tasks = []
    for chunk in chunks:
        tasks.append(
            Task(
                name=chunk.name,
                problem=cls.NAME,
                method=chunk.method,
                function=cls.METHODS[chunk.method],
                batch_function=cls.BATCH_METHODS.get(chunk.method),
                params=[plan.params[i] for i in plan.instance[chunk.points].tolist()],
                points=points.take(pa.array(chunk.points)),
                scalars=scalars,
            )
        )
    return tasks


def _problem_class(task: Task) -> type[Problem]:
    """The task's problem class, with the task's method registered where this process lacks it."""
    cls = PROBLEMS[task.problem]
    batch_differs = task.batch_function is not None and cls.BATCH_METHODS.get(task.method) is not task.batch_function
    if cls.METHODS.get(task.method) is not task.function or batch_differs:
        register_method(cls, task.method, task.function, batch=task.batch_function, replace=True)
    return cls


def _raised(err: Exception, elapsed: float) -> tuple[Solution, str]:
    error = f"{type(err).__name__}: {err}"
    solution = Solution(status=Status.FAILED, extras={"reason": f"the solve raised {error}"}, solve_time_s=elapsed)
    return solution, error


def solve_point(cls: type[Problem], params: Any, method: str) -> tuple[Solution, str | None]:
    """One point: its solution and the ``error`` text (``None`` unless it failed on an exception)."""
    start = time.perf_counter()
    try:
        if method in cls.METHODS:
            solution = cls(params).solve(method)
        else:
            solution = cls.solve_batch([params], method)[0]
    # A sweep records every exception as the point's failure and goes on: that is its contract. KeyboardInterrupt
    # and SystemExit are not Exceptions and still stop it.
    except Exception as err:
        return _raised(err, time.perf_counter() - start)
    error = solution.reason if "exception" in solution.extras else None  # the contract caught a dependency error
    return solution, error


def solve_chunk(cls: type[Problem], params: Sequence[Any], method: str) -> tuple[list[Solution], list[str | None]]:
    """The chunk's solutions and ``error`` texts: one batched call, or one solve per point (module docstring)."""
    if method in cls.BATCH_METHODS:
        try:
            solutions = cls.solve_batch(list(params), method)
        except Exception as err:  # isolate the point at fault: the chunk is solved again point by point
            warnings.warn(
                f"batched {cls.NAME} method {method!r} raised {type(err).__name__}: {err}; "
                f"solving its {len(params)} points one by one",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            errors = [s.reason if "exception" in s.extras else None for s in solutions]
            return solutions, errors
    pairs = [solve_point(cls, p, method) for p in params]
    return [s for s, _ in pairs], [e for _, e in pairs]


def run_task(task: Task) -> Any:
    """Solve a chunk and return its rows as a ``pyarrow.Table`` (runs in the driver or in a worker)."""
    cls = _problem_class(task)
    solutions, errors = solve_chunk(cls, task.params, task.method)
    table = task.points
    for name, column in result_columns(solutions, errors, task.scalars).items():
        table = table.append_column(name, column)
    return table


OnResult = Callable[[Task, Any], None]


def run_serial(tasks: Sequence[Task], on_result: OnResult) -> None:
    """Solve the chunks one after another in this process, handing each table to ``on_result``."""
    for task in tasks:
        on_result(task, run_task(task))


def run_dask(client: Any, tasks: Sequence[Task], on_result: OnResult) -> None:
    """Solve the chunks as Dask tasks on ``client``; ``on_result`` gets each table as it completes.

    On an error (a task that raised, or an interrupt) the remaining tasks
    are cancelled and the error is re-raised; parts already handed over
    stay written, so the sweep resumes from them.
    """
    from dask.distributed import as_completed  # dask is the "sweep" extra: serial sweeps run without it

    token = uuid.uuid4().hex[:8]  # unique keys: a second sweep on the same client never reuses these results
    futures = {
        client.submit(run_task, task, key=f"edgeopt-sweep-{task.name}-{token}", pure=False): task for task in tasks
    }
    try:
        for future in as_completed(futures):
            on_result(futures[future], future.result())
            future.release()
    except BaseException:
        client.cancel(list(futures))
        raise


def worker_environ() -> dict[str, str]:
    """The environment a :func:`local_client` worker process starts with (see the module docstring).

    Dask's own ``distributed.nanny.pre-spawn-environ`` with the thread
    counts of :data:`WORKER_ENV`, and without its ``MALLOC_TRIM_THRESHOLD_``:
    that setting makes glibc return every freed block above 64 KiB to the
    system, so each large numpy temporary is mapped and faulted in again; it
    made ISCC's batched method 2.4x slower (500 instances: 4.8 s against
    2.0 s in one process, idle machine).
    """
    import dask  # the "sweep" extra, as above

    environ = {str(k): str(v) for k, v in dict(dask.config.get("distributed.nanny.pre-spawn-environ", {})).items()}
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return {**environ, **WORKER_ENV}


@contextlib.contextmanager
def local_client(workers: int) -> Iterator[Any]:
    """A ``Client`` of a ``LocalCluster`` of ``workers`` single-threaded processes, closed on exit."""
    import dask  # the "sweep" extra, as above
    from dask.distributed import Client, LocalCluster

    # Set before the processes are spawned (glibc reads its malloc variables at start), hence pre-spawn.
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": worker_environ()}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            # Any free port: the scheduler's HTTP server (and dashboard, with bokeh) never clashes with another cluster.
            dashboard_address=":0",
            # Errors only: a worker slow to exit after a sweep (numba's teardown under load) is killed with a warning.
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
