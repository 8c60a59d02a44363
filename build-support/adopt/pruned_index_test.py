from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from adopt.pruned_index import (
    JSON_PAGE,
    PrunedIndex,
    configured_index,
    lock_pythons,
    prune_page,
)


def page(*filenames: str, yanked: tuple[str, ...] = ()) -> dict:
    return {
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "files": [
            {"filename": f, "url": f"https://files.invalid/{f}", "hashes": {"sha256": "00"},
             "yanked": f in yanked}
            for f in filenames
        ],  # fmt: skip
        "versions": sorted({f.split("-")[1].removesuffix(".tar.gz") for f in filenames}),
    }


FILES = (
    "demo-1.0.tar.gz",
    "demo-1.0-py3-none-any.whl",
    "demo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    "demo-3.0.tar.gz",
    "demo-4.0rc1.tar.gz",
    "demo-5.0.tar.gz",
)


def names(result: dict) -> list[str]:
    return [f["filename"] for f in result["files"]]


def test_a_locked_project_offers_its_locked_version_and_a_few_recent_ones() -> None:
    assert names(prune_page(page(*FILES), "1.0", None, budget=5)) == [*FILES[:2], "demo-5.0.tar.gz"]


def test_a_new_project_offers_recent_finals_within_a_budget_and_upstreams_pin() -> None:
    result = prune_page(page(*FILES, yanked=("demo-5.0.tar.gz",)), None, "1.0", 2, 1)
    assert names(result) == [FILES[0], FILES[1], FILES[2], FILES[3]]  # 3.0, 2.0 and the pin
    assert result["versions"] == ["1.0", "2.0", "3.0"]
    # At least `minimum` releases, whatever the budget.
    assert names(prune_page(page(*FILES), None, None, 0, 1)) == ["demo-5.0.tar.gz"]


def test_a_new_project_with_small_releases_offers_a_few_recent_ones_not_all() -> None:
    """botocore (two files a release) would fit 150 releases in the budget; a resolve in
    conflict backtracks through every one offered, so a new project gets `releases` at most.
    A locked project keeps every release its (smaller) budget holds: a move may need an old
    line (urllib3 2.6.3 -> 1.26.20)."""
    small = [f"demo-{minor}.0.tar.gz" for minor in range(1, 60)]
    offered = names(prune_page(page(*small), None, None, budget=300, releases=5))
    assert offered == [f"demo-{minor}.0.tar.gz" for minor in range(55, 60)]
    assert len(prune_page(page(*small), "3.0", None, budget=300, releases=5)["files"]) == 59
    assert len(names(prune_page(page(*small), None, None, budget=300))) == 24


UPSTREAM_REQUESTS: list[str] = []  # paths the fake upstream index was asked for


@pytest.fixture
def upstream():
    UPSTREAM_REQUESTS.clear()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            UPSTREAM_REQUESTS.append(self.path)
            body = json.dumps(page(*FILES)).encode()
            self.send_response(200 if self.path == "/simple/demo/" else 404)
            self.send_header("Content-Type", JSON_PAGE)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()
    server.server_close()


def test_the_server_serves_pruned_pages(upstream: str) -> None:
    with PrunedIndex(upstream, {"Demo": "3.0"}, budget=5) as index:
        request = urllib.request.Request(f"{index.url}demo/", headers={"Accept": JSON_PAGE})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Type"] == JSON_PAGE
            served = json.loads(response.read())
        assert names(served) == ["demo-3.0.tar.gz", "demo-5.0.tar.gz"]
        assert served["files"][0]["url"] == "https://files.invalid/demo-3.0.tar.gz"
        assert index.served == {"demo": (6, 2)}
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{index.url}missing/")


def test_a_retried_resolve_reads_each_page_from_the_index_once(upstream: str) -> None:
    """A relock in conflict resolves again; the pages it read are not fetched again (a page
    that failed is)."""
    with PrunedIndex(upstream, {}, budget=5) as index:
        for _ in range(2):
            for project in ("demo", "Demo", "missing"):
                try:
                    urllib.request.urlopen(f"{index.url}{project}/").read()
                except urllib.error.HTTPError:
                    pass
        assert UPSTREAM_REQUESTS == ["/simple/demo/", "/simple/missing/", "/simple/missing/"]
        assert index.fetches == 3


def test_configured_index(tmp_path: Path) -> None:
    repos = tmp_path / "repos.py"
    repos.write_text('class R:\n    pypi_index = "https://index.invalid/simple/"\n')
    assert configured_index("", [repos]) == "https://index.invalid/simple/"
    assert configured_index('[python-repos]\nindexes = ["https://a.invalid/"]\n', [repos]) == (
        "https://a.invalid/"
    )
    assert configured_index('[python-repos]\nindexes = ["a", "b"]\n', [repos]) is None
    assert configured_index('[python-repos]\nfind_links = ["x"]\n', [repos]) is None


def test_releases_that_drop_a_python_of_the_lock_are_not_offered() -> None:
    data = page(*FILES)
    for f in data["files"]:
        if f["filename"].startswith(("demo-5.0", "demo-3.0")):
            f["requires-python"] = ">=3.10"
    result = prune_page(data, None, None, 300, 1, pythons=("3.9.0", "3.13.0"))
    assert names(result) == list(FILES[:3])  # 2.0 and 1.0 (4.0rc1 is a pre-release)


def test_lock_pythons() -> None:
    assert lock_pythons({"requires_python": ["<3.14,>=3.9"]}) == (
        "3.9.0", "3.10.0", "3.11.0", "3.12.0", "3.13.0",
    )  # fmt: skip
