"""The engine glue with a RuleRunner: what the build graph hands the pure modules, and that bad
editor settings stop `./pants ide` before any venv is built. The real export is exercised by
ide_integration_test.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from pantry.ide import rules as ide_rules
from pantry.ide.goal import Ide
from pantry.ide.layout import PythonFile
from pantry.ide.rules import FirstPartyPython, IdeError
from pants.backend.python import register as python
from pants.core import register as core
from pants.engine.internals.parametrize import Parametrize
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner, engine_error

OPTIONS = [
    "--python-enable-resolves",
    "--no-python-enable-lockfile-targets",
    "--python-default-resolve=python-default",
    "--python-resolves={'python-default': 'default.lock', 'plugins': 'plugins.lock'}",
    "--source-root-patterns=['/services/*/src', '/tools']",
]


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    # One for all tests: the full core and Python rule graph takes a while to build.
    rule_runner = RuleRunner(
        rules=[*ide_rules.rules(), *core.rules(), *python.rules(), QueryRule(FirstPartyPython, [])],
        target_types=[*core.target_types(), *python.target_types()],
        objects={"parametrize": Parametrize},
    )
    rule_runner.set_options(OPTIONS)
    rule_runner.write_files(
        {
            "services/svc/src/svc/BUILD": "python_sources()\npython_tests(name='tests')\n",
            "services/svc/src/svc/app.py": "",
            "services/svc/src/svc/app_test.py": "",
            "tools/BUILD": (
                "python_sources(name='glue', sources=['glue.py'], resolve='plugins')\n"
                "python_sources(name='both', sources=['both.py'],"
                " resolve=parametrize('plugins', 'python-default'))\n"
            ),
            "tools/glue.py": "",
            "tools/both.py": "",
            "tools/README.md": "",
        }
    )
    return rule_runner


def test_first_party_files_with_resolves_and_source_roots(rule_runner: RuleRunner) -> None:
    assert rule_runner.request(FirstPartyPython, []).files == (
        PythonFile("services/svc/src/svc/app.py", ("python-default",), "services/svc/src"),
        PythonFile("services/svc/src/svc/app_test.py", ("python-default",), "services/svc/src"),
        PythonFile("tools/both.py", ("plugins", "python-default"), "tools"),
        PythonFile("tools/glue.py", ("plugins",), "tools"),
    )


@pytest.mark.parametrize(
    "path, content, message",
    [
        (
            "pyrightconfig.json",
            '{"venv": "x",}',
            "ide: pyrightconfig.json:1:14: not valid JSON (Expecting property name enclosed in"
            " double quotes)",
        ),
        (
            "pyrightconfig.json",
            '{"executionEnvironments": {"root": "src"}}',
            'ide: pyrightconfig.json: `executionEnvironments` is {"root": "src"}, not a list of'
            " objects",
        ),
        (".vscode/settings.json", "[]", "ide: .vscode/settings.json: holds a JSON list"),
    ],
)
def test_bad_settings_stop_before_any_export(
    rule_runner: RuleRunner, path: str, content: str, message: str
) -> None:
    rule_runner.write_files({path: content})
    try:
        with engine_error(IdeError, contains=message):
            rule_runner.run_goal_rule(Ide, global_args=OPTIONS, env_inherit={"PATH"})
    finally:
        Path(rule_runner.build_root, path).unlink()
    assert not Path(rule_runner.build_root, "dist").exists()
    other = {"pyrightconfig.json", ".vscode/settings.json"} - {path}
    assert not any(Path(rule_runner.build_root, name).exists() for name in other)


def test_resolves_must_be_enabled(rule_runner: RuleRunner) -> None:
    with engine_error(
        IdeError,
        contains="ide: `[python].enable_resolves` is false: `./pants ide` exports one virtualenv"
        " per resolve (`[python.resolves]`). Set it to true in pants.toml.",
    ):
        rule_runner.run_goal_rule(
            Ide, global_args=[*OPTIONS, "--no-python-enable-resolves"], env_inherit={"PATH"}
        )
