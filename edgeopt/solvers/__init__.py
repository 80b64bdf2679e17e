"""Algorithms: Lambert-W closed forms and the problem-specific analytic solvers."""
