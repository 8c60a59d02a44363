"""Which pinned artifacts a mirror needs: the wheels this machine's interpreters can install.

Engine-free. A universal lock pins every wheel of every platform (macOS, Windows, musl, ARM):
most of a mirror of all of them would never be read here. The default selection keeps, per
locked project version, the wheels that some CPython of `pythons` (3.9-3.13 by default) on
this machine's OS and architecture can install (`packaging.tags`, the same tags pip uses),
and its sdists when, for one of those Pythons, no wheel fits (pip would build from source).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Sequence

from packaging import tags  # pants: no-infer-dep
from packaging.utils import InvalidWheelFilename, parse_wheel_filename  # pants: no-infer-dep
from packaging.version import InvalidVersion, Version  # pants: no-infer-dep
from pantry.errors import PantryError
from pantry.index_mirror.pins import Pin


class PlatformError(PantryError):
    """A bad `[index-mirror].pythons` value; the message says how to fix it."""


def parse_python(value: str) -> tuple[int, int]:
    """`3.11` -> (3, 11)."""
    try:
        version = Version(value)
    except InvalidVersion:
        version = None
    if version is None or len(version.release) != 2 or version.major != 3:
        raise PlatformError(
            f"[index-mirror].pythons: {value!r} is not a CPython 3 version like '3.11'."
        )
    return version.major, version.minor


def supported_tags(
    python: tuple[int, int], platforms: Sequence[str] | None = None
) -> frozenset[tags.Tag]:
    """The wheel tags CPython `python` accepts on `platforms` (default: this machine's)."""
    platform_list = list(platforms) if platforms is not None else list(tags.platform_tags())
    interpreter = f"cp{python[0]}{python[1]}"
    return frozenset(
        [
            *tags.cpython_tags(python, abis=[interpreter], platforms=platform_list),
            *tags.compatible_tags(python, interpreter=interpreter, platforms=platform_list),
        ]
    )


def is_wheel(filename: str) -> bool:
    return filename.lower().endswith(".whl")


def wheel_fits(filename: str, accepted: frozenset[tags.Tag]) -> bool:
    try:
        _, _, _, wheel_tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return False
    return not accepted.isdisjoint(wheel_tags)


def select_for_pythons(
    pins: Iterable[Pin], pythons: Sequence[tuple[int, int]], platforms: Sequence[str] | None = None
) -> tuple[tuple[Pin, ...], tuple[Pin, ...]]:
    """(selected, left out). Pins without a filename are kept (they are resolved later)."""
    accepted = [supported_tags(python, platforms) for python in pythons]
    groups: dict[tuple[str, str], list[Pin]] = defaultdict(list)
    for pin in pins:
        groups[(pin.project, pin.version)].append(pin)
    selected: list[Pin] = []
    left_out: list[Pin] = []
    for group in groups.values():
        wheels = [p for p in group if p.filename and is_wheel(p.filename)]
        others = [p for p in group if not (p.filename and is_wheel(p.filename))]
        fitting = {p for p in wheels if any(wheel_fits(p.filename or "", a) for a in accepted)}
        need_sdist = any(not any(wheel_fits(p.filename or "", a) for p in wheels) for a in accepted)
        for pin in group:
            keep = pin in fitting or (pin in others and (need_sdist or pin.filename is None))
            (selected if keep else left_out).append(pin)
    return tuple(selected), tuple(left_out)
