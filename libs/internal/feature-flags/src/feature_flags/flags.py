"""Flag definitions, parsing of their sources, and stable percentage rollouts.

A flag value is `on`, `off` or a percentage such as `25%` (JSON files may also
use true/false). The environment overrides the file:

    PANTRY_FLAG_SERVE_JSON=off      -> flag "serve-json" is off
    {"count-bots": "10%"}           -> on for 10% of subjects
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "PANTRY_FLAG_"
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
# Buckets of 0.01%, so "12.5%" and "0.25%" are exact.
_BUCKETS = 10_000


class FlagError(ValueError):
    """A flag source holds a bad name or value."""

    def __init__(self, source: str, key: str | None, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Flag:
    """A named flag enabled for `percent` (0-100) of subjects."""

    name: str
    percent: float
    source: str

    def is_enabled(self, subject: str | None = None) -> bool:
        """Whether the flag is on for `subject`.

        Without a subject only a 100% flag is on: a partial rollout needs a
        subject to give the same answer every time.
        """
        if self.percent >= 100:
            return True
        if self.percent <= 0 or subject is None:
            return False
        return _bucket(self.name, subject) < self.percent * (_BUCKETS // 100)


def _bucket(name: str, subject: str) -> int:
    # sha256 rather than hash(): str hashing is randomized per process.
    digest = hashlib.sha256(f"{name}\0{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % _BUCKETS


def _parse_value(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool):
        return 100.0 if value else 0.0
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("on", "off"):
        return 100.0 if text == "on" else 0.0
    match = _PERCENT.match(text or "")
    if match and float(match.group(1)) <= 100:
        return float(match.group(1))
    raise FlagError(
        source,
        key,
        f"invalid value {value!r}; expected on, off or a percentage" " from 0% to 100% like 25%",
    )


def _check_name(name: str, source: str, key: str) -> str:
    if not _NAME.match(name):
        raise FlagError(
            source,
            key,
            f"invalid flag name {name!r};" " use lowercase words joined by '-', like 'serve-json'",
        )
    return name


def _from_file(path: str) -> dict[str, Flag]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise FlagError(path, None, f"cannot read flags file: {e.strerror}") from e
    except ValueError as e:
        raise FlagError(path, None, f"not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise FlagError(path, None, 'expected a JSON object like {"serve-json": "on"}')
    return {
        key: Flag(_check_name(key, path, key), _parse_value(value, path, key), path)
        for key, value in data.items()
    }


def _from_environ(environ: Mapping[str, str]) -> dict[str, Flag]:
    flags = {}
    for key, value in sorted(environ.items()):
        if not key.startswith(ENV_PREFIX):
            continue
        source = "environment"
        name = _check_name(key[len(ENV_PREFIX) :].lower().replace("_", "-"), source, key)
        flags[name] = Flag(name, _parse_value(value, source, key), source)
    return flags


class Flags:
    """A set of flags; unknown flags fall back to the default given at the call."""

    def __init__(self, flags: Mapping[str, Flag] | None = None) -> None:
        self._flags = dict(flags or {})

    @classmethod
    def from_sources(
        cls,
        path: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Flags:
        """Load `path` (a JSON object) if given; `PANTRY_FLAG_*` in `environ` win."""
        flags = _from_file(os.fspath(path)) if path is not None else {}
        flags.update(_from_environ(os.environ if environ is None else environ))
        return cls(flags)

    def is_enabled(self, name: str, subject: str | None = None, default: bool = False) -> bool:
        """Whether `name` is on for `subject`; stable for a given (flag, subject)."""
        flag = self._flags.get(name)
        return default if flag is None else flag.is_enabled(subject)

    def get(self, name: str) -> Flag | None:
        """The flag called `name` and where it was defined, if it is defined."""
        return self._flags.get(name)

    def __repr__(self) -> str:
        return f"Flags({sorted(self._flags.values(), key=lambda f: f.name)!r})"
