from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from ci.hermeticity import (
    FAKE_PYTEST_MESSAGE,
    compare_trees,
    hostile_environment,
    main,
    make_clone,
    render_report,
    write_hostile_files,
)

FILES = {"pkg/__init__.py": b"VERSION = '1'\n", "pkg-1.0.dist-info/METADATA": b"Name: pkg\n"}


def make_wheel(path: Path, files=FILES, date=(1980, 1, 1, 0, 0, 0), mode=0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=date)
            info.external_attr = mode << 16
            archive.writestr(info, data)


def make_sdist(path: Path, mtime=315532800, gzip_mtime=0, order=None, uid=0) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in order or sorted(FILES):
            info = tarfile.TarInfo(f"pkg-1.0/{name}")
            info.size, info.mtime, info.uid = len(FILES[name]), mtime, uid
            archive.addfile(info, io.BytesIO(FILES[name]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as stream:
        with gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=gzip_mtime) as gz:
            gz.write(buffer.getvalue())


def two_trees(tmp_path: Path, build) -> tuple[Path, Path]:
    first, second = tmp_path / "a" / "dist", tmp_path / "b" / "dist"
    build(first, 0)
    build(second, 1)
    return first, second


def test_identical_trees_have_no_differences(tmp_path: Path) -> None:
    def build(dist: Path, _: int) -> None:
        make_wheel(dist / "pkg-1.0-py3-none-any.whl")
        make_sdist(dist / "pkg-1.0.tar.gz")
        (dist / "svc" / "app.pex").parent.mkdir(parents=True)
        (dist / "svc" / "app.pex").write_bytes(b"PK-not-really")

    first, second = two_trees(tmp_path, build)
    assert compare_trees(first, second) == []
    assert main(["--compare", str(first), str(second)]) == 0


@pytest.mark.parametrize(
    "build_first, build_second, expected",
    [
        pytest.param(
            lambda d: make_wheel(d / "x.whl"),
            lambda d: make_wheel(d / "x.whl", files={**FILES, "pkg/_built.py": b"AT = 1\n"}),
            "x.whl: differs — different members (pkg/_built.py): the file set depends on the host",
            id="extra-member",
        ),
        pytest.param(
            lambda d: make_wheel(d / "x.whl"),
            lambda d: make_wheel(d / "x.whl", date=(2026, 11, 22, 1, 2, 3)),
            "x.whl: differs — 2 member(s) differ in timestamps (pkg-1.0.dist-info/METADATA, "
            "pkg/__init__.py): set SOURCE_DATE_EPOCH / normalise mtimes",
            id="zip-timestamps",
        ),
        pytest.param(
            lambda d: make_wheel(d / "x.whl"),
            lambda d: make_wheel(d / "x.whl", mode=0o664),
            "x.whl: differs — 2 member(s) differ in permissions (pkg-1.0.dist-info/METADATA, "
            "pkg/__init__.py): umask leaks in: normalise modes",
            id="umask",
        ),
        pytest.param(
            lambda d: make_sdist(d / "x.tar.gz"),
            lambda d: make_sdist(d / "x.tar.gz", mtime=1700000000, gzip_mtime=1700000000),
            "x.tar.gz: differs — gzip header timestamps differ: write the gzip header with mtime "
            "0; 2 member(s) differ in timestamps (pkg-1.0/pkg-1.0.dist-info/METADATA, "
            "pkg-1.0/pkg/__init__.py): set SOURCE_DATE_EPOCH / normalise mtimes",
            id="sdist-timestamps",
        ),
        pytest.param(
            lambda d: make_sdist(d / "x.tar.gz"),
            lambda d: make_sdist(d / "x.tar.gz", order=sorted(FILES, reverse=True), uid=1000),
            "x.tar.gz: differs — same members in a different order: sort archive entries; "
            "2 member(s) differ in owners (pkg-1.0/pkg-1.0.dist-info/METADATA, "
            "pkg-1.0/pkg/__init__.py): set uid/gid 0 and empty owner names",
            id="sdist-order-and-owner",
        ),
        pytest.param(
            lambda d: (d / "notes.txt").write_text("built on host-a\n"),
            lambda d: (d / "notes.txt").write_text("built on host-b\n"),
            "notes.txt: differs — 16 vs 16 bytes; usual causes: timestamps",
            id="plain-file",
        ),
        pytest.param(
            lambda d: (d / "only.txt").write_text("x"),
            lambda d: None,
            "only.txt: only in first build — the set of outputs depends on the host",
            id="missing-output",
        ),
    ],
)
def test_each_difference_is_named_with_its_cause(
    tmp_path: Path, build_first, build_second, expected: str
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    build_first(first)
    build_second(second)
    lines = render_report(compare_trees(first, second), files_compared=1)
    assert lines[0].startswith(expected)
    assert lines[-1].startswith("1 of 1 output file(s) differ between the two clones")


def test_build_paths_inside_an_output_are_reported(tmp_path: Path) -> None:
    first, second = tmp_path / "clone-a" / "dist", tmp_path / "clone-b" / "dist"
    for dist in (first, second):
        make_wheel(dist / "x.whl", files={"pkg/where.py": f"ROOT = {str(dist)!r}\n".encode()})
    (difference,) = compare_trees(first, second, leaked_paths=[str(first), str(second)])
    assert difference.details[0] == f"contains the build path {str(first)!r}"
    assert "member(s) differ in content (pkg/where.py)" in difference.render()


def test_compare_cli_names_the_leaking_file(tmp_path: Path, capsys) -> None:
    def build(dist: Path, index: int) -> None:
        make_wheel(dist / "a-1.0-py3-none-any.whl")
        make_wheel(
            dist / "leaky-1.0-py3-none-any.whl",
            files={**FILES, "leaky/_build.py": f"BUILT_AT = {time.time() + index}\n".encode()},
        )

    first, second = two_trees(tmp_path, build)
    assert main(["--compare", str(first), str(second)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "leaky-1.0-py3-none-any.whl: differs — 1 member(s) differ in content (leaky/_build.py)"
    )
    assert out[-1] == (
        "hermeticity: reproducibility  FAIL  1 of 2 files under dist/ differ (listed above)"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--compare", "/nonexistent/a", "/nonexistent/b"], "is not a directory"),
        (["--repo", "/"], "is not a git clone with a ./pants launcher"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(argv, message: str, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_hostile_environment_is_hostile(tmp_path: Path) -> None:
    write_hostile_files(tmp_path)
    env = hostile_environment(
        {"PANTS_LOCAL_STORE_DIR": "/mine", "PATH": "/usr/bin"}, tmp_path, Path("/l"), "/pyenv"
    )
    assert env["PANTS_LOCAL_STORE_DIR"] == str(tmp_path / "pants-cache" / "lmdb_store")
    assert env["PIP_NO_INDEX"] == "1" and env["PATH"] == "/usr/bin"
    assert "no-index = true" in (tmp_path / "home" / ".config" / "pip" / "pip.conf").read_text()
    result = subprocess.run(
        [sys.executable, "-c", "import pytest"],
        env={"PYTHONPATH": env["PYTHONPATH"]},
        capture_output=True,
        text=True,
    )
    assert FAKE_PYTEST_MESSAGE in result.stderr


# A real run of both checks on a small git repository whose ./pants is a stand-in: the whole
# pipeline (clones, mtimes, umask, environment, caches, comparison) without Pants' cost.
FAKE_PANTS = """#!{python}
import os, sys, time, zipfile
goal = sys.argv[2]  # argv: --no-pantsd GOAL SPEC...
if goal == "test":
    if os.environ.get("FAKE_LEAK") == "pythonpath":
        import pytest  # the hostile PYTHONPATH's fake pytest raises here
    sys.exit(0)
os.makedirs("dist/lib", exist_ok=True)
with zipfile.ZipFile("dist/lib/lib-1.0-py3-none-any.whl", "w") as wheel:
    wheel.writestr(zipfile.ZipInfo("lib/__init__.py", (1980, 1, 1, 0, 0, 0)), "X = 1\\n")
    if os.environ.get("FAKE_LEAK") == "build-time":
        wheel.writestr(zipfile.ZipInfo("lib/_built.py", (1980, 1, 1, 0, 0, 0)),
                       "AT = %r\\n" % time.time_ns())
with zipfile.ZipFile("dist/app.pex", "w") as pex:
    pex.writestr(zipfile.ZipInfo("__main__.py", (1980, 1, 1, 0, 0, 0)), "print(1)\\n")
"""


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pants").write_text(FAKE_PANTS.format(python=sys.executable))
    (repo / "pants").chmod(0o755)
    (repo / "README").write_text("fixture\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run(
            ["git", "-c", "user.email=ci@pantry.invalid", "-c", "user.name=ci", *args],
            cwd=repo,
            check=True,
        )
    return repo


@pytest.mark.parametrize(
    "leak, check, expected_exit, expected_line",
    [
        ("", "reproducibility", 0, "PASS  2 files under dist/ identical (sha256)"),
        ("build-time", "reproducibility", 1, "FAIL  1 of 2 files under dist/ differ"),
        ("", "hostile-host", 0, "PASS  ./pants test :: green"),
        ("pythonpath", "hostile-host", 1, "(the fake pytest on PYTHONPATH was imported)"),
    ],
)
def test_real_checks_on_a_fixture_repo(
    fake_repo: Path, tmp_path: Path, monkeypatch, capsys, leak, check, expected_exit, expected_line
) -> None:
    monkeypatch.setenv("FAKE_LEAK", leak)
    work = tmp_path / "work"
    argv = ["--repo", str(fake_repo), "--workdir", str(work), "--check", check]
    assert main(argv) == expected_exit
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith(f"hermeticity: {check:<16} ") and expected_line in out[-1]
    if leak == "build-time":
        assert out[0].startswith(
            "lib/lib-1.0-py3-none-any.whl: differs — 1 member(s) differ in content "
            "(lib/_built.py)"
        )
    if check == "reproducibility":  # the two clones really were different hosts
        first, second = (
            work / name / "README" for name in ("first", "second-clone-at-a-longer-path")
        )
        assert os.stat(first).st_mtime != os.stat(second).st_mtime


@pytest.mark.parametrize("committed_only, expected", [(False, "edited\n"), (True, "fixture\n")])
def test_clones_carry_the_working_tree_unless_committed_only(
    fake_repo: Path, tmp_path: Path, committed_only: bool, expected: str
) -> None:
    (fake_repo / "README").write_text("edited\n")
    (fake_repo / "new.txt").write_text("untracked\n")
    make_clone(fake_repo, tmp_path / "clone", committed_only)
    assert (tmp_path / "clone" / "README").read_text() == expected
    assert (tmp_path / "clone" / "new.txt").exists() is not committed_only


def test_archives_are_recognised_by_content_not_name(tmp_path: Path) -> None:
    # OCI layouts name layers by digest: blobs/sha256/<hex>, no extension.
    first, second = tmp_path / "a", tmp_path / "b"
    make_sdist(first / "blobs" / "sha256" / "layer")
    make_sdist(second / "blobs" / "sha256" / "layer", gzip_mtime=1700000000)
    (difference,) = compare_trees(first, second)
    assert difference.details == (
        "gzip header timestamps differ: write the gzip header with mtime 0",
    )
