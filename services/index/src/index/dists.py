"""Check an uploaded distribution's content, and read a wheel's core metadata (PEP 658)."""

from __future__ import annotations

import lzma
import re
import zipfile
import zlib
from email.parser import BytesHeaderParser
from pathlib import Path

from packaging.utils import (
    InvalidName,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from simplerepo import normalize_name
from simplerepo.filenames import SDIST_SUFFIXES, WHEEL_SUFFIX

# A wheel's METADATA is a few kilobytes; this is generous and keeps a zip bomb out of memory.
MAX_METADATA_BYTES = 4 * 1024 * 1024
_DIST_INFO_METADATA = re.compile(r"^[^/]+\.dist-info/METADATA$")
_GZIP_MAGIC = b"\x1f\x8b"
# General purpose flag bit 0 (APPNOTE 4.4.4): the entry is encrypted.
_ZIP_ENCRYPTED = 0x1


class InvalidDistribution(ValueError):
    """The uploaded bytes are not the distribution their filename says."""


class InvalidProjectName(ValueError):
    """A distribution filename's project name is not a name (PEP 508)."""


def check_project_name(filename: str) -> None:
    """Raise InvalidProjectName unless `filename`'s project name is valid, as spelled.

    packaging parses `<img src=x>-1.0.tar.gz` or `\ufb01le-1.0.tar.gz` (a ligature) without
    complaint, and normalizing can hide a bad name (the Kelvin sign lower-cases to `k`), so
    the name is checked before normalization. `filename` must parse as a distribution.
    """
    if filename.endswith(WHEEL_SUFFIX):
        name = filename.partition("-")[0]
    else:
        suffix = next(s for s in SDIST_SUFFIXES if filename.endswith(s))
        name = filename[: -len(suffix)].rpartition("-")[0]
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        raise InvalidProjectName(
            f"invalid project name {name!r} in {filename!r}: a name is ASCII letters, digits"
            " and '.', '_' or '-', and starts and ends with a letter or digit (PEP 508), e.g."
            " 'example_pkg-1.0.tar.gz'"
        ) from None


def release_file_key(filename: str) -> tuple:
    """What makes a file unique in a release: a wheel's tags and build, or being the sdist.

    `Demo_Pkg-1.0-py3-none-any.whl` and `demo_pkg-1.0-py3-none-any.whl` are the same file to
    an installer, as are `demo-1.0.tar.gz` and `demo-1.0.zip`. `filename` must be valid.
    """
    if filename.endswith(WHEEL_SUFFIX):
        name, version, build, tags = parse_wheel_filename(filename)
        return ("wheel", name, version, build, tags)
    name, version = parse_sdist_filename(filename)
    return ("sdist", name, version)


def _wheel_metadata(path: Path, filename: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as wheel:
            names = [n for n in wheel.namelist() if _DIST_INFO_METADATA.match(n)]
            if len(names) != 1:
                found = ", ".join(names) or "none"
                raise InvalidDistribution(
                    f"{filename}: a wheel needs exactly one <name>-<version>.dist-info/METADATA;"
                    f" found {found}"
                )
            info = wheel.getinfo(names[0])
            if info.file_size > MAX_METADATA_BYTES:
                raise InvalidDistribution(
                    f"{filename}: {names[0]} is {info.file_size} bytes;"
                    f" at most {MAX_METADATA_BYTES} are accepted"
                )
            if info.flag_bits & _ZIP_ENCRYPTED:
                raise InvalidDistribution(
                    f"{filename}: {names[0]} is encrypted; a wheel cannot be (installers read"
                    " it without a password)"
                )
            return wheel.read(info)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,
        RuntimeError,  # what zipfile raises for other encrypted entries
        zlib.error,  # a corrupt deflate stream
        lzma.LZMAError,
    ) as e:
        raise InvalidDistribution(f"{filename}: not a readable zip file (a wheel is one): {e}")
    except OSError as e:
        if e.errno is not None:
            raise  # the server's disk, not the upload's bytes
        # A corrupt bzip2 stream: "Invalid data stream", with no errno.
        raise InvalidDistribution(f"{filename}: not a readable zip file (a wheel is one): {e}")


def _check_metadata(metadata: bytes, filename: str, project: str, version: str) -> None:
    headers = BytesHeaderParser().parsebytes(metadata)
    name, meta_version = headers.get("Name"), headers.get("Version")
    if not name or not meta_version:
        raise InvalidDistribution(f"{filename}: its METADATA has no Name or no Version")
    if normalize_name(str(name)) != project or canonicalize_version(
        str(meta_version)
    ) != canonicalize_version(version):
        raise InvalidDistribution(
            f"{filename}: its METADATA says {name} {meta_version}, the filename {project} {version}"
        )


def inspect_distribution(path: Path, filename: str, project: str, version: str) -> bytes | None:
    """Check `path` holds what `filename` names; return a wheel's METADATA (None for sdists).

    Raises InvalidDistribution with a message naming the file and the problem.
    """
    if filename.endswith(WHEEL_SUFFIX):
        metadata = _wheel_metadata(path, filename)
        _check_metadata(metadata, filename, project, version)
        return metadata
    with open(path, "rb") as f:
        head = f.read(4)
    if filename.endswith(".zip"):
        if not zipfile.is_zipfile(path):
            raise InvalidDistribution(f"{filename}: not a zip file")
    elif not head.startswith(_GZIP_MAGIC):
        raise InvalidDistribution(f"{filename}: not a gzip file (a .tar.gz sdist is one)")
    return None
