"""Map distribution filenames (wheels and sdists) to a project and version."""

from __future__ import annotations

from packaging.utils import parse_sdist_filename, parse_wheel_filename

WHEEL_SUFFIX = ".whl"
SDIST_SUFFIXES = (".tar.gz", ".zip")
DISTRIBUTION_SUFFIXES = (WHEEL_SUFFIX, *SDIST_SUFFIXES)


class InvalidDistributionFilename(ValueError):
    """A filename is not a valid wheel or sdist filename."""

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(
            f"{filename!r} is not a distribution filename: {reason}. Expected a "
            "wheel like 'example_pkg-1.0-py3-none-any.whl' or an sdist like "
            "'example_pkg-1.0.tar.gz'."
        )


def is_distribution_filename(filename: str) -> bool:
    """Return True if `filename` has a wheel or sdist suffix (valid or not)."""
    return filename.endswith(DISTRIBUTION_SUFFIXES)


def parse_distribution_filename(filename: str) -> tuple[str, str]:
    """Return (normalized project name, normalized version) for a dist filename.

    >>> parse_distribution_filename("Foo_Bar-1.0.0-py3-none-any.whl")
    ('foo-bar', '1.0.0')
    """
    if "/" in filename or "\\" in filename:
        raise InvalidDistributionFilename(filename, "it contains a path separator")
    try:
        if filename.endswith(WHEEL_SUFFIX):
            name, version, _build, _tags = parse_wheel_filename(filename)
        elif filename.endswith(SDIST_SUFFIXES):
            name, version = parse_sdist_filename(filename)
        else:
            raise InvalidDistributionFilename(filename, "the suffix is not .whl, .tar.gz or .zip")
    except InvalidDistributionFilename:
        raise
    except ValueError as e:
        # packaging's InvalidWheelFilename/InvalidSdistFilename/InvalidVersion are
        # all ValueErrors; which one is raised varies across packaging releases.
        raise InvalidDistributionFilename(filename, str(e)) from e
    if not name:
        # packaging < 26.3 accepts an empty name in sdist filenames ("-1.0.tar.gz").
        raise InvalidDistributionFilename(filename, "the project name is empty")
    return str(name), str(version)
