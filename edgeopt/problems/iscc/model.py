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
from edgeopt.core.validate import array, integer, number
from edgeopt.models.channel import shannon_rate_bits
from edgeopt.models.dnn import layer_flops

Q_MAX = 16
LN2 = float(np.log(2.0))

# Allowed ranges of the fields of IsccParams, stated once (the error message quotes them):
#
# =====================================  ==================  =========================================
# field                                  range               reason
# =====================================  ==================  =========================================
# T_max, T_sen, bandwidth, noise_psd,    [1e-30, 1e30]       SI units; 30 decades either side keep
# gain, kappa, v_max, v_server, p_max,                       every product the model forms (gamma =
# acc_b                                                      g / (B N0) <= 1e90, kappa A_2 v^2, the
#                                                            prices of Lemma 4) inside float64
# R_t                                    (0, 1)              an accuracy
# acc_a                                  (0, 2 / pi]         R_0 = a arctan(b P_s) is an accuracy (<= 1)
# q_max                                  integer 2..64       Q = 1 leaves no quantisation interval (19)
# layer_macs, layer_outputs,             [0, 1e30] each      counts and constants of the network
# feature_size, pruning_constant,
# quantisation_constant, inverse_margin
# layer_is_pool                          bool array (L,)     never coerced from numbers
# layer_names                            L strings or ()     () names the layers layer1..layerL
# =====================================  ==================  =========================================
SCALAR_RANGE = (1e-30, 1e30)
# Largest relative constraint violation of a returned design (IsccProblem.FEASIBILITY_TOL, the project's 1e-8):
# Lemma 3's power meets (21) to rounding and Lemma 4's point meets its deadline to 1e-12 relative, so every
# method's point is far inside it; Algorithm 2 re-checks its iterates against it.
FEASIBILITY_TOL = 1e-8
ARRAY_MAXIMUM = 1e30
ACC_A_MAX = 2.0 / math.pi
Q_MAX_LIMIT = 64
POSITIVE_FIELDS = (
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
)


# The array fields with L entries and with L + 1 (one per split l = 0..L).
_PER_LAYER = ("layer_macs", "layer_outputs", "layer_is_pool")
_PER_SPLIT = ("feature_size", "pruning_constant", "quantisation_constant", "inverse_margin")


def _layer_count(params: Any) -> int:
    """``L``, the number the array fields agree on (the most common), or an error naming those that disagree."""
    implied: dict[str, int | None] = {}
    for name in (*_PER_LAYER, *_PER_SPLIT):
        value = getattr(params, name)
        shape = np.shape(value) if isinstance(value, np.ndarray | list | tuple) else None
        implied[name] = None if shape is None or len(shape) != 1 else shape[0] - (name in _PER_SPLIT)
    counts = [n for n in implied.values() if n is not None and n >= 1]
    if not counts:
        raise InvalidParameterError(
            "the network arrays give no layer count L >= 1: layer_macs, layer_outputs and layer_is_pool need "
            f"L entries, {', '.join(_PER_SPLIT)} L + 1; got shapes "
            + ", ".join(f"{k} {np.shape(getattr(params, k))}" for k in implied)
        )
    n = max(set(counts), key=counts.count)
    odd = [k for k, v in implied.items() if v != n]
    if odd:
        shapes = ", ".join(
            f"{k} {np.shape(getattr(params, k)) if implied[k] is not None else type(getattr(params, k)).__name__}"
            for k in odd
        )
        raise InvalidParameterError(
            f"{', '.join(odd)} must have L = {n} entries (layer_macs, layer_outputs, layer_is_pool) or L + 1 "
            f"({', '.join(_PER_SPLIT)}), as the other network arrays do; got {shapes}"
        )
    return n


def _bool_vector(name: str, value: Any, n: int) -> np.ndarray:
    """``value`` as a read-only bool vector of length ``n``; numbers, strings and objects are rejected."""
    arr = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray(object())
    if arr.dtype != np.bool_:
        raise InvalidParameterError(f"{name} must be an array of True/False values, got {value!r:.80}")
    if arr.shape != (n,):
        raise InvalidParameterError(f"{name} must have shape ({n},), got {arr.shape}")
    out = np.array(arr, dtype=bool)
    out.setflags(write=False)
    return out


def _names(name: str, value: Any, n: int) -> tuple[str, ...]:
    """``value`` as a tuple of ``n`` strings (``()`` gives ``layer1..layerN``)."""
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list):
        raise InvalidParameterError(f"{name} must be a tuple of {n} strings (or ()), got {value!r:.80}")
    if len(value) == 0:
        return tuple(f"layer{i}" for i in range(1, n + 1))
    if len(value) != n or not all(isinstance(v, str) for v in value):
        raise InvalidParameterError(f"{name} must be a tuple of {n} strings (or ()), got {value!r:.80}")
    return tuple(value)


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
        """Validate every field (:data:`SCALAR_RANGE`, :data:`ARRAY_MAXIMUM`); arrays are stored read-only."""
        n_layers = _layer_count(self)
        macs = array("layer_macs", self.layer_macs, [(n_layers,)], allow_zero=True, maximum=ARRAY_MAXIMUM)
        object.__setattr__(self, "layer_macs", macs)
        shapes = {
            "layer_outputs": (n_layers,),
            "feature_size": (n_layers + 1,),
            "pruning_constant": (n_layers + 1,),
            "quantisation_constant": (n_layers + 1,),
            "inverse_margin": (n_layers + 1,),
        }
        for name, shape in shapes.items():
            value = array(name, getattr(self, name), [shape], allow_zero=True, maximum=ARRAY_MAXIMUM)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "layer_is_pool", _bool_vector("layer_is_pool", self.layer_is_pool, n_layers))
        object.__setattr__(
            self, "acc_a", number("acc_a", self.acc_a, minimum=0.0, maximum=ACC_A_MAX, exclusive_minimum=True)
        )
        for name in POSITIVE_FIELDS:
            object.__setattr__(
                self, name, number(name, getattr(self, name), minimum=SCALAR_RANGE[0], maximum=SCALAR_RANGE[1])
            )
        r_t = number("R_t", self.R_t, minimum=0.0, maximum=1.0, exclusive_minimum=True, exclusive_maximum=True)
        object.__setattr__(self, "R_t", r_t)
        object.__setattr__(self, "q_max", integer("q_max", self.q_max, minimum=2, maximum=Q_MAX_LIMIT))
        object.__setattr__(self, "layer_names", _names("layer_names", self.layer_names, n_layers))

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
        constant = self.quantisation_constant[split]
        # A layer with no quantisation error (A_q = 0) has none even at Q = 1, where v(Q) is infinite: 0, not NaN.
        with np.errstate(invalid="ignore"):
            quant = np.where((split == self.n_layers) | (constant == 0), 0.0, constant * v_quantisation(q))
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

    def pca_error(self, components: Any, q: Any, residual_energy: Any) -> np.ndarray:
        """Error of the PCA front end (the ``typical_iscc`` baseline): ``m(0) [E_pca + A_q(0) (k / N_0) v(Q)]``.

        The device projects the ``N_0`` raw elements on ``k`` principal
        components and uploads the ``k`` coefficients; the server's classifier
        is the whole network's (margin ``m(0)``). ``E_pca`` is the discarded
        share of the unit-norm input energy, entering the accuracy bound (14)
        as the pruning error does; the quantisation error (19)-(20) is that of
        split 0 scaled to ``k`` elements.
        """
        n0 = float(self.feature_size[0])
        quant = self.quantisation_constant[0] * np.asarray(components, dtype=float) / n0 * v_quantisation(q)
        return np.asarray(self.inverse_margin[0] * (np.asarray(residual_energy, dtype=float) + quant))

    def point_terms(self, x: dict[str, np.ndarray]) -> tuple[float, float, float]:
        """``(accuracy, latency, energy)`` of a design ``x`` (keys as in ``Solution.x``).

        A design of problem (22) is ``(split, Q, p, P_s, P_c, v_e)``. A design
        with ``x["pca_components"] = k`` (and ``x["pca_residual_energy"]``) is
        the PCA front end of the ``typical_iscc`` baseline at split 0: ``2 N_0
        k`` FLOPs on the device at ``v_e``, ``k Q`` bits uploaded, the accuracy
        of :meth:`pca_error`; its latency and energy follow (C2) and (22) with
        those counts.
        """
        split, q, p = int(x["split"]), int(x["Q"]), float(x["p"])
        p_s, p_c, v_e = float(x["P_s"]), float(x["P_c"]), float(x["v_e"])
        if "pca_components" in x:
            k = float(x["pca_components"])
            eps = float(self.pca_error(k, q, float(x["pca_residual_energy"])))
            acc = self.acc_a * math.atan(self.acc_b * p_s) * (1.0 - eps) if q >= 2 else 0.0
            flops, bits = 2.0 * float(self.feature_size[0]) * k, k * q
            rate = float(shannon_rate_bits(np.asarray(p_c), self.gain, self.bandwidth, self.noise_psd))
            with np.errstate(divide="ignore", invalid="ignore"):
                t_up = bits / rate if bits > 0 else 0.0
                t_dev = flops / v_e if flops > 0 else 0.0
            lat = self.T_sen + t_dev + float(self.server_flops(0)) / self.v_server + t_up
            energy = p_s * self.T_sen + self.kappa * flops * v_e**2 + (p_c * t_up if bits > 0 else 0.0)
            return acc, float(lat), float(energy)
        acc = float(self.accuracy(p_s, split, p, q)) if split == self.n_layers or q >= 2 else 0.0
        lat = float(self.latency(split, q, p, p_c, v_e))
        energy = float(self.energy(split, q, p, p_s, p_c, v_e))
        return acc, lat, energy

    def violations(self, x: dict[str, np.ndarray]) -> dict[str, float]:
        """Relative violations of C1, C2 and the bounds at a point ``x`` (keys as in ``Solution.x``).

        A NaN anywhere counts as an infinite violation.
        """
        split, q = float(x["split"]), float(x["Q"])
        names = ("accuracy", "latency", "p", "P_s", "P_c", "v_e")
        valid_design = (
            math.isfinite(split)
            and math.isfinite(q)
            and split == int(split)
            and 0 <= split <= self.n_layers
            and q == int(q)
            and ((q == 0 and split == self.n_layers) or 2 <= q <= self.q_max)
        )
        if not valid_design:  # no (split, Q) of the design grid: nothing else can be evaluated
            return {**dict.fromkeys(names, math.inf), "design": math.inf}
        acc, lat, _ = self.point_terms(x)
        p = float(x["p"])
        out = {
            "accuracy": max(self.R_t - acc, 0.0) / self.R_t,
            "latency": max(lat - self.T_max, 0.0) / self.T_max,
            "p": max(p - 1.0, -p, 0.0),
            "P_s": max(float(x["P_s"]) - self.p_max, -float(x["P_s"]), 0.0) / self.p_max,
            "P_c": max(float(x["P_c"]) - self.p_max, -float(x["P_c"]), 0.0) / self.p_max,
            "v_e": max(float(x["v_e"]) - self.v_max, -float(x["v_e"]), 0.0) / self.v_max,
            "design": 0.0,
        }
        if math.isnan(acc) or math.isnan(lat):
            out = dict.fromkeys(out, math.inf)
        return {key: (math.inf if math.isnan(value) else value) for key, value in out.items()}

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
            f"accuracy target R_t = {params.R_t} is above the best reachable accuracy {best:.6g} "
            f"(R_0(P_max) at p = 1, Q = {params.q_max})"
        )
    fastest = params.min_latency()
    if fastest > params.T_max:
        return f"latency budget T_max = {params.T_max} s is below the shortest possible latency {fastest:.6f} s"
    return None


def make_solution(params: IsccParams, x: dict[str, np.ndarray], status: Status, **extras: Any) -> Solution:
    """A solution at ``x`` with its exact energy as the objective and its violations in ``extras``."""
    energy = params.point_terms(x)[2]
    extras.setdefault("max_violation", max(params.violations(x).values()))
    return Solution(status=status, objective=energy, x=x, extras=extras)


# Largest A1 (s) and A2 (FLOPs) accepted: far above what an IsccParams instance forms (N_l Q / B <= 1e30 * 64 /
# 1e-30, A_2 <= 2 L 1e30) and small enough that A1 t and A2 / v stay finite.
WORK_MAXIMUM = 1e100


def validate_arguments(
    A1: Any,
    A2: Any,
    bandwidth: Any,
    noise_psd: Any,
    gain: Any,
    kappa: Any,
    T2: Any,
    v_max: Any,
    p_max: Any,
) -> list[np.ndarray]:
    """The nine arguments of :func:`lemma4` checked and broadcast, or :class:`InvalidParameterError` naming one.

    ``A1``, ``A2``: finite, in ``[0, WORK_MAXIMUM]``; ``T2``: in ``(0, WORK_MAXIMUM]``;
    ``bandwidth``, ``noise_psd``, ``gain``, ``kappa``, ``v_max``, ``p_max``:
    in :data:`~edgeopt.problems.iscc.model.SCALAR_RANGE` (as the fields of
    ``IsccParams``). All must broadcast to one shape.
    """
    checked = [
        array("A1", A1, allow_zero=True, maximum=WORK_MAXIMUM),
        array("A2", A2, allow_zero=True, maximum=WORK_MAXIMUM),
    ]
    lo, hi = SCALAR_RANGE
    for name, value in (("bandwidth", bandwidth), ("noise_psd", noise_psd), ("gain", gain), ("kappa", kappa)):
        checked.append(_in_range(name, value, lo, hi))
    checked.append(array("T2", T2, maximum=WORK_MAXIMUM))
    for name, value in (("v_max", v_max), ("p_max", p_max)):
        checked.append(_in_range(name, value, lo, hi))
    try:
        return list(np.broadcast_arrays(*checked))
    except ValueError as err:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(_NAMES, checked, strict=True))
        raise InvalidParameterError(f"lemma4's arguments do not broadcast to one shape: {shapes}") from err


_NAMES = ("A1", "A2", "bandwidth", "noise_psd", "gain", "kappa", "T2", "v_max", "p_max")


def _in_range(name: str, value: Any, lo: float, hi: float) -> np.ndarray:
    arr = array(name, value)
    if np.any(arr < lo) or np.any(arr > hi):
        bad = float(arr[np.unravel_index(np.argmax((arr < lo) | (arr > hi)), arr.shape)]) if arr.ndim else float(arr)
        raise InvalidParameterError(f"{name} must be in [{lo:g}, {hi:g}] everywhere, got {bad!r}")
    return arr


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
    *,
    validate: bool = True,
) -> list[np.ndarray]:
    """The data of sub-problem (26), checked and broadcast to one shape.

    Lemma 4's closed form, its CVXPY reference and its KKT check all take
    the nine arguments ``A1 = N_l Q / B``, ``A2`` (device FLOPs), ``B``,
    ``N0``, ``g``, ``kappa``, ``T2``, ``v_max``, ``P_max``; the channel enters
    (26) only through ``gamma = g / (B N0)``.

    Returns
    -------
    list of numpy.ndarray
        ``[A1, A2, gamma, kappa, T2, v_max, p_max]``, all of the broadcast shape.

    Raises
    ------
    InvalidParameterError
        With ``validate`` (the default), as :func:`validate_arguments`.

    """
    if validate:
        args = validate_arguments(A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max)
    else:
        args = list(
            np.broadcast_arrays(
                *(np.asarray(v, dtype=float) for v in (A1, A2, bandwidth, noise_psd, gain, kappa, T2, v_max, p_max))
            )
        )
    a1, a2, b, n0, g, k, t2, vmax, pmax = args
    return [a1, a2, g / (b * n0), k, t2, vmax, pmax]
