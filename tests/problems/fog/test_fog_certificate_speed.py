"""The shortcuts that make the fog KKT report cheap give the same numbers as the plain evaluations.

:func:`~edgeopt.problems.fog.certificate.kkt_report` builds its batch of one
without stacking, and solves the priced spectral efficiencies of the exchange
links and of the first-round distribution in one Lambert call; these tests
check both against the plain evaluations, and the report's primal part and
duality gap against the model's and the dual function's own entry points.
"""

import dataclasses

import numpy as np
import pytest

import edgeopt as eo
from edgeopt.problems.fog import certificate
from edgeopt.problems.fog.model import FogBatch, FogLayout, constraint_violations, energy_terms
from edgeopt.problems.fog.scenarios import random_params, wide_params
from edgeopt.solvers.lambert import priced_spectral_efficiency


def _instances() -> list[eo.FogParams]:
    """About 30 instances: both regimes over several sizes, and wide-range ones."""
    sizes = [(2, 1), (3, 5), (7, 2), (12, 4), (20, 4), (30, 3)]
    params = [
        random_params(101 * i + 7, K, N, regime) for i, (K, N) in enumerate(sizes) for regime in ("offload", "master")
    ]
    return params + [wide_params(seed) for seed in range(18)]


PARAMS = _instances()


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


def test_one_lambert_call_equals_separate_calls():
    rng = np.random.default_rng(3)
    arrays = [
        10.0 ** rng.uniform(-8, 14, size=(1, 5, 3, 2)),
        10.0 ** rng.uniform(-8, 14, size=(1, 5)),
        np.zeros((2, 2)),
    ]
    joint = certificate._priced_efficiencies(*arrays)
    for y, x in zip(arrays, joint, strict=True):
        assert x.shape == y.shape
        alone = priced_spectral_efficiency(y)
        # The Halley iteration stops at steps below 1e-15 (x + 2); a joint call may take one step more.
        assert np.all(np.abs(x - alone) <= 1e-14 * (alone + 2.0))


@pytest.mark.parametrize("p", PARAMS)
def test_report_agrees_with_the_model_and_the_dual_function(p):
    sol = eo.FogPartitioning(p).solve()
    assert sol.has_point and sol.duals
    report = certificate.kkt_report(p, sol)
    violations = constraint_violations(p, sol.x)
    assert {k: v for k, v in report.details.items() if k.startswith("primal.")} == {
        f"primal.{k}": v for k, v in violations.items()
    }
    assert report.primal_feasibility == max(violations.values())
    energy = energy_terms(p, sol.x)["total"]
    bound = certificate.dual_function(p, float(sol.duals["latency"]), float(sol.duals["rows"]), sol.duals["layer_time"])
    assert report.duality_gap == (energy - bound) / abs(energy)
    # Without multipliers only the primal part is reported, the same numbers.
    primal_only = certificate.kkt_report(p, dataclasses.replace(sol, duals=None))
    assert primal_only.details == {f"primal.{k}": v for k, v in violations.items()}
    assert primal_only.primal_feasibility == report.primal_feasibility
