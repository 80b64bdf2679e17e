"""The reference for the DAG split (method ``"exhaustive"``): enumeration of every valid split.

Independent of the flow network. A valid split is a device set that holds
the input and every predecessor of its layers (an ideal of the DAG's order),
so the enumeration walks the layers in topological order and, for every
partial split so far, adds the next layer to the device only where all its
predecessors already are: exactly the valid splits are generated, never the
``2^n`` subsets. Chains have ``n`` of them, the zoo's ResNet-18 99,
DenseNet-201 707; a wide DAG can have exponentially many, hence the
``max_splits`` limit. All splits are priced at once (vectorised), and the
cheapest (first among ties) is returned, its cost recomputed exactly by
:meth:`~.model.DagSplitParams.cost`. Complexity ``O(k n)`` time and memory
for ``k`` valid splits of ``n`` layers (plus ``O(k m)`` for the sent
tensors, ``m`` edges).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from edgeopt.core.problem import failed
from edgeopt.core.solution import Solution
from edgeopt.core.validate import boolean, integer
from edgeopt.problems.dag_split.model import DagSplitParams, split_solution

# Memory of the enumeration: one byte per (split, layer); at most this many (256 MiB).
MAX_CELLS = 1 << 28
# Splits priced per block (bounds the float temporaries).
_BLOCK = 1 << 16


def valid_splits(params: DagSplitParams, max_splits: int, progress: bool = False) -> tuple[np.ndarray | None, str]:
    """Every valid split as a boolean mask over :attr:`~.model.DagSplitParams.order`, or None past the limits.

    Parameters
    ----------
    params : DagSplitParams
        The instance.
    max_splits : int
        Stop (return None) when more valid splits than this exist.
    progress : bool
        Show a tqdm bar over the layers.

    Returns
    -------
    masks : numpy.ndarray of bool, shape (k, n), or None
        One row per valid split.
    reason : str
        Why None was returned ("" otherwise).

    """
    order, index, g = params.order, params.index, params.graph
    n = len(order)
    masks = np.zeros((1, n), dtype=bool)
    masks[0, 0] = True  # the input is on the device
    blocked = set() if params.allow_raw else set(g.successors(params.input))
    layers: Any = range(1, n)
    if progress:
        from tqdm import tqdm

        layers = tqdm(layers, desc="valid splits", unit="layer")
    for j in layers:
        preds = [index[p] for p in g.predecessors(order[j])]
        may = masks[:, preds].all(axis=1)
        if order[j] in blocked:  # reads the raw input, which may not be sent: on the device in every split
            masks = masks[may]
            masks[:, j] = True
            continue
        count = masks.shape[0] + int(may.sum())
        if count > max_splits or count * n > MAX_CELLS:
            limit = f"max_splits={max_splits}" if count > max_splits else f"{MAX_CELLS} mask cells ({n} layers)"
            return None, (
                f"the network has more than {count - 1} valid splits (counted up to layer {j} of {n - 1}); "
                f"exhaustive enumeration is limited to {limit}; use method 'flow'"
            )
        extra = masks[may]
        extra[:, j] = True
        masks = np.concatenate([masks, extra])
    return masks, ""


def split_costs(params: DagSplitParams, masks: np.ndarray) -> np.ndarray:
    """Cost of every split (row of ``masks``), vectorised: device or server cost per layer plus sent outputs."""
    order, index, g = params.order, params.index, params.graph
    dev = np.array([params.device_cost[v] for v in order])
    srv = np.array([params.server_cost[v] for v in order])
    com = np.array([params.comm_cost[v] for v in order])
    n = len(order)
    rows = [index[w] for u in order for w in g.successors(u)]
    cols = [index[u] for u in order for _ in g.successors(u)]
    # consumers[w, u] = 1 when w reads u's output; (server layers) @ consumers counts u's server readers.
    consumers = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    out = index[params.output]
    costs = np.empty(masks.shape[0])
    for start in range(0, masks.shape[0], _BLOCK):
        m = masks[start : start + _BLOCK]
        server = ~m
        readers = np.asarray(consumers.T.dot(server.T.astype(float))).T  # (block, n): server readers of each u
        sent = m & (readers > 0)
        sent[:, out] = m[:, out]
        costs[start : start + _BLOCK] = m @ dev + server @ srv + sent @ com
    return costs


def solve_exhaustive(
    params: DagSplitParams, *, max_splits: int = 1 << 20, max_layers: int | None = None, progress: bool = False
) -> Solution:
    """Method ``"exhaustive"``: the cheapest valid split by enumeration.

    Parameters
    ----------
    params : DagSplitParams
        The instance.
    max_splits : int
        Refuse (``FAILED``, with the reason) networks with more valid splits
        than this (default 2^20; the time and memory grow with their number).
    max_layers : int, optional
        Also refuse networks with more non-input layers than this.
    progress : bool
        Show a tqdm bar over the layers (a network near the limits takes seconds).

    Returns
    -------
    Solution
        As :func:`~.model.split_solution`; ``extras["n_splits"]`` the number of valid splits.

    """
    max_splits = integer("max_splits", max_splits, minimum=1)
    progress = boolean("progress", progress)
    n_layers = params.graph.number_of_nodes() - 1
    if max_layers is not None and n_layers > integer("max_layers", max_layers, minimum=0):
        return failed(f"{n_layers} layers: exhaustive enumeration is limited to max_layers={max_layers}")
    masks, reason = valid_splits(params, max_splits, progress)
    if masks is None:
        return failed(reason)
    costs = split_costs(params, masks)
    best = masks[int(np.argmin(costs))]
    on_device = {v for v, m in zip(params.order, best.tolist(), strict=True) if m}
    sol = split_solution(params, on_device, "enumeration of all valid splits")
    sol.extras["n_splits"] = int(masks.shape[0])
    return sol
