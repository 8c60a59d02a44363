from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pantry.import_rules.request import (
    BuildDependency,
    CheckedPythonFile,
    CheckRequest,
    InvalidRequest,
)

MINIMAL: dict[str, Any] = {"version": 1, "rules_file": "build-support/import-rules.toml"}


def test_minimal_request() -> None:
    assert CheckRequest.from_json(MINIMAL, "req.json") == CheckRequest(
        rules_file="build-support/import-rules.toml", baseline_file=None, python_files=()
    )


def test_full_request() -> None:
    data = {
        **MINIMAL,
        "baseline_file": "build-support/import-rules-baseline.txt",
        "python_files": [
            {"path": "services/index/src/index/app.py", "source_root": "services/index/src"},
            {"path": "./libs/x/src/x/y.py", "source_root": "libs/x/src/", "check": False},
        ],
        "build_dependencies": [
            {
                "build_file": "services/index/BUILD",
                "line": 7,
                "target": "services/index:app",
                "dependency": "services/stats:lib",
            },
            {
                "build_file": "services/index/BUILD",
                "line": None,
                "target": "services/index:app",
                "dependency": ":lib",
            },
        ],
        "terraform_files": ["infra/main.tf"],
        "string_imports_min_dots": 2,
        "write_baseline": "out/baseline.txt",
        "whole_repository": True,
    }
    assert CheckRequest.from_json(data, "req.json") == CheckRequest(
        rules_file="build-support/import-rules.toml",
        baseline_file="build-support/import-rules-baseline.txt",
        python_files=(
            CheckedPythonFile("services/index/src/index/app.py", "services/index/src"),
            CheckedPythonFile("libs/x/src/x/y.py", "libs/x/src", check=False),
        ),
        build_dependencies=(
            BuildDependency("services/index/BUILD", 7, "services/index:app", "services/stats:lib"),
            BuildDependency("services/index/BUILD", None, "services/index:app", ":lib"),
        ),
        terraform_files=("infra/main.tf",),
        string_imports_min_dots=2,
        write_baseline="out/baseline.txt",
        whole_repository=True,
    )


PY = {"path": "s/src/m.py", "source_root": "s/src"}
DEP = {"build_file": "s/BUILD", "line": 1, "target": "s:a", "dependency": "t:b"}


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "req.json: expected a JSON object, got list."),
        (
            {**MINIMAL, "pythonfiles": []},
            "req.json: pythonfiles: expected only the keys version, rules_file, baseline_file, "
            "python_files, build_dependencies, terraform_files, string_imports_min_dots, "
            "write_baseline, whole_repository, got unknown key.",
        ),
        ({"rules_file": "r.toml"}, "req.json: version: expected 1, got None."),
        ({**MINIMAL, "version": 2}, "req.json: version: expected 1, got 2."),
        (
            {"version": 1},
            "req.json: rules_file: expected a relative path inside the build root, got None.",
        ),
        (
            {**MINIMAL, "rules_file": "/etc/rules.toml"},
            "req.json: rules_file: expected a relative path inside the build root, "
            "got '/etc/rules.toml'.",
        ),
        (
            {**MINIMAL, "baseline_file": "../baseline.txt"},
            "req.json: baseline_file: expected a relative path inside the build root, "
            "got '../baseline.txt'.",
        ),
        (
            {**MINIMAL, "python_files": {}},
            "req.json: python_files: expected a list, got {}.",
        ),
        (
            {**MINIMAL, "python_files": ["s/src/m.py"]},
            "req.json: python_files[1]: expected an object with the keys path, source_root, "
            "check, got 's/src/m.py'.",
        ),
        (
            {**MINIMAL, "python_files": [PY, {"path": "s/src/n.py"}]},
            "req.json: python_files[2].source_root: expected a relative path inside the build "
            "root, got None.",
        ),
        (
            {**MINIMAL, "python_files": [{**PY, "root": "x"}]},
            "req.json: python_files[1].root: expected only the keys path, source_root, check, "
            "got unknown key.",
        ),
        (
            {**MINIMAL, "python_files": [{**PY, "source_root": "t/src"}]},
            "req.json: python_files[1].source_root: expected a directory that contains "
            "s/src/m.py, got 't/src'.",
        ),
        (
            {**MINIMAL, "python_files": [{**PY, "check": "yes"}]},
            "req.json: python_files[1].check: expected true or false, got 'yes'.",
        ),
        (
            {**MINIMAL, "build_dependencies": [{**DEP, "line": 0}]},
            "req.json: build_dependencies[1].line: expected a line number >= 1, or null, got 0.",
        ),
        (
            {**MINIMAL, "build_dependencies": [{**DEP, "line": True}]},
            "req.json: build_dependencies[1].line: expected a line number >= 1, or null, "
            "got True.",
        ),
        (
            {**MINIMAL, "build_dependencies": [{**DEP, "target": ""}]},
            "req.json: build_dependencies[1].target: expected a target address, got ''.",
        ),
        (
            {**MINIMAL, "build_dependencies": [{**DEP, "dependency": 3}]},
            "req.json: build_dependencies[1].dependency: expected a dependency address, got 3.",
        ),
        (
            {**MINIMAL, "terraform_files": ["infra/main.tf", ""]},
            "req.json: terraform_files[2]: expected a relative path inside the build root, "
            "got ''.",
        ),
        (
            {**MINIMAL, "string_imports_min_dots": -1},
            "req.json: string_imports_min_dots: expected null or an integer >= 0, got -1.",
        ),
        (
            {**MINIMAL, "whole_repository": "yes"},
            "req.json: whole_repository: expected true or false, got 'yes'.",
        ),
    ],
)
def test_invalid_requests(data: Any, message: str) -> None:
    with pytest.raises(InvalidRequest) as e:
        CheckRequest.from_json(data, "req.json")
    assert str(e.value) == message


def test_load(tmp_path: Path) -> None:
    path = tmp_path / "req.json"
    path.write_text(json.dumps(MINIMAL))
    assert CheckRequest.load(str(path)).rules_file == "build-support/import-rules.toml"

    path.write_text("{not json")
    with pytest.raises(InvalidRequest) as e:
        CheckRequest.load(str(path))
    assert str(e.value).startswith(f"{path}: expected a JSON object, got invalid JSON (")

    with pytest.raises(InvalidRequest) as e:
        CheckRequest.load(str(tmp_path / "missing.json"))
    assert str(e.value) == (
        f"{tmp_path / 'missing.json'}: expected a readable file, got 'No such file or directory'."
    )


FULL = CheckRequest(
    rules_file="build-support/import-rules.toml",
    baseline_file=None,
    python_files=(
        CheckedPythonFile("services/index/src/index/app.py", "services/index/src"),
        CheckedPythonFile("services/stats/src/stats/parse.py", "services/stats/src", check=False),
    ),
    build_dependencies=(
        BuildDependency("services/index/BUILD", 3, "services/index:app", ":lib"),
        BuildDependency("services/index/BUILD", None, "services/index:app", "services/stats"),
    ),
    terraform_files=("infra/main.tf", "services/index/infra/main.tf"),
    string_imports_min_dots=2,
    whole_repository=True,
    write_baseline="build-support/import-rules-baseline.txt",
)


@pytest.mark.parametrize(
    "request_",
    [
        FULL,
        CheckRequest(rules_file="r.toml", baseline_file="b.txt", python_files=()),
    ],
)
def test_round_trip(request_: CheckRequest, tmp_path: Path) -> None:
    rendered = request_.render()
    assert CheckRequest.from_json(json.loads(rendered), "request.json") == request_
    (tmp_path / "request.json").write_bytes(rendered)
    assert CheckRequest.load(str(tmp_path / "request.json")) == request_


def test_render_is_sorted_without_repeats_and_deterministic() -> None:
    shuffled = CheckRequest(
        rules_file=FULL.rules_file,
        baseline_file=FULL.baseline_file,
        python_files=(*FULL.python_files[::-1], FULL.python_files[0]),
        build_dependencies=FULL.build_dependencies[::-1],
        terraform_files=(*FULL.terraform_files[::-1], FULL.terraform_files[0]),
        string_imports_min_dots=FULL.string_imports_min_dots,
        whole_repository=FULL.whole_repository,
        write_baseline=FULL.write_baseline,
    )
    assert shuffled.render() == FULL.render()
    assert json.loads(FULL.render()) == {
        "version": 1,
        "rules_file": "build-support/import-rules.toml",
        "baseline_file": None,
        "python_files": [
            {
                "path": "services/index/src/index/app.py",
                "source_root": "services/index/src",
                "check": True,
            },
            {
                "path": "services/stats/src/stats/parse.py",
                "source_root": "services/stats/src",
                "check": False,
            },
        ],
        "build_dependencies": [
            {
                "build_file": "services/index/BUILD",
                "line": 3,
                "target": "services/index:app",
                "dependency": ":lib",
            },
            {
                "build_file": "services/index/BUILD",
                "line": None,
                "target": "services/index:app",
                "dependency": "services/stats",
            },
        ],
        "terraform_files": ["infra/main.tf", "services/index/infra/main.tf"],
        "string_imports_min_dots": 2,
        "whole_repository": True,
        "write_baseline": "build-support/import-rules-baseline.txt",
    }
