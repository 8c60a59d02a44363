"""The data a simple repository serves, independent of HTML or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from simplerepo.names import normalize_name

# `False` (no metadata file), `True` (present, hash unknown) or {hash name: digest}.
CoreMetadata = Union[bool, dict[str, str]]
# `False` (not yanked), `True` (yanked, no reason given) or the reason.
Yanked = Union[bool, str]


class SimpleApiError(ValueError):
    """A simple repository page is malformed and cannot be parsed."""


@dataclass(frozen=True)
class DistributionFile:
    """One downloadable file on a project page.

    Not hashable, because `hashes` (and a `core_metadata` dict) are plain dicts.
    """

    filename: str
    url: str
    hashes: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: Yanked = False
    core_metadata: CoreMetadata = False

    @property
    def is_yanked(self) -> bool:
        # An empty reason still means "yanked"; don't let `if f.yanked` lie.
        return self.yanked is not False


@dataclass(frozen=True)
class ProjectPage:
    """The files of one project; `name` is stored normalized."""

    name: str
    files: tuple[DistributionFile, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", normalize_name(self.name))
        object.__setattr__(self, "files", tuple(self.files))


@dataclass(frozen=True)
class ProjectList:
    """The names of all projects in a repository, as given (not normalized)."""

    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
