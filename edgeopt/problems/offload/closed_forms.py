"""Exact break-even points of paper 001's model: where device execution overtakes the edge, and battery lifetimes.

Every cost of :mod:`.model` is affine in the number of requests ``Q``
(:func:`~.model.option_lines`) and, through :func:`~.model.load_slowdown`, in
the edge load ``n``. Where two affine costs cross is therefore one division,
and "the ``Q`` above which the device is better" is

.. math:: Q^\\star = \\min\\{Q \\ge 0 : a_d + b_d Q' \\le a_e + b_e Q'
          \\ \\forall Q' \\in [Q, Q_{max}]\\},

with ``a`` the intercepts and ``b`` the slopes (:func:`threshold_above`),
``Q_max = 1e9`` the largest valid ``Q`` (a load of ``1e6`` for the load
threshold). The difference of two lines is monotone, so: if the device is
not better at ``Q_max``, ``Q* = inf`` (it never is, for every larger ``Q``);
otherwise ``Q* = max(0, (a_d - a_e) / (b_e - b_d))`` when the device's slope
is the smaller, and 0 when it is not (the device is then better everywhere
below ``Q_max``). Bounding the range at the valid maximum makes the closed
form equal what any evaluation of the model can see: two lines that cross
only beyond ``1e9`` requests are not told apart from parallel ones. The paper
reads these points off Figs. 3-5; it prints no formula.

All functions take the batch of :class:`~.model.OffloadParams` and return
arrays of its batch shape (the ``requests`` field is ignored where ``Q`` is
the unknown).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.validate import array
from edgeopt.problems.offload.model import METRICS, OPTION_NAMES, RANGES, OffloadParams, option_lines

#: "Every larger Q" and "every larger load" end at the largest valid value (the model's RANGES).
LARGEST_REQUESTS = RANGES["requests"][1]
LARGEST_LOAD = RANGES["edge_load"][1]

# Battery capacities of Fig. 5 (Sec. 4.2): embedded device, smartphone, PC. 1 Wh = 3600 J.
BATTERY_WH: dict[str, float] = {"embedded": 3.7, "smartphone": 11.1, "pc": 18.5}
JOULES_PER_WH = 3600.0


def battery_joules(watt_hours: Any) -> np.ndarray:
    """Battery capacity in Wh to J (the only place Wh appear)."""
    return np.asarray(watt_hours, dtype=float) * JOULES_PER_WH


def threshold_above(a_from: Any, b_from: Any, a_to: Any, b_to: Any, upper: float = math.inf) -> np.ndarray:
    """Smallest ``x >= 0`` from which ``a_to + b_to x' <= a_from + b_from x'`` for every ``x'`` in ``[x, upper]``.

    ``inf`` where there is none. The closed form of the module docstring,
    elementwise over broadcast arrays; with a finite ``upper`` (the largest
    valid ``Q`` or load) the condition at ``upper`` decides whether there is
    a threshold at all, since the difference of two lines is monotone.
    """
    arrays = (np.asarray(v, dtype=float) for v in (a_from, b_from, a_to, b_to))
    a_from, b_from, a_to, b_to = np.broadcast_arrays(*arrays)
    d_a = a_to - a_from
    d_b = b_to - b_from
    if math.isinf(upper):
        holds_at_top = (d_b < 0) | ((d_b == 0) & (d_a <= 0))
    else:
        holds_at_top = d_a + d_b * upper <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = np.where(d_b < 0, np.maximum(0.0, d_a / np.where(d_b < 0, -d_b, 1.0)), 0.0)
    return np.where(holds_at_top, crossing, np.inf)


def _option_index(place: str, variant: str) -> int:
    name = f"{place}/{variant}"
    if name not in OPTION_NAMES:
        raise InvalidParameterError(f"no option {name!r}; the options are {OPTION_NAMES}")
    return OPTION_NAMES.index(name)


def _metric(metric: str) -> str:
    if metric not in METRICS:
        raise InvalidParameterError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def break_even_requests(
    params: OffloadParams, metric: str, *, device_variant: str = "full", edge_variant: str = "full"
) -> np.ndarray:
    """The ``Q`` above which device execution beats the edge on ``metric``; ``inf`` where it never does.

    Parameters
    ----------
    params : OffloadParams
        The batch (its ``requests`` are ignored).
    metric : {"time", "energy", "data"}
        Total time, device energy or exchanged data over the ``Q`` requests.
    device_variant, edge_variant : {"full", "pre_pruned", "on_demand"}
        The model each path uses.

    Returns
    -------
    numpy.ndarray
        Batch shape. Fig. 4's crossings for ``"data"``, Fig. 5's for ``"energy"``.
        Where the two lines are identical (the same cost at every ``Q``) the
        device is "at least as good" from ``Q = 0``, and 0 is returned.

    """
    lines = option_lines(params)
    metric = _metric(metric)
    d = _option_index("device", device_variant)
    e = _option_index("edge", edge_variant)
    a, b = lines.intercept(metric), lines.slope(metric)
    return threshold_above(a[..., e], b[..., e], a[..., d], b[..., d], LARGEST_REQUESTS)


def load_threshold(params: OffloadParams, *, device_variant: str = "full", edge_variant: str = "full") -> np.ndarray:
    """The edge load ``n`` above which the device finishes the ``Q`` requests sooner; ``inf`` where it never does.

    Each total time is ``A + B s(n)`` with ``s(n) = 1 + n / c``
    (:func:`~.model.load_slowdown`): ``A`` the load-free part (transfers and
    on-device inference), ``B`` the edge compute the load stretches (edge
    inference and pruning). Both come from the model itself, priced once
    with the edge compute times set to zero (``A``) and once with everything
    else set to zero on an idle server (``B``), so no difference of large
    numbers enters. In ``n`` the line is ``(A + B) + (B / c) n``, and
    :func:`threshold_above` gives the crossing. At ``Q`` = ``params.requests``
    (Fig. 3 uses ``Q = 1``).
    """
    d = _option_index("device", device_variant)
    e = _option_index("edge", edge_variant)
    q = np.broadcast_to(params.requests, params.shape)
    load_free = option_lines(params.replace(edge_inference_time=np.zeros(2), pruning_time=0.0))
    stretched = option_lines(
        params.replace(
            edge_load=np.zeros(()),  # 0-d: keeps the batch shape, even a 0-d one
            input_bits=0.0,
            result_bits=0.0,
            request_bits=0.0,
            model_bits=np.zeros(2),
            device_inference_time=np.zeros(2),
        )
    )

    def line(index: int) -> tuple[np.ndarray, np.ndarray]:
        a = load_free.time_intercept[..., index] + load_free.time_slope[..., index] * q
        b = stretched.time_intercept[..., index] + stretched.time_slope[..., index] * q
        return a + b, b / params.edge_cores

    a_e, b_e = line(e)
    a_d, b_d = line(d)
    return threshold_above(a_e, b_e, a_d, b_d, LARGEST_LOAD)


def battery_requests(
    params: OffloadParams, battery: Any, *, place: str = "device", variant: str = "full"
) -> np.ndarray:
    """The ``Q`` at which the device energy of an option reaches ``battery`` joules; ``inf`` if it never does.

    ``Q = (B - a) / b`` for the option's energy line ``a + b Q`` (eq. (6)
    aggregated, or (3) on the edge path): 0 where the one-off part alone
    (request and model download) already exceeds ``B``, ``inf`` where the
    energy does not grow with ``Q``.

    Parameters
    ----------
    params : OffloadParams
        The batch.
    battery : array_like
        Capacities in J (:func:`battery_joules` from Wh); broadcast against the batch.
    place, variant : str
        The option.

    """
    capacity = array("battery", battery, allow_zero=True)
    index = _option_index(place, variant)
    lines = option_lines(params)
    a = lines.energy_intercept[..., index]
    b = lines.energy_slope[..., index]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(b > 0, np.maximum(0.0, (capacity - a) / b), np.where(a > capacity, 0.0, np.inf))
    return np.asarray(q)
