"""The NOMA multi-cell split-inference model of paper 003: parameters, rates, utility and its gradient.

``U`` single-antenna users in the cells of ``N`` single-antenna access points
(APs) each run layers ``1..s`` of a DNN and offload layers ``s+1..F`` to
their AP: the features go up, the result comes down, both over NOMA
subchannels. The bandwidth ``B`` is split into ``M`` subchannels of
``b = B / M``, reused in every cell. Every quantity is in SI units: seconds,
joules, watts, hertz, bits, CPU cycles.

Readings of the paper's garbled formulas (ours; the numbers are the paper's)
----------------------------------------------------------------------------
**Topology (Sec. III).** A user joins the AP of largest *average* gain; with
unit-mean Rayleigh fading that is the AP of largest path-loss gain, the
nearest one. ``gain_up[i, n, m] = g0 (d_in / d0)^-alpha |h|^2`` is the power
gain from user ``i`` to AP ``n`` on subchannel ``m``; ``gain_dn`` the gain
from AP ``n`` to user ``i``, with an independent fading draw. At most
``cluster_cap`` users of one AP share a subchannel (Sec. VI: 3, read per AP
since 3 x 250 subchannels < 1250 users). Every user holds one uplink and one
downlink subchannel, (18.e)-(18.f), whatever its split.

**Relaxed allocation.** ``beta[i, m]`` in [0, 1], ``sum_m beta[i, m] = 1``
per user and direction. The interferers of (5) and (8) are weighted by their
own ``beta``, so at a 0/1 point every formula below is the paper's.

**Uplink (5)-(7).** AP ``n`` decodes its cluster on ``m`` by SIC in
*descending* own-gain order: user ``i`` is decoded while every weaker user of
its cell on ``m`` is still present, and every user of another cell on ``m``
interferes through its gain to AP ``n``:

.. math:: \\Upsilon_i^m = \\frac{p_i g_{i,a_i}^m}
    {\\sum_{j \\in a_i, g_j^m < g_i^m} \\beta_j^m p_j g_{j,a_i}^m
     + \\sum_{j \\notin a_i} \\beta_j^m p_j g_{j,a_i}^m + \\sigma^2},
    \\qquad R_i = \\sum_m \\beta_i^m b \\log_2(1 + \\Upsilon_i^m),

``sigma^2 = N0 b`` and ``T_up = w_s / R_i`` (7). A user whose split sends
nothing (``s = F``) is silent: it neither transmits nor interferes.

**Downlink (8)-(10).** Superposition coding; users decode in *ascending*
gain order, so user ``i`` removes the weaker users' signals and hears the
stronger users' signals through its own gain (the printed ``|H_{j,q}|^2`` is
a typo for ``|H_{j,i}|^2``), plus every other AP's total power on ``m``
through that AP's gain to user ``i``:

.. math:: \\Psi_i^m = \\frac{P_i H_i^m}{H_i^m \\sum_{j \\in a_i, H_j^m > H_i^m} \\beta_j^m P_j
     + \\sum_{l \\ne a_i} G_{i,l}^m \\sum_{j \\in l} \\beta_j^m P_j + \\sigma^2},
    \\qquad \\Phi_i = \\sum_m \\beta_i^m b \\log_2(1 + \\Psi_i^m),

``T_dn = m_i / Phi_i`` (10). Both decoding orders follow the gains, fixed
for an instance (ties broken by user index), never the decision variables.

**Compute (1)-(4), (13), (16).** The paper's (2) and (4) give constant costs
per layer type; we use the per-layer FLOP profile instead
(``layer_flops``, one entry per split unit). With ``f_d(s)`` the FLOPs of
units ``1..s`` and ``f_e(s)`` those of ``s+1..F``, ``phi`` cycles per FLOP
and CPU speeds in cycles/s, the one unit convention we use is

.. math:: T_{dev} = \\frac{\\phi_d f_d(s)}{c_i},\\quad
          E_{dev} = \\xi_d c_i^2 \\phi_d f_d(s),\\quad
          T_{srv} = \\frac{\\phi_e f_e(s)}{\\lambda(r_i) c_{min}},\\quad
          E_{srv} = \\xi_e (\\lambda(r_i) c_{min})^2 \\phi_e f_e(s).

(The printed (1) divides FLOPs by a FLOP rate and (13) multiplies a cycle
count by ``c^2``: they agree when the FLOP rate is ``c_i / phi_d``. The
printed (16) uses ``f_{d_l}``; it means ``f_{e_l}``.) The compensation
function is ``lambda(r) = r ** speedup_exponent``: increasing, convex and
smooth, ``lambda(1) = 1`` and, for an exponent above 1, ``lambda(r) > r``
for ``r > 1`` (the paper's multicore case; exponent 1 is its single-core
case).

**Energy (14), (15), (17).** ``E_up = p_i w_s / R_i`` (device) and
``E_dn = P_i m_i / Phi_i`` (AP); ``E_i = E_dev + E_up + E_srv + E_dn``. The
paper's 50 dBm edge circuit power enters no equation, and none here.

**Utility (19)-(22).** ``U = sum_i w_T T_i + w_E E_i`` with ``w_T + w_E =
1``, a sum of seconds and joules as in the paper. For a common split it
separates into an uplink part (``beta_up``, ``p``), a downlink part
(``beta_dn``, ``P``) and a compute part (``r``), each independent of the
others; a link part is ``sum_i bits_i (w_T + w_E q_i) / R_i`` with ``q`` the
link's transmit power.

The split ``s`` runs over ``0..F``: ``s = 0`` uploads the raw input
(Edge-Only), ``s = F`` runs everything on the device and sends nothing
(Device-Only).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import array, integer, number

LN2 = math.log(2.0)
ACCESS_MODES = ("noma", "oma")

# Allowed ranges of the fields of NomaParams, stated once (the error messages quote them):
#
# ===================================  ===============  ===============================================
# field                                range            reason
# ===================================  ===============  ===============================================
# bandwidth, noise_psd, path-loss      [1e-30, 1e30]    SI units; 30 decades either side keep every
# reference, speeds, kappas, cycles                     product the model forms inside float64
# per FLOP, powers, result_bits
# pathloss_exponent                    [0, 10]          free space is 2, the paper's 5
# fading_up, fading_dn                 [1e-30, 1e30]    power gains of a fading draw (unit mean)
# positions                            |x| <= 1e7 m     any layout on Earth
# layer_flops, feature_bits            [0, 1e30]        counts of the network
# w_T, w_E                             [0, 1], sum 1    (19): a convex combination
# r_min <= r_max                       [1e-6, 1e6]      compute units (continuous, Sec. III-C)
# speedup_exponent                     [1, 4]           lambda(r) = r**gamma convex, lambda(r) >= r
# cluster_cap                          integer >= 1     Sec. VI: 3
# access                               "noma" / "oma"   OMA: one user per subchannel network-wide
# ===================================  ===============  ===============================================
SCALAR_RANGE = (1e-30, 1e30)
POSITION_LIMIT = 1e7
R_RANGE = (1e-6, 1e6)
EXPONENT_RANGE = (1.0, 4.0)
WEIGHT_SUM_TOL = 1e-9
# Relative constraint slack allowed in a decision before it is called invalid: the boxes of p, P and r are
# met by projection exactly, so this only absorbs a user's own rounding when it writes a decision by hand.
BOX_TOL = 1e-9

_POSITIVE_SCALARS = (
    "bandwidth",
    "noise_psd",
    "reference_distance",
    "reference_gain",
    "result_bits",
    "device_cycles_per_flop",
    "device_kappa",
    "edge_unit_speed",
    "edge_cycles_per_flop",
    "edge_kappa",
    "device_power_max",
    "ap_power_max",
)


@dataclass(frozen=True)
class NomaParams:
    """Inputs of the NOMA split-inference problem (SI units; bits, FLOPs, cycles).

    Attributes
    ----------
    ap_positions : array (N, 2)
        AP coordinates in metres.
    user_positions : array (U, 2)
        User coordinates in metres.
    fading_up, fading_dn : array (U, N, M)
        Small-scale power gains (unit mean for Rayleigh) of the link between
        user ``i`` and AP ``n`` on subchannel ``m``: uplink (user to AP) and
        downlink (AP to user), independent draws. ``M`` is their last axis.
    layer_flops : array (F,)
        FLOPs of split units ``1..F`` (:func:`edgeopt.problems.noma.scenarios.split_profile`).
    feature_bits : array (F,)
        ``w_s``: bits uploaded at split ``s = 0..F-1`` (``w_0``, the raw input).
        Split ``F`` uploads nothing.
    result_bits : float
        ``m_i``: bits of the inference result sent down (every user).
    device_speed : array (U,)
        ``c_i``, device CPU speed in cycles/s.
    bandwidth, noise_psd : float
        ``B`` (Hz) shared by the ``M`` subchannels; ``N0`` (W/Hz).
    pathloss_exponent, reference_distance, reference_gain : float
        Gain ``reference_gain * (d / reference_distance) ** -pathloss_exponent``,
        distances below ``reference_distance`` clamped (:func:`edgeopt.models.channel.path_loss_gain`).
    device_power_min, device_power_max : float
        Box of the uplink powers ``p_i`` (W), (18.c).
    ap_power_min, ap_power_max : float
        Box of the downlink powers ``P_i`` (W), (18.c).
    device_cycles_per_flop, device_kappa : float
        ``phi_d`` (cycles/FLOP) and ``xi_d`` (J s^2 / cycle^3) of the devices.
    edge_unit_speed, edge_cycles_per_flop, edge_kappa : float
        ``c_min`` (cycles/s of one compute unit), ``phi_e`` and ``xi_e`` of the edge.
    r_min, r_max : float
        Box of the compute units ``r_i`` (continuous), (18.d).
    speedup_exponent : float
        ``gamma`` of the compensation function ``lambda(r) = r ** gamma``.
    w_T, w_E : float
        Weights of latency (s) and energy (J) in the utility (19), summing to 1.
    cluster_cap : int
        Most users of one AP on one subchannel (NOMA).
    access : str
        ``"noma"`` (the paper) or ``"oma"`` (one user per subchannel in the whole network, no reuse).
    profile_name : str
        The DNN the profile came from, for reports.

    """

    ap_positions: np.ndarray
    user_positions: np.ndarray
    fading_up: np.ndarray
    fading_dn: np.ndarray
    layer_flops: np.ndarray
    feature_bits: np.ndarray
    device_speed: np.ndarray
    result_bits: float = 320.0
    bandwidth: float = 10e6
    noise_psd: float = 10 ** (-174 / 10) * 1e-3
    pathloss_exponent: float = 5.0
    reference_distance: float = 1.0
    reference_gain: float = 1e-4
    device_power_min: float = 1e-3
    device_power_max: float = 10 ** (25 / 10) * 1e-3
    ap_power_min: float = 1e-3
    ap_power_max: float = 1.0
    device_cycles_per_flop: float = 1.0
    device_kappa: float = 1e-27
    edge_unit_speed: float = 2e9
    edge_cycles_per_flop: float = 1.0
    edge_kappa: float = 1e-28
    r_min: float = 1.0
    r_max: float = 8.0
    speedup_exponent: float = 1.2
    w_T: float = 0.5  # noqa: N815 - the paper's symbols (19)
    w_E: float = 0.5  # noqa: N815
    cluster_cap: int = 3
    access: str = "noma"
    profile_name: str = field(default="", metadata={"free_text": True})

    def __post_init__(self) -> None:
        """Validate every field (ranges in the table above); arrays are stored read-only."""
        aps = array("ap_positions", self.ap_positions, allow_negative=True, ndim=2, maximum=POSITION_LIMIT)
        if aps.shape[0] < 1 or aps.shape[1] != 2:
            raise InvalidParameterError(f"ap_positions must have shape (N, 2) with N >= 1, got {aps.shape}")
        if np.any(aps < -POSITION_LIMIT):
            raise InvalidParameterError(f"ap_positions must be within +-{POSITION_LIMIT:g} m")
        n_aps = aps.shape[0]
        users = array("user_positions", self.user_positions, allow_negative=True, ndim=2, maximum=POSITION_LIMIT)
        if users.shape[0] < 1 or users.shape[1] != 2:
            raise InvalidParameterError(f"user_positions must have shape (U, 2) with U >= 1, got {users.shape}")
        if np.any(users < -POSITION_LIMIT):
            raise InvalidParameterError(f"user_positions must be within +-{POSITION_LIMIT:g} m")
        n_users = users.shape[0]
        up = array("fading_up", self.fading_up, ndim=3, maximum=SCALAR_RANGE[1])
        if up.shape[:2] != (n_users, n_aps) or up.shape[2] < 1:
            raise InvalidParameterError(
                f"fading_up must have shape (U, N, M) = ({n_users}, {n_aps}, M) with M >= 1, got {up.shape}"
            )
        n_sub = up.shape[2]
        dn = array("fading_dn", self.fading_dn, [up.shape], maximum=SCALAR_RANGE[1])
        for name, value in (("fading_up", up), ("fading_dn", dn)):
            if np.any(value < SCALAR_RANGE[0]):
                raise InvalidParameterError(f"{name} must be >= {SCALAR_RANGE[0]:g} everywhere")
        flops = array("layer_flops", self.layer_flops, allow_zero=True, ndim=1, maximum=SCALAR_RANGE[1])
        if flops.shape[0] < 1:
            raise InvalidParameterError("layer_flops must have at least one split unit (F >= 1)")
        n_units = flops.shape[0]
        bits = array("feature_bits", self.feature_bits, [(n_units,)], maximum=SCALAR_RANGE[1])
        speed = array("device_speed", self.device_speed, [(n_users,)], maximum=SCALAR_RANGE[1])
        if np.any(speed < SCALAR_RANGE[0]):
            raise InvalidParameterError(f"device_speed must be >= {SCALAR_RANGE[0]:g} everywhere")
        for name, checked in (
            ("ap_positions", aps),
            ("user_positions", users),
            ("fading_up", up),
            ("fading_dn", dn),
            ("layer_flops", flops),
            ("feature_bits", bits),
            ("device_speed", speed),
        ):
            object.__setattr__(self, name, checked)
        for name in _POSITIVE_SCALARS:
            scalar = number(name, getattr(self, name), minimum=SCALAR_RANGE[0], maximum=SCALAR_RANGE[1])
            object.__setattr__(self, name, scalar)
        for low, high in (("device_power_min", "device_power_max"), ("ap_power_min", "ap_power_max")):
            top = getattr(self, high)
            bottom = number(low, getattr(self, low), minimum=SCALAR_RANGE[0], maximum=top)
            object.__setattr__(self, low, bottom)
        object.__setattr__(
            self, "pathloss_exponent", number("pathloss_exponent", self.pathloss_exponent, minimum=0.0, maximum=10.0)
        )
        r_max = number("r_max", self.r_max, minimum=R_RANGE[0], maximum=R_RANGE[1])
        object.__setattr__(self, "r_max", r_max)
        object.__setattr__(self, "r_min", number("r_min", self.r_min, minimum=R_RANGE[0], maximum=r_max))
        gamma = number("speedup_exponent", self.speedup_exponent, minimum=EXPONENT_RANGE[0], maximum=EXPONENT_RANGE[1])
        object.__setattr__(self, "speedup_exponent", gamma)
        w_t = number("w_T", self.w_T, minimum=0.0, maximum=1.0)
        w_e = number("w_E", self.w_E, minimum=0.0, maximum=1.0)
        if abs(w_t + w_e - 1.0) > WEIGHT_SUM_TOL:
            raise InvalidParameterError(f"w_T + w_E must be 1 (19), got w_T={w_t!r}, w_E={w_e!r}")
        object.__setattr__(self, "w_T", w_t)
        object.__setattr__(self, "w_E", w_e)
        object.__setattr__(self, "cluster_cap", integer("cluster_cap", self.cluster_cap, minimum=1))
        if not isinstance(self.access, str) or self.access not in ACCESS_MODES:
            raise InvalidParameterError(f"access must be one of {ACCESS_MODES}, got {self.access!r}")
        if not isinstance(self.profile_name, str):
            raise InvalidParameterError(f"profile_name must be a string, got {self.profile_name!r}")
        del n_sub

    # ------------------------------------------------------------------ sizes
    @property
    def n_users(self) -> int:
        """``U``."""
        return int(self.user_positions.shape[0])

    @property
    def n_aps(self) -> int:
        """``N``."""
        return int(self.ap_positions.shape[0])

    @property
    def n_subchannels(self) -> int:
        """``M``."""
        return int(self.fading_up.shape[2])

    @property
    def n_units(self) -> int:
        """``F``, the split units; splits run over ``0..F``."""
        return int(self.layer_flops.shape[0])

    @property
    def subchannel_bandwidth(self) -> float:
        """``b = B / M``."""
        return self.bandwidth / self.n_subchannels

    @property
    def noise_power(self) -> float:
        """``sigma^2 = N0 b``, the noise power on one subchannel (W)."""
        return self.noise_psd * self.subchannel_bandwidth


# ---------------------------------------------------------------------------------------------- channel
@dataclass(frozen=True)
class LinkGains:
    """The instance's gains and the fixed SIC orders, computed once per solve (:func:`link_gains`).

    Attributes
    ----------
    cell : array of int (U,)
        ``a_i``, the AP of largest path-loss gain (the nearest).
    up, dn : array (U, N, M)
        Power gains user ``i`` -> AP ``n`` and AP ``n`` -> user ``i`` on subchannel ``m``.
    own_up, own_dn : array (U, M)
        The gains to and from the user's own AP.
    cross_up, cross_dn : array (U, N, M)
        ``up`` and ``dn`` with the own AP's entries zeroed: the inter-cell links only, so that an
        inter-cell sum is formed directly and never as a total minus the (much larger) own-cell part.
    sic_up, sic_dn : SicOrder
        The fixed SIC orders of the two directions (by own gain inside each cell).
    cell_onehot : array (U, N)
        1 at ``(i, a_i)``: per-AP sums of the users' terms are an einsum with it.

    """

    cell: np.ndarray
    up: np.ndarray
    dn: np.ndarray
    own_up: np.ndarray
    own_dn: np.ndarray
    cross_up: np.ndarray
    cross_dn: np.ndarray
    sic_up: SicOrder
    sic_dn: SicOrder
    cell_onehot: np.ndarray


def pathloss(params: NomaParams) -> np.ndarray:
    """Large-scale power gains ``(U, N)``: ``g0 (d / d0)^-alpha`` with ``d`` clamped at ``d0``."""
    from edgeopt.models.channel import path_loss_gain

    delta = params.user_positions[:, None, :] - params.ap_positions[None, :, :]
    distance = np.hypot(delta[..., 0], delta[..., 1])
    return params.reference_gain * path_loss_gain(distance, params.pathloss_exponent, params.reference_distance)


def association(params: NomaParams) -> np.ndarray:
    """``a_i``: each user's AP, the one of largest average (path-loss) gain; ties to the lower index."""
    return np.asarray(np.argmax(pathloss(params), axis=1), dtype=np.int64)


@dataclass(frozen=True)
class SicOrder:
    """One direction's SIC order as gather / scatter indices, computed once (:func:`link_gains`).

    Per AP and subchannel the users of the cell are ranked by ascending own gain (ties by index): the
    users ranked below a user are the weaker ones. ``index[n, k, m]`` is the flat ``(U, M)`` position of
    the rank-``k`` user of AP ``n`` on ``m`` (``U * M``, a zero pad, past the cell's size);
    ``inverse[u * M + m]`` is the flat position of user ``u`` on ``m`` in that ``(N, K, M)`` layout.
    The prefix sums run inside each cell, so a small sum is never the difference of two
    large ones (a single running sum over all cells would lose it to cancellation).
    """

    index: np.ndarray
    inverse: np.ndarray
    shape: tuple[int, int]


def sic_order(cell: np.ndarray, own: np.ndarray, n_aps: int) -> SicOrder:
    """The SIC order of a direction from the association and the own gains ``(U, M)``."""
    n, m = own.shape
    by_gain = np.argsort(own, axis=0, kind="stable")  # (U, M): ascending gain, ties by index
    by_cell = np.argsort(cell[by_gain], axis=0, kind="stable")  # stable: keeps the gain order inside a cell
    order = np.take_along_axis(by_gain, by_cell, axis=0)
    counts = np.bincount(cell, minlength=n_aps)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sorted_cell = cell[order]  # (U, M)
    rank = np.arange(n)[:, None] - starts[sorted_cell]
    size = int(counts.max())
    index = np.full((n_aps, size, m), n * m, dtype=np.int64)
    columns = np.broadcast_to(np.arange(m)[None, :], (n, m))
    index[sorted_cell, rank, columns] = order * m + columns
    valid = np.flatnonzero(index.ravel() < n * m)
    inverse = np.empty(n * m, dtype=np.int64)
    inverse[index.ravel()[valid]] = valid
    return SicOrder(index, inverse, (n, m))


def _ranked(values: np.ndarray, order: SicOrder) -> np.ndarray:
    """``values`` ``(U, M)`` gathered to ``(N, K, M)`` by cell and rank, zero past each cell's size."""
    return np.append(values.ravel(), 0.0)[order.index]


def _scatter(ranked: np.ndarray, order: SicOrder) -> np.ndarray:
    """The ``(N, K, M)`` layout back to ``(U, M)`` (one gather)."""
    return ranked.ravel()[order.inverse].reshape(order.shape)


def weaker_sum(values: np.ndarray, order: SicOrder) -> np.ndarray:
    """Per subchannel and cell, the sum of ``values`` ``(U, M)`` over the users weaker than each user."""
    ranked = _ranked(values, order)
    before = np.zeros_like(ranked)
    np.cumsum(ranked[:, :-1], axis=1, out=before[:, 1:])
    return _scatter(before, order)


def stronger_sum(values: np.ndarray, order: SicOrder) -> np.ndarray:
    """Per subchannel and cell, the sum of ``values`` ``(U, M)`` over the users stronger than each user."""
    ranked = _ranked(values, order)
    after = np.zeros_like(ranked)
    after[:, :-1] = np.cumsum(ranked[:, :0:-1], axis=1)[:, ::-1]
    return _scatter(after, order)


def link_gains(params: NomaParams) -> LinkGains:
    """Gains, association and SIC orders of an instance (eqs. (5), (8)); ``O(U N M)``."""
    large = pathloss(params)
    cell = np.asarray(np.argmax(large, axis=1), dtype=np.int64)
    up = large[:, :, None] * params.fading_up
    dn = large[:, :, None] * params.fading_dn
    users = np.arange(params.n_users)
    own_up = up[users, cell, :]
    own_dn = dn[users, cell, :]
    n_aps = params.n_aps
    other = (np.arange(n_aps)[None, :] != cell[:, None])[:, :, None]
    return LinkGains(
        cell,
        up,
        dn,
        own_up,
        own_dn,
        up * other,
        dn * other,
        sic_order(cell, own_up, n_aps),
        sic_order(cell, own_dn, n_aps),
        _onehot(cell, n_aps),
    )


def _cell_sum(cell_onehot: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``(N, M)``: per AP, the sum of ``values`` ``(U, M)`` over its users."""
    # einsum, not a matrix product: a (N, U) x (U, M) BLAS call spawns threads that cost far more than
    # these 1e6 multiply-adds (measured 37 ms per call on 2 loaded cores, against about 1 ms).
    return np.asarray(np.einsum("un,um->nm", cell_onehot, values))


@dataclass(frozen=True)
class LinkEvaluation:
    """One direction's part of the utility at a relaxed point, and its gradient (:func:`uplink`, :func:`downlink`).

    Attributes
    ----------
    value : float
        ``sum_i bits_i (w_T + w_E q_i) / R_i`` over the transmitting users.
    rate : array (U,)
        ``R_i`` (bit/s), eq. (6) or (9).
    sinr : array (U, M)
        ``Upsilon_i^m`` or ``Psi_i^m``, eq. (5) or (8).
    grad_beta : array (U, M) or None
        ``dvalue / dbeta``.
    grad_power : array (U,) or None
        ``dvalue / dq`` (``p`` or ``P``).

    """

    value: float
    rate: np.ndarray
    sinr: np.ndarray
    grad_beta: np.ndarray | None
    grad_power: np.ndarray | None


def _link_terms(
    params: NomaParams, bits: np.ndarray, beta: np.ndarray, power: np.ndarray, sinr: np.ndarray, den: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value and the adjoints shared by both directions.

    With ``c_i = bits_i (w_T + w_E q_i)`` and ``L = sum_i c_i / R_i``:
    ``dL/dR_i = -c_i / R_i^2 =: rho_i``; ``dL/dbeta_i^m`` (direct) ``= rho_i b log2(1 + S_i^m)``;
    ``dL/dS_i^m = rho_i beta_i^m b / (ln 2 (1 + S_i^m)) =: lam_i^m``; ``dL/dq_i`` (direct, through
    ``c_i``) ``= bits_i w_E / R_i``; and, with ``S = num / den``, ``dL/dden_i^m = -lam_i^m S_i^m / den_i^m =: mu_i^m``.
    """
    b = params.subchannel_bandwidth
    log_term = np.log1p(sinr) / LN2
    rate = np.sum(beta * log_term, axis=1) * b
    active = bits > 0
    safe_rate = np.where(active, rate, 1.0)
    weight = bits * (params.w_T + params.w_E * power)
    value = float(np.sum(np.where(active, weight / safe_rate, 0.0)))
    rho = np.where(active, -weight / safe_rate**2, 0.0)
    grad_beta_direct = rho[:, None] * b * log_term
    lam = rho[:, None] * beta * b / (LN2 * (1.0 + sinr))
    grad_power_direct = np.where(active, bits * params.w_E / safe_rate, 0.0)
    mu = -lam * sinr / den
    return value, rate, grad_beta_direct, lam, grad_power_direct, mu


def uplink(
    params: NomaParams,
    gains: LinkGains,
    bits: np.ndarray,
    beta: np.ndarray,
    power: np.ndarray,
    *,
    gradient: bool = True,
) -> LinkEvaluation:
    """The uplink part ``sum_i w_s (w_T + w_E p_i) / R_i`` (7), (14) with SINR (5); its exact gradient.

    ``bits`` (U,) are the bits each user sends (0: silent, it neither transmits nor interferes).

    Gradient (the paper's (28)-(30), with the inter-cell terms it holds constant differentiated too): with
    ``y_j^m = beta_j^m p_j`` (0 for a silent user) and ``mu`` of :func:`_link_terms`,

    * intra-cell: ``y_j`` sits in the denominator of every *stronger* user ``i`` of its cell on ``m``
      through ``g_{j, a_j}^m``, so ``dL/dy_j^m += g_{j,a_j}^m sum_{i stronger} mu_i^m``;
    * inter-cell: ``y_j`` reaches every user of every other AP ``n`` on ``m`` through ``g_{j,n}^m``, so
      ``dL/dy_j^m += sum_{n != a_j} g_{j,n}^m Mu_n^m`` with ``Mu_n^m = sum_{i in n} mu_i^m``;
    * then ``dL/dbeta_j^m += p_j dL/dy_j^m`` and ``dL/dp_j += sum_m beta_j^m dL/dy_j^m``, plus the own
      numerator ``p_i g_{i,a_i}^m``: ``dL/dp_i += sum_m lam_i^m g_{i,a_i}^m / den_i^m``.
    """
    onehot = gains.cell_onehot
    active = (bits > 0).astype(float)
    y = beta * (power * active)[:, None]
    own_y = y * gains.own_up
    inter = np.einsum("um,unm->nm", y, gains.cross_up)[gains.cell]  # other cells' power at each AP
    intra = weaker_sum(own_y, gains.sic_up)
    den = intra + inter + params.noise_power
    sinr = power[:, None] * gains.own_up / den
    value, rate, g_beta, lam, g_power, mu = _link_terms(params, bits, beta, power, sinr, den)
    if not gradient:
        return LinkEvaluation(value, rate, sinr, None, None)
    g_power = g_power + np.sum(lam * gains.own_up / den, axis=1)
    mu_cell = _cell_sum(onehot, mu)
    d_y = np.einsum("nm,unm->um", mu_cell, gains.cross_up)
    d_y += gains.own_up * stronger_sum(mu, gains.sic_up)
    d_y *= active[:, None]
    return LinkEvaluation(value, rate, sinr, g_beta + power[:, None] * d_y, g_power + np.sum(beta * d_y, axis=1))


def downlink(
    params: NomaParams,
    gains: LinkGains,
    bits: np.ndarray,
    beta: np.ndarray,
    power: np.ndarray,
    *,
    gradient: bool = True,
) -> LinkEvaluation:
    """The downlink part ``sum_i m_i (w_T + w_E P_i) / Phi_i`` (10), (15) with SINR (8); its exact gradient.

    With ``y_j^m = beta_j^m P_j`` and ``Y_l^m = sum_{j in l} y_j^m`` (AP ``l``'s power on ``m``):

    * intra-cell: ``y_j`` is heard by every *weaker* user ``i`` of its cell through ``H_i^m``, so
      ``dL/dy_j^m += sum_{i weaker} mu_i^m H_i^m``;
    * inter-cell: ``Y_l^m`` reaches every user ``i`` outside cell ``l`` through ``G_{i,l}^m``, so
      ``dL/dy_j^m += sum_{i notin a_j} mu_i^m G_{i,a_j}^m``;
    * the chain rule to ``beta`` and ``P`` as in :func:`uplink`.
    """
    onehot = gains.cell_onehot
    active = (bits > 0).astype(float)
    y = beta * (power * active)[:, None]
    ap_power = _cell_sum(onehot, y)  # (N, M)
    inter = np.einsum("unm,nm->um", gains.cross_dn, ap_power)
    intra = gains.own_dn * stronger_sum(y, gains.sic_dn)
    den = intra + inter + params.noise_power
    sinr = power[:, None] * gains.own_dn / den
    value, rate, g_beta, lam, g_power, mu = _link_terms(params, bits, beta, power, sinr, den)
    if not gradient:
        return LinkEvaluation(value, rate, sinr, None, None)
    g_power = g_power + np.sum(lam * gains.own_dn / den, axis=1)
    heard = mu * gains.own_dn
    d_ap = np.einsum("um,unm->nm", mu, gains.cross_dn)
    d_y = d_ap[gains.cell] + weaker_sum(heard, gains.sic_dn)
    d_y *= active[:, None]
    return LinkEvaluation(value, rate, sinr, g_beta + power[:, None] * d_y, g_power + np.sum(beta * d_y, axis=1))


def _onehot(cell: np.ndarray, n_aps: int) -> np.ndarray:
    out = np.zeros((cell.shape[0], n_aps))
    out[np.arange(cell.shape[0]), cell] = 1.0
    return out


# ---------------------------------------------------------------------------------------------- compute
def compensation(params: NomaParams, r: Any) -> np.ndarray:
    """``lambda(r) = r ** gamma`` (Sec. III-A): the speed-up of ``r`` compute units."""
    return np.asarray(np.power(np.asarray(r, dtype=float), params.speedup_exponent))


def units_for_speed(params: NomaParams, speed: Any) -> np.ndarray:
    """``r = lambda^{-1}(speed / c_min)``: the compute units that give an edge speed (cycles/s)."""
    return np.asarray(np.power(np.asarray(speed, dtype=float) / params.edge_unit_speed, 1.0 / params.speedup_exponent))


def split_flops(params: NomaParams, split: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(f_d(s), f_e(s))`` per user: FLOPs of units ``1..s`` (device) and ``s+1..F`` (edge)."""
    cumulative = np.concatenate([[0.0], np.cumsum(params.layer_flops)])
    s = np.asarray(split, dtype=np.int64)
    device = cumulative[s]
    return device, cumulative[-1] - device


def split_bits(params: NomaParams, split: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(w_s, m_i)`` per user: bits up and bits down; both 0 at ``s = F`` (Device-Only sends nothing)."""
    s = np.asarray(split, dtype=np.int64)
    sent = s < params.n_units
    up = np.where(sent, params.feature_bits[np.minimum(s, params.n_units - 1)], 0.0)
    return up, np.where(sent, params.result_bits, 0.0)


def device_part(params: NomaParams, split: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(T_dev, E_dev)`` per user, (1) and (13): ``phi_d f_d / c_i`` and ``xi_d c_i^2 phi_d f_d``."""
    device_flops, _ = split_flops(params, split)
    cycles = params.device_cycles_per_flop * device_flops
    return cycles / params.device_speed, params.device_kappa * params.device_speed**2 * cycles


def edge_part(params: NomaParams, split: Any, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(T_srv, E_srv)`` per user, (3) and (16), at ``r`` compute units."""
    _, edge_flops = split_flops(params, split)
    cycles = params.edge_cycles_per_flop * edge_flops
    speed = compensation(params, r) * params.edge_unit_speed
    return cycles / speed, params.edge_kappa * speed**2 * cycles


def compute_value_and_gradient(params: NomaParams, split: Any, r: np.ndarray) -> tuple[float, np.ndarray]:
    """The compute part ``sum_i w_T T_srv + w_E E_srv`` and its gradient in ``r``, the paper's (27).

    With ``v = lambda(r) c_min`` and ``k = phi_e f_e(s)``: ``d/dr [k (w_T / v + w_E xi_e v^2)] =
    k c_min lambda'(r) (-w_T / v^2 + 2 w_E xi_e v)``, ``lambda'(r) = gamma r^(gamma - 1)``.
    """
    _, edge_flops = split_flops(params, split)
    k = params.edge_cycles_per_flop * np.broadcast_to(edge_flops, r.shape)
    speed = compensation(params, r) * params.edge_unit_speed
    value = float(np.sum(k * (params.w_T / speed + params.w_E * params.edge_kappa * speed**2)))
    slope = params.speedup_exponent * np.power(r, params.speedup_exponent - 1.0) * params.edge_unit_speed
    grad = k * slope * (-params.w_T / speed**2 + 2.0 * params.w_E * params.edge_kappa * speed)
    return value, grad


# ---------------------------------------------------------------------------------------------- decisions
DECISION_FIELDS = ("split", "sub_up", "sub_dn", "p", "P", "r")


@dataclass(frozen=True)
class NomaDecision:
    """An integral decision of problem (18): what ``Solution.x`` holds, field for field.

    Attributes
    ----------
    split : array of int (U,)
        ``s_i`` in ``0..F`` (a common split is the same value for every user).
    sub_up, sub_dn : array of int (U,)
        Each user's uplink and downlink subchannel in ``0..M-1`` (18.e)-(18.f).
    p, P : array (U,)
        Uplink (device) and downlink (AP) transmit powers (W), (18.c).
    r : array (U,)
        Edge compute units, (18.d).

    """

    split: np.ndarray
    sub_up: np.ndarray
    sub_dn: np.ndarray
    p: np.ndarray
    P: np.ndarray
    r: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        """The fields as ``Solution.x``."""
        return {name: np.asarray(getattr(self, name)) for name in DECISION_FIELDS}


def _int_vector(name: str, value: Any, n: int, low: int, high: int) -> np.ndarray:
    """``value`` as an int vector of length ``n`` (a scalar broadcasts) in ``[low, high]``; no float coercion."""
    arr = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray(object())
    if arr.dtype.kind not in "iu":
        raise InvalidParameterError(f"{name} must hold integers, got {value!r:.80} (dtype {arr.dtype})")
    if arr.ndim == 0:
        arr = np.full(n, int(arr))
    if arr.shape != (n,):
        raise InvalidParameterError(f"{name} must be an integer or have shape ({n},), got shape {arr.shape}")
    if np.any(arr < low) or np.any(arr > high):
        bad = int(np.flatnonzero((arr < low) | (arr > high))[0])
        raise InvalidParameterError(f"{name} must be in [{low}, {high}], got {int(arr[bad])} for user {bad}")
    return np.asarray(arr, dtype=np.int64)


def _box_vector(name: str, value: Any, n: int, low: float, high: float) -> np.ndarray:
    """``value`` as a float vector of length ``n`` in ``[low, high]`` (relative slack :data:`BOX_TOL`)."""
    arr = np.array(array(name, value, [(n,), ()], allow_negative=True), dtype=float)
    arr = np.broadcast_to(arr, (n,)).copy()
    slack = BOX_TOL * max(abs(high), 1e-300)
    if np.any(arr < low - slack) or np.any(arr > high + slack):
        bad = int(np.flatnonzero((arr < low - slack) | (arr > high + slack))[0])
        raise InvalidParameterError(f"{name} must be in [{low:g}, {high:g}], got {arr[bad]!r} for user {bad}")
    return np.clip(arr, low, high)


def decision(params: NomaParams, **fields: Any) -> NomaDecision:
    """A validated :class:`NomaDecision` from ``split, sub_up, sub_dn, p, P, r``.

    Raises
    ------
    InvalidParameterError
        Naming the field: a missing or unknown field, a wrong shape, a value outside its box, or a
        subchannel over its capacity (``cluster_cap`` users per AP under NOMA, one user network-wide
        under OMA).

    """
    missing = [name for name in DECISION_FIELDS if name not in fields]
    unknown = sorted(set(fields) - set(DECISION_FIELDS))
    if missing or unknown:
        raise InvalidParameterError(
            f"a NOMA decision has the fields {DECISION_FIELDS}; missing {missing}, unknown {unknown}"
        )
    n, m = params.n_users, params.n_subchannels
    split = _int_vector("split", fields["split"], n, 0, params.n_units)
    sub_up = _int_vector("sub_up", fields["sub_up"], n, 0, m - 1)
    sub_dn = _int_vector("sub_dn", fields["sub_dn"], n, 0, m - 1)
    p = _box_vector("p", fields["p"], n, params.device_power_min, params.device_power_max)
    big_p = _box_vector("P", fields["P"], n, params.ap_power_min, params.ap_power_max)
    r = _box_vector("r", fields["r"], n, params.r_min, params.r_max)
    cell = association(params)
    for name, sub in (("sub_up", sub_up), ("sub_dn", sub_dn)):
        load = subchannel_load(params, cell, sub)
        cap = 1 if params.access == "oma" else params.cluster_cap
        if np.any(load > cap):
            ap, ch = (int(v) for v in np.argwhere(load > cap)[0])
            where = "in the network (OMA)" if params.access == "oma" else f"at AP {ap}"
            raise InvalidParameterError(
                f"{name}: subchannel {ch} carries {int(load[ap, ch])} users {where}, more than the cap {cap}"
            )
    return NomaDecision(split, sub_up, sub_dn, p, big_p, r)


def subchannel_load(params: NomaParams, cell: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Users per (AP, subchannel), shape ``(N, M)``; under OMA one row: users per subchannel network-wide."""
    if params.access == "oma":
        return np.bincount(sub, minlength=params.n_subchannels)[None, :]
    flat = np.bincount(cell * params.n_subchannels + sub, minlength=params.n_aps * params.n_subchannels)
    return flat.reshape(params.n_aps, params.n_subchannels)


def capacity_shortfall(params: NomaParams) -> str | None:
    """Why no decision exists (an AP with more users than ``cluster_cap x M``, or ``U > M`` under OMA), or None."""
    if params.access == "oma":
        if params.n_users > params.n_subchannels:
            return (
                f"OMA gives each of the {params.n_users} users its own subchannel, but there are only "
                f"{params.n_subchannels} subchannels"
            )
        return None
    counts = np.bincount(association(params), minlength=params.n_aps)
    limit = params.cluster_cap * params.n_subchannels
    over = np.flatnonzero(counts > limit)
    if over.size:
        ap = int(over[0])
        return (
            f"AP {ap} serves {int(counts[ap])} users, more than cluster_cap x M = "
            f"{params.cluster_cap} x {params.n_subchannels} = {limit}"
        )
    return None


def one_hot(sub: np.ndarray, n_subchannels: int) -> np.ndarray:
    """The 0/1 allocation ``beta`` (U, M) of a subchannel index per user."""
    beta = np.zeros((sub.shape[0], n_subchannels))
    beta[np.arange(sub.shape[0]), sub] = 1.0
    return beta


def utility_terms(params: NomaParams, dec: NomaDecision, gains: LinkGains | None = None) -> dict[str, np.ndarray]:
    """Per-user latency and energy terms of (12) and (17), and the utility (19), of an integral decision.

    Returns ``T_dev, T_srv, T_up, T_dn, E_dev, E_srv, E_up, E_dn, T, E, utility``, each ``(U,)``.
    """
    gains = link_gains(params) if gains is None else gains
    bits_up, bits_dn = split_bits(params, dec.split)
    up = uplink(params, gains, bits_up, one_hot(dec.sub_up, params.n_subchannels), dec.p, gradient=False)
    dn = downlink(params, gains, bits_dn, one_hot(dec.sub_dn, params.n_subchannels), dec.P, gradient=False)
    t_up = np.where(bits_up > 0, bits_up / np.where(bits_up > 0, up.rate, 1.0), 0.0)
    t_dn = np.where(bits_dn > 0, bits_dn / np.where(bits_dn > 0, dn.rate, 1.0), 0.0)
    t_dev, e_dev = device_part(params, dec.split)
    t_srv, e_srv = edge_part(params, dec.split, dec.r)
    terms = {
        "T_dev": t_dev,
        "T_srv": t_srv,
        "T_up": t_up,
        "T_dn": t_dn,
        "E_dev": e_dev,
        "E_srv": e_srv,
        "E_up": dec.p * t_up,
        "E_dn": dec.P * t_dn,
    }
    terms["T"] = t_dev + t_srv + t_up + t_dn
    terms["E"] = terms["E_dev"] + terms["E_srv"] + terms["E_up"] + terms["E_dn"]
    terms["utility"] = params.w_T * terms["T"] + params.w_E * terms["E"]
    return terms


def evaluate(params: NomaParams, dec: NomaDecision | dict[str, Any]) -> float:
    """The exact utility (19)-(22), ``sum_i w_T T_i + w_E E_i``, of an integral decision.

    ``dec`` is a :class:`NomaDecision` or a dict of its fields (``Solution.x``), validated by
    :func:`decision` (which raises :class:`InvalidParameterError` naming a broken constraint).
    """
    if not isinstance(dec, NomaDecision):
        dec = decision(params, **dec)
    return float(np.sum(utility_terms(params, dec)["utility"]))


# ---------------------------------------------------------------------------------------------- relaxed problem
@dataclass(frozen=True)
class RelaxedPoint:
    """A point of the relaxed problem for one common split (Sec. IV-A): ``beta`` on each user's simplex."""

    split: int
    beta_up: np.ndarray
    p: np.ndarray
    beta_dn: np.ndarray
    P: np.ndarray
    r: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        """The fields, for ``Solution.extras["relaxed"]``."""
        return {
            "split": self.split,
            "beta_up": self.beta_up,
            "p": self.p,
            "beta_dn": self.beta_dn,
            "P": self.P,
            "r": self.r,
        }


def box_frank_wolfe_gap(x: np.ndarray, grad: np.ndarray, low: float, high: float) -> float:
    """``max_{y in box} grad . (x - y)``: 0 exactly where ``x`` is stationary over the box ``[low, high]``."""
    return float(np.sum(grad * (x - np.where(grad > 0, low, high))))


def simplex_frank_wolfe_gap(beta: np.ndarray, grad: np.ndarray) -> float:
    """``max_{y in simplices} grad . (beta - y)``: ``sum_i (grad_i . beta_i - min_m grad_im)``."""
    return float(np.sum(grad * beta) - np.sum(np.min(grad, axis=1)))


def relaxed_utility_and_gaps(
    params: NomaParams, gains: LinkGains, point: RelaxedPoint
) -> tuple[float, dict[str, float]]:
    """The relaxed utility at ``point`` and the relative Frank-Wolfe gap of each block.

    The Frank-Wolfe gap ``max_y grad f(x) . (x - y)`` over the feasible set is the scale-free form of the
    projected-gradient stationarity residual: both vanish exactly at a stationary point, and the gap,
    divided by the utility, says by what fraction a first-order move could still lower it. The blocks
    are ``uplink`` (``beta_up`` and ``p``), ``downlink`` (``beta_dn`` and ``P``) and ``compute`` (``r``).
    """
    split = np.full(params.n_users, point.split)
    bits_up, bits_dn = split_bits(params, split)
    up = uplink(params, gains, bits_up, point.beta_up, point.p)
    dn = downlink(params, gains, bits_dn, point.beta_dn, point.P)
    comp_value, comp_grad = compute_value_and_gradient(params, split, point.r)
    t_dev, e_dev = device_part(params, split)
    total = float(np.sum(params.w_T * t_dev + params.w_E * e_dev)) + up.value + dn.value + comp_value
    assert up.grad_beta is not None and up.grad_power is not None
    assert dn.grad_beta is not None and dn.grad_power is not None
    scale = max(abs(total), 1e-300)
    gaps = {
        "uplink": (
            simplex_frank_wolfe_gap(point.beta_up, up.grad_beta)
            + box_frank_wolfe_gap(point.p, up.grad_power, params.device_power_min, params.device_power_max)
        )
        / scale,
        "downlink": (
            simplex_frank_wolfe_gap(point.beta_dn, dn.grad_beta)
            + box_frank_wolfe_gap(point.P, dn.grad_power, params.ap_power_min, params.ap_power_max)
        )
        / scale,
        "compute": box_frank_wolfe_gap(point.r, comp_grad, params.r_min, params.r_max) / scale,
    }
    return total, gaps


def make_solution(
    params: NomaParams,
    dec: NomaDecision,
    method: str,
    started: float,
    *,
    iterations: int = 0,
    extras: dict[str, Any] | None = None,
    status: Status | None = None,
    gains: LinkGains | None = None,
) -> Solution:
    """The :class:`~edgeopt.core.solution.Solution` of a decision: its exact utility (19), ``x`` its fields.

    ``status`` defaults to ``FEASIBLE`` (the NOMA problem is not convex); ``started`` is the
    ``time.perf_counter()`` of the method's start.
    """
    objective = float(np.sum(utility_terms(params, dec, gains)["utility"]))
    return Solution(
        Status.FEASIBLE if status is None else status,
        objective=objective,
        x=dec.as_dict(),
        iterations=iterations,
        solve_time_s=time.perf_counter() - started,
        method=method,
        problem="noma",
        extras={} if extras is None else extras,
    )
