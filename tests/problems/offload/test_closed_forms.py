"""The break-even closed forms against brute-force evaluation of the model over integer Q and integer loads.

The brute force prices every integer ``Q`` (or load) up to a horizon, plus the
largest valid value (``Q = 1e9``, a load of ``1e6``: "for every larger ``Q``"
means within the valid range), with the paper's costs restated in
:func:`edgeopt.problems.offload.reference.paper_costs`, and finds the first
integer from which the device is better at every later column. The closed
form must give the same integer: ``ceil(Q*)``, or "beyond the horizon".
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeopt.problems.offload.closed_forms import (
    BATTERY_WH,
    battery_joules,
    battery_requests,
    break_even_requests,
    load_threshold,
    threshold_above,
)
from edgeopt.problems.offload.model import OPTION_NAMES
from edgeopt.problems.offload.reference import paper_costs
from tests.problems.offload.offload_strategies import random_offload

HORIZON = 20_000
VARIANTS = ("full", "pre_pruned", "on_demand")


def _grid(largest: float) -> np.ndarray:
    return np.append(np.arange(HORIZON + 1, dtype=float), largest)


def _first_from(better: np.ndarray) -> np.ndarray:
    """Per row: the first integer column from which every later column (the largest value too) is True.

    ``HORIZON + 1`` when that is only the last column (the largest valid value) or none.
    """
    tail = np.flip(np.logical_and.accumulate(np.flip(better, axis=-1), axis=-1), axis=-1)
    first = np.argmax(tail, axis=-1)
    return np.where(tail[..., -1], np.minimum(first, HORIZON + 1), HORIZON + 1)


def _swept(base, axis: str, values: np.ndarray):
    """The base's three points as rows, with ``axis`` swept over ``values`` along the columns."""
    fields = {name: getattr(base, name)[:, None] for name in ("requests", "edge_load", "uplink_rate", "downlink_rate")}
    fields[axis] = values[None, :]
    return base.replace(**fields)


def _expected_integer(q_star: np.ndarray) -> np.ndarray:
    return np.where(q_star > HORIZON, HORIZON + 1, np.ceil(np.minimum(q_star, HORIZON + 1)))


def _near_integer_crossing(q_star: np.ndarray) -> np.ndarray:
    """Crossings within rounding of a positive integer, where brute force and closed form may split a tie."""
    finite = np.where(np.isfinite(q_star), q_star, 0.0)
    frac = np.abs(finite - np.round(finite))
    return (finite > 0) & (frac < 1e-7 * np.maximum(1.0, finite))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), metric=st.sampled_from(["time", "energy", "data"]),
       device=st.sampled_from(VARIANTS), edge=st.sampled_from(VARIANTS))  # fmt: skip
def test_break_even_requests_equals_brute_force(seed: int, metric: str, device: str, edge: str) -> None:
    base = random_offload(seed, points=3)
    q_star = break_even_requests(base, metric, device_variant=device, edge_variant=edge)
    swept = _swept(base, "requests", _grid(1e9))
    costs = paper_costs(swept)[metric].reshape(3, HORIZON + 2, 6)
    d, e = OPTION_NAMES.index(f"device/{device}"), OPTION_NAMES.index(f"edge/{edge}")
    better = costs[..., d] <= costs[..., e]
    brute = _first_from(better)
    ok = ~_near_integer_crossing(q_star)
    np.testing.assert_array_equal(brute[ok], _expected_integer(q_star)[ok])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), device=st.sampled_from(VARIANTS), edge=st.sampled_from(VARIANTS))
def test_load_threshold_equals_brute_force(seed: int, device: str, edge: str) -> None:
    base = random_offload(seed, points=3)
    n_star = load_threshold(base, device_variant=device, edge_variant=edge)
    swept = _swept(base, "edge_load", _grid(1e6))
    times = paper_costs(swept)["time"].reshape(3, HORIZON + 2, 6)
    d, e = OPTION_NAMES.index(f"device/{device}"), OPTION_NAMES.index(f"edge/{edge}")
    brute = _first_from(times[..., d] <= times[..., e])
    ok = ~_near_integer_crossing(n_star)
    np.testing.assert_array_equal(brute[ok], _expected_integer(n_star)[ok])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), option=st.sampled_from(OPTION_NAMES),
       battery=st.sampled_from(sorted(BATTERY_WH)))  # fmt: skip
def test_battery_requests_equals_brute_force(seed: int, option: str, battery: str) -> None:
    base = random_offload(seed, points=3)
    place, variant = option.split("/")
    capacity = float(battery_joules(BATTERY_WH[battery]))
    q_star = battery_requests(base, capacity, place=place, variant=variant)
    swept = _swept(base, "requests", _grid(1e9))
    energy = paper_costs(swept)["energy"].reshape(3, HORIZON + 2, 6)[..., OPTION_NAMES.index(option)]
    # Brute force: the largest integer Q whose energy is within the battery (energy grows with Q).
    within = energy <= capacity
    first_out = np.where(within[:, -1], HORIZON + 1, np.argmin(within, axis=-1))
    last = np.where(first_out > HORIZON, HORIZON + 1, first_out - 1)
    expected = np.where(q_star > HORIZON, HORIZON + 1, np.floor(np.minimum(q_star, HORIZON + 1)))
    expected = np.where(energy[:, 0] > capacity, -1, expected)  # drained before the first request
    ok = ~_near_integer_crossing(q_star)
    np.testing.assert_array_equal(last[ok], expected[ok])


def test_threshold_above_cases() -> None:
    # device line (to) steeper, flatter, parallel below/above
    got = threshold_above([0.0, 0.0, 0.0, 0.0, 5.0], [2.0, 1.0, 1.0, 1.0, 1.0], [4.0, 4.0, -1.0, 1.0, 1.0],
                          [1.0, 2.0, 1.0, 1.0, 0.5])  # fmt: skip
    np.testing.assert_array_equal(got, [4.0, np.inf, 0.0, np.inf, 0.0])
    # bounded range: the device line (to) above at 0 but below at the top: the crossing; steeper but below: 0
    got = threshold_above([0.0, 10.0], [2.0, 1.0], [4.0, 0.0], [1.0, 2.0], upper=5.0)
    np.testing.assert_array_equal(got, [4.0, 0.0])


def test_closed_forms_keep_a_zero_dimensional_batch() -> None:
    one = random_offload(5, points=1)
    point = one.replace(
        requests=one.requests[0], edge_load=one.edge_load[0], uplink_rate=one.uplink_rate[0],
        downlink_rate=one.downlink_rate[0],
    )  # fmt: skip
    assert point.shape == ()
    assert break_even_requests(point, "time").shape == ()
    assert load_threshold(point).shape == ()
    assert battery_requests(point, 1e4).shape == ()
