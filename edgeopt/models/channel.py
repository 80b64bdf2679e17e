"""Channel models shared by the problems: Shannon rates, dB helpers and the minimum-energy transmission.

Everything is in SI units: watts, hertz, W/Hz for the noise power spectral
density, linear power gains. dB and dBm appear only in the helpers here.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeopt.core.errors import InvalidParameterError
from edgeopt.solvers.lambert import priced_spectral_efficiency

FloatArray = NDArray[np.float64]


def db_to_linear(db: ArrayLike) -> FloatArray:
    """Power ratio in dB to a linear ratio: ``10 ** (db / 10)``."""
    return np.power(10.0, np.asarray(db, dtype=float) / 10.0)


def linear_to_db(ratio: ArrayLike) -> FloatArray:
    """Linear power ratio to dB."""
    return 10.0 * np.log10(np.asarray(ratio, dtype=float))


def dbm_to_watt(dbm: ArrayLike) -> FloatArray:
    """Power in dBm to watts."""
    return np.power(10.0, (np.asarray(dbm, dtype=float) - 30.0) / 10.0)


def watt_to_dbm(watt: ArrayLike) -> FloatArray:
    """Power in watts to dBm."""
    return 10.0 * np.log10(np.asarray(watt, dtype=float)) + 30.0


def dbm_per_hz_to_watt_per_hz(dbm_per_hz: ArrayLike) -> FloatArray:
    """Noise power spectral density in dBm/Hz (e.g. -174) to W/Hz."""
    return dbm_to_watt(dbm_per_hz)


def snr(power: ArrayLike, gain: ArrayLike, bandwidth: ArrayLike, noise_psd: ArrayLike) -> FloatArray:
    """Received SNR ``p * g / (N0 * B)`` (all arguments broadcast)."""
    return np.asarray(power, dtype=float) * np.asarray(gain, dtype=float) / (np.multiply(noise_psd, bandwidth))


def shannon_rate_nats(power: ArrayLike, gain: ArrayLike, bandwidth: ArrayLike, noise_psd: ArrayLike) -> FloatArray:
    """Shannon rate ``B ln(1 + p g / (N0 B))`` in nat/s (all arguments broadcast).

    Papers that print the rate with a natural logarithm and compare it with
    bit counts (e.g. Kilcioglu et al. 2021, eq. (5)) use this form.
    """
    return np.asarray(np.multiply(bandwidth, np.log1p(snr(power, gain, bandwidth, noise_psd))))


def shannon_rate_bits(power: ArrayLike, gain: ArrayLike, bandwidth: float, noise_psd: float) -> FloatArray:
    """Shannon rate ``B log2(1 + p g / (N0 B))`` in bit/s."""
    return shannon_rate_nats(power, gain, bandwidth, noise_psd) / np.log(2.0)


def perspective_rate_nats(
    time: ArrayLike, energy: ArrayLike, gain: ArrayLike, bandwidth: float, noise_psd: float
) -> FloatArray:
    """Data sent in ``time`` seconds with RF ``energy`` joules: ``t B ln(1 + E g / (t N0 B))``.

    This is the perspective of the concave function ``B ln(1 + E g / (N0 B))``
    and hence jointly concave in ``(t, E)``; it is the form that makes the
    energy-time transmission problems convex. ``t = 0`` gives 0.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(energy, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = t * bandwidth * np.log1p(e * np.asarray(gain, dtype=float) / (t * noise_psd * bandwidth))
    return np.where(t > 0, value, 0.0)


def power_for_rate_nats(
    data: ArrayLike, time: ArrayLike, gain: ArrayLike, bandwidth: float, noise_psd: float
) -> FloatArray:
    """RF power needed to send ``data`` (nats, i.e. the paper's 'bits') in ``time`` seconds.

    Inverts :func:`shannon_rate_nats`: ``p = (N0 B / g) (exp(D / (B t)) - 1)``.
    """
    spectral = np.asarray(data, dtype=float) / (bandwidth * np.asarray(time, dtype=float))
    return noise_psd * bandwidth / np.asarray(gain, dtype=float) * np.expm1(spectral)


def rayleigh_power_gain(rng: np.random.Generator, shape: int | tuple[int, ...]) -> FloatArray:
    """Samples of ``|h|^2`` for ``h ~ CN(0, 1)``: exponential with mean 1."""
    real = rng.standard_normal(shape)
    imag = rng.standard_normal(shape)
    return np.asarray((real * real + imag * imag) / 2.0, dtype=float)


def path_loss_gain(distance: ArrayLike, exponent: float, reference_distance: float) -> FloatArray:
    """Distance-power-law gain ``(d / d0) ** -exponent``, 1 at the reference distance ``d0``.

    Distances below ``d0`` are clamped to ``d0`` (the far-field law does not
    hold closer in), so the gain never exceeds 1.
    """
    d = np.maximum(np.asarray(distance, dtype=float), reference_distance)
    return np.asarray((d / reference_distance) ** -exponent, dtype=float)


def grid_trajectory(waypoints: ArrayLike, step: float = 1.0) -> FloatArray:
    """Points every ``step`` metres along straight segments between 2-D ``waypoints`` (shape (n, 2)).

    The client of paper 000, Fig. 4(a), moves on a grid; the waypoints are the
    grid corners it turns at. The last waypoint is included.
    """
    w = np.asarray(waypoints, dtype=float)
    if w.ndim != 2 or w.shape[1] != 2 or w.shape[0] < 2:
        raise InvalidParameterError(f"waypoints must have shape (n >= 2, 2), got {w.shape}")
    points = []
    for start, end in zip(w[:-1], w[1:], strict=True):
        n = max(int(np.ceil(np.linalg.norm(end - start) / step)), 1)
        fractions = np.arange(n) / n
        points.append(start + fractions[:, None] * (end - start))
    points.append(w[-1:])
    return np.concatenate(points)


def trajectory_gains(
    positions: ArrayLike,
    server: ArrayLike,
    exponent: float,
    reference_distance: float,
    rng: np.random.Generator | None = None,
) -> FloatArray:
    """Channel power gains along a trajectory: path loss times Rayleigh fading ``|CN(0,1)|^2``.

    ``rng=None`` gives the path-loss gains alone (no fading).
    """
    p = np.asarray(positions, dtype=float)
    distance = np.linalg.norm(p - np.asarray(server, dtype=float), axis=-1)
    gain = path_loss_gain(distance, exponent, reference_distance)
    if rng is None:
        return gain
    return gain * rayleigh_power_gain(rng, gain.shape)


# Minimum-energy transmission of a fixed payload under a deadline, with circuit power (closed form).
#
# Minimum-energy transmission of a fixed payload under a deadline, with circuit power (closed form).
#
# Sending ``b`` bits over a flat channel of bandwidth ``W``, gain ``g`` and
# noise density ``N0`` in time ``t`` needs the power
# ``P(t) = (N0 W / g) (exp(a / t) - 1)`` with ``a = b ln 2 / W`` (Shannon,
# ``b = t W log2(1 + P g / (N0 W))`` solved for ``P``). With a transmitter
# circuit power ``P_c`` the energy is
#
# .. math:: E(t) = (P(t) + P_c) t = (N_0 W / g)\\, t\\,(e^{a/t} - 1) + P_c t,
#
# the perspective of ``exp`` plus a linear term, hence convex in ``t``
# (``E'' = (N0 W / g) a^2 e^{a/t} / t^3 > 0``). Its stationary point: with the
# spectral efficiency ``x = a / t`` (nat/s/Hz),
#
# .. math:: E'(t) = (N_0 W / g) [e^x - 1 - x e^x] + P_c = 0
#           \\iff (x - 1) e^x + 1 = P_c g / (N_0 W),
#
# the equation :func:`~edgeopt.solvers.lambert.priced_spectral_efficiency`
# solves (``x = 1 + W_0((y - 1)/e)``). The constraints ``t <= T`` (deadline)
# and ``P(t) <= P_max``, i.e. ``t >= t_min = a / ln(1 + P_max g / (N0 W))``,
# make the optimum the stationary point clipped to ``[t_min, T]``; the
# problem is infeasible when ``t_min > T``. Without circuit power (``P_c = 0``)
# the stationary point is at ``t = inf`` and the whole deadline is used.


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
