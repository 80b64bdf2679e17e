"""edgeopt.solvers.first_order: FISTA equals the compression problem's old loop; projected gradient is right.

`old_fista` is the loop of `_fista` in edgeopt/problems/compression.py (lines 145-179 of
the last release) verbatim, with the problem's functions copied below it
(`_softmax`, `loss`, `objective`, `gradient` from lines 101-123; `stationarity` is the
residual of `L1Logistic.check`, lines 234-247) on a small random instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.optimize import lsq_linear, minimize

from edgeopt.core.errors import InvalidParameterError
from edgeopt.solvers.first_order import (
    CONVERGED,
    MAX_ITER,
    STALLED,
    fista,
    project_simplex,
    projected_gradient,
)


# --- the compression problem's functions, copied ------------------------------------------------
@dataclass(frozen=True)
class Params:
    x: np.ndarray
    y: np.ndarray
    mu: float
    n_classes: int

    @property
    def l1_weight(self) -> float:
        return 1.0 - float(self.mu)

    def one_hot(self) -> np.ndarray:
        return np.eye(self.n_classes)[self.y]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def loss(params: Params, w: np.ndarray, c: np.ndarray) -> float:
    z = params.x @ w + c
    zmax = z.max(axis=1)
    lse = zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(z.shape[0]), params.y]))


def objective(params: Params, w: np.ndarray, c: np.ndarray) -> float:
    return float(params.mu * loss(params, w, c) + params.l1_weight * np.abs(w).sum())


def gradient(params: Params, w: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    residual = (_softmax(params.x @ w + c) - params.one_hot()) * (params.mu / params.x.shape[0])
    return params.x.T @ residual, residual.sum(axis=0)


def stationarity(p: Params, w: np.ndarray, c: np.ndarray) -> float:
    gw, gc = gradient(p, w, c)
    lam = p.l1_weight
    prior = np.log(np.bincount(p.y, minlength=p.n_classes) / p.y.size + 1e-300)
    scale = float(np.abs(gradient(p, np.zeros_like(w), prior)[0]).max())
    nonzero = w != 0
    on_support = np.abs(gw + lam * np.sign(w))[nonzero]
    off_support = np.maximum(np.abs(gw) - lam, 0.0)[~nonzero]
    residual = max(float(on_support.max(initial=0.0)), float(off_support.max(initial=0.0)), float(np.abs(gc).max()))
    return residual / scale


def old_fista(p: Params, kkt_tol: float, max_iter: int) -> tuple[np.ndarray, np.ndarray, float, int]:
    """compression.py `_fista`, lines 146-178; `problem.check(probe).stationarity` -> `stationarity(p, w, c)`."""
    n, features = p.x.shape
    augmented = np.hstack([p.x, np.ones((n, 1))])
    lipschitz = p.mu * np.linalg.norm(augmented, 2) ** 2 / (2.0 * n)
    step = 1.0 / lipschitz
    w = np.zeros((features, p.n_classes))
    c = np.zeros(p.n_classes)
    vw, vc = w.copy(), c.copy()
    t = 1.0
    value = objective(p, w, c)
    calm = 0
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        gw, gc = gradient(p, vw, vc)
        zw = vw - step * gw
        w_new = np.sign(zw) * np.maximum(np.abs(zw) - step * p.l1_weight, 0.0)
        c_new = vc - step * gc
        new_value = objective(p, w_new, c_new)
        if new_value > value:  # restart the momentum (O'Donoghue and Candes 2015)
            t = 1.0
            vw, vc = w.copy(), c.copy()
            continue
        t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        vw = w_new + ((t - 1.0) / t_new) * (w_new - w)
        vc = c_new + ((t - 1.0) / t_new) * (c_new - c)
        calm = calm + 1 if value - new_value <= 1e-15 * abs(new_value) else 0
        w, c, t, value = w_new, c_new, t_new, new_value
        if calm >= 200:
            break
        if iterations % 25 == 0:
            if stationarity(p, w, c) <= kkt_tol:
                break
    return w, c, value, iterations


def new_fista(p: Params, kkt_tol: float, max_iter: int):
    """How `_fista` calls the shared FISTA."""
    n, features = p.x.shape
    augmented = np.hstack([p.x, np.ones((n, 1))])
    step = 1.0 / (p.mu * np.linalg.norm(augmented, 2) ** 2 / (2.0 * n))

    def prox(z: tuple[np.ndarray, np.ndarray], s: float) -> tuple[np.ndarray, np.ndarray]:
        zw, zc = z  # soft-thresholding on the weights; the biases carry no L1 term
        return np.sign(zw) * np.maximum(np.abs(zw) - s * p.l1_weight, 0.0), zc

    return fista(
        lambda x: objective(p, *x),
        lambda x: gradient(p, *x),
        prox,
        (np.zeros((features, p.n_classes)), np.zeros(p.n_classes)),
        step,
        max_iter=max_iter,
        check=lambda x: stationarity(p, *x) <= kkt_tol,
        check_every=25,
        calm_iterations=200,
        calm_rtol=1e-15,
    )


def random_instance(seed: int, n: int = 60, features: int = 8, classes: int = 3) -> Params:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, features))
    y = rng.integers(0, classes, n)
    x = np.clip(centres[y] + rng.normal(scale=1.5, size=(n, features)), -3, 3) / 3 + 0.5
    return Params(x=x, y=y, mu=0.97, n_classes=classes)


@pytest.mark.parametrize(
    ("seed", "kkt_tol", "max_iter", "expected"),
    [(0, 1e-3, 50_000, CONVERGED), (1, 2e-7, 50_000, CONVERGED), (2, 0.0, 3000, MAX_ITER), (3, 1e-9, 137, MAX_ITER)],
)
def test_fista_reproduces_compression_fista(seed: int, kkt_tol: float, max_iter: int, expected: int) -> None:
    p = random_instance(seed)
    w_old, c_old, value_old, it_old = old_fista(p, kkt_tol, max_iter)
    res = new_fista(p, kkt_tol, max_iter)
    w_new, c_new = res.x
    np.testing.assert_array_equal(w_new, w_old)
    np.testing.assert_array_equal(c_new, c_old)
    assert res.value == value_old and res.iterations == it_old
    assert res.status == expected
    assert isinstance(res.x, tuple)
    if kkt_tol == 0.0:
        assert res.restarts > 100  # at rounding level every step is discarded: the restart path is exercised


def test_fista_stalls_on_a_flat_objective() -> None:
    # Every step accepted with no decrease: the calm counter stops the loop after calm_iterations.
    res = fista(lambda x: 1.0, lambda x: np.zeros_like(x), lambda z, s: z, np.ones(3), 1.0, calm_iterations=7)
    assert res.status == STALLED and res.iterations == 7 and res.restarts == 0


def test_fista_single_array_lasso_matches_closed_form() -> None:
    # min 0.5 ||x - y||^2 + lam ||x||_1: the soft threshold of y; a single-array iterate.
    rng = np.random.default_rng(0)
    y, lam = rng.normal(size=20), 0.3

    def soft(z: np.ndarray, s: float) -> np.ndarray:
        return np.sign(z) * np.maximum(np.abs(z) - s * lam, 0.0)

    res = fista(
        lambda x: 0.5 * float(np.sum((x - y) ** 2)) + lam * float(np.abs(x).sum()),
        lambda x: x - y,
        soft,
        np.zeros(20),
        0.5,
        # Function-value restarts locate x only to about sqrt(eps) (the objective is flat to rounding there).
        check=lambda x: bool(np.max(np.abs(x - soft(y, 1.0))) <= 1e-7),
        check_every=1,
    )
    assert res.converged and isinstance(res.x, np.ndarray)
    np.testing.assert_allclose(res.x, soft(y, 1.0), atol=1e-7)


# --- projected gradient -------------------------------------------------------------------------
def least_squares(a: np.ndarray, b: np.ndarray):
    def value(x: np.ndarray) -> np.ndarray:
        r = np.einsum("...ij,...j->...i", a, x) - b
        return 0.5 * np.sum(r * r, axis=-1)

    def grad(x: np.ndarray) -> np.ndarray:
        r = np.einsum("...ij,...j->...i", a, x) - b
        return np.einsum("...ij,...i->...j", a, r)

    return value, grad


@pytest.mark.parametrize("seed", range(3))
def test_projected_gradient_box_least_squares_matches_bvls(seed: int) -> None:
    rng = np.random.default_rng(seed)
    batch, m, n = 5, 30, 8
    a = rng.normal(size=(batch, m, n))
    b = rng.normal(size=(batch, m)) * 3
    lower, upper = -0.2 * np.ones(n), 0.3 * np.ones(n)
    value, grad = least_squares(a, b)
    step = 1.0 / np.max([np.linalg.norm(ai, 2) ** 2 for ai in a])
    res = projected_gradient(
        value, grad, lambda x: np.clip(x, lower, upper), np.zeros((batch, n)), 10 * step, batch=True, gtol=1e-9
    )
    assert np.all(res.status == CONVERGED)
    for i in range(batch):
        ref = lsq_linear(a[i], b[i], bounds=(lower, upper), method="bvls", tol=1e-14)
        np.testing.assert_allclose(res.x[i], ref.x, atol=1e-9)
        assert abs(res.value[i] - 0.5 * np.sum(ref.fun**2)) <= 1e-10 * res.value[i]
        # One instance alone gives the same point (to rounding: the batch sums in another order).
        value_i, grad_i = least_squares(a[i], b[i])
        one = projected_gradient(
            value_i,
            grad_i,
            lambda x: np.clip(x, lower, upper),
            np.zeros(n),
            10 * step,
            gtol=1e-9,
        )
        assert one.status == CONVERGED
        np.testing.assert_allclose(one.x, res.x[i], atol=1e-10)


def simplex_quadratic(rng: np.random.Generator, n: int):
    m = rng.normal(size=(n, n))
    q = m @ m.T / n + 0.1 * np.eye(n)
    c = rng.normal(size=n)
    return q, c


@pytest.mark.parametrize("seed", range(3))
def test_projected_gradient_simplex_quadratic_kkt_and_slsqp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 10
    q, c = simplex_quadratic(rng, n)
    res = projected_gradient(
        lambda x: 0.5 * x @ q @ x + c @ x, lambda x: q @ x + c, project_simplex, np.ones(n) / n, 1.0, gtol=1e-11
    )
    assert res.converged
    x = res.x
    assert np.all(x >= 0) and abs(x.sum() - 1.0) <= 1e-14
    # KKT on the simplex: the gradient equals lambda on the support, is >= lambda off it.
    g = q @ x + c
    support = x > 1e-10
    lam = g[support].mean()
    assert np.max(np.abs(g[support] - lam)) <= 1e-9
    assert np.all(g[~support] >= lam - 1e-9)
    ref = minimize(
        lambda z: 0.5 * z @ q @ z + c @ z,
        np.ones(n) / n,
        jac=lambda z: q @ z + c,
        method="SLSQP",
        bounds=[(0, None)] * n,
        constraints=[{"type": "eq", "fun": lambda z: z.sum() - 1.0}],
        options={"ftol": 1e-15, "maxiter": 500},
    )
    assert res.value <= ref.fun + 1e-10 * abs(ref.fun)


def test_projected_gradient_statuses_and_errors() -> None:
    # A budget too small: MAX_ITER; an objective infinite at every trial point (a cliff the gradient
    # does not see): STALLED, at the start.
    res = projected_gradient(lambda x: float(x @ x), lambda x: 2 * x, lambda x: x, np.ones(3), 1e-3, max_iter=2)
    assert res.status == MAX_ITER and res.iterations == 2
    x0 = np.ones(3)
    res = projected_gradient(
        lambda x: 0.0 if np.array_equal(x, x0) else np.inf, lambda x: np.ones_like(x), lambda x: x, x0, 1.0
    )
    assert res.status == STALLED and res.iterations == 1 and np.array_equal(res.x, x0)
    with pytest.raises(InvalidParameterError, match="armijo must be in"):
        projected_gradient(lambda x: 0.0, lambda x: x, lambda x: x, np.ones(2), 1.0, armijo=1.0)
    with pytest.raises(InvalidParameterError, match="step must be finite and > 0"):
        projected_gradient(lambda x: 0.0, lambda x: x, lambda x: x, np.ones(2), 0.0)
    with pytest.raises(InvalidParameterError, match=r"value must return shape \(4,\)"):
        projected_gradient(lambda x: 0.0, lambda x: x, lambda x: x, np.ones((4, 2)), 1.0, batch=True)
    with pytest.raises(InvalidParameterError, match="step must be finite and > 0"):
        fista(lambda x: 0.0, lambda x: x, lambda z, s: z, np.ones(2), -1.0)


# --- simplex projection -------------------------------------------------------------------------
def test_project_simplex_rows_satisfy_the_optimality_conditions() -> None:
    rng = np.random.default_rng(1)
    v = rng.normal(size=(3, 4, 7)) * 10 ** rng.uniform(-3, 3, (3, 4, 1))
    for total in (1.0, 2.5):
        x = project_simplex(v, total)
        assert x.shape == v.shape and np.all(x >= 0)
        np.testing.assert_allclose(x.sum(axis=-1), total, rtol=1e-14)
        # x = max(v - theta, 0): v - x is the same theta on the support, v <= theta off it.
        for vi, xi in zip(v.reshape(-1, 7), x.reshape(-1, 7), strict=True):
            support = xi > 0
            theta = (vi - xi)[support]
            assert np.ptp(theta) <= 1e-12 * max(1.0, np.abs(vi).max())
            assert np.all(vi[~support] <= theta[0] + 1e-12 * max(1.0, np.abs(vi).max()))
    np.testing.assert_array_equal(project_simplex([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5])  # already inside
    with pytest.raises(InvalidParameterError, match="total must be finite and > 0"):
        project_simplex([1.0, 2.0], 0.0)
    with pytest.raises(InvalidParameterError, match="non-empty last axis"):
        project_simplex(np.zeros((2, 0)))
