"""The ISCC model evaluated on rows of (instance, split, Q) pairs: many instances in one array pass.

The analytic method (:mod:`edgeopt.problems.iscc.analytic`) searches every
(split, Q) pair of an instance at once; to solve many instances at once it
stacks their pairs into one set of rows, each row carrying its own
instance's data. :class:`PairRows` holds those rows and evaluates on them the
equations of :class:`~edgeopt.problems.iscc.model.IsccParams` that the search
needs, with the instance's scalars and network arrays gathered per row:

=================================  ==============================================
:meth:`PairRows.error`             ``eps(l, p, Q)``, :meth:`IsccParams.error`
:meth:`PairRows.sensing_power`     Lemma 3, :meth:`IsccParams.sensing_power`
:meth:`PairRows.accuracy`          (21), :meth:`IsccParams.accuracy`
:meth:`PairRows.device_flops`      ``A_2(l, p)`` of (3), :meth:`IsccParams.device_flops`
:meth:`PairRows.latency`           (C2), :meth:`IsccParams.latency`
:meth:`PairRows.reduced_energy`    ``h(p)``: Lemma 3's ``P_s`` and Lemma 4's ``(P_c, v_e)``
=================================  ==============================================

Each is written with the same operations, in the same order, as the model's
method (``tests/problems/iscc/test_iscc_batch.py`` compares them), and works
elementwise along the rows: a row's value never depends on which other rows
(instances) share the array, which is what lets a batch return, bit for bit,
what each instance returns alone. One exception to "the same operations":
the model forms Lemma 3's threshold ``R_t / (a arctan(b P_max))`` with
``math.atan`` on one number, the rows with ``numpy.arctan``; the two can
differ in the last bit, which moves the threshold by a rounding error.

Rows of one :class:`PairRows` come from instances with the same number of
layers ``L`` (the network arrays are stacked ``(rows, L)``): the callers group
instances by ``L`` rather than pad, since a padded layer would change the
order of the sums over layers and with it the rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.models.channel import shannon_rate_bits
from edgeopt.models.dnn import layer_flops
from edgeopt.problems.iscc.lemma4 import solve_checked
from edgeopt.problems.iscc.model import IsccParams, u_pruning, v_quantisation

# The scalar fields of IsccParams copied onto every row.
_SCALARS = ("R_t", "T_max", "T_sen", "acc_a", "acc_b", "bandwidth", "noise_psd", "gain", "kappa", "v_max", "p_max")


class PairRows:
    """Rows of (instance, split, Q) pairs of instances with the same layer count, each with its instance's data.

    Every attribute below is an array with one entry (or, for the network
    arrays, one row of ``L``) per row, so that
    :func:`edgeopt.solvers.batch.take_batch` restricts them all at once.

    Attributes
    ----------
    instance : numpy.ndarray of int
        Index of the row's instance in the list the rows were built from (non-decreasing).
    split, q : numpy.ndarray of int
        The pair: split ``l`` and bit count ``Q`` (0 at ``l = L``).
    bits, a1 : numpy.ndarray
        ``N_l Q`` (:meth:`IsccParams.upload_bits`) and ``A1 = N_l Q / B``.
    server_time, t2 : numpy.ndarray
        ``A_s(l) / v_s`` and ``T2 = T_max - T_sen - A_s(l) / v_s`` (:meth:`IsccParams.device_and_upload_time`).
    err_base, err_per_u : numpy.ndarray
        ``m(l) A_q(l) v(Q)`` and ``m(l) C(l)`` (:meth:`IsccParams.error_terms`).
    threshold : numpy.ndarray
        ``R_t / (a arctan(b P_max))``: Lemma 3 has a power within ``P_max`` where ``1 - eps`` reaches it.
    gamma : numpy.ndarray
        ``g / (B N0)``.
    macs, outputs, is_pool, device : numpy.ndarray, shape (rows, L)
        The instance's layer MACs, outputs and max-pool flags, and the mask of the layers ``1..l`` on the device.
    R_t, T_max, T_sen, acc_a, acc_b, bandwidth, noise_psd, gain, kappa, v_max, p_max : numpy.ndarray
        The instance's scalar fields.

    """

    instance: np.ndarray
    split: np.ndarray
    q: np.ndarray
    bits: np.ndarray
    a1: np.ndarray
    server_time: np.ndarray
    t2: np.ndarray
    err_base: np.ndarray
    err_per_u: np.ndarray
    threshold: np.ndarray
    gamma: np.ndarray
    macs: np.ndarray
    outputs: np.ndarray
    is_pool: np.ndarray
    device: np.ndarray
    R_t: np.ndarray
    T_max: np.ndarray
    T_sen: np.ndarray
    acc_a: np.ndarray
    acc_b: np.ndarray
    bandwidth: np.ndarray
    noise_psd: np.ndarray
    gain: np.ndarray
    kappa: np.ndarray
    v_max: np.ndarray
    p_max: np.ndarray

    def __init__(self, params: Sequence[IsccParams], splits: Sequence[np.ndarray], qs: Sequence[np.ndarray]) -> None:
        """Stack the pairs ``(splits[i], qs[i])`` of every instance ``params[i]``, in that order.

        Raises
        ------
        InvalidParameterError
            If the instances do not all have the same number of layers, or
            ``splits[i]`` and ``qs[i]`` differ in length.

        """
        if not params:
            raise InvalidParameterError("PairRows needs at least one instance")
        n_layers = params[0].n_layers
        if any(p.n_layers != n_layers for p in params):
            raise InvalidParameterError(
                f"PairRows stacks instances of one layer count; got {sorted({p.n_layers for p in params})}"
            )
        counts = np.array([np.size(s) for s in splits], dtype=np.int64)
        if any(np.size(s) != np.size(q) for s, q in zip(splits, qs, strict=True)):
            raise InvalidParameterError("every instance needs as many bit counts as splits")
        inst = np.repeat(np.arange(len(params)), counts)
        split = np.concatenate([np.asarray(s, dtype=np.int64).reshape(-1) for s in splits])
        q = np.concatenate([np.asarray(v, dtype=np.int64).reshape(-1) for v in qs])

        def scalar(name: str) -> np.ndarray:
            return np.array([getattr(p, name) for p in params], dtype=float)[inst]

        def stacked(name: str) -> np.ndarray:
            return np.stack([getattr(p, name) for p in params])

        self.instance, self.split, self.q = inst, split, q
        for name in _SCALARS:
            setattr(self, name, scalar(name))
        macs, outputs, is_pool = stacked("layer_macs"), stacked("layer_outputs"), stacked("layer_is_pool")
        self.macs, self.outputs, self.is_pool = macs[inst], outputs[inst], is_pool[inst]
        self.device = np.arange(1, n_layers + 1) <= split[:, None]
        # Per split l: N_l, C(l), A_q(l), m(l) of the row's instance.
        feature = stacked("feature_size")[inst, split]
        constant = stacked("quantisation_constant")[inst, split]
        margin = stacked("inverse_margin")[inst, split]
        pruning = stacked("pruning_constant")[inst, split]
        on_device = split == n_layers
        self.bits = np.where(on_device, 0.0, feature * q.astype(float))
        self.a1 = self.bits / self.bandwidth
        # A_s(l): the unpruned layers l+1..L, a cumulative sum from the last layer (IsccParams.server_flops).
        per_layer = layer_flops(macs, outputs, is_pool)
        tail = np.concatenate([np.cumsum(per_layer[:, ::-1], axis=1)[:, ::-1], np.zeros((len(params), 1))], axis=1)
        self.server_time = tail[inst, split] / scalar("v_server")
        self.t2 = self.T_max - self.T_sen - self.server_time
        # A layer with no quantisation error (A_q = 0) has none even at Q = 1, where v(Q) is infinite: 0, not NaN.
        with np.errstate(invalid="ignore"):
            quant = np.where(on_device | (constant == 0), 0.0, constant * v_quantisation(q))
        self.err_base, self.err_per_u = margin * quant, margin * pruning
        self.threshold = self.R_t / (self.acc_a * np.arctan(self.acc_b * self.p_max))
        self.gamma = self.gain / (self.bandwidth * self.noise_psd)

    @property
    def size(self) -> int:
        """Number of rows."""
        return int(self.split.size)

    def col(self, values: np.ndarray, like: Any) -> np.ndarray:
        """Per-row ``values`` shaped to broadcast against ``like`` (rows first, any trailing axes)."""
        return values.reshape(values.shape + (1,) * (np.ndim(like) - 1))

    def error(self, p: Any) -> np.ndarray:
        """``eps(l, p, Q) = m(l) [C(l) u(p) + A_q(l) v(Q)]`` per row; ``p`` has the rows first."""
        return np.asarray(self.col(self.err_base, p) + self.col(self.err_per_u, p) * u_pruning(p))

    def sensing_power(self, p: Any) -> np.ndarray:
        """Lemma 3: the least ``P_s`` meeting the accuracy target, ``inf`` where none does within ``P_max``."""
        room = 1.0 - self.error(p)
        ok = room >= self.col(self.threshold, p)
        r_t, acc_a, acc_b = self.col(self.R_t, p), self.col(self.acc_a, p), self.col(self.acc_b, p)
        power = np.tan(r_t / (acc_a * np.where(ok, room, 1.0))) / acc_b
        return np.asarray(np.where(ok, power, np.inf))

    def accuracy(self, p_s: Any, p: Any) -> np.ndarray:
        """The accuracy model (21), ``a arctan(b P_s) (1 - eps)``, at the sensing power ``p_s``."""
        acc_a, acc_b = self.col(self.acc_a, p), self.col(self.acc_b, p)
        return np.asarray(acc_a * np.arctan(acc_b * np.asarray(p_s, dtype=float)) * (1.0 - self.error(p)))

    def device_flops(self, p: Any) -> np.ndarray:
        """``A_2(l, p)``: FLOPs (3) of the device layers ``1..l`` pruned to ``p``; ``p`` has the rows first."""
        p = np.asarray(p, dtype=float)
        extra = (slice(None),) + (None,) * (p.ndim - 1)  # (rows, L) -> (rows, 1, ..., L)
        per_layer = layer_flops(self.macs[extra], self.outputs[extra], self.is_pool[extra], p)
        return np.asarray(np.sum(np.where(self.device[extra], per_layer, 0.0), axis=-1))

    def latency(self, p: Any, p_c: Any, v_e: Any) -> np.ndarray:
        """Total latency (C2) at pruning ratio ``p`` (rows first), transmit power ``p_c`` and CPU speed ``v_e``."""
        a2 = self.device_flops(p)
        v_e = np.asarray(v_e, dtype=float)
        gain, bandwidth, noise_psd = self.col(self.gain, p), self.col(self.bandwidth, p), self.col(self.noise_psd, p)
        rate = shannon_rate_bits(np.asarray(p_c, dtype=float), gain, bandwidth, noise_psd)  # type: ignore[arg-type]  # (it broadcasts; annotated float)
        bits = self.col(self.bits, p)
        with np.errstate(divide="ignore", invalid="ignore"):
            compute = np.where(a2 > 0, a2 / v_e, 0.0)
            upload = np.where(bits > 0, bits / rate, 0.0)
        return np.asarray(self.col(self.T_sen, p) + compute + self.col(self.server_time, p) + upload)

    def reduced_energy(
        self, p: Any, p_s_fixed: float | None = None, mu_start: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...]:
        """``h(p)`` per row: the energy with Lemma 3's ``P_s`` and Lemma 4's ``(P_c, v_e)``.

        ``h(p) = T_sen r(u(p)) + E_26(A1, A_2(l, p), T2)``, see
        :func:`edgeopt.problems.iscc.analytic.reduced_energy`.

        Parameters
        ----------
        p : numpy.ndarray
            Pruning ratios, rows first (``(rows,)`` or ``(rows, k)``).
        p_s_fixed : float, optional
            Hold the sensing power there (the JC&C baseline) and check the accuracy instead.
        mu_start : numpy.ndarray, optional
            A guess of Lemma 4's ``mu_1``, broadcast against ``p``.

        Returns
        -------
        tuple of numpy.ndarray
            The energy (``inf`` where infeasible), ``P_s``, ``P_c``, ``v_e`` and ``mu_1``, shaped like ``p``.

        """
        p = np.asarray(p, dtype=float)
        if p_s_fixed is None:
            p_s = self.sensing_power(p)
        else:
            meets = self.accuracy(p_s_fixed, p) >= self.col(self.R_t, p)
            p_s = np.where(meets, p_s_fixed, np.inf)
        t2 = self.col(self.t2, p)
        sub = solve_checked(
            self.col(self.a1, p),
            self.device_flops(p),
            self.col(self.bandwidth, p),
            self.col(self.noise_psd, p),
            self.col(self.gain, p),
            self.col(self.kappa, p),
            np.maximum(t2, 1e-300),
            self.col(self.v_max, p),
            self.col(self.p_max, p),
            mu_start=mu_start,
        )
        sensing = self.col(self.T_sen, p) * p_s
        energy = np.where((t2 > 0) & sub.feasible & np.isfinite(p_s), sensing + sub.energy, np.inf)
        return energy, p_s, sub.p_c, sub.v_e, sub.mu1
