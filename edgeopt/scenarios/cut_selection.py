"""Paper 000's setting: the calibrated energy model, the compressed MNIST CNN, Table III and the trajectory.

Everything the paper leaves open is in ``cut_selection.toml`` with its
reason; :func:`calibrate` re-runs the fit from the paper's 15 kHz cells
only, so the stored values can be checked against it.
"""

from __future__ import annotations

import itertools
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import tomllib

from edgeopt.models.channel import grid_trajectory, trajectory_gains
from edgeopt.models.dnn import WEIGHT_KINDS, DnnProfile, compress
from edgeopt.models.energy import ProcessingEnergyModel, co2_kg
from edgeopt.models.zoo import mnist_cnn
from edgeopt.problems.cut_selection import CutSelectionParams, PowerControl, energy_at

SCHEMES = ("pool1", "softmax", "PS", "PSNC")


@cache
def config() -> dict[str, Any]:
    """The scenario file as a dict."""
    with resources.files(__package__).joinpath("cut_selection.toml").open("rb") as fh:
        return tomllib.load(fh)


def energy_model(access_energy: float | None = None) -> ProcessingEnergyModel:
    """Table I (fp32) arithmetic with the calibrated memory-access energy."""
    cfg = config()["energy"]
    base = ProcessingEnergyModel.from_tables(cfg["precision"])
    value = cfg["access_energy"] if access_energy is None else access_energy
    return ProcessingEnergyModel(base.add_energy, base.mult_energy, float(value), bool(cfg["count_activations"]))


def compressed(profile: DnnProfile, weight_keep: float | None = None, neuron_keep: float | None = None) -> DnnProfile:
    """``profile`` after uniform pruning: ``weight_keep`` in every weight layer, ``neuron_keep`` in the hidden ones."""
    cfg = config()["compression"]
    w = cfg["weight_keep"] if weight_keep is None else weight_keep
    n = cfg["neuron_keep"] if neuron_keep is None else neuron_keep
    weighted = [layer.name for layer in profile.layers if layer.kind in WEIGHT_KINDS]
    # The last weight layer produces the labels: all of them stay.
    return compress(profile, dict.fromkeys(weighted, w), dict.fromkeys(weighted[:-1], n))


def params(
    profile: DnnProfile,
    gains: Any,
    bandwidth: float,
    model: ProcessingEnergyModel | None = None,
    power_control: bool = False,
) -> CutSelectionParams:
    """Cut-selection parameters of a profile on the scenario's link."""
    link = config()["link"]
    pc = config()["power_control"]
    return CutSelectionParams.from_profile(
        profile,
        gains=gains,
        bandwidth=bandwidth,
        noise_psd=link["noise_psd"],
        power=pc["p_max"] if power_control else link["power"],
        energy_model=model or energy_model(),
        power_control=PowerControl(pc["deadline"], pc["circuit_power"]) if power_control else None,
    )


def schemes(
    gains: Any, bandwidth: float, model: ProcessingEnergyModel | None = None, small: DnnProfile | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Energies of Pool-1, softmax, PS and PSNC (Sec. IV) for every gain.

    Pool-1 and PSNC run the original network, softmax and PS the compressed
    one (``small``, by default the calibrated compression); PS and PSNC pick
    the best cut per gain, Pool-1 and softmax always cut at ``pool1`` and at
    the last layer.
    """
    from edgeopt.solvers.cut_selection import select_cuts

    big = mnist_cnn()
    small = small or compressed(big)
    original = params(big, gains, bandwidth, model)
    pruned = params(small, gains, bandwidth, model)
    return {
        "pool1": energy_at(original, "pool1"),
        "softmax": energy_at(pruned, pruned.n_layers),
        "PS": select_cuts(pruned),
        "PSNC": select_cuts(original),
    }


def table3(
    bandwidth: float, model: ProcessingEnergyModel | None = None, small: DnnProfile | None = None
) -> dict[str, dict[str, float]]:
    """Our Table III column block for one bandwidth: scheme -> E, E_p, E_tr, CO2 and the cut's name."""
    link = config()["link"]
    out: dict[str, dict[str, Any]] = {}
    names = mnist_cnn().order
    for scheme, e in schemes([link["table_gain"]], bandwidth, model, small).items():
        energy = float(e["energy"][0])
        out[scheme] = {
            "E": energy,
            "E_p": float(e["processing_energy"][0]),
            "E_tr": float(e["transmission_energy"][0]),
            "CO2": float(co2_kg(energy, link["carbon_index"])),
            "cut": names[int(e["cut"][0])],
        }
    return out


def paper_table3(bandwidth: float) -> dict[str, dict[str, float]]:
    """The paper's Table III for one bandwidth: row (E, E_p, E_tr, CO2) -> scheme -> value."""
    rows: dict[str, dict[str, float]] = config()["paper_table3"][str(int(bandwidth))]
    return rows


def _fit_loss(
    ours: dict[str, dict[str, float]], paper: dict[str, dict[str, float]], cells: list[tuple[str, str]]
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

    The comparison point of the power-control extension: every cut at the
    scenario's fixed power, charged ``(P + P_c) tau``; a cut whose upload
    misses the deadline does not count. ``inf`` where no cut meets it.
    """
    pc = controlled.power_control
    if pc is None:
        raise ValueError("fixed_power_energy needs parameters with power_control")
    fixed = controlled.replace(power=config()["link"]["power"], power_control=None)
    times = np.stack([energy_at(fixed, int(c))["transmission_time"] for c in fixed.candidates], axis=1)
    energy = fixed.processing_energy[fixed.candidates] + (fixed.power + pc.circuit_power) * times
    energy[times > pc.deadline] = np.inf
    return np.asarray(energy.min(axis=1).reshape(controlled.gains.shape))
