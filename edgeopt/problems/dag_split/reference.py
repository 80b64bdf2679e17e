"""The reference for the DAG split (method ``"exhaustive"``): enumeration of every valid split.

Independent of the flow network: every subset of the non-input layers is put
on the device beside the input, kept when :meth:`~.model.DagSplitParams.is_valid`
holds, and priced by :meth:`~.model.DagSplitParams.cost`; the cheapest
(first found among ties) is returned. ``O(2^n n)`` for ``n`` layers, hence
the ``max_layers`` limit.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.problems.dag_split.model import DagSplitParams, split_solution


def solve_exhaustive(params: DagSplitParams, *, max_layers: int = 20) -> Solution:
    """Method ``"exhaustive"``: the cheapest valid split by enumeration.

    Parameters
    ----------
    params : DagSplitParams
        The instance.
    max_layers : int
        Refuse (``FAILED``) networks with more non-input layers than this.

    Returns
    -------
    Solution
        As :func:`~.model.split_solution`.

    """
    layers = [v for v in params.graph if v != params.input]
    if len(layers) > max_layers:
        return failed(f"{len(layers)} layers: exhaustive enumeration is limited to {max_layers}")
    best: tuple[float, set[Any]] = (math.inf, set())
    for bits in itertools.product((False, True), repeat=len(layers)):
        on_device = {params.input, *(v for v, b in zip(layers, bits, strict=True) if b)}
        if params.is_valid(on_device):
            c = params.cost(on_device)
            if c < best[0]:
                best = (c, on_device)
    return split_solution(params, best[1], "enumeration of all valid splits")
