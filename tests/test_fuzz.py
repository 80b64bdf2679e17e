"""Wide-range fuzzing of every problem (issue 12): valid instances nobody designed, and invalid ones.

CI draws a few hundred wide instances per problem through hypothesis (the
seed is the drawn value; ``wide_params(seed)`` builds the instance) and every
invalid variant of two wide instances. The ``slow`` run solves 10,000 per
problem with the harness that also writes the benchmark rows
(``edgeopt bench fuzz``).
"""

from __future__ import annotations

import math
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeopt.bench import fuzz
from edgeopt.core.errors import InvalidParameterError
from edgeopt.problems.registry import PROBLEMS

# Per problem: CI examples. Sized so the whole file stays near a minute on 2 cores.
CI_EXAMPLES = {"fog": 150, "iscc": 200, "cut_selection": 200, "dag_split": 300, "compression": 200}
SLOW_INSTANCES = 10_000


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_every_problem_has_a_wide_generator(name):
    assert fuzz.has_wide_params(name), f"{name} has no scenarios.wide_params(seed)"
    first, again = fuzz.wide_params(name, 7), fuzz.wide_params(name, 7)
    assert type(first) is PROBLEMS[name].PARAMS
    assert pickle.dumps(first) == pickle.dumps(again), "wide_params must be deterministic in its seed"


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_wide_valid_instances_have_no_defect(name):
    @settings(
        max_examples=CI_EXAMPLES.get(name, 200),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(seed=st.integers(0, 2**31 - 1))
    def one(seed):
        (record,) = fuzz.run_valid(name, [seed])
        assert record["outcome"] not in fuzz.DEFECTS, f"seed {seed}: {record}"
        assert record["objective"] is None or math.isfinite(record["objective"])

    one()


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_every_invalid_field_is_rejected_naming_it(name):
    records = fuzz.run_invalid(name, [11, 12])
    bad = [r for r in records if r["outcome"] in fuzz.DEFECTS]
    assert not bad, f"{len(bad)} of {len(records)} invalid variants escaped: {bad[:5]}"
    rejected = [r for r in records if r["outcome"] == "rejected"]
    assert all(r["field"] in r["error"] for r in rejected)


def test_the_harness_counts_what_escapes():
    # The harness must be able to fail: a variant that slips through or a foreign error is a defect.
    assert set(fuzz.DEFECTS) >= {"escaped", "crash", "nan", "mislabelled", "unnamed", "accepted_invalid"}
    tally = fuzz.counts([{"outcome": "optimal"}, {"outcome": "escaped"}, {"outcome": "accepted_invalid"}])
    assert tally == {"n": 3, "accepted_invalid": 1, "escaped": 1, "optimal": 1, "defects": 2}
    with pytest.raises(InvalidParameterError, match="unknown problem"):
        fuzz.wide_params("no_such_problem", 0)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_slow_ten_thousand_wide_instances(name):
    records = fuzz.run_valid(name, range(SLOW_INSTANCES), progress=True)
    tally = fuzz.counts(records)
    print(name, tally)
    assert tally["n"] == SLOW_INSTANCES
    assert tally["defects"] == 0, [r for r in records if r["outcome"] in fuzz.DEFECTS][:5]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_slow_invalid_variants_of_fifty_instances(name):
    records = fuzz.run_invalid(name, range(50), progress=True)
    tally = fuzz.counts(records)
    print(name, tally)
    assert tally["defects"] == 0, [r for r in records if r["outcome"] in fuzz.DEFECTS][:5]
