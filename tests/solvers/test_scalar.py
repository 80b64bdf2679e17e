"""edgeopt.solvers.scalar: the searches, and equality with the loops they replace.

Each ``old_*`` function below is a verbatim copy of a loop from the last release
(file and lines in its docstring), with only the problem's closed forms replaced
by a synthetic function passed in, and a per-element counter added where the
old loop did not expose its iteration count. The new search, called with the
options given in the test, must reproduce it bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from edgeopt.core.errors import InvalidParameterError
from edgeopt.solvers.scalar import (
    CONVERGED,
    GOLDEN,
    INVALID,
    MAX_ITER,
    SKIPPED,
    find_root_bisect,
    find_root_newton,
    golden_section,
    newton_bracket_step,
)

Array = np.ndarray


# ---------------------------------------------------------------------------------------------
# 1. fog: _Model.beta_roots (edgeopt/solvers/fog.py, lines 249-273 of the last release)
# ---------------------------------------------------------------------------------------------
def old_beta_loop(
    layer_times: Callable[[Array], tuple[Array, Array]], target: Array, u: Array, done: Array
) -> tuple[Array, Array, Array]:
    """fog.py `_Model.beta_roots`, lines 249-272; `self.layer_times(beta, ad)` -> `layer_times(beta)`."""
    lo = np.full(u.shape, -np.inf)
    hi = np.full(u.shape, np.inf)
    done = done.copy()
    count = np.zeros(u.shape, dtype=int)  # added: evaluations per entry while not done
    for _ in range(200):
        count += ~done  # added
        beta = np.exp(u)
        busy, dbusy = layer_times(beta)
        f = busy - target
        lo = np.where(f > 0, np.maximum(lo, u), lo)
        hi = np.where(f < 0, np.minimum(hi, u), hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -f / (beta * dbusy)
        u_new = u + np.clip(step, -5.0, 5.0)  # beta moves at most e^5-fold per step
        bad = ~np.isfinite(u_new) | (u_new <= lo) | (u_new >= hi)
        both = np.isfinite(lo) & np.isfinite(hi)
        with np.errstate(invalid="ignore"):
            fallback = np.where(both, 0.5 * (lo + hi), np.where(np.isfinite(lo), u + 2.0, u - 2.0))
        u_new = np.where(bad, fallback, u_new)
        small_f = np.abs(f) <= 1e-12 * target
        converged = (np.abs(f) <= 1e-15 * target) | (small_f & (np.abs(step) <= 1e-15 * np.maximum(1.0, np.abs(u))))
        converged |= both & (hi - lo <= 1e-15 * np.maximum(1.0, np.abs(u)))
        done |= converged
        u = np.where(done, u, u_new)
        if done.all():
            break
    return u, count, done


def new_beta_loop(
    layer_times: Callable[[Array], tuple[Array, Array]], target: Array, u: Array, done: Array
) -> tuple[Array, Array, Array]:
    """How `beta_roots` calls the shared search."""

    def fdf(u: Array) -> tuple[Array, Array]:
        beta = np.exp(u)
        busy, dbusy = layer_times(beta)
        return busy - target, beta * dbusy  # d/du = beta d/dbeta

    res = find_root_newton(
        fdf,
        u,
        increasing=False,
        fallback="arithmetic",
        expand=2.0,
        max_step=5.0,
        closed=False,
        fatol=1e-15 * target,
        xtol=1e-15,
        step_test="newton",
        step_fatol=1e-12 * target,
        bracket_xtol=1e-15,
        take_final_step=False,
        active=~done,
        max_iter=200,
    )
    return res.x, res.iterations, res.status


def fog_like_times(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Callable, Array, Array]:
    """Busy time of a node: local work m rho(beta) (CPU floor) plus two links (power cap), as in fog.

    Parameters are log-uniform over many decades; returns the function and roots ``beta*``
    placed log-uniformly in [1e-200, 1e200] (targets are ``T(beta*)``) and their logs.
    """
    m = 10 ** rng.uniform(-3, 3, shape)
    kappa = 10 ** rng.uniform(-30, -26, shape)
    fmax = 10 ** rng.uniform(8, 80, shape)  # the CPU floor binds anywhere from beta ~ 1e-4 to 1e210
    bits = 10 ** rng.uniform(2, 7, shape + (2,))
    bandwidth = 10 ** rng.uniform(5, 7, shape + (2,))
    gamma = 10 ** rng.uniform(-2, 4, shape + (2,))
    pc = 10 ** rng.uniform(-3, 0, shape + (2,))
    xmax = 10 ** rng.uniform(0, 3, shape + (2,))
    links = rng.uniform(size=shape + (2,)) < 0.7
    beta_cpu = 2.0 * kappa * fmax**3

    def layer_times(beta: Array) -> tuple[Array, Array]:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            free = np.cbrt(2.0 * kappa / beta)
            capped = beta >= beta_cpu
            rho = np.where(capped, 1.0 / fmax, free)
            drho = np.where(capped, 0.0, -free / (3.0 * beta))
            y = gamma * (pc + beta[..., None])
            x = np.log1p(y)
            cap = x >= xmax
            x = np.minimum(x, xmax)
            dx = np.where(cap, 0.0, gamma / (1.0 + y))
            lt = np.where(links, bits / (bandwidth * x), 0.0)
            dlt = np.where(links, -lt / x * dx, 0.0)
            return m * rho + lt.sum(axis=-1), m * drho + dlt.sum(axis=-1)

    root = 10 ** rng.uniform(-200, 200, shape)
    target = layer_times(root)[0]
    return layer_times, target, np.log(root)


def exp_sum_times(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Callable, Array, Array]:
    """``T(beta) = sum_j a_j beta^(-p_j)`` (a sum of exponentials in u = log beta), roots 1e-200..1e200."""
    a = 10 ** rng.uniform(-5, 5, shape + (3,))
    p = rng.uniform(0.05, 1.0, shape + (3,))

    def layer_times(beta: Array) -> tuple[Array, Array]:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            terms = a * beta[..., None] ** -p
            return terms.sum(axis=-1), (-p * terms / beta[..., None]).sum(axis=-1)

    root = 10 ** rng.uniform(-200, 200, shape)
    target = layer_times(root)[0]
    return layer_times, target, np.log(root)


def cubic_log_times(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Callable, Array, Array]:
    """``T(u) = c - u^3 / s - log(1 + e^u)`` in u = log beta: decreasing, a cubic far out, roots |u| <= 450."""
    s = 10 ** rng.uniform(2, 6, shape)
    root_u = rng.uniform(-450, 450, shape)
    c = root_u**3 / s + np.logaddexp(0.0, root_u) + 10 ** rng.uniform(-2, 2, shape)

    def layer_times(beta: Array) -> tuple[Array, Array]:
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.log(beta)
            t = c - u**3 / s - np.logaddexp(0.0, u)
            dt_du = -3.0 * u**2 / s - 0.5 * (1.0 + np.tanh(0.5 * u))
            return t, dt_du / beta

    target = c - root_u**3 / s - np.logaddexp(0.0, root_u)  # the positive offset drawn above
    return layer_times, target, root_u


@pytest.mark.parametrize("family", [fog_like_times, exp_sum_times, cubic_log_times])
@pytest.mark.parametrize("start", ["near", "far"])
@pytest.mark.parametrize("seed", range(3))
def test_newton_reproduces_fog_beta_roots(family: Callable, start: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (6, 9)
    layer_times, target, root_u = family(rng, shape)
    # Starts within 60 e-folds of the root (as beta_roots' closed-form guess or warm start), or up
    # to 500 away, inside its clip range [1e-250, 1e250]: from the convex side Newton in u then
    # crawls by about 1/p per step and some entries run out of the 200 iterations, in both loops.
    spread = 60.0 if start == "near" else 500.0
    u0 = np.clip(root_u + rng.uniform(-spread, spread, shape), np.log(1e-250), np.log(1e250))
    done = rng.uniform(size=shape) < 0.15  # slack / wall entries: never moved
    u_old, count_old, done_old = old_beta_loop(layer_times, target, u0, done)
    u_new, count_new, status = new_beta_loop(layer_times, target, u0, done)
    np.testing.assert_array_equal(u_new, u_old)  # bitwise (NaN-aware)
    np.testing.assert_array_equal(count_new, count_old)
    assert np.all(status[done] == SKIPPED)
    assert np.all((status == CONVERGED) == (done_old & ~done))
    if start == "near":
        assert np.all(status[~done] == CONVERGED)  # the test exercises convergence, not only the budget


# ---------------------------------------------------------------------------------------------
# 2. iscc: lemma4's Newton loop (edgeopt/solvers/iscc.py, lines 201-221 of the last release)
# ---------------------------------------------------------------------------------------------
def old_lemma4_loop(
    residual: Callable[[Array], tuple[Array, Array]],
    lo: Array,
    hi: Array,
    guess: Array | None,
    rtol: float,
    max_iter: int,
) -> tuple[Array, Array, Array]:
    """iscc.py `lemma4`, lines 201-221 (the guess line 204 receives `guess` = log(mu_start) directly)."""
    s = hi.copy()
    if guess is not None:
        s = np.where(np.isfinite(guess) & (guess > lo) & (guess < hi), guess, s)
    active = np.ones(s.shape, dtype=bool)
    count = np.zeros(s.shape, dtype=int)  # added
    for _ in range(max_iter):
        count += active  # added
        f, df = residual(s)
        lo = np.where(f > 0, s, lo)
        hi = np.where(f <= 0, s, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = s - f / df
        # Newton inside the bracket (bounds included: at the root the step lands on one), else bisection.
        inside = np.isfinite(newton) & (newton >= lo) & (newton <= hi)
        step = np.where(inside, newton, 0.5 * (lo + hi))
        settled = (f == 0) | (np.abs(step - s) <= rtol * np.maximum(1.0, np.abs(s)))
        # A settled entry is frozen: later sweeps for the others must not move it.
        s = np.where(active, step, s)
        active &= ~settled
        if not active.any():
            break
    return s, count, active


def lemma4_like(
    rng: np.random.Generator, n: int, wide: bool, tight: bool = False
) -> tuple[Callable, Array, Array, Array, Array]:
    """``f(s) = A1 t(mu) + A2 / v(mu) - T2`` in s = log mu, with the power and CPU caps of lemma 4.

    With ``tight`` a third of the instances get ``T2 = A1 t_min + A2 / v_max`` to the last bit: both
    caps bind at the deadline, as in Algorithm 2's first round, so ``f`` and its slope are both 0
    for every ``mu`` above the two clipping prices (a flat zero; ``mu`` is not unique).
    """
    ln2 = math.log(2.0)
    a1 = 10 ** rng.uniform(-4, 1, n)
    a2 = 10 ** rng.uniform(6, 10, n)
    gamma = 10 ** rng.uniform(-3, 6, n)
    kappa = 10 ** rng.uniform(-29, -26, n)
    t_min = ln2 / np.log1p(gamma * 10 ** rng.uniform(-1, 1, n))
    v_max = 10 ** rng.uniform(8, 10, n)
    t2 = (a1 * t_min + a2 / v_max) * 10 ** rng.uniform(0.01, 3, n)  # feasible
    if tight:
        t2 = np.where(rng.uniform(size=n) < 1 / 3, a1 * t_min + a2 / v_max, t2)

    def residual(s: Array) -> tuple[Array, Array]:
        with np.errstate(all="ignore"):
            mu = np.exp(s)
            x = np.log1p(gamma * mu)
            t_free = ln2 / np.maximum(x, 1e-300)
            clipped_t = t_free <= t_min
            t = np.where(clipped_t, t_min, t_free)
            dt = np.where(clipped_t, 0.0, -ln2 / (x * x) * gamma * mu / (1.0 + gamma * mu))
            v_free = np.cbrt(mu / (2.0 * kappa))
            clipped_v = v_free >= v_max
            v = np.where(clipped_v, v_max, v_free)
            dv = np.where(clipped_v, 0.0, v_free / 3.0)
            return a1 * t + a2 / v - t2, a1 * dt - a2 * dv / (v * v)

    if not wide:
        # lemma4's bracket (iscc.py lines 185-200): the larger of the prices at which each activity alone
        # takes all of T2, and a price at which both fit in T2 / 2, widened while f > 0 there.
        with np.errstate(divide="ignore"):
            alone_t = t2 / a1
            comm_lo = np.where(alone_t > t_min, np.expm1(ln2 / alone_t) / gamma, 0.0)
            alone_v = a2 / t2
            comp_lo = np.where(alone_v < v_max, 2.0 * kappa * alone_v**3, 0.0)
            lo = np.log(np.maximum(np.maximum(comm_lo, comp_lo), 1e-300))
            comm_hi = np.expm1(ln2 / np.maximum(0.5 * alone_t, t_min)) / gamma
            comp_hi = 2.0 * kappa * np.minimum(2.0 * alone_v, v_max) ** 3
            hi = np.log(np.maximum(np.maximum(comm_hi, comp_hi), 1e-300)) + 1e-9
        f_hi = residual(hi)[0]
        for _ in range(60):
            grow = f_hi > 0
            if not grow.any():
                break
            hi = np.where(grow, hi + 2.0, hi)
            f_hi = residual(hi)[0]
        guess = np.where(rng.uniform(size=n) < 0.5, lo + (hi - lo) * rng.uniform(-0.2, 1.2, n), np.nan)
        return residual, lo, hi, guess, t2
    # A wide valid bracket (f(lo) > 0 >= f(hi)): long Newton crawls from the convex side, some
    # entries at the iteration cap; equality must hold there too.
    lo = np.full(n, -690.0)
    hi = np.full(n, 690.0)
    for _ in range(4):
        trial_lo, trial_hi = lo + rng.uniform(0, 300, n), hi - rng.uniform(0, 300, n)
        lo = np.where(residual(trial_lo)[0] > 0, trial_lo, lo)
        hi = np.where(residual(trial_hi)[0] <= 0, trial_hi, hi)
    guess = np.where(rng.uniform(size=n) < 0.5, rng.uniform(-700, 700, n), np.nan)
    return residual, lo, hi, guess, t2


def lemma4_search(residual: Callable, s0: Array, lo: Array, hi: Array, rtol: float, max_iter: int, **kw):
    """How `lemma4` calls the shared search."""
    return find_root_newton(
        lambda s: residual(s),
        s0,
        lo,
        hi,
        increasing=False,
        closed=True,
        fatol=0.0,
        xtol=rtol,
        step_test="move",
        bracket_xtol=None,
        take_final_step=True,
        max_iter=max_iter,
        **{"stay_at_root": False, **kw},
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("use_guess", [False, True])
@pytest.mark.parametrize("bracket", ["lemma4", "tight", "wide"])
@pytest.mark.parametrize(("rtol", "max_iter"), [(1e-10, 100), (1e-6, 7)])
def test_newton_reproduces_lemma4(seed: int, use_guess: bool, bracket: str, rtol: float, max_iter: int) -> None:
    rng = np.random.default_rng(seed)
    residual, lo, hi, guess, t2 = lemma4_like(rng, 200, bracket == "wide", tight=bracket == "tight")
    s_old, count_old, active_old = old_lemma4_loop(residual, lo, hi, guess if use_guess else None, rtol, max_iter)
    # lemma4's start: the guess where it lies strictly inside the bracket, else the upper end.
    s0 = np.where(np.isfinite(guess) & (guess > lo) & (guess < hi), guess, hi) if use_guess else hi.copy()
    res = lemma4_search(residual, s0, lo, hi, rtol, max_iter)
    np.testing.assert_array_equal(res.x, s_old)
    np.testing.assert_array_equal(res.iterations, count_old)
    np.testing.assert_array_equal(res.status == CONVERGED, ~active_old)
    f0, df0 = residual(s0)
    flat = (f0 == 0) & (df0 == 0)  # a flat zero at the start: the step there is 0 / 0, the midpoint taken
    if bracket != "tight":
        assert not flat.any()
    else:
        assert flat.sum() >= 20
        assert np.all(res.converged[flat]) and np.all(res.iterations[flat] == 1)
        # The default (stay_at_root=True) keeps the start there, and differs from the old loop only where
        # it stopped on a flat zero (the start, or an iterate that landed in the flat stretch).
        stay = lemma4_search(residual, s0, lo, hi, rtol, max_iter, stay_at_root=True)
        np.testing.assert_array_equal(stay.x[flat], s0[flat])
        assert np.all(res.x[flat] < s0[flat])
        f_stay, df_stay = residual(stay.x)
        differ = stay.x != res.x
        assert np.all((f_stay[differ] == 0) & (df_stay[differ] == 0))
    if bracket != "wide" and max_iter == 100:
        assert res.converged.all()
        # Off the flat zeros the root is found; on them the midpoint need not be one.
        assert np.all(np.abs(residual(res.x)[0][~flat]) <= 1e-6 * t2[~flat])


def test_find_root_newton_stay_at_root() -> None:
    # f vanishes on [1, 2] (an interval of roots, slope 0 inside) and has slope 1 outside and at its ends.
    def fdf(x: Array) -> tuple[Array, Array]:
        f = np.minimum(x - 1.0, 0.0) + np.maximum(x - 2.0, 0.0)
        return f, np.where((x <= 1.0) | (x >= 2.0), 1.0, 0.0)

    x0 = np.array([1.5, 1.0, 3.0])
    stay = find_root_newton(fdf, x0, 0.0, 4.0, closed=True)
    move = find_root_newton(fdf, x0, 0.0, 4.0, closed=True, stay_at_root=False)
    # At 1.5 the step is 0 / 0: the default stays, stay_at_root=False takes the midpoint of [0, 1.5].
    assert stay.x.tolist() == [1.5, 1.0, 2.0] and move.x.tolist() == [0.75, 1.0, 2.0]
    assert stay.status.tolist() == move.status.tolist() == [CONVERGED] * 3
    assert move.iterations.tolist() == [1, 1, 2] and move.f[0] == 0.0  # f at the point evaluated
    # The end of the root interval (slope 1 from the left at 1.0): the Newton point is x itself, on the
    # closed bracket's end, so both stay; an open bracket rejects it and the element moves.
    assert find_root_newton(fdf, 1.0, 0.0, 4.0, stay_at_root=False).x == 0.5
    # Without take_final_step no converged element moves.
    kept = find_root_newton(fdf, x0, 0.0, 4.0, closed=True, stay_at_root=False, take_final_step=False)
    assert kept.x.tolist() == [1.5, 1.0, 2.0]


# ---------------------------------------------------------------------------------------------
# 3. fog: the outer Newton in phi of `solve` (edgeopt/solvers/fog.py, lines 764-792)
# ---------------------------------------------------------------------------------------------
class SyntheticInner:
    """Stands in for fog's `_Inner`: a decreasing latency L(phi), a slope that is sometimes wrong."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.a = 10 ** rng.uniform(-3, 1, 4)
        self.b = 10 ** rng.uniform(-9, 3, 4)
        self.floor = 10 ** rng.uniform(-3, -1)
        self.wrong = rng.uniform(0.0, 0.4)  # fraction of points with an unusable slope
        self.calls = 0

    def latency(self, phi: float) -> float:
        return float(self.floor + np.sum(self.a * np.cbrt(self.b / (phi + self.b))))

    def phi_response(self, phi: float) -> float:
        self.calls += 1
        slope = float(np.sum(-self.a * np.cbrt(self.b / (phi + self.b)) / (3.0 * (phi + self.b))))
        # A deterministic pseudo-random defect: positive, zero or scaled slopes, as an inexact inner solve gives.
        r = (math.sin(12.9898 * self.calls + 78.233 * phi) * 43758.5453) % 1.0
        if r < self.wrong / 2:
            return -slope
        if r < self.wrong:
            return 0.0 if r < self.wrong * 0.75 else slope * 1e-3
        return slope


def old_phi_loop(inner: SyntheticInner, tau: float, phi: float, tol: float, max_iter: int) -> tuple[float, int, bool]:
    """fog.py `solve`, lines 764-792: `inner.minimise` is the identity, `inner.optimality` 0, no re-centring."""
    lo, hi = 0.0, math.inf  # L(lo) > tau > L(hi)
    iterations = 0
    converged = False
    for _ in range(max_iter):
        iterations += 1
        latency = inner.latency(phi)
        gap = latency - tau
        if abs(gap) <= tol * tau:
            converged = True
            break
        if gap > 0:
            lo = max(lo, phi)
        else:
            hi = min(hi, phi)
        slope = inner.phi_response(phi)
        candidate = phi - gap / slope if slope < 0 else math.nan
        inside = lo < candidate < hi if math.isfinite(hi) else lo < candidate
        if not (math.isfinite(candidate) and inside):
            candidate = math.sqrt(lo * hi) if lo > 0 and math.isfinite(hi) else (phi * 10.0 if gap > 0 else phi / 10.0)
        if math.isfinite(hi) and hi - lo <= 1e-15 * hi:
            converged = abs(gap) <= 1e-9 * tau
            break
        phi = candidate
    return phi, iterations, converged


def new_phi_loop(inner: SyntheticInner, tau: float, phi: float, tol: float, max_iter: int) -> tuple[float, int, bool]:
    """The same loop with the shared safeguard (how `solve` calls it)."""
    lo, hi = 0.0, math.inf
    iterations = 0
    converged = False
    for _ in range(max_iter):
        iterations += 1
        gap = inner.latency(phi) - tau
        if abs(gap) <= tol * tau:
            converged = True
            break
        slope = inner.phi_response(phi)
        step = newton_bracket_step(
            phi, gap, slope, lo, hi, increasing=False, fallback="geometric", expand=10.0, check_slope=True
        )
        lo, hi = float(step.lo), float(step.hi)
        if math.isfinite(hi) and hi - lo <= 1e-15 * hi:
            converged = abs(gap) <= 1e-9 * tau
            break
        phi = float(step.x)
    return phi, iterations, converged


@pytest.mark.parametrize("seed", range(40))
def test_step_reproduces_fog_outer_phi_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    probe = SyntheticInner(np.random.default_rng(seed))
    # tau between the floor and L(0); the start anywhere from 1e-12 to 1e12 times the root's scale.
    tau = probe.floor + float(np.sum(probe.a)) * rng.uniform(0.001, 0.999)
    phi0 = float(10 ** rng.uniform(-12, 6))
    if seed % 10 == 0:
        phi0 = 0.0  # a start at 0: only a Newton step can leave it
    tol = 1e-13
    old = old_phi_loop(SyntheticInner(np.random.default_rng(seed)), tau, phi0, tol, 200)
    new = new_phi_loop(SyntheticInner(np.random.default_rng(seed)), tau, phi0, tol, 200)
    assert new == old  # phi bitwise, the iteration count, the converged flag
    assert old[2]


# ---------------------------------------------------------------------------------------------
# The step function and the loop on their own
# ---------------------------------------------------------------------------------------------
def test_newton_bracket_step_rules() -> None:
    # Increasing f below the root: lo moves up; the Newton point is accepted.
    s = newton_bracket_step(1.0, -1.0, 2.0, 0.0, 2.0)
    assert (float(s.x), float(s.lo), float(s.hi), bool(s.newton_taken)) == (1.5, 1.0, 2.0, True)
    # A Newton point outside the bracket: the arithmetic midpoint, or the geometric one.
    s = newton_bracket_step(1.0, -1.0, 0.1, 0.5, 4.0)
    assert float(s.x) == 2.5 and not s.newton_taken
    s = newton_bracket_step(1.0, -1.0, 0.1, 0.5, 4.0, fallback="geometric")
    assert float(s.x) == math.sqrt(4.0)
    # One side unknown: expansion away from the known end, by a distance or a factor.
    assert float(newton_bracket_step(3.0, -1.0, -1.0, -np.inf, np.inf).x) == 5.0  # Newton goes below lo: expand up
    assert float(newton_bracket_step(3.0, -1.0, 0.0, -np.inf, np.inf, check_slope=True).x) == 5.0
    assert float(newton_bracket_step(3.0, 1.0, 0.0, -np.inf, np.inf, check_slope=True).x) == 1.0
    assert float(newton_bracket_step(3.0, -1.0, 0.0, 0.0, np.inf, fallback="geometric", expand=10.0).x) == 30.0
    # max_step clips the Newton step (an infinite one too); a closed bracket accepts its end.
    assert float(newton_bracket_step(0.0, -1.0, 1e-9, -np.inf, np.inf, max_step=5.0).x) == 5.0
    assert float(newton_bracket_step(0.0, -1.0, 0.0, -np.inf, np.inf, max_step=5.0).x) == 5.0
    assert float(newton_bracket_step(0.0, -1.0, 1.0, -1.0, 1.0, closed=True).x) == 1.0
    assert float(newton_bracket_step(0.0, -1.0, 1.0, -1.0, 1.0, closed=False).x) == 0.5
    # Decreasing: a positive f puts the root above.
    s = newton_bracket_step(0.0, 2.0, -1.0, -10.0, 10.0, increasing=False)
    assert (float(s.x), float(s.lo), float(s.hi)) == (2.0, 0.0, 10.0)


def test_find_root_newton_wide_roots_and_statuses() -> None:
    # exp(u) = c for c from 1e-200 to 1e200, from u = 0 on an unbounded bracket.
    c = 10.0 ** np.arange(-200, 201, 25)
    res = find_root_newton(
        lambda u: (np.exp(u) - c, np.exp(u)), np.zeros(c.shape), max_step=5.0, xtol=1e-14, max_iter=1000
    )
    assert res.converged.all()
    np.testing.assert_allclose(res.x, np.log(c), rtol=1e-14, atol=1e-13)
    assert res.iterations.max() <= 470  # from above Newton on exp moves by about 1 per step
    # Masked, non-finite and budget-limited elements.
    res = find_root_newton(
        lambda x: (x - 3.0, np.ones_like(x) * 1e-3),  # a poor slope: the clip and the expansion do the work
        np.array([0.0, np.nan, 0.0]),
        active=np.array([True, True, False]),
        max_step=0.5,
        max_iter=3,
    )
    assert res.status.tolist() == [MAX_ITER, INVALID, SKIPPED]
    assert res.x[2] == 0.0 and res.iterations.tolist() == [3, 0, 0]


def test_scalar_searches_reject_bad_input() -> None:
    def fdf(x: Array) -> tuple[Array, Array]:
        return x, np.ones_like(x)

    with pytest.raises(InvalidParameterError, match=r"bracket must satisfy lo <= hi, got lo=\[2\.\], hi=\[1\.\]"):
        find_root_newton(fdf, 1.5, 2.0, 1.0)
    with pytest.raises(InvalidParameterError, match="x0 must lie in the bracket"):
        find_root_newton(fdf, 5.0, 0.0, 1.0)
    with pytest.raises(InvalidParameterError, match="bracket must not contain NaN"):
        newton_bracket_step(0.0, 1.0, 1.0, np.nan, 1.0)
    with pytest.raises(InvalidParameterError, match="fallback must be"):
        find_root_newton(fdf, 0.0, fallback="harmonic")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="expand must be finite and > 1"):
        find_root_newton(fdf, 1.0, 0.0, np.inf, fallback="geometric", expand=1.0)
    with pytest.raises(InvalidParameterError, match="max_iter must be a non-negative integer"):
        find_root_newton(fdf, 0.0, max_iter=-1)
    with pytest.raises(InvalidParameterError, match="fatol must be non-negative"):
        find_root_newton(fdf, 0.0, fatol=-1.0)
    with pytest.raises(InvalidParameterError, match="fdf must return two arrays of shape"):
        find_root_newton(lambda x: (np.zeros(3), np.ones(3)), 0.0)
    with pytest.raises(InvalidParameterError, match="bracket must be finite"):
        find_root_bisect(lambda x: x, 0.0, np.inf)
    with pytest.raises(InvalidParameterError, match="bracket must satisfy lo <= hi"):
        golden_section(lambda x: x, 1.0, 0.0)
    # The checks are one comparison unless they fail; then the same messages as element by element.
    with pytest.raises(InvalidParameterError, match=r"bracket must not contain NaN, got lo=\[nan\]"):
        golden_section(lambda x: x, np.array([0.0, np.nan]), 1.0)
    with pytest.raises(InvalidParameterError, match="bracket must be finite"):
        golden_section(lambda x: x, 0.0, np.array([1.0, np.inf]), xtol=0.0, rtol=0.0)
    with pytest.raises(InvalidParameterError, match="fatol must be non-negative"):
        find_root_newton(fdf, np.zeros(2), fatol=np.array([0.0, np.nan]))
    with pytest.raises(InvalidParameterError, match="xtol must be non-negative"):
        find_root_newton(fdf, 0.0, xtol=math.nan)
    with pytest.raises(InvalidParameterError, match=r"x0 must lie in the bracket \[lo, hi\], got x0=\[3\.\]"):
        find_root_newton(fdf, np.array([0.5, 3.0]), np.zeros(2), np.array([1.0, 2.0]))
    with pytest.raises(InvalidParameterError, match=r"bracket must satisfy lo <= hi, got lo=\[2\.\]"):
        find_root_newton(fdf, np.array([0.5, 1.5]), np.array([0.0, 2.0]), 1.0)
    # A non-finite start is no error but INVALID, also outside a finite bracket.
    assert find_root_newton(fdf, np.array([np.inf, 0.5]), 0.0, 1.0).status.tolist() == [INVALID, CONVERGED]
    with pytest.raises(InvalidParameterError, match="zero must be"):
        find_root_bisect(lambda x: x, 0.0, 1.0, zero="mid")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# 4. Golden section: iscc._golden (edgeopt/solvers/iscc.py, lines 490-508)
# ---------------------------------------------------------------------------------------------
OLD_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def old_golden(f: Callable[[Array], Array], lo: Array, hi: Array, iterations: int) -> Array:
    """iscc.py `_golden`, verbatim."""
    width = hi - lo
    f1, f2 = f(lo + (1.0 - OLD_GOLDEN) * width), f(lo + OLD_GOLDEN * width)
    for _ in range(iterations):
        left = f1 <= f2  # the minimum lies in [lo, lo + G w]; otherwise in [lo + (1 - G) w, lo + w]
        lo = np.where(left, lo, lo + (1.0 - OLD_GOLDEN) * width)
        width = OLD_GOLDEN * width
        fresh = f(lo + np.where(left, 1.0 - OLD_GOLDEN, OLD_GOLDEN) * width)
        f1, f2 = np.where(left, fresh, f2), np.where(left, f1, fresh)
    return np.asarray(lo + 0.5 * width)


class Recorder:
    """A unimodal function with a cap (inf beyond it, as iscc's h1) that records its calls."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.centre = rng.uniform(0.0, 1.0, n)
        self.curv = 10 ** rng.uniform(-3, 3, n)
        self.cap = np.where(rng.uniform(size=n) < 0.3, rng.uniform(0.2, 1.0, n), np.inf)
        self.calls: list[Array] = []

    def __call__(self, p: Array) -> Array:
        self.calls.append(np.array(p))
        value = self.curv * (p - self.centre) ** 2 + np.abs(p - self.centre) ** 3 + 1.0
        return np.where(p <= self.cap, value, np.inf)


@pytest.mark.parametrize("seed", range(5))
def test_golden_section_reproduces_iscc_golden(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    lo = np.where(rng.uniform(size=n) < 0.1, 1.0, 1e-12)  # iscc's placeholder brackets [1, 1] included
    hi = np.where(lo == 1.0, 1.0, rng.uniform(0.01, 1.0, n))
    f_old, f_new = Recorder(np.random.default_rng(seed), n), Recorder(np.random.default_rng(seed), n)
    x_old = old_golden(f_old, lo, hi, 60)
    res = golden_section(f_new, lo, hi, xtol=0.0, rtol=0.0, max_iter=60)
    np.testing.assert_array_equal(res.x, x_old)
    np.testing.assert_array_equal(res.f, f_old(x_old))  # the caller's h1(found)
    # The same evaluation sequence (the new search adds the final f(x) call).
    assert len(f_new.calls) == len(f_old.calls) == 63
    for a, b in zip(f_new.calls, f_old.calls, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(res.status[lo == hi] == CONVERGED) and np.all(res.status[lo < hi] == MAX_ITER)
    assert np.all(res.iterations[lo < hi] == 60) and np.all(res.iterations[lo == hi] == 0)


def bits(a: Array) -> Array:
    """The float64 bit patterns (signed zeros and NaN payloads told apart)."""
    return np.asarray(a, dtype=np.float64).view(np.uint64)


@pytest.mark.parametrize("seed", range(3))
def test_golden_section_fixed_steps_equal_the_tolerance_loop(seed: int) -> None:
    # Tolerances 0 run a loop of their own without per-step tests; xtol = 5e-324 (the smallest
    # subnormal) runs the loop with the per-element test instead, which here stops the zero-width
    # brackets only, as the fixed-step mode's statuses say. Both must agree bit for bit, calls included:
    # widths from 1e-300 (subnormal after 60 steps) to 10, zero widths at signed zeros, and NaN and
    # infinite values.
    rng = np.random.default_rng(seed)
    n = 300
    w = 10 ** rng.uniform(-300, 1, n)
    lo = w * rng.uniform(-2.0, 2.0, n)
    hi = np.where(rng.uniform(size=n) < 0.2, lo, lo + w)
    lo[:4], hi[:4] = np.array([-0.0, 0.0, -0.0, 1.0]), np.array([-0.0, 0.0, 0.0, 1.0])
    nan_at = rng.uniform(size=n) < 0.05
    nan_at[:2] = True  # NaN values where the bracket is a signed zero: the "right" branch is taken there

    def with_nan(rec: Recorder) -> Callable[[Array], Array]:
        return lambda p: np.where(nan_at, np.nan, rec(p))

    rec_fixed, rec_loop = Recorder(np.random.default_rng(seed), n), Recorder(np.random.default_rng(seed), n)
    fixed = golden_section(with_nan(rec_fixed), lo, hi, xtol=0.0, rtol=0.0, max_iter=60)
    loop = golden_section(with_nan(rec_loop), lo, hi, xtol=5e-324, rtol=0.0, max_iter=60)
    for name in ("x", "f", "lo", "hi"):
        np.testing.assert_array_equal(bits(getattr(fixed, name)), bits(getattr(loop, name)), err_msg=name)
    np.testing.assert_array_equal(fixed.iterations, loop.iterations)
    np.testing.assert_array_equal(fixed.status, loop.status)
    assert np.all(fixed.status[lo == hi] == CONVERGED) and np.all(fixed.status[lo < hi] == MAX_ITER)
    assert len(rec_fixed.calls) == len(rec_loop.calls) == 63
    for a, b in zip(rec_fixed.calls, rec_loop.calls, strict=True):
        np.testing.assert_array_equal(bits(a), bits(b))


def test_golden_section_fixed_steps_never_stop_a_positive_width() -> None:
    # The fixed-step loop freezes nothing: a positive width never rounds to 0, since the smallest
    # subnormal times G > 1/2 rounds back to itself. A subnormal bracket takes every step too, and
    # brackets all of zero width take none (f is called three times).
    tiny = float(np.nextafter(0.0, 1.0))
    assert tiny * GOLDEN == tiny
    calls: list[Array] = []

    def f(x: Array) -> Array:
        calls.append(x)
        return (x - 0.3) ** 2

    res = golden_section(f, np.zeros(2), np.array([1e-320, 1.0]), xtol=0.0, rtol=0.0, max_iter=2000)
    assert res.status.tolist() == [MAX_ITER] * 2 and res.iterations.tolist() == [2000] * 2
    assert res.hi[0] - res.lo[0] == tiny and abs(float(res.x[1]) - 0.3) < 1e-12
    calls.clear()
    res = golden_section(f, np.ones(3), np.ones(3), xtol=0.0, rtol=0.0, max_iter=60)
    assert res.status.tolist() == [CONVERGED] * 3 and res.iterations.tolist() == [0] * 3 and len(calls) == 3


def element(f: Callable[[Array], Array], n: int, i: int, p: Array) -> Array:
    """Element i of f evaluated on a whole array filled with p[0] (a lone search through the batch function)."""
    return f(np.full(n, p[0]))[i : i + 1]


def test_golden_section_freezing_keeps_each_element_sequence() -> None:
    rng = np.random.default_rng(7)
    n = 50
    f = Recorder(rng, n)
    lo, hi = np.zeros(n), rng.uniform(0.5, 1.0, n)
    res = golden_section(f, lo, hi, xtol=1e-9, rtol=1e-6)
    assert res.iterations.min() < res.iterations.max()  # the elements stop at different steps
    assert res.converged.all()
    for i in range(0, n, 7):  # each element equals the fixed-count search with its own step count
        one = old_golden(partial(element, f, n, i), lo[i : i + 1], hi[i : i + 1], res.iterations[i])
        assert res.x[i] == one[0]


@pytest.mark.parametrize("seed", range(3))
def test_golden_section_matches_scipy_bounded(seed: int) -> None:
    rng = np.random.default_rng(seed)
    centre, curv = rng.uniform(0.1, 0.9), 10 ** rng.uniform(-2, 2)

    def h(p: Array) -> Array:
        return curv * (p - centre) ** 2 + np.exp(p)

    res = golden_section(h, 0.0, 1.0, xtol=1e-12, rtol=1e-12)
    ref = minimize_scalar(
        lambda p: float(h(np.array(p))), bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12}
    )
    assert res.converged and res.iterations < 60
    assert float(res.f) <= ref.fun * (1.0 + 1e-14)
    assert abs(float(res.x) - ref.x) <= 1e-6


# ---------------------------------------------------------------------------------------------
# 5. Bisection: fog's repair_point (edgeopt/problems/fog.py, lines 454-458) and the ISCC
#    notebook's break_even (notebooks/iscc.ipynb, "break_even" cell)
# ---------------------------------------------------------------------------------------------
def old_repair_bisection(layer_times: Callable[[float], Array], budget: float) -> float:
    """fog.py `repair_point`, lines 454-458."""
    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if layer_times(mid).sum() <= budget else (lo, mid)
    frac = lo
    return frac


def old_break_even(pca: Callable[[float], float], target: float, lo: float = 0.0, hi: float = 0.999, steps: int = 50):
    """notebooks/iscc.ipynb `break_even`, the loop (the `pca(lo) >= target` early return is the caller's)."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if pca(mid) >= target else (mid, hi)
    return hi


def repair_instances(rng: np.random.Generator, n: int, k: int = 4, layers: int = 5):
    floor = 10 ** rng.uniform(-4, -2, (n, k, layers))
    t_loc0 = floor * (1.0 + 10 ** rng.uniform(-2, 1, (n, k, layers)))
    busy = 10 ** rng.uniform(-5, -2, (n, k, layers))
    lt0 = np.max(floor + busy, axis=1).sum(axis=-1)
    lt1 = np.max(t_loc0 + busy, axis=1).sum(axis=-1)
    budget = lt0 + rng.uniform(0.0, 1.0, n) * (lt1 - lt0)
    budget[: n // 10] = lt0[: n // 10]  # the budget exactly at the floor: a zero residual at frac = 0
    return floor, t_loc0, busy, budget


def repair_layer_times(floor: Array, t_loc0: Array, busy: Array, frac: float) -> Array:
    """repair_point's `layer_times` closure."""
    return np.max(floor + frac * (t_loc0 - floor) + busy, axis=0)


def test_bisect_reproduces_fog_repair() -> None:
    rng = np.random.default_rng(3)
    n = 60
    floor, t_loc0, busy, budget = repair_instances(rng, n)
    old = [old_repair_bisection(partial(repair_layer_times, floor[i], t_loc0[i], busy[i]), budget[i]) for i in range(n)]

    def excess(frac: Array) -> Array:  # vectorised over instances: layer_times(frac).sum() - budget
        times = np.max(floor + frac[:, None, None] * (t_loc0 - floor) + busy, axis=1)
        return times.sum(axis=-1) - budget

    res = find_root_bisect(excess, np.zeros(n), np.ones(n), increasing=True, zero="lo", xtol=0.0, rtol=0.0, max_iter=80)
    np.testing.assert_array_equal(res.lo, old)
    assert np.all(res.iterations == 80)


def test_bisect_reproduces_iscc_break_even() -> None:
    rng = np.random.default_rng(5)
    n = 80
    scale = 10 ** rng.uniform(-2, 2, n)
    wall = np.where(rng.uniform(size=n) < 0.3, rng.uniform(0.5, 1.0, n), np.inf)
    target = scale * (1.0 + rng.uniform(0.0, 3.0, n))
    target[:5] = scale[:5] * (1.0 + ((0.999 / 2) / (1.0 - 0.999 / 2)) ** 2)  # a tie at the first midpoint

    def pca(r: Array, scale: Array = scale, wall: Array = wall) -> Array:  # increasing, infinite past a wall
        return np.where(r < wall, scale * (1.0 + (r / (1.0 - r)) ** 2), np.inf)

    def pca_one(i: int, r: float) -> float:
        return float(pca(np.array(r), scale[i], wall[i]))

    old = [old_break_even(partial(pca_one, i), float(target[i])) for i in range(n)]
    res = find_root_bisect(
        lambda r: pca(r) - target,
        np.zeros(n),
        np.full(n, 0.999),
        increasing=True,
        zero="hi",
        xtol=0.0,
        rtol=0.0,
        max_iter=50,
    )
    np.testing.assert_array_equal(res.hi, old)


def test_bisect_with_endpoint_signs_and_tolerances() -> None:
    c = np.array([2.0, 3.0, -1.0, 0.0, 8.0])
    # increasing x^3 - c, decreasing c - x^3, no sign change, a root at an end, and a root at hi.
    sign = np.array([1.0, -1.0, 1.0, 1.0, 1.0])
    res = find_root_bisect(lambda x: sign * (x**3 - c), np.zeros(5), np.full(5, 2.0))
    assert res.status.tolist() == [CONVERGED, CONVERGED, INVALID, CONVERGED, CONVERGED]
    np.testing.assert_allclose(res.x[:2], np.cbrt(c[:2]), rtol=4e-15)
    assert np.isnan(res.x[2]) and res.x[3] == 0.0 and res.x[4] == 2.0 and res.iterations[3] == 0
    # With xtol the bracket stops at that width.
    res = find_root_bisect(lambda x: x - 0.3, 0.0, 1.0, increasing=True, xtol=1e-6, rtol=0.0)
    assert float(res.hi - res.lo) <= 1e-6 and res.iterations == 20 and abs(float(res.x) - 0.3) <= 1e-6
    # Each element's sequence is that of a lone bisection with its own step count.
    lone = find_root_bisect(lambda x: x - 0.3, 0.0, 1.0, increasing=True, xtol=0.0, rtol=0.0, max_iter=20)
    assert float(lone.x) == float(res.x) and int(lone.status) == MAX_ITER
