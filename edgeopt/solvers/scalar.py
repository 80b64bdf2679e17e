"""Vectorised scalar searches: safeguarded Newton in a bracket, bisection, golden section.

Each search works elementwise on arrays of independent one-dimensional
problems, in the spirit of :func:`scipy.optimize.elementwise.find_root` and
:func:`scipy.optimize.elementwise.find_minimum`: the user's function is called
on whole arrays (so it can be a vectorised closed form over nodes, layers or
instances), every element keeps its own bracket, stops on its own test and is
then frozen, and the result reports a value, an iteration count and a status
per element.

Status codes (``ScalarResult.status``, integer arrays)
------------------------------------------------------
``CONVERGED = 0``
    The element met its stopping test.
``MAX_ITER = 1``
    The iteration budget ran out first. A search asked for a fixed number of
    steps (tolerances 0, as the golden section of Algorithm 1 in the ISCC
    paper) ends here by design: the value is the one asked for.
``INVALID = 2``
    The element could not be searched: a non-finite start (Newton), or a
    bracket without a sign change (bisection without ``increasing``). Its
    ``x`` is the start (Newton) or NaN (bisection).
``SKIPPED = 3``
    Masked out by the caller (``active=False`` in :func:`find_root_newton`);
    its ``x`` is the start.

The numbers are shared with :mod:`edgeopt.solvers.first_order`, which adds
``STALLED = 4``.

The Newton safeguard is one function, :func:`newton_bracket_step`, so that a
caller whose loop body does more than evaluate a function (an outer
iteration that re-solves an inner problem and re-centres its state between
steps) can write its own loop around exactly the same safeguard that
:func:`find_root_newton` uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeopt.core.errors import InvalidParameterError

__all__ = [
    "CONVERGED",
    "MAX_ITER",
    "INVALID",
    "SKIPPED",
    "STATUS_MESSAGES",
    "GOLDEN",
    "ScalarResult",
    "BracketStep",
    "newton_bracket_step",
    "find_root_newton",
    "find_root_bisect",
    "golden_section",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# CONVERGED = 0 and MAX_ITER = 1 are relied on: find_root_newton and the fixed-step golden
# section turn a boolean "still searching" array into statuses directly.
CONVERGED = 0
MAX_ITER = 1
INVALID = 2
SKIPPED = 3

STATUS_MESSAGES: dict[int, str] = {
    CONVERGED: "converged",
    MAX_ITER: "iteration limit reached",
    INVALID: "invalid input for this element",
    SKIPPED: "skipped (masked out by the caller)",
}

#: ``(sqrt(5) - 1) / 2``: the golden section keeps this fraction of its bracket per step.
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0

_EPS = float(np.finfo(float).eps)
_TINY = float(np.finfo(float).tiny)
# A bracket within +-_BOUNDED has a finite sum, so a finite midpoint: find_root_newton skips the
# expansion rules for one given with both ends within it.
_BOUNDED = 0.25 * float(np.finfo(float).max)


@dataclass(frozen=True)
class ScalarResult:
    """Per-element result of a scalar search (all arrays of the broadcast shape of the inputs).

    Attributes
    ----------
    x : numpy.ndarray
        The root or minimiser found.
    f : numpy.ndarray
        The function at the last point evaluated for the element: ``f(x)``
        except where :func:`find_root_newton` took a final step after that
        evaluation (``take_final_step=True``, and at a root with
        ``stay_at_root=False``); NaN where nothing was evaluated.
    lo, hi : numpy.ndarray
        The final bracket (``-inf`` / ``inf`` for a side never found).
    iterations : numpy.ndarray of int
        Iterations of the element while it was active (function evaluations
        for Newton and bisection; bracket reductions for golden section).
    status : numpy.ndarray of int
        One of :data:`CONVERGED`, :data:`MAX_ITER`, :data:`INVALID`,
        :data:`SKIPPED`.

    """

    x: FloatArray
    f: FloatArray
    lo: FloatArray
    hi: FloatArray
    iterations: IntArray
    status: IntArray

    @property
    def converged(self) -> BoolArray:
        """``status == CONVERGED``, elementwise."""
        return np.asarray(self.status == CONVERGED)


@dataclass(frozen=True)
class BracketStep:
    """One safeguarded Newton step of :func:`newton_bracket_step`.

    Attributes
    ----------
    x : numpy.ndarray
        The next iterate: the Newton point where it was acceptable, else the fallback.
    lo, hi : numpy.ndarray
        The bracket updated with the sign of ``f`` at the current point.
    newton : numpy.ndarray
        The raw Newton step ``-f / df`` (before ``max_step``; NaN where
        ``check_slope`` rejected the slope). Loops test convergence on it.
    newton_taken : numpy.ndarray of bool
        Where ``x`` is the Newton point.

    """

    x: FloatArray
    lo: FloatArray
    hi: FloatArray
    newton: FloatArray
    newton_taken: BoolArray


Fallback = Literal["arithmetic", "geometric"]


def _check_fallback(fallback: str, expand: float) -> bool:
    if fallback == "arithmetic" and isinstance(expand, float | int) and 0 < expand < math.inf:
        return False  # the common case, without the general checks below
    if fallback not in ("arithmetic", "geometric"):
        raise InvalidParameterError(f"fallback must be 'arithmetic' or 'geometric', got {fallback!r}")
    low = 1.0 if fallback == "geometric" else 0.0
    if not (math.isfinite(expand) and expand > low):
        what = "> 1 (a factor)" if fallback == "geometric" else "> 0 (a distance)"
        raise InvalidParameterError(f"expand must be finite and {what} with fallback={fallback!r}, got {expand!r}")
    return fallback == "geometric"


def _check_max_iter(max_iter: int) -> None:
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 0:
        raise InvalidParameterError(f"max_iter must be a non-negative integer, got {max_iter!r}")


def _check_tolerance(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=float)
    if np.count_nonzero(arr >= 0) != arr.size:  # one test: a NaN fails the comparison as a negative entry does
        raise InvalidParameterError(f"{name} must be non-negative (and not NaN), got {value!r}")
    return arr


def _scalar_tolerance(name: str, value: ArrayLike) -> float:
    """A scalar tolerance as a float (the common case: no array work)."""
    tol = (
        float(value)
        if isinstance(value, float | int) and not isinstance(value, bool)
        else float(np.asarray(value, dtype=float))
    )
    if not tol >= 0:
        raise InvalidParameterError(f"{name} must be non-negative (and not NaN), got {value!r}")
    return tol


def _tolerance(name: str, value: ArrayLike) -> float | FloatArray:
    """A tolerance that may be an array (broadcast against the search): a float when it is a scalar."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _scalar_tolerance(name, value)
    arr = np.asarray(value, dtype=float)
    if np.count_nonzero(arr >= 0) != arr.size:  # one test: a NaN fails the comparison as a negative entry does
        raise InvalidParameterError(f"{name} must be non-negative (and not NaN), got {value!r}")
    return arr


def _float_or_array(value: ArrayLike) -> float | FloatArray:
    """A Python float for a scalar (cheap to broadcast in every operation), else a float array."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    return np.asarray(value, dtype=float)


def _first(values: FloatArray, where: BoolArray) -> str:
    """The first few offending entries, for an error message."""
    picked = np.atleast_1d(values)[np.atleast_1d(where)][:3]
    return np.array2string(picked, precision=6)


def _check_bracket(lo: FloatArray, hi: FloatArray, *, finite: bool = False) -> None:
    # One comparison in the common case (a NaN end fails `lo <= hi` too); the detailed tests and
    # their messages only when it fails.
    ok = lo <= hi
    if finite:
        ok = ok & np.isfinite(lo) & np.isfinite(hi)
    if np.count_nonzero(ok) == np.size(ok):
        return
    lo, hi = np.broadcast_arrays(lo, hi)
    nan = np.isnan(lo) | np.isnan(hi)
    if np.any(nan):
        raise InvalidParameterError(f"bracket must not contain NaN, got lo={_first(lo, nan)}, hi={_first(hi, nan)}")
    if finite:
        bad = ~(np.isfinite(lo) & np.isfinite(hi))
        if np.any(bad):
            raise InvalidParameterError(f"bracket must be finite, got lo={_first(lo, bad)}, hi={_first(hi, bad)}")
    bad = lo > hi
    raise InvalidParameterError(f"bracket must satisfy lo <= hi, got lo={_first(lo, bad)}, hi={_first(hi, bad)}")


def _check_start(x: FloatArray, lo: FloatArray | float, hi: FloatArray | float, shape: tuple[int, ...]) -> None:
    """Raise unless every finite start lies in its bracket (a NaN or infinite one is INVALID, no error)."""
    beyond = (x < lo) | (x > hi)  # NaN starts compare False
    if np.count_nonzero(beyond):
        outside = beyond & np.isfinite(x)
        if np.count_nonzero(outside):
            lo_b, hi_b = np.broadcast_to(lo, shape), np.broadcast_to(hi, shape)
            raise InvalidParameterError(
                f"x0 must lie in the bracket [lo, hi], got x0={_first(x, outside)} "
                f"with lo={_first(lo_b, outside)}, hi={_first(hi_b, outside)}"
            )


def _safeguard(
    x: FloatArray,
    f: FloatArray,
    df: FloatArray,
    lo: FloatArray | float,
    hi: FloatArray | float,
    increasing: bool,
    geometric: bool,
    expand: float,
    max_step: float,
    closed: bool,
    check_slope: bool,
    bounded: bool = False,
    want_newton: bool = True,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None, BoolArray, BoolArray | None]:
    """The step of :func:`newton_bracket_step` without checks or wrapping.

    Returns the next point, the updated bracket, the raw Newton step, where
    the Newton point was taken, and where both bracket ends are known (after
    the update). ``lo``, ``hi`` may be scalars; ``x``, ``f``, ``df`` have the
    full shape, and so have the outputs. The caller silences the floating-point
    warnings (``0 / 0`` steps, ``inf - inf`` midpoints): one ``np.errstate``
    per iteration of :func:`find_root_newton` covers its tests too.

    ``bounded`` (arithmetic fallback only) says that both ends are known
    everywhere and every point lies in its bracket, and stays so: the caller
    checked at the start that ``|lo|, |hi| <= _BOUNDED`` and that every ``x``
    is finite (and inside, as :func:`find_root_newton` requires). Each next
    point is then inside the updated bracket (a Newton point is taken only
    there; the rounded midpoint of finite ends without overflow lies between
    them), so the bracket update needs no ``maximum``/``minimum`` and the
    fallback is the midpoint without the tests for an expansion: the same
    values with fewer operations. ``None`` is returned for "both ends known".
    Without ``want_newton`` the raw Newton step is not formed (``None``).
    """
    # Bracket update. A zero residual counts as the upper side (the root is at or below x);
    # a NaN residual carries no information and leaves the bracket alone.
    if increasing:
        root_above, root_below = f < 0, f >= 0
    else:
        root_above, root_below = f > 0, f <= 0
    if bounded:  # x lies in [lo, hi]: the maximum is x
        lo, hi = np.where(root_above, x, lo), np.where(root_below, x, hi)
    else:
        lo = np.where(root_above, np.maximum(lo, x), lo)
        hi = np.where(root_below, np.minimum(hi, x), hi)
    # The Newton step -f / df, or (not wanted) its negative f / df subtracted: the same point, since
    # negation is exact and the clip symmetric (only a NaN's sign may differ, and a NaN point is
    # never taken).
    if want_newton:
        step = newton = -f / df
    else:
        step, newton = f / df, None
    if check_slope:
        step = np.where(df > 0 if increasing else df < 0, step, np.nan)
        newton = None if newton is None else step
    # An infinite Newton step (zero slope) is clipped to max_step, not discarded: a flat
    # stretch of f is left in the right direction. (maximum/minimum: np.clip's values, cheaper.)
    if max_step < math.inf:
        step = np.minimum(np.maximum(step, -max_step), max_step)
    candidate = x + step if want_newton else x - step
    if closed:  # a Newton point on a bracket end is accepted: at the root the step can land there
        # (with finite ends the two bounds reject a NaN or infinite point by themselves)
        inside = (candidate >= lo) & (candidate <= hi)
        if not bounded:
            inside &= np.isfinite(candidate)
    else:  # strict bounds reject a NaN or infinite point by themselves
        inside = (candidate > lo) & (candidate < hi)
    if bounded:
        return np.where(inside, candidate, 0.5 * (lo + hi)), lo, hi, newton, inside, None
    # Which ends have been found: finite, and for a positive variable lo > 0.
    lo_known = (lo > 0) & np.isfinite(lo) if geometric else np.isfinite(lo)
    hi_known = np.isfinite(hi)
    both = lo_known & hi_known
    if geometric:
        middle, up, down = np.sqrt(lo * hi), x * expand, x / expand
    else:
        middle, up, down = 0.5 * (lo + hi), x + expand, x - expand
    # While only the lower end is known the root is above: expand upwards; otherwise downwards
    # (only the upper end known, or neither when f was NaN at the first point).
    fallback = np.where(both, middle, np.where(lo_known, up, down))
    return np.where(inside, candidate, fallback), lo, hi, newton, inside, both


def newton_bracket_step(
    x: ArrayLike,
    f: ArrayLike,
    df: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
    *,
    increasing: bool = True,
    fallback: Fallback = "arithmetic",
    expand: float = 2.0,
    max_step: float = np.inf,
    closed: bool = False,
    check_slope: bool = False,
) -> BracketStep:
    """One safeguarded Newton step for a monotone function, elementwise: bracket update, then Newton or fallback.

    1. The bracket ``[lo, hi]`` (either end may be infinite: not yet found)
       shrinks to ``x`` on the side the sign of ``f`` puts the root beyond
       (``f(x) = 0`` counts as the upper side; NaN leaves it unchanged).
    2. The Newton point ``x - f / df`` (its step clipped to ``+-max_step``)
       is taken where it is finite and inside the bracket (open, or closed
       with ``closed=True``).
    3. Elsewhere the fallback: the bracket's midpoint when both ends are known
       (arithmetic ``(lo + hi) / 2``, or geometric ``sqrt(lo hi)`` for a
       positive variable), else an expansion away from the known end:
       ``x + expand`` / ``x - expand`` (arithmetic) or ``x * expand`` /
       ``x / expand`` (geometric). In geometric mode ``lo <= 0`` counts as
       "lower end not found".

    Parameters
    ----------
    x, f, df : array_like
        Current point, function value and derivative (broadcast together).
    lo, hi : array_like
        Current bracket, ``lo <= hi``.
    increasing : bool
        Whether ``f`` increases in ``x`` (False: decreasing).
    fallback : {"arithmetic", "geometric"}
        Midpoint and expansion rule of step 3.
    expand : float
        Expansion distance (arithmetic, > 0) or factor (geometric, > 1).
    max_step : float
        Largest Newton step; an infinite step (``df = 0``) becomes ``+-max_step``.
    closed : bool
        Accept a Newton point that lands exactly on a bracket end.
    check_slope : bool
        Reject the Newton point where ``df`` has the wrong sign for ``increasing`` (or is 0).

    Returns
    -------
    BracketStep
        The next point, the updated bracket and the raw Newton step.

    Raises
    ------
    InvalidParameterError
        On a NaN or reversed bracket, or an invalid ``fallback``, ``expand`` or ``max_step``.

    Examples
    --------
    One step on ``f(x) = x**2 - 2`` from ``x = 1``, bracket ``[0, 2]``:

    >>> s = newton_bracket_step(1.0, -1.0, 2.0, 0.0, 2.0)
    >>> float(s.x), float(s.lo), float(s.hi)
    (1.5, 1.0, 2.0)

    """
    geometric = _check_fallback(fallback, expand)
    if not (max_step > 0):
        raise InvalidParameterError(f"max_step must be > 0, got {max_step!r}")
    xa, fa, dfa, loa, hia = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, f, df, lo, hi)))
    _check_bracket(loa, hia)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x_next, lo_next, hi_next, newton, inside, _ = _safeguard(
            xa, fa, dfa, loa, hia, increasing, geometric, float(expand), float(max_step), closed, check_slope
        )
    return BracketStep(
        x=np.asarray(x_next, dtype=float),
        lo=np.asarray(lo_next, dtype=float),
        hi=np.asarray(hi_next, dtype=float),
        newton=np.asarray(newton, dtype=float),
        newton_taken=np.asarray(inside),
    )


def find_root_newton(
    fdf: Callable[[FloatArray], tuple[ArrayLike, ArrayLike]],
    x0: ArrayLike,
    lo: ArrayLike = -np.inf,
    hi: ArrayLike = np.inf,
    *,
    increasing: bool = True,
    fallback: Fallback = "arithmetic",
    expand: float = 2.0,
    max_step: float = np.inf,
    closed: bool = False,
    check_slope: bool = False,
    fatol: ArrayLike = 0.0,
    xtol: float = 4.0 * _EPS,
    step_test: Literal["move", "newton"] = "move",
    step_fatol: ArrayLike | None = None,
    bracket_xtol: float | None = 0.0,
    take_final_step: bool = True,
    stay_at_root: bool = True,
    active: ArrayLike | None = None,
    max_iter: int = 100,
) -> ScalarResult:
    """Roots of monotone functions, elementwise, by Newton's method safeguarded with a bracket.

    Every iteration evaluates ``fdf`` on the whole array and applies
    :func:`newton_bracket_step`; an element that meets any of the tests below
    is frozen (the function is still evaluated there, on the whole array, but
    its ``x`` no longer moves). With ``scale = max(1, |x|)``:

    * ``|f| <= fatol``;
    * ``|delta| <= xtol * scale`` (and ``|f| <= step_fatol`` when given), with
      ``delta`` the actual move (``step_test="move"``) or the raw Newton step
      (``"newton"``);
    * both bracket ends known and ``hi - lo <= bracket_xtol * scale``
      (``bracket_xtol=None`` disables it).

    Parameters
    ----------
    fdf : callable
        ``fdf(x) -> (f, df)``, arrays of the shape of ``x``.
    x0 : array_like
        Start, inside ``[lo, hi]``.
    lo, hi : array_like
        Initial bracket; infinite ends are found by expansion moves.
    increasing, fallback, expand, max_step, closed, check_slope
        The safeguard's options, see :func:`newton_bracket_step`.
    fatol : array_like
        Absolute residual tolerance (broadcast against ``x0``; 0: stop on an exact zero only).
    xtol : float
        Step tolerance relative to ``max(1, |x|)``.
    step_test : {"move", "newton"}
        What the step tolerance measures.
    step_fatol : array_like, optional
        A residual bound the step test also requires.
    bracket_xtol : float or None
        Bracket-width tolerance relative to ``max(1, |x|)`` (0: only a collapsed bracket).
    take_final_step : bool
        Whether an element that converges on the step or bracket test takes
        the step computed in that iteration (True) or stays at the point just
        evaluated (False).
    stay_at_root : bool
        Whether an element that converges on ``|f| <= fatol`` stays at the
        point just evaluated (True, the default), or, like one that converges
        on the other tests, takes the step computed there when
        ``take_final_step`` (False). At an exact root (``f == 0``) that step
        is 0 unless the Newton point is rejected: on an open bracket (the
        point is the bracket's new end), with ``check_slope`` and a slope of
        the wrong sign, and where ``df == 0`` too (``0 / 0``). The last is
        the case that matters: ``f`` vanishes on a whole interval (a flat
        zero; the root is not unique), and False moves the element from where
        it met the interval to the fallback point (the midpoint of what is
        left of the bracket), which need not be a root. A caller wants this to
        reproduce a loop written that way bit for bit:
        :func:`edgeopt.problems.iscc.lemma4.lemma4` keeps the multiplier
        ``mu_1`` its previous release returned where both caps bind and the
        deadline is met exactly, which Algorithm 2 passes on from round to
        round as a warm start.
    active : array_like of bool, optional
        Elements to search; the others keep ``x0`` with status :data:`SKIPPED`.
    max_iter : int
        Function evaluations at most.

    Returns
    -------
    ScalarResult
        Roots, last residuals, final brackets, evaluations per element, statuses.

    Raises
    ------
    InvalidParameterError
        On a NaN or reversed bracket, a start outside it, negative
        tolerances or other invalid options.

    Notes
    -----
    Complexity: ``max_iter`` calls of ``fdf`` on the full array at most, plus
    ``O(size)`` work per call. Newton converges quadratically once inside the
    bracket; the fallback halves the bracket (arithmetic) or its logarithmic
    width (geometric) per step, and an expansion covers an unknown side in
    ``O(log distance)`` steps when the step is clipped.

    The fixed cost of a call is kept small, for callers that solve many
    small problems in a few iterations each (the fog decomposition prices
    every layer about a hundred times per solve): scalar tolerances and
    brackets stay Python floats, the checks are one comparison each unless
    they fail, and the statuses are set once after the loop.

    Examples
    --------
    Square roots of 2 and 9 on the bracket ``[0, inf)``:

    >>> r = find_root_newton(lambda x: (x * x - np.array([2.0, 9.0]), 2.0 * x), [1.0, 1.0], 0.0, np.inf)
    >>> r.x.round(12).tolist(), r.status.tolist()
    ([1.414213562373, 3.0], [0, 0])

    """
    geometric = _check_fallback(fallback, expand)
    expand_, max_step_ = float(expand), float(max_step)
    if not (max_step_ > 0):
        raise InvalidParameterError(f"max_step must be > 0, got {max_step!r}")
    if step_test not in ("move", "newton"):
        raise InvalidParameterError(f"step_test must be 'move' or 'newton', got {step_test!r}")
    _check_max_iter(max_iter)
    xtol_ = _scalar_tolerance("xtol", xtol)
    fatol_ = _tolerance("fatol", fatol)
    step_fatol_ = None if step_fatol is None else _tolerance("step_fatol", step_fatol)
    bracket_xtol_ = None if bracket_xtol is None else _scalar_tolerance("bracket_xtol", bracket_xtol)
    x = np.array(x0, dtype=float)  # a copy: the result never shares memory with the caller's start
    lo_ = _float_or_array(lo)
    hi_ = _float_or_array(hi)
    shape = x.shape
    others = [v.shape for v in (lo_, hi_, fatol_, step_fatol_) if isinstance(v, np.ndarray) and v.shape != shape]
    if others:
        shape = np.broadcast_shapes(shape, *others)
        x = np.array(np.broadcast_to(x, shape))
    if isinstance(lo_, float) and isinstance(hi_, float):
        if not lo_ <= hi_:
            _check_bracket(np.asarray(lo_), np.asarray(hi_))
        finite = np.isfinite(x)
        all_finite = np.count_nonzero(finite) == finite.size
        bounded = abs(lo_) <= _BOUNDED and abs(hi_) <= _BOUNDED
        if not (lo_ == -math.inf and hi_ == math.inf):
            _check_start(x, lo_, hi_, shape)
    else:
        # The common case in one test: a bracket within +-_BOUNDED holding every start (so all finite).
        holds = (lo_ <= x) & (x <= hi_) & (lo_ >= -_BOUNDED) & (hi_ <= _BOUNDED)
        if np.count_nonzero(holds) == holds.size:
            finite, all_finite, bounded = None, True, True
        else:
            _check_bracket(np.asarray(lo_), np.asarray(hi_))
            _check_start(x, lo_, hi_, shape)
            finite = np.isfinite(x)
            all_finite = np.count_nonzero(finite) == finite.size
            within = (lo_ >= -_BOUNDED) & (hi_ <= _BOUNDED)  # with lo <= hi: both ends within +-_BOUNDED
            bounded = np.count_nonzero(within) == np.size(within)
    bounded = bounded and all_finite and not geometric
    act = None if active is None else np.asarray(active, dtype=bool)
    if act is not None and act.shape != shape:
        act = np.broadcast_to(act, shape)
    if finite is None or all_finite:
        start = np.ones(shape, dtype=bool) if act is None else act
    else:
        start = finite if act is None else act & finite
    live = start.copy()  # updated in place
    iterations = np.zeros(shape, dtype=np.int64)
    f_last: FloatArray | float = math.nan  # NaN where nothing was evaluated
    newton_test = step_test == "newton"
    exact_root = isinstance(fatol_, float) and fatol_ == 0
    iterated = False
    for _ in range(max_iter):
        if not np.count_nonzero(live):  # (cheaper than live.any() on small arrays)
            break
        f_raw, df_raw = fdf(x)
        f, df = np.asarray(f_raw, dtype=float), np.asarray(df_raw, dtype=float)
        if f.shape != shape or df.shape != shape:
            raise InvalidParameterError(f"fdf must return two arrays of shape {shape}, got {f.shape} and {df.shape}")
        iterated = True
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            x_next, lo_, hi_, newton, _, both = _safeguard(
                x, f, df, lo_, hi_, increasing, geometric, expand_, max_step_, closed, check_slope, bounded, newton_test
            )
            abs_f = None if exact_root and step_fatol_ is None else np.abs(f)
            at_root = f == 0 if abs_f is None else abs_f <= fatol_  # (f == 0: the same test for fatol = 0)
            scale = np.maximum(1.0, np.abs(x))
            small = np.abs(x_next - x if newton is None else newton) <= xtol_ * scale
            if abs_f is not None and step_fatol_ is not None:
                small &= abs_f <= step_fatol_
            done = at_root | small
            if bracket_xtol_ is not None:
                narrow = hi_ - lo_ <= bracket_xtol_ * scale
                done |= narrow if both is None else both & narrow
        f_last = np.where(live, f, f_last)
        iterations += live
        # An element at a root (to fatol) stays there unless stay_at_root=False; one that converged
        # on its step takes that last step only with take_final_step. (x is a new array each time:
        # fdf may keep the one it was given.)
        going = ~done
        if not take_final_step:
            move = live & going
        elif stay_at_root:
            move = live & ~at_root
        else:
            move = live
        x = np.where(move, x_next, x)
        live &= going
    if not iterated:  # the bracket as given, in the full shape and in memory of its own
        lo_ = np.array(np.broadcast_to(lo_, shape), dtype=float)
        hi_ = np.array(np.broadcast_to(hi_, shape), dtype=float)
        f_last = np.full(shape, np.nan)
    # The statuses once: an element that started is CONVERGED (0) if it stopped, MAX_ITER (1) if still live.
    if all_finite:
        status = live.astype(np.int64) if act is None else np.where(act, live, SKIPPED)
    else:
        status = np.where(start, live, INVALID if act is None else np.where(act, INVALID, SKIPPED))
    return ScalarResult(
        x=np.asarray(x),
        f=np.asarray(f_last),
        lo=np.asarray(lo_),
        hi=np.asarray(hi_),
        iterations=iterations,
        status=np.asarray(status, dtype=np.int64),
    )


def find_root_bisect(
    f: Callable[[FloatArray], ArrayLike],
    lo: ArrayLike,
    hi: ArrayLike,
    *,
    increasing: ArrayLike | None = None,
    zero: Literal["root", "lo", "hi"] = "root",
    xtol: float = 4.0 * _TINY,
    rtol: float = 4.0 * _EPS,
    max_iter: int = 200,
) -> ScalarResult:
    """Roots of monotone functions on finite brackets, elementwise, by bisection.

    Each iteration evaluates ``f`` at every bracket's midpoint ``0.5 * (lo +
    hi)`` and keeps the half in which the sign changes; an element stops when
    ``hi - lo <= xtol + rtol * max(|lo|, |hi|)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of the shape of ``x``.
    lo, hi : array_like
        Finite brackets, ``lo <= hi``.
    increasing : array_like of bool, optional
        The direction of each function. Without it, ``f`` is evaluated at both
        ends first: the direction follows from the signs there, an element
        without a sign change gets status :data:`INVALID` (``x = NaN``), and
        with ``zero="root"`` a zero at an end is returned at once.
    zero : {"root", "lo", "hi"}
        Where ``f(mid) == 0``: stop there (``"root"``), or let the midpoint
        replace the lower (``"lo"``) or the upper (``"hi"``) end and go on, as
        a search for the edge of a region ``{f <= 0}`` does. A NaN value
        counts as the other side (``"lo"``: NaN replaces ``hi``); with
        ``"root"`` it stops the element with status :data:`INVALID`.
    xtol, rtol : float
        Absolute and relative bracket-width tolerances; both 0 asks for a
        fixed ``max_iter`` halvings (status :data:`MAX_ITER` then).
    max_iter : int
        Bisection steps at most.

    Returns
    -------
    ScalarResult
        ``x`` is the last midpoint evaluated (an end of the final bracket)
        and ``f`` its value; ``lo``, ``hi`` the final bracket.

    Raises
    ------
    InvalidParameterError
        On a NaN, infinite or reversed bracket, or an invalid option.

    Notes
    -----
    Complexity: ``O(log2(width / tol))`` vectorised evaluations of ``f``.

    Examples
    --------
    >>> r = find_root_bisect(lambda x: x**3 - 2.0, 0.0, 2.0)
    >>> round(float(r.x), 12), int(r.status)
    (1.259921049895, 0)

    """
    if zero not in ("root", "lo", "hi"):
        raise InvalidParameterError(f"zero must be 'root', 'lo' or 'hi', got {zero!r}")
    _check_max_iter(max_iter)
    xtol_ = float(_check_tolerance("xtol", xtol))
    rtol_ = float(_check_tolerance("rtol", rtol))
    lo_, hi_ = (np.array(a, dtype=float) for a in np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float)))
    _check_bracket(lo_, hi_, finite=True)
    shape = lo_.shape
    status = np.full(shape, MAX_ITER, dtype=np.int64)
    iterations = np.zeros(shape, dtype=np.int64)
    x = 0.5 * (lo_ + hi_)
    fx = np.full(shape, np.nan)
    live = np.ones(shape, dtype=bool)
    if increasing is None:
        f_lo, f_hi = (np.asarray(f(end), dtype=float) for end in (lo_, hi_))
        valid = ((f_lo <= 0) & (f_hi >= 0)) | ((f_lo >= 0) & (f_hi <= 0))
        inc = ~(f_lo > f_hi)  # both ends zero: taken as increasing
        status[~valid] = INVALID
        x = np.where(valid, x, np.nan)
        live &= valid
        if zero == "root":
            for end, f_end in ((hi_, f_hi), (lo_, f_lo)):  # lo last: it wins where both ends are roots
                hit = live & (f_end == 0)
                x, fx = np.where(hit, end, x), np.where(hit, 0.0, fx)
                status[hit] = CONVERGED
            live &= ~((f_lo == 0) | (f_hi == 0))
    else:
        inc = np.array(np.broadcast_to(np.asarray(increasing, dtype=bool), shape))
    for it in range(max_iter + 1):
        width_ok = hi_ - lo_ <= xtol_ + rtol_ * np.maximum(np.abs(lo_), np.abs(hi_))
        status[live & width_ok] = CONVERGED
        live &= ~width_ok
        if it == max_iter or not live.any():
            break
        mid = 0.5 * (lo_ + hi_)
        fm = np.asarray(f(mid), dtype=float)
        if fm.shape != shape:
            raise InvalidParameterError(f"f must return an array of shape {shape}, got {fm.shape}")
        hit = bad = np.zeros(shape, dtype=bool)
        # With zero="lo"/"hi" one comparison decides both sides (e.g. `f <= 0` keeps mid as lo,
        # anything else, NaN included, as hi), as a search for the edge of a feasible region is written.
        if zero == "lo":
            to_lo = np.where(inc, fm <= 0, fm >= 0)
            to_hi = ~to_lo
        elif zero == "hi":
            to_hi = np.where(inc, fm >= 0, fm <= 0)
            to_lo = ~to_hi
        else:
            to_lo = np.where(inc, fm < 0, fm > 0)
            to_hi = np.where(inc, fm > 0, fm < 0)
            hit, bad = live & (fm == 0), live & np.isnan(fm)
            status[hit] = CONVERGED
            status[bad] = INVALID
        lo_ = np.where(live & to_lo, mid, lo_)
        hi_ = np.where(live & to_hi, mid, hi_)
        x = np.where(live, mid, x)
        fx = np.where(live, fm, fx)
        iterations += live
        live &= ~(hit | bad)
    return ScalarResult(x=np.asarray(x), f=fx, lo=lo_, hi=hi_, iterations=iterations, status=status)


def golden_section(
    f: Callable[[FloatArray], ArrayLike],
    lo: ArrayLike,
    hi: ArrayLike,
    *,
    xtol: float = 0.0,
    rtol: float = float(np.sqrt(_EPS)),
    max_iter: int = 100,
) -> ScalarResult:
    """Minima of unimodal functions on finite brackets, elementwise, by golden-section search.

    The bracket ``[lo, lo + w]`` holds two interior points ``lo + (1 - G) w``
    and ``lo + G w`` (``G = 0.618...``); each step keeps the side of the lower
    value (a tie keeps the left), shrinks ``w`` by ``G``, and since ``G^2 = 1 -
    G`` the surviving point is an interior point of the new bracket, so one
    new evaluation per step suffices. Only ``lo``, ``w`` and the two values
    are carried; the points are recomputed from them (a rounding-level shift
    of the surviving point). An element stops when ``w <= xtol + rtol * |lo +
    w / 2|``; it is then frozen while the others go on (``f`` is still called
    on the whole array).

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of the shape of ``x``; may return ``inf`` (treated as any large value).
    lo, hi : array_like
        Finite brackets, ``lo <= hi``.
    xtol, rtol : float
        Absolute and relative tolerances on the bracket width; both 0 asks
        for exactly ``max_iter`` steps (status :data:`MAX_ITER`, except for
        zero-width brackets, which converge at once). That fixed-step mode
        (Algorithm 1 of the ISCC paper) runs a loop without the per-step
        test, freezing and counting, which cost more than the search's own
        arithmetic on small arrays; its points and results are the same bit
        for bit.
    max_iter : int
        Golden-section steps at most.

    Returns
    -------
    ScalarResult
        ``x`` the final bracket's midpoint and ``f = f(x)`` (one more call of
        ``f`` after the loop), ``lo``, ``hi`` the final bracket, ``iterations``
        the steps taken. ``f`` is called ``2 + steps + 1`` times.

    Raises
    ------
    InvalidParameterError
        On a NaN, infinite or reversed bracket, or an invalid option.

    Examples
    --------
    >>> r = golden_section(lambda x: (x - 0.3) ** 2, 0.0, 1.0, rtol=1e-10)
    >>> round(float(r.x), 8), int(r.status)
    (0.3, 0)

    """
    _check_max_iter(max_iter)
    xtol_ = _scalar_tolerance("xtol", xtol)
    rtol_ = _scalar_tolerance("rtol", rtol)
    lo_a, hi_a = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    if lo_a.shape != hi_a.shape:
        lo_a, hi_a = np.broadcast_arrays(lo_a, hi_a)
    lo_ = np.array(lo_a)  # a copy: the result never shares memory with the caller's bracket
    width = hi_a - lo_
    ok = (width >= 0) & (width < math.inf)  # a NaN or infinite end, or lo > hi, fails it
    if np.count_nonzero(ok) != np.size(ok):
        _check_bracket(lo_, hi_a, finite=True)  # raises, unless a finite bracket's width overflowed
    f1 = np.asarray(f(lo_ + (1.0 - GOLDEN) * width), dtype=float)
    f2 = np.asarray(f(lo_ + GOLDEN * width), dtype=float)
    if xtol_ == 0 and rtol_ == 0:
        zero = width <= 0
        n_zero = np.count_nonzero(zero)
        if n_zero < np.size(zero):  # (all zero: the tolerance loop stops at once, without a step)
            return _golden_fixed(f, lo_, width, f1, f2, zero if n_zero else None, max_iter)
    return _golden_tolerance(f, lo_, width, f1, f2, xtol_, rtol_, max_iter)


def _golden_fixed(
    f: Callable[[FloatArray], ArrayLike],
    lo: FloatArray,
    width: FloatArray,
    f1: FloatArray,
    f2: FloatArray,
    zero: BoolArray | None,
    steps: int,
) -> ScalarResult:
    """Exactly ``steps`` golden-section steps on every bracket: :func:`_golden_tolerance` with tolerances 0.

    No element can stop early here: a positive width never rounds to 0 (the
    smallest subnormal times ``G > 1/2`` rounds back to itself), so nothing is
    frozen or counted per step; the loop is the three updates alone, and the
    iterations and statuses are set once at the end. Zero-width brackets,
    which the tolerance loop freezes at once, run through the same updates
    unchanged (``lo + c * 0 == lo``; only a ``-0.0`` end could turn into
    ``+0.0``, so their ``lo`` is restored at the end): every point evaluated,
    and the result, are the tolerance loop's bit for bit. ``zero`` marks those
    brackets (None: there are none).
    """
    lo0 = lo
    c1 = 1.0 - GOLDEN
    for _ in range(steps):
        left = f1 <= f2  # the minimum lies in [lo, lo + G w]; otherwise in [lo + (1 - G) w, lo + w]
        lo = np.where(left, lo, lo + c1 * width)
        width = GOLDEN * width
        fresh = f(lo + np.where(left, c1, GOLDEN) * width)  # np.where converts it as np.asarray would
        f1, f2 = np.where(left, fresh, f2), np.where(left, f1, fresh)
    if zero is not None:
        lo = np.where(zero, lo0, lo)
        status = (~zero).astype(np.int64)  # MAX_ITER (1) where stepped, CONVERGED (0) at zero width
        iterations = status * steps
    else:
        iterations = np.full(lo.shape, steps, dtype=np.int64)
        status = np.full(lo.shape, MAX_ITER, dtype=np.int64)
    x = np.asarray(lo + 0.5 * width)
    return ScalarResult(
        x=x, f=np.asarray(f(x), dtype=float), lo=lo, hi=np.asarray(lo + width), iterations=iterations, status=status
    )


def _golden_tolerance(
    f: Callable[[FloatArray], ArrayLike],
    lo_: FloatArray,
    width: FloatArray,
    f1: FloatArray,
    f2: FloatArray,
    xtol_: float,
    rtol_: float,
    max_iter: int,
) -> ScalarResult:
    """The golden-section loop with its per-element stopping test (and freezing)."""
    shape = lo_.shape
    status = np.full(shape, MAX_ITER, dtype=np.int64)
    iterations = np.zeros(shape, dtype=np.int64)
    live = np.ones(shape, dtype=bool)
    for it in range(max_iter + 1):
        small = width <= xtol_ + rtol_ * np.abs(lo_ + 0.5 * width)
        status[live & small] = CONVERGED
        live &= ~small
        if it == max_iter or not live.any():
            break
        left = f1 <= f2  # the minimum lies in [lo, lo + G w]; otherwise in [lo + (1 - G) w, lo + w]
        lo_ = np.where(live & ~left, lo_ + (1.0 - GOLDEN) * width, lo_)
        width = np.where(live, GOLDEN * width, width)
        fresh = np.asarray(f(lo_ + np.where(left, 1.0 - GOLDEN, GOLDEN) * width), dtype=float)
        f1, f2 = np.where(live, np.where(left, fresh, f2), f1), np.where(live, np.where(left, f1, fresh), f2)
        iterations += live
    x = np.asarray(lo_ + 0.5 * width)
    return ScalarResult(
        x=x,
        f=np.asarray(f(x), dtype=float),
        lo=lo_,
        hi=np.asarray(lo_ + width),
        iterations=iterations,
        status=status,
    )
