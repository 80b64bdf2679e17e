"""The cut-selection model of paper 000: parameters, energies, the per-inference objective.

A client runs a (compressed) chain DNN up to a cut layer ``l`` and sends that
layer's output, ``d_l`` elements of 32 bits, to a server. For every channel
observation ``h`` it picks the cut minimising its energy (paper 000, eq. (6)
and Sec. III-B)

.. math:: E(l, h) = E_p(l) + E_{tr}(l, h),\\qquad
          E_{tr}(l, h) = P\\,\\tau_l(h),\\quad
          \\tau_l(h) = \\frac{32 d_l}{W \\log_2(1 + P |h|^2 / (N_0 W))},

with ``E_p(l)`` the processing energy of layers ``1..l`` (eqs. (1)-(2),
:mod:`edgeopt.models.energy`) and ``tau`` from eqs. (3)-(4) at a constant
power over the slot. Eq. (5) as printed reads ``E_tr = tau * int P dt``,
which multiplies by the time twice and is not an energy; we use
power x time. The choice set is ``l in {1, ..., L}`` (layer ``L`` sends the
label), plus ``l = 0`` (raw input) when ``allow_raw`` is set. The objective
is the mean energy per inference over the observations (eq. (8)).

Beyond the paper (``power_control``): the client also picks its transmit
power ``P <= power`` per inference under a deadline ``T`` with a circuit
power ``P_c``, energy ``(P + P_c) tau``; each layer's transmission then has
the closed form of :func:`edgeopt.models.channel.min_energy_transmission`.

Per-sample results. A sample is *unreachable* when no cut can serve it: a
zero gain (no link) with every candidate payload non-empty, or, under power
control, a deadline below the full-power time of every cut. Unreachable
samples do not void the batch: their energy is ``inf``, ``x["feasible"]`` is
False there, and the objective is the mean energy over the reachable samples
(the placeholders are in :func:`summarise`). Only a batch with no reachable
sample is ``INFEASIBLE``.

Valid ranges (:data:`RANGES`; outside them a field is rejected with an
:class:`~edgeopt.core.errors.InvalidParameterError` naming it). They are
wide physically and keep every intermediate of the model finite: the SNR
``P g / (N0 W)`` stays within 1e-57..1e66, transmission times below 1e75 s.

The methods live beside this module: :mod:`.envelope` (``"analytic"``, the
default: the lower envelope of the per-layer energy lines, vectorised over
any batch shape of gains), :mod:`.exhaustive` (``"exhaustive"``: the full
energy matrix and its row minimum) and :mod:`.reference` (``"cvxpy"``: the
MILP with one one-hot boolean row per sample, HiGHS by default, and under
power control one exponential-cone program per cut, Clarabel by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import array, boolean, integer, number
from edgeopt.models.channel import min_energy_transmission, shannon_rate_bits
from edgeopt.models.dnn import DnnProfile, output_elements
from edgeopt.models.energy import ProcessingEnergyModel, co2_kg

BITS_PER_ELEMENT = 32

# Valid ranges, SI units: (minimum, maximum), inclusive. Gains may also be exactly 0 (no link).
RANGES: dict[str, tuple[float, float]] = {
    "processing_energy": (0.0, 1e10),  # J per inference
    "output_elements": (0.0, 1e15),
    "gains": (1e-30, 1e30),  # positive gains; 0 is allowed too
    "bandwidth": (1.0, 1e12),  # Hz
    "noise_psd": (1e-30, 1.0),  # W/Hz
    "power": (1e-15, 1e6),  # W
    "bits_per_element": (1, 1024),
    "deadline": (1e-12, 1e12),  # s
    "circuit_power": (0.0, 1e6),  # W
}

# Placeholders of an unreachable sample in a Solution's x (see summarise).
UNREACHABLE_CUT = -1


def _scalar(name: str, value: Any, key: str | None = None) -> float:
    low, high = RANGES[key or name]
    return number(name, value, minimum=low, maximum=high)


@dataclass(frozen=True)
class PowerControl:
    """Transmit-power choice under a per-inference deadline (the extension beyond paper 000).

    Attributes
    ----------
    deadline : float
        Seconds available for the transmission of one inference's payload,
        in ``[1e-12, 1e12]``.
    circuit_power : float
        Transmitter circuit power ``P_c`` in W, drawn while transmitting, in
        ``[0, 1e6]`` (without it the optimum simply stretches the
        transmission to the deadline).

    """

    deadline: float
    circuit_power: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "deadline", _scalar("power_control.deadline", self.deadline, "deadline"))
        object.__setattr__(
            self, "circuit_power", _scalar("power_control.circuit_power", self.circuit_power, "circuit_power")
        )


@dataclass(frozen=True)
class CutSelectionParams:
    """Inputs of the cut-selection problem, SI units (ranges: :data:`RANGES`).

    Attributes
    ----------
    processing_energy : array (L + 1,)
        ``E_p(l)`` in J for cuts ``l = 0..L`` (``L >= 1``), each in ``[0, 1e10]``;
        ``E_p(0) = 0`` (nothing run) in the paper.
    output_elements : array (L + 1,)
        ``d_l``, elements sent at cut ``l`` (``d_0`` the raw input), each in ``[0, 1e15]``.
    gains : array, any shape
        Channel power gains ``|h|^2``, one per inference, each 0 (no link:
        the sample is unreachable unless a cut sends nothing) or in
        ``[1e-30, 1e30]``; at least one.
    bandwidth : float
        ``W`` in Hz, in ``[1, 1e12]``.
    noise_psd : float
        ``N0`` in W/Hz, in ``[1e-30, 1]``.
    power : float
        Transmit power ``P`` in W (the cap ``P_max`` under ``power_control``), in ``[1e-15, 1e6]``.
    layer_names : tuple of str
        Distinct names of the cuts, for reports (default ``layer0, layer1, ...``).
    allow_raw : bool
        Allow ``l = 0`` (send the raw input); off by default, as in the paper.
    bits_per_element : int
        32 (full precision), as in the paper; an integer in ``[1, 1024]``.
    power_control : PowerControl, optional
        Choose the transmit power too.

    """

    processing_energy: np.ndarray
    output_elements: np.ndarray
    gains: np.ndarray = field(metadata={"any_shape": True})  # any batch shape of |h|^2
    bandwidth: float
    noise_psd: float
    power: float = 1e-3
    layer_names: tuple[str, ...] = ()
    allow_raw: bool = False
    bits_per_element: int = BITS_PER_ELEMENT
    power_control: PowerControl | None = None

    def __post_init__(self) -> None:
        ep = array("processing_energy", self.processing_energy, allow_zero=True, ndim=1,
                   maximum=RANGES["processing_energy"][1])  # fmt: skip
        if ep.size < 2:
            raise InvalidParameterError(
                f"processing_energy must be a vector of L + 1 >= 2 values, got shape {ep.shape}"
            )
        d = array("output_elements", self.output_elements, allow_zero=True, maximum=RANGES["output_elements"][1])
        if d.shape != ep.shape:
            raise InvalidParameterError(
                f"processing_energy and output_elements must have the same shape (L + 1,), got {ep.shape} and {d.shape}"
            )
        gains = array("gains", self.gains, allow_zero=True, maximum=RANGES["gains"][1])
        if gains.size == 0:
            raise InvalidParameterError("gains must hold at least one channel gain, got an empty array")
        tiny = (gains > 0) & (gains < RANGES["gains"][0])
        if np.any(tiny):
            index = tuple(int(i) for i in np.argwhere(tiny)[0])
            raise InvalidParameterError(
                f"gains must be 0 or in [{RANGES['gains'][0]:g}, {RANGES['gains'][1]:g}], "
                f"got {float(gains[index])!r} at index {index}"
            )
        names = self.layer_names
        if isinstance(names, str) or not isinstance(names, tuple | list):
            raise InvalidParameterError(f"layer_names must be a tuple of str, got {type(names).__name__}")
        names = tuple(names) or tuple(f"layer{i}" for i in range(ep.size))
        if len(names) != ep.size or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise InvalidParameterError(
                f"layer_names must be {ep.size} distinct strings (one per entry of processing_energy), "
                f"got {self.layer_names!r}"[:300]
            )
        object.__setattr__(self, "processing_energy", ep)
        object.__setattr__(self, "output_elements", d)
        object.__setattr__(self, "gains", gains)
        object.__setattr__(self, "layer_names", names)
        for name in ("bandwidth", "noise_psd", "power"):
            object.__setattr__(self, name, _scalar(name, getattr(self, name)))
        low, high = RANGES["bits_per_element"]
        object.__setattr__(
            self,
            "bits_per_element",
            integer("bits_per_element", self.bits_per_element, minimum=int(low), maximum=int(high)),
        )
        object.__setattr__(self, "allow_raw", boolean("allow_raw", self.allow_raw))
        if self.power_control is not None and not isinstance(self.power_control, PowerControl):
            raise InvalidParameterError(
                f"power_control must be a PowerControl or None, got {type(self.power_control).__name__}"
            )

    @classmethod
    def from_profile(
        cls,
        profile: DnnProfile,
        gains: Any,
        bandwidth: float,
        noise_psd: float,
        power: float = 1e-3,
        energy_model: ProcessingEnergyModel | None = None,
        **kwargs: Any,
    ) -> CutSelectionParams:
        """Build the parameters of a chain profile under an energy model (Tables I-II fp32 + DRAM by default).

        Parameters
        ----------
        profile : DnnProfile
            A chain network (every layer one input and one consumer).
        gains, bandwidth, noise_psd, power
            As the fields of the same names.
        energy_model : ProcessingEnergyModel, optional
            Prices the layers (eqs. (1)-(2)); by default Table I fp32 and Table II DRAM.
        **kwargs
            The other fields (``allow_raw``, ``bits_per_element``, ``power_control``).

        Raises
        ------
        InvalidParameterError
            For a profile that is not a chain, a model that is not a
            ProcessingEnergyModel, or any invalid field.

        """
        if not isinstance(profile, DnnProfile):
            raise InvalidParameterError(f"profile must be a DnnProfile, got {type(profile).__name__}")
        if not profile.is_chain:
            raise InvalidParameterError(
                f"profile {profile.name!r} has branches: cut selection needs a chain (use DagSplit for a DAG)"
            )
        if energy_model is not None and not isinstance(energy_model, ProcessingEnergyModel):
            raise InvalidParameterError(
                f"energy_model must be a ProcessingEnergyModel or None, got {type(energy_model).__name__}"
            )
        model = energy_model or ProcessingEnergyModel.from_tables()
        return cls(
            processing_energy=model.cumulative(profile),
            output_elements=output_elements(profile),
            gains=gains,
            bandwidth=bandwidth,
            noise_psd=noise_psd,
            power=power,
            layer_names=tuple(profile.order),
            **kwargs,
        )

    def replace(self, **changes: Any) -> CutSelectionParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @property
    def n_layers(self) -> int:
        """``L``: the number of layers after the input."""
        return int(self.processing_energy.size - 1)

    @property
    def candidates(self) -> np.ndarray:
        """Allowed cut indices: ``1..L``, or ``0..L`` with ``allow_raw``."""
        return np.arange(0 if self.allow_raw else 1, self.n_layers + 1)

    @property
    def payload_bits(self) -> np.ndarray:
        """Bits sent at every cut, ``bits_per_element * d_l``."""
        return self.bits_per_element * self.output_elements

    def cut_index(self, cut: int | str) -> int:
        """Index of a cut given by index or layer name, checked against the choice set."""
        if isinstance(cut, str):
            if cut not in self.layer_names:
                raise InvalidParameterError(f"no layer named {cut!r}; layers: {', '.join(self.layer_names)}")
            index = self.layer_names.index(cut)
        else:
            index = integer("cut", cut)
        lo = 0 if self.allow_raw else 1
        if not lo <= index <= self.n_layers:
            raise InvalidParameterError(
                f"cut index {cut!r} is out of range: allowed {lo}..{self.n_layers}"
                + ("" if self.allow_raw else " (0, the raw input, needs allow_raw=True)")
            )
        return index

    def joules_per_bit(self) -> np.ndarray:
        """``P / R(h)``: the transmission energy per bit at fixed power, one per gain (``inf`` at a zero gain)."""
        rate = shannon_rate_bits(self.power, self.gains, self.bandwidth, self.noise_psd)
        with np.errstate(divide="ignore"):
            return np.asarray(self.power / rate)


def energy_at(params: CutSelectionParams, cut: np.ndarray | int | str) -> dict[str, np.ndarray]:
    """Energies and times when cutting at ``cut`` (a cut per gain, or one cut for all).

    Parameters
    ----------
    params : CutSelectionParams
        The instance.
    cut : int, str or integer array shaped like ``params.gains``
        Cut indices (or one layer name) in the choice set.

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays shaped like ``params.gains``: ``cut``, ``processing_energy``,
        ``transmission_energy``, ``transmission_time``, ``transmit_power``,
        ``energy``. Where the payload cannot be sent (a zero gain, or the
        deadline missed under power control) the energy is infinite; a cut
        that sends nothing costs no transmission, whatever the gain.

    """
    if isinstance(cut, str | int | np.integer) and not isinstance(cut, bool):
        index = np.full(params.gains.shape, params.cut_index(cut))
    else:
        index = np.asarray(cut)
        if index.shape != params.gains.shape or not np.issubdtype(index.dtype, np.integer):
            raise InvalidParameterError(f"cut must be an integer array of shape {params.gains.shape}")
        lo = 0 if params.allow_raw else 1
        if index.size and (index.min() < lo or index.max() > params.n_layers):
            raise InvalidParameterError(f"cut indices must lie in {lo}..{params.n_layers}")
    bits = params.payload_bits[index]
    ep = params.processing_energy[index]
    pc = params.power_control
    linked = params.gains > 0
    nothing = bits == 0
    if pc is None:
        rate = shannon_rate_bits(params.power, params.gains, params.bandwidth, params.noise_psd)
        with np.errstate(divide="ignore", invalid="ignore"):
            time = np.where(nothing, 0.0, np.where(linked, bits / rate, np.inf))
        power = np.where(nothing, 0.0, params.power)
        with np.errstate(invalid="ignore"):
            etr = np.where(nothing, 0.0, power * time)
    else:
        # No link: min_energy_transmission divides by the gain; price those entries apart.
        tx = min_energy_transmission(
            bits, np.where(linked, params.gains, 1.0), params.bandwidth, params.noise_psd,
            pc.circuit_power, pc.deadline, params.power,
        )  # fmt: skip
        cut_off = ~linked & ~nothing
        time = np.where(cut_off, np.inf, tx.time)
        power = np.where(cut_off, params.power, tx.power)
        etr = np.where(cut_off, np.inf, tx.energy)
    return {
        "cut": index,
        "processing_energy": ep,
        "transmission_energy": etr,
        "transmission_time": time,
        "transmit_power": power,
        "energy": ep + etr,
    }


def energy_matrix(params: CutSelectionParams) -> np.ndarray:
    """Energy of every candidate cut for every gain: shape ``(n_samples, n_candidates)`` (gains flattened).

    Written directly from the model, one column per cut; the exhaustive and
    MILP methods and the certificate compare against it. A row of ``inf``
    is an unreachable sample.
    """
    flat = params.replace(gains=params.gains.reshape(-1))
    return np.stack([energy_at(flat, int(index))["energy"] for index in flat.candidates], axis=1)


def row_minimum(params: CutSelectionParams) -> np.ndarray:
    """``energy_matrix(params).min(axis=1)`` without forming the matrix: the least energy of every sample.

    A running minimum over the cuts, written from the model as
    :func:`energy_at` is. At fixed power the rate does not depend on the cut,
    so it is computed once and each cut costs ``E_p + P b / R`` (0 transmission
    for a cut that sends nothing, ``inf`` without a link); under power control
    each cut goes through :func:`energy_at`. Used by the certificate, which
    re-checks every answer (the matrix of 1e6 samples x 24 cuts took 0.3 s).
    """
    flat = params.replace(gains=params.gains.reshape(-1))
    if params.power_control is not None:
        best = np.full(flat.gains.shape, np.inf)
        for index in flat.candidates:
            np.minimum(best, energy_at(flat, int(index))["energy"], out=best)
        return best
    rate = shannon_rate_bits(params.power, flat.gains, params.bandwidth, params.noise_psd)
    linked = flat.gains > 0
    with np.errstate(divide="ignore"):
        seconds_per_bit = np.where(linked, 1.0 / np.where(linked, rate, 1.0), np.inf)
    best = np.full(flat.gains.shape, np.inf)
    term = np.empty_like(best)
    for index in flat.candidates:
        bits = float(params.payload_bits[int(index)])
        ep = float(params.processing_energy[int(index)])
        if bits == 0:
            term.fill(ep)
        else:
            np.multiply(seconds_per_bit, params.power * bits, out=term)
            term += ep
        np.minimum(best, term, out=best)
    return best


def summarise(params: CutSelectionParams, chosen: dict[str, np.ndarray], iterations: int = 0) -> Solution:
    """A :class:`Solution` from per-sample choices: objective = mean energy over the reachable samples (eq. (8)).

    Parameters
    ----------
    params : CutSelectionParams
        The instance.
    chosen : dict of str to numpy.ndarray
        :func:`energy_at` at every sample's best cut; an infinite energy marks
        an unreachable sample (no cut can serve it).
    iterations : int
        Reported in the solution.

    Returns
    -------
    Solution
        ``OPTIMAL`` with ``x["feasible"]`` (bool, shaped like the gains) the
        reachable samples; where it is False the placeholders are ``cut =
        UNREACHABLE_CUT`` (-1), ``energy``, ``transmission_energy``,
        ``transmission_time`` and ``co2_kg`` = ``inf``, ``processing_energy``
        and ``transmit_power`` = 0 (nothing is run or sent).
        ``extras["n_infeasible"]`` counts them, with a ``reason`` when there are
        any. ``INFEASIBLE`` (no point) when no sample is reachable.

    """
    energy = np.asarray(chosen["energy"], dtype=float)
    feasible = np.isfinite(energy)
    missed = int(np.count_nonzero(~feasible))
    reason = _unreachable_reason(params, missed, energy.size)
    if missed == energy.size:
        return infeasible(reason, n_infeasible=missed, n_samples=int(energy.size))
    x = {k: np.array(v) for k, v in chosen.items()}
    if missed:
        x["cut"] = np.where(feasible, x["cut"], UNREACHABLE_CUT)
        for key in ("energy", "transmission_energy", "transmission_time"):
            x[key] = np.where(feasible, x[key], np.inf)
        for key in ("processing_energy", "transmit_power"):
            x[key] = np.where(feasible, x[key], 0.0)
    x["co2_kg"] = np.where(feasible, co2_kg(np.where(feasible, energy, 0.0)), np.inf)
    x["feasible"] = feasible
    extras: dict[str, Any] = {"n_infeasible": missed, "n_samples": int(energy.size)}
    if missed:
        extras["reason"] = reason
    return Solution(
        status=Status.OPTIMAL, objective=float(energy[feasible].mean()), x=x, iterations=iterations, extras=extras
    )


def _unreachable_reason(params: CutSelectionParams, missed: int, total: int) -> str:
    zero = int(np.count_nonzero(params.gains == 0))
    if params.power_control is None:
        why = "a zero channel gain and no cut that sends nothing"
    else:
        why = (
            f"the {params.power_control.deadline:g} s deadline is below the full-power transmission time of every "
            f"cut ({zero} of them at a zero gain)"
        )
    rest = total - missed
    return f"{missed} of {total} inferences cannot be served at any cut: {why}; the objective is over the other {rest}"
