"""The benchmark's tree obeys the real rules, and both tools would be asked the same thing."""

from __future__ import annotations

import configparser
import io
import json
from pathlib import Path

import generate  # pants: no-infer-dep (this directory is no package; see BUILD)
import pytest
from pantry.import_rules.checker.main import main as check

RULES_FILE = Path(__file__).resolve().parents[2] / "import-rules.toml"


def test_the_default_plan_is_5000_modules_over_40_projects() -> None:
    projects = generate.plan_projects(5000, 40)
    kinds = [p.kind for p in projects]
    assert (kinds.count("service"), kinds.count("shared"), kinds.count("internal")) == (16, 12, 12)
    files = generate.generate(5000, 40, seed=1)
    assert sum(1 for path in files if path.endswith(".py")) == 5000
    assert len({p.package for p in projects}) == 40


def test_generation_is_deterministic() -> None:
    assert generate.generate(200, 10, seed=3) == generate.generate(200, 10, seed=3)
    assert generate.generate(200, 10, seed=3) != generate.generate(200, 10, seed=4)


def _check(root: Path) -> tuple[int, list[str]]:
    stdout = io.StringIO()
    code = check(
        [str(root / "import-rules-request.json"), "--build-root", str(root)], stdout, io.StringIO()
    )
    return code, stdout.getvalue().splitlines()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    generate.write(tmp_path, generate.generate(300, 10, seed=1))
    (tmp_path / "build-support").mkdir()
    (tmp_path / "build-support/import-rules.toml").write_text(RULES_FILE.read_text())
    return tmp_path


def test_the_tree_has_only_allowed_imports_and_no_cycle(tree: Path) -> None:
    assert _check(tree) == (0, ["0 violations in 300 files checked."])
    # ... and it does import across projects, in several forms.
    text = "\n".join(p.read_text() for p in tree.rglob("m*.py"))
    for form in ("\nfrom . import ", "\nimport ", "\nif TYPE_CHECKING:\n", "\n    from sh"):
        assert form in text


def test_injected_violations_are_what_the_checker_reports(tree: Path) -> None:
    injected = generate.inject_violations(tree)
    assert len(injected) == 2
    code, lines = _check(tree)
    assert (code, lines) == (1, [*injected, "2 violations in 300 files checked."])


def test_import_linter_contracts_mirror_rules_1_and_5(tree: Path) -> None:
    config = configparser.ConfigParser()
    config.read_string((tree / ".importlinter").read_text())
    projects = generate.plan_projects(300, 10)
    packages = {p.kind: [q.package for q in projects if q.kind == p.kind] for p in projects}
    assert config["importlinter"]["root_packages"].split() == [p.package for p in projects]
    contracts = [s for s in config.sections() if s.startswith("importlinter:contract:")]
    assert len(contracts) == len(packages["service"]) + 1
    for service in packages["service"]:
        contract = config[f"importlinter:contract:{service}"]
        assert contract["forbidden_modules"] == service
        assert service not in contract["source_modules"].split()
        assert len(contract["source_modules"].split()) == len(projects) - 1
        assert contract["allow_indirect_imports"] == "True"
    rule_5 = config["importlinter:contract:rule-5"]
    assert rule_5["source_modules"].split() == packages["shared"]
    assert rule_5["forbidden_modules"].split() == packages["internal"]


def test_the_checker_request_lists_every_module_with_its_source_root(tree: Path) -> None:
    request = json.loads((tree / "import-rules-request.json").read_text())
    assert len(request["python_files"]) == 300
    assert request["whole_repository"] is True
    for entry in request["python_files"]:
        assert entry["path"].startswith(entry["source_root"] + "/")
        assert entry["source_root"].endswith("/src")
