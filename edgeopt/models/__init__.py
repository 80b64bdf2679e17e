"""Physics and profiles shared by the problems: channel, compute, energy, dnn (layer profiles) and zoo."""

from edgeopt.models import channel, compute

__all__ = ["channel", "compute"]
