"""ISCC (paper 002) on wide instances (issue 12): the default against Algorithm 2 and the global reference.

WIDE_GAP = 1e-6
    Issue 12: on wide instances the default (``analytic``) is never more than
    1e-6 relative above ``alternating`` or ``global`` on the same instance.
    The analytic method certifies each (split, Q) pair to 1e-12 against the
    convexity bound of its search; the global reference's zooms stop at 1e-15.
Feasibility is checked at ``IsccProblem.FEASIBILITY_TOL`` (stated once, on the class).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.status import Status
from edgeopt.problems.iscc import BASELINES, IsccProblem
from edgeopt.problems.iscc import scenarios as scenario
from edgeopt.problems.iscc.scenarios import wide_params

WIDE_GAP = 1e-6
TOL = IsccProblem.FEASIBILITY_TOL
PROPER = (Status.FEASIBLE, Status.INFEASIBLE, Status.FAILED)

# The two instances of issue 12 where the 0.1 default was 222 % and 46 % above the optimum. Expected energies:
# the global reference (independent of the analytic method, written from the model), confirmed by the brute
# force in test_regression_instances_match_the_global_reference_and_a_brute_force.
ISSUE_A = {
    "R_t": 0.790965,
    "T_max": 1.31341,
    "snr": 112.622,
    "kappa": 3.3004e-21,
    "v_max": 120236.0,
    "bandwidth": 6620.1,
    "p_max": 0.0250942,
    "T_sen": 0.0437926,
    "v_server": 1.00814e9,
    "q_max": 23,
}
ISSUE_B = {
    "R_t": 0.145481,
    "T_max": 0.486849,
    "snr": 23.7192,
    "kappa": 4.24474e-19,
    "v_max": 1.07764e8,
    "bandwidth": 583411.0,
    "p_max": 0.0317394,
    "T_sen": 0.0337686,
    "v_server": 4.75781e11,
    "q_max": 24,
}
# (overrides, expected energy in J from `global`, its (split, Q), the 0.1 default's energy)
REGRESSIONS = [
    (ISSUE_A, 2.602244771888348e-3, (4, 3), 8.367e-3),
    (ISSUE_B, 8.411776499076161e-5, (5, 2), 1.226e-4),
]


def brute_force(params: Any, split: int, q: int, n: int = 600) -> float:
    """Least energy of one (split, Q) on a dense grid in (p, T_comm), from the model's equations only.

    ``p`` on ``n`` points (uniform and log-spaced over (0, 1]), the upload time on ``n`` log-spaced points of
    ``(0, T_2)``; ``P_s`` is the least power meeting (21) (computed here from ``tan``), ``P_c`` the
    Shannon inverse, ``v_e = A_2 / (T_2 - T_comm)``; every point is checked against the deadline and caps.
    An upper bound of the pair's optimum.
    """
    ps = np.unique(np.concatenate([np.linspace(1e-6, 1.0, n // 2), np.logspace(-8, 0, n // 2)]))[:, None]
    t2 = float(params.device_and_upload_time(split))
    t_comm = t2 * np.logspace(-8, 0, n, endpoint=False)[None, :]
    eps = params.error(split, ps, q)
    angle = params.R_t / (params.acc_a * (1.0 - eps))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        p_s = np.where((1.0 - eps > 0) & (angle < math.pi / 2), np.tan(angle) / params.acc_b, np.inf)
        bits = float(params.feature_size[split]) * q
        p_c = (np.exp2(bits / (params.bandwidth * t_comm)) - 1.0) / params.gamma
        a2 = params.device_flops(split, ps)
        v_e = a2 / (t2 - t_comm)
        energy = p_s * params.T_sen + params.kappa * a2 * v_e**2 + p_c * t_comm
    ok = (p_s <= params.p_max) & (p_c <= params.p_max) & (v_e <= params.v_max) & np.isfinite(energy)
    return float(np.min(np.where(ok, energy, np.inf)))


@pytest.mark.parametrize("case", range(len(REGRESSIONS)))
def test_regression_instances_match_the_global_reference_and_a_brute_force(case: int) -> None:
    overrides, expected, design, old = REGRESSIONS[case]
    problem = IsccProblem(scenario.params("table2", **overrides))
    ours = problem.solve()
    assert ours.status is Status.FEASIBLE
    assert problem.check(ours).primal_feasibility <= TOL
    assert (int(ours.x["split"]), int(ours.x["Q"])) == design
    assert abs(ours.objective - expected) <= WIDE_GAP * expected
    assert ours.objective < 0.8 * old  # the 0.1 default's miss is gone
    ref = problem.solve("global")
    assert abs(ref.objective - expected) <= WIDE_GAP * expected
    brute = brute_force(problem.params, *design)
    assert expected <= brute * (1 + WIDE_GAP)  # the grid is an upper bound of the pair's optimum
    assert brute <= expected * (1 + 1e-2)  # and a fine one: within 1 % of it


def _gaps(seed: int, with_global: bool) -> dict[str, Any]:
    problem = IsccProblem(wide_params(seed))
    out: dict[str, Any] = {}
    methods = ["analytic", "alternating"] + (["global"] if with_global else [])
    for method in methods:
        sol = problem.solve(method)
        assert sol.status in PROPER, (seed, method)
        assert "exception" not in sol.extras, (seed, method, sol.reason)
        if sol.has_point:
            assert math.isfinite(sol.objective), (seed, method)
            assert problem.check(sol).primal_feasibility <= TOL, (seed, method)
        out[method] = sol
    # Every wide instance is feasible by construction: the default and the reference must find a point.
    assert out["analytic"].status is Status.FEASIBLE, seed
    gaps = {}
    for method in methods[1:]:
        if out[method].has_point:
            gaps[method] = (out["analytic"].objective - out[method].objective) / out[method].objective
    if with_global:
        assert out["global"].status is Status.FEASIBLE, seed
    return gaps


def test_wide_instances_default_never_above_algorithm2_or_global() -> None:
    # CI-sized: 40 wide instances, all three methods on each.
    worst: dict[str, float] = {}
    for seed in range(40):
        for method, gap in _gaps(seed, with_global=True).items():
            worst[method] = max(worst.get(method, -math.inf), gap)
            assert gap <= WIDE_GAP, (seed, method, gap)
    assert set(worst) == {"alternating", "global"}


@pytest.mark.slow
def test_wide_instances_default_never_above_algorithm2_or_global_on_1000() -> None:
    # Issue 12's count: 1,000 wide instances; `global` on every fourth (250).
    above = {"alternating": 0, "global": 0}
    runs = {"alternating": 0, "global": 0}
    for seed in range(1000, 2000):
        for method, gap in _gaps(seed, with_global=seed % 4 == 0).items():
            runs[method] += 1
            above[method] += gap > WIDE_GAP
    assert runs["global"] >= 200 and runs["alternating"] >= 900
    assert above == {"alternating": 0, "global": 0}


@pytest.mark.parametrize("seed", [89, 255])
def test_algorithm2_regressions_where_the_old_lemma4_overran_the_deadline(seed: int) -> None:
    # With the 0.1 Lemma 4 these wide instances came back from Algorithm 2 `feasible` with the latency
    # exceeded by 7.5 % and 10.2 %.
    problem = IsccProblem(wide_params(seed))
    sol = problem.solve("alternating")
    assert sol.status is Status.FEASIBLE
    assert problem.check(sol).primal_feasibility <= TOL
    assert sol.objective >= problem.solve().objective * (1 - WIDE_GAP)


def test_every_method_on_wide_instances_answers_properly() -> None:
    for seed in range(40, 60):
        problem = IsccProblem(wide_params(seed))
        for method in ("analytic", "alternating", *BASELINES):
            sol = problem.solve(method)
            assert sol.status in PROPER and "exception" not in sol.extras, (seed, method, sol.reason)
            if sol.has_point:
                assert sol.status is Status.FEASIBLE and math.isfinite(sol.objective)
                assert problem.check(sol).primal_feasibility <= TOL, (seed, method)
            else:
                assert sol.reason, (seed, method)


def test_wide_params_is_reproducible_and_wide() -> None:
    a, b = wide_params(7), wide_params(7)
    assert a.T_max == b.T_max and np.array_equal(a.layer_macs, b.layer_macs)
    table = scenario.config()["table2"]
    draws = [wide_params(seed) for seed in range(200)]
    for name in ("T_sen", "bandwidth", "kappa", "v_max", "v_server", "p_max"):
        ratio = np.log10([getattr(p, name) / table[name] for p in draws])
        assert ratio.min() < -1.5 and ratio.max() > 1.5 and np.all(np.abs(ratio) <= 2.0), name
    # Budgets from 1.0001x the tightest feasible one up to 100x.
    factors = np.array([p.T_max / scenario.least_latency(p) for p in draws])
    assert np.all(factors >= 1.0001 * (1 - 1e-12)) and np.all(factors <= 100.0 * (1 + 1e-12))
    assert np.sum(factors < 1.01) >= 20 and factors.max() > 30
    assert len({p.n_layers for p in draws}) > 3 and len({p.q_max for p in draws}) > 10


# The harness of issue 12: every init field of a wide instance replaced by each bad value in turn.
BAD_VALUES: tuple[Any, ...] = (
    float("nan"),
    float("inf"),
    -1.0,
    0.0,
    np.ones(3),
    object(),
    "1.0",
    None,
    1e300,
    1e-300,
    True,
)


def test_invalid_fields_are_rejected_by_name_or_solved_properly() -> None:
    rejected = cases = 0
    accepted = set()
    for seed in (0, 1):
        params = wide_params(seed)
        for field in dataclasses.fields(params):
            bads = (*BAD_VALUES, 2.5, 3.0) if field.name == "q_max" else BAD_VALUES
            if field.name == "layer_is_pool":
                bads = (*bads, np.ones(params.n_layers), 1)
            for bad in bads:
                cases += 1
                try:
                    changed = dataclasses.replace(params, **{field.name: bad})
                except InvalidParameterError as err:
                    assert field.name in str(err), (field.name, bad, err)
                    rejected += 1
                    continue
                # Accepted: only a value legitimately valid for the field, and then a proper answer.
                assert isinstance(bad, float) and bad in (-1.0, 0.0, 1e300, 1e-300), (field.name, bad)
                accepted.add((field.name, bad))
                for method in ("analytic", "alternating", "global"):
                    sol = IsccProblem(changed).solve(method)
                    assert sol.status in PROPER and "exception" not in sol.extras, (field.name, bad, method)
    # 2 x 235 cases. Legitimate and solved: a target accuracy of 1e-300 (trivial) and an accuracy scale
    # a = 1e-300 (no design reaches the target: infeasible). Every other value is rejected by name.
    assert cases == 470 and accepted == {("R_t", 1e-300), ("acc_a", 1e-300)}
    assert rejected == cases - 4


def test_scenario_overrides_are_checked() -> None:
    with pytest.raises(InvalidParameterError, match="unknown ISCC override"):
        scenario.params("table2", T_mx=1.0)
    with pytest.raises(InvalidParameterError, match="q_max"):
        scenario.params("table2", q_max=2.5)
    with pytest.raises(InvalidParameterError, match="snr"):
        scenario.params("table2", snr="100")
    with pytest.raises(InvalidParameterError, match="T_max"):
        scenario.params("table2", T_max=True)
    with pytest.raises(InvalidParameterError, match="kappa"):
        scenario.params("table2", kappa=1e300)
    assert scenario.params("table2", q_max=np.int64(8)).q_max == 8


def test_method_options_are_checked() -> None:
    problem = IsccProblem.from_scenario("table2")
    for method, option, bad in (
        ("analytic", "grid", 2.5),
        ("analytic", "stages", 0),
        ("analytic", "rtol", "1e-12"),
        ("alternating", "max_rounds", 0),
        ("alternating", "tol", float("nan")),
        ("global", "grid", None),
        ("global", "progress", 1),
    ):
        with pytest.raises(InvalidParameterError, match=option):
            problem.solve(method, **{option: bad})


def test_solution_shapes_and_a_foreign_point() -> None:
    problem = IsccProblem.from_scenario("table2")
    assert problem.solution_shapes() == {k: () for k in ("split", "Q", "p", "P_s", "P_c", "v_e")}
    sol = problem.solve()
    bad = dataclasses.replace(sol, x={**sol.x, "split": np.array(99)})
    assert problem.check(bad).primal_feasibility == math.inf
