"""The exhaustive cut selection (method ``"exhaustive"``): the full energy matrix and its row minimum.

Every candidate cut is priced for every sample by :func:`~.model.energy_matrix`
(``O(n L)``, written directly from eq. (6)), and each row's minimum is taken.
It serves as the benchmark's baseline for the envelope's speed.
"""

from __future__ import annotations

import numpy as np

from edgeopt.core.solution import Solution
from edgeopt.problems.cut_selection.model import CutSelectionParams, energy_at, energy_matrix, summarise


def solve_exhaustive(params: CutSelectionParams) -> Solution:
    """Method ``"exhaustive"``: the row minimum of the energy matrix for every sample.

    Parameters
    ----------
    params : CutSelectionParams
        The instance.

    Returns
    -------
    Solution
        As :func:`~.envelope.solve_envelope`.

    """
    matrix = energy_matrix(params)
    best = params.candidates[np.argmin(matrix, axis=1)].reshape(params.gains.shape)
    return summarise(params, energy_at(params, best))
