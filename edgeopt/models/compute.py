"""Computation models shared by the problems: CMOS dynamic energy."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def cpu_cycles(cycles_per_op: ArrayLike, operations: ArrayLike) -> FloatArray:
    """CPU cycles ``c * N`` to run ``N`` operations at ``c`` cycles each."""
    return np.asarray(cycles_per_op, dtype=float) * np.asarray(operations, dtype=float)


def cmos_energy(kappa: ArrayLike, cycles: ArrayLike, time: ArrayLike) -> FloatArray:
    """Dynamic CMOS energy to run ``cycles`` in ``time`` seconds: ``kappa C^3 / t^2``.

    A CPU at frequency ``v`` spends ``kappa v^2`` joules per cycle (low-voltage
    regime, voltage proportional to frequency). Running ``C = c N`` cycles in
    time ``t`` at the constant frequency ``v = C / t`` therefore costs
    ``kappa C v^2 = kappa C^3 / t^2``: Kilcioglu et al. (2021), eq. (12),
    with ``C = c_k N^MAC``. ``t = 0`` with ``C = 0`` costs 0.
    """
    c = np.asarray(cycles, dtype=float)
    t = np.asarray(time, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        energy = np.asarray(kappa, dtype=float) * c**3 / t**2
    return np.where(c > 0, energy, 0.0)


def cmos_energy_per_cycle(kappa: ArrayLike, frequency: ArrayLike) -> FloatArray:
    """Energy per cycle ``kappa v^2`` at CPU frequency ``v``."""
    return np.asarray(kappa, dtype=float) * np.asarray(frequency, dtype=float) ** 2
