"""Energy-efficient fine-grained DNN partitioning for collaborative fog computing.

Kilcioglu, Mirghasemi, Stupia and Vandendorpe, "An Energy-Efficient
Fine-Grained Deep Neural Network Partitioning Scheme for Wireless
Collaborative Fog Computing", IEEE Access 9, 2021 (``shared/seeds/004``).

The model (problem (24), convexified as (31))
-------------------------------------------
``K`` nodes share the first ``N = n_layers`` convolutional layer-packs of a
CNN (3x3 convolution with zero padding, then 2x2 max-pooling). Node 0 is at
the top of the input, node ``K - 1`` at the bottom; node ``k`` has a neighbour
above iff ``k >= 1`` and below iff ``k <= K - 2``. With ``d_k >= 0`` the rows
given to node ``k`` (relaxed to real numbers, ``sum_k d_k = d_y``, eq. (4)),
layer ``n = 1..N`` and ``d^x_n = floor(d_x / 2^(n-1))`` its columns:

* **First-round distribution** (FRD, eqs. (5)-(10), (25)-(27)): the master
  ``m`` sends node ``k != m`` its ``d_x (d_k + 1 + I^a_k I^b_k)`` bits in time
  ``t^FRD_k`` at power ``p^FRD_k <= p_max[m]``, spending
  ``t^FRD_k (p^FRD_k + p_circuit[m])``.
* **Local computation** (eqs. (14)-(16)): ``N^MAC_{k,n} = 9 d^x_n d_k / 2^(n-1)``
  MACs in time ``t^LOC_{k,n} >= c_k N^MAC_{k,n} / f_max[k]``, costing
  ``kappa_k (c_k N^MAC_{k,n})^3 / (t^LOC_{k,n})^2`` (eq. (12)).
* **Exchange** (eqs. (17)-(21), (28)-(30)): after layer ``n`` each node sends
  ``d^x_n`` bits to each neighbour it has, at power ``<= p_max[k]``, over the
  link between nodes ``j`` and ``j + 1`` of gain ``gain_link[j, n]`` (the same
  in both directions), spending ``t (p + p_circuit[k])``.
* **Timing**: ``t^LOC + t^EXC_above + t^EXC_below <= t_n`` for every node
  (eq. (22)) and ``sum_{k != m} t^FRD_k + sum_n t_n <= tau`` (eq. (23)).

Rates are ``B ln(1 + p h / (N0 B))``, with the natural logarithm exactly as the
paper prints it (eqs. (5), (17)), compared against bit counts; we keep that
convention so that numbers are comparable with the paper, which amounts to
measuring data in nats. The objective is the total energy in joules.

This module holds the parameters and the model's equations only (energy,
constraint violations, the repair of a point, whose one search is the generic
bisection of :mod:`edgeopt.solvers.scalar`); the methods that solve it are
the modules beside it (:mod:`~edgeopt.problems.fog.barrier`,
:mod:`~edgeopt.problems.fog.decomposition`, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.channel import shannon_rate_nats
from edgeopt.models.compute import cmos_energy
from edgeopt.solvers.scalar import find_root_bisect

FloatArray = NDArray[np.float64]

#: Row-wise MACs per output element: a 3x3 convolution, eq. (11).
MACS_PER_ELEMENT = 9

# Indices of the two exchange directions in the (K, N, 2) link arrays.
ABOVE, BELOW = 0, 1

#: Names of the primal variables in ``Solution.x``, all in SI units.
VARIABLES = (
    "rows",
    "t_layer",
    "t_frd",
    "p_frd",
    "t_loc",
    "f_cpu",
    "t_exc_above",
    "p_exc_above",
    "t_exc_below",
    "p_exc_below",
)


#: Largest ``n_layers`` (``d_x >= 2^(n_layers - 1)`` and ``d_x <= 1e9``).
MAX_LAYERS = 30

#: Allowed range of every numeric field of :class:`FogParams` (SI units), inclusive.
#: The scenario values sit near the geometric middle; each range spans at least
#: eight decades around them, beyond the four of the wide-range generator
#: (:func:`~edgeopt.problems.fog.scenarios.wide_params`). Outside them the
#: products the model forms (``kappa (c d_x d_y)^3``, ``g p_max / (N0 B)``, bits
#: over rates) leave double precision or the solvers' scaled units, so such
#: values are rejected rather than solved wrongly. ``tau`` has no lower bound:
#: a budget below the minimum latency is a valid instance, reported ``INFEASIBLE``.
FIELD_RANGES: dict[str, tuple[float, float]] = {
    "d_x": (1.0, 1e9),  # columns (and >= 2^(n_layers - 1))
    "d_y": (1e-3, 1e9),  # rows to distribute
    "tau": (0.0, 1e9),  # s, > 0
    "bandwidth": (1.0, 1e12),  # Hz
    "noise_psd": (1e-30, 1e-10),  # W/Hz (-174 dBm/Hz = 4e-21)
    "cycles_per_mac": (1e-3, 1e10),  # cycles per MAC
    "kappa": (1e-40, 1e-16),  # J s^2 / cycle^3 (mobile CPUs ~1e-28)
    "f_max": (1e3, 1e14),  # cycles/s
    "p_max": (1e-9, 1e4),  # W
    "p_circuit": (0.0, 1e4),  # W, 0 allowed
    "gain_frd": (1e-20, 1e3),  # power gain
    "gain_link": (1e-20, 1e3),  # power gain
}


def _ranged_array(name: str, value: Any, shapes: Sequence[tuple[int, ...]]) -> FloatArray:
    """:func:`edgeopt.core.validate.array` within :data:`FIELD_RANGES` (0 allowed where the lower bound is 0)."""
    lo, hi = FIELD_RANGES[name]
    arr = validate.array(name, value, shapes, allow_zero=lo == 0)
    outside = (arr > hi) | ((arr < lo) & ~((lo == 0) & (arr == 0)))
    if np.any(outside):
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise InvalidParameterError(
            f"{name} must be in [{lo:g}, {hi:g}] everywhere, got {float(arr[index])!r} at index {index}"
        )
    return arr


@dataclass(frozen=True)
class FogParams:
    """Parameters of the fog partitioning problem, SI units throughout.

    Parameters
    ----------
    d_x : float
        Columns of the 2-D input (the paper's "bits" per row), ``>= 2^(n_layers-1)``
        so that every layer has at least one column.
    d_y : float
        Rows of the 2-D input to distribute, ``> 0``.
    n_layers : int
        Collaborative layer-packs ``N^LAY >= 1``.
    tau : float
        Latency budget in seconds.
    bandwidth : float
        Channel bandwidth ``B`` in Hz.
    noise_psd : float
        Noise power spectral density ``N0`` in W/Hz.
    master : int
        Index of the master node, ``0 <= master < K``.
    cycles_per_mac : array_like, shape (K,)
        CPU cycles per MAC ``c_k``.
    kappa : array_like, shape (K,)
        Effective switched capacitance ``kappa_k`` (J s^2 / cycle^3).
    f_max : array_like, shape (K,)
        Maximum CPU frequency in cycles/s.
    p_max : array_like, shape (K,)
        Maximum RF transmit power in W.
    p_circuit : array_like, shape (K,)
        Transmitter circuit power in W (``>= 0``).
    gain_frd : array_like, shape (K,)
        Power gain from the master to each node; the master's entry is ignored.
    gain_link : array_like, shape (K-1,) or (K-1, n_layers)
        Power gain of the link between node ``j`` and ``j + 1`` (both
        directions), optionally per layer; stored as shape (K-1, n_layers).

    """

    d_x: float
    d_y: float
    n_layers: int
    tau: float
    bandwidth: float
    noise_psd: float
    master: int
    cycles_per_mac: FloatArray
    kappa: FloatArray
    f_max: FloatArray
    p_max: FloatArray
    p_circuit: FloatArray
    gain_frd: FloatArray
    gain_link: FloatArray

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "n_layers", validate.integer("n_layers", self.n_layers, minimum=1, maximum=MAX_LAYERS))
        for name in ("d_y", "tau", "bandwidth", "noise_psd"):
            lo, hi = FIELD_RANGES[name]
            set_(
                self,
                name,
                validate.number(name, getattr(self, name), minimum=lo, maximum=hi, exclusive_minimum=lo == 0),
            )
        lo, hi = FIELD_RANGES["d_x"]
        lo = max(lo, 2.0 ** (self.n_layers - 1))
        try:
            set_(self, "d_x", validate.number("d_x", self.d_x, minimum=lo, maximum=hi))
        except InvalidParameterError as err:
            raise InvalidParameterError(f"{err} (d_x >= 2^(n_layers - 1) keeps a column in every layer)") from None
        raw = self.cycles_per_mac
        k_nodes = int(np.shape(raw)[0]) if np.ndim(raw) == 1 and not isinstance(raw, str | bytes) else -1
        if k_nodes == -1:
            raise InvalidParameterError(
                f"cycles_per_mac must be a 1-d array of length K (the number of nodes), got {raw!r:.80}"
            )
        if k_nodes < 2:
            raise InvalidParameterError(f"K (length of the per-node arrays) must be >= 2, got {k_nodes}")
        shape = ((k_nodes,),)
        try:
            for name in ("cycles_per_mac", "kappa", "f_max", "p_max", "p_circuit"):
                set_(self, name, _ranged_array(name, getattr(self, name), shape))
        except InvalidParameterError as err:
            if "shape" not in str(err):
                raise
            raise InvalidParameterError(f"{err} (K = {k_nodes} is the length of cycles_per_mac)") from None
        set_(self, "master", validate.integer("master", self.master, minimum=0, maximum=k_nodes - 1))
        # The master's own FRD gain is ignored by the model: any finite value >= 0 is accepted there.
        try:
            gain_frd = validate.array("gain_frd", self.gain_frd, shape, allow_zero=True).copy()
        except InvalidParameterError as err:
            if "shape" not in str(err):
                raise
            raise InvalidParameterError(f"{err} (K = {k_nodes} is the length of cycles_per_mac)") from None
        gain_frd[self.master] = 1.0
        set_(self, "gain_frd", _ranged_array("gain_frd", gain_frd, shape))
        link = _ranged_array("gain_link", self.gain_link, ((k_nodes - 1,), (k_nodes - 1, self.n_layers)))
        if link.ndim == 1:
            link = np.repeat(link[:, None], self.n_layers, axis=1)
            link.setflags(write=False)
        set_(self, "gain_link", link)

    @property
    def K(self) -> int:  # noqa: N802 - the paper's name
        """Number of nodes."""
        return int(self.cycles_per_mac.shape[0])

    def replace(self, **changes: Any) -> FogParams:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Fields as plain Python values (lists for arrays), e.g. for JSON or TOML."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            out[field.name] = value.tolist() if isinstance(value, np.ndarray) else value
        return out

    @cached_property
    def layout(self) -> FogLayout:
        """Derived constants (columns per layer, cycles per row, link tables)."""
        return FogLayout.from_params(self)


# Field getters of FogBatch.of: one C-level call per instance for each group of fields.
_SCALARS = attrgetter("d_x", "d_y", "tau", "bandwidth", "noise_psd", "master")
_NODE_ARRAYS = ("cycles_per_mac", "kappa", "f_max", "p_max", "p_circuit", "gain_frd")
_NODES = attrgetter(*_NODE_ARRAYS)
_LINK = attrgetter("gain_link")  # always stored (K - 1, N)
_LINK_SHAPE = attrgetter("gain_link.shape")


@dataclass(frozen=True)
class FogLayout:
    """Constants derived once from :class:`FogParams`.

    Attributes
    ----------
    columns : ndarray, shape (N,)
        ``d^x_n = floor(d_x / 2^(n-1))``.
    macs_per_row : ndarray, shape (N,)
        MACs per assigned input row in layer ``n``: ``9 d^x_n / 2^(n-1)`` (eq. (14)).
    cycles_per_row : ndarray, shape (K, N)
        ``a_{k,n} = c_k * macs_per_row[n]``: CPU cycles per row (``m_{k,n} = a_{k,n} d_k``).
    link_mask : ndarray of bool, shape (K, N, 2)
        Whether node ``k`` sends to its neighbour above (``[..., 0]``) / below (``[..., 1]``).
    link_bits : ndarray, shape (K, N, 2)
        Bits sent on each exchange link, ``d^x_n`` where it exists, else 0 (eq. (19)).
    link_gain : ndarray, shape (K, N, 2)
        Its power gain (1 where the link does not exist, never used).
    frd_mask : ndarray of bool, shape (K,)
        ``k != master``.
    frd_fixed_bits : ndarray, shape (K,)
        ``d_x (1 + I^a I^b)``: FRD bits besides the node's own rows (eq. (9)).

    """

    columns: FloatArray
    macs_per_row: FloatArray
    cycles_per_row: FloatArray
    link_mask: NDArray[np.bool_]
    link_bits: FloatArray
    link_gain: FloatArray
    frd_mask: NDArray[np.bool_]
    frd_fixed_bits: FloatArray

    @classmethod
    def from_params(cls, p: FogParams) -> FogLayout:
        """Compute the layout of ``p`` (:meth:`of_batch` on a batch of one)."""
        lay = cls.of_batch(
            np.array([p.d_x]), p.cycles_per_mac[None], np.array([p.master]), p.gain_link[None], p.n_layers
        )
        return cls(**{f.name: getattr(lay, f.name)[0] for f in dataclasses.fields(cls)})

    @classmethod
    def of_batch(
        cls,
        d_x: FloatArray,
        cycles_per_mac: FloatArray,
        master: NDArray[np.int64],
        gain_link: FloatArray,
        n_layers: int,
    ) -> FogLayout:
        """The layouts of a batch of instances of one size, every table with the batch axis first.

        Parameters
        ----------
        d_x : ndarray, shape (S,)
            Columns of each instance.
        cycles_per_mac : ndarray, shape (S, K)
            CPU cycles per MAC.
        master : ndarray of int, shape (S,)
            The master nodes.
        gain_link : ndarray, shape (S, K - 1, N)
            Link gains per layer.
        n_layers : int
            ``N``.

        """
        S, k_nodes = cycles_per_mac.shape
        halving = 2.0 ** np.arange(n_layers)
        columns = np.floor(d_x[:, None] / halving)
        macs_per_row = MACS_PER_ELEMENT * columns / halving
        mask = np.zeros((k_nodes, n_layers, 2), dtype=bool)
        mask[1:, :, ABOVE] = True
        mask[:-1, :, BELOW] = True
        gain = np.ones((S, k_nodes, n_layers, 2))
        gain[:, 1:, :, ABOVE] = gain_link
        gain[:, :-1, :, BELOW] = gain_link
        interior = mask[:, 0, ABOVE] & mask[:, 0, BELOW]
        return cls(
            columns=columns,
            macs_per_row=macs_per_row,
            cycles_per_row=cycles_per_mac[:, :, None] * macs_per_row[:, None, :],
            link_mask=np.broadcast_to(mask, (S, *mask.shape)).copy(),
            link_bits=np.where(mask, columns[:, None, :, None], 0.0),
            link_gain=gain,
            frd_mask=np.arange(k_nodes)[None, :] != master[:, None],
            frd_fixed_bits=np.asarray(d_x[:, None] * (1.0 + interior), dtype=np.float64),
        )

    def frd_bits(self, p: FogParams, rows: FloatArray) -> FloatArray:
        """Bits the master sends each node in the FRD (0 for itself), eq. (9)."""
        return np.where(self.frd_mask, p.d_x * rows + self.frd_fixed_bits, 0.0)

    def total_macs(self, p: FogParams) -> float:
        """Total collaborative MACs ``sum_{k,n} N^MAC_{k,n}`` (independent of the split)."""
        return float(p.d_y * self.macs_per_row.sum())


@dataclass(frozen=True)
class FogBatch:
    """Instances of one size stacked on a leading batch axis, for vectorised evaluation.

    Scalars become arrays of shape (S,), per-node arrays (S, K), and
    ``layout`` is a :class:`FogLayout` whose tables have the batch axis first.
    Built by :meth:`of`.
    """

    d_x: FloatArray
    d_y: FloatArray
    tau: FloatArray
    bandwidth: FloatArray
    noise_psd: FloatArray
    kappa: FloatArray
    f_max: FloatArray
    p_max: FloatArray
    p_circuit: FloatArray
    gain_frd: FloatArray
    p_max_master: FloatArray
    p_circuit_master: FloatArray
    layout: FogLayout  # every table with the batch axis first

    @classmethod
    def of(cls, params: Sequence[FogParams]) -> FogBatch:
        """Stack instances that share ``K`` and ``n_layers``.

        Every field is gathered once for the whole batch (one ``np.array`` of
        the scalars, one ``np.concatenate`` of the per-node arrays, one of the
        link gains) and the layout tables are computed batch-first
        (:meth:`FogLayout.of_batch`): no Python work per instance besides
        reading its fields. The values are those of the instances' own
        :attr:`FogParams.layout`, bit for bit (the same elementwise operations).

        Raises
        ------
        InvalidParameterError
            If the instances are not all of one size, or there are none.

        """
        params = list(params)
        if not params:
            raise InvalidParameterError("FogBatch.of needs at least one instance")
        shapes = set(map(_LINK_SHAPE, params))
        if len(shapes) != 1:
            sizes = sorted({(k + 1, n) for k, n in shapes})
            raise InvalidParameterError(f"FogBatch.of takes instances of one size (K, n_layers), got {sizes}")
        (k_links, n_layers) = shapes.pop()
        S, K = len(params), k_links + 1
        scalars = np.array(list(map(_SCALARS, params)), dtype=np.float64)
        nodes = np.concatenate(list(chain.from_iterable(map(_NODES, params)))).reshape(S, len(_NODE_ARRAYS), K)
        gain_link = np.concatenate(list(map(_LINK, params))).reshape(S, k_links, n_layers)
        master = scalars[:, 5].astype(np.int64)
        cycles, kappa, f_max, p_max, p_circuit, gain_frd = (np.ascontiguousarray(nodes[:, j]) for j in range(6))
        rows = np.arange(S)
        return cls(
            d_x=scalars[:, 0].copy(),
            d_y=scalars[:, 1].copy(),
            tau=scalars[:, 2].copy(),
            bandwidth=scalars[:, 3].copy(),
            noise_psd=scalars[:, 4].copy(),
            kappa=kappa,
            f_max=f_max,
            p_max=p_max,
            p_circuit=p_circuit,
            gain_frd=gain_frd,
            p_max_master=p_max[rows, master],
            p_circuit_master=p_circuit[rows, master],
            layout=FogLayout.of_batch(scalars[:, 0], cycles, master, gain_link, n_layers),
        )

    @classmethod
    def one(cls, p: FogParams) -> FogBatch:
        """``FogBatch.of([p])`` without its stacking: every field of ``p`` viewed with a batch axis of one.

        The same values (and dtypes) as ``FogBatch.of([p])``, at a fraction of
        the cost, for the one-instance entry points.
        """
        lay = p.layout
        return cls(
            d_x=np.array([p.d_x]),
            d_y=np.array([p.d_y]),
            tau=np.array([p.tau]),
            bandwidth=np.array([p.bandwidth]),
            noise_psd=np.array([p.noise_psd]),
            kappa=p.kappa[None],
            f_max=p.f_max[None],
            p_max=p.p_max[None],
            p_circuit=p.p_circuit[None],
            gain_frd=p.gain_frd[None],
            p_max_master=p.p_max[p.master : p.master + 1],
            p_circuit_master=p.p_circuit[p.master : p.master + 1],
            layout=FogLayout(**{f.name: getattr(lay, f.name)[None] for f in dataclasses.fields(FogLayout)}),
        )

    def take(self, keep: NDArray[np.bool_] | NDArray[np.intp]) -> FogBatch:
        """The instances ``keep`` (a mask or indices along the batch axis) as a batch of their own."""
        return FogBatch(
            **{f.name: getattr(self, f.name)[keep] for f in dataclasses.fields(FogBatch) if f.name != "layout"},
            layout=FogLayout(**{f.name: getattr(self.layout, f.name)[keep] for f in dataclasses.fields(FogLayout)}),
        )

    def frd_bits(self, rows: FloatArray) -> FloatArray:
        """Bits the master sends each node in the FRD (0 for itself), eq. (9); rows (S, K)."""
        return np.where(self.layout.frd_mask, self.d_x[:, None] * rows + self.layout.frd_fixed_bits, 0.0)


def _one(p: FogParams, x: dict[str, FloatArray]) -> tuple[FogBatch, dict[str, FloatArray]]:
    """One instance and its point as a batch of one."""
    return FogBatch.one(p), {name: np.asarray(value)[None] for name, value in x.items()}


def energy_terms(p: FogParams, x: dict[str, FloatArray]) -> dict[str, float]:
    """Energy of a point by part, in joules: ``frd``, ``local``, ``exchange``, ``total``.

    This is the objective of (24) evaluated exactly from the primal variables,
    the single place every method's objective is computed
    (:func:`energy_terms_batch` on a batch of one).
    """
    return {name: float(value[0]) for name, value in energy_terms_batch(*_one(p, x)).items()}


def energy_terms_batch(b: FogBatch, x: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """:func:`energy_terms` for a batch: every entry of ``x`` has the batch axis first."""
    frd = np.sum(np.where(b.layout.frd_mask, x["t_frd"] * (x["p_frd"] + b.p_circuit_master[:, None]), 0.0), axis=1)
    cycles = b.layout.cycles_per_row * x["rows"][:, :, None]
    local = np.sum(cmos_energy(b.kappa[:, :, None], cycles, x["t_loc"]), axis=(1, 2))
    exc = np.zeros_like(frd)
    for direction, name in ((ABOVE, "above"), (BELOW, "below")):
        mask = b.layout.link_mask[..., direction]
        t, pw = x[f"t_exc_{name}"], x[f"p_exc_{name}"]
        exc = exc + np.sum(np.where(mask, t * (pw + b.p_circuit[:, :, None]), 0.0), axis=(1, 2))
    return {"frd": frd, "local": local, "exchange": exc, "total": frd + local + exc}


def constraint_violations(p: FogParams, x: dict[str, FloatArray]) -> dict[str, float]:
    """Largest relative violation of each constraint family of (24) at ``x``.

    Each violation is divided by the natural scale of its constraint (bits for
    a rate constraint, the layer time for a timing constraint, ``tau`` for the
    latency, ``d_y`` for the rows, the power cap for a power constraint).
    :func:`constraint_violations_batch` on a batch of one.
    """
    return {name: float(value[0]) for name, value in constraint_violations_batch(*_one(p, x)).items()}


def _relative(excess: FloatArray, scale: FloatArray) -> FloatArray:
    """``excess / scale``, with a zero scale (a layer given no time) giving inf for any excess and 0 otherwise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = excess / scale
    return np.where(scale > 0, ratio, np.where(excess > 0, np.inf, 0.0))


def constraint_violations_batch(b: FogBatch, x: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """:func:`constraint_violations` for a batch: every entry of ``x`` has the batch axis first."""
    rows = x["rows"]
    t_layer = x["t_layer"]
    S = rows.shape[0]
    out: dict[str, FloatArray] = {}
    out["rows_sum"] = np.abs(rows.sum(axis=1) - b.d_y) / b.d_y
    out["rows_nonneg"] = np.maximum(0.0, -rows.min(axis=1)) / b.d_y
    # First-round distribution, eqs. (10), (8).
    bits = b.frd_bits(np.maximum(rows, 0.0))
    sent = x["t_frd"] * shannon_rate_nats(x["p_frd"], b.gain_frd, b.bandwidth[:, None], b.noise_psd[:, None])
    fm = b.layout.frd_mask
    out["frd_rate"] = np.max(np.where(fm, (bits - sent) / np.where(fm, bits, 1.0), 0.0), axis=1, initial=0.0)
    out["frd_power"] = np.max(np.where(fm, x["p_frd"] / b.p_max_master[:, None] - 1.0, 0.0), axis=1, initial=0.0)
    # Local computation, eq. (16).
    cycles = b.layout.cycles_per_row * rows[:, :, None]
    floor_time = cycles / b.f_max[:, :, None]
    out["cpu_speed"] = np.max(_relative(floor_time - x["t_loc"], t_layer[:, None, :]), axis=(1, 2), initial=0.0)
    # Exchange, eqs. (19), (20).
    rate_viol, power_viol = np.zeros(S), np.zeros(S)
    busy = np.array(x["t_loc"], dtype=float)
    bw, n0 = b.bandwidth[:, None, None], b.noise_psd[:, None, None]
    for direction, name in ((ABOVE, "above"), (BELOW, "below")):
        mask = b.layout.link_mask[..., direction]
        t, pw = x[f"t_exc_{name}"], x[f"p_exc_{name}"]
        sent = t * shannon_rate_nats(pw, b.layout.link_gain[..., direction], bw, n0)
        d = b.layout.link_bits[..., direction]
        rate = np.where(mask, (d - sent) / np.where(mask, d, 1.0), 0.0)
        power = np.where(mask, pw / b.p_max[:, :, None] - 1.0, 0.0)
        rate_viol = np.maximum(rate_viol, np.max(rate, axis=(1, 2)))
        power_viol = np.maximum(power_viol, np.max(power, axis=(1, 2)))
        busy = busy + np.where(mask, t, 0.0)
    out["exchange_rate"] = rate_viol
    out["exchange_power"] = power_viol
    # Timing, eqs. (22), (23).
    out["layer_time"] = np.max(_relative(busy - t_layer[:, None, :], t_layer[:, None, :]), axis=(1, 2))
    latency = np.sum(np.where(fm, x["t_frd"], 0.0), axis=1) + t_layer.sum(axis=1)
    out["latency"] = np.maximum(0.0, latency / b.tau - 1.0)
    nonneg = np.min(
        [
            np.min(x[name].reshape(S, -1), axis=1) / (b.tau if name.startswith("t_") else 1.0)
            for name in VARIABLES
            if name.startswith(("t_", "p_"))
        ],
        axis=0,
    )
    out["nonnegativity"] = np.maximum(0.0, -nonneg)
    return {key: np.maximum(0.0, value) for key, value in out.items()}


def repair_point(p: FogParams, x: dict[str, FloatArray]) -> dict[str, FloatArray] | None:
    """An exactly feasible point close to ``x`` (the benchmark's repair procedure).

    Keep the decisions: rows clipped at 0 and rescaled to ``d_y`` (eq. (4));
    every transmit power clipped to ``(0, p_max]`` and its time set to exactly
    what the power needs for the bits (eqs. (10), (19)); local times raised to
    their CPU-speed floor (eq. (16)); each ``t_n`` the busiest node's time
    (eq. (22)). If the latency then exceeds ``tau`` (eq. (23)), local times are
    moved towards their floors by a common fraction (bisection) until it fits.

    Returns
    -------
    dict or None
        The repaired point (:data:`VARIABLES`), or None when even all local
        times at their floors do not fit in ``tau``.

    """
    lay = p.layout
    n0b = p.noise_psd * p.bandwidth
    rows = np.maximum(np.asarray(x["rows"], dtype=float), 0.0)
    if rows.sum() <= 0:
        return None
    rows *= p.d_y / rows.sum()
    out: dict[str, FloatArray] = {"rows": rows}
    tiny = 1e-300
    # Transmissions: keep the power, send exactly the bits.
    pf = np.clip(np.asarray(x["p_frd"], dtype=float), tiny, p.p_max[p.master])
    rate = shannon_rate_nats(pf, p.gain_frd, p.bandwidth, p.noise_psd)
    out["p_frd"] = np.where(lay.frd_mask, pf, 0.0)
    out["t_frd"] = np.where(lay.frd_mask, lay.frd_bits(p, rows) / rate, 0.0)
    busy = np.zeros((p.K, p.n_layers))
    for direction, name in ((ABOVE, "above"), (BELOW, "below")):
        mask = lay.link_mask[:, :, direction]
        pw = np.clip(np.asarray(x[f"p_exc_{name}"], dtype=float), tiny, p.p_max[:, None])
        rate = p.bandwidth * np.log1p(pw * lay.link_gain[:, :, direction] / n0b)
        out[f"p_exc_{name}"] = np.where(mask, pw, 0.0)
        out[f"t_exc_{name}"] = np.where(mask, lay.link_bits[:, :, direction] / rate, 0.0)
        busy += out[f"t_exc_{name}"]
    floor = lay.cycles_per_row * rows[:, None] / p.f_max[:, None]
    t_loc0 = np.maximum(np.asarray(x["t_loc"], dtype=float), floor)
    budget = p.tau - out["t_frd"].sum()

    def layer_times(frac: float | FloatArray) -> FloatArray:
        return np.asarray(np.max(floor + frac * (t_loc0 - floor) + busy, axis=0))

    def excess(frac: FloatArray) -> FloatArray:
        return np.asarray(layer_times(frac).sum() - budget)

    if layer_times(1.0).sum() > budget:
        if layer_times(0.0).sum() > budget:
            return None
        # The largest fraction that fits, to 80 halvings: a fit keeps the midpoint as the lower end.
        fit = find_root_bisect(excess, 0.0, 1.0, increasing=True, zero="lo", xtol=0.0, rtol=0.0, max_iter=80)
        frac = float(fit.lo)
    else:
        frac = 1.0
    out["t_loc"] = floor + frac * (t_loc0 - floor)
    out["t_layer"] = layer_times(frac)
    out["f_cpu"] = frequencies(p, rows, out["t_loc"])
    return out


def frequencies(p: FogParams, rows: FloatArray, t_loc: FloatArray) -> FloatArray:
    """CPU frequency ``c_k N^MAC_{k,n} / t^LOC_{k,n}`` (0 where nothing is computed)."""
    return cpu_speed(p.layout.cycles_per_row * rows[:, None], t_loc)


def cpu_speed(cycles: FloatArray, t_loc: FloatArray) -> FloatArray:
    """``cycles / t_loc`` elementwise, 0 where nothing is computed (any batch shape)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = cycles / t_loc
    return np.where(cycles > 0, f, 0.0)


__all__ = [
    "ABOVE",
    "BELOW",
    "FIELD_RANGES",
    "MACS_PER_ELEMENT",
    "MAX_LAYERS",
    "VARIABLES",
    "FogBatch",
    "FogLayout",
    "FogParams",
    "constraint_violations",
    "constraint_violations_batch",
    "cpu_speed",
    "energy_terms",
    "energy_terms_batch",
    "frequencies",
    "repair_point",
]
