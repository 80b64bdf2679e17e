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


def test_each_reference_is_forbidden_every_method_module():
    contracts = _contracts()
    for name, cls in eo.PROBLEMS.items():
        package = _package(cls)
        folder = ROOT / Path(*package.split("."))
        modules = {p.stem for p in folder.glob("*.py")} - REFERENCE_MAY_IMPORT
        contract = contracts[f"{name}-reference-independent"]
        assert contract["source_modules"] == [f"{package}.reference"]
        assert set(contract["forbidden_modules"]) == {f"{package}.{m}" for m in modules}, name
