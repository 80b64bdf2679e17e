"""Integer rows for the fog problem (paper 004).

Problem (24) asks for integer rows ``d_k``; the methods solve the relaxation
(31) with real rows. :func:`round_rows` turns a continuous solution into an
integer one: largest-remainder rounding, then single-row moves between nodes
while the re-optimised energy decreases, every other variable re-optimised
for the rows: the candidates of a round together by the batched path
(:func:`~edgeopt.problems.fog.barrier.solve_fixed_rows_batch`), the final
rows exactly by :func:`~edgeopt.problems.fog.decomposition.solve_fixed_rows`.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from edgeopt.core import validate
from edgeopt.core.errors import InvalidParameterError
from edgeopt.core.solution import Solution
from edgeopt.core.status import Status
from edgeopt.problems.fog.barrier import solve_fixed_rows_batch
from edgeopt.problems.fog.decomposition import solve_fixed_rows
from edgeopt.problems.fog.model import FogParams

FloatArray = NDArray[np.float64]

#: Relative gap of the path's candidate re-solves: energies of candidates differ by some
#: 1e-5..1e-3 relative (one row of hundreds), so 1e-6 ranks them; the final rows are re-solved exactly.
SCREEN_GAP = 1e-6
#: Fewest untouched moves a partial round re-solves (see :func:`_likely`).
LIKELY_MIN = 20


def largest_remainder(rows: FloatArray, total: int) -> FloatArray:
    """Round non-negative ``rows`` to integers summing to ``total`` (Hamilton's method).

    Each entry is rounded down, then the ``total - sum(floor(rows))`` entries
    with the largest fractional parts are rounded up (ties in index order).
    """
    base = np.floor(rows)
    missing = int(round(total - base.sum()))
    order = np.argsort(-(rows - base), kind="stable")
    base[order[:missing]] += 1
    return base


def round_rows(p: FogParams, solution: Solution, *, progress: bool = False) -> Solution:
    """Integer rows summing to ``d_y``, all other variables re-optimised.

    Starts from largest-remainder rounding of ``solution.x["rows"]`` and
    improves it by single-row moves between nodes while the re-optimised
    energy decreases, so the result is never worse than largest-remainder
    rounding. Each round re-solves every candidate move (one row from node
    ``i`` to node ``j``, among the nodes whose continuous rows were
    fractional or moved) in one call of the batched interior-point path with
    the rows held fixed
    (:func:`~edgeopt.problems.fog.barrier.solve_fixed_rows_batch`), and keeps
    the best one (steepest descent); after a move only the likely moves are
    re-solved (:func:`_likely`), and a round that finds none better is
    confirmed by a full round, so the result is a local optimum over all
    single-row moves. The final rows are solved exactly by
    :func:`~edgeopt.problems.fog.decomposition.solve_fixed_rows` when it
    certifies them; otherwise the path's point is kept.

    Parameters
    ----------
    p : FogParams
        The instance; ``d_y`` must be an integer.
    solution : Solution
        A continuous solution of ``p`` (returned unchanged if it has no point).
    progress : bool
        Show a tqdm bar over the rounds of moves.

    Returns
    -------
    Solution
        ``FEASIBLE`` (optimal for its rows, not for the integer problem), with
        ``method="round_rows"`` and ``extras`` reporting
        ``continuous_objective``, ``largest_remainder_objective``,
        ``rounding_cost_j`` (energy above the continuous optimum),
        ``rounding_cost_rel``, ``evaluations`` and ``rounds``.

    Raises
    ------
    InvalidParameterError
        If ``d_y`` is not an integer or ``solution`` is not a point of ``p``.

    Notes
    -----
    A round costs one batched path over at most ``F (F - 1)`` candidates
    (``F`` the movable nodes); at ``K = 20`` the benchmark times the whole
    call (:mod:`edgeopt.bench.fog`).

    """
    if not solution.has_point:
        return solution
    if not float(p.d_y).is_integer():
        raise InvalidParameterError(f"round_rows needs an integer d_y, got {p.d_y}")
    continuous = validate.array("solution.x['rows']", solution.x.get("rows"), ((p.K,),), allow_zero=True)
    start = time.perf_counter()
    total = int(p.d_y)
    best_rows = largest_remainder(continuous, total)
    best = solve_fixed_rows_batch([p], best_rows[None])[0]
    if not best.has_point:  # the path failed on these rows: the exact solver decides
        best = solve_fixed_rows(p, best_rows)
    lr_energy = best.objective
    evaluations, rounds = 1, 0
    frac = np.abs(continuous - np.round(continuous)) > 1e-9
    bar = tqdm(desc="round_rows", unit="round", disable=not progress)
    previous: dict[tuple[int, int], float] = {}  # energies of the last round's moves
    taken = (-1, -1)  # the last move made
    full = True  # a full round re-solves every move; the others only the likely ones
    tried: set[tuple[int, int]] = set()  # moves already found not to help at the current rows
    while best.has_point:
        nodes = np.flatnonzero(frac | (best_rows != np.round(continuous)))
        moves = [(int(i), int(j)) for i in nodes for j in nodes if i != j and best_rows[i] >= 1]
        if not full:
            moves = _likely(moves, previous, taken)
        elif tried:
            moves = [m for m in moves if m not in tried]
        if not moves:
            break
        candidates = np.repeat(best_rows[None], len(moves), axis=0)
        src, dst = np.array(moves).T
        candidates[np.arange(len(moves)), src] -= 1
        candidates[np.arange(len(moves)), dst] += 1
        trials = solve_fixed_rows_batch([p] * len(moves), candidates, gap_target=SCREEN_GAP)
        evaluations += len(moves)
        rounds += 1
        bar.update(1)
        energies = np.array([t.objective if t.has_point else np.inf for t in trials])
        k = int(np.argmin(energies))
        # A move must beat the current rows by more than the path's accuracy (both
        # energies are within SCREEN_GAP of their optimum), or rounding noise could cycle.
        if not energies[k] < best.objective * (1.0 - 2.0 * SCREEN_GAP):
            if full:
                break
            # No likely move helps: confirm with the moves not yet tried at these rows.
            full, tried = True, set(moves)
            continue
        previous = {move: float(e) for move, e in zip(moves, energies, strict=True)}
        taken = moves[k]
        best, best_rows, full, tried = trials[k], candidates[k], False, set()
    bar.close()
    if best.has_point:
        exact = solve_fixed_rows(p, best_rows)
        if exact.status is Status.OPTIMAL and exact.objective <= best.objective:
            best = exact
    best.status = Status.FEASIBLE if best.has_point else best.status
    best.extras.update(
        {
            "continuous_objective": solution.objective,
            "largest_remainder_objective": lr_energy,
            "rounding_cost_j": best.objective - solution.objective,
            "rounding_cost_rel": (best.objective - solution.objective) / abs(solution.objective),
            "evaluations": evaluations,
            "rounds": rounds,
        }
    )
    best.solve_time_s = time.perf_counter() - start
    best.method = "round_rows"
    return best


def _likely(
    moves: list[tuple[int, int]], previous: dict[tuple[int, int], float], taken: tuple[int, int]
) -> list[tuple[int, int]]:
    """The moves worth re-solving after a move ``(a, b)`` was taken.

    Every move that touches ``a`` or ``b`` (their marginal energies changed
    most), and the eighth of the other moves (at least :data:`LIKELY_MIN`)
    that were cheapest in the previous round. A round that finds no
    improvement among them is followed by a full round, so the result is a
    local optimum over all single-row moves.
    """
    a, b = taken
    touching = [m for m in moves if a in m or b in m]
    others = sorted((m for m in moves if a not in m and b not in m), key=lambda m: previous.get(m, -np.inf))
    return touching + others[: max(LIKELY_MIN, len(others) // 8)]


__all__ = ["LIKELY_MIN", "SCREEN_GAP", "largest_remainder", "round_rows"]
