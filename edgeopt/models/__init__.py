"""Physics shared by the problems: channel and computation models."""

from edgeopt.models import channel, compute

__all__ = ["channel", "compute"]
