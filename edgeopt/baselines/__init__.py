"""The papers' comparison schemes."""

from edgeopt.baselines.fog import no_opt_dist

__all__ = ["no_opt_dist"]
