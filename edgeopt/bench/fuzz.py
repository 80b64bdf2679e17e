"""Wide-range fuzzing of every problem: valid instances nobody designed, and invalid ones.

The same functions drive the CI tests (a few hundred instances per problem),
the ``slow`` run (10,000 per problem) and the benchmark rows of
``edgeopt bench fuzz``, so the counts in the README come from the code the
tests run.

Valid instances come from each problem's ``scenarios.wide_params(seed)``:
every positive parameter log-uniform over at least four decades around its
scenario value, budgets from 1.0001x the minimum feasible up to 100x, and
degenerate regimes (see each generator's docstring). Each is solved and
the outcome classified (:func:`classify`):

``crash``
    An exception escaped ``solve``, or a method's dependency raised
    inside it (the contract's ``extras["exception"]``).
``nan``
    NaN in the objective or the point (``Solution`` refuses it, so this
    shows up as a crash of the method constructing one).
``mislabelled``
    Labelled ``optimal`` / ``feasible`` but failing the problem's
    ``check()`` at its ``FEASIBILITY_TOL`` (re-checked here, independently
    of the contract), or ``optimal`` without the certificate.
``corrected``
    The method's own label was wrong and the contract corrected it
    (``extras["rejected_status"]`` or ``extras["downgraded"]``): not a wrong
    answer for the user, but a defect of the method, so it is counted.

Invalid instances (:func:`invalid_variants`) set each field of a wide
instance in turn to NaN, inf, a negative, zero, 1e300, 1e-300, a wrong
shape, a wrong type, a string, None, a non-integer for an integer field and
an int for a bool field. The first group that is never a valid number
(NaN, inf, wrong shape or type, string, None, 2.5 for an int, 1 for a bool) must
raise :class:`~edgeopt.core.errors.InvalidParameterError` naming the field;
the others (-1, 0, 1e300, 1e-300) may be valid for a field, and are then
solved and classified like any valid instance.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import Problem
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.registry import PROBLEMS

# Values that are never a valid number for a numeric field.
ALWAYS_INVALID = ("nan", "inf", "wrong_shape", "object", "string", "none", "non_integer", "int_for_bool")
# Values that may be valid for some fields (then solved and classified).
MAYBE_VALID = ("negative", "zero", "huge", "tiny")


def wide_params(problem: str | type[Problem], seed: int) -> Any:
    """One wide valid instance of ``problem`` (its ``scenarios.wide_params(seed)``)."""
    cls = _problem_class(problem)
    generator = getattr(cls.SCENARIOS, "wide_params", None)
    if generator is None:
        raise InvalidParameterError(f"problem {cls.NAME!r} has no wide_params generator in its scenarios module")
    return generator(seed)


def has_wide_params(problem: str | type[Problem]) -> bool:
    """True when the problem's scenarios module provides ``wide_params``."""
    cls = _problem_class(problem)
    return hasattr(cls.SCENARIOS, "wide_params")


def _problem_class(problem: str | type[Problem]) -> type[Problem]:
    if isinstance(problem, str):
        if problem not in PROBLEMS:
            raise InvalidParameterError(f"unknown problem {problem!r}; available: {', '.join(PROBLEMS)}")
        return PROBLEMS[problem]
    return problem


# --------------------------------------------------------------------------- valid instances
def classify(problem: Problem, solution: Solution) -> str:
    """The outcome class of one solve (module docstring): a status value, or a defect name."""
    if "exception" in solution.extras:
        return "crash"
    if not math.isfinite(solution.objective) and solution.has_point:
        return "nan" if math.isnan(solution.objective) else "mislabelled"
    if solution.has_point:
        if any(np.any(np.isnan(np.asarray(v, dtype=float))) for v in solution.x.values()):
            return "nan"
        report = problem.check(solution)
        if not report.primal_feasibility <= problem.FEASIBILITY_TOL:
            return "mislabelled"
        if solution.status is Status.OPTIMAL and not (
            problem.certificate(report) <= problem.CERTIFICATE_TOL
            or "certified_by" in solution.extras.get("contract", {})
        ):
            return "mislabelled"
    if "rejected_status" in solution.extras or "downgraded" in solution.extras:
        return "corrected"
    return solution.status.value


def run_valid(
    problem: str | type[Problem],
    seeds: Sequence[int],
    method: str | None = None,
    *,
    progress: bool = False,
    **options: Any,
) -> list[dict[str, Any]]:
    """Solve ``wide_params(seed)`` for every seed with ``method``; one record per seed.

    Returns
    -------
    list of dict
        ``seed``, ``outcome`` (see :func:`classify`; ``"escaped"`` when an
        exception left ``solve``), ``status``, ``objective``, ``time_s``,
        ``error`` (the message, for escapes, crashes and mislabels).

    """
    cls = _problem_class(problem)
    records = []
    for seed in tqdm(seeds, desc=f"fuzz {cls.NAME}", disable=not progress, leave=False):
        params = wide_params(cls, int(seed))
        instance = cls(params)
        start = time.perf_counter()
        try:
            solution = instance.solve(method, **options)
        except Exception as err:  # counted, never hidden: the harness's purpose
            records.append(_record(seed, "escaped", None, time.perf_counter() - start, f"{type(err).__name__}: {err}"))
            continue
        elapsed = time.perf_counter() - start
        message: str | None
        try:
            outcome = classify(instance, solution)
        except Exception as err:  # check() itself failing on a solver's point is a defect too
            outcome, message = "escaped", f"check raised {type(err).__name__}: {err}"
        else:
            message = solution.reason if outcome in ("crash", "mislabelled", "corrected", "failed") else None
        records.append(_record(seed, outcome, solution, elapsed, message))
    return records


def _record(seed: int, outcome: str, solution: Solution | None, elapsed: float, error: str | None) -> dict[str, Any]:
    return {
        "seed": int(seed),
        "outcome": outcome,
        "status": None if solution is None else solution.status.value,
        "objective": None if solution is None or not math.isfinite(solution.objective) else solution.objective,
        "time_s": elapsed,
        "error": error,
    }


# --------------------------------------------------------------------------- invalid instances
def invalid_variants(params: Any) -> Iterator[tuple[str, str, Any]]:
    """``(field, label, value)`` for every init field of ``params`` and every bad value that applies.

    A field annotated ``X | None`` takes None; a field declared with
    ``dataclasses.field(metadata={"any_shape": True})`` takes any shape (a
    batch of channel gains, say), and one declared with ``metadata={"free_text": True}``
    any string (a label), so neither is offered as invalid. Numeric
    fields (numbers, numeric arrays, bools) get every value of
    :data:`ALWAYS_INVALID` and :data:`MAYBE_VALID` that fits their kind;
    other fields (names, graphs, nested dataclasses) get the type errors
    (``object``, ``string``) and, unless None is their value, ``none``.
    """
    for field in dataclasses.fields(params):
        if not field.init:
            continue
        value = getattr(params, field.name)
        kind = _kind(value)
        if kind == "other":
            yield field.name, "object", object()
            if not field.metadata.get("free_text", False):  # a label takes any string
                yield field.name, "string", "1.0"
            if value is not None and not _optional(field):
                yield field.name, "none", None
            continue
        shape = np.shape(value)
        if np.size(value) > 0:  # an empty array (no features, say) has no entry to make NaN
            yield field.name, "nan", _fill(shape, math.nan)
            yield field.name, "inf", _fill(shape, math.inf)
        if not field.metadata.get("any_shape", False):
            yield field.name, "wrong_shape", np.ones((*shape, 2)) if shape else np.ones(3)
        yield field.name, "object", object()
        yield field.name, "string", "1.0"
        if not _optional(field):
            yield field.name, "none", None
        if kind == "int":
            yield field.name, "non_integer", 2.5
        if kind == "bool":
            yield field.name, "int_for_bool", 1
        for label, number in (("negative", -1.0), ("zero", 0.0), ("huge", 1e300), ("tiny", 1e-300)):
            if kind == "bool":
                continue
            if kind == "int":
                # Integers: -1, 0 and a huge count (an allocation of that size must be refused, not tried).
                if label == "tiny":
                    continue
                yield field.name, label, {"negative": -1, "zero": 0, "huge": 10**9}[label]
                continue
            yield field.name, label, _fill(shape, number)


def _optional(field: dataclasses.Field[Any]) -> bool:
    """True when the field's annotation admits None (``X | None``): None is then a valid value."""
    return "None" in str(field.type)


def _kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return "array"
    return "other"


def _fill(shape: tuple[int, ...], number: float) -> Any:
    return np.full(shape, number) if shape else number


def run_invalid(
    problem: str | type[Problem],
    seeds: Sequence[int],
    *,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Every invalid variant of ``wide_params(seed)`` for each seed; one record per variant.

    ``outcome`` is ``rejected`` (InvalidParameterError naming the field),
    ``unnamed`` (InvalidParameterError not naming it), ``escaped`` (another
    exception at construction or solve), ``accepted_invalid`` (a value of
    :data:`ALWAYS_INVALID` accepted), or, for an accepted value of
    :data:`MAYBE_VALID`, the outcome of solving it (:func:`classify`).
    """
    cls = _problem_class(problem)
    records = []
    for seed in tqdm(seeds, desc=f"invalid {cls.NAME}", disable=not progress, leave=False):
        base = wide_params(cls, int(seed))
        for field, label, value in invalid_variants(base):
            records.append(
                {"seed": int(seed), "field": field, "label": label, **_try_variant(cls, base, field, value, label)}
            )
    return records


def _try_variant(cls: type[Problem], base: Any, field: str, value: Any, label: str) -> dict[str, Any]:
    try:
        params = dataclasses.replace(base, **{field: value})
        instance = cls(params)
    except InvalidParameterError as err:
        named = field in str(err)
        return {"outcome": "rejected" if named else "unnamed", "error": str(err)}
    except Exception as err:  # counted: every input error must be ours
        return {"outcome": "escaped", "error": f"{type(err).__name__} at construction: {err}"}
    if label in ALWAYS_INVALID:
        return {"outcome": "accepted_invalid", "error": f"{field}={value!r} was accepted"}
    try:
        solution = instance.solve()
        outcome = classify(instance, solution)
    except Exception as err:  # counted: solve must return a status
        return {"outcome": "escaped", "error": f"{type(err).__name__} in solve: {err}"}
    return {"outcome": outcome, "error": solution.reason if outcome in ("crash", "mislabelled") else None}


# --------------------------------------------------------------------------- summaries and benchmark rows
DEFECTS = ("escaped", "crash", "nan", "mislabelled", "unnamed", "accepted_invalid")


def counts(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Outcome counts of a list of records, with ``n`` and ``defects`` (the sum over :data:`DEFECTS`)."""
    tally = Counter(r["outcome"] for r in records)
    result = {"n": len(records), **dict(sorted(tally.items()))}
    result["defects"] = sum(tally[d] for d in DEFECTS)
    return result


def run(quick: bool = False, n: int | None = None, progress: bool = False) -> tuple[list[dict[str, Any]], str]:
    """The fuzz benchmark: per problem, valid-instance and invalid-variant counts (``edgeopt bench fuzz``).

    ``n`` valid instances per problem (default 40, ``quick`` 15; 200 until
    issue 16, whose report must finish in 15 minutes: ``-n 10000`` runs any
    number) with the default method, and the invalid variants of 2
    (``quick`` 1) wide
    instances. One BENCH_SCHEMA row per problem and kind; the counts are in
    ``extra``. Writes ``benchmarks/results/fuzz.csv`` and ``fuzz.md``
    (``fuzz_quick`` with ``quick``, ``fuzz_<n>`` with ``n``).
    """
    from edgeopt.bench.common import environment, save  # noqa: PLC0415 - cvxpy-heavy, only for the report

    n_valid = n if n is not None else (15 if quick else 40)
    n_invalid = 1 if quick else 2
    rows: list[dict[str, Any]] = []
    lines = [
        "# Wide-range fuzzing",
        "",
        environment(),
        "",
        f"{n_valid} wide valid instances per problem (seeds 0..{n_valid - 1}) with the default method, and every "
        f"invalid variant of {n_invalid} wide instances. Defects: escaped exceptions, crashes inside a method, NaN, "
        "answers labelled good that fail check(), invalid inputs accepted or rejected without naming the field.",
        "",
        "| problem | kind | n | rejected (naming the field) | optimal | feasible | infeasible | failed | corrected "
        "| defects | mean time |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, cls in PROBLEMS.items():
        if not has_wide_params(cls):
            continue
        start = time.perf_counter()
        valid = run_valid(cls, range(n_valid), progress=progress)
        valid_time = time.perf_counter() - start
        start = time.perf_counter()
        invalid = run_invalid(cls, range(n_invalid), progress=progress)
        invalid_time = time.perf_counter() - start
        for kind, records, wall in (("valid", valid, valid_time), ("invalid", invalid, invalid_time)):
            tally = counts(records)
            times = [r["time_s"] for r in records if "time_s" in r]
            rows.append(
                {
                    "problem": name,
                    "instance": f"fuzz-{kind}-{len(records)}",
                    "size": {"instances": len(records)},
                    "method": cls.DEFAULT_METHOD,
                    "solver": None,
                    "status": "optimal" if tally["defects"] == 0 else "failed",
                    "solver_status": None,
                    "objective": None,
                    "reference": "check",
                    "rel_gap": None,
                    "max_violation": None,
                    "duality_gap": None,
                    "time_first_s": times[0] if times else wall,
                    "time_resolve_s": float(np.median(times)) if times else wall / max(len(records), 1),
                    "speedup_resolve": None,
                    "throughput": len(records) / wall if wall > 0 else None,
                    "extra": {**tally, "wall_s": wall, "examples": _examples(records)},
                }
            )
            mean = f"{1e3 * wall / max(len(records), 1):.2f} ms"
            lines.append(
                f"| {name} | {kind} | {tally['n']} | {tally.get('rejected', '-') if kind == 'invalid' else '-'} | "
                f"{tally.get('optimal', 0)} | {tally.get('feasible', 0)} | "
                f"{tally.get('infeasible', 0)} | {tally.get('failed', 0)} | {tally.get('corrected', 0)} | "
                f"{tally['defects']} | {mean} |"
            )
    report = "\n".join(lines) + "\n"
    save(rows, report, "fuzz_quick" if quick and n is None else ("fuzz" if n is None else f"fuzz_{n}"))
    return rows, report


def _examples(records: Sequence[dict[str, Any]], limit: int = 3) -> list[str]:
    """A few defect messages, for the row's ``extra`` (so a failing count can be reproduced)."""
    out = []
    for r in records:
        if r["outcome"] in DEFECTS:
            where = f"seed {r['seed']}" + (f", {r['field']}={r['label']}" if "field" in r else "")
            out.append(f"{r['outcome']} ({where}): {r.get('error')}")
        if len(out) >= limit:
            break
    return out
