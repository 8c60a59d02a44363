from __future__ import annotations

import json

import pytest
from pantry.ide.editor_config import (
    SettingsFileError,
    Venv,
    check_pyright_config,
    merge_pyright_config,
    merge_vscode_settings,
    parse_settings,
    render,
)
from pantry.ide.layout import ExecutionRoot

ROOT = "/repo"
VENVS = "/repo/dist/export/python/virtualenvs"
DEFAULT = Venv(
    "python-default",
    f"{VENVS}/python-default/3.11.7",
    "3.11",
    ("libs/shared/shr/src", "services/svc/src"),
)
PLUGINS = Venv(
    "pantry-plugins", f"{VENVS}/pantry-plugins/3.9.18", "3.9", ("build-support/plugins",)
)
ROOTS = (
    ExecutionRoot("build-support/plugins/pantry", "pantry-plugins"),
    ExecutionRoot(".", "python-default"),
)


def pyright(existing: dict) -> dict:
    return merge_pyright_config(
        existing, build_root=ROOT, default=DEFAULT, venvs=[DEFAULT, PLUGINS], roots=ROOTS
    )


def test_pyright_config_from_nothing() -> None:
    assert pyright({}) == {
        "venvPath": f"{VENVS}/python-default",
        "venv": "3.11.7",
        "extraPaths": ["/repo/libs/shared/shr/src", "/repo/services/svc/src"],
        "executionEnvironments": [
            {
                "name": "pantry: pantry-plugins",
                "root": "/repo/build-support/plugins/pantry",
                "extraPaths": [
                    "/repo/build-support/plugins",
                    f"{VENVS}/pantry-plugins/3.9.18/lib/python3.9/site-packages",
                ],
                "pythonVersion": "3.9",
            },
            {
                "name": "pantry: python-default",
                "root": "/repo",
                "extraPaths": ["/repo/libs/shared/shr/src", "/repo/services/svc/src"],
                "pythonVersion": "3.11",
            },
        ],
    }


def test_pyright_merge_keeps_user_keys_and_environments_and_replaces_ours() -> None:
    existing = {
        "typeCheckingMode": "strict",
        "venv": "old",
        "executionEnvironments": [
            {"root": "scratch", "pythonVersion": "3.13"},
            {"name": "pantry: python-default", "root": "/repo/gone", "extraPaths": []},
        ],
        "reportMissingImports": "error",
    }
    merged = pyright(existing)
    assert list(merged) == [
        "typeCheckingMode",
        "venv",
        "executionEnvironments",
        "reportMissingImports",
        "venvPath",
        "extraPaths",
    ]
    assert merged["typeCheckingMode"] == "strict"
    assert merged["venv"] == "3.11.7"
    assert [env.get("name", env["root"]) for env in merged["executionEnvironments"]] == [
        "scratch",
        "pantry: pantry-plugins",
        "pantry: python-default",
    ]
    assert existing["venv"] == "old", "the input is not modified"


def test_pyright_merge_is_idempotent() -> None:
    once = pyright({"typeCheckingMode": "basic"})
    assert render(pyright(json.loads(render(once)))) == render(once)


def test_vscode_settings_merge() -> None:
    existing = {"editor.rulers": [100], "python.defaultInterpreterPath": "/usr/bin/python3"}
    merged = merge_vscode_settings(
        existing, build_root=ROOT, default=DEFAULT, venvs=[DEFAULT, PLUGINS]
    )
    assert merged == {
        "editor.rulers": [100],
        "python.defaultInterpreterPath": f"{VENVS}/python-default/3.11.7/bin/python",
        "python.analysis.extraPaths": [
            "/repo/build-support/plugins",
            "/repo/libs/shared/shr/src",
            "/repo/services/svc/src",
        ],
    }


@pytest.mark.parametrize("text", [None, "", "  \n"])
def test_missing_or_empty_settings_are_empty(text) -> None:
    assert parse_settings("x.json", text) == {}


def test_settings_with_comments_are_refused_with_where_and_how() -> None:
    text = '{\n  // my settings\n  "editor.rulers": [100]\n}\n'
    with pytest.raises(SettingsFileError) as error:
        parse_settings(".vscode/settings.json", text)
    assert str(error.value) == (
        ".vscode/settings.json:2:3: not valid JSON (Expecting property name enclosed in double"
        " quotes), so `./pants ide` cannot merge its settings into it and wrote nothing. Fix the"
        " file (comments and trailing commas are not JSON: remove them), or move it aside and"
        " run `./pants ide` again to create a fresh one."
    )


def test_settings_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(SettingsFileError, match=r"^pyrightconfig.json: holds a JSON list, not"):
        parse_settings("pyrightconfig.json", "[1, 2]")


@pytest.mark.parametrize("environments", [{"root": "src"}, ["src"], "src"])
def test_unmergeable_execution_environments_are_refused(environments) -> None:
    with pytest.raises(SettingsFileError, match="`executionEnvironments` is .*, not a list of"):
        check_pyright_config("pyrightconfig.json", {"executionEnvironments": environments})


def test_mergeable_execution_environments_pass() -> None:
    check_pyright_config("pyrightconfig.json", {"executionEnvironments": [{"root": "src"}]})
    check_pyright_config("pyrightconfig.json", {})


def test_render_is_stable_json_with_a_final_newline() -> None:
    assert render({"b": 1, "a": ["é"]}) == '{\n  "b": 1,\n  "a": [\n    "é"\n  ]\n}\n'
