"""Builds that never need the outside, proven: a fresh repository bootstraps, tests and locks
with only loopback reachable and the internal index (services/index) as the only source.

Outside the namespace (shared caches, the real index packaged by Pants): `./pants
index-mirror` fills a fresh index with what a small fixture repository pins (its lock is the
closure of pytest and idna in 3rdparty/python/default.lock, with the lock's own public URLs,
plus the launcher's Pants and pex and the pip pex bootstraps), and a second run uploads
nothing. Inside a network namespace with only loopback (`unshare -n` as root, `unshare -rn`
otherwise), with pants.offline.toml and PANTRY_INDEX_URL, the same index serves read-only
while, with empty launcher and Pants caches, `./pants test` bootstraps Pants and runs the
fixture's test, `./pants package` builds a `debian_tools` target (one small pinned Debian
package, mirrored outside) from the index's blobs alone, and `./pants generate-lockfiles`
re-locks it. Without a way to make such a
namespace the test skips, saying why, or with PANTRY_REQUIRE_NETWORK_NAMESPACE=1 (.ci/run)
fails. The index and pantsd are stopped by their pids, also when a step fails.
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator

import pytest
from pantry_testing import offline
from pantry_testing.fixture_repo import (
    copy_into,
    install_launcher,
    launcher_env,
    pants_toml_section,
    pantsd_session,
    sandbox_tempdir,
)

pytestmark = pytest.mark.timeout(1500)

REQUIRE = "PANTRY_REQUIRE_NETWORK_NAMESPACE"
LOCK = Path("3rdparty/python/default.lock")
INDEX_PEX = Path("services.index/index.pex")
LAUNCHER_REQUIREMENTS = (
    "build-support/launcher/pants-requirements.txt",
    "build-support/launcher/pex-requirements.txt",
    "build-support/launcher/pex-pip-requirements.txt",
)
ROOTS = ("idna", "pytest")
# One small Debian package with a program, pinned as external/'s packages.lock files pin them
# (bookworm's hello: 53 KB): a `debian_tools` target the offline build fetches from the index.
HELLO_PIN = "hello 2.10-3 2e6e2f1a0007dc43bc91c273fd36e91e40a4f1c2765a03eca68b70a42103878a\n"
HELLO_SHA256 = HELLO_PIN.split()[2]

# Runs in the namespace after NAMESPACE_PRELUDE (loopback up, no route out, the index serving
# read-only on 127.0.0.1 and stopped by its pid on exit): the steps, with empty caches.
INNER = (
    offline.NAMESPACE_PRELUDE
    + """\
export PANTRY_CACHE_DIR="$WORK/launcher-cache" PANTS_CONFIG_FILES="+['pants.offline.toml']"
caches=(--no-pantsd --named-caches-dir="$WORK/named-caches" --local-store-dir="$WORK/store")
cd "$REPO"
echo "=== test" && ./pants "${caches[@]}" test tests:: >"$WORK/test.log" 2>&1
echo "=== package" && ./pants "${caches[@]}" package tools:hello >"$WORK/package.log" 2>&1
dist/tools/hello/bin/hello >"$WORK/hello.out"
echo "=== generate-lockfiles" && ./pants "${caches[@]}" generate-lockfiles >"$WORK/lock.log" 2>&1
echo "=== done"
"""
)


def unshare_argv() -> list[str]:
    """How to enter a new network namespace here, or a skip/failure saying why not."""
    try:
        return offline.unshare_argv()
    except offline.NamespaceUnavailable as error:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{error}, and {REQUIRE}=1 requires one")
        pytest.skip(f"{error}; {REQUIRE}=1 (as in CI) makes this a failure")


def lock_body(text: str) -> dict:
    """A Pants lockfile without its `//` header."""
    return json.loads("\n".join(line for line in text.splitlines() if not line.startswith("//")))


def closure(lock: dict, roots: tuple[str, ...]) -> set[str]:
    """Projects of the lock reachable from `roots` (extras not followed, markers ignored)."""
    locked = {r["project_name"]: r for r in lock["locked_resolves"][0]["locked_requirements"]}
    todo, seen = list(roots), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in locked:
            continue
        seen.add(name)
        for dist in locked[name].get("requires_dists", []):
            if "extra" not in dist:
                todo.append(re.split(r"[\s\[<>=!~;(]", dist, 1)[0].lower().replace("_", "-"))
    return seen


def write_fixture(repo: Path) -> list[str]:
    """The fixture repository; returns the projects to mirror."""
    install_launcher(repo)
    # Every plugin module: the registered backends import across backends (lock_model, vcs).
    for source in [*Path("build-support/plugins/pantry").rglob("*.py"), Path("pants.offline.toml")]:
        if not source.name.endswith("_test.py"):
            copy_into(repo, source)
    pex_cli = pants_toml_section(Path("pants.toml").read_text(), "pex-cli")
    (repo / "pants.toml").write_text(
        textwrap.dedent(
            """\
            [GLOBAL]
            pants_version = "2.17.1"
            pythonpath = ["%(buildroot)s/build-support/plugins"]
            backend_packages = [
              "pants.backend.python", "pantry.modern_python", "pantry.index_mirror",
              "pantry.oci",
            ]
            ca_certs_path = "/etc/ssl/certs/ca-certificates.crt"
            pants_ignore.add = ["/.pantry/"]

            [subprocess-environment]
            env_vars = ["PIP_CONFIG_FILE=/dev/null"]

            [python]
            enable_resolves = true
            interpreter_constraints = ["CPython==3.11.*"]
            interpreter_versions_universe = ["3.9", "3.10", "3.11", "3.12", "3.13"]

            [python.resolves]
            python-default = "3rdparty/python/default.lock"

            [python.resolves_to_interpreter_constraints]
            python-default = ["CPython>=3.9,<3.14"]

            [python-bootstrap]
            search_path = ["<PYENV>"]

            [pytest]
            install_from_resolve = "python-default"
            requirements = ["pytest"]

            [pex-cli]
            """
        )
        + pex_cli
        + "\n"
    )
    text = LOCK.read_text()
    lock = lock_body(text)
    begin, end = "// --- BEGIN PANTS LOCKFILE METADATA", "// --- END PANTS LOCKFILE METADATA"
    metadata_lines = text.split(begin, 1)[1].split(end, 1)[0].splitlines()[1:]
    metadata = json.loads("\n".join(line[2:] for line in metadata_lines))
    metadata["generated_with_requirements"] = sorted(ROOTS)
    header = [
        "// --- BEGIN PANTS LOCKFILE METADATA: DO NOT EDIT OR REMOVE ---",
        *("// " + line for line in json.dumps(metadata, indent=2).splitlines()),
        "// --- END PANTS LOCKFILE METADATA ---",
    ]
    projects = closure(lock, ROOTS)
    resolve = lock["locked_resolves"][0]
    resolve["locked_requirements"] = [
        r for r in resolve["locked_requirements"] if r["project_name"] in projects
    ]
    lock["requirements"], lock["constraints"] = list(ROOTS), []
    (repo / "3rdparty/python").mkdir(parents=True)
    (repo / LOCK).write_text("\n".join(header) + "\n" + json.dumps(lock, indent=2) + "\n")
    (repo / "3rdparty/python/requirements.txt").write_text("\n".join(ROOTS) + "\n")
    (repo / "3rdparty/python/BUILD").write_text("python_requirements(source='requirements.txt')\n")
    (repo / "tools").mkdir()
    (repo / "tools/packages.lock").write_text(HELLO_PIN)
    (repo / "tools/BUILD").write_text(
        'debian_tools(name="hello", binaries={"hello": ["usr/bin/hello"]})\n'
    )
    (repo / "tests").mkdir()
    (repo / "tests/BUILD").write_text("python_tests()\n")
    (repo / "tests/test_offline.py").write_text(
        "import idna\n\n\ndef test_idna_from_the_internal_index():\n"
        '    assert idna.encode("b\\u00fccher.example") == b"xn--bcher-kva.example"\n'
    )
    launcher_projects = [
        m.group(1)
        for path in LAUNCHER_REQUIREMENTS
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", Path(path).read_text(), re.MULTILINE)
    ]
    return sorted(projects) + launcher_projects


@pytest.fixture
def work() -> Iterator[Path]:
    yield sandbox_tempdir("offline-")


def test_a_fresh_repository_builds_from_the_internal_index_alone(work: Path) -> None:
    unshare = unshare_argv()
    assert INDEX_PEX.is_file(), f"{INDEX_PEX} missing: is services/index:index in the BUILD?"
    repo = work / "repo"
    projects = write_fixture(repo)
    data, token = work / "index-data", work / "token"
    data.mkdir()
    token.write_text("offline-proof-token\n")
    (work / "wrong-token").write_text("not-the-token\n")
    env = launcher_env()
    started = time.monotonic()

    index = offline.Index(INDEX_PEX, data, token, work / "index-outside.log")
    try:
        with pantsd_session(repo, env, timeout=900) as pants:
            common = [
                f"--index-mirror-locks=['{LOCK}']",
                f"--index-mirror-requirements={list(LAUNCHER_REQUIREMENTS)!r}",
                f"--index-mirror-only={projects!r}",
                "--index-mirror-npm-locks=[]",
            ]
            refused = pants(
                "index-mirror",
                f"--to={index.url}",
                *common[:2],
                "--index-mirror-only=['idna']",
                "--index-mirror-npm-locks=[]",
                f"--index-mirror-token-file={work / 'wrong-token'}",
            )
            assert refused.returncode == 1, refused.stderr
            assert "refused the upload token (HTTP 403" in refused.stderr
            assert "not-the-token" not in refused.stderr + refused.stdout

            unreachable = pants(
                "index-mirror",
                "--to=http://127.0.0.1:9",
                *common,
                f"--index-mirror-token-file={token}",
            )
            assert unreachable.returncode == 1
            assert "IndexUnreachable: cannot reach the index at http://127.0.0.1:9/simple/" in (
                unreachable.stderr
            )
            assert "Traceback" not in unreachable.stderr

            first = pants(
                "index-mirror",
                f"--to={index.url}/simple/",
                *common,
                f"--index-mirror-token-file={token}",
            )
            assert first.returncode == 0, first.stderr[-3000:]
            summary = r"index-mirror: (\d+) uploaded, 0 already there, 0 failed"
            count = re.search(summary, first.stdout)
            assert count and int(count.group(1)) > 20, first.stdout + first.stderr[-3000:]
            assert re.search(r"\[ *\d+/\d+\] uploaded idna-", first.stderr)
            assert "pantsbuild.pants-2.17.1-cp39" in first.stderr
            assert re.search(
                r"\[1/1\] uploaded hello_2\.10-3\.deb \(tools/packages.lock\)", first.stderr
            )
            assert ", 1 Debian packages, 0 npm tarballs (" in first.stdout, first.stdout

            again = pants(
                "index-mirror", f"--to={index.url}", *common, f"--index-mirror-token-file={token}"
            )
            assert again.returncode == 0, again.stderr[-3000:]
            assert f"0 uploaded, {count.group(1)} already there, 0 failed" in again.stdout
    finally:
        index.stop()
    mirrored = time.monotonic()

    inner = work / "inner.sh"
    inner.write_text(INNER)
    inner_env = offline.namespace_env(
        {**env, "REPO": str(repo)}, sys.executable, INDEX_PEX, data, work
    )
    for name in ("PANTRY_CACHE_DIR", "XDG_CACHE_HOME"):
        inner_env.pop(name, None)
    with (work / "inner.log").open("w") as out:
        code = offline.run_in_namespace(unshare, inner, inner_env, timeout=1200, stdout=out)
    output = (work / "inner.log").read_text()

    def log(name: str) -> str:
        path = work / name
        return path.read_text()[-4000:] if path.exists() else f"({name} not written)"

    assert code != offline.REACHES_OUTSIDE, "the namespace reached the outside: the proof is void"
    logs = (
        f"--- test\n{log('test.log')}\n--- package\n{log('package.log')}\n"
        f"--- lock\n{log('lock.log')}"
    )
    assert code == 0, f"{output}\n{logs}"
    assert "pantry: installing pinned Pants" in log("test.log")
    assert "tests/test_offline.py succeeded" in log("test.log")
    relocked = (repo / LOCK).read_text()
    assert "127.0.0.1" in relocked, "generate-lockfiles did not resolve from the internal index"

    def versions(text: str) -> dict[str, str]:
        return {
            r["project_name"]: r["version"]
            for r in lock_body(text)["locked_resolves"][0]["locked_requirements"]
        }

    assert versions(relocked)["idna"] == versions(LOCK.read_text())["idna"]
    served = (work / "index.log").read_text()
    assert "/files/idna-" in served and "/files/pantsbuild.pants-" in served
    # The Debian package came from the index's blobs, and its program runs.
    assert f"/blobs/sha256/{HELLO_SHA256}" in served
    assert log("hello.out").strip() == "Hello, world!"
    print(
        f"mirror {mirrored - started:.0f} s, offline bootstrap+test+lock "
        f"{time.monotonic() - mirrored:.0f} s"
    )
