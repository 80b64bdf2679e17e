"""The :class:`CutSelection` problem of paper 000 and its method table."""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from edgeopt.core.problem import BatchFunction, MethodFunction, Problem
from edgeopt.core.report import KKTReport
from edgeopt.core.solution import Solution
from edgeopt.problems.cut_selection import scenarios
from edgeopt.problems.cut_selection.certificate import lp_certificate
from edgeopt.problems.cut_selection.envelope import solve_envelope, solve_envelope_batch
from edgeopt.problems.cut_selection.exhaustive import solve_exhaustive
from edgeopt.problems.cut_selection.model import CutSelectionParams
from edgeopt.problems.cut_selection.reference import solve_cvxpy


class CutSelection(Problem):
    """Choose, per channel observation, the layer whose output the client sends (paper 000).

    Methods: ``"analytic"`` (default; the lower envelope, :mod:`.envelope`),
    ``"exhaustive"`` (the energy matrix's row minimum, :mod:`.exhaustive`) and
    ``"cvxpy"`` (the one-hot MILP, HiGHS by default; under power control one
    exponential-cone program per cut, Clarabel by default; :mod:`.reference`).
    :meth:`check` is the LP-relaxation certificate of :mod:`.certificate`.
    ``solve_batch`` takes ``"analytic"`` (:func:`~.envelope.solve_envelope_batch`:
    instances sharing a layer table share one envelope and one pass over their
    samples; each answer equals that instance's ``solve()`` bit for bit).

    Per-sample results: a sample no cut can serve is ``inf`` in
    ``x["energy"]`` and False in ``x["feasible"]``; the objective is the mean
    over the others, ``extras["n_infeasible"]`` counts them (see
    :func:`~.model.summarise`).

    Tolerances (the result contract's, stated once):

    ===================  =====  ================================================
    ``FEASIBILITY_TOL``  1e-8   relative difference between the reported and the
                                re-priced energies, deadline and power-cap
                                violations; the built-in methods evaluate the
                                same closed forms (rounding, 1e-15)
    ``CERTIFICATE_TOL``  1e-6   relative excess of the mean energy over the mean
                                row minimum (the exact LP relaxation's dual);
                                the envelope is within 1e-12 of it
    ===================  =====  ================================================

    Examples
    --------
    >>> import numpy as np
    >>> from edgeopt.models.zoo import mnist_cnn
    >>> params = CutSelectionParams.from_profile(mnist_cnn(), gains=np.ones(3), bandwidth=15e3, noise_psd=1e-9)
    >>> sol = CutSelection(params).solve()
    >>> sol.status.value, params.layer_names[int(sol.x["cut"][0])]
    ('optimal', 'pool3')

    """

    NAME: ClassVar[str] = "cut_selection"
    PARAMS: ClassVar[type] = CutSelectionParams
    METHODS: ClassVar[dict[str, MethodFunction]] = {
        "analytic": solve_envelope,
        "exhaustive": solve_exhaustive,
        "cvxpy": solve_cvxpy,
    }
    BATCH_METHODS: ClassVar[dict[str, BatchFunction]] = {"analytic": solve_envelope_batch}
    DEFAULT_METHOD: ClassVar[str] = "analytic"
    SCENARIOS: ClassVar[ModuleType | None] = scenarios
    FEASIBILITY_TOL: ClassVar[float] = 1e-8
    CERTIFICATE_TOL: ClassVar[float] = 1e-6

    params: CutSelectionParams

    @property
    def size(self) -> dict[str, int]:
        """Samples (channel gains) and candidate cuts, as in the benchmark rows."""
        return {"samples": int(self.params.gains.size), "layers": int(self.params.candidates.size)}

    def solution_shapes(self) -> dict[str, tuple[int, ...]]:
        """``x["cut"]`` and ``x["energy"]``, shaped like the gains (``feasible`` and the times are optional)."""
        shape = tuple(self.params.gains.shape)
        return {"cut": shape, "energy": shape}

    def _report(self, solution: Solution) -> KKTReport:
        """Optimality of every sample's cut against the full energy matrix (:func:`~.certificate.lp_certificate`).

        A discrete choice has no stationarity condition. Its certificate is the
        LP relaxation of the one-hot MILP, which is exact (each row is a
        simplex): the relaxation's dual optimum is the sum of the row minima of
        :func:`~.model.energy_matrix`, so ``duality_gap`` is the relative excess
        of the mean chosen energy over the mean row minimum, and
        ``details["sample_excess"]`` the worst single sample's.
        """
        return lp_certificate(self.params, solution)
