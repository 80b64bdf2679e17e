import numpy as np
import pytest
from tolerances import ANALYTIC_FEAS, ANALYTIC_GAP, ANALYTIC_KKT

import edgeopt as eo
from edgeopt.problems.fog import scenarios
from edgeopt.problems.fog.closed_forms import ClosedForms
from edgeopt.problems.fog.decomposition import solve_fixed_rows
from edgeopt.problems.fog.min_latency import latency_at_full_speed
from edgeopt.problems.fog.model import VARIABLES, constraint_violations
from edgeopt.problems.fog.rounding import largest_remainder
from edgeopt.problems.fog.scenarios import random_params


@pytest.fixture(scope="module")
def params():
    return eo.FogPartitioning.from_scenario("kilcioglu2021-fig4").params


def test_scenario_solves_to_certified_optimum(params):
    prob = eo.FogPartitioning(params)
    sol = prob.solve()
    assert sol.status is eo.Status.OPTIMAL
    report = prob.check(sol)
    assert report.max_kkt_residual < ANALYTIC_KKT
    assert abs(report.duality_gap) < ANALYTIC_GAP
    assert report.primal_feasibility < ANALYTIC_FEAS
    # Offloading pays in this scenario: every node takes rows.
    assert np.all(sol.x["rows"] > 0)


def test_solution_layout(params):
    sol = eo.FogPartitioning(params).solve()
    K, N = params.K, params.n_layers
    assert set(VARIABLES) <= set(sol.x)
    assert sol.x["rows"].shape == (K,) and sol.x["t_layer"].shape == (N,)
    for name in ("t_loc", "f_cpu", "t_exc_above", "p_exc_above", "t_exc_below", "p_exc_below"):
        assert sol.x[name].shape == (K, N)
    assert sol.x["t_frd"][params.master] == 0 and sol.x["p_frd"][params.master] == 0
    assert np.all(sol.x["t_exc_above"][0] == 0) and np.all(sol.x["t_exc_below"][-1] == 0)
    assert np.isclose(sol.x["rows"].sum(), params.d_y, rtol=1e-12)
    assert np.all(sol.x["f_cpu"] <= params.f_max[:, None] * (1 + 1e-12))


def test_too_small_tau_is_infeasible_with_reason(params):
    prob = eo.FogPartitioning(params)
    tau_min, rows = prob.minimum_latency()
    assert np.isclose(rows.sum(), params.d_y)
    sol = eo.FogPartitioning(params.replace(tau=0.5 * tau_min)).solve()
    assert sol.status is eo.Status.INFEASIBLE
    assert sol.objective == np.inf and sol.x == {}
    assert f"{tau_min:.6g} s" in sol.reason
    with pytest.raises(eo.InfeasibleError, match="latency budget"):
        eo.FogPartitioning(params.replace(tau=0.5 * tau_min)).solve(raise_on_infeasible=True)
    # Above the minimum the problem is feasible and solved.
    ok = eo.FogPartitioning(params.replace(tau=1.2 * tau_min)).solve()
    assert ok.status is eo.Status.OPTIMAL
    assert max(constraint_violations(params.replace(tau=1.2 * tau_min), ok.x).values()) < ANALYTIC_FEAS


@pytest.mark.parametrize("factor", [1.0001, 1.01, 1.05])
def test_budget_just_above_minimum_latency(params, factor):
    """Near tau_min some nodes sit at full CPU speed and power (a 'wall'): still certified."""
    tau_min, _ = eo.FogPartitioning(params).minimum_latency()
    prob = eo.FogPartitioning(params.replace(tau=factor * tau_min))
    sol = prob.solve()
    assert sol.status is eo.Status.OPTIMAL, sol.reason
    report = prob.check(sol)
    assert report.max_kkt_residual < ANALYTIC_KKT and abs(report.duality_gap) < ANALYTIC_GAP


def test_minimum_latency_is_a_lower_bound(params):
    """Property: no split reaches a latency below the LP's minimum at full speed and power."""
    prob = eo.FogPartitioning(params)
    tau_min, _ = prob.minimum_latency()
    model = ClosedForms(params)
    rng = np.random.default_rng(0)
    for _ in range(50):
        rows = rng.dirichlet(np.ones(params.K)) * params.d_y
        assert latency_at_full_speed(model, rows) >= tau_min * (1 - 1e-9)


def test_no_opt_dist_is_never_better(params):
    prob = eo.FogPartitioning(params)
    opt = prob.solve()
    base = prob.solve("no_opt_dist")
    assert base.status is eo.Status.FEASIBLE
    assert np.allclose(base.x["rows"], params.d_y / params.K)
    assert base.objective >= opt.objective * (1 - 1e-12)


def test_round_rows_integer_and_not_worse_than_largest_remainder(params):
    prob = eo.FogPartitioning(params.replace(d_y=203.0))
    opt = prob.solve()
    rounded = prob.round_rows(opt)
    rows = rounded.x["rows"]
    assert np.all(rows == np.round(rows)) and rows.sum() == 203
    assert rounded.objective <= rounded.extras["largest_remainder_objective"] * (1 + 1e-12)
    assert rounded.extras["rounding_cost_j"] >= -1e-12 * opt.objective
    assert rounded.status is eo.Status.FEASIBLE


def test_largest_remainder():
    out = largest_remainder(np.array([1.4, 2.6, 3.0]), 7)
    assert out.tolist() == [1.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("tau", -1.0, r"tau must be finite and in \(0, 1e\+09\]"),
        ("tau", float("nan"), "tau must be finite"),
        ("d_y", 0.0, r"d_y must be finite and in \[0.001, 1e\+09\]"),
        ("master", 99, "master must be an integer in"),
        ("n_layers", 0, r"n_layers must be an integer in \[1, 30\]"),
        ("d_x", 3.0, r"d_x must be finite and in \[8, 1e\+09\], got 3.0 \(d_x >= 2\^\(n_layers - 1\)"),
        ("kappa", [1e-28, -1.0], "kappa must have shape"),
        ("p_circuit", "neg", "p_circuit must be an array of real numbers"),
        ("gain_link", np.ones((5, 7)), "gain_link must have shape"),
    ],
)
def test_invalid_parameters_name_the_field(params, field, value, match):
    with pytest.raises(eo.InvalidParameterError, match=match):
        params.replace(**{field: value})


def test_invalid_array_values(params):
    bad = params.f_max.copy()
    bad[3] = -1.0
    with pytest.raises(eo.InvalidParameterError, match=r"f_max must be > 0 everywhere, got -1.0 at index \(3,\)"):
        params.replace(f_max=bad)
    nan = params.gain_frd.copy()
    nan[1 if params.master != 1 else 2] = np.nan
    with pytest.raises(eo.InvalidParameterError, match="gain_frd must be finite"):
        params.replace(gain_frd=nan)


def test_single_node_rejected(params):
    with pytest.raises(eo.InvalidParameterError, match="K .* must be >= 2"):
        eo.FogParams(
            d_x=64,
            d_y=64,
            n_layers=1,
            tau=1.0,
            bandwidth=1e6,
            noise_psd=4e-21,
            master=0,
            cycles_per_mac=[1.0],
            kappa=[1e-28],
            f_max=[1e9],
            p_max=[0.1],
            p_circuit=[0.0],
            gain_frd=[1.0],
            gain_link=np.ones((0,)),
        )


def test_master_gain_is_ignored(params):
    g = params.gain_frd.copy()
    g[params.master] = 0.0
    a = eo.FogPartitioning(params.replace(gain_frd=g)).solve()
    b = eo.FogPartitioning(params).solve()
    assert np.isclose(a.objective, b.objective, rtol=1e-12)


def test_unknown_scenario():
    with pytest.raises(eo.InvalidParameterError, match="unknown fog scenario"):
        eo.FogPartitioning.from_scenario("nope")


def test_no_opt_dist_old_name_still_works_with_a_deprecation_warning(params):
    prob = eo.FogPartitioning(params)
    with pytest.warns(DeprecationWarning, match="'NoOptDist' of FogPartitioning is now called 'no_opt_dist'"):
        old = prob.solve("NoOptDist")
    new = prob.solve("no_opt_dist")
    assert old.method == new.method == "no_opt_dist"
    assert old.objective == new.objective


def test_method_table():
    assert eo.FogPartitioning.NAME == "fog"
    assert eo.FogPartitioning.method_names() == ["analytic", "cvxpy", "decomposition", "no_opt_dist"]
    assert set(eo.FogPartitioning.BATCH_METHODS) == {"analytic"}


def test_scenarios_are_the_toml_tables():
    names = eo.FogPartitioning.scenarios()
    assert names == scenarios.names()
    assert names[:2] == ["kilcioglu2021-fig4", "kilcioglu2021-fig6"] and "defaults" not in names
    p = eo.FogPartitioning.from_scenario("kilcioglu2021-fig6", K=5).params
    assert p.K == 5 and p.n_layers == 3


def test_random_params_rejects_an_unknown_regime():
    with pytest.raises(eo.InvalidParameterError, match="regime must be 'offload' or 'master', got 'nope'"):
        random_params(0, 3, 2, "nope")


def test_fixed_rows_are_validated(params):
    with pytest.raises(eo.InvalidParameterError, match="fixed_rows must be 10 non-negative rows summing to d_y"):
        solve_fixed_rows(params, np.ones(params.K))


def test_round_rows_needs_an_integer_d_y(params):
    prob = eo.FogPartitioning(params.replace(d_y=203.5))
    with pytest.raises(eo.InvalidParameterError, match="round_rows needs an integer d_y"):
        prob.round_rows(prob.solve())
