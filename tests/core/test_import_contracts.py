"""The import-linter contracts in pyproject.toml cover every problem package and every method module.

``lint-imports`` checks the contracts; this test checks that the contracts
keep up with the tree, so that a new problem or a new method module cannot
slip past them.
"""

import tomllib
from pathlib import Path

import edgeopt as eo

ROOT = Path(__file__).resolve().parents[2]
# What a reference may import from its own package: the paper's equations and the certificate.
REFERENCE_MAY_IMPORT = {"model", "certificate", "reference", "__init__"}


def _contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _package(cls):
    return cls.__module__.rsplit(".", 1)[0]


def test_every_problem_package_is_independent_of_the_others():
    listed = set(_contracts()["problems-independent"]["modules"])
    assert listed == {_package(cls) for cls in eo.PROBLEMS.values()}


def _reference_module(cls) -> str:
    """The module of the problem's CVXPY reference (``<package>.reference``, or e.g. ``fleet_reference``)."""
    return cls.METHODS["cvxpy"].__module__ if "cvxpy" in cls.METHODS else f"{_package(cls)}.reference"


def test_each_reference_is_forbidden_every_method_module():
    """Each reference's contract forbids every other module of its package but its model and certificate.

    A package may hold two problems (offload: the paper's problem and the fleet); each has its own
    reference, model and certificate module (``fleet_reference``, ``fleet_model``, ``fleet_certificate``),
    and the offload reference is forbidden the fleet's methods as well as its own.
    """
    contracts = _contracts()
    for name, cls in eo.PROBLEMS.items():
        package = _package(cls)
        folder = ROOT / Path(*package.split("."))
        reference = _reference_module(cls)
        prefix = reference.rsplit(".", 1)[1].removesuffix("reference")  # "" or "fleet_"
        may_import = REFERENCE_MAY_IMPORT | {f"{prefix}reference", f"{prefix}certificate", f"{prefix}model"}
        may_import.add(cls.PARAMS.__module__.rsplit(".", 1)[1])
        if prefix:
            # A second problem's model builds on the package's first model (and its scenario physics).
            may_import |= {"scenarios"}
        modules = {p.stem for p in folder.glob("*.py")} - may_import
        contract = contracts[f"{name}-reference-independent"]
        assert contract["source_modules"] == [reference], name
        assert set(contract["forbidden_modules"]) == {f"{package}.{m}" for m in modules}, name
