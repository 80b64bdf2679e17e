"""Paper 002's setting: Table II, the synthetic pre-trained network behind the accuracy model, Table III.

Named scenarios (:func:`names`, :func:`params`): ``table2`` and the three
Table III rows ``latency``, ``accuracy``, ``snr``. Seeded random instances
(:func:`random_params` over :data:`ISCC_RANGES`) are shared by the tests and
the benchmark.

The paper does not print the constants of its accuracy model (the per-layer
Frobenius norms and Laplace rates of the trained weights, the margin
constant ``c s``, the feature range ``f_max - f_min``, and ``a``, ``b`` of
``R_0``). :func:`network_constants` generates the weight statistics from a
seeded synthetic network of the Fig. 6 architecture whose weights are
Laplace-distributed (as the paper finds trained weights to be, Fig. 7) with
He-like scales, and measures the feature range by a forward pass of random
unit-norm inputs. :func:`calibrate` then fits ``b`` and the margin to the
optimal settings of Table III through Lemma 3 (the accuracy constraint binds
at the optimum); ``a = 2 / pi`` so that ``R_0 -> 1`` with perfect sensing.
``iscc.toml`` stores the results with their reasons, and a test re-derives
them.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml
from edgeopt.core.validate import number
from edgeopt.models.channel import db_to_linear
from edgeopt.models.dnn import DnnProfile
from edgeopt.models.zoo import iscc_cnn
from edgeopt.problems.iscc.model import IsccParams

# Split layers of the Fig. 6 network: after each conv (with its ReLU), pool and FC layer.
SPLIT_LAYERS = ("conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3")
# The ReLU after a layer is folded into it: its output is what is sent.
_SENT = {"conv1": "relu1", "conv2": "relu2", "fc1": "relu3", "fc2": "relu4", "fc3": "fc3"}


# Ranges of the random ISCC instances, around Table II; the network constants are those of the scenario file.
ISCC_RANGES = {
    "R_t": (0.7, 0.95),
    "T_max": (0.55, 1.5),  # s; T_sen = 0.5 s is fixed
    "snr_db": (0.0, 25.0),  # g / (B N0) per watt, in dB
    "kappa_log10": (-21.5, -20.5),
    "v_max": (4e6, 1.6e7),  # FLOP/s
    "bandwidth": (5e4, 2e5),  # Hz
    "p_max": (0.5, 2.0),  # W
}


@cache
def config() -> dict[str, Any]:
    """The scenario file ``iscc.toml`` as a dict."""
    return load_toml("edgeopt.problems.iscc", "iscc.toml")


def names() -> list[str]:
    """Names of every named scenario (``Problem.scenarios()``): ``table2`` first, then the Table III rows."""
    return ["table2", *scenarios()]


def scenarios() -> list[str]:
    """Names of the Table III scenarios only (``latency``, ``accuracy``, ``snr``), as before the move."""
    return list(config()["scenarios"])


def network_constants(seed: int | None = None, samples: int = 256) -> dict[str, Any]:
    """Weight statistics and feature range of the seeded synthetic Fig. 6 network.

    Per weight layer ``i``: ``M_i`` weights drawn i.i.d. Laplace with scale
    ``1 / sqrt(fan_in)`` (variance ``2 / fan_in``, He initialisation);
    ``lambda_i = 1 / mean |w|`` (the maximum-likelihood rate of ``|w| ~
    Exp(lambda)``) and ``||W_i||_F^2`` are measured on the draw. The feature
    range ``f_max - f_min`` is the largest, over the split layers, of the
    spread of the unit-normalised features of ``samples`` random unit-norm
    inputs (the paper: features are normalised, so one range serves all).
    """
    rng = np.random.default_rng(config()["network"]["seed"] if seed is None else seed)
    net = iscc_cnn()
    stats: dict[str, dict[str, float]] = {}
    weights: dict[str, np.ndarray] = {}
    for layer in net.layers:
        if layer.kind not in ("conv", "dense"):
            continue
        fan_out = layer.output_shape[0]
        fan_in = int(round(layer.macs / layer.output_elements))
        w = rng.laplace(0.0, 1.0 / math.sqrt(fan_in), size=(fan_out, fan_in))
        weights[layer.name] = w
        stats[layer.name] = {
            "M": float(w.size),
            "lambda": float(1.0 / np.mean(np.abs(w))),
            "frobenius_sq": float(np.sum(w * w)),
        }
    spread = _feature_spread(net, weights, rng, samples)
    return {"layers": stats, "feature_range": spread}


def _feature_spread(net: DnnProfile, weights: dict[str, np.ndarray], rng: np.random.Generator, samples: int) -> float:
    """Forward random unit-norm inputs; the largest max - min of a unit-normalised split feature."""
    c, h, w = net.layer("input").output_shape
    x = rng.standard_normal((samples, c, h, w))
    x /= np.linalg.norm(x.reshape(samples, -1), axis=1)[:, None, None, None]
    spread = 0.0
    for name in net.order[1:]:
        layer = net.layer(name)
        if layer.kind == "conv":
            k = int(math.isqrt(weights[name].shape[1] // x.shape[1]))
            cols = _im2col(x, k)
            x = np.einsum("nphw,op->nohw", cols, weights[name])
        elif layer.kind == "dense":
            x = x.reshape(samples, -1) @ weights[name].T
        elif layer.kind == "activation":
            x = np.maximum(x, 0.0)
        elif layer.kind == "pool":
            n, ch, hh, ww = x.shape
            x = x[:, :, : hh // 2 * 2, : ww // 2 * 2].reshape(n, ch, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))
        elif layer.kind == "flatten":
            x = x.reshape(samples, -1)
        if name in SPLIT_LAYERS or name in _SENT.values():
            flat = x.reshape(samples, -1)
            unit = flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-300)
            spread = max(spread, float(np.max(unit.max(axis=1) - unit.min(axis=1))))
    return spread


def _im2col(x: np.ndarray, k: int) -> np.ndarray:
    """Patches of ``k x k`` of ``x`` (n, c, h, w) as columns (n, c k^2, h - k + 1, w - k + 1), for a valid conv."""
    n, c, h, w = x.shape
    ho, wo = h - k + 1, w - k + 1
    patches = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))  # n, c, ho, wo, k, k
    return patches.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, ho, wo)


def model_arrays(constants: dict[str, Any], margin: float) -> dict[str, np.ndarray]:
    """``C(l)``, ``A_q(l)``, ``m(l)`` and the layer data of the split layers, from the network constants.

    * ``C(l) = sum_{i <= l} (M_i / lambda_i^2) prod_{j <= l, j != i} ||W_j||_F^2`` (16)-(18): the
      expected pruning error ``||W_i - W^_i||_F^2 ~ (M_i / lambda_i^2) u(p)`` of each device layer,
      amplified by the other device layers (input of unit norm; pools and ReLUs are 1-Lipschitz).
    * ``A_q(l) = N_eff (f_max - f_min)^2 / 4`` (19)-(20), ``N_eff = N_{l+1}`` when a max-pool
      follows the split, else ``N_l``: the variance bound of stochastic quantisation.
    * ``m(l) = prod_{i > l} ||W_i||_F^2 / margin^2`` (14): the inverse squared margin of the
      server's classifier.
    """
    net = iscc_cnn()
    layers = constants["layers"]
    n_split = len(SPLIT_LAYERS)
    macs = np.array([net.layer(name).macs for name in SPLIT_LAYERS])
    outputs = np.array([net.layer(name).output_elements for name in SPLIT_LAYERS])
    is_pool = np.array([net.layer(name).kind == "pool" for name in SPLIT_LAYERS])
    feature = np.concatenate([[net.layer("input").output_elements], outputs])
    frob = np.array([layers[n]["frobenius_sq"] if n in layers else 1.0 for n in SPLIT_LAYERS])
    err = np.array([layers[n]["M"] / layers[n]["lambda"] ** 2 if n in layers else 0.0 for n in SPLIT_LAYERS])
    pruning = np.zeros(n_split + 1)
    for split in range(1, n_split + 1):
        total = 0.0
        for i in range(split):
            others = np.prod(np.delete(frob[:split], i))
            total += err[i] * others
        pruning[split] = total
    n_eff = np.array([feature[s + 1] if s < n_split and is_pool[s] else feature[s] for s in range(n_split + 1)])
    quant = n_eff * constants["feature_range"] ** 2 / 4.0
    inverse_margin = np.array([np.prod(frob[s:]) for s in range(n_split + 1)]) / margin**2
    return {
        "layer_macs": macs,
        "layer_outputs": outputs,
        "layer_is_pool": is_pool,
        "feature_size": feature,
        "pruning_constant": pruning,
        "quantisation_constant": quant,
        "inverse_margin": inverse_margin,
    }


def stored_constants() -> dict[str, Any]:
    """The network constants as stored in the scenario file."""
    net = config()["network"]
    return {"layers": net["layers"], "feature_range": net["feature_range"]}


# Overrides params() takes besides the scenario file's keys: the array and constant fields of IsccParams.
_ARRAY_FIELDS = (
    "layer_macs",
    "layer_outputs",
    "layer_is_pool",
    "feature_size",
    "pruning_constant",
    "quantisation_constant",
    "inverse_margin",
    "acc_a",
    "acc_b",
    "gain",
    "layer_names",
)


def params(name: str = "table2", **overrides: Any) -> IsccParams:
    """:class:`IsccParams` of a named scenario (``table2`` or a Table III row), with overrides.

    Overrides are the scenario file's keys (``R_t``, ``T_max``, ``snr`` (``g /
    (B N0)`` per watt), ``T_sen``, ``bandwidth``, ``noise_psd``, ``kappa``,
    ``v_max``, ``v_server``, ``p_max``, ``q_max``) or any other field of
    :class:`IsccParams` (``gain`` replaces ``snr``). An unknown key raises
    :class:`InvalidParameterError`.
    """
    cfg = config()
    rows = {"table2": {}, **cfg["scenarios"]}
    if name not in rows:
        raise InvalidParameterError(f"unknown ISCC scenario {name!r}; available: {sorted(rows)}")
    known = set(cfg["table2"]) | set(_ARRAY_FIELDS)
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InvalidParameterError(f"unknown ISCC override(s) {unknown}; allowed: {sorted(known)}")
    if "gain" in overrides and "snr" in overrides:
        raise InvalidParameterError("give either snr or gain, not both")
    base = {**cfg["table2"], **{k: v for k, v in rows[name].items() if not k.startswith("paper_")}, **overrides}
    cal = cfg["calibration"]
    fields: dict[str, Any] = {
        **model_arrays(stored_constants(), cal["margin"]),
        "acc_a": cal["a"],
        "acc_b": cal["b"],
        "layer_names": SPLIT_LAYERS,
    }
    fields.update({k: v for k, v in base.items() if k in _ARRAY_FIELDS})
    if "gain" not in overrides:
        snr = number("snr", base["snr"], minimum=0.0, exclusive_minimum=True)
        bandwidth = number("bandwidth", base["bandwidth"], minimum=0.0, exclusive_minimum=True)
        noise_psd = number("noise_psd", base["noise_psd"], minimum=0.0, exclusive_minimum=True)
        fields["gain"] = snr * bandwidth * noise_psd
    return IsccParams(
        **fields,
        R_t=base["R_t"],
        T_max=base["T_max"],
        T_sen=base["T_sen"],
        bandwidth=base["bandwidth"],
        noise_psd=base["noise_psd"],
        kappa=base["kappa"],
        v_max=base["v_max"],
        v_server=base["v_server"],
        p_max=base["p_max"],
        q_max=base["q_max"],
    )


def calibrate(constants: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fit ``b`` and the margin ``c s`` to Table III through Lemma 3, with ``a = 2 / pi``.

    At each scenario's printed optimum the accuracy constraint binds:
    ``a arctan(b P_s) (1 - eps(l, p, Q)) = R_t``. The latency-constrained row
    reads ``(l, Q) = (5, 5)``; the other two rows lost ``l`` or ``Q`` in the
    extraction, so they range over every reading consistent with what is
    left (accuracy row: ``Q = 3`` with any ``l``, or ``l = 3`` with any
    ``Q``; SNR row: ``Q = 2`` with any ``l``). For each reading the two
    unknowns are fitted by least squares on the log of the three identities
    (scipy's ``least_squares``); the reading with the smallest residual wins.
    """
    constants = constants or stored_constants()
    a = 2.0 / math.pi
    rows = config()["scenarios"]
    lat, acc, snr = rows["latency"], rows["accuracy"], rows["snr"]
    n_split = len(SPLIT_LAYERS)
    # The model's own error eps(l, p, Q) at margin 1 (it scales as 1 / margin^2).
    unit = params("table2").replace(**model_arrays(constants, 1.0))
    readings_acc = [(s, 3) for s in range(n_split)] + [(3, q) for q in range(2, 17)]
    readings_snr = [(s, 2) for s in range(n_split)]
    best: dict[str, Any] = {"cost": math.inf}
    for (l2, q2), (l3, q3) in itertools.product(readings_acc, readings_snr):
        cases = [
            (lat["paper_split"], lat["paper_Q"], lat["paper_p"], lat["paper_P_s"], lat["R_t"]),
            (l2, q2, acc["paper_p"], acc["paper_P_s"], acc["R_t"]),
            (l3, q3, snr["paper_p"], snr["paper_P_s"], snr["R_t"]),
        ]
        base_eps = np.array([unit.error(s, p, q) for s, q, p, _, _ in cases])
        powers = np.array([c[3] for c in cases])
        targets = np.array([c[4] for c in cases])

        def residual(
            z: np.ndarray, base_eps: np.ndarray = base_eps, powers: np.ndarray = powers, targets: np.ndarray = targets
        ) -> np.ndarray:
            b, inv_m2 = np.exp(z)
            eps = base_eps * inv_m2
            return np.log(np.maximum(a * np.arctan(b * powers) * (1.0 - eps), 1e-12)) - np.log(targets)

        start = np.log([100.0, 1.0 / max(float(base_eps.max()), 1e-300) * 0.05])
        fit = least_squares(residual, start)
        if fit.cost < best["cost"]:
            b, inv_m2 = np.exp(fit.x)
            best = {
                "cost": float(fit.cost),
                "a": a,
                "b": float(b),
                "margin": float(1.0 / math.sqrt(inv_m2)),
                "accuracy_row": [int(l2), int(q2)],
                "snr_row": [int(l3), int(q3)],
            }
    return best


def random_params(seed: int) -> IsccParams:
    """A random ISCC instance over :data:`ISCC_RANGES` (uniform in each range; ``kappa`` log-uniform).

    The other entries are Table II's; ``seed`` seeds a
    ``numpy.random.default_rng``, so an instance is reproducible from its seed.
    """
    rng = np.random.default_rng(seed)

    def draw(name: str) -> float:
        lo, hi = ISCC_RANGES[name]
        return float(rng.uniform(lo, hi))

    bandwidth = draw("bandwidth")
    return params(
        "table2",
        R_t=draw("R_t"),
        T_max=draw("T_max"),
        snr=float(db_to_linear(draw("snr_db"))),
        kappa=10 ** draw("kappa_log10"),
        v_max=draw("v_max"),
        bandwidth=bandwidth,
        p_max=draw("p_max"),
    )


def lemma4_instances(n: int, seed: int = 4) -> tuple[Any, ...]:
    """Random instances of (45): uploads, device FLOPs, gains and deadlines over wide ranges.

    ``A1`` log-uniform on ``[1e-4, 10^-0.5]`` s, ``A2`` on ``[1e3, 1e7]``
    FLOPs (each 0 with probability 0.05), ``g`` on ``[1e-3, 1]`` and ``T2`` on
    ``[10^-1.5, 1]`` s; ``B = 0.1`` MHz, ``N0 = 1e-9`` W/Hz, ``kappa = 1e-21``,
    ``v_max = 8e6`` FLOP/s and ``P_max = 1`` W as in Table II. Returns the
    nine arguments of :func:`~edgeopt.problems.iscc.lemma4.lemma4`.
    """
    rng = np.random.default_rng(seed)
    a1 = 10 ** rng.uniform(-4, -0.5, n) * (rng.random(n) > 0.05)
    a2 = 10 ** rng.uniform(3, 7, n) * (rng.random(n) > 0.05)
    gain = 10 ** rng.uniform(-3, 0, n)
    t2 = 10 ** rng.uniform(-1.5, 0, n)
    return a1, a2, 1e5, 1e-9, gain, 1e-21, t2, 8e6, 1.0


# The wide instances of issue 12 (wide_params): every positive scalar log-uniform over this many decades either side
# of its Table II value (4 decades in all), the network's arrays scaled likewise.
WIDE_DECADES = 2.0


def least_latency(p: IsccParams) -> float:
    """The smallest deadline at which some design meets the accuracy target: the ``T_max`` of a tight budget.

    For each (split, Q) pair the accuracy target holds with ``P_s <= P_max``
    exactly for ``p`` at or above an edge (``u`` of (17) falls with ``p``),
    found by bisection on ``log p`` with the model's Lemma 3 test; the latency
    rises with ``p`` and falls with ``P_c`` and ``v_e``, so the pair's least
    latency is at that edge, ``P_max`` and ``v_max``. Returns the least over
    the pairs (``inf`` if no pair reaches the target).
    """
    splits, qs = p.design_pairs()
    ok_one = np.isfinite(p.sensing_power(splits, 1.0, qs))
    lo = np.full(splits.shape, math.log(1e-300))
    hi = np.zeros(splits.shape)
    ok_floor = np.isfinite(p.sensing_power(splits, 1e-300, qs))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        ok = np.isfinite(p.sensing_power(splits, np.exp(mid), qs))
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
    edge = np.where(ok_floor, 0.0, np.exp(hi))
    latency = p.latency(splits, qs, edge, p.p_max, p.v_max)
    return float(np.min(np.where(ok_one, latency, np.inf)))


def wide_params(seed: int) -> IsccParams:
    """One valid ISCC instance drawn widely around Table II (issue 12's fuzzing), reproducible from ``seed``.

    Distribution (``numpy.random.default_rng(seed)``; ``LU(c, d)`` is ``c``
    times ``10^U(-d, d)``, log-uniform over ``2 d`` decades around ``c``):

    * ``T_sen``, ``bandwidth``, ``noise_psd``, the SNR per watt ``g / (B N0)``,
      ``kappa``, ``v_max``, ``v_server``, ``p_max`` and ``acc_b``: ``LU(table2
      value, 2)`` each (four decades);
    * ``acc_a``: ``2 / pi`` times ``10^U(-4, 0)`` (an accuracy scale: at most ``2 / pi``);
    * the network: the first ``L`` split layers of Fig. 6 (``L = 7`` with
      probability 0.7, else uniform on 1..6); MACs times one ``10^U(-2, 2)``
      and, per layer, ``10^U(-0.5, 0.5)``; outputs and sent feature sizes
      times one ``10^U(-2, 2)``, the raw input's times another; ``C(l)``,
      ``A_q(l)``, ``m(l)`` times one ``10^U(-2, 2)`` each;
    * degenerate regimes: with probability 0.1 a weighted layer has no MACs
      (an idle layer: only its outputs' rounding), 0.1 no pruning error
      (``C = 0``), 0.05 one split with nothing to send (``N_l = 0``);
    * ``q_max`` uniform on 2..32;
    * ``R_t``: a share of the best reachable accuracy :meth:`IsccParams.max_accuracy`,
      ``10^U(-3, 0) (1 - 1e-6)`` with probability 0.5, else ``1 - 10^U(-5, -0.3)``
      (near the limit);
    * ``T_max``: :func:`least_latency` times ``1 + 10^U(-4, -2)`` with
      probability 0.25 (a budget within 1.0001x..1.01x of the tightest
      feasible one), else times ``10^U(log10 1.0001, 2)`` (up to 100x).

    Every drawn instance is feasible by construction (a design meets the
    target at ``p = 1``, ``Q = q_max`` and the deadline at its accuracy edge).
    """
    rng = np.random.default_rng(seed)
    table = config()["table2"]

    def lu(value: float, decades: float = WIDE_DECADES) -> float:
        return float(value * 10 ** rng.uniform(-decades, decades))

    base = params("table2")
    n = int(base.n_layers if rng.random() < 0.7 else rng.integers(1, base.n_layers))
    macs = base.layer_macs[:n] * 10 ** rng.uniform(-2, 2) * 10 ** rng.uniform(-0.5, 0.5, n)
    out_scale = 10 ** rng.uniform(-2, 2)
    outputs = base.layer_outputs[:n] * out_scale
    feature = np.concatenate(
        [[base.feature_size[0] * 10 ** rng.uniform(-2, 2)], base.feature_size[1 : n + 1] * out_scale]
    )
    is_pool = base.layer_is_pool[:n]
    pruning = base.pruning_constant[: n + 1] * 10 ** rng.uniform(-2, 2)
    quant = base.quantisation_constant[: n + 1] * 10 ** rng.uniform(-2, 2)
    margin = base.inverse_margin[: n + 1] * 10 ** rng.uniform(-2, 2)
    weighted = np.flatnonzero(~is_pool)
    if rng.random() < 0.1 and weighted.size:
        macs[rng.choice(weighted)] = 0.0
    if rng.random() < 0.1:
        pruning = np.zeros(n + 1)
    if rng.random() < 0.05:
        feature[rng.integers(0, n)] = 0.0
    bandwidth, noise_psd = lu(table["bandwidth"]), lu(table["noise_psd"])
    draft = IsccParams(
        layer_macs=macs,
        layer_outputs=outputs,
        layer_is_pool=is_pool,
        feature_size=feature,
        pruning_constant=pruning,
        quantisation_constant=quant,
        inverse_margin=margin,
        acc_a=float(2.0 / math.pi * 10 ** rng.uniform(-4, 0)),
        acc_b=lu(base.acc_b),
        R_t=0.5,
        T_max=1e30,
        T_sen=lu(table["T_sen"]),
        bandwidth=bandwidth,
        noise_psd=noise_psd,
        gain=lu(table["snr"]) * bandwidth * noise_psd,
        kappa=lu(table["kappa"]),
        v_max=lu(table["v_max"]),
        v_server=lu(table["v_server"]),
        p_max=lu(table["p_max"]),
        q_max=int(rng.integers(2, 33)),
        layer_names=SPLIT_LAYERS[:n],
    )
    best = draft.max_accuracy()
    share = 10 ** rng.uniform(-3, 0) * (1 - 1e-6) if rng.random() < 0.5 else 1 - 10 ** rng.uniform(-5, -0.3)
    draft = draft.replace(R_t=float(best * share))
    tight = rng.random() < 0.25
    factor = 1 + 10 ** rng.uniform(-4, -2) if tight else 10 ** rng.uniform(math.log10(1.0001), 2)
    return draft.replace(T_max=float(least_latency(draft) * factor))
