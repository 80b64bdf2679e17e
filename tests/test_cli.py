"""The command line: `edgeopt list` and `edgeopt solve PROBLEM SCENARIO` for every problem in the registry."""

import json

import pytest

import edgeopt as eo
from edgeopt.cli import main

# One quick scenario per problem (the full digits take minutes to fit; the contract test covers the rest).
QUICK = {
    "fog": "kilcioglu2021-fig4",
    "iscc": "latency",
    "cut_selection": "mnist",
    "dag_split": "resnet18",
    "compression": "digits-small",
    "noma": "tiny-noma",
    "offload": "tiny-offload",
    "offload_fleet": "fleet-small",
}


def test_quick_scenarios_cover_the_registry():
    assert set(QUICK) == set(eo.PROBLEMS)


def test_list_prints_every_problem_method_and_scenario(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name, cls in eo.PROBLEMS.items():
        assert f"{name} ({cls.__name__})" in out
        for method in cls.method_names():
            assert method in out
        for scenario in cls.scenarios():
            assert scenario in out


@pytest.mark.parametrize("name", sorted(QUICK))
def test_solve_json_matches_the_api(name, capsys):
    assert main(["solve", name, QUICK[name], "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    sol = eo.PROBLEMS[name].from_scenario(QUICK[name]).solve()
    assert printed["problem"] == name and printed["status"] == sol.status.value
    assert printed["method"] == eo.PROBLEMS[name].DEFAULT_METHOD
    assert printed["objective"] == pytest.approx(sol.objective, rel=1e-12)
    assert set(printed["x"]) == set(sol.x)


@pytest.mark.parametrize("name", sorted(QUICK))
def test_solve_text(name, capsys):
    assert main(["solve", name, QUICK[name]]) == 0
    assert capsys.readouterr().out.startswith(f"{name} {QUICK[name]}: Solution(")


def test_solve_with_a_named_method(capsys):
    assert main(["solve", "iscc", "latency", "--method", "alternating", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["method"] == "alternating"


def test_bad_names_give_an_error_naming_the_choices(capsys):
    assert main(["solve", "nope", "x"]) == 2
    assert "available: fog" in capsys.readouterr().err
    assert main(["solve", "fog", "nope"]) == 2
    assert "unknown fog scenario 'nope'" in capsys.readouterr().err
    assert main(["solve", "fog", "kilcioglu2021-fig4", "--method", "nope"]) == 2
    assert "unknown method 'nope'" in capsys.readouterr().err


def test_old_fog_only_form_still_works(capsys):
    with pytest.warns(DeprecationWarning, match="edgeopt solve fog kilcioglu2021-fig4"):
        assert main(["solve", "kilcioglu2021-fig4"]) == 0
    assert "fog kilcioglu2021-fig4: Solution(optimal" in capsys.readouterr().out
