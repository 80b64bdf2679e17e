"""Generic algorithms that know no problem.

``lambert`` (Lambert-W forms), ``scalar`` (vectorised bracketed Newton,
bisection and golden section), ``first_order`` (FISTA, projected gradient),
``graph`` (minimum s-t cut, min-cost flow) and ``batch`` (dataclasses of arrays).
"""
