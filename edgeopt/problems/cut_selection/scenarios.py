"""Paper 000's setting: the calibrated energy model, the compressed MNIST CNN, Table III, the trajectory.

Everything the paper leaves open is in ``cut_selection.toml`` (beside this
module) with its reason; :func:`calibrate` re-runs the fit from the paper's
15 kHz cells only, so the stored values can be checked against it.

Three kinds of instance come from here:

- the paper's settings: :func:`profile_params` puts a profile on the
  scenario's link, :func:`schemes` and :func:`table3` evaluate the comparison
  schemes of :mod:`.baselines` on them, :func:`trajectory` is Fig. 4(a)'s walk;
- the named scenarios (:func:`names`, :func:`params`) behind
  ``CutSelection.from_scenario``: the ``[scenario.*]`` tables of the TOML file;
- seeded random instances shared by the tests and the benchmark:
  :func:`random_gains` and :func:`random_params`, and :func:`wide_params`,
  drawn far outside the paper's ranges for the fuzz harness (issue 12).
"""

from __future__ import annotations

import itertools
from functools import cache, partial
from typing import Any, overload

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, log_uniform, scenario_entry, scenario_names
from edgeopt.core.validate import boolean, integer
from edgeopt.models.channel import grid_trajectory, trajectory_gains
from edgeopt.models.dnn import WEIGHT_KINDS, DnnProfile, compress
from edgeopt.models.energy import ProcessingEnergyModel, co2_kg
from edgeopt.models.zoo import mnist_cnn, profile
from edgeopt.problems.cut_selection import baselines
from edgeopt.problems.cut_selection.baselines import SCHEMES
from edgeopt.problems.cut_selection.model import CutSelectionParams, PowerControl

# The seed of the benchmark's gains (and of the "mnist" scenario).
SEED = 20261123

__all__ = [
    "SCHEMES",
    "SEED",
    "calibrate",
    "compressed",
    "config",
    "energy_model",
    "fixed_power_energy",
    "names",
    "paper_table3",
    "params",
    "profile_params",
    "random_gains",
    "random_params",
    "schemes",
    "table3",
    "trajectory",
    "wide_params",
]


@cache
def config() -> dict[str, Any]:
    """The scenario file ``cut_selection.toml`` as a dict."""
    return load_toml("edgeopt.problems.cut_selection", "cut_selection.toml")


def energy_model(access_energy: float | None = None) -> ProcessingEnergyModel:
    """Table I (fp32) arithmetic with the calibrated memory-access energy (or ``access_energy``, J per element)."""
    cfg = config()["energy"]
    base = ProcessingEnergyModel.from_tables(cfg["precision"])
    value = cfg["access_energy"] if access_energy is None else access_energy
    return ProcessingEnergyModel(base.add_energy, base.mult_energy, float(value), bool(cfg["count_activations"]))


def compressed(profile: DnnProfile, weight_keep: float | None = None, neuron_keep: float | None = None) -> DnnProfile:
    """``profile`` after uniform pruning: ``weight_keep`` in every weight layer, ``neuron_keep`` in the hidden ones.

    The defaults are the calibrated compression of the scenario file.
    """
    cfg = config()["compression"]
    w = cfg["weight_keep"] if weight_keep is None else weight_keep
    n = cfg["neuron_keep"] if neuron_keep is None else neuron_keep
    weighted = [layer.name for layer in profile.layers if layer.kind in WEIGHT_KINDS]
    # The last weight layer produces the labels: all of them stay.
    return compress(profile, dict.fromkeys(weighted, w), dict.fromkeys(weighted[:-1], n))


def profile_params(
    profile: DnnProfile,
    gains: Any,
    bandwidth: float,
    model: ProcessingEnergyModel | None = None,
    power_control: bool = False,
    allow_raw: bool = False,
) -> CutSelectionParams:
    """Cut-selection parameters of a profile on the scenario's link (also ``params(profile, ...)``).

    Parameters
    ----------
    profile : DnnProfile
        A chain network.
    gains : array_like
        Channel power gains, any shape.
    bandwidth : float
        ``W`` in Hz.
    model : ProcessingEnergyModel, optional
        By default the calibrated :func:`energy_model`.
    power_control : bool
        The scenario's power-control extension (``P_max``, deadline, circuit
        power) instead of its fixed transmit power.
    allow_raw : bool
        Allow sending the raw input.

    Returns
    -------
    CutSelectionParams

    """
    link = config()["link"]
    pc = config()["power_control"]
    power_control = boolean("power_control", power_control)
    return CutSelectionParams.from_profile(
        profile,
        gains=gains,
        bandwidth=bandwidth,
        noise_psd=link["noise_psd"],
        power=pc["p_max"] if power_control else link["power"],
        energy_model=model or energy_model(),
        power_control=PowerControl(pc["deadline"], pc["circuit_power"]) if power_control else None,
        allow_raw=allow_raw,
    )


def schemes(
    gains: Any, bandwidth: float, model: ProcessingEnergyModel | None = None, small: DnnProfile | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Energies of Pool-1, softmax, PS and PSNC (Sec. IV) for every gain, on the scenario's link.

    Pool-1 and PSNC run the original MNIST CNN, softmax and PS the compressed
    one (``small``, by default the calibrated compression); see
    :func:`.baselines.scheme_energies`.
    """
    big = mnist_cnn()
    small = small or compressed(big)
    return baselines.scheme_energies(
        profile_params(big, gains, bandwidth, model), profile_params(small, gains, bandwidth, model)
    )


def table3(
    bandwidth: float, model: ProcessingEnergyModel | None = None, small: DnnProfile | None = None
) -> dict[str, dict[str, Any]]:
    """Our Table III column block for one bandwidth: scheme -> E, E_p, E_tr, CO2 and the cut's name."""
    link = config()["link"]
    out: dict[str, dict[str, Any]] = {}
    layer_names = mnist_cnn().order
    for scheme, e in schemes([link["table_gain"]], bandwidth, model, small).items():
        energy = float(e["energy"][0])
        out[scheme] = {
            "E": energy,
            "E_p": float(e["processing_energy"][0]),
            "E_tr": float(e["transmission_energy"][0]),
            "CO2": float(co2_kg(energy, link["carbon_index"])),
            "cut": layer_names[int(e["cut"][0])],
        }
    return out


def paper_table3(bandwidth: float) -> dict[str, dict[str, float]]:
    """The paper's Table III for one bandwidth: row (E, E_p, E_tr, CO2) -> scheme -> value."""
    rows: dict[str, dict[str, float]] = config()["paper_table3"][str(int(bandwidth))]
    return rows


def _fit_loss(
    ours: dict[str, dict[str, Any]], paper: dict[str, dict[str, float]], cells: list[tuple[str, str]]
) -> float:
    return float(sum(np.log(ours[scheme][row] / paper[row][scheme]) ** 2 for row, scheme in cells))


def calibrate() -> dict[str, float]:
    """Fit ``access_energy``, ``weight_keep`` and ``neuron_keep`` to the paper's cells at the fit bandwidth only.

    1. ``access_energy`` from Pool-1's ``E_p`` (the uncompressed first block:
       it depends on nothing else): arithmetic plus ``access_energy`` times
       the block's memory traffic equals the printed value.
    2. ``(weight_keep, neuron_keep)`` minimising the squared log error of the
       six cells of softmax and PS (``E``, ``E_p``, ``E_tr``) over the grid of
       the scenario file.
    """
    cal = config()["calibration"]
    bandwidth = float(cal["fit_bandwidth"])
    paper = paper_table3(bandwidth)
    net = mnist_cnn()
    unit = energy_model(1.0)
    computation, traffic = unit.layer_energy(net)
    upto = net.order.index("pool1") + 1
    access = (paper["E_p"]["pool1"] - computation[:upto].sum()) / traffic[:upto].sum()
    model = energy_model(access)
    cells = [(row, scheme) for scheme in ("softmax", "PS") for row in ("E", "E_p", "E_tr")]
    lo_w, hi_w, step_w = cal["weight_keep_grid"]
    lo_n, hi_n, step_n = cal["neuron_keep_grid"]
    weights = np.round(np.arange(lo_w, hi_w + step_w / 2, step_w), 10)
    neurons = np.round(np.arange(lo_n, hi_n + step_n / 2, step_n), 10)
    best = (np.inf, 1.0, 1.0)
    for w, n in itertools.product(weights, neurons):
        loss = _fit_loss(table3(bandwidth, model, compressed(net, w, n)), paper, cells)
        if loss < best[0]:
            best = (loss, float(w), float(n))
    return {"access_energy": float(access), "weight_keep": best[1], "neuron_keep": best[2], "loss": best[0]}


def trajectory(fading: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Positions (n, 2) of the walk of Fig. 4(a) and the channel gains there (seeded Rayleigh fading)."""
    cfg = config()["trajectory"]
    positions = grid_trajectory(cfg["waypoints"], cfg["step"])
    rng = np.random.default_rng(cfg["seed"]) if fading else None
    gains = trajectory_gains(positions, cfg["server"], cfg["path_loss_exponent"], cfg["reference_distance"], rng)
    return positions, gains


def fixed_power_energy(controlled: CutSelectionParams) -> np.ndarray:
    """Best energy per gain of the paper's fixed 1 mW, with the circuit power and deadline of ``controlled``.

    :func:`.baselines.fixed_power_energy` at the scenario's fixed power;
    ``inf`` where no cut meets the deadline.
    """
    return baselines.fixed_power_energy(controlled, config()["link"]["power"])


# ---------------------------------------------------------------------- random instances
def random_gains(n: int, seed: int = SEED) -> np.ndarray:
    """Seeded gains: log-uniform path loss over 1e-4..10 times ``|CN(0,1)|^2`` (the benchmark's draw)."""
    rng = np.random.default_rng(integer("seed", seed, minimum=0))
    n = integer("n", n, minimum=1)
    return 10 ** rng.uniform(-4, 1, n) * rng.exponential(size=n)


def random_params(
    seed: int,
    n_layers: int | None = None,
    allow_raw: bool | None = None,
    n_samples: int = 500,
    power_control: bool = False,
) -> CutSelectionParams:
    """A seeded random instance over wide ranges, for property tests and behaviour comparisons.

    Processing energies are cumulative sums of exponential increments (mean
    10 uJ per layer), output sizes uniform in 1..50 000 elements (with
    repeated sizes in 30 % of the draws: ties between cuts), gains
    log-uniform over 1e-5..100, ``W`` log-uniform over 1 kHz..100 MHz,
    ``N0 = 1e-9`` W/Hz, ``P = 1`` mW.

    Parameters
    ----------
    seed : int
        Seeds everything; the same seed gives the same instance.
    n_layers : int, optional
        ``L``; by default drawn in 1..30.
    allow_raw : bool, optional
        By default drawn.
    n_samples : int
        Number of gains.
    power_control : bool
        Add a power-control extension: ``P_max`` log-uniform over 10 mW..1 W,
        ``P_c`` over 1..100 mW, and a deadline 1..30 times the full-power time of
        the smallest payload at the weakest gain, so that every instance is
        feasible.

    Returns
    -------
    CutSelectionParams

    """
    # The structure and the power control come from their own streams, so that
    # the arrays drawn for given (n_layers, allow_raw) do not depend on them.
    shape = np.random.default_rng([seed, 1])
    if n_layers is None:
        n_layers = int(shape.integers(1, 31))
    if allow_raw is None:
        allow_raw = bool(shape.random() < 0.5)
    rng = np.random.default_rng(seed)
    ep = np.concatenate([[0.0], np.cumsum(rng.exponential(1e-5, n_layers))])
    d = rng.integers(1, 50_000, n_layers + 1).astype(float)
    if rng.random() < 0.3:  # repeated sizes and flat energies: ties between cuts
        d[rng.integers(0, n_layers + 1, 3)] = d[0]
    gains = 10 ** rng.uniform(-5, 2, n_samples)
    bandwidth = 10 ** rng.uniform(3, 8)
    p = CutSelectionParams(ep, d, gains, bandwidth, 1e-9, allow_raw=allow_raw)
    if not power_control:
        return p
    extra = np.random.default_rng([seed, 2])
    p_max = 10 ** extra.uniform(-2, 0)
    circuit = 10 ** extra.uniform(-3, -1)
    bits = float(p.payload_bits[p.candidates].min())
    rate = bandwidth * np.log2(1 + p_max * gains.min() / (1e-9 * bandwidth))
    deadline = bits / rate * 10 ** extra.uniform(0, np.log10(30))
    return p.replace(power=p_max, power_control=PowerControl(deadline=float(deadline), circuit_power=circuit))


# ---------------------------------------------------------------------- named scenarios
_KEYS = {"description", "network", "gains", "samples", "seed", "bandwidth", "allow_raw", "power_control"}


def names() -> list[str]:
    """Names of the named scenarios (the ``[scenario.*]`` tables of the scenario file)."""
    return scenario_names(config()["scenario"])


@overload
def params(name: str, **overrides: Any) -> CutSelectionParams: ...
@overload
def params(
    name: DnnProfile,
    gains: Any,
    bandwidth: float,
    model: ProcessingEnergyModel | None = None,
    power_control: bool = False,
    allow_raw: bool = False,
) -> CutSelectionParams: ...
def params(name: str | DnnProfile, *args: Any, **overrides: Any) -> CutSelectionParams:
    """Parameters of a named scenario; ``overrides`` replace its entries (see the scenario file).

    ``params(profile, gains, bandwidth, model=None, power_control=False)``,
    with a :class:`~edgeopt.models.dnn.DnnProfile` first, is the form of the
    previous release and stays: it is :func:`profile_params`.

    Parameters
    ----------
    name : str
        One of :func:`names` (or a profile: see above).
    *args
        Only with a profile: the remaining arguments of :func:`profile_params`.
    **overrides
        ``network``, ``gains`` (a source name or an array), ``samples``,
        ``seed``, ``bandwidth``, ``allow_raw``, ``power_control``.

    Returns
    -------
    CutSelectionParams

    Raises
    ------
    InvalidParameterError
        For an unknown scenario, an unknown override or an unknown source.

    """
    if isinstance(name, DnnProfile):
        return profile_params(name, *args, **overrides)
    if args:
        raise InvalidParameterError(
            f"params(name, **overrides) takes the overrides by keyword, got {len(args)} positional argument(s)"
        )
    unknown = sorted(set(overrides) - _KEYS)
    if unknown:
        raise InvalidParameterError(
            f"unknown cut_selection scenario entries {unknown}; the entries are {sorted(_KEYS)}"
        )
    cfg = scenario_entry(config()["scenario"], name, "cut_selection", **overrides)
    net = mnist_cnn()
    if cfg["network"] == "compressed":
        net = compressed(net)
    elif cfg["network"] != "original":
        raise InvalidParameterError(f"network must be 'compressed' or 'original', got {cfg['network']!r}")
    source = cfg["gains"]
    if isinstance(source, str):
        if source == "random":
            gains = random_gains(integer("samples", cfg["samples"], minimum=1), integer("seed", cfg["seed"], minimum=0))
        elif source == "trajectory":
            gains = trajectory()[1]
        elif source == "table":
            gains = np.array([config()["link"]["table_gain"]])
        else:
            raise InvalidParameterError(f"gains must be 'random', 'trajectory', 'table' or an array, got {source!r}")
    else:
        gains = source  # validated by CutSelectionParams
    return profile_params(
        net,
        gains,
        cfg["bandwidth"],
        power_control=boolean("power_control", cfg["power_control"]),
        allow_raw=boolean("allow_raw", cfg["allow_raw"]),
    )


# ---------------------------------------------------------------------- wide instances (issue 12)
# The chain networks of the zoo wide_params draws from.
WIDE_NETWORKS = ("mnist_cnn", "iscc_cnn", "nin", "tiny_yolov2", "vgg16", "mobilenet_v1")


@cache
def _wide_profile(name: str, compressed_net: bool) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    net = profile(name)
    if compressed_net:
        net = compressed(net)
    p = CutSelectionParams.from_profile(net, [1.0], 1e6, 1e-9, energy_model=energy_model())
    return p.processing_energy, p.output_elements, p.layer_names


def _min_feasible_deadline(params: CutSelectionParams, p_max: float) -> float:
    """The smallest deadline at which every sample of positive gain can be served: max over them of min_l t_min."""
    g = params.gains.reshape(-1)
    g = g[g > 0]
    bits = params.payload_bits[params.candidates].min()
    rate = params.bandwidth * np.log2(1 + p_max * g / (params.noise_psd * params.bandwidth))
    return float(bits / rate.min())


def wide_params(seed: int) -> CutSelectionParams:
    """One valid instance drawn far outside the paper's ranges (the fuzz harness of issue 12).

    Distribution (every draw from ``np.random.default_rng(seed)``; "LU(a, b)" is
    log-uniform over ``[a, b]``):

    - the network: a chain of :data:`WIDE_NETWORKS`, uniformly, compressed
      (the calibrated compression) with probability 1/2, cut after a random
      prefix of at least one layer with probability 1/4; processing energies
      of the calibrated model times LU(1e-2, 1e2);
    - ``allow_raw`` with probability 1/2; ``bits_per_element`` one of 8, 16, 32;
    - samples: LU(1, 2000) gains, each LU(1e-6, 1e2) times ``|CN(0,1)|^2``
      (eight decades and Rayleigh fading); with probability 1/5 a fraction
      LU(1e-3, 0.3) of them is exactly 0 (no link: unreachable); with
      probability 1/10 all gains are equal;
    - ``W`` = 5 MHz x LU(1e-2, 1e2), ``N0`` = 1e-9 W/Hz x LU(1e-2, 1e2);
    - with probability 1/2 fixed power ``P`` = 1 mW x LU(1e-2, 1e2); otherwise
      power control with ``P_max`` = 100 mW x LU(1e-2, 1e2), ``P_c`` = 10 mW x
      LU(1e-2, 1e2) (0 with probability 1/10), and a deadline
      ``T = m T_min``: ``T_min`` the smallest deadline at which every sample of
      positive gain can be served, the multiple ``m = 1.0001`` with
      probability 1/10, else LU(1.0001, 100); with probability 1/5 one sample
      is then made unreachable (its gain divided by LU(10, 1e3) below what
      the deadline needs at full power), if it is not the only one.

    Unreachable samples (zero gains, the one made so) are part of the
    design: the solution marks them, the others are solved. A batch can be
    wholly unreachable only when every gain is zero (``INFEASIBLE``).

    Parameters
    ----------
    seed : int
        Seeds everything.

    Returns
    -------
    CutSelectionParams

    """
    seed = integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)

    lu = partial(log_uniform, rng)

    ep, d, names = _wide_profile(str(rng.choice(WIDE_NETWORKS)), bool(rng.random() < 0.5))
    if rng.random() < 0.25:
        keep = int(rng.integers(2, ep.size + 1))
        ep, d, names = ep[:keep], d[:keep], names[:keep]
    ep = ep * lu(1e-2, 1e2)
    n = int(lu(1, 2000))
    gains = lu(1e-6, 1e2, n) * rng.exponential(size=n)
    if rng.random() < 0.1:
        gains = np.full(n, gains[0])
    if rng.random() < 0.2:
        gains[rng.random(n) < lu(1e-3, 0.3)] = 0.0
    gains = np.maximum(gains, np.where(gains > 0, 1e-29, 0.0))  # inside RANGES["gains"]
    p = CutSelectionParams(
        processing_energy=ep,
        output_elements=d,
        gains=gains,
        bandwidth=5e6 * lu(1e-2, 1e2),
        noise_psd=1e-9 * lu(1e-2, 1e2),
        power=1e-3 * lu(1e-2, 1e2),
        layer_names=names,
        allow_raw=bool(rng.random() < 0.5),
        bits_per_element=int(rng.choice([8, 16, 32])),
    )
    if rng.random() < 0.5:
        return p
    p_max = 0.1 * lu(1e-2, 1e2)
    circuit = 0.0 if rng.random() < 0.1 else 0.01 * lu(1e-2, 1e2)
    multiple = 1.0001 if rng.random() < 0.1 else lu(1.0001, 100)
    if not np.any(p.gains > 0):
        return p.replace(power=p_max, power_control=PowerControl(1.0, circuit))
    deadline = min(max(_min_feasible_deadline(p.replace(power=p_max), p_max) * multiple, 1e-12), 1e12)
    gains = p.gains.copy()
    if rng.random() < 0.2 and gains.size > 1:
        # Full-power rate needed to send the smallest payload in time; one sample well below it.
        bits = float(p.payload_bits[p.candidates].min())
        snr = np.expm1(min(bits * np.log(2) / (deadline * p.bandwidth), 700.0))
        needed = snr * p.noise_psd * p.bandwidth / p_max
        gains[int(rng.integers(gains.size))] = min(max(needed / lu(10, 1e3), 1e-30), 1e30)
    return p.replace(gains=gains, power=p_max, power_control=PowerControl(deadline, circuit))
