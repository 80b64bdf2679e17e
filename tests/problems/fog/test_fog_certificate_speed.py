"""The compiled fog certificate gives the numbers of the plain, independent evaluations.

:func:`~edgeopt.problems.fog.certificate.kkt_report_batch` (and through it
``kkt_report``, ``certify_batch`` and the dual function) evaluates each
instance in one compiled pass over flat packs of its parameters and point.
These tests check the packs against the stacked :class:`FogBatch`, its
Lambert root against :mod:`edgeopt.solvers.lambert`, its violations and
energy against the model's numpy functions, its dual function against a
numerical minimisation of the Lagrangian term by term, and a batch against
one instance at a time (exactly).
"""

import dataclasses
import math

import numpy as np
import pytest
from numba import njit
from scipy.optimize import minimize_scalar

import edgeopt as eo
from edgeopt.problems.fog import certificate
from edgeopt.problems.fog.model import FogBatch, FogLayout, constraint_violations, energy_terms
from edgeopt.problems.fog.scenarios import random_params, wide_params
from edgeopt.solvers.lambert import priced_spectral_efficiency, spectral_efficiency_scalar


def _instances() -> list[eo.FogParams]:
    """About 30 instances: both regimes over several sizes, and wide-range ones."""
    sizes = [(2, 1), (3, 5), (7, 2), (12, 4), (20, 4), (30, 3)]
    params = [
        random_params(101 * i + 7, K, N, regime) for i, (K, N) in enumerate(sizes) for regime in ("offload", "master")
    ]
    return params + [wide_params(seed) for seed in range(18)]


PARAMS = _instances()


@pytest.fixture(scope="module")
def solved():
    return [(p, eo.FogPartitioning(p).solve()) for p in PARAMS]


@pytest.mark.parametrize("p", PARAMS)
def test_batch_of_one_equals_the_stacked_batch(p):
    one, stacked = certificate._batch_of_one(p), FogBatch.of([p])
    for field in dataclasses.fields(FogBatch):
        if field.name == "layout":
            continue
        a, b = getattr(one, field.name), getattr(stacked, field.name)
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), field.name
    for field in dataclasses.fields(FogLayout):
        a, b = getattr(one.layout, field.name), getattr(stacked.layout, field.name)
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), field.name


def test_parameter_pack_of_one_instance_is_its_row_of_the_batch_pack():
    group = [random_params(seed, 6, 3, regime) for seed in range(4) for regime in ("offload", "master")]
    packed = certificate._pack_params(FogBatch.of(group))
    assert packed.shape == (len(group), 7 + 7 * 6 + 7 * 6 * 3)
    for row, p in zip(packed, group, strict=True):
        assert np.array_equal(certificate._params_row(p), row)


@njit
def _roots(y):  # pragma: no cover - compiled
    out = np.empty_like(y)
    for i in range(y.size):
        out[i] = spectral_efficiency_scalar(y[i])
    return out


def test_compiled_lambert_root_agrees_with_the_array_function():
    rng = np.random.default_rng(3)
    y = np.concatenate([[0.0, 1e-300, 1.0], 10.0 ** rng.uniform(-12, 300, 4000), rng.uniform(0, 5, 1000)])
    x, ref = _roots(y), priced_spectral_efficiency(y)
    assert x[0] == 0.0
    # Both stop at steps below 1e-15 (x + 2); near x = 1e-3 the direct form itself rounds at 2 eps / x.
    assert np.all(np.abs(x - ref) <= 1e-12 * ref + 1e-15)


def test_report_agrees_with_the_model_within_rounding(solved):
    for p, sol in solved:
        assert sol.has_point and sol.duals
        report = certificate.kkt_report(p, sol)
        violations = constraint_violations(p, sol.x)
        primal = {k: v for k, v in report.details.items() if k.startswith("primal.")}
        assert list(primal) == [f"primal.{k}" for k in violations]
        for name, value in violations.items():
            # Every violation is relative to its constraint's scale: two evaluations agree to rounding.
            assert abs(primal[f"primal.{name}"] - value) <= 1e-13, name
        assert abs(report.primal_feasibility - max(violations.values())) <= 1e-13
        energy = energy_terms(p, sol.x)["total"]
        assert math.isclose(sol.objective, energy, rel_tol=1e-13)
        bound = certificate.dual_function(
            p, float(sol.duals["latency"]), float(sol.duals["rows"]), sol.duals["layer_time"]
        )
        assert abs(report.duality_gap - (energy - bound) / abs(energy)) <= 1e-13
        # Without multipliers only the primal part is reported, the same numbers.
        primal_only = certificate.kkt_report(p, dataclasses.replace(sol, duals=None))
        assert primal_only.details == primal
        assert primal_only.primal_feasibility == report.primal_feasibility
        assert math.isinf(primal_only.duality_gap) and math.isinf(primal_only.stationarity)


def _cost_per_bit(w, gamma, xmax, bandwidth):
    """``min over 0 < x <= xmax`` of ``(w + expm1(x) / gamma) / (B x)``, numerically (x the spectral efficiency)."""
    res = minimize_scalar(
        lambda x: (w + math.expm1(x) / gamma) / (bandwidth * x),
        bounds=(1e-9 * xmax, xmax),
        method="bounded",
        options={"xatol": 1e-12 * xmax},
    )
    return min(res.fun, (w + math.expm1(xmax) / gamma) / (bandwidth * xmax))


def _cost_per_cycle(beta, kappa, fmax):
    """``min over rho >= 1 / fmax`` of ``kappa / rho^2 + beta rho``, numerically (rho the time per cycle)."""
    if beta <= 0:
        return kappa * fmax**2 + 0.0
    lo = 1.0 / fmax
    hi = max(lo, 10.0 * (2.0 * kappa / beta) ** (1 / 3))
    res = minimize_scalar(
        lambda r: kappa / r**2 + beta * r, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12 * lo}
    )
    return min(res.fun, kappa * fmax**2 + beta / fmax)


def _dual_by_minimisation(p, phi, nu, beta):
    """The Lagrangian of the module docstring minimised over the domain, one independent term at a time."""
    lay, n0b, m = p.layout, p.noise_psd * p.bandwidth, p.master
    beta = np.maximum(beta, 0.0)
    g = -phi * p.tau + p.tau * np.minimum(0.0, phi - beta.sum(axis=0)).sum()
    c = np.zeros(p.K)
    for k in range(p.K):
        q = 0.0
        if k != m:
            fgamma = p.gain_frd[k] / n0b
            q = _cost_per_bit(p.p_circuit[m] + phi, fgamma, math.log1p(fgamma * p.p_max[m]), p.bandwidth)
            g += q * lay.frd_fixed_bits[k]
        c[k] = p.d_x * q
        for n in range(p.n_layers):
            for j in range(2):
                if lay.link_mask[k, n, j]:
                    gamma = lay.link_gain[k, n, j] / n0b
                    w = p.p_circuit[k] + beta[k, n]
                    g += lay.link_bits[k, n, j] * _cost_per_bit(w, gamma, math.log1p(gamma * p.p_max[k]), p.bandwidth)
            c[k] += lay.cycles_per_row[k, n] * _cost_per_cycle(beta[k, n], p.kappa[k], p.f_max[k])
    return g + nu * p.d_y + p.d_y * np.minimum(0.0, c - nu).sum()


@pytest.mark.parametrize("seed", range(4))
def test_dual_function_is_the_minimised_lagrangian(seed):
    p = random_params(500 + seed, 4, 2, ("offload", "master")[seed % 2])
    sol = eo.FogPartitioning(p).solve()
    phi, nu, beta = float(sol.duals["latency"]), float(sol.duals["rows"]), sol.duals["layer_time"]
    rng = np.random.default_rng(seed)
    for scale in (1.0, *rng.uniform(0.5, 2.0, 2)):  # at the optimum's multipliers and off them
        b = beta * rng.uniform(0.5, 2.0, beta.shape) if scale != 1.0 else beta
        got = certificate.dual_function(p, phi * scale, nu * scale, b)
        ref = _dual_by_minimisation(p, phi * scale, nu * scale, b)
        assert math.isclose(got, ref, rel_tol=1e-9), (scale, got, ref)


def test_batch_of_mixed_sizes_equals_one_at_a_time(solved):
    params = [p for p, _ in solved]
    sols = [s for _, s in solved]
    sols[3] = dataclasses.replace(sols[3], duals=None)
    batch = certificate.kkt_report_batch(params, sols)
    assert batch == [certificate.kkt_report(p, s) for p, s in zip(params, sols, strict=True)]


def test_certify_batch_matches_the_report(solved):
    same = [(p, s) for p, s in solved if (p.K, p.n_layers) == (20, 4)]
    params, sols = [p for p, _ in same], [s for _, s in same]
    b = FogBatch.of(params)
    x = {name: np.stack([s.x[name] for s in sols]) for name in sols[0].x}
    cert = certificate.certify_batch(
        b,
        x,
        np.array([float(s.duals["latency"]) for s in sols]),
        np.array([float(s.duals["rows"]) for s in sols]),
        np.stack([s.duals["layer_time"] for s in sols]),
    )
    for i, (p, s) in enumerate(same):
        report = certificate.kkt_report(p, s)
        assert cert.violation[i] == report.primal_feasibility and cert.gap[i] == report.duality_gap
        assert cert.passes[i]
        assert math.isclose(cert.energy["total"][i], energy_terms(p, s.x)["total"], rel_tol=1e-13)


def test_an_infinite_entry_never_passes(solved):
    p, sol = solved[8]
    for name in ("t_layer", "t_exc_above", "p_frd"):
        x = {k: np.array(v, dtype=float) for k, v in sol.x.items()}
        x[name].flat[-1] = np.inf
        report = certificate.kkt_report(p, dataclasses.replace(sol, x=x))
        assert not report.passes(certificate.CERTIFIED), name
        assert not (report.primal_feasibility <= 1e-8 and abs(report.duality_gap) <= 1e-6), name
