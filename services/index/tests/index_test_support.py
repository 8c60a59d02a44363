"""Build real (tiny) wheels, sdists and upload request bodies for the index's tests."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from index.cli import ThreadingWSGIServer, make_server

BOUNDARY = "pantry-test-boundary-7f3a"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
TOKEN = "s3cret-upload-token"
# 1980-01-01, the earliest time a zip file can hold.
_EPOCH = (1980, 1, 1, 0, 0, 0)

# An in-tree PEP 517 backend: pip can read the sdist's metadata with no network and no
# setuptools (its build environment has nothing to install).
_BACKEND = """\
import os
import shutil


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    name = "{dist_info}"
    os.makedirs(os.path.join(metadata_directory, name))
    shutil.copy("PKG-INFO", os.path.join(metadata_directory, name, "METADATA"))
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("this test sdist only provides metadata")
"""


def metadata(name: str, version: str, requires_python: str | None = None) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.append("Summary: a test distribution for the pantry index")
    return ("\n".join(lines) + "\n\n").encode()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest},{len(data)}"


def make_wheel(
    name: str,
    version: str,
    payload: bytes = b"",
    requires_python: str | None = None,
    metadata_name: str | None = None,
) -> tuple[str, bytes]:
    """(filename, bytes) of a valid pure-Python wheel with one module holding `payload`."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": b"DATA = " + repr(payload).encode() + b"\n",
        f"{dist_info}/METADATA": metadata(metadata_name or name, version, requires_python),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: pantry-tests\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},{_record_hash(data)}\n" for path, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            wheel.writestr(zipfile.ZipInfo(path, _EPOCH), data)
    return f"{module}-{version}-py3-none-any.whl", buf.getvalue()


def make_sdist(name: str, version: str) -> tuple[str, bytes]:
    """(filename, bytes) of an sdist whose metadata pip can prepare offline."""
    module = name.replace("-", "_")
    top = f"{module}-{version}"
    files = {
        f"{top}/PKG-INFO": metadata(name, version),
        f"{top}/pyproject.toml": (
            b'[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        ),
        f"{top}/backend.py": _BACKEND.replace(
            "{dist_info}", f"{module}-{version}.dist-info"
        ).encode(),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return f"{top}.tar.gz", buf.getvalue()


def multipart(
    fields: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, str, bytes]] = (),
    boundary: str = BOUNDARY,
) -> bytes:
    """A multipart/form-data body as requests-toolbelt (twine) writes it."""
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, filename, data in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}";'
            f' filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def upload_fields(
    project: str, release: str, data: bytes, **overrides: str | None
) -> list[tuple[str, str]]:
    """The form fields twine sends with a file; an override of None drops a field."""
    fields: dict[str, str | None] = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": project,
        "version": release,
        "filetype": "bdist_wheel",
        "pyversion": "py3",
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        "blake2_256_digest": hashlib.blake2b(data, digest_size=32).hexdigest(),
    }
    fields.update(overrides)
    return [(k, v) for k, v in fields.items() if v is not None]


def basic_auth(password: str = TOKEN, username: str = "__token__") -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@contextmanager
def serving(app: Any, **server_options: int) -> Iterator[ThreadingWSGIServer]:
    """`app` served by the index's own server on a free 127.0.0.1 port, in a thread; shut
    down, closed and joined on exit."""
    httpd = make_server("127.0.0.1", 0, app, **server_options)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=30)
