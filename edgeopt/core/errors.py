"""The exception hierarchy: one base class, a few subclasses.

Infeasibility is reported as a :class:`~edgeopt.core.status.Status`, not an
exception, unless the caller asks for one with ``raise_on_infeasible=True``.
"""

from __future__ import annotations


class EdgeOptError(Exception):
    """Base class of every error edgeopt raises on purpose."""


class InvalidParameterError(EdgeOptError, ValueError):
    """A parameter is out of range, of the wrong shape, or not finite.

    The message names the field, the value and the allowed range.
    """


class UnknownMethodError(EdgeOptError, ValueError):
    """A method name that is not registered for the problem."""


class SolverError(EdgeOptError):
    """A backend failed in a way that is not a status (re-raised from its error)."""


class InfeasibleError(EdgeOptError):
    """Raised instead of returning ``Status.INFEASIBLE`` when asked to."""
