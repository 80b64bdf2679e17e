"""Energy-efficient fine-grained DNN partitioning for collaborative fog computing (paper 004).

Kilcioglu, Mirghasemi, Stupia and Vandendorpe, IEEE Access 9, 2021. One
problem, one package:

- :mod:`~edgeopt.problems.fog.model`: :class:`FogParams` and the paper's equations;
- :mod:`~edgeopt.problems.fog.closed_forms`: the internal problems' closed forms the methods share;
- :mod:`~edgeopt.problems.fog.min_latency`: the minimum latency (the feasibility limit);
- methods: :mod:`~edgeopt.problems.fog.barrier` (``"analytic"``, the default),
  :mod:`~edgeopt.problems.fog.kkt_newton` (its local phase),
  :mod:`~edgeopt.problems.fog.decomposition` (``"decomposition"``),
  :mod:`~edgeopt.problems.fog.baselines` (``"no_opt_dist"``),
  :mod:`~edgeopt.problems.fog.rounding` (integer rows);
- :mod:`~edgeopt.problems.fog.certificate`: KKT report and dual bound, the one path to ``OPTIMAL``;
- :mod:`~edgeopt.problems.fog.reference`: the CVXPY model (``"cvxpy"``);
- :mod:`~edgeopt.problems.fog.scenarios`: named scenarios and the random instances;
- :mod:`~edgeopt.problems.fog.problem`: :class:`FogPartitioning` and its method table.
"""

from edgeopt.problems.fog.model import (
    ABOVE,
    BELOW,
    MACS_PER_ELEMENT,
    VARIABLES,
    FogBatch,
    FogLayout,
    FogParams,
    constraint_violations,
    constraint_violations_batch,
    cpu_speed,
    energy_terms,
    energy_terms_batch,
    frequencies,
    repair_point,
)
from edgeopt.problems.fog.problem import FogPartitioning

__all__ = [
    "ABOVE",
    "BELOW",
    "MACS_PER_ELEMENT",
    "VARIABLES",
    "FogBatch",
    "FogLayout",
    "FogParams",
    "FogPartitioning",
    "constraint_violations",
    "constraint_violations_batch",
    "cpu_speed",
    "energy_terms",
    "energy_terms_batch",
    "frequencies",
    "repair_point",
]
