"""The WSGI application: the simple API (HTML, or PEP 691 JSON), the files, and uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Callable
from urllib.parse import quote

from feature_flags import Flags
from index import blobs
from index.responses import FILE_CACHE_CONTROL, Response, file_chunks
from index.responses import text as _text
from index.storage import METADATA_SUFFIX, Storage, StoredFile
from index.upload import Uploader, UploadSettings
from simplerepo import (
    HTML_LEGACY,
    HTML_V1,
    JSON_V1,
    DistributionFile,
    ProjectList,
    ProjectPage,
    html,
    is_valid_name,
    json_api,
    negotiate,
    normalize_name,
)

# Flag: offer PEP 691 JSON to clients that ask for it (default on). Rolled out
# per client address, so `PANTRY_FLAG_SERVE_JSON=10%` is stable per client.
SERVE_JSON = "serve-json"

# Index pages change whenever a file is added.
INDEX_CACHE_CONTROL = "max-age=60"
_CONTENT_TYPES = {
    HTML_LEGACY: "text/html; charset=utf-8",
    HTML_V1: HTML_V1,
    JSON_V1: JSON_V1,
}


# twine's repository URL is http://HOST:PORT/legacy/ (PyPI's name for the upload API).
UPLOAD_PATHS = ("/legacy/", "/legacy")


class IndexApp:
    """WSGI app serving `storage` under /simple/ and /files/, taking uploads at /legacy/.

    Without an `uploader`, POST /legacy/ is refused (403) saying how to enable uploads.
    """

    def __init__(self, storage: Storage, flags: Flags, uploader: Uploader | None = None) -> None:
        self.storage = storage
        self.flags = flags
        self.uploader = uploader
        self.blobs = blobs.BlobStore(storage.root)
        # Blob uploads take the token of distribution uploads; without one they are refused.
        self.blob_uploader = blobs.BlobUploader(
            self.blobs, uploader.settings if uploader else UploadSettings(token=None)
        )

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = _path(environ)
        if path in UPLOAD_PATHS:
            response = self._upload(environ, method)
            start_response(response.status, response.headers)
            return response.body
        if path.startswith(blobs.PREFIX) and method not in ("GET", "HEAD"):
            if method == "PUT":
                response = self.blob_uploader(environ, path)
            else:
                response = blobs.method_not_allowed(method)
            start_response(response.status, response.headers)
            return response.body
        if method not in ("GET", "HEAD"):
            response = _text(
                "405 Method Not Allowed",
                f"{method} is not supported; use GET or HEAD",
                ("Allow", "GET, HEAD"),
            )
        else:
            response = self._route(environ)
        etag = dict(response.headers).get("ETag")
        if (
            etag
            and response.status.startswith("200")
            and etag in environ.get("HTTP_IF_NONE_MATCH", "")
        ):
            kept = [(k, v) for k, v in response.headers if k in ("ETag", "Cache-Control", "Vary")]
            response = Response("304 Not Modified", kept)
        start_response(response.status, response.headers)
        return [] if method == "HEAD" else response.body

    def _upload(self, environ: dict, method: str) -> Response:
        if method != "POST":
            return _text(
                "405 Method Not Allowed",
                f"{method} is not supported here; upload with POST (e.g. twine upload"
                " --repository-url http://HOST:PORT/legacy/)",
                ("Allow", "POST"),
            )
        if self.uploader is None:
            # Refuse the same way an uploader without a token does.
            return Uploader(self.storage, UploadSettings(token=None))(environ)
        return self.uploader(environ)

    def _route(self, environ: dict) -> Response:
        path = _path(environ)
        prefix = environ.get("SCRIPT_NAME", "")
        if path in ("/", "/simple"):
            return self._redirect(prefix + "/simple/")
        if path == "/simple/":
            names = tuple(self.storage.scan())
            project_list = ProjectList(names)
            return self._page(
                environ,
                html.render_project_list(project_list),
                json_api.render_project_list(project_list),
            )
        if path.startswith("/simple/"):
            name = path[len("/simple/") :].rstrip("/")
            if "/" in name or not is_valid_name(name):
                return _text("404 Not Found", f"not a valid project name: {name!r}")
            canonical = f"/simple/{normalize_name(name)}/"
            if path != canonical:
                return self._redirect(prefix + canonical)
            files = self.storage.scan().get(normalize_name(name))
            if not files:
                return _text("404 Not Found", f"no project named {name!r} on this index")
            page = ProjectPage(name, tuple(map(_distribution, files)))
            return self._page(
                environ,
                html.render_project_page(page),
                json_api.render_project_page(page),
            )
        if path.startswith("/files/"):
            return self._file(path[len("/files/") :])
        if path.startswith(blobs.PREFIX):
            return blobs.serve(self.blobs, path)
        return _text("404 Not Found", f"no such page: {path}; the index is at /simple/")

    def _redirect(self, location: str) -> Response:
        return _text("301 Moved Permanently", f"see {location}", ("Location", quote(location)))

    def _page(self, environ: dict, html_text: str, json_text: str) -> Response:
        offered = [HTML_LEGACY, HTML_V1]
        if self.flags.is_enabled(SERVE_JSON, subject=environ.get("REMOTE_ADDR"), default=True):
            offered.append(JSON_V1)
        media_type = negotiate(environ.get("HTTP_ACCEPT"), offered)
        if media_type is None:
            return _text(
                "406 Not Acceptable",
                f"can serve {', '.join(offered)}",
                ("Vary", "Accept"),
            )
        body = (json_text if media_type == JSON_V1 else html_text).encode()
        return Response(
            "200 OK",
            [
                ("Content-Type", _CONTENT_TYPES[media_type]),
                ("Content-Length", str(len(body))),
                ("ETag", f'"{hashlib.sha256(body).hexdigest()[:32]}"'),
                ("Cache-Control", INDEX_CACHE_CONTROL),
                ("Vary", "Accept"),
            ],
            [body],
        )

    def _file(self, filename: str) -> Response:
        wants_metadata = filename.endswith(METADATA_SUFFIX)
        stored = self.storage.find(
            filename[: -len(METADATA_SUFFIX)] if wants_metadata else filename
        )
        if stored is None or (wants_metadata and stored.metadata_sha256 is None):
            return _text("404 Not Found", f"no file named {filename!r} on this index")
        path, digest = (
            (stored.metadata_path, stored.metadata_sha256)
            if wants_metadata
            else (stored.path, stored.sha256)
        )
        return Response(
            "200 OK",
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(path.stat().st_size)),
                ("ETag", f'"{digest}"'),
                ("Cache-Control", FILE_CACHE_CONTROL),
            ],
            file_chunks(path),
        )


def _path(environ: dict) -> str:
    # PEP 3333 hands the path over as latin-1-decoded bytes; undo that.
    return environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace") or "/"


def _distribution(stored: StoredFile) -> DistributionFile:
    return DistributionFile(
        filename=stored.filename,
        # Relative to /simple/<name>/, so the index works under any prefix.
        url=f"../../files/{quote(stored.filename)}",
        hashes={"sha256": stored.sha256},
        requires_python=stored.requires_python,
        core_metadata={"sha256": stored.metadata_sha256} if stored.metadata_sha256 else False,
    )
