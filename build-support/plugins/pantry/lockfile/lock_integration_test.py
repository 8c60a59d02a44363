"""The real lock and its exported constraints, against the real package index.

- The committed `3rdparty/python/constraints.txt` is what `export-constraints` gives for the
  committed lock, and pip accepts it in hash-checking mode.
- A tampered hash is refused: by pip in the constraints file, and by pex (what Pants installs
  every requirement with) in a lock.

The two last tests need the package index (pip resolves every pinned project; pex downloads
a locked artifact): they are marked `index`, their target is tagged `index`, and their
timeouts allow a slow index. Each refusal has a control that must succeed, so a network
failure cannot pass for a refusal. In an offline run (pants.offline.toml) both take every
artifact from the internal index instead (`pantry_testing.fixture_repo.offline_index_url`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from pantry.index_mirror.lock_urls import rewrite_lock_urls
from pantry.lockfile.constraints import render_constraints
from pantry.lockfile.lock_model import parse_lock, split_header
from pantry_testing.fixture_repo import offline_index_url

LOCK = Path("3rdparty/python/default.lock")
CONSTRAINTS = Path("3rdparty/python/constraints.txt")
# A slow index: pip downloads every locked artifact once (about 60 MB).
INDEX_TIMEOUT = 900
# The system CA bundle, as `[GLOBAL].ca_certs_path` (the test's environment is scrubbed).
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
TAMPERED_PROJECT = "idna"


def cert_args() -> list[str]:
    return next((["--cert", path] for path in CA_BUNDLES if os.path.exists(path)), [])


def index_args() -> list[str]:
    """pip's index: the internal one in an offline run, else pip's default."""
    index = offline_index_url()
    return ["--index-url", index] if index else []


def scrubbed_env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}


def tamper(text: str, project: str) -> str:
    """Reverse every sha256 of one project's artifacts (in a lock or a constraints file)."""
    pattern = re.compile(rf'("project_name": "{project}"|^{project}==)', re.MULTILINE)
    match = pattern.search(text)
    assert match, f"{project} not found"
    if text[match.start()] == '"':  # A lock: the artifacts precede the project name.
        start, end = text.rfind('"artifacts"', 0, match.start()), match.start()
    else:  # A constraints file: the hash lines follow the pin.
        start = match.start()
        line_end = text.index("\n", start) + 1
        following = re.search(r"^\S", text[line_end:], re.MULTILINE)
        end = line_end + following.start() if following else len(text)
    tampered = re.sub(
        r"(sha256:|\"hash\": \")([0-9a-f]{64})",
        lambda m: m.group(1) + m.group(2)[::-1],
        text[start:end],
    )
    assert tampered != text[start:end]
    return text[:start] + tampered + text[end:]


def test_committed_constraints_match_the_lock() -> None:
    expected = render_constraints(
        parse_lock(LOCK.read_text(), source=str(LOCK)),
        lock_path=str(LOCK),
        resolve="python-default",
        command="./pants export-constraints",
    )
    assert CONSTRAINTS.read_text() == expected, "run `./pants export-constraints`"


@pytest.fixture(scope="module")
def pip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    return env_dir / "bin" / "pip"


def pip_dry_run(pip: Path, requirements: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(pip),
            "install",
            "--dry-run",
            "--require-hashes",
            "--no-deps",
            "--disable-pip-version-check",
            "--no-cache-dir",
            *cert_args(),
            *index_args(),
            "-r",
            str(requirements),
        ],
        env=scrubbed_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=INDEX_TIMEOUT,
    )


@pytest.mark.index
@pytest.mark.timeout(2 * INDEX_TIMEOUT + 60)
def test_pip_accepts_constraints_and_refuses_a_tampered_hash(pip: Path, tmp_path: Path) -> None:
    accepted = pip_dry_run(pip, CONSTRAINTS.resolve(), tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    locked = parse_lock(LOCK.read_text())
    assert f"{TAMPERED_PROJECT}-{locked[TAMPERED_PROJECT].version}" in accepted.stdout

    tampered = tmp_path / "tampered.txt"
    tampered.write_text(tamper(CONSTRAINTS.read_text(), TAMPERED_PROJECT))
    refused = pip_dry_run(pip, tampered, tmp_path)
    assert refused.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE" in refused.stderr
    assert f"{TAMPERED_PROJECT}==" in refused.stderr


def single_project_lock(project: str) -> dict:
    """The committed lock cut down to one project, readable by the pex in Pants' own venv."""
    lock = json.loads(split_header(LOCK.read_text())[1])
    (resolve,) = lock["locked_resolves"]
    resolve["locked_requirements"] = [
        r for r in resolve["locked_requirements"] if r["project_name"] == project
    ]
    lock["requirements"] = [project]
    # This older pex does not know the newer pip the lock names; the artifacts are the same.
    lock.pop("pip_version", None)
    return lock


def build_pex(lock_text: str, tmp_path: Path, name: str) -> subprocess.CompletedProcess:
    lock = tmp_path / f"{name}.lock"
    index = offline_index_url()
    lock.write_bytes(rewrite_lock_urls(lock_text.encode(), index) if index else lock_text.encode())
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pex",
            f"--pex-root={tmp_path / 'pex_root'}",
            *cert_args(),
            "--lock",
            str(lock),
            TAMPERED_PROJECT,
            "-o",
            str(tmp_path / f"{name}.pex"),
        ],
        env=scrubbed_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=INDEX_TIMEOUT,
    )


@pytest.mark.index
@pytest.mark.timeout(2 * INDEX_TIMEOUT + 60)
def test_pex_refuses_a_lock_with_a_tampered_hash(tmp_path: Path) -> None:
    good = json.dumps(single_project_lock(TAMPERED_PROJECT), indent=2)
    control = build_pex(good, tmp_path, "good")
    assert control.returncode == 0, control.stderr

    refused = build_pex(tamper(good, TAMPERED_PROJECT), tmp_path, "tampered")
    assert refused.returncode != 0
    assert re.search(
        rf"Expected sha256 hash of [0-9a-f]{{64}} when downloading {TAMPERED_PROJECT} but "
        r"hashed to [0-9a-f]{64}",
        refused.stderr,
    ), refused.stderr
