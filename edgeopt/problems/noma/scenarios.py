"""Named and seeded random NOMA split-inference instances (paper 003, Sec. VI), shared by tests, benchmark, notebook.

Split units
-----------
:func:`split_profile` turns a chain profile of :mod:`edgeopt.models.zoo` into
the per-unit arrays of :class:`~edgeopt.problems.noma.model.NomaParams`:
``layer_flops`` (FLOPs of each split unit) and ``feature_bits`` (``w_s``, the
bits uploaded at split ``s = 0..F-1``). Every layer but the input and the
kinds in :data:`FOLDED_KINDS` (activation, batch norm, softmax, flatten) is a
split unit; a folded layer joins the unit before it, because it is
elementwise or a reshape: what is sent after it has the same size. Our unit
counts (NiN 12, tiny YOLOv2 15, VGG16 21) differ from the paper's printed
9 / 17 / 24 layers, which it does not define.

Named scenarios
---------------
``noma.toml`` beside this module holds a ``[defaults]`` table (Sec. VI and
our choices for what it leaves out, each with its reason) and one table per
scenario: ``yuan2023-paper-scale`` (5 APs, 1250 users, M = 250, VGG16),
reduced-scale settings of Figs. 2-11 and two tiny instances for the exact
references. :func:`names` lists them and :func:`params` builds one, drawing
the geometry, the device speeds and the fading from a seed.

Geometry
--------
APs sit on a ``layout`` (:func:`ap_layout`: ``"cross"``, ``"line"`` or
``"grid"``), every pair at least ``inter_site_distance`` apart. Users are
drawn uniformly on the annulus ``min_distance..cell_radius`` around their
cell's AP (:func:`place_users`), with equal counts per cell
(``"per_cell"``) or a uniformly drawn cell per user (``"uniform"``). With
``cell_radius <= inter_site_distance / 2`` the discs do not overlap, so the
nearest AP, with which the model associates a user, is the AP it was drawn
for. Fading is Rayleigh (:func:`~edgeopt.models.channel.rayleigh_power_gain`),
independent per user, AP, subchannel and direction.

Random instances
----------------
:func:`random_params` (the property-test ranges :data:`RANGES`),
:func:`small_noma_params` (for the exhaustive search), :func:`oma_params`
(for the closed form and CVXPY) and :func:`wide_params` (the fuzz harness,
:data:`WIDE`) are reproducible from their seed.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.scenarios import load_toml, log_uniform, scenario_entry, scenario_names
from edgeopt.core.validate import integer, number
from edgeopt.models import zoo
from edgeopt.models.channel import db_to_linear, dbm_per_hz_to_watt_per_hz, dbm_to_watt, rayleigh_power_gain
from edgeopt.models.dnn import DnnProfile
from edgeopt.problems.noma.model import SCALAR_RANGE, NomaParams

#: The scenario file beside this module, in this package.
SCENARIO_FILE = "noma.toml"
_PACKAGE = "edgeopt.problems.noma"

#: Layer kinds folded into the split unit before them (elementwise or reshape: the same number of elements out).
FOLDED_KINDS = frozenset({"activation", "batchnorm", "softmax", "flatten"})
#: The networks of Sec. VI (zoo names).
NETWORKS = ("vgg16", "nin", "tiny_yolov2")
#: AP layouts of :func:`ap_layout`.
LAYOUTS = ("cross", "line", "grid")
#: User placements of :func:`place_users`.
PLACEMENTS = ("per_cell", "uniform")

# Keys of a scenario entry that steer the generator (the others are NomaParams fields, passed on as they are).
_GENERATOR_KEYS = frozenset(
    {
        "seed",
        "n_aps",
        "layout",
        "inter_site_distance",
        "cell_radius",
        "min_distance",
        "placement",
        "n_users",
        "n_subchannels",
        "noise_psd_dbm_per_hz",
        "reference_loss_db",
        "device_power_min_dbm",
        "device_power_max_dbm",
        "ap_power_min_dbm",
        "ap_power_max_dbm",
        "profile",
        "input_bits_per_element",
        "feature_bits_per_element",
        "workload",
        "device_speed_range",
    }
)
# Entry keys params() ignores: what a figure sweeps over, for the notebook.
_IGNORED_PREFIXES = ("sweep_", "paper_")
_FIELDS = frozenset(f.name for f in dataclasses.fields(NomaParams))


# --------------------------------------------------------------------------- split units
class SplitProfile(NamedTuple):
    """The split units of a chain network (:func:`split_profile`).

    Attributes
    ----------
    layer_flops : array (F,)
        FLOPs of units ``1..F``.
    feature_bits : array (F,)
        ``w_s`` for ``s = 0..F-1``: the raw input (``s = 0``), then the output of unit ``s``.
    unit_names : tuple of str
        Name of the profile layer that opens each unit.
    name : str
        The profile's name.

    """

    layer_flops: np.ndarray
    feature_bits: np.ndarray
    unit_names: tuple[str, ...]
    name: str


def split_profile(
    profile: DnnProfile, *, input_bits_per_element: float = 8, feature_bits_per_element: float = 32
) -> SplitProfile:
    """Split units, their FLOPs and the bits sent at each split, of a chain :class:`DnnProfile`.

    Rule: every layer except the input and the kinds of :data:`FOLDED_KINDS`
    (activation, batchnorm, softmax, flatten) opens a split unit; a folded
    layer joins the unit before it (it is elementwise or a reshape, so the
    tensor sent after it has the unit's size; folded layers before the first
    unit run wherever the first unit runs and cost nothing). A split after a
    ReLU-less convolution and one after its ReLU are therefore the same
    split, as they send the same number of elements.

    FLOPs of a unit: ``2 x MACs`` of its convolution or dense layer (the
    zoo's convention; folded layers have no MACs and are not counted). A
    pooling unit has no MACs: it is priced at one FLOP per output element
    (a comparison or an addition per output, an undercount of the ``k^2 - 1``
    per window that is below 0.1 % of any of the three networks' totals).

    Bits: ``feature_bits[0] = input elements x input_bits_per_element`` (the
    raw input, split 0, Edge-Only); ``feature_bits[s] = output elements of
    unit s x feature_bits_per_element`` for ``s = 1..F-1``. Split ``F``
    (Device-Only) sends nothing and is not stored.

    Our unit counts for the 32x32x3 CIFAR-10 networks: NiN 12 (9 conv, 3
    pools), tiny YOLOv2 15 (9 conv, 6 max-pools), VGG16 21 (13 conv, 5
    max-pools, 3 FC). The paper prints 9, 17 and 24 layers without saying
    what it counts (NiN's 9 are its convolutions).

    Parameters
    ----------
    profile : DnnProfile
        A chain network (every layer feeds the next).
    input_bits_per_element, feature_bits_per_element : float
        Bits per element of the raw input and of an intermediate feature (> 0).

    Returns
    -------
    SplitProfile

    Raises
    ------
    InvalidParameterError
        If ``profile`` is not a chain or has no split unit, or a bit width is not positive.

    """
    in_bits = number("input_bits_per_element", input_bits_per_element, minimum=0.0, exclusive_minimum=True)
    feat_bits = number("feature_bits_per_element", feature_bits_per_element, minimum=0.0, exclusive_minimum=True)
    if not profile.is_chain:
        raise InvalidParameterError(f"split_profile needs a chain network; {profile.name!r} is a DAG")
    layers = profile.layers
    names: list[str] = []
    flops: list[float] = []
    outputs: list[float] = []
    for layer in layers[1:]:
        if layer.kind in FOLDED_KINDS:
            if outputs:
                outputs[-1] = layer.output_elements
            continue
        names.append(layer.name)
        flops.append(float(layer.output_elements) if layer.kind == "pool" else 2.0 * float(layer.macs))
        outputs.append(layer.output_elements)
    if not names:
        raise InvalidParameterError(f"profile {profile.name!r} has no split unit")
    bits = np.array([layers[0].output_elements * in_bits, *(o * feat_bits for o in outputs[:-1])], dtype=float)
    layer_flops = np.array(flops, dtype=float)
    bits.setflags(write=False)
    layer_flops.setflags(write=False)
    return SplitProfile(layer_flops, bits, tuple(names), profile.name)


@cache
def _network(name: str, input_bits: float, feature_bits: float) -> SplitProfile:
    """:func:`split_profile` of a zoo network, cached (the arrays are read-only)."""
    return split_profile(zoo.profile(name), input_bits_per_element=input_bits, feature_bits_per_element=feature_bits)


# --------------------------------------------------------------------------- scenario file
@cache
def _data() -> dict[str, Any]:
    return load_toml(_PACKAGE, SCENARIO_FILE)


def config() -> dict[str, Any]:
    """The scenario file ``noma.toml`` as a dict (a fresh copy of its tables)."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in _data().items()}


def names() -> list[str]:
    """Names of the NOMA scenarios, in file order (``yuan2023-paper-scale`` first)."""
    return scenario_names(_data())


# --------------------------------------------------------------------------- geometry
def ap_layout(n_aps: int, inter_site_distance: float, layout: str = "cross") -> np.ndarray:
    """AP coordinates (N, 2) in metres; every pair of APs at least ``inter_site_distance`` apart.

    ``"cross"``: the origin, then ``(d, 0), (0, d), (-d, 0), (0, -d)`` (at most
    5 APs; Sec. VI's 5 APs are a centre cell and its four neighbours).
    ``"line"``: ``(k d, 0)``. ``"grid"``: a square grid of spacing ``d``,
    ``ceil(sqrt N)`` columns, filled row by row.
    """
    n = integer("n_aps", n_aps, minimum=1)
    d = number("inter_site_distance", inter_site_distance, minimum=0.0, exclusive_minimum=True)
    if layout == "cross":
        if n > 5:
            raise InvalidParameterError(f"layout 'cross' holds at most 5 APs, got n_aps={n}")
        unit = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])[:n]
    elif layout == "line":
        unit = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    elif layout == "grid":
        cols = math.isqrt(n - 1) + 1
        k = np.arange(n)
        unit = np.column_stack([k % cols, k // cols]).astype(float)
    else:
        raise InvalidParameterError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    return np.asarray(unit * d, dtype=float)


def place_users(
    rng: np.random.Generator,
    ap_positions: np.ndarray,
    n_users: int,
    *,
    cell_radius: float,
    min_distance: float = 0.0,
    placement: str = "per_cell",
) -> np.ndarray:
    """User coordinates (U, 2): uniform on the annulus ``min_distance..cell_radius`` around their cell's AP.

    ``placement="per_cell"``: ``U // N`` users per cell, the remaining ``U mod
    N`` in distinct cells drawn at random; ``"uniform"``: each user's cell is
    drawn uniformly (multinomial counts). Uniform on the annulus: radius
    ``sqrt(r0^2 + u (R^2 - r0^2))``, angle uniform. Vectorised over users.
    """
    aps = np.asarray(ap_positions, dtype=float)
    n_cells = aps.shape[0]
    n = integer("n_users", n_users, minimum=1)
    radius = number("cell_radius", cell_radius, minimum=0.0, exclusive_minimum=True)
    inner = number("min_distance", min_distance, minimum=0.0, maximum=radius)
    if placement == "per_cell":
        extra = np.zeros(n_cells, dtype=int)
        extra[rng.choice(n_cells, n % n_cells, replace=False)] = 1
        cells = np.repeat(np.arange(n_cells), n // n_cells + extra)
    elif placement == "uniform":
        cells = rng.integers(0, n_cells, n)
    else:
        raise InvalidParameterError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    r = np.sqrt(inner**2 + rng.random(n) * (radius**2 - inner**2))
    theta = rng.uniform(0.0, 2.0 * math.pi, n)
    return np.asarray(aps[cells] + r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]), dtype=float)


# --------------------------------------------------------------------------- building an instance
def build(entry: dict[str, Any], seed: int) -> NomaParams:
    """:class:`NomaParams` from a merged scenario entry (the keys of ``noma.toml``), drawn from ``seed``.

    Four independent streams (``numpy.random.SeedSequence(seed).spawn(4)``)
    draw the user positions, the device speeds, the uplink and the downlink
    fading, so a sweep over ``n_subchannels`` keeps the positions and speeds.
    Keys that are fields of :class:`NomaParams` are passed on; a field that the
    generator derives (``fading_up``, ``device_power_max``, ...) given in
    ``entry`` replaces the derived value.
    """
    cfg = {k: v for k, v in entry.items() if not k.startswith(_IGNORED_PREFIXES)}
    unknown = sorted(set(cfg) - _GENERATOR_KEYS - _FIELDS)
    if unknown:
        raise InvalidParameterError(
            f"unknown NOMA scenario key(s) {unknown}; allowed: {sorted(_GENERATOR_KEYS | _FIELDS)}"
        )
    seed = integer("seed", seed, minimum=0)
    n_users = integer("n_users", cfg["n_users"], minimum=1)
    n_sub = integer("n_subchannels", cfg["n_subchannels"], minimum=1)
    aps = ap_layout(cfg["n_aps"], cfg["inter_site_distance"], cfg["layout"])
    pos_rng, speed_rng, up_rng, dn_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    users = place_users(
        pos_rng,
        aps,
        n_users,
        cell_radius=cfg["cell_radius"],
        min_distance=cfg["min_distance"],
        placement=cfg["placement"],
    )
    lo, hi = _range("device_speed_range", cfg["device_speed_range"])
    speed = speed_rng.uniform(lo, hi, n_users)
    shape = (n_users, aps.shape[0], n_sub)
    fading_up = np.maximum(rayleigh_power_gain(up_rng, shape), SCALAR_RANGE[0])
    fading_dn = np.maximum(rayleigh_power_gain(dn_rng, shape), SCALAR_RANGE[0])
    profile = cfg["profile"]
    if not isinstance(profile, str):
        raise InvalidParameterError(f"profile must be a zoo network name, got {profile!r}")
    units = _network(
        profile,
        number("input_bits_per_element", cfg["input_bits_per_element"], minimum=0.0, exclusive_minimum=True),
        number("feature_bits_per_element", cfg["feature_bits_per_element"], minimum=0.0, exclusive_minimum=True),
    )
    workload = number("workload", cfg["workload"], minimum=0.0, exclusive_minimum=True)
    fields: dict[str, Any] = {
        "ap_positions": aps,
        "user_positions": users,
        "fading_up": fading_up,
        "fading_dn": fading_dn,
        "layer_flops": units.layer_flops * workload,
        "feature_bits": units.feature_bits,
        "device_speed": speed,
        "noise_psd": float(dbm_per_hz_to_watt_per_hz(_dbm(cfg, "noise_psd_dbm_per_hz"))),
        "reference_gain": float(db_to_linear(-_dbm(cfg, "reference_loss_db"))),
        "device_power_min": float(dbm_to_watt(_dbm(cfg, "device_power_min_dbm"))),
        "device_power_max": float(dbm_to_watt(_dbm(cfg, "device_power_max_dbm"))),
        "ap_power_min": float(dbm_to_watt(_dbm(cfg, "ap_power_min_dbm"))),
        "ap_power_max": float(dbm_to_watt(_dbm(cfg, "ap_power_max_dbm"))),
        "profile_name": profile,
    }
    fields.update({k: v for k, v in cfg.items() if k in _FIELDS})
    return NomaParams(**fields)


def _dbm(cfg: dict[str, Any], key: str) -> float:
    return number(key, cfg[key], minimum=-1000.0, maximum=1000.0)


def _range(name: str, value: Any) -> tuple[float, float]:
    """A ``[lo, hi]`` pair (or one number, both ends) of positive floats with ``lo <= hi``."""
    pair = list(value) if isinstance(value, list | tuple) else [value, value]
    if len(pair) != 2:
        raise InvalidParameterError(f"{name} must be a number or a pair [lo, hi], got {value!r}")
    lo = number(name, pair[0], minimum=SCALAR_RANGE[0], maximum=SCALAR_RANGE[1])
    hi = number(name, pair[1], minimum=lo, maximum=SCALAR_RANGE[1])
    return lo, hi


def params(name: str, *, seed: int | None = None, **overrides: Any) -> NomaParams:
    """:class:`NomaParams` of a named scenario, drawn from ``seed`` (default: the entry's ``seed``).

    ``overrides`` replace entries of the scenario file before anything is
    drawn (``n_users``, ``n_subchannels``, ``profile``, ``access``,
    ``inter_site_distance``, ``workload``, ``w_T``, ...), or give a
    :class:`NomaParams` field the generator derives (``fading_up``,
    ``noise_psd``, ``device_power_max``, ...) directly.

    Raises
    ------
    InvalidParameterError
        For an unknown scenario or key (the message lists them) or an invalid value.

    """
    entry = scenario_entry(_data(), name, "noma", **overrides)
    return build(entry, entry["seed"] if seed is None else seed)


# --------------------------------------------------------------------------- random instances
#: Ranges of :func:`random_params` (the property tests): uniform unless the name ends in ``_log10``
#: (then log-uniform, the range of the exponent). Sizes are integer ranges, both ends included.
RANGES: dict[str, tuple[float, float]] = {
    "n_users": (2, 8),  # when not given; placed per cell, so no AP holds more than ceil(U / N) <= 4 < 3 x 2
    "n_subchannels": (2, 4),  # NOMA, when not given; OMA: U .. U + 4 (one user per subchannel)
    "inter_site_distance": (150.0, 400.0),  # m, cross layout
    "cell_fill": (0.6, 1.0),  # cell_radius / (ISD / 2): discs never overlap, the drawn AP is the nearest
    "bandwidth": (0.2e6, 2e6),  # Hz: subchannels of 50 kHz .. 1 MHz
    "pathloss_exponent": (3.0, 5.0),
    "device_power_max_dbm": (20.0, 30.0),
    "device_power_min_dbm": (-10.0, 5.0),  # always below the maximum
    "ap_power_max_dbm": (20.0, 30.0),
    "ap_power_min_dbm": (-10.0, 5.0),
    "device_speed": (0.3e9, 1.5e9),  # cycles/s, per user
    "device_kappa_log10": (-28.5, -27.5),
    "edge_kappa_log10": (-29.5, -28.5),
    "edge_unit_speed": (1e9, 3e9),  # cycles/s
    "r_max": (2.0, 16.0),  # r_min = 1
    "speedup_exponent": (1.0, 1.5),
    "w_T": (0.2, 0.8),  # w_E = 1 - w_T
    "result_bits": (160.0, 640.0),
}


def random_params(
    seed: int,
    *,
    n_aps: int = 2,
    n_users: int | None = None,
    n_subchannels: int | None = None,
    access: str = "noma",
    profile: str = "nin",
    placement: str = "per_cell",
) -> NomaParams:
    """A random instance over :data:`RANGES` around Sec. VI, reproducible from ``seed``.

    The other entries are ``noma.toml``'s defaults (-174 dBm/Hz, 40 dB at 1 m,
    cluster cap 3, 8 / 32 bits per input / feature element, phi = 1
    cycle/FLOP, ``r_min = 1``). ``n_users`` and ``n_subchannels`` are drawn
    from :data:`RANGES` when not given; with ``access="oma"`` the drawn
    ``n_subchannels`` is ``U .. U + 4``. Users sit in non-overlapping discs
    around the APs (cross layout), so with ``placement="per_cell"`` no AP holds
    more than ``ceil(U / N)`` users and neighbouring cells interfere.
    """
    rng = np.random.default_rng(seed)
    return _random_instance(rng, n_aps, n_users, n_subchannels, access, profile, placement)


def _random_instance(
    rng: np.random.Generator,
    n_aps: int,
    n_users: int | None,
    n_subchannels: int | None,
    access: str,
    profile: str,
    placement: str,
) -> NomaParams:
    def draw(key: str) -> float:
        lo, hi = RANGES[key]
        return float(rng.uniform(lo, hi))

    def draw_int(key: str, lo: int | None = None, hi: int | None = None) -> int:
        a, b = RANGES[key]
        return int(rng.integers(int(a) if lo is None else lo, (int(b) if hi is None else hi) + 1))

    users = draw_int("n_users") if n_users is None else n_users
    if n_subchannels is not None:
        n_sub = n_subchannels
    elif access == "oma":
        n_sub = int(users) + int(rng.integers(0, 5))
    else:
        n_sub = draw_int("n_subchannels")
    isd = draw("inter_site_distance")
    w_t = draw("w_T")
    entry = {
        **_data()["defaults"],
        "n_aps": n_aps,
        "n_users": users,
        "n_subchannels": n_sub,
        "access": access,
        "profile": profile,
        "placement": placement,
        "inter_site_distance": isd,
        "cell_radius": draw("cell_fill") * isd / 2.0,
        "bandwidth": draw("bandwidth"),
        "pathloss_exponent": draw("pathloss_exponent"),
        "device_power_max_dbm": draw("device_power_max_dbm"),
        "device_power_min_dbm": draw("device_power_min_dbm"),
        "ap_power_max_dbm": draw("ap_power_max_dbm"),
        "ap_power_min_dbm": draw("ap_power_min_dbm"),
        "device_speed_range": list(RANGES["device_speed"]),
        "device_kappa": float(10 ** draw("device_kappa_log10")),
        "edge_kappa": float(10 ** draw("edge_kappa_log10")),
        "edge_unit_speed": draw("edge_unit_speed"),
        "r_min": 1.0,
        "r_max": draw("r_max"),
        "speedup_exponent": draw("speedup_exponent"),
        "w_T": w_t,
        "w_E": 1.0 - w_t,
        "result_bits": draw("result_bits"),
    }
    return build(entry, int(rng.integers(0, 2**63 - 1)))


def small_noma_params(seed: int, *, profile: str = "nin") -> NomaParams:
    """A tiny NOMA instance for the exhaustive search, reproducible from ``seed``.

    2 APs, 3-6 users (each in a uniformly drawn cell, so the cells may be
    unequal), 2-3 subchannels, cluster cap 3: every AP holds at most 6 <= 3 x 2
    users, so an assignment always exists. The other values are drawn as in
    :func:`random_params`.
    """
    rng = np.random.default_rng(seed)
    users = int(rng.integers(3, 7))
    n_sub = int(rng.integers(2, 4))
    return _random_instance(rng, 2, users, n_sub, "noma", profile, "uniform")


def oma_params(seed: int, *, profile: str = "nin") -> NomaParams:
    """A small OMA instance for the closed form and CVXPY, reproducible from ``seed``.

    ``access="oma"``, 2 APs with users in both cells (per-cell placement),
    2-6 users and ``M = U .. U + 4`` subchannels (OMA gives each user its own
    subchannel network-wide). The other values are drawn as in :func:`random_params`.
    """
    rng = np.random.default_rng(seed)
    users = int(rng.integers(2, 7))
    n_sub = users + int(rng.integers(0, 5))
    return _random_instance(rng, 2, users, n_sub, "oma", profile, "per_cell")


#: Sizes and regimes of :func:`wide_params` (see its docstring).
WIDE: dict[str, Any] = {
    "max_users": 40,
    "max_users_oma": 16,
    "max_subchannels": 16,
    "max_aps": 4,
    "p_oma": 0.3,
    "p_dense": 0.5,
    # Both kappas: four decades around 1e-28 (the device's value) that stay above the model's 1e-30 floor.
    "kappa": (10**-29.9, 10**-25.9),
}


def wide_params(seed: int) -> NomaParams:
    """One valid instance drawn widely around ``noma.toml`` (the fuzz harness), reproducible from ``seed``.

    ``LU(v, d)`` is ``v 10^U(-d, d)`` (log-uniform over ``2 d`` decades around
    ``v``, :func:`edgeopt.core.scenarios.log_uniform`).

    ====================  ===========================================================================
    parameter             drawn
    ====================  ===========================================================================
    access                ``"oma"`` w.p. 0.3, else ``"noma"``
    regime                ``"dense"`` w.p. 0.5, else ``"sparse"``
    n_aps, layout         1..4; cross, line or grid
    network               VGG16, NiN or tiny YOLOv2 (uniform)
    n_users               NOMA: dense 10..40, sparse 1..8; OMA: dense 8..16, sparse 1..8
    cluster_cap           3 w.p. 0.6, else 1..4 (raised so that ``N cap 16 >= U``)
    n_subchannels         NOMA: ``ceil(U / (N cap))`` plus 0..2 (dense) or 0..15 (sparse), at most 16;
                          OMA: ``U .. 16``
    placement             per cell w.p. 0.5, else a uniformly drawn cell per user
    inter_site_distance   dense ``LU(300 m, 2)`` below 300 m (3-300 m), sparse above (300 m - 30 km)
    cell_radius           ``ISD / 2`` times ``10^U(-1, 0)``, in dense NOMA cells w.p. 0.3 times
                          ``10^U(0, 0.3)`` (overlapping cells: users may join a neighbour's AP)
    min_distance          0 w.p. 0.5, else ``cell_radius 10^U(-3, -1)``
    reference_distance    ``LU(1 m, 1)``
    pathloss_exponent     uniform 2..6
    bandwidth, noise_psd  ``LU(10 MHz, 2)``, ``LU(-174 dBm/Hz, 2)``
    device, AP p_max      ``LU(25 dBm, 2)`` each; p_min = ``p_max 10^U(-4, -0.1)``, w.p. 0.05 equal
    reference_gain        set so that the cell-edge SNR (``p_max``, ``max(cell_radius, d0)``, one
                          subchannel, no fading) is ``10^U(-3, 5)`` (-30..50 dB), clipped to 1e-30..1e30
    device_speed          centre ``LU(0.75 GHz, 2)``, per user ``10^U(-0.5, 0.5)`` around it
    kappas                log-uniform on ``10^-29.9 .. 10^-25.9`` each (four decades above the model's
                          1e-30 floor; the scenarios' 1e-28 and 1e-29 inside)
    cycles per FLOP       ``LU(1, 2)`` each
    edge_unit_speed       ``LU(2 GHz, 2)``
    r_min, r_max          r_min 1 w.p. 0.7 else ``10^U(-1, 0.5)``; ``r_max = r_min 10^U(0, 2)``,
                          w.p. 0.05 ``r_max = r_min``
    speedup_exponent      uniform 1..2.5
    w_T                   uniform 0..1; w.p. 0.05 exactly 0, w.p. 0.05 exactly 1; ``w_E = 1 - w_T``
    result_bits           ``LU(320, 2)``
    bits per element      input ``LU(8, 1)``, features ``32 10^U(-2, 1)``
    workload              ``LU(1, 2)`` (a multiplier of every unit's FLOPs)
    ====================  ===========================================================================

    Every instance is a valid :class:`NomaParams`. OMA instances have
    ``M >= U`` and NOMA instances ``N cap M >= U``; only an AP holding more
    than ``cap x M`` users (uniform placement or overlapping cells in a dense
    draw, a minority) makes one infeasible.
    """
    rng = np.random.default_rng(seed)

    def lu(value: float, decades: float) -> float:
        return float(log_uniform(rng, value * 10.0**-decades, value * 10.0**decades))

    oma = rng.random() < WIDE["p_oma"]
    dense = rng.random() < WIDE["p_dense"]
    n_aps = int(rng.integers(1, WIDE["max_aps"] + 1))
    layout = ("cross", "line", "grid")[int(rng.integers(0, 3))]
    profile = NETWORKS[int(rng.integers(0, len(NETWORKS)))]
    max_sub = WIDE["max_subchannels"]
    cap = 3 if rng.random() < 0.6 else int(rng.integers(1, 5))
    if oma:
        users = int(rng.integers(8, WIDE["max_users_oma"] + 1)) if dense else int(rng.integers(1, 9))
        n_sub = int(rng.integers(users, max_sub + 1))
    else:
        users = int(rng.integers(10, WIDE["max_users"] + 1)) if dense else int(rng.integers(1, 9))
        cap = max(cap, -(-users // (n_aps * max_sub)))
        need = -(-users // (n_aps * cap))
        n_sub = min(need + int(rng.integers(0, 3 if dense else 16)), max_sub)
    placement = "per_cell" if rng.random() < 0.5 else "uniform"
    isd = 300.0 * 10.0 ** (rng.uniform(-2.0, 0.0) if dense else rng.uniform(0.0, 2.0))
    radius = isd / 2.0 * 10.0 ** rng.uniform(-1.0, 0.0)
    if dense and not oma and rng.random() < 0.3:
        radius *= 10.0 ** rng.uniform(0.0, 0.3)
    min_distance = 0.0 if rng.random() < 0.5 else radius * 10.0 ** rng.uniform(-3.0, -1.0)
    d0 = lu(1.0, 1.0)
    alpha = float(rng.uniform(2.0, 6.0))
    bandwidth = lu(10e6, 2.0)
    noise_psd = lu(float(dbm_per_hz_to_watt_per_hz(-174.0)), 2.0)
    p_dev_max = lu(float(dbm_to_watt(25.0)), 2.0)
    p_ap_max = lu(float(dbm_to_watt(25.0)), 2.0)
    p_dev_min = p_dev_max if rng.random() < 0.05 else p_dev_max * 10.0 ** rng.uniform(-4.0, -0.1)
    p_ap_min = p_ap_max if rng.random() < 0.05 else p_ap_max * 10.0 ** rng.uniform(-4.0, -0.1)
    edge_snr = 10.0 ** rng.uniform(-3.0, 5.0)
    noise = noise_psd * bandwidth / n_sub
    ref_gain = edge_snr * noise / (p_dev_max * (max(radius, d0) / d0) ** -alpha)
    ref_gain = float(np.clip(ref_gain, SCALAR_RANGE[0], SCALAR_RANGE[1]))
    speed_centre = lu(0.75e9, 2.0)
    r_min = 1.0 if rng.random() < 0.7 else float(10.0 ** rng.uniform(-1.0, 0.5))
    r_max = r_min if rng.random() < 0.05 else r_min * float(10.0 ** rng.uniform(0.0, 2.0))
    u = rng.random()
    w_t = 0.0 if u < 0.05 else 1.0 if u < 0.1 else float(rng.uniform(0.0, 1.0))
    entry = {
        **_data()["defaults"],
        "n_aps": n_aps,
        "layout": layout,
        "inter_site_distance": isd,
        "cell_radius": radius,
        "min_distance": min_distance,
        "placement": placement,
        "n_users": users,
        "n_subchannels": n_sub,
        "access": "oma" if oma else "noma",
        "cluster_cap": cap,
        "profile": profile,
        "input_bits_per_element": lu(8.0, 1.0),
        "feature_bits_per_element": 32.0 * float(10.0 ** rng.uniform(-2.0, 1.0)),
        "workload": lu(1.0, 2.0),
        "device_speed_range": [speed_centre * 10**-0.5, speed_centre * 10**0.5],
        "reference_distance": d0,
        "pathloss_exponent": alpha,
        "bandwidth": bandwidth,
        "noise_psd": noise_psd,
        "reference_gain": ref_gain,
        "device_power_min": p_dev_min,
        "device_power_max": p_dev_max,
        "ap_power_min": p_ap_min,
        "ap_power_max": p_ap_max,
        "device_kappa": float(log_uniform(rng, *WIDE["kappa"])),
        "edge_kappa": float(log_uniform(rng, *WIDE["kappa"])),
        "device_cycles_per_flop": lu(1.0, 2.0),
        "edge_cycles_per_flop": lu(1.0, 2.0),
        "edge_unit_speed": lu(2e9, 2.0),
        "r_min": r_min,
        "r_max": r_max,
        "speedup_exponent": float(rng.uniform(1.0, 2.5)),
        "w_T": w_t,
        "w_E": 1.0 - w_t,
        "result_bits": lu(320.0, 2.0),
    }
    return build(entry, int(rng.integers(0, 2**63 - 1)))


__all__ = [
    "FOLDED_KINDS",
    "LAYOUTS",
    "NETWORKS",
    "PLACEMENTS",
    "RANGES",
    "SCENARIO_FILE",
    "WIDE",
    "SplitProfile",
    "ap_layout",
    "build",
    "config",
    "names",
    "oma_params",
    "params",
    "place_users",
    "random_params",
    "small_noma_params",
    "split_profile",
    "wide_params",
]
