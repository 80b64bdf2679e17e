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

The methods live beside this module: :mod:`.envelope` (``"analytic"``, the
default: the lower envelope of the per-layer energy lines, vectorised over
any batch shape of gains), :mod:`.exhaustive` (``"exhaustive"``: the full
energy matrix and its row minimum) and :mod:`.reference` (``"cvxpy"``: the
MILP with one one-hot boolean row per sample, HiGHS by default; fixed power
only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import positive_scalar
from edgeopt.models.channel import min_energy_transmission, shannon_rate_bits
from edgeopt.models.dnn import DnnProfile, output_elements
from edgeopt.models.energy import ProcessingEnergyModel, co2_kg

BITS_PER_ELEMENT = 32


@dataclass(frozen=True)
class PowerControl:
    """Transmit-power choice under a per-inference deadline (the extension beyond paper 000).

    Attributes
    ----------
    deadline : float
        Seconds available for the transmission of one inference's payload.
    circuit_power : float
        Transmitter circuit power ``P_c`` in W, drawn while transmitting (> 0:
        without it the optimum simply stretches the transmission to the deadline).

    """

    deadline: float
    circuit_power: float

    def __post_init__(self) -> None:
        positive_scalar("power_control.deadline", self.deadline)
        positive_scalar("power_control.circuit_power", self.circuit_power, allow_zero=True)


@dataclass(frozen=True)
class CutSelectionParams:
    """Inputs of the cut-selection problem, SI units.

    Attributes
    ----------
    processing_energy : array (L + 1,)
        ``E_p(l)`` in J for cuts ``l = 0..L``; ``E_p(0) = 0`` (nothing run).
    output_elements : array (L + 1,)
        ``d_l``, elements sent at cut ``l`` (``d_0`` the raw input).
    gains : array, any shape
        Channel power gains ``|h|^2`` (> 0), one per inference.
    bandwidth : float
        ``W`` in Hz.
    noise_psd : float
        ``N0`` in W/Hz.
    power : float
        Transmit power ``P`` in W (the cap ``P_max`` under ``power_control``).
    layer_names : tuple of str
        Names of the cuts, for reports.
    allow_raw : bool
        Allow ``l = 0`` (send the raw input); off by default, as in the paper.
    bits_per_element : int
        32 (full precision), as in the paper.
    power_control : PowerControl, optional
        Choose the transmit power too.

    """

    processing_energy: np.ndarray
    output_elements: np.ndarray
    gains: np.ndarray
    bandwidth: float
    noise_psd: float
    power: float = 1e-3
    layer_names: tuple[str, ...] = ()
    allow_raw: bool = False
    bits_per_element: int = BITS_PER_ELEMENT
    power_control: PowerControl | None = None

    def __post_init__(self) -> None:
        ep = np.array(self.processing_energy, dtype=float)
        d = np.array(self.output_elements, dtype=float)
        if ep.ndim != 1 or ep.size < 2:
            raise InvalidParameterError(
                f"processing_energy must be a vector of L + 1 >= 2 values, got shape {ep.shape}"
            )
        if d.shape != ep.shape:
            raise InvalidParameterError(
                f"output_elements must have shape {ep.shape} like processing_energy, got {d.shape}"
            )
        for name, arr in (("processing_energy", ep), ("output_elements", d)):
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
                raise InvalidParameterError(f"{name}[{bad}] must be finite and >= 0, got {arr[bad]!r}")
        gains = np.array(self.gains, dtype=float)
        if gains.size == 0:
            raise InvalidParameterError("gains must hold at least one channel gain")
        bad_gain = ~np.isfinite(gains) | (gains <= 0)
        if np.any(bad_gain):
            index = tuple(int(i) for i in np.argwhere(bad_gain)[0]) if gains.ndim else ()
            value = gains[index] if gains.ndim else gains
            raise InvalidParameterError(f"gains must be finite and > 0, got {float(value)!r} at index {index}")
        names = tuple(self.layer_names) or tuple(f"layer{i}" for i in range(ep.size))
        if len(names) != ep.size:
            raise InvalidParameterError(f"layer_names must have {ep.size} entries, got {len(names)}")
        if int(self.bits_per_element) <= 0:
            raise InvalidParameterError(f"bits_per_element must be a positive integer, got {self.bits_per_element!r}")
        for arr in (ep, d, gains):
            arr.setflags(write=False)
        object.__setattr__(self, "processing_energy", ep)
        object.__setattr__(self, "output_elements", d)
        object.__setattr__(self, "gains", gains)
        object.__setattr__(self, "layer_names", names)
        object.__setattr__(self, "bandwidth", positive_scalar("bandwidth", self.bandwidth))
        object.__setattr__(self, "noise_psd", positive_scalar("noise_psd", self.noise_psd))
        object.__setattr__(self, "power", positive_scalar("power", self.power))
        if self.power_control is not None and not isinstance(self.power_control, PowerControl):
            raise InvalidParameterError(f"power_control must be a PowerControl, got {self.power_control!r}")

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
        """Build the parameters of a chain profile under an energy model (Tables I-II fp32 + DRAM by default)."""
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
            index = int(cut)
        lo = 0 if self.allow_raw else 1
        if not lo <= index <= self.n_layers:
            raise InvalidParameterError(
                f"cut index {cut!r} is out of range: allowed {lo}..{self.n_layers}"
                + ("" if self.allow_raw else " (0, the raw input, needs allow_raw=True)")
            )
        return index

    def joules_per_bit(self) -> np.ndarray:
        """``P / R(h)``: the transmission energy per bit at fixed power, one per gain."""
        return self.power / shannon_rate_bits(self.power, self.gains, self.bandwidth, self.noise_psd)


def energy_at(params: CutSelectionParams, cut: np.ndarray | int | str) -> dict[str, np.ndarray]:
    """Energies and times when cutting at ``cut`` (a cut per gain, or one cut for all).

    Returns arrays shaped like ``params.gains``: ``processing_energy``,
    ``transmission_energy``, ``transmission_time``, ``transmit_power``,
    ``energy``. Infeasible cuts (deadline missed under power control) have
    infinite energy.
    """
    if isinstance(cut, str | int | np.integer):
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
    if pc is None:
        rate = shannon_rate_bits(params.power, params.gains, params.bandwidth, params.noise_psd)
        time = bits / rate
        power = np.where(bits > 0, params.power, 0.0)
        etr = power * time
    else:
        tx = min_energy_transmission(
            bits, params.gains, params.bandwidth, params.noise_psd, pc.circuit_power, pc.deadline, params.power
        )
        time, power, etr = tx.time, tx.power, tx.energy
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
    MILP methods and the tests compare against it.
    """
    flat = params.replace(gains=params.gains.reshape(-1))
    return np.stack([energy_at(flat, int(index))["energy"] for index in flat.candidates], axis=1)


def summarise(params: CutSelectionParams, chosen: dict[str, np.ndarray], iterations: int = 0) -> Solution:
    """A :class:`Solution` from per-sample choices: objective = mean energy per inference (eq. (8))."""
    energy = chosen["energy"]
    if not np.all(np.isfinite(energy)):
        missed = int(np.count_nonzero(~np.isfinite(energy)))
        return infeasible(f"{missed} of {energy.size} inferences cannot meet the deadline at any cut")
    x = {k: np.asarray(v) for k, v in chosen.items()}
    x["co2_kg"] = co2_kg(energy)
    return Solution(status=Status.OPTIMAL, objective=float(energy.mean()), x=x, iterations=iterations)
