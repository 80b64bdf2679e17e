"""The comparison schemes of paper 000 (Sec. IV) and the fixed-power point of the power-control extension.

Each scheme is a rule applied to given parameters; which network, link and
gains it runs on is the scenario's business (:mod:`.scenarios`):

- Pool-1: always cut after the first block (``pool1``), on the original network;
- softmax: run the whole (compressed) network on the device and send the label;
- PS, the proposed scheme: the best cut per gain on the compressed network;
- PSNC: the best cut per gain on the original (not compressed) network.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.cut_selection.envelope import select_cuts
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at

SCHEMES = ("pool1", "softmax", "PS", "PSNC")


def scheme_energies(
    original: CutSelectionParams, compressed: CutSelectionParams, first_block: str = "pool1"
) -> dict[str, dict[str, np.ndarray]]:
    """Energies of Pool-1, softmax, PS and PSNC (Sec. IV) for every gain.

    Parameters
    ----------
    original, compressed : CutSelectionParams
        The original and the compressed network on the same gains and link.
    first_block : str
        The layer after which Pool-1 always cuts.

    Returns
    -------
    dict of str to dict
        Scheme name (:data:`SCHEMES`) -> :func:`~.model.energy_at` of its cuts.

    """
    return {
        "pool1": energy_at(original, first_block),
        "softmax": energy_at(compressed, compressed.n_layers),
        "PS": select_cuts(compressed),
        "PSNC": select_cuts(original),
    }


def fixed_power_energy(controlled: CutSelectionParams, power: float) -> np.ndarray:
    """Best energy per gain at a fixed transmit ``power``, with the circuit power and deadline of ``controlled``.

    The comparison point of the power-control extension: every cut at the
    fixed power, charged ``(P + P_c) tau``; a cut whose upload misses the
    deadline does not count.

    Parameters
    ----------
    controlled : CutSelectionParams
        An instance with ``power_control`` set.
    power : float
        The fixed transmit power in W (the paper's 1 mW in :mod:`.scenarios`).

    Returns
    -------
    numpy.ndarray
        Shaped like ``controlled.gains``; ``inf`` where no cut meets the deadline.

    Raises
    ------
    InvalidParameterError
        If ``controlled.power_control`` is None.

    """
    pc = controlled.power_control
    if pc is None:
        raise InvalidParameterError("fixed_power_energy needs parameters with power_control")
    fixed = controlled.replace(power=power, power_control=None)
    times = np.stack([energy_at(fixed, int(c))["transmission_time"] for c in fixed.candidates], axis=1)
    energy = fixed.processing_energy[fixed.candidates] + (fixed.power + pc.circuit_power) * times
    energy[times > pc.deadline] = np.inf
    return np.asarray(energy.min(axis=1).reshape(controlled.gains.shape))
