r"""The fleet of devices (issue 14, item 4; beyond paper 001): parameters and the exact cost of an assignment.

``U`` devices and ``S`` edge servers. Every device runs its inference
requests either on itself or at one server, with the full (model 0) or the
pruned (model 1) DNN. A model whose accuracy is below the device's floor is
not allowed for that device. Place ``p = 0`` is the device itself, place
``p = s + 1`` is server ``s``; in a :class:`~edgeopt.core.solution.Solution`
``x["server"][u]`` is ``s`` (0-based) or :data:`ON_DEVICE` (-1) and
``x["model"][u]`` is 0 or 1.

Cost of an assignment (:func:`assignment_cost`)
-----------------------------------------------

.. math::
    C = \sum_u c_u + \sum_s \gamma_s\, n_s \max(0,\; n_s - m_s),

with ``c_u = device_cost[u, k]`` on the device and ``c_u = transfer_cost[u, s] +
edge_time[s, k]`` at server ``s``, ``n_s`` the number of devices at ``s``,
``m_s = edge_cores[s]`` and ``gamma_s = congestion[s]``. The last term is a
queueing penalty once the cores are busy; it is convex in the integer
``n_s``: its marginals (:func:`marginal_up`) are 0 for the first ``m_s``
tasks and ``gamma_s (2 j - 1 - m_s)`` for the ``j``-th task beyond, increasing
by ``2 gamma_s``. Costs are anything additive: seconds (latency) or joules
(device energy), see :meth:`FleetParams.from_offload`.

The sums are evaluated with :func:`math.fsum` (correctly rounded sums of the
per-device and per-server terms), so the cost of an assignment does not
depend on the order of the devices and two methods that find the same
assignment report the same number, bit for bit.

Valid ranges: every cost and congestion coefficient a real number in
``[0, MAX_COST]`` (1e150, so that ``U`` costs plus ``gamma U^2`` stay finite
for any ``U`` that fits in memory); ``edge_cores`` an integer array in
``[1, MAX_CORES]``; accuracies and floors in ``[0, 1]``; ``U >= 1``,
``S >= 1``.

The methods: :mod:`.fleet_flow` (``"flow"``: convex-cost min-cost flow),
:mod:`.fleet_reference` (``"cvxpy"``: the MILP, HiGHS); the certificate is
:mod:`.fleet_certificate`; the problem class :class:`~.fleet.FleetProblem`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.problem import infeasible
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.core.validate import array
from edgeopt.problems.offload.model import METRICS, OPTIONS, OffloadParams, edge_compute_times, option_costs
from edgeopt.problems.offload.scenarios import link_rates

#: Largest accepted cost or congestion coefficient (s or J).
MAX_COST = 1e150
#: Largest accepted number of cores of a server.
MAX_CORES = 10**12
#: ``x["server"]`` of a device that runs its requests itself.
ON_DEVICE = -1
#: The two models, in the order of every model axis.
MODELS = ("full", "pruned")

_COST_FIELDS = ("device_cost", "transfer_cost", "edge_time", "congestion")


def _integer_array(name: str, value: Any, shape: tuple[int, ...], minimum: int, maximum: int) -> np.ndarray:
    """``value`` as a read-only int64 array of ``shape`` with entries in ``[minimum, maximum]`` (no coercion)."""
    raw = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray(object())
    if raw.dtype.kind not in "iu":
        raise InvalidParameterError(
            f"{name} must be an array of integers (not floats, bools or objects), got dtype {raw.dtype} "
            f"({type(value).__name__})"
        )
    if raw.shape != shape:
        raise InvalidParameterError(f"{name} must have shape {shape}, got {raw.shape}")
    bad = (raw < minimum) | (raw > maximum)
    if np.any(bad):
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameterError(
            f"{name} must be an integer in [{minimum}, {maximum}] everywhere, got {int(raw[index])} at index {index}"
        )
    arr = np.array(raw, dtype=np.int64)
    arr.setflags(write=False)
    return arr


def _matrix(name: str, value: Any, rows: int | None, columns: int | None, what: str) -> np.ndarray:
    """A non-negative cost matrix in ``[0, MAX_COST]`` with the stated rows and columns (None: any, >= 1)."""
    arr = array(name, value, allow_zero=True, maximum=MAX_COST, ndim=2)
    if (rows is not None and arr.shape[0] != rows) or (columns is not None and arr.shape[1] != columns):
        raise InvalidParameterError(f"{name} must have shape {what}, got {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InvalidParameterError(f"{name} must have shape {what} with at least one row and column, got {arr.shape}")
    return arr


@dataclass(frozen=True)
class FleetParams:
    """``U`` devices, ``S`` edge servers, two models; SI units (s or J for every cost).

    Attributes
    ----------
    device_cost : array (U, 2)
        Cost of device ``u`` running its requests itself with the full (column
        0) or the pruned (column 1) model, in ``[0, MAX_COST]``.
    transfer_cost : array (U, S)
        Cost of device ``u`` exchanging its data with server ``s`` (upload of
        the inputs, download of the results), in ``[0, MAX_COST]``.
    edge_time : array (S, 2)
        Cost of running the requests at server ``s`` with the full or the
        pruned model (on an idle server), in ``[0, MAX_COST]``.
    edge_cores : int array (S,)
        ``m_s``, tasks server ``s`` runs without congestion, integers in
        ``[1, MAX_CORES]``.
    congestion : array (S,)
        ``gamma_s``, the queueing penalty's coefficient (cost per task squared
        beyond the cores), in ``[0, MAX_COST]``.
    accuracy : array (2,)
        Accuracy of the full and the pruned model, in ``[0, 1]``.
    accuracy_floor : array (U,)
        Each device's least acceptable accuracy, in ``[0, 1]``: model ``k`` is
        allowed for ``u`` when ``accuracy[k] >= accuracy_floor[u]``.

    """

    device_cost: np.ndarray
    transfer_cost: np.ndarray
    edge_time: np.ndarray
    edge_cores: np.ndarray
    congestion: np.ndarray
    accuracy: np.ndarray
    accuracy_floor: np.ndarray

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        device = _matrix("device_cost", self.device_cost, None, 2, "(U, 2)")
        n_devices = device.shape[0]
        transfer = _matrix("transfer_cost", self.transfer_cost, n_devices, None, f"(U, S) = ({n_devices}, S)")
        n_servers = transfer.shape[1]
        set_(self, "device_cost", device)
        set_(self, "transfer_cost", transfer)
        set_(self, "edge_time", _matrix("edge_time", self.edge_time, n_servers, 2, f"(S, 2) = ({n_servers}, 2)"))
        set_(self, "edge_cores", _integer_array("edge_cores", self.edge_cores, (n_servers,), 1, MAX_CORES))
        set_(
            self, "congestion", array("congestion", self.congestion, [(n_servers,)], allow_zero=True, maximum=MAX_COST)
        )
        set_(self, "accuracy", array("accuracy", self.accuracy, [(2,)], allow_zero=True, maximum=1.0))
        set_(
            self,
            "accuracy_floor",
            array("accuracy_floor", self.accuracy_floor, [(n_devices,)], allow_zero=True, maximum=1.0),
        )

    @property
    def n_devices(self) -> int:
        """``U``."""
        return int(self.device_cost.shape[0])

    @property
    def n_servers(self) -> int:
        """``S``."""
        return int(self.transfer_cost.shape[1])

    @property
    def allowed(self) -> np.ndarray:
        """``(U, 2)`` bool: model ``k`` meets device ``u``'s accuracy floor."""
        return np.asarray(self.accuracy[None, :] >= self.accuracy_floor[:, None])

    def infeasible_devices(self) -> np.ndarray:
        """Indices of the devices for which no model is allowed (their floor is above both accuracies)."""
        return np.flatnonzero(~self.allowed.any(axis=1))

    def replace(self, **changes: Any) -> FleetParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @classmethod
    def from_offload(
        cls,
        offload: OffloadParams,
        distance: Any,
        *,
        metric: str | None = None,
        radio: dict[str, Any] | None = None,
        edge_load: Any = None,
        edge_cores: Any = None,
        congestion: Any = None,
        accuracy_floor: Any = None,
    ) -> FleetParams:
        """A fleet priced by paper 001's model (eqs. (1)-(6) over ``Q`` requests) at each device-server distance.

        Every device runs ``Q = offload.requests`` inferences of ``offload``'s
        DNN; model 0 is the full one, model 1 the pre-pruned one (the fleet has
        two models: on-demand pruning is not offered). With ``metric``'s cost
        of option ``o`` at device ``u`` and server ``s`` from
        :func:`~edgeopt.problems.offload.model.option_costs` (link rates from
        :func:`~edgeopt.problems.offload.scenarios.link_rates` at
        ``distance[u, s]``, the server's background load ``edge_load[s]``):

        * ``device_cost[u, k]``: the device path with model ``k`` (request,
          model download, ``Q`` local inferences, eqs. (4)-(6)) from the
          server that ships it fastest or cheapest, ``min_s``: the download
          is not a compute task and does not count towards the congestion;
        * ``edge_time[s, k]``: the ``Q`` inferences at server ``s`` with model
          ``k`` (``Q T_inf,e``, stretched by the background load) for
          ``metric="time"``; 0 for ``"energy"`` (eq. (3): the device spends
          nothing while the server computes) and ``"data"``;
        * ``transfer_cost[u, s]``: the edge path's cost with the full model
          minus ``edge_time[s, 0]``, i.e. the ``Q`` uploads and downloads
          (eqs. (1)-(3)), so that ``transfer_cost + edge_time`` is the
          model's edge cost with either model;
        * ``congestion`` (default): for ``"time"``, processor sharing of ``n >
          m`` single-threaded tasks on ``m`` cores stretches each by ``n /
          m``, i.e. ``(t / m) n (n - m)`` in all for tasks of ``t`` seconds:
          ``gamma_s = edge_time[s, 0] / m_s`` (the full model's, an upper bound
          for pruned tasks); 0 for ``"energy"`` and ``"data"`` (queueing
          costs the device neither). This per-task sharing is the fleet's own
          model; the single-device load model of
          :func:`~edgeopt.problems.offload.model.load_slowdown` (a task over
          all cores) applies to ``edge_load``.

        Parameters
        ----------
        offload : OffloadParams
            The DNN, sizes, powers and accuracies; ``requests`` must hold one
            ``Q`` for the whole fleet. Its rates, loads, deadline and battery
            are replaced.
        distance : array_like (U, S)
            Horizontal device-server distances in m (>= 0).
        metric : {"time", "energy", "data"}, optional
            What the costs measure; default ``offload.objective``.
        radio : dict, optional
            Radio settings for :func:`~edgeopt.problems.offload.scenarios.link_rates`
            (``offload.toml`` keys); default the TOML's.
        edge_load : array_like (S,), optional
            Background tasks on each server (default 0).
        edge_cores : array_like of int (S,), optional
            Default ``offload.edge_cores`` on every server.
        congestion : array_like (S,), optional
            Default as above.
        accuracy_floor : array_like (U,), optional
            Default ``offload.accuracy_floor`` for every device.

        Returns
        -------
        FleetParams

        Raises
        ------
        InvalidParameterError
            Naming the argument: a non-2-d or negative ``distance``, an
            unknown ``metric``, more than one ``Q``, or a field out of range.

        """
        if not isinstance(offload, OffloadParams):
            raise InvalidParameterError(f"offload must be an OffloadParams, got {type(offload).__name__}")
        dist = array("distance", distance, allow_zero=True, ndim=2)
        if dist.shape[0] < 1 or dist.shape[1] < 1:
            raise InvalidParameterError(f"distance must have shape (U, S) with U, S >= 1, got {dist.shape}")
        metric = offload.objective if metric is None else metric
        if not isinstance(metric, str) or metric not in METRICS:
            raise InvalidParameterError(f"metric must be one of {METRICS}, got {metric!r}")
        if offload.requests.size != 1:
            raise InvalidParameterError(
                f"requests must hold one Q for the whole fleet, got shape {offload.requests.shape}"
            )
        n, s = dist.shape
        load = np.zeros(s) if edge_load is None else array("edge_load", edge_load, [(s,)], allow_zero=True)
        rates = link_rates(dist, radio)
        per_link = offload.replace(
            requests=offload.requests.reshape(()),
            edge_load=load[None, :],
            uplink_rate=rates.uplink,
            downlink_rate=rates.downlink,
            deadline=None,
            battery=None,
        )
        costs = option_costs(per_link)[metric]  # (U, S, 6)
        edge_option = [OPTIONS.index(("edge", v)) for v in ("full", "pre_pruned")]
        device_option = [OPTIONS.index(("device", v)) for v in ("full", "pre_pruned")]
        q = float(offload.requests.reshape(()))
        if metric == "time":
            inference = np.broadcast_to(edge_compute_times(per_link)["inference"], (1, s, 2))[0]
            edge = q * inference
        else:
            edge = np.zeros((s, 2))
        if edge_cores is None:
            cores = np.full(s, offload.edge_cores, dtype=np.int64)
        else:
            cores = _integer_array("edge_cores", edge_cores, (s,), 1, MAX_CORES)
        if congestion is None:
            congestion = edge[:, 0] / cores if metric == "time" else np.zeros(s)
        floor = np.full(n, offload.accuracy_floor) if accuracy_floor is None else accuracy_floor
        return cls(
            device_cost=costs[:, :, device_option].min(axis=1),
            transfer_cost=np.maximum(costs[:, :, edge_option[0]] - edge[None, :, 0], 0.0),
            edge_time=edge,
            edge_cores=cores,
            congestion=congestion,
            accuracy=offload.accuracy,
            accuracy_floor=floor,
        )


# ---------------------------------------------------------------------------------------------- costs
def place_options(params: FleetParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each device's cost at every place with each model: ``(U, S + 1, 2)``, ``inf`` where a model is not allowed.

    The choice of model at a place does not interact with the congestion
    (which counts tasks, whatever their model), so an optimal assignment
    always uses ``model`` at the place it picks.

    Returns
    -------
    options : numpy.ndarray (U, S + 1, 2)
        ``options[u, 0, k] = device_cost[u, k]``, ``options[u, s + 1, k] =
        transfer_cost[u, s] + edge_time[s, k]``; ``inf`` where ``k`` is not
        allowed for ``u``.
    best : numpy.ndarray (U, S + 1)
        The least of the two (``inf`` for a device with no allowed model).
    model : numpy.ndarray of int (U, S + 1)
        The model that attains it (0 on a tie; 0 where none is allowed).

    """
    n, s = params.n_devices, params.n_servers
    options = np.empty((n, s + 1, 2))
    options[:, 0, :] = params.device_cost
    options[:, 1:, :] = params.transfer_cost[:, :, None] + params.edge_time[None, :, :]
    options = np.where(params.allowed[:, None, :], options, np.inf)
    model = np.argmin(options, axis=2)
    best = np.take_along_axis(options, model[..., None], axis=2)[..., 0]
    return options, best, model


def place_cores(params: FleetParams) -> tuple[np.ndarray, np.ndarray]:
    """Congestion coefficients and cores of the ``S + 1`` places: the device place has none (0, ``U``)."""
    gamma = np.concatenate([[0.0], params.congestion])
    cores = np.concatenate([[params.n_devices], params.edge_cores]).astype(float)
    return gamma, cores


def congestion_cost(gamma: Any, cores: Any, tasks: Any) -> np.ndarray:
    """``gamma n max(0, n - m)``, elementwise (floats; ``tasks`` may be any array of counts)."""
    n = np.asarray(tasks, dtype=float)
    return np.asarray(gamma, dtype=float) * n * np.maximum(0.0, n - np.asarray(cores, dtype=float))


def marginal_up(gamma: Any, cores: Any, tasks: Any) -> np.ndarray:
    """``g(n + 1) - g(n)`` of the congestion term: 0 while ``n < m``, else ``gamma (2 n + 1 - m)`` (no cancellation)."""
    n = np.asarray(tasks, dtype=float)
    m = np.asarray(cores, dtype=float)
    return np.asarray(gamma, dtype=float) * np.where(n >= m, 2.0 * n + 1.0 - m, 0.0)


def marginal_down(gamma: Any, cores: Any, tasks: Any) -> np.ndarray:
    """``g(n) - g(n - 1)`` for ``n >= 1``: the marginal of the ``n``-th task (``marginal_up`` at ``n - 1``)."""
    return marginal_up(gamma, cores, np.asarray(tasks, dtype=float) - 1.0)


def assignment_arrays(params: FleetParams, server: Any, model: Any) -> tuple[np.ndarray, np.ndarray]:
    """``server`` and ``model`` checked and returned as int64 arrays of shape ``(U,)``.

    Integer arrays, or real arrays holding integral values (a point read back
    from JSON, say), are accepted; bools, NaN and fractions are not.

    Raises
    ------
    InvalidParameterError
        Naming ``server`` or ``model``: wrong type or shape, a server outside
        ``-1..S-1``, a model other than 0 and 1.

    """
    n, s = params.n_devices, params.n_servers
    checked = []
    for name, value, low, high in (("server", server, ON_DEVICE, s - 1), ("model", model, 0, 1)):
        raw = np.asarray(value) if not isinstance(value, str | bytes) else np.asarray(object())
        if raw.dtype.kind not in "iuf":
            raise InvalidParameterError(f"{name} must be an integer array, got dtype {raw.dtype}")
        if raw.shape != (n,):
            raise InvalidParameterError(f"{name} must have shape ({n},) (one entry per device), got {raw.shape}")
        if raw.dtype.kind == "f":
            bad = ~np.isfinite(raw) | (raw != np.round(raw))
            if np.any(bad):
                index = int(np.flatnonzero(bad)[0])
                raise InvalidParameterError(f"{name} must hold integers, got {float(raw[index])!r} at device {index}")
        outside = (raw < low) | (raw > high)
        if np.any(outside):
            index = int(np.flatnonzero(outside)[0])
            raise InvalidParameterError(f"{name} must be in {low}..{high}, got {raw[index]!r} at device {index}")
        checked.append(np.array(raw, dtype=np.int64))
    return checked[0], checked[1]


def task_counts(params: FleetParams, server: np.ndarray) -> np.ndarray:
    """``n_s``, devices at each server: ``(S,)`` int."""
    return np.bincount(server[server >= 0], minlength=params.n_servers)


def assignment_cost(params: FleetParams, server: Any, model: Any) -> float:
    """The exact cost of an assignment (module docstring); ``inf`` where a device uses a model it may not.

    Parameters
    ----------
    params : FleetParams
        The instance.
    server : array_like of int (U,)
        Each device's server, or :data:`ON_DEVICE` (-1).
    model : array_like of int (U,)
        Each device's model, 0 (full) or 1 (pruned).

    Returns
    -------
    float
        ``fsum`` of the devices' own costs plus ``fsum`` of the servers'
        congestion terms; ``inf`` if a device's model is below its accuracy
        floor.

    Raises
    ------
    InvalidParameterError
        For malformed arrays (:func:`assignment_arrays`).

    """
    server, model = assignment_arrays(params, server, model)
    if not np.all(params.allowed[np.arange(params.n_devices), model]):
        return math.inf
    own = device_terms(params, server, model)
    counts = task_counts(params, server)
    return math.fsum(own.tolist()) + math.fsum(congestion_cost(params.congestion, params.edge_cores, counts).tolist())


def device_terms(params: FleetParams, server: np.ndarray, model: np.ndarray) -> np.ndarray:
    """Each device's own cost under a (checked) assignment: ``(U,)`` floats, whatever the accuracy floors."""
    u = np.arange(params.n_devices)
    at_edge = server >= 0
    safe = np.where(at_edge, server, 0)
    edge = params.transfer_cost[u, safe] + params.edge_time[safe, model]
    return np.where(at_edge, edge, params.device_cost[u, model])


def infeasible_reason(params: FleetParams) -> str | None:
    """Why no assignment exists (some device has no allowed model), or None."""
    bad = params.infeasible_devices()
    if bad.size == 0:
        return None
    shown = ", ".join(str(int(u)) for u in bad[:10]) + (", ..." if bad.size > 10 else "")
    floors = ", ".join(f"{float(params.accuracy_floor[u]):g}" for u in bad[:3])
    return (
        f"{bad.size} device(s) have no allowed model: device(s) [{shown}] need accuracy_floor {floors}"
        f"{', ...' if bad.size > 3 else ''} above both models' accuracies {params.accuracy.tolist()}"
    )


def infeasible_solution(params: FleetParams) -> Solution | None:
    """The ``INFEASIBLE`` solution of an instance with a device that has no allowed model, or None."""
    reason = infeasible_reason(params)
    if reason is None:
        return None
    return infeasible(reason, infeasible_devices=params.infeasible_devices().tolist())


def fleet_solution(
    params: FleetParams,
    server: np.ndarray,
    model: np.ndarray,
    status: Status = Status.OPTIMAL,
    **extras: Any,
) -> Solution:
    """The :class:`Solution` of an assignment: ``x["server"]``, ``x["model"]`` and its exact cost.

    ``extras["tasks"]`` holds ``n_s`` per server, ``extras["on_device"]`` the
    number of devices running their requests themselves, plus ``extras``.
    """
    server, model = assignment_arrays(params, server, model)
    counts = task_counts(params, server)
    return Solution(
        status=status,
        objective=assignment_cost(params, server, model),
        x={"server": server, "model": model},
        extras={"tasks": counts.tolist(), "on_device": int(np.count_nonzero(server < 0)), **extras},
    )
