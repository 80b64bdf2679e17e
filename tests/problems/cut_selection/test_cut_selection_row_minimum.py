"""The certificate's running row minimum equals the full energy matrix's, on wide instances (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeopt.problems.cut_selection.model import energy_matrix, row_minimum
from edgeopt.problems.cut_selection.scenarios import wide_params


@pytest.mark.parametrize("seed", range(60))
def test_row_minimum_matches_the_energy_matrix(seed):
    params = wide_params(seed)
    full = energy_matrix(params).min(axis=1)
    fast = row_minimum(params)
    assert np.array_equal(np.isfinite(full), np.isfinite(fast))
    finite = np.isfinite(full)
    # Same model, the rate computed once instead of per cut: rounding only.
    np.testing.assert_allclose(fast[finite], full[finite], rtol=1e-14, atol=0.0)
