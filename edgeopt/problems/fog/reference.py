"""The CVXPY reference model of the fog problem (31), written from the paper's model.

It shares no code with the analytic methods: only the parameters and the
exact energy / repair functions of :mod:`edgeopt.problems.fog.model`
(import-linter keeps this module from importing any method module).
Registered as ``method="cvxpy"``; ``FogPartitioning.to_cvxpy()`` returns the
built model.

Formulation (31) in scaled units
--------------------------------
In SI units the coefficients span some 30 decades (``kappa ~ 1e-28``,
``g / (N0 B) ~ 1e8``, energies in mJ, times in ms) and the conic solvers
report wrong optima or false infeasibility. Every quantity is therefore
scaled to be of order one:

* rows as fractions of ``d_y``: ``r_k = d_k / d_y``;
* times in units of ``tau``: ``t = tau * t_hat``;
* data in units of ``B tau`` nats: a link's ``D`` bits become ``D / (B tau)``;
* RF energy through the *received SNR-time* ``s = E g / (N0 B tau)``, so the
  rate constraint ``D <= t B ln(1 + E g / (N0 B t))`` reads
  ``D / (B tau) <= t_hat ln(1 + s / t_hat) = -rel_entr(t_hat, t_hat + s)``
  with no large coefficient inside the exponential cone, and the power cap
  ``E <= t p_max`` reads ``s <= (p_max g / (N0 B)) t_hat``;
* energy in units of ``E_u`` (:func:`energy_unit`), an estimate of the
  optimum's order of magnitude computed from the parameters alone.

The computation energy ``kappa (a d)^3 / t^2`` is
``C r^3 / t_hat^2`` with ``C = kappa a^3 d_y^3 / (tau^2 E_u)``; its epigraph
``e >= r^3 / t_hat^2`` is written with two hyperbolic second-order cones,
``sigma t_hat >= r^2`` and ``e r >= sigma^2`` (then
``e >= sigma^2 / r >= r^3 / t_hat^2``), so ECOS, which has no power cone,
can solve it too. Every coefficient that depends on the instance is a
``cp.Parameter`` (the model is DPP), so a re-solve on new values skips the
canonicalisation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
from numpy.typing import NDArray

from edgeopt.core.errors import InvalidParameterError, SolverError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status, from_cvxpy_status
from edgeopt.problems.fog.model import FogParams, constraint_violations, energy_terms, frequencies, repair_point

FloatArray = NDArray[np.float64]


def energy_unit(p: FogParams) -> float:
    """The energy scale ``E_u`` of the reference model, from the parameters alone.

    An estimate of the optimum's order of magnitude, so that the scaled
    objective is of order one: the local energy of the best split of the
    rows when each layer gets ``tau / N`` (for costs ``A_k d_k^3`` with
    ``sum d_k = d_y`` the minimum is ``d_y^3 / (sum_k A_k^(-1/2))^2``) plus the
    least energy of every transmission (``N0 / g`` joules per nat, plus the
    circuit power over the full-power transmission time).
    """
    lay = p.layout
    t_layer = p.tau / p.n_layers
    spread = float(np.sum((p.kappa * p.cycles_per_mac**3) ** -0.5)) ** 2
    local = float(np.sum((lay.macs_per_row * p.d_y) ** 3 / t_layer**2)) / spread
    n0b = p.noise_psd * p.bandwidth
    link_rate = p.bandwidth * np.log1p(lay.link_gain * p.p_max[:, None, None] / n0b)
    link = lay.link_bits * (p.noise_psd / lay.link_gain + p.p_circuit[:, None, None] / link_rate)
    frd_bits = lay.frd_bits(p, np.full(p.K, p.d_y / p.K))
    frd_rate = p.bandwidth * np.log1p(p.gain_frd * p.p_max[p.master] / n0b)
    frd = frd_bits * (p.noise_psd / p.gain_frd + p.p_circuit[p.master] / frd_rate)
    return local + float(np.sum(np.where(lay.link_mask, link, 0.0))) + float(np.sum(frd))


@dataclass
class FogCvxpyModel:
    """A built reference model: the problem, its variables and its parameters."""

    K: int
    n_layers: int
    master: int
    problem: cp.Problem
    variables: dict[str, cp.Variable]
    parameters: dict[str, cp.Parameter]
    scales: dict[str, float]

    def set_values(self, p: FogParams) -> None:
        """Load the coefficients of instance ``p`` (same K, n_layers, master)."""
        if (p.K, p.n_layers, p.master) != (self.K, self.n_layers, self.master):
            raise InvalidParameterError(
                f"model built for (K, n_layers, master) = {(self.K, self.n_layers, self.master)}, "
                f"got {(p.K, p.n_layers, p.master)}"
            )
        lay = p.layout
        n0b = p.noise_psd * p.bandwidth
        e_u = energy_unit(p)
        nats = p.bandwidth * p.tau
        others = np.arange(p.K) != p.master
        frd_gain = p.gain_frd[others]
        values = {
            "frd_bits_per_row": np.full(p.K - 1, p.d_x * p.d_y / nats),
            "frd_bits_fixed": lay.frd_fixed_bits[others] / nats,
            "frd_snr_cap": p.p_max[p.master] * frd_gain / n0b,
            "frd_energy_per_snr": n0b * p.tau / (frd_gain * e_u),
            "frd_energy_per_time": np.full(p.K - 1, p.p_circuit[p.master] * p.tau / e_u),
            "local_coeff": p.kappa[:, None] * (lay.cycles_per_row * p.d_y) ** 3 / (p.tau**2 * e_u),
            "cpu_floor": lay.cycles_per_row * p.d_y / (p.tau * p.f_max[:, None]),
            "exc_bits": np.broadcast_to(lay.columns / nats, (p.K - 1, p.n_layers)).copy(),
            "exc_snr_cap_above": p.p_max[1:, None] * p.gain_link / n0b,
            "exc_snr_cap_below": p.p_max[:-1, None] * p.gain_link / n0b,
            "exc_energy_per_snr": n0b * p.tau / (p.gain_link * e_u),
            "exc_energy_per_time_above": np.broadcast_to(
                p.p_circuit[1:, None] * p.tau / e_u, (p.K - 1, p.n_layers)
            ).copy(),
            "exc_energy_per_time_below": np.broadcast_to(
                p.p_circuit[:-1, None] * p.tau / e_u, (p.K - 1, p.n_layers)
            ).copy(),
        }
        for name, value in values.items():
            self.parameters[name].value = np.asarray(value, dtype=float)
        self.scales = {"energy": e_u, "time": p.tau, "rows": p.d_y}

    def load_point(self, p: FogParams, x: dict[str, FloatArray]) -> None:
        """Set the model's variables to the scaled image of an SI point ``x`` of instance ``p``.

        Epigraph variables are set tight (``sigma = r^2/t``, ``e = r^3/t^2``), so
        ``problem.objective.value * scales["energy"]`` is the energy of ``x`` and
        each constraint's ``violation()`` is that of ``x`` in this model: a way to
        check a point from any method against the reference formulation.
        """
        self.set_values(p)
        n0b = p.noise_psd * p.bandwidth
        tau = p.tau
        others = np.arange(p.K) != p.master
        v = self.variables
        v["r"].value = x["rows"] / p.d_y
        v["t_layer"].value = x["t_layer"] / tau
        v["t_frd"].value = x["t_frd"][others] / tau
        v["s_frd"].value = x["p_frd"][others] * x["t_frd"][others] * p.gain_frd[others] / (n0b * tau)
        v["t_loc"].value = x["t_loc"] / tau
        r = v["r"].value[:, None] * np.ones((1, p.n_layers))
        t = np.where(r > 0, v["t_loc"].value, 1.0)
        v["sigma"].value = np.where(r > 0, r**2 / t, 0.0)
        v["e_loc"].value = np.where(r > 0, r**3 / t**2, 0.0)
        for name, nodes in (("above", slice(1, None)), ("below", slice(None, -1))):
            v[f"t_{name}"].value = x[f"t_exc_{name}"][nodes] / tau
            v[f"s_{name}"].value = x[f"p_exc_{name}"][nodes] * x[f"t_exc_{name}"][nodes] * p.gain_link / (n0b * tau)

    def max_violation(self) -> float:
        """Largest violation of any constraint at the variables' current values (scaled units)."""
        return max(float(np.max(c.violation())) for c in self.problem.constraints)

    def extract(self, p: FogParams) -> dict[str, FloatArray]:
        """The solver's point in SI units (before any repair)."""
        v = {name: np.asarray(var.value, dtype=float) for name, var in self.variables.items()}
        tau = p.tau
        n0b = p.noise_psd * p.bandwidth
        others = np.arange(p.K) != p.master
        rows = v["r"] * p.d_y
        t_frd = np.zeros(p.K)
        p_frd = np.zeros(p.K)
        t_frd[others] = np.maximum(v["t_frd"], 0.0) * tau
        with np.errstate(divide="ignore", invalid="ignore"):
            e_frd = v["s_frd"] * n0b * tau / p.gain_frd[others]
            p_frd[others] = np.where(t_frd[others] > 0, e_frd / t_frd[others], 0.0)
        x: dict[str, FloatArray] = {
            "rows": rows,
            "t_layer": v["t_layer"] * tau,
            "t_frd": t_frd,
            "p_frd": p_frd,
            "t_loc": v["t_loc"] * tau,
        }
        x["f_cpu"] = frequencies(p, rows, x["t_loc"])
        for name, nodes in (("above", slice(1, None)), ("below", slice(None, -1))):
            t = np.zeros((p.K, p.n_layers))
            pw = np.zeros((p.K, p.n_layers))
            t[nodes] = np.maximum(v[f"t_{name}"], 0.0) * tau
            with np.errstate(divide="ignore", invalid="ignore"):
                e = v[f"s_{name}"] * n0b * tau / p.gain_link
                pw[nodes] = np.where(t[nodes] > 0, e / t[nodes], 0.0)
            x[f"t_exc_{name}"] = t
            x[f"p_exc_{name}"] = pw
        return {k: np.nan_to_num(val, nan=0.0, posinf=0.0, neginf=0.0) for k, val in x.items()}


def build(k_nodes: int, n_layers: int, master: int) -> FogCvxpyModel:
    """Build the DPP reference model of (31) for ``K`` nodes and ``n_layers`` layers."""
    K, N = k_nodes, n_layers
    par = {
        "frd_bits_per_row": cp.Parameter(K - 1, nonneg=True),
        "frd_bits_fixed": cp.Parameter(K - 1, nonneg=True),
        "frd_snr_cap": cp.Parameter(K - 1, nonneg=True),
        "frd_energy_per_snr": cp.Parameter(K - 1, nonneg=True),
        "frd_energy_per_time": cp.Parameter(K - 1, nonneg=True),
        "local_coeff": cp.Parameter((K, N), nonneg=True),
        "cpu_floor": cp.Parameter((K, N), nonneg=True),
        "exc_bits": cp.Parameter((K - 1, N), nonneg=True),
        "exc_snr_cap_above": cp.Parameter((K - 1, N), nonneg=True),
        "exc_snr_cap_below": cp.Parameter((K - 1, N), nonneg=True),
        "exc_energy_per_snr": cp.Parameter((K - 1, N), nonneg=True),
        "exc_energy_per_time_above": cp.Parameter((K - 1, N), nonneg=True),
        "exc_energy_per_time_below": cp.Parameter((K - 1, N), nonneg=True),
    }
    var = {
        "r": cp.Variable(K, nonneg=True),
        "t_layer": cp.Variable(N, nonneg=True),
        "t_frd": cp.Variable(K - 1, nonneg=True),
        "s_frd": cp.Variable(K - 1, nonneg=True),
        "t_loc": cp.Variable((K, N), nonneg=True),
        "e_loc": cp.Variable((K, N), nonneg=True),
        "sigma": cp.Variable((K, N), nonneg=True),
        "t_above": cp.Variable((K - 1, N), nonneg=True),
        "s_above": cp.Variable((K - 1, N), nonneg=True),
        "t_below": cp.Variable((K - 1, N), nonneg=True),
        "s_below": cp.Variable((K - 1, N), nonneg=True),
    }
    others = np.arange(K) != master
    r_grid = cp.reshape(var["r"], (K, 1), order="F") @ np.ones((1, N))
    r_frd = var["r"][np.flatnonzero(others)]
    cons = [cp.sum(var["r"]) == 1]
    # FRD rate (10) and power (27).
    cons += [
        cp.multiply(par["frd_bits_per_row"], r_frd) + par["frd_bits_fixed"]
        <= -cp.rel_entr(var["t_frd"], var["t_frd"] + var["s_frd"]),
        var["s_frd"] <= cp.multiply(par["frd_snr_cap"], var["t_frd"]),
    ]
    # Local computation: CPU floor (16) and the energy epigraph e >= r^3 / t^2.
    cons += [cp.multiply(par["cpu_floor"], r_grid) <= var["t_loc"]]
    flat = lambda expr: cp.reshape(expr, (K * N,), order="F")  # noqa: E731
    r_f, t_f, e_f, s_f = flat(r_grid), flat(var["t_loc"]), flat(var["e_loc"]), flat(var["sigma"])
    cons += [
        cp.SOC(s_f + t_f, cp.vstack([2 * r_f, s_f - t_f]), axis=0),
        cp.SOC(e_f + r_f, cp.vstack([2 * s_f, e_f - r_f]), axis=0),
    ]
    # Exchange rate (19) and power (30), above and below.
    for name in ("above", "below"):
        t, s = var[f"t_{name}"], var[f"s_{name}"]
        cons += [
            par["exc_bits"] <= -cp.rel_entr(t, t + s),
            s <= cp.multiply(par[f"exc_snr_cap_{name}"], t),
        ]
    # Time sharing (22): above-links belong to nodes 1..K-1, below-links to 0..K-2.
    pad_above = cp.vstack([np.zeros((1, N)), var["t_above"]])
    pad_below = cp.vstack([var["t_below"], np.zeros((1, N))])
    t_layer_grid = np.ones((K, 1)) @ cp.reshape(var["t_layer"], (1, N), order="F")
    cons += [var["t_loc"] + pad_above + pad_below <= t_layer_grid]
    # Latency (23).
    cons += [cp.sum(var["t_frd"]) + cp.sum(var["t_layer"]) <= 1]
    energy = (
        cp.sum(cp.multiply(par["frd_energy_per_snr"], var["s_frd"]))
        + cp.sum(cp.multiply(par["frd_energy_per_time"], var["t_frd"]))
        + cp.sum(cp.multiply(par["local_coeff"], var["e_loc"]))
        + cp.sum(cp.multiply(par["exc_energy_per_snr"], var["s_above"] + var["s_below"]))
        + cp.sum(cp.multiply(par["exc_energy_per_time_above"], var["t_above"]))
        + cp.sum(cp.multiply(par["exc_energy_per_time_below"], var["t_below"]))
    )
    problem = cp.Problem(cp.Minimize(energy), cons)
    return FogCvxpyModel(K, N, master, problem, var, par, {})


def solve_model(model: FogCvxpyModel, p: FogParams, solver: str, verbose: bool = False, **kwargs: Any) -> Solution:
    """Solve a built model on instance ``p`` with a CVXPY solver (default tolerances)."""
    model.set_values(p)
    start = time.perf_counter()
    try:
        model.problem.solve(solver=solver, verbose=verbose, **kwargs)
        solver_status = model.problem.status
    except cp.error.SolverError as err:
        solver_status = "solver_error"
        detail = str(err)
    else:
        detail = ""
    elapsed = time.perf_counter() - start
    status = from_cvxpy_status(solver_status)
    extras: dict[str, Any] = {"solver_status": solver_status, "solver": solver}
    if not status.has_point or model.variables["r"].value is None:
        if status is Status.INFEASIBLE:
            extras["reason"] = f"{solver} reports the scaled model infeasible ({solver_status})"
        else:
            extras["reason"] = f"{solver} returned no point ({solver_status}) {detail}".strip()
            status = Status.FAILED
        return Solution(status=status, solve_time_s=elapsed, extras=extras)
    x = model.extract(p)
    # A conic point violates constraints by about the solver tolerance: report the
    # objective of the exactly feasible repaired point, and the raw one beside it.
    extras["max_violation"] = max(constraint_violations(p, x).values())
    extras["raw_objective"] = energy_terms(p, x)["total"]
    # The backend's own objective, in joules: the result contract labels the answer
    # optimal only if the repaired point's exact energy is within CERTIFICATE_TOL of it.
    extras["solver_objective"] = float(model.problem.value) * model.scales["energy"]
    extras["reported_objective"] = extras["solver_objective"]
    repaired = repair_point(p, x)
    if repaired is None:
        extras["reason"] = "the solver's point could not be repaired to feasibility"
        return Solution(status=Status.FAILED, solve_time_s=elapsed, extras=extras)
    extras["repaired"] = True
    return Solution(
        status=status,
        objective=energy_terms(p, repaired)["total"],
        x=repaired,
        solve_time_s=elapsed,
        extras=extras,
    )


def solve_cvxpy(
    p: FogParams, *, solver: str = "CLARABEL", verbose: bool = False, solver_options: dict[str, Any] | None = None
) -> Solution:
    """Build and solve the reference model (the ``method="cvxpy"`` entry point).

    Parameters
    ----------
    p : FogParams
        The instance.
    solver : str
        An installed CVXPY solver.
    verbose : bool
        Passed to ``cvxpy.Problem.solve``.
    solver_options : dict, optional
        Backend settings passed to ``cvxpy.Problem.solve``; by default none, so
        every solver runs at its own default tolerances. On this model
        Clarabel's default static regularisation (``1e-8``) biases its answer:
        on ``kilcioglu2021-fig6`` it stops 8e-4 above the optimum while
        reporting ``optimal`` with its own objective consistent to 3e-5 (so
        the contract keeps that label); with
        ``{"static_regularization_constant": 1e-12}`` it lands within 6e-7.

    Returns
    -------
    Solution
        ``objective`` is the exact energy of the feasibility-repaired point
        (:func:`~edgeopt.problems.fog.model.repair_point`); ``extras`` holds
        ``solver_objective`` (the backend's reported optimum, in joules),
        ``solver_status`` (its status string), ``raw_objective`` and
        ``max_violation`` of the unrepaired point. The result contract
        labels it ``optimal`` only if ``objective`` is within
        ``CERTIFICATE_TOL`` of ``solver_objective``.

    """
    if solver not in cp.installed_solvers():
        raise SolverError(f"CVXPY solver {solver!r} is not installed; installed: {cp.installed_solvers()}")
    start = time.perf_counter()
    model = build(p.K, p.n_layers, p.master)
    sol = solve_model(model, p, solver, verbose=verbose, **(solver_options or {}))
    sol.solve_time_s = time.perf_counter() - start
    return sol


__all__ = ["FogCvxpyModel", "build", "energy_unit", "solve_cvxpy", "solve_model"]
