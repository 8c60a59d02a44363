"""PEP 517 build backend that Pants runs for every `python_distribution`: setuptools, made
reproducible.

Wheels from setuptools are already reproducible with `SOURCE_DATE_EPOCH` (pants.toml sets it).
Sdists are not: their tar members carry the mtimes, owners and umask of Pants' sandbox, and
their gzip header the build time. This backend delegates every hook to setuptools' legacy
backend (what Pants uses for a distribution without a pyproject.toml) and then rewrites the
sdist: members sorted by name, mtime = SOURCE_DATE_EPOCH, uid/gid 0 with no owner names,
modes 0644/0755, and a gzip header with that mtime and no file name.

It is not part of any distribution: the `pantry.reproducible_dists` plugin puts it in the
build sandbox beside, not among, the sources setuptools packages (with setuptools from the
one lock), and this backend replaces the pyproject.toml that names it with PUBLIC_PYPROJECT
before setuptools copies it into the sdist, so the published sdist builds with plain
setuptools.

Runs on the distribution's interpreter (CPython 3.9-3.13) with the standard library and
setuptools only.
"""

from __future__ import annotations

import gzip
import importlib
import io
import os
import tarfile

# What the published sdist declares: setuptools' legacy backend, as Pants used before.
PUBLIC_PYPROJECT = """\
[build-system]
requires = ["setuptools>=69", "wheel>=0.43"]
build-backend = "setuptools.build_meta:__legacy__"
"""
# Used when SOURCE_DATE_EPOCH is unset: 1980-01-01, the earliest time a zip can hold.
DEFAULT_EPOCH = 315532800


def _setuptools():
    # Imported by name, not statically: setuptools exists only in the build-time PEX.
    return importlib.import_module("setuptools.build_meta").__legacy__


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else DEFAULT_EPOCH


def normalize_mode(member: tarfile.TarInfo) -> int:
    if member.isdir() or member.mode & 0o111:
        return 0o755
    return 0o644


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    extracted = archive.extractfile(member)
    if extracted is None:  # not a regular file: callers only ask for files
        raise ValueError(f"{member.name} in {archive.name!r} is not a regular file")
    return extracted.read()


def normalize_sdist(path: str, epoch: int) -> None:
    """Rewrite the .tar.gz at path so its bytes depend only on the members' names and data."""
    with tarfile.open(path, mode="r:gz") as source:
        members = []
        for member in source.getmembers():
            data = _read_member(source, member) if member.isfile() else None
            members.append((member, data))
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as target:
        for member, data in sorted(members, key=lambda item: item[0].name):
            member.mtime = epoch
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            member.mode = normalize_mode(member)
            member.pax_headers = {}
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    with open(path, "wb") as stream:
        with gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=epoch) as compressed:
            compressed.write(tar_bytes.getvalue())


def get_requires_for_build_wheel(config_settings=None):
    return _setuptools().get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    return _setuptools().get_requires_for_build_sdist(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _setuptools().prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _setuptools().build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    if os.path.isfile("pyproject.toml"):
        with open("pyproject.toml", "w") as stream:
            stream.write(PUBLIC_PYPROJECT)
    name = _setuptools().build_sdist(sdist_directory, config_settings)
    normalize_sdist(os.path.join(sdist_directory, name), source_date_epoch())
    return name
