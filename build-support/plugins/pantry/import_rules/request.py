"""The checker's request: one set of dataclasses that writes it (the Pants glue) and reads it
back (the checker in its sandbox), as JSON. The schema is documented in `checker/__init__.py`.

Shipped into the checker's sandbox (`shipping.CHECKER_MODULES`) and imported by the glue
inside Pants (so it is in both resolves): standard library only, no other module of this
package. Errors are `InvalidRequest` (the checker prints it and exits 2), not `PantryError`.
Each class's JSON keys are its dataclass fields, so the writer and the reader cannot drift.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
from dataclasses import dataclass
from typing import Any, Iterable, Optional, TypeVar, cast

SCHEMA_VERSION = 1

T = TypeVar("T")


class InvalidRequest(Exception):
    """The request file is unreadable or does not follow the schema."""

    def __init__(self, path: str, key: str, expected: str, got: Optional[str] = None) -> None:
        where = f"{path}: {key}" if key else path
        found = f", got {got}" if got is not None else ""
        super().__init__(f"{where}: expected {expected}{found}.")


def _repo_path(value: Any, key: str, path: str) -> str:
    """`value` as a normalized path relative to the build root that stays inside it."""
    if isinstance(value, str) and value:
        normalized = posixpath.normpath(value)
        if not normalized.startswith("/") and normalized.split("/")[0] != "..":
            return normalized
    raise InvalidRequest(path, key, "a relative path inside the build root", got=repr(value))


def _keys(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


class _Object:
    """One JSON object of the request being read: typed getters that name the bad key."""

    def __init__(self, data: Any, key: str, path: str, keys: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            if not key:
                raise InvalidRequest(path, "", "a JSON object", got=type(data).__name__)
            raise InvalidRequest(
                path, key, f"an object with the keys {', '.join(keys)}", got=repr(data)
            )
        self.data, self.key, self.path = data, key, path
        for name in data:
            if name not in keys:
                expected = f"only the keys {', '.join(keys)}"
                raise InvalidRequest(path, self._name(name), expected, got="unknown key")

    def _name(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def _fail(self, name: str, expected: str) -> InvalidRequest:
        return InvalidRequest(self.path, self._name(name), expected, got=repr(self.data.get(name)))

    def repo_path(self, name: str) -> str:
        return _repo_path(self.data.get(name), self._name(name), self.path)

    def optional_repo_path(self, name: str) -> Optional[str]:
        return None if self.data.get(name) is None else self.repo_path(name)

    def string(self, name: str, expected: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value:
            raise self._fail(name, expected)
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self._fail(name, "true or false")
        return value

    def optional_int(self, name: str, minimum: int, expected: str) -> Optional[int]:
        value = self.data.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < minimum
        ):
            raise self._fail(name, expected)
        return value

    def items(self, name: str) -> list[tuple[str, Any]]:
        """The entries of the list `name` (default empty), each with its key for messages."""
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self._fail(name, "a list")
        return [(f"{self._name(name)}[{i}]", entry) for i, entry in enumerate(value, start=1)]


@dataclass(frozen=True)
class CheckedPythonFile:
    """A first-party Python file and the source root it is importable from."""

    path: str
    source_root: str
    # False: only context (imports of it resolve); its own imports are not checked.
    check: bool = True

    @classmethod
    def from_json(cls, data: Any, key: str, path: str) -> CheckedPythonFile:
        entry = _Object(data, key, path, _keys(cls))
        file = cls(entry.repo_path("path"), entry.repo_path("source_root"))
        below = posixpath.relpath(file.path, file.source_root)
        if below == "." or below.split("/")[0] == "..":
            raise InvalidRequest(
                path,
                f"{key}.source_root",
                f"a directory that contains {file.path}",
                got=repr(file.source_root),
            )
        return dataclasses.replace(file, check=entry.boolean("check", True))


@dataclass(frozen=True)
class BuildDependency:
    """One explicit entry of a target's `dependencies=[...]`, as written."""

    build_file: str
    line: Optional[int]  # None: the checker finds it in the BUILD file
    target: str
    dependency: str

    @classmethod
    def from_json(cls, data: Any, key: str, path: str) -> BuildDependency:
        entry = _Object(data, key, path, _keys(cls))
        return cls(
            build_file=entry.repo_path("build_file"),
            line=entry.optional_int("line", 1, "a line number >= 1, or null"),
            target=entry.string("target", "a target address"),
            dependency=entry.string("dependency", "a dependency address"),
        )


def _canonical(items: Iterable[T]) -> list[T]:
    """Each item once, in a deterministic order: by its fields, a None after any value."""
    return sorted(
        set(items),
        key=lambda item: tuple((v is None, v) for v in dataclasses.astuple(cast(Any, item))),
    )


@dataclass(frozen=True)
class CheckRequest:
    rules_file: str
    baseline_file: Optional[str]
    python_files: tuple[CheckedPythonFile, ...]
    build_dependencies: tuple[BuildDependency, ...] = ()
    terraform_files: tuple[str, ...] = ()
    # Also check string literals naming first-party modules ([python-infer].string_imports).
    string_imports_min_dots: Optional[int] = None
    # Instead of checking, write every current problem to this baseline.
    write_baseline: Optional[str] = None
    # Every target is checked, so every baseline entry can be judged.
    whole_repository: bool = False

    def render(self) -> bytes:
        """The JSON request, each list sorted and without repeats: deterministic bytes."""
        data: dict[str, Any] = dataclasses.asdict(self)
        data["python_files"] = [dataclasses.asdict(f) for f in _canonical(self.python_files)]
        data["build_dependencies"] = [
            dataclasses.asdict(d) for d in _canonical(self.build_dependencies)
        ]
        data["terraform_files"] = sorted(set(self.terraform_files))
        data["version"] = SCHEMA_VERSION
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: Any, path: str) -> CheckRequest:
        """The request in the parsed JSON `data`; `path` names it in errors."""
        request = _Object(data, "", path, ("version", *_keys(cls)))
        if data.get("version") != SCHEMA_VERSION:
            raise InvalidRequest(
                path, "version", str(SCHEMA_VERSION), got=repr(data.get("version"))
            )
        return cls(
            rules_file=request.repo_path("rules_file"),
            baseline_file=request.optional_repo_path("baseline_file"),
            python_files=tuple(
                CheckedPythonFile.from_json(entry, key, path)
                for key, entry in request.items("python_files")
            ),
            build_dependencies=tuple(
                BuildDependency.from_json(entry, key, path)
                for key, entry in request.items("build_dependencies")
            ),
            terraform_files=tuple(
                _repo_path(entry, key, path) for key, entry in request.items("terraform_files")
            ),
            string_imports_min_dots=request.optional_int(
                "string_imports_min_dots", 0, "null or an integer >= 0"
            ),
            write_baseline=request.optional_repo_path("write_baseline"),
            whole_repository=request.boolean("whole_repository", False),
        )

    @classmethod
    def load(cls, path: str) -> CheckRequest:
        """The request in the file at `path`."""
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except OSError as e:
            raise InvalidRequest(path, "", "a readable file", got=repr(e.strerror)) from None
        except ValueError as e:
            raise InvalidRequest(path, "", "a JSON object", got=f"invalid JSON ({e})") from None
        return cls.from_json(data, path)
