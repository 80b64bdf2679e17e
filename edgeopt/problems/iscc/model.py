"""The ISCC model of paper 002: the parameters and the paper's equations, no solver.

Energy-efficient ISCC edge inference: sensing, split computation, quantised upload.

An edge device senses for ``T_sen`` at power ``P_s``, runs layers ``1..l`` of a
network pruned to a keep ratio ``p`` at CPU speed ``v_e``, quantises the
``N_l`` output elements with ``Q`` bits each and uploads them at power
``P_c``; the server runs layers ``l+1..L`` unpruned at speed ``v_s``. Problem
(10)/(22): minimise the device energy

.. math:: E = P_s T_{sen} + \\kappa A_2(l, p) v_e^2
          + \\frac{P_c N_l Q}{B \\log_2(1 + \\gamma P_c)},\\qquad
          \\gamma = g / (B N_0),

subject to the latency ``T_sen + A_2 / v_e + A_s(l) / v_s + N_l Q / (B
log2(1 + gamma P_c)) <= T_max`` (C2), the accuracy (21) (C1), ``p in (0, 1]``,
``P_s, P_c <= P_max``, ``v_e <= v_max``, ``Q in 1..Q_max`` and the split ``l``.

Model, re-derived where the extraction is garbled:

* FLOPs (3), by :func:`edgeopt.models.dnn.layer_flops`: a conv or FC layer
  with ``m`` MACs and ``o`` outputs costs ``2 m p - o`` FLOPs on the device
  (``(2 C_in k^2 p - 1) H W C_out``, the pruned share of the weights skipped)
  and ``2 m - o`` on the server; a max-pool costs one FLOP per output. ``A_2(l, p)`` sums layers ``1..l``,
  ``A_s(l)`` layers ``l+1..L``. ReLUs are folded into their layer.
* Energies (5), (9): ``kappa A_2 v_e^2`` and ``P_c T_comm``; sensing
  ``E_sen = P_s T_sen`` with ``T_sen = T_0 M`` fixed.
* Accuracy (12)-(21): ``R_0(P_s) = a arctan(b P_s)`` times
  ``1 - eps(l, p, Q)`` with
  ``eps = m(l) [C(l) u(p) + A_q(l) v(Q)]``, where
  ``u(p) = 2 - p - p (ln p - 1)^2`` (17) is the pruning error of magnitude
  pruning on Laplace weights (``u(1) = 0``, ``u(0) = 2``),
  ``v(Q) = 1 / (2^{Q-1} - 1)^2`` the stochastic-quantisation error per unit
  (19) (sign bit plus ``2^{Q-1} - 1`` intervals; ``Q = 1`` leaves no interval,
  so it is allowed only with no upload), ``C(l)`` (18), ``A_q(l)`` (20) and the
  inverse squared margin ``m(l) = prod_{i > l} ||W_i||_F^2 / (c s)^2`` (14)
  are constants of the network, built in :mod:`edgeopt.problems.iscc.scenarios`.
  Lemma 3: the accuracy rises with ``P_s``, so at the optimum
  ``P_s = r(u(p)) = tan(R_t / (a (1 - eps))) / b``, finite only when
  ``R_t / (a (1 - eps)) < pi / 2``.

The splits are ``l = 0`` (raw data to the server: no device computation, no
pruning error) to ``l = L`` (all on the device: no upload, no quantisation
error, ``Q`` irrelevant and reported as 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import positive_scalar
from edgeopt.models.channel import shannon_rate_bits
from edgeopt.models.dnn import layer_flops

Q_MAX = 16
LN2 = float(np.log(2.0))


def u_pruning(p: Any) -> np.ndarray:
    """``u(p) = 2 - p - p (ln p - 1)^2``, eq. (17); 0 at ``p = 1``, 2 as ``p -> 0``.

    Written ``2 - p (1 + (ln p - 1)^2)`` with ``p`` floored at 1e-300, where
    the product is below 1e-294: the limit ``u(0) = 2`` comes out without a
    special case (Algorithm 2 evaluates this inside its innermost loop).
    """
    floored = np.maximum(np.asarray(p, dtype=float), 1e-300)
    return np.asarray(2.0 - floored * (1.0 + (np.log(floored) - 1.0) ** 2))


def v_quantisation(q: Any) -> np.ndarray:
    """``v(Q) = 1 / (2^{Q-1} - 1)^2``, eq. (19); infinite for ``Q = 1``."""
    levels = np.power(2.0, np.asarray(q, dtype=float) - 1.0) - 1.0
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(levels > 0, 1.0 / levels**2, np.inf))


@dataclass(frozen=True)
class IsccParams:
    """Inputs of the ISCC problem (SI units; FLOPs and FLOP/s for computation).

    Attributes
    ----------
    layer_macs, layer_outputs : array (L,)
        MACs and output elements of the split layers ``1..L``.
    layer_is_pool : array of bool (L,)
        Max-pool layers (one FLOP per output, no weights).
    feature_size : array (L + 1,)
        ``N_l``, elements sent at split ``l`` (``N_0``: the raw input).
    pruning_constant, quantisation_constant, inverse_margin : array (L + 1,)
        ``C(l)``, ``A_q(l)`` and ``m(l)`` of the accuracy model.
    acc_a, acc_b : float
        ``R_0(P_s) = a arctan(b P_s)``.
    R_t, T_max : float
        Target accuracy and latency budget.
    T_sen : float
        Sensing time.
    bandwidth, noise_psd, gain : float
        ``B`` (Hz), ``N0`` (W/Hz), channel gain ``g``.
    kappa, v_max, v_server, p_max : float
        Switched capacitance, CPU caps (FLOP/s) and the power cap (W).
    q_max : int
        Largest number of quantisation bits.
    layer_names : tuple of str
        Names of the split layers (for reports).

    """

    layer_macs: np.ndarray
    layer_outputs: np.ndarray
    layer_is_pool: np.ndarray
    feature_size: np.ndarray
    pruning_constant: np.ndarray
    quantisation_constant: np.ndarray
    inverse_margin: np.ndarray
    acc_a: float
    acc_b: float
    R_t: float
    T_max: float
    T_sen: float = 0.5
    bandwidth: float = 1e5
    noise_psd: float = 1e-9
    gain: float = 1e-2
    kappa: float = 1e-21
    v_max: float = 8e6
    v_server: float = 1e11
    p_max: float = 1.0
    q_max: int = Q_MAX
    layer_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        macs = np.array(self.layer_macs, dtype=float)
        n_layers = macs.size
        if macs.ndim != 1 or n_layers < 1:
            raise InvalidParameterError(f"layer_macs must be a vector of L >= 1 values, got shape {macs.shape}")
        shapes = {
            "layer_outputs": (n_layers,),
            "feature_size": (n_layers + 1,),
            "pruning_constant": (n_layers + 1,),
            "quantisation_constant": (n_layers + 1,),
            "inverse_margin": (n_layers + 1,),
        }
        arrays = {"layer_macs": macs}
        for name, shape in shapes.items():
            arr = np.array(getattr(self, name), dtype=float)
            if arr.shape != shape:
                raise InvalidParameterError(f"{name} must have shape {shape}, got {arr.shape}")
            arrays[name] = arr
        for name, arr in arrays.items():
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
                raise InvalidParameterError(f"{name}[{bad}] must be finite and >= 0, got {arr[bad]!r}")
        pool = np.array(self.layer_is_pool, dtype=bool)
        if pool.shape != (n_layers,):
            raise InvalidParameterError(f"layer_is_pool must have shape ({n_layers},), got {pool.shape}")
        for name, arr in arrays.items():
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        pool.setflags(write=False)
        object.__setattr__(self, "layer_is_pool", pool)
        for name in (
            "acc_a",
            "acc_b",
            "T_max",
            "T_sen",
            "bandwidth",
            "noise_psd",
            "gain",
            "kappa",
            "v_max",
            "v_server",
            "p_max",
        ):
            object.__setattr__(self, name, positive_scalar(name, getattr(self, name)))
        r_t = positive_scalar("R_t", self.R_t)
        if r_t >= 1.0:
            raise InvalidParameterError(f"R_t must be in (0, 1), got {self.R_t!r}")
        object.__setattr__(self, "R_t", r_t)
        if int(self.q_max) != self.q_max or not 2 <= int(self.q_max) <= 64:
            raise InvalidParameterError(f"q_max must be an integer in 2..64, got {self.q_max!r}")
        names = tuple(self.layer_names) or tuple(f"layer{i}" for i in range(1, n_layers + 1))
        if len(names) != n_layers:
            raise InvalidParameterError(f"layer_names must have {n_layers} entries, got {len(names)}")
        object.__setattr__(self, "layer_names", names)

    def replace(self, **changes: Any) -> IsccParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @property
    def n_layers(self) -> int:
        """``L``."""
        return int(self.layer_macs.size)

    @property
    def gamma(self) -> float:
        """``g / (B N0)``: the SNR per watt of transmit power."""
        return float(self.gain / (self.bandwidth * self.noise_psd))

    def device_flops(self, split: Any, p: Any) -> np.ndarray:
        """``A_2(l, p)``: FLOPs of layers ``1..l`` pruned to ``p`` (eq. (3)), broadcast over ``split`` and ``p``."""
        return self.flops_on(self.device_layers(split), p)

    def device_layers(self, split: Any) -> np.ndarray:
        """Mask of the layers ``1..l`` the device runs, shape ``split.shape + (L,)``."""
        return np.asarray(np.arange(1, self.n_layers + 1) <= np.asarray(split)[..., None])

    def flops_on(self, layers: np.ndarray, p: Any) -> np.ndarray:
        """FLOPs (3) of the masked ``layers`` pruned to ``p`` (``p`` broadcasts against the mask minus one axis)."""
        per_layer = layer_flops(self.layer_macs, self.layer_outputs, self.layer_is_pool, np.asarray(p, dtype=float))
        return np.asarray(np.sum(np.where(layers, per_layer, 0.0), axis=-1))

    def device_flops_line(self, split: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(offset, slope, kink)`` with ``A_2(l, p) = offset + slope p`` for ``p >= kink``.

        Eq. (3) counts ``max(2 m p - o, 0)`` for a conv or FC layer with ``m``
        MACs and ``o`` outputs (see :func:`edgeopt.models.dnn.layer_flops`) and
        ``o`` for a max-pool, so on the device layers ``A_2`` is affine in
        ``p`` once no weighted layer is clipped at zero, i.e. for ``p`` at or
        above ``kink = max o / (2 m)``: ``slope = sum 2 m`` and ``offset =
        sum(pool outputs) - sum(weighted outputs)``. Algorithm 2 uses the line
        for its latency cap on ``p`` and inside its golden-section search.
        """
        layers = self.device_layers(split)
        weighted = ~self.layer_is_pool & (self.layer_macs > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            onset = np.where(weighted, self.layer_outputs / (2.0 * self.layer_macs), 0.0)
        slope = np.sum(np.where(layers & weighted, 2.0 * self.layer_macs, 0.0), axis=-1)
        signed_outputs = np.where(self.layer_is_pool, self.layer_outputs, np.where(weighted, -self.layer_outputs, 0.0))
        offset = np.sum(np.where(layers, signed_outputs, 0.0), axis=-1)
        kink = np.max(np.where(layers, onset, 0.0), axis=-1)
        return np.asarray(offset), np.asarray(slope), np.asarray(kink)

    def server_flops(self, split: Any) -> np.ndarray:
        """``A_s(l)``: FLOPs of the unpruned layers ``l+1..L``."""
        per_layer = layer_flops(self.layer_macs, self.layer_outputs, self.layer_is_pool)
        tail = np.concatenate([np.cumsum(per_layer[::-1])[::-1], [0.0]])
        return np.asarray(tail[np.asarray(split)])

    def design_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """All (split, Q) designs: ``Q = 2..q_max`` at every split that uploads, ``Q = 0`` (unused) at ``l = L``."""
        uploads = np.arange(self.n_layers)
        bits = np.arange(2, self.q_max + 1)
        splits = np.concatenate([np.repeat(uploads, bits.size), [self.n_layers]])
        qs = np.concatenate([np.tile(bits, uploads.size), [0]])
        return splits, qs

    def upload_time(self, split: Any, q: Any, p_c: Any) -> np.ndarray:
        """``T_comm = N_l Q / (B log2(1 + gamma P_c))``, eq. (8), by the shared Shannon rate; 0 with nothing sent."""
        bits = self.upload_bits(split, q)
        rate = shannon_rate_bits(np.asarray(p_c, dtype=float), self.gain, self.bandwidth, self.noise_psd)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(bits > 0, bits / rate, 0.0))

    def device_and_upload_time(self, split: Any) -> np.ndarray:
        """``T2 = T_max - T_sen - A_s(l) / v_s``: what the deadline leaves for device computation and upload."""
        return np.asarray(self.T_max - self.T_sen - self.server_flops(split) / self.v_server)

    def upload_bits(self, split: Any, q: Any) -> np.ndarray:
        """``N_l Q`` (0 for the on-device split ``l = L``)."""
        split = np.asarray(split)
        return np.asarray(np.where(split == self.n_layers, 0.0, self.feature_size[split] * np.asarray(q, dtype=float)))

    def error(self, split: Any, p: Any, q: Any) -> np.ndarray:
        """``eps(l, p, Q) = m(l) [C(l) u(p) + A_q(l) v(Q)]``; no quantisation error at ``l = L``."""
        base, per_u = self.error_terms(split, q)
        return np.asarray(base + per_u * u_pruning(p))

    def error_terms(self, split: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(m(l) A_q(l) v(Q), m(l) C(l))``: the error is the first plus the second times ``u(p)``."""
        split = np.asarray(split)
        quant = np.where(split == self.n_layers, 0.0, self.quantisation_constant[split] * v_quantisation(q))
        return np.asarray(self.inverse_margin[split] * quant), np.asarray(
            self.inverse_margin[split] * self.pruning_constant[split]
        )

    def accuracy(self, p_s: Any, split: Any, p: Any, q: Any) -> np.ndarray:
        """The accuracy model (21): ``a arctan(b P_s) (1 - eps)``."""
        return np.asarray(
            self.acc_a * np.arctan(self.acc_b * np.asarray(p_s, dtype=float)) * (1.0 - self.error(split, p, q))
        )

    def sensing_power(self, split: Any, p: Any, q: Any) -> np.ndarray:
        """Lemma 3: the least ``P_s`` meeting the accuracy target, ``inf`` where none does (or above ``P_max``)."""
        return self.sensing_power_for_error(self.error(split, p, q))

    def sensing_power_for_error(self, eps: Any) -> np.ndarray:
        """The least ``P_s`` with ``a arctan(b P_s) (1 - eps) >= R_t``: ``tan(R_t / (a (1 - eps))) / b``, or ``inf``.

        The power exists and is at most ``P_max`` exactly when
        ``R_t / (a (1 - eps)) <= arctan(b P_max)`` (``tan`` rises on
        ``(0, pi / 2)``), that is when ``1 - eps >= R_t / (a arctan(b P_max))``:
        one comparison, checked before ``tan`` so that no angle past ``pi / 2``
        is evaluated.
        """
        room = 1.0 - np.asarray(eps, dtype=float)
        ok = room >= self.R_t / (self.acc_a * math.atan(self.acc_b * self.p_max))
        power = np.tan(self.R_t / (self.acc_a * np.where(ok, room, 1.0))) / self.acc_b
        return np.asarray(np.where(ok, power, np.inf))

    def energy(self, split: Any, q: Any, p: Any, p_s: Any, p_c: Any, v_e: Any) -> np.ndarray:
        """Device energy (22) of a point: sensing + computation + upload (9), in J."""
        a2 = self.device_flops(split, p)
        p_c = np.asarray(p_c, dtype=float)
        upload = np.where(self.upload_bits(split, q) > 0, p_c * self.upload_time(split, q, p_c), 0.0)
        return np.asarray(np.asarray(p_s) * self.T_sen + self.kappa * a2 * np.asarray(v_e) ** 2 + upload)

    def latency(self, split: Any, q: Any, p: Any, p_c: Any, v_e: Any) -> np.ndarray:
        """Total latency (C2), in s."""
        a2 = self.device_flops(split, p)
        v_e = np.asarray(v_e, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            compute = np.where(a2 > 0, a2 / v_e, 0.0)
        return np.asarray(
            self.T_sen + compute + self.server_flops(split) / self.v_server + self.upload_time(split, q, p_c)
        )

    def violations(self, x: dict[str, np.ndarray]) -> dict[str, float]:
        """Relative violations of C1, C2 and the bounds at a point ``x`` (keys as in ``Solution.x``)."""
        split, q, p = int(x["split"]), int(x["Q"]), float(x["p"])
        acc = float(self.accuracy(x["P_s"], split, p, q)) if split == self.n_layers or q >= 2 else 0.0
        lat = float(self.latency(split, q, p, x["P_c"], x["v_e"]))
        return {
            "accuracy": max(self.R_t - acc, 0.0) / self.R_t,
            "latency": max(lat - self.T_max, 0.0) / self.T_max,
            "p": max(p - 1.0, -p, 0.0),
            "P_s": max(float(x["P_s"]) - self.p_max, 0.0) / self.p_max,
            "P_c": max(float(x["P_c"]) - self.p_max, 0.0) / self.p_max,
            "v_e": max(float(x["v_e"]) - self.v_max, 0.0) / self.v_max,
        }

    def max_accuracy(self) -> float:
        """The best accuracy any split can reach: ``R_0(P_max)`` at ``p = 1``, ``Q = Q_max``."""
        splits = np.arange(self.n_layers + 1)
        q = np.where(splits == self.n_layers, 0, self.q_max)
        return float(np.max(self.accuracy(self.p_max, splits, 1.0, q)))

    def min_latency(self) -> float:
        """The shortest latency any split allows at full power and CPU speed, with ``p`` and ``Q`` at their least.

        Pruning can shrink device FLOPs toward the max-pool share, and ``Q = 2``
        is the least useful number of bits; this is a lower bound that the
        accuracy target may not let the solver reach.
        """
        splits = np.arange(self.n_layers + 1)
        q = np.where(splits == self.n_layers, 0, 2)
        return float(np.min(self.latency(splits, q, 1e-9, self.p_max, self.v_max)))


def point(split: int, q: int, p: float, p_s: float, p_c: float, v_e: float) -> dict[str, np.ndarray]:
    """A ``Solution.x`` dict for one design."""
    return {
        "split": np.array(split),
        "Q": np.array(q),
        "p": np.array(p),
        "P_s": np.array(p_s),
        "P_c": np.array(p_c),
        "v_e": np.array(v_e),
    }


def infeasibility_reason(params: IsccParams) -> str | None:
    """Why no design can work, when that is clear before solving; None otherwise."""
    best = params.max_accuracy()
    if best < params.R_t:
        return (
            f"accuracy target R_t = {params.R_t} is above the best reachable accuracy {best:.6f} "
            f"(R_0(P_max) at p = 1, Q = {params.q_max})"
        )
    fastest = params.min_latency()
    if fastest > params.T_max:
        return f"latency budget T_max = {params.T_max} s is below the shortest possible latency {fastest:.6f} s"
    return None


def make_solution(params: IsccParams, x: dict[str, np.ndarray], status: Status, **extras: Any) -> Solution:
    """A solution at ``x`` with its exact energy as the objective and its violations in ``extras``."""
    energy = float(params.energy(x["split"], x["Q"], x["p"], x["P_s"], x["P_c"], x["v_e"]))
    extras.setdefault("max_violation", max(params.violations(x).values()))
    return Solution(status=status, objective=energy, x=x, extras=extras)


def subproblem_arguments(
    A1: ArrayLike,
    A2: ArrayLike,
    bandwidth: ArrayLike,
    noise_psd: ArrayLike,
    gain: ArrayLike,
    kappa: ArrayLike,
    T2: ArrayLike,
    v_max: ArrayLike,
    p_max: ArrayLike,
) -> list[np.ndarray]:
    """The data of sub-problem (26), broadcast to one shape.

    Lemma 4's closed form, its CVXPY reference and its KKT check all take
    the nine arguments ``A1 = N_l Q / B``, ``A2`` (device FLOPs), ``B``,
    ``N0``, ``g``, ``kappa``, ``T2``, ``v_max``, ``P_max``; the channel enters
    (26) only through ``gamma = g / (B N0)``.

    Returns
    -------
    list of numpy.ndarray
        ``[A1, A2, gamma, kappa, T2, v_max, p_max]``, all of the broadcast shape.

    """
    a1, a2, b, n0, g, k, t2, vmax, pmax = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max))
    )
    return [a1, a2, g / (b * n0), k, t2, vmax, pmax]
