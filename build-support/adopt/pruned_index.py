"""A pruned view of the package index, served on 127.0.0.1 for the length of one relock.

Most of the time of a relock is pip evaluating every file listed on the index page of every
project it touches: aiohttp's page lists ~18,000 wheels, and on a loaded 2-core machine pip
spends minutes on it, for one version. adopt knows most answers in advance: a project the
monorepo already locks can only be at its locked version (`lock-sync` passes every locked
version as a constraint), and a new project almost always resolves to one of its recent
releases. So during the relock pex is pointed at this server: it fetches each project's
page (PEP 691 JSON) from the configured index and passes it on with only the files of

- for a project the lock already pins: its locked version (the constraint `lock-sync` gives
  pip), plus a few recent releases within a fifth of the budget, in case a new requirement
  needs it to move (botocore needs urllib3<1.27 on Python 3.9);
- otherwise recent final releases that support every Python of the lock (a universal lock
  needs one version for 3.9 to 3.13: yarl's newest releases need 3.10), newest first, while
  they list at most `budget` files in all (at least `minimum` releases: pip spends ~15 ms
  per file on a loaded machine, and one aiohttp release has ~70 wheels) and are at most
  `releases` (NEW_RELEASES) releases, plus upstream's own pin (its preference).

The files keep their real URLs and hashes, so the lock is exactly what the full index would
give whenever the answer is among them; when it is not, the resolve fails and adopt
relocks against the full index. Standard library plus `packaging`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

JSON_PAGE = "application/vnd.pypi.simple.v1+json"
# At most this many releases of a project the lock does not pin yet. Projects with one or two
# files a release (aiobotocore, botocore, google-cloud-*) would otherwise be offered 100+
# releases within the file budget, and a resolve in conflict backtracks through all of them,
# fetching each one's metadata: minutes before pip gives up (conveyor: 112 s at load 9).
NEW_RELEASES = 24


def file_version(filename: str) -> Optional[Version]:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def prune_page(
    page: dict[str, Any],
    locked: Optional[str],
    preferred: Optional[str],
    budget: int = 300,
    minimum: int = 3,
    pythons: Sequence[str] = (),
    releases: int = NEW_RELEASES,
) -> dict[str, Any]:
    """The page with only the files of the versions worth offering (see the module doc)."""
    versions = {f["filename"]: file_version(f["filename"]) for f in page.get("files", [])}
    counts: dict[Version, int] = {}
    for f in page.get("files", []):
        version = versions[f["filename"]]
        if version is None or version.is_prerelease or f.get("yanked"):
            continue
        if not _supports(f.get("requires-python") or "", pythons):
            continue
        counts[version] = counts.get(version, 0) + 1
    wanted: set[Optional[Version]] = set()
    files, limit = 0, budget // 5 if locked else budget
    for version in sorted(counts, reverse=True):
        if len(wanted) >= (1 if locked else minimum) and files + counts[version] > limit:
            break
        if not locked and len(wanted) >= max(releases, minimum):
            break
        wanted.add(version)
        files += counts[version]
    for pinned in (locked, preferred):
        if pinned:
            wanted.add(_version(pinned))
    pruned = dict(page)
    pruned["files"] = [f for f in page.get("files", []) if versions[f["filename"]] in wanted]
    if "versions" in page:
        pruned["versions"] = [v for v in page["versions"] if _version(v) in wanted]
    return pruned


def _supports(requires_python: str, pythons: Sequence[str]) -> bool:
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True  # pip would ignore it too
    return all(specifier.contains(python, prereleases=True) for python in pythons)


def _version(text: str) -> Optional[Version]:
    try:
        return Version(text)
    except ValueError:
        return None


class PrunedIndex:
    """`with PrunedIndex(upstream, locked, preferred) as index:` ... `index.url` ..."""

    def __init__(
        self,
        upstream: str,
        locked: Mapping[str, str],
        preferred: Mapping[str, str] = {},
        budget: int = 300,
        pythons: Sequence[str] = (),
    ) -> None:
        self.upstream = upstream.rstrip("/") + "/"
        self.locked = {canonicalize_name(k): v for k, v in locked.items()}
        self.preferred = {canonicalize_name(k): v for k, v in preferred.items()}
        self.budget = budget
        self.pythons = tuple(pythons)
        self.served: dict[str, tuple[int, int]] = {}  # project -> (files before, after)
        # Pages already fetched, for the next resolve of the same relock (a conflict retries).
        self._pages: dict[str, tuple[int, str, bytes]] = {}
        self.fetches = 0  # pages fetched from the upstream index
        self.fetch_seconds = 0.0  # time spent fetching them
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def page(self, project: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for /simple/<project>/, fetched once per relock."""
        key = canonicalize_name(project)
        if key not in self._pages:
            started = time.monotonic()
            answer = self._fetch(project)
            self.fetches += 1
            self.fetch_seconds += time.monotonic() - started
            if answer[0] != 200:
                return answer  # not kept: a retry may find it
            self._pages[key] = answer
        return self._pages[key]

    def _fetch(self, project: str) -> tuple[int, str, bytes]:
        request = urllib.request.Request(
            f"{self.upstream}{project}/", headers={"Accept": JSON_PAGE}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                content_type = response.headers.get("Content-Type", "")
                body = response.read()
        except urllib.error.HTTPError as error:
            return error.code, "text/plain", str(error).encode()
        if JSON_PAGE not in content_type:
            return 200, content_type, body  # an index without PEP 691: passed on as it is
        page = json.loads(body)
        name = canonicalize_name(project)
        pruned = prune_page(
            page, self.locked.get(name), self.preferred.get(name), self.budget, 3, self.pythons
        )
        self.served[name] = (len(page.get("files", [])), len(pruned["files"]))
        return 200, JSON_PAGE, json.dumps(pruned).encode()

    def __enter__(self) -> "PrunedIndex":
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                match = re.match(r"^/simple/([^/]+)/?$", self.path)
                if not match:
                    self.send_error(404)
                    return
                try:
                    status, content_type, body = index.page(match[1])
                except (OSError, ValueError) as error:
                    status, content_type, body = 502, "text/plain", str(error).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def configured_index(pants_toml: str, pants_sources: Iterable[Path]) -> Optional[str]:
    """The one index the resolve uses: `[python-repos].indexes` of pants.toml, else Pants'
    default (read from the installed Pants' `repos.py`). None when there are several, or
    find-links: then nothing is pruned."""
    import tomllib

    repos = tomllib.loads(pants_toml).get("python-repos", {})
    if repos.get("find_links"):
        return None
    if "indexes" in repos:
        indexes = repos["indexes"]
        return indexes[0] if len(indexes) == 1 else None
    for repos_py in pants_sources:
        match = re.search(r'pypi_index = "([^"]+)"', repos_py.read_text(encoding="utf-8"))
        if match:
            return match[1]
    return None


def lock_pythons(lock_body: Mapping[str, Any]) -> tuple[str, ...]:
    """The CPython minors (`3.9.0` ... `3.13.0`) a pex lock's `requires_python` admits."""
    specifiers = [SpecifierSet(s) for s in lock_body.get("requires_python", [])]
    return tuple(
        f"3.{minor}.0"
        for minor in range(6, 20)
        if specifiers and any(s.contains(f"3.{minor}.0") for s in specifiers)
    )
