"""Minimum-energy transmission of a fixed payload under a deadline, with circuit power (closed form).

Sending ``b`` bits over a flat channel of bandwidth ``W``, gain ``g`` and
noise density ``N0`` in time ``t`` needs the power
``P(t) = (N0 W / g) (exp(a / t) - 1)`` with ``a = b ln 2 / W`` (Shannon,
``b = t W log2(1 + P g / (N0 W))`` solved for ``P``). With a transmitter
circuit power ``P_c`` the energy is

.. math:: E(t) = (P(t) + P_c) t = (N_0 W / g)\\, t\\,(e^{a/t} - 1) + P_c t,

the perspective of ``exp`` plus a linear term, hence convex in ``t``
(``E'' = (N0 W / g) a^2 e^{a/t} / t^3 > 0``). Its stationary point: with the
spectral efficiency ``x = a / t`` (nat/s/Hz),

.. math:: E'(t) = (N_0 W / g) [e^x - 1 - x e^x] + P_c = 0
          \\iff (x - 1) e^x + 1 = P_c g / (N_0 W),

the equation :func:`~edgeopt.solvers.lambert.priced_spectral_efficiency`
solves (``x = 1 + W_0((y - 1)/e)``). The constraints ``t <= T`` (deadline)
and ``P(t) <= P_max``, i.e. ``t >= t_min = a / ln(1 + P_max g / (N0 W))``,
make the optimum the stationary point clipped to ``[t_min, T]``; the
problem is infeasible when ``t_min > T``. Without circuit power (``P_c = 0``)
the stationary point is at ``t = inf`` and the whole deadline is used.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from edgeopt.solvers.lambert import priced_spectral_efficiency


class Transmission(NamedTuple):
    """Result of :func:`min_energy_transmission`, arrays broadcast over the inputs."""

    power: np.ndarray
    time: np.ndarray
    energy: np.ndarray
    feasible: np.ndarray


def min_energy_transmission(
    bits: ArrayLike,
    gain: ArrayLike,
    bandwidth: float,
    noise_psd: float,
    circuit_power: float,
    deadline: ArrayLike,
    p_max: float,
) -> Transmission:
    """Minimise ``(P + P_c) t`` to send ``bits`` within ``deadline`` at power at most ``p_max``.

    Parameters
    ----------
    bits : array_like
        Payload in bits (>= 0); 0 bits cost nothing.
    gain : array_like
        Channel power gains (> 0).
    bandwidth, noise_psd : float
        ``W`` in Hz and ``N0`` in W/Hz.
    circuit_power : float
        ``P_c`` in W (>= 0), drawn while transmitting.
    deadline : array_like
        Time budget ``T`` in s for the transmission.
    p_max : float
        Power cap in W.

    Returns
    -------
    Transmission
        ``power``, ``time``, ``energy`` (J) and ``feasible``; infeasible
        entries have ``energy = inf`` and ``time = t_min``, ``power = p_max``.

    """
    b, g, deadline_arr = np.broadcast_arrays(
        np.asarray(bits, dtype=float), np.asarray(gain, dtype=float), np.asarray(deadline, dtype=float)
    )
    scale = noise_psd * bandwidth / g
    a = b * np.log(2.0) / bandwidth
    x_cap = np.log1p(p_max / scale)
    t_min = a / x_cap
    x_star = priced_spectral_efficiency(circuit_power / scale)
    with np.errstate(divide="ignore"):
        t_star = np.where(x_star > 0, a / x_star, np.inf)
    t = np.clip(t_star, t_min, deadline_arr)
    feasible = t_min <= deadline_arr
    nothing = b == 0
    # Infeasible entries (t = t_min > T clipped to T) may overflow; they are replaced below.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = np.where(nothing, 0.0, scale * np.expm1(a / t))
    time = np.where(nothing, 0.0, t)
    energy = np.where(feasible, (power + circuit_power) * time, np.inf)
    power = np.where(feasible, power, p_max)
    time = np.where(feasible, time, t_min)
    return Transmission(power, time, energy, feasible)
