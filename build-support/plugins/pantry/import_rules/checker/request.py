"""Read and validate the checker's JSON request (the schema is in `checker/__init__.py`)."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ..modules import NotUnderSourceRoot, PythonFile, module_name

SCHEMA_VERSION = 1
_KEYS = (
    "version",
    "rules_file",
    "baseline_file",
    "python_files",
    "build_dependencies",
    "terraform_files",
    "string_imports_min_dots",
    "write_baseline",
    "whole_repository",
)


class InvalidRequest(Exception):
    """The request file is unreadable or does not follow the schema."""

    def __init__(self, path: str, key: str, expected: str, got: Optional[str] = None) -> None:
        where = f"{path}: {key}" if key else path
        found = f", got {got}" if got is not None else ""
        super().__init__(f"{where}: expected {expected}{found}.")


@dataclass(frozen=True)
class CheckedPythonFile:
    file: PythonFile
    check: bool = True


@dataclass(frozen=True)
class BuildDependency:
    """One explicit entry of a target's `dependencies=[...]`, as written."""

    build_file: str
    line: Optional[int]
    target: str
    dependency: str


@dataclass(frozen=True)
class CheckRequest:
    rules_file: str
    baseline_file: Optional[str]
    python_files: tuple[CheckedPythonFile, ...]
    build_dependencies: tuple[BuildDependency, ...] = ()
    terraform_files: tuple[str, ...] = ()
    string_imports_min_dots: Optional[int] = None
    write_baseline: Optional[str] = None
    whole_repository: bool = False


def load_request(path: str) -> CheckRequest:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise InvalidRequest(path, "", "a readable file", got=repr(e.strerror)) from None
    except ValueError as e:
        raise InvalidRequest(path, "", "a JSON object", got=f"invalid JSON ({e})") from None
    return parse_request(data, path)


def parse_request(data: Any, path: str) -> CheckRequest:
    if not isinstance(data, dict):
        raise InvalidRequest(path, "", "a JSON object", got=type(data).__name__)
    for key in data:
        if key not in _KEYS:
            raise InvalidRequest(path, key, f"only the keys {', '.join(_KEYS)}", got="unknown key")
    if data.get("version") != SCHEMA_VERSION:
        raise InvalidRequest(path, "version", str(SCHEMA_VERSION), got=repr(data.get("version")))

    python_files = []
    for i, entry in enumerate(_list(data, "python_files", path), start=1):
        key = f"python_files[{i}]"
        _object(entry, key, path, ("path", "source_root", "check"))
        file = PythonFile(
            path=_repo_path(entry.get("path"), f"{key}.path", path),
            source_root=_repo_path(entry.get("source_root"), f"{key}.source_root", path),
        )
        try:
            module_name(file.path, file.source_root)
        except NotUnderSourceRoot:
            raise InvalidRequest(
                path,
                f"{key}.source_root",
                f"a directory that contains {file.path}",
                got=repr(file.source_root),
            ) from None
        check = entry.get("check", True)
        if not isinstance(check, bool):
            raise InvalidRequest(path, f"{key}.check", "true or false", got=repr(check))
        python_files.append(CheckedPythonFile(file=file, check=check))

    build_dependencies = []
    for i, entry in enumerate(_list(data, "build_dependencies", path), start=1):
        key = f"build_dependencies[{i}]"
        _object(entry, key, path, ("build_file", "line", "target", "dependency"))
        line = entry.get("line")
        if line is not None and (isinstance(line, bool) or not isinstance(line, int) or line < 1):
            raise InvalidRequest(path, f"{key}.line", "a line number >= 1, or null", got=repr(line))
        build_dependencies.append(
            BuildDependency(
                build_file=_repo_path(entry.get("build_file"), f"{key}.build_file", path),
                line=line,
                target=_string(entry.get("target"), f"{key}.target", path, "a target address"),
                dependency=_string(
                    entry.get("dependency"), f"{key}.dependency", path, "a dependency address"
                ),
            )
        )

    terraform_files = tuple(
        _repo_path(entry, f"terraform_files[{i}]", path)
        for i, entry in enumerate(_list(data, "terraform_files", path), start=1)
    )

    min_dots = data.get("string_imports_min_dots")
    if min_dots is not None and (
        isinstance(min_dots, bool) or not isinstance(min_dots, int) or min_dots < 0
    ):
        raise InvalidRequest(
            path, "string_imports_min_dots", "null or an integer >= 0", got=repr(min_dots)
        )

    whole_repository = data.get("whole_repository", False)
    if not isinstance(whole_repository, bool):
        raise InvalidRequest(path, "whole_repository", "true or false", got=repr(whole_repository))

    return CheckRequest(
        rules_file=_repo_path(data.get("rules_file"), "rules_file", path),
        baseline_file=_optional_path(data, "baseline_file", path),
        python_files=tuple(python_files),
        build_dependencies=tuple(build_dependencies),
        terraform_files=terraform_files,
        string_imports_min_dots=min_dots,
        write_baseline=_optional_path(data, "write_baseline", path),
        whole_repository=whole_repository,
    )


def _list(data: Mapping[str, Any], key: str, path: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise InvalidRequest(path, key, "a list", got=repr(value))
    return value


def _object(entry: Any, key: str, path: str, keys: tuple[str, ...]) -> None:
    if not isinstance(entry, dict):
        raise InvalidRequest(
            path, key, f"an object with the keys {', '.join(keys)}", got=repr(entry)
        )
    for name in entry:
        if name not in keys:
            raise InvalidRequest(
                path, f"{key}.{name}", f"only the keys {', '.join(keys)}", got="unknown key"
            )


def _string(value: Any, key: str, path: str, expected: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(path, key, expected, got=repr(value))
    return value


def _repo_path(value: Any, key: str, path: str) -> str:
    expected = "a relative path inside the build root"
    if not isinstance(value, str) or not value:
        raise InvalidRequest(path, key, expected, got=repr(value))
    normalized = posixpath.normpath(value)
    if normalized.startswith("/") or normalized == ".." or normalized.startswith("../"):
        raise InvalidRequest(path, key, expected, got=repr(value))
    return normalized


def _optional_path(data: Mapping[str, Any], key: str, path: str) -> Optional[str]:
    value = data.get(key)
    return None if value is None else _repo_path(value, key, path)
