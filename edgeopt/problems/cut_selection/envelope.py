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

Many instances (:func:`solve_envelope_batch`, ``CutSelection.solve_batch``):
the envelope depends only on the layer table (``E_p``, the payloads, the
choice set), so instances that share it share one envelope, and the energy
per bit and the envelope look-up of all their samples are one array pass,
each sample with its own instance's power, bandwidth and noise. The
per-instance step is what builds the answer: the chosen cuts priced by
:func:`~.model.energy_at` and summarised (:func:`~.model.summarise`), as a
single solve does. Each answer equals the single solve's bit for bit,
whatever else is in the batch: every step is elementwise over the samples.
Instances under power control are solved one at a time: their closed forms
(:func:`~edgeopt.models.channel.min_energy_transmission`) find a Lambert-W
root per sample by Halley steps that run until the slowest sample of the
array has converged (:func:`edgeopt.solvers.lambert.priced_spectral_efficiency`),
so stacking instances would change the last bits of each.

Complexity of a batch: one envelope (``O(L^2)``) per distinct layer table
and ``O(n log L)`` over its ``n`` samples in all.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.validate import array
from edgeopt.models.channel import min_energy_transmission, shannon_rate_bits
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


def solve_envelope_batch(params: Sequence[CutSelectionParams]) -> list[Solution]:
    """``CutSelection.BATCH_METHODS["analytic"]``: :func:`solve_envelope` of many instances.

    Instances at fixed power that share a layer table (``processing_energy``,
    ``output_elements``, ``allow_raw``, ``bits_per_element``) are solved
    together: one :func:`lower_envelope`, then one pass over all their
    samples. Instances under power control are solved one by one (see the
    module docstring).

    Parameters
    ----------
    params : sequence of CutSelectionParams
        The instances, any mix of networks, links and sample shapes.

    Returns
    -------
    list of Solution
        One per instance, in order, each equal to :func:`solve_envelope` of
        that instance; ``solve_time_s`` is the batch's wall time per instance.

    """
    start = time.perf_counter()
    solutions: list[Solution | None] = [None] * len(params)
    tables: dict[tuple[bytes, bytes, bool, int], list[int]] = {}
    for i, p in enumerate(params):
        if p.power_control is not None:
            solutions[i] = solve_envelope(p)
        else:
            key = (p.processing_energy.tobytes(), p.output_elements.tobytes(), p.allow_raw, p.bits_per_element)
            tables.setdefault(key, []).append(i)
    for members in tables.values():
        first = params[members[0]]
        if len(members) == 1:  # nothing to share: the single solve, which the stacked pass equals bit for bit
            solutions[members[0]] = solve_envelope(first)
            continue
        candidates = first.candidates
        lines, breaks = lower_envelope(first.processing_energy[candidates], first.payload_bits[candidates])
        sizes = np.array([params[i].gains.size for i in members])

        def per_sample(name: str, members: list[int] = members, sizes: np.ndarray = sizes) -> np.ndarray:
            return np.repeat(np.array([getattr(params[i], name) for i in members], dtype=float), sizes)

        gains = np.concatenate([params[i].gains.reshape(-1) for i in members])
        power = per_sample("power")
        # CutSelectionParams.joules_per_bit, each sample with its own instance's link.
        rate = shannon_rate_bits(power, gains, per_sample("bandwidth"), per_sample("noise_psd"))  # type: ignore[arg-type]  # (it broadcasts; annotated float)
        with np.errstate(divide="ignore"):
            per_bit = power / rate
        best = candidates[lines[np.searchsorted(breaks, per_bit, side="right")]]
        for i, cuts in zip(members, np.split(best, np.cumsum(sizes)[:-1]), strict=True):
            p = params[i]
            solutions[i] = summarise(p, energy_at(p, cuts.reshape(p.gains.shape)))
    share = (time.perf_counter() - start) / max(len(params), 1)
    done = [s for s in solutions if s is not None]
    for solution in done:
        solution.solve_time_s = share
    return done
