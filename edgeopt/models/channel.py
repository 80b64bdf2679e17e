"""Channel models shared by the problems: Shannon rates, dB helpers, the UMi link budget, minimum-energy transmission.

Everything is in SI units: watts, hertz, W/Hz for the noise power spectral
density, linear power gains. dB and dBm appear only in the helpers here (and
as the path loss of :mod:`edgeopt.models.pathloss`, which the link budget
converts).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.pathloss import umi_los_probability, umi_street_canyon
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


# The link budget of paper 001 (Chukhno et al. 2023, Sec. 4.1): 3GPP UMi street canyon, arrays at both ends.


LOS_MODES = ("los", "nlos", "expected")
"""The values of ``los`` accepted by :func:`umi_link_rate`."""


def array_gain_db(n_elements: ArrayLike) -> FloatArray:
    """Ideal coherent beamforming gain ``10 log10(N)`` in dB of an ``N``-element array.

    The model choice behind it: one data stream, ideal beam steering towards
    the other end (matched-filter transmit / maximum-ratio receive weights on a
    line-of-sight-like rank-one channel, so the ``N`` element signals add in
    phase and the SNR grows by ``N``), isotropic elements with no element gain
    (TR 38.901 Table 7.3-1's 8 dBi element pattern is not applied), no
    polarisation, steering or quantisation loss. It is an upper bound on what
    an analog beam achieves. A 4x4 array (``N = 16``) gives 12.04 dB.

    Parameters
    ----------
    n_elements : int or array_like of int
        Number of antenna elements (>= 1); floats and bools are rejected.

    Returns
    -------
    numpy.ndarray
        The gain in dB (>= 0), the shape of ``n_elements``.

    Raises
    ------
    InvalidParameterError
        If an entry is not an integer >= 1, naming ``n_elements``.

    """
    arr = np.asarray(n_elements)
    if arr.dtype.kind not in "iu" or (arr.size and np.min(arr) < 1):
        raise InvalidParameterError(f"n_elements must be an integer (or integer array) >= 1, got {n_elements!r}")
    return np.asarray(10.0 * np.log10(arr.astype(float)), dtype=float)


def umi_link_rate(
    distance_2d: ArrayLike,
    *,
    tx_power: float,
    bandwidth: float,
    frequency: float,
    tx_elements: int,
    rx_elements: int,
    noise_psd: float,
    noise_figure_db: float,
    los: str = "expected",
    h_bs: float = 10.0,
    h_ut: float = 1.5,
) -> FloatArray:
    """Shannon rate in bit/s of a UMi street-canyon link with ideal beamforming at both ends.

    The link budget (all linear, SI)

    .. math:: \\mathrm{SNR} = \\frac{P\\, G_{tx} G_{rx}}{PL \\cdot NF \\cdot N_0 B}, \\qquad
              R = B \\log_2(1 + \\mathrm{SNR}),

    with ``PL`` the TR 38.901 Table 7.4.1-1 loss of
    :func:`~edgeopt.models.pathloss.umi_street_canyon`,
    ``G = N`` (:func:`array_gain_db`) at each end and ``NF`` the receiver's
    noise figure. The rate is :func:`shannon_rate_bits` with the gain
    ``G_tx G_rx / PL`` and the noise density ``NF N_0``.

    Paper 001 (Sec. 4.1) gives 3.5 GHz, 100 MHz, 23 dBm at the BS, 10 dBm at
    the device, 4x4 arrays at both ends, UMi street canyon and -174 dBm/Hz,
    and none of the choices below; they are ours:

    - **Array gain**: ideal coherent gain ``10 log10(N)`` per end, one stream
      (see :func:`array_gain_db`); no MIMO multiplexing.
    - **Noise figure**: an argument (the paper gives none); 5 dB at a BS and
      9 dB at a device are common 3GPP evaluation values. Pass the
      *receiver's*: the device's on the downlink, the BS's on the uplink.
    - **LOS state** ``los``: ``"los"`` (always LOS), ``"nlos"`` (always
      NLOS) or ``"expected"``: the rate averaged over the LOS state with the
      probability ``p`` of Table 7.4.2-1 (:func:`~edgeopt.models.pathloss.umi_los_probability`),
      ``p R_LOS + (1 - p) R_NLOS``. This is the mean rate over devices dropped
      at that distance; it is not the rate at the mean path loss in dB (the
      ``p PL_LOS + (1 - p) PL_NLOS`` of some system simulators), which is lower
      by Jensen's inequality, since the rate is convex in the loss in dB.
    - **No shadow fading, no fast fading**, full bandwidth to one link, no
      interference, no overheads (a Shannon bound), and the path loss
      extrapolated outside 10 m-5 km as :mod:`edgeopt.models.pathloss` documents.

    Defaults for the offload problem live in its scenario TOML, not here.

    Parameters
    ----------
    distance_2d : array_like
        Horizontal BS-device distances in m (>= 0).
    tx_power : float
        Transmit power ``P`` in W (> 0).
    bandwidth : float
        ``B`` in Hz (> 0).
    frequency : float
        Carrier frequency in Hz (> 0).
    tx_elements, rx_elements : int
        Array sizes ``N`` at the transmitter and the receiver (>= 1).
    noise_psd : float
        Thermal noise density ``N_0`` in W/Hz (> 0), e.g.
        ``dbm_per_hz_to_watt_per_hz(-174)``.
    noise_figure_db : float
        Receiver noise figure in dB (>= 0).
    los : {"expected", "los", "nlos"}
        LOS handling, as above.
    h_bs, h_ut : float
        Antenna heights in m (> 1 m; the table's values are 10 and 1.5-22.5).

    Returns
    -------
    numpy.ndarray
        Rates in bit/s, the shape of ``distance_2d``.

    Raises
    ------
    InvalidParameterError
        Naming the argument that is out of range or of the wrong type.

    """
    p = validate.positive_scalar("tx_power", tx_power)
    b = validate.positive_scalar("bandwidth", bandwidth)
    f = validate.positive_scalar("frequency", frequency)
    n0 = validate.positive_scalar("noise_psd", noise_psd)
    nf_db = validate.number("noise_figure_db", noise_figure_db, minimum=0.0)
    n_tx = validate.integer("tx_elements", tx_elements, minimum=1)
    n_rx = validate.integer("rx_elements", rx_elements, minimum=1)
    hb = validate.positive_scalar("h_bs", h_bs)
    hu = validate.positive_scalar("h_ut", h_ut)
    if not isinstance(los, str) or los not in LOS_MODES:
        raise InvalidParameterError(f"los must be one of {', '.join(map(repr, LOS_MODES))}, got {los!r}")

    array_gain = db_to_linear(array_gain_db(n_tx) + array_gain_db(n_rx))
    noise = n0 * float(db_to_linear(nf_db))

    def rate(line_of_sight: bool) -> FloatArray:
        loss_db = umi_street_canyon(distance_2d, f, h_bs=hb, h_ut=hu, los=line_of_sight)
        return shannon_rate_bits(p, array_gain * db_to_linear(-loss_db), b, noise)

    if los == "los":
        return np.asarray(rate(True), dtype=float)
    if los == "nlos":
        return np.asarray(rate(False), dtype=float)
    p_los = umi_los_probability(distance_2d)
    return np.asarray(p_los * rate(True) + (1.0 - p_los) * rate(False), dtype=float)


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
