from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pantry.import_rules.checker.check_test import EXPECTED
from pantry.import_rules.shipping import (
    CHECKER_MODULES,
    CHECKER_PACKAGE,
    checker_argv,
    checker_files,
)

PACKAGE_DIR = Path(__file__).resolve().parent
# The Pants glue runs inside Pants, never in the checker's sandbox.
PANTS_GLUE = {"register.py", "subsystem.py", "rules.py"}


def test_every_checker_module_is_shipped() -> None:
    # Under `./pants test` only this test's dependencies are on disk, which include every
    # shipped module (the BUILD file's `checker-sources`), but not the glue.
    on_disk = {
        str(path.relative_to(PACKAGE_DIR))
        for path in PACKAGE_DIR.rglob("*.py")
        if not path.name.endswith("_test.py")
        and path.name not in ("conftest.py", "shipping.py", *PANTS_GLUE)
        and "__pycache__" not in path.parts
        and "goals" not in path.relative_to(PACKAGE_DIR).parts
    }
    assert set(CHECKER_MODULES) == on_disk


def test_checker_files() -> None:
    files = dict(checker_files())
    assert sorted(files) == sorted(f"{CHECKER_PACKAGE}/{m}" for m in CHECKER_MODULES)
    assert files[f"{CHECKER_PACKAGE}/rules_file.py"] == (PACKAGE_DIR / "rules_file.py").read_bytes()


def _run_shipped_checker(sandbox: Path) -> subprocess.CompletedProcess:
    """Write the checker into `sandbox` and run it there, as the Pants rule will."""
    for path, content in checker_files():
        (sandbox / path).parent.mkdir(parents=True, exist_ok=True)
        (sandbox / path).write_bytes(content)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, *checker_argv("request.json")],
        cwd=sandbox,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_shipped_checker_runs_in_a_sandbox_like_pants_builds(fixture_repo: Any) -> None:
    """The checker's copy sits at the sandbox root next to the files it checks, under a
    name no first-party package has; it must not need `pantry` importable."""
    fixture_repo.write_request()
    result = _run_shipped_checker(fixture_repo.root)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == EXPECTED


LAYERING_RULES = """
[trees]
checker = ["build-support/plugins/pantry/import_rules/checker"]

[[rules]]
id = "dogfood"
text = "the engine-free core never imports the checker (grimp adapter); only tests drive it"
tree = "checker"
may-be-imported-by = ["itself"]
"""


def test_dogfood_the_shipped_checker_layers_this_package(tmp_path: Path) -> None:
    """Run the shipped copy over this package's own sources, with a layering rule.

    Here `pantry` is first-party code that grimp must scan, while the checker itself runs
    as `__pantry_import_rules`. The only edges into checker/ from outside it must be this
    test's own (a pure module importing the checker would show up here).
    """
    plugins = PACKAGE_DIR.parents[1]
    python_files = []
    sources = [p for p in sorted(PACKAGE_DIR.rglob("*.py")) if "__pycache__" not in p.parts]
    for source in [plugins / "pantry" / "__init__.py", *sources]:
        relative = "build-support/plugins/" + str(source.relative_to(plugins))
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(source.read_bytes())
        python_files.append({"path": relative, "source_root": "build-support/plugins"})
    (tmp_path / "rules.toml").write_text(LAYERING_RULES)
    (tmp_path / "request.json").write_text(
        json.dumps({"version": 1, "rules_file": "rules.toml", "python_files": python_files})
    )

    result = _run_shipped_checker(tmp_path)

    own_import = "from pantry.import_rules.checker.check_test import EXPECTED"
    line = Path(__file__).read_text().splitlines().index(own_import) + 1
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        f"build-support/plugins/pantry/import_rules/shipping_test.py:{line}: "
        "pantry.import_rules.shipping_test imports pantry.import_rules.checker.check_test "
        "(build-support/plugins/pantry/import_rules/checker) — rule dogfood: the engine-free "
        "core never imports the checker (grimp adapter); only tests drive it",
        f"1 violation in {len(python_files)} files checked.",
    ]
