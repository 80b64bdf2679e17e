"""3GPP TR 38.901 (V17.0.0) path loss: the UMi street-canyon model and its LOS probability.

Units are SI at the interface (metres, hertz); the path loss itself is a
loss in dB, the quantity the standard tabulates. Turn it into a linear power
gain with ``edgeopt.models.channel.db_to_linear(-pl)``.

Conventions fixed here, once:

- **Speed of light** ``c = 3.0e8`` m/s (:data:`SPEED_OF_LIGHT`), the value
  TR 38.901 Table 7.4.1-1, Note 1, prescribes for the breakpoint distance
  ("c = 3.0 x 10^8 m/s is the propagation velocity in free space"). It is the
  value with which ns-3's published test values were generated (ns-3 used
  ``M_C = 3.0e8`` from 2020 until commit ``eaa52dc3`` of June 2026, which moved
  to 299792458 m/s, ns-3 issue #1092); Sionna uses
  ``scipy.constants.speed_of_light``. The choice moves the breakpoint
  ``d'_BP`` by 0.07 % and the loss beyond it by at most 0.0057 dB; only the PL2
  branch (``d_2D > d'_BP``) depends on it.
- **Outside the applicability range** (10 m <= d_2D <= 5 km, 1.5 m <= h_UT <=
  22.5 m, h_BS = 10 m, 0.5-100 GHz) the table's formulas are evaluated as
  written (extrapolated), with no clamping and no warning. This is what ns-3
  does by default (it logs ``NS_LOG_WARN``, silent unless that log component
  is enabled, and aborts only when ``EnforceParameterRanges`` is set, default
  false) and what Sionna does (no range check in
  ``sionna/phy/channel/tr38901/umi_scenario.py``). ``strict=True`` is the
  analogue of ns-3's ``EnforceParameterRanges``: any value outside the range
  raises :class:`~edgeopt.core.errors.InvalidParameterError`. The extrapolation
  is continuous and increasing in distance, so a solver that wanders below
  10 m sees no kink; it is a model, not a measurement, there.
- **d_3D** is ``sqrt(d_2D^2 + (h_BS - h_UT)^2)`` (Figure 7.4.1-1). Sionna's
  ``SystemLevelScenario.distance_3d`` returns the 2-D distance (NVlabs/sionna
  issue #1100, acknowledged as a bug, present at 20d2bcae of October 2025),
  so its UMi loss is 2.5 dB low at d_2D = 10 m and 0.03 dB low at 100 m; it
  is not used as a numeric reference here.
- **Invalid input** always raises: a negative, NaN or infinite distance, a
  non-positive frequency, or a height at or below the effective environment
  height ``h_E = 1`` m (the effective heights ``h' = h - h_E`` of Note 1 must be
  positive for ``d'_BP`` to be a distance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError

FloatArray = NDArray[np.float64]

SPEED_OF_LIGHT = 3.0e8
"""Propagation velocity in m/s used for the breakpoint distance (TR 38.901 Table 7.4.1-1, Note 1)."""

UMI_ENVIRONMENT_HEIGHT = 1.0
"""Effective environment height ``h_E`` in m for UMi street canyon (Table 7.4.1-1, Note 1)."""

UMI_SHADOW_FADING_STD_LOS_DB = 4.0
"""Shadow-fading standard deviation sigma_SF in dB, UMi street canyon LOS (Table 7.4.1-1)."""

UMI_SHADOW_FADING_STD_NLOS_DB = 7.82
"""Shadow-fading standard deviation sigma_SF in dB, UMi street canyon NLOS (Table 7.4.1-1)."""

UMI_SHADOW_FADING_STD_NLOS_OPTIONAL_DB = 8.2
"""sigma_SF in dB of the table's optional NLOS formula ``32.4 + 20 log10 f_c + 31.9 log10 d_3D``.

Only the constant is given here; :func:`umi_street_canyon` implements the
main NLOS formula. (ns-3 has used 7 dB for every UMi link below 6 GHz since
October 2025, citing the sub-6 GHz O2I model of Table 7.4.3-3; outdoor links
in Table 7.4.1-1 keep 4 / 7.82 dB.)
"""

UMI_DISTANCE_2D_RANGE = (10.0, 5000.0)
"""Applicability range of ``d_2D`` in m (Table 7.4.1-1)."""

UMI_H_UT_RANGE = (1.5, 22.5)
"""Applicability range of the UT antenna height in m (Table 7.4.1-1)."""

UMI_H_BS = 10.0
"""The BS antenna height in m for which the table is given (Table 7.4.1-1)."""

UMI_FREQUENCY_RANGE = (0.5e9, 100e9)
"""Carrier frequencies in Hz that TR 38.901 covers."""

UMI_LOS_DISTANCE = 18.0
"""``d_2D`` in m up to which the UMi LOS probability is 1 (Table 7.4.2-1)."""

UMI_LOS_DECAY = 36.0
"""Decay length in m of the UMi LOS probability (Table 7.4.2-1)."""


def _real_array(name: str, value: Any, *, minimum: float, inclusive: bool) -> FloatArray:
    """``value`` as a finite float array (any shape) with every entry >= / > ``minimum``."""
    arr = validate.array(name, value, allow_negative=True)
    bad = arr < minimum if inclusive else arr <= minimum
    if np.any(bad):
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        raise InvalidParameterError(
            f"{name} must be {bound} everywhere, got {float(arr[index])!r}" + (f" at index {index}" if index else "")
        )
    return np.asarray(arr, dtype=float)


def _los_array(los: Any) -> NDArray[np.bool_]:
    """``los`` as a bool array; only ``True``/``False`` (or numpy bools) are accepted."""
    arr = np.asarray(los)
    if arr.dtype.kind != "b":
        raise InvalidParameterError(f"los must be a bool or an array of bools, got {los!r} (dtype {arr.dtype})")
    return arr


def _check_range(name: str, value: FloatArray, low: float, high: float, unit: str) -> None:
    """Raise if any entry of ``value`` is outside ``[low, high]`` (the ``strict=True`` check)."""
    bad = (value < low) | (value > high)
    if np.any(bad):
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameterError(
            f"{name} must be in [{low:g}, {high:g}] {unit} (TR 38.901 Table 7.4.1-1 applicability range, "
            f"strict=True), got {float(value[index])!r}" + (f" at index {index}" if index else "")
        )


def umi_street_canyon(
    distance_2d: ArrayLike,
    frequency: ArrayLike,
    *,
    h_bs: ArrayLike = UMI_H_BS,
    h_ut: ArrayLike = 1.5,
    los: bool | ArrayLike = True,
    strict: bool = False,
) -> FloatArray:
    """Path loss in dB of the 3GPP UMi street-canyon model, TR 38.901 (V17.0.0) Table 7.4.1-1.

    With ``f_c`` the carrier in GHz, ``d_3D = sqrt(d_2D^2 + (h_BS - h_UT)^2)``
    and the breakpoint ``d'_BP = 4 h'_BS h'_UT f / c`` (Note 1; ``f`` in Hz,
    ``h' = h - h_E``, ``h_E = 1`` m, ``c`` = :data:`SPEED_OF_LIGHT`):

    - LOS: ``PL1 = 32.4 + 21 log10(d_3D) + 20 log10(f_c)`` for
      ``d_2D <= d'_BP``, else
      ``PL2 = 32.4 + 40 log10(d_3D) + 20 log10(f_c) - 9.5 log10(d'_BP^2 + (h_BS - h_UT)^2)``.
      The two agree at ``d_2D = d'_BP`` (there ``d_3D^2 = d'_BP^2 + (h_BS - h_UT)^2``).
    - NLOS: ``max(PL_LOS, PL'_NLOS)`` with
      ``PL'_NLOS = 35.3 log10(d_3D) + 22.4 + 21.3 log10(f_c) - 0.3 (h_UT - 1.5)``.

    No shadow fading is applied (its standard deviations are the
    ``UMI_SHADOW_FADING_STD_*`` constants of this module).

    Parameters
    ----------
    distance_2d : array_like
        Horizontal BS-UT distance ``d_2D`` in m (>= 0, finite).
    frequency : array_like
        Carrier frequency in Hz (> 0); the table's ``f_c`` in GHz is ``frequency / 1e9``.
    h_bs, h_ut : array_like
        BS and UT antenna heights in m (> ``h_E`` = 1 m). The table is given
        for ``h_BS = 10`` m and ``1.5 <= h_UT <= 22.5`` m.
    los : bool or array_like of bool
        True for line of sight (PL_LOS), False for NLOS.
    strict : bool
        Raise instead of extrapolating when a value lies outside the
        applicability range (see the module docstring).

    Returns
    -------
    numpy.ndarray
        The path loss in dB, broadcast over all the arguments (a 0-d array for
        scalar input).

    Raises
    ------
    InvalidParameterError
        Naming the argument: a negative / non-finite distance, a non-positive
        frequency, a height at or below 1 m, a non-bool ``los``, a zero 3-D
        distance, or (``strict=True``) a value outside the applicability range.

    """
    d2 = _real_array("distance_2d", distance_2d, minimum=0.0, inclusive=True)
    f = _real_array("frequency", frequency, minimum=0.0, inclusive=False)
    hb = _real_array("h_bs", h_bs, minimum=UMI_ENVIRONMENT_HEIGHT, inclusive=False)
    hu = _real_array("h_ut", h_ut, minimum=UMI_ENVIRONMENT_HEIGHT, inclusive=False)
    is_los = _los_array(los)
    strict = validate.boolean("strict", strict)
    try:
        d2, f, hb, hu, is_los = np.broadcast_arrays(d2, f, hb, hu, is_los)
    except ValueError as err:
        shapes = ", ".join(
            f"{n} {np.shape(v)}"
            for n, v in (("distance_2d", d2), ("frequency", f), ("h_bs", hb), ("h_ut", hu), ("los", is_los))
        )
        raise InvalidParameterError(f"arguments do not broadcast together: {shapes}") from err
    if strict:
        _check_range("distance_2d", d2, *UMI_DISTANCE_2D_RANGE, "m")
        _check_range("frequency", f, *UMI_FREQUENCY_RANGE, "Hz")
        _check_range("h_bs", hb, UMI_H_BS, UMI_H_BS, "m")
        _check_range("h_ut", hu, *UMI_H_UT_RANGE, "m")

    d3 = np.hypot(d2, hb - hu)
    if np.any(d3 <= 0):
        index = tuple(int(i) for i in np.argwhere(d3 <= 0)[0])
        raise InvalidParameterError(
            "distance_2d = 0 with h_bs == h_ut gives a zero 3-D distance, where the path loss is undefined"
            + (f" (at index {index})" if index else "")
        )
    fc_ghz = f / 1e9
    log_fc = np.log10(fc_ghz)
    log_d3 = np.log10(d3)
    d_bp = 4.0 * (hb - UMI_ENVIRONMENT_HEIGHT) * (hu - UMI_ENVIRONMENT_HEIGHT) * f / SPEED_OF_LIGHT
    pl1 = 32.4 + 21.0 * log_d3 + 20.0 * log_fc
    pl2 = 32.4 + 40.0 * log_d3 + 20.0 * log_fc - 9.5 * np.log10(d_bp**2 + (hb - hu) ** 2)
    pl_los = np.where(d2 <= d_bp, pl1, pl2)
    pl_nlos_prime = 35.3 * log_d3 + 22.4 + 21.3 * log_fc - 0.3 * (hu - 1.5)
    pl = np.where(is_los, pl_los, np.maximum(pl_los, pl_nlos_prime))
    return np.asarray(pl, dtype=float)


def umi_los_probability(distance_2d: ArrayLike) -> FloatArray:
    """LOS probability of an outdoor UT, UMi street canyon, TR 38.901 (V17.0.0) Table 7.4.2-1.

    ``Pr_LOS = 1`` for ``d_2D <= 18`` m, else
    ``18 / d_2D + exp(-d_2D / 36) (1 - 18 / d_2D)``. It does not depend on the
    UT height (the table derives it for h_BS = 10 m). Evaluated as
    ``18 / m + exp(-m / 36) (1 - 18 / m)`` with ``m = max(d_2D, 18)``, which is
    exactly 1 for ``d_2D <= 18`` and needs no division by a zero distance.

    Parameters
    ----------
    distance_2d : array_like
        Horizontal BS-UT distance in m (>= 0, finite).

    Returns
    -------
    numpy.ndarray
        Probabilities in (0, 1], the shape of ``distance_2d``.

    Raises
    ------
    InvalidParameterError
        For a negative or non-finite distance, naming ``distance_2d``.

    """
    d2 = _real_array("distance_2d", distance_2d, minimum=0.0, inclusive=True)
    m = np.maximum(d2, UMI_LOS_DISTANCE)
    ratio = UMI_LOS_DISTANCE / m
    return np.asarray(ratio + np.exp(-m / UMI_LOS_DECAY) * (1.0 - ratio), dtype=float)
