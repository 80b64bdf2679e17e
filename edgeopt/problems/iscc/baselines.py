"""The baselines of paper 002, Sec. V, each fixed before any comparison was run.

Each is registered as a method of
:class:`~edgeopt.problems.iscc.problem.IsccProblem` under its name in
:data:`BASELINES`.

Every baseline optimises what it is allowed to with the same closed forms
(Lemma 3 for ``P_s`` unless fixed, Lemma 4 for ``(P_c, v_e)``) and returns
``FEASIBLE`` (it is optimal only within its restriction) or ``INFEASIBLE``
with the reason when it cannot meet the accuracy target or the deadline.

* ``on_server``: raw data to the server (split 0); ``Q`` and powers optimised.
* ``on_device``: advanced on-device inference, split ``L``, pruning optimised.
* ``no_pruning``: the proposed method with ``p = 1``.
* ``typical_iscc``: PCA at the device, a fixed classifier at the server (see
  :func:`typical_iscc`).
* ``jcc``: joint communication and computation, sensing power fixed at
  ``P_max`` (split, ``Q``, ``p``, ``P_c``, ``v_e`` optimised).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import integer, number
from edgeopt.problems.iscc.analytic import search
from edgeopt.problems.iscc.lemma4 import solve_checked
from edgeopt.problems.iscc.model import IsccParams, make_solution, point, v_quantisation

# The PCA baseline's model, fixed once (never tuned against the comparison):
# 64 principal components of the 1024-pixel spectrogram; the discarded
# components carry 2 % of the (unit-norm) input energy, which enters the
# accuracy bound like the pruning error does; the server's classifier is the
# whole network's, so its margin is that of split 0.
PCA_COMPONENTS = 64
PCA_RESIDUAL_ENERGY = 0.02


def on_server(params: IsccParams) -> Solution:
    """Raw sensory data uploaded; the server does all the inference."""
    q = np.arange(2, params.q_max + 1)
    return _restricted(params, np.zeros(q.size, dtype=int), q)


def on_device(params: IsccParams) -> Solution:
    """All layers on the device (no upload), with the pruning ratio optimised."""
    return _restricted(params, np.array([params.n_layers]), np.array([0]))


def no_pruning(params: IsccParams) -> Solution:
    """The proposed method without pruning (``p = 1``)."""
    splits, qs = params.design_pairs()
    return _restricted(params, splits, qs, p_fixed=1.0)


def jcc(params: IsccParams) -> Solution:
    """Sensing not optimised: ``P_s = P_max``; the rest as in the proposed method."""
    splits, qs = params.design_pairs()
    return _restricted(params, splits, qs, p_s_fixed=params.p_max)


def typical_iscc(
    params: IsccParams, *, components: int | None = None, residual_energy: float = PCA_RESIDUAL_ENERGY
) -> Solution:
    """PCA feature extraction at the device, a fixed classifier at the server (refs [28], [29]).

    The device projects the ``N_0``-element input on ``k = components``
    principal components (default :data:`PCA_COMPONENTS`, or ``N_0`` if the
    input has fewer elements) (``2 N_0 k`` FLOPs, at speed ``v_e``) and uploads
    the ``k`` coefficients with ``Q`` bits. Accuracy:
    ``R_0(P_s) (1 - m(0) [E_pca + A_q(k) v(Q)])`` with ``E_pca =
    residual_energy`` the discarded share of the (unit-norm) input energy and
    ``A_q(k)`` the quantisation constant of split 0 scaled to ``k`` elements.
    ``Q``, ``P_s``, ``P_c`` and ``v_e`` are optimised. The comparison
    (``IsccProblem.solve("typical_iscc")``) always uses the fixed defaults;
    the keywords exist for sensitivity studies, such as the notebook's
    break-even residual energy.
    """
    n_raw = int(params.feature_size[0])  # whole raw elements
    if components is None:  # the fixed default, capped by the raw input's size
        if n_raw < 1:
            return infeasible(f"the raw input has N_0 = {params.feature_size[0]:g} elements: no component to keep")
        k = min(PCA_COMPONENTS, n_raw)
    else:
        k = integer("components", components, minimum=1, maximum=max(n_raw, 1))
    residual_energy = number("residual_energy", residual_energy, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    n0 = float(params.feature_size[0])
    q = np.arange(2, params.q_max + 1)
    quant = params.quantisation_constant[0] * k / n0 * v_quantisation(q)
    p_s = params.sensing_power_for_error(params.inverse_margin[0] * (residual_energy + quant))
    t2 = params.device_and_upload_time(0)
    sub = solve_checked(
        k * q / params.bandwidth,
        2.0 * n0 * k,
        params.bandwidth,
        params.noise_psd,
        params.gain,
        params.kappa,
        max(float(t2), 1e-300),
        params.v_max,
        params.p_max,
    )
    energy = np.where(sub.feasible & np.isfinite(p_s) & (t2 > 0), params.T_sen * p_s + sub.energy, np.inf)
    if not np.any(np.isfinite(energy)):
        return infeasible("the PCA scheme meets the accuracy target and the deadline at no Q")
    i = int(np.argmin(energy))
    x = point(0, int(q[i]), 1.0, float(p_s[i]), float(sub.p_c[i]), float(sub.v_e[i]))
    # The PCA front end is not a design of problem (22) (it sends k coefficients, not the N_0 raw elements,
    # and computes 2 N_0 k FLOPs on the device): the two entries below make check() evaluate its own
    # accuracy, latency and energy (IsccParams.point_terms), so its point is checked like every other.
    x["pca_components"] = np.array(k)
    x["pca_residual_energy"] = np.array(float(residual_energy))
    return make_solution(params, x, Status.FEASIBLE, model="PCA")


def _restricted(
    params: IsccParams, splits: np.ndarray, qs: np.ndarray, p_fixed: float | None = None, p_s_fixed: float | None = None
) -> Solution:
    """:func:`~edgeopt.problems.iscc.analytic.search` over the given pairs, its point re-labelled as a baseline's."""
    sol = search(params, splits, qs, p_fixed=p_fixed, p_s_fixed=p_s_fixed)
    if sol.has_point:
        return make_solution(params, sol.x, Status.FEASIBLE)
    return sol


BASELINES: dict[str, Callable[..., Solution]] = {
    "on_server": on_server,
    "on_device": on_device,
    "no_pruning": no_pruning,
    "typical_iscc": typical_iscc,
    "jcc": jcc,
}
"""Baseline name -> method function ``f(params, **options) -> Solution``."""
