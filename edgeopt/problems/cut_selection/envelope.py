"""The analytic cut selection (method ``"analytic"``): the lower envelope of the per-layer energy lines.

At fixed power the energy of cut ``l`` for a sample with energy per bit
``c = P / R(h)`` is the line ``E_p(l) + c b_l`` in ``c`` (``b_l`` the
payload bits; paper 000, eq. (6)). The best cut for every ``c >= 0`` is read
off the lower envelope of these lines, computed once per network in
``O(L^2)``; each sample then needs one ``searchsorted`` over at most ``L``
breakpoints, so a batch of ``n`` samples costs ``O(n log L)`` instead of the
``O(n L)`` of forming the energy matrix. Under power control the per-layer
energies are not linear in a common scalar, and the selection takes the row
minimum of the vectorised closed forms of
:func:`edgeopt.models.channel.min_energy_transmission` instead.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.validate import array
from edgeopt.models.channel import min_energy_transmission
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, summarise


def lower_envelope(intercepts: np.ndarray, slopes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower envelope of the lines ``intercepts[i] + slopes[i] c`` over ``c >= 0``.

    Parameters
    ----------
    intercepts, slopes : numpy.ndarray
        One line per entry.

    Returns
    -------
    lines : numpy.ndarray of int
        Indices of the lines on the envelope, left to right (slopes decreasing).
    breakpoints : numpy.ndarray
        ``len(lines) - 1`` values of ``c`` where the envelope passes from one line
        to the next; line ``lines[k]`` is optimal on ``[breakpoints[k-1], breakpoints[k]]``.

    """
    a = array("intercepts", intercepts, allow_negative=True, ndim=1)
    b = array("slopes", slopes, [a.shape], allow_negative=True)
    if a.size == 0:
        raise InvalidParameterError("intercepts must hold at least one line, got an empty array")
    # At c = 0 the smallest intercept wins; among ties, the smallest slope.
    current = int(np.lexsort((b, a))[0])
    lines, breaks = [current], []
    c_now = 0.0
    while True:
        flatter = np.flatnonzero(b < b[current])
        if flatter.size == 0:
            break
        cross = (a[flatter] - a[current]) / (b[current] - b[flatter])
        cross = np.maximum(cross, c_now)
        first = cross.min()
        ties = flatter[cross == first]
        nxt = int(ties[np.argmin(b[ties])])
        lines.append(nxt)
        breaks.append(float(first))
        current, c_now = nxt, float(first)
    return np.array(lines), np.array(breaks)


def select_cuts(params: CutSelectionParams) -> dict[str, np.ndarray]:
    """Best cut and its energies for every gain in ``params`` (see :func:`~.model.energy_at` for the keys).

    Parameters
    ----------
    params : CutSelectionParams
        The instance; any batch shape of gains.

    Returns
    -------
    dict of str to numpy.ndarray
        :func:`~.model.energy_at` at the chosen cuts, arrays shaped like ``params.gains``.

    """
    candidates = params.candidates
    if params.power_control is None:
        lines, breaks = lower_envelope(params.processing_energy[candidates], params.payload_bits[candidates])
        per_bit = params.joules_per_bit()
        best = candidates[lines[np.searchsorted(breaks, per_bit, side="right")]]
        return energy_at(params, best)
    pc = params.power_control
    flat = params.gains.reshape(-1, 1)
    linked = flat > 0  # no link: min_energy_transmission divides by the gain; priced apart
    bits = params.payload_bits[candidates]
    tx = min_energy_transmission(
        bits,
        np.where(linked, flat, 1.0),
        params.bandwidth,
        params.noise_psd,
        pc.circuit_power,
        pc.deadline,
        params.power,
    )
    energy = np.where(linked | (bits == 0), tx.energy, np.inf)
    total = params.processing_energy[candidates] + energy
    best = candidates[np.argmin(total, axis=1)].reshape(params.gains.shape)
    return energy_at(params, best)


def solve_envelope(params: CutSelectionParams) -> Solution:
    """Method ``"analytic"``: every sample's best cut by :func:`select_cuts`, objective eq. (8).

    Parameters
    ----------
    params : CutSelectionParams
        The instance.

    Returns
    -------
    Solution
        ``x`` holds ``cut``, the energies and times of :func:`~.model.energy_at`,
        ``co2_kg`` and the mask ``feasible``, shaped like ``params.gains``;
        unreachable samples carry the placeholders of :func:`~.model.summarise`
        and are counted in ``extras["n_infeasible"]``; ``INFEASIBLE`` only when
        no sample is reachable.

    """
    return summarise(params, select_cuts(params))
