"""`main` on bad input and on plans that must write nothing (no ./pants runs here)."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest
from adopt import main as main_module
from adopt.main import main

REPO_FILES = {
    ".gitignore": "/.pants.d/\n",  # as ours: Pants' workdir, where adopt logs its ./pants runs
    "3rdparty/python/runtime.txt": "packaging>=23\n",
    "3rdparty/python/test.txt": "pytest>=8,<9\n",
    "3rdparty/python/tools.txt": "black>=24\n",
    "libs/shared/taken/BUILD": "",
    "pants.toml": '[source]\nroot_patterns = [\n  "/libs/internal/*",\n]\n',
}
PROJECT = {
    "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["packaging<20"]\n'
    ),
    "demo/__init__.py": "",
    "tests/test_demo.py": "def test_it():\n    pass\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """The repository's files, but for .pants.d/ (ignored; adopt logs its ./pants runs there)."""
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return {path: text for path, text in files.items() if not path.startswith(".pants.d/")}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write(tmp_path / "repo", REPO_FILES)


def adopt(repo: Path, *args: str) -> int:
    return main([*args, "--repo", str(repo)])


@pytest.mark.parametrize(
    "dest, message",
    [
        ("apps/x", "adopt: error: unknown TREE 'apps' in --as 'apps/x'; use one of services/NAME"),
        ("x", "adopt: error: unknown TREE 'x' in --as 'x'"),
        ("libs/shared/Bad_Name", "adopt: error: NAME 'Bad_Name' in --as 'libs/shared/Bad_Name' is"),
        ("libs/shared/taken", "adopt: error: libs/shared/taken already exists; adopt never"),
    ],
)
def test_bad_destination(repo: Path, tmp_path: Path, capsys, dest: str, message: str) -> None:
    source = write(tmp_path / "project", PROJECT)
    before = snapshot(repo)
    assert adopt(repo, str(source), "--as", dest) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "Traceback" not in err
    assert err.count("adopt: error:") == 1
    assert snapshot(repo) == before


def test_missing_and_unreadable_sources(repo: Path, tmp_path: Path, capsys) -> None:
    assert adopt(repo, str(tmp_path / "nowhere"), "--as", "libs/shared/x") == 2
    assert "SOURCE '" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("hi")
    assert adopt(repo, str(tmp_path / "notes.txt"), "--as", "libs/shared/x") == 2
    assert "is a file but not an sdist" in capsys.readouterr().err
    (tmp_path / "broken.tar.gz").write_bytes(b"not gzip")
    assert adopt(repo, str(tmp_path / "broken.tar.gz"), "--as", "libs/shared/x") == 2
    err = capsys.readouterr().err
    assert "cannot read sdist" in err and "Traceback" not in err
    assert not (repo / "libs/shared/x").exists()


def test_unsafe_sdist_is_refused(repo: Path, tmp_path: Path, capsys) -> None:
    evil = tmp_path / "evil-1.0.tar.gz"
    payload = write(tmp_path / "payload", {"x.py": ""}) / "x.py"
    with tarfile.open(evil, "w:gz") as tf:
        tf.add(payload, arcname="../../x.py")
    assert adopt(repo, str(evil), "--as", "libs/shared/evil") == 2
    assert "unsafe member path '../../x.py'" in capsys.readouterr().err


def test_no_code_is_a_usage_error(repo: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path / "docs-only", {"README.md": "hi\n"})
    assert adopt(repo, str(source), "--as", "libs/internal/docs") == 2
    assert "no Python code found" in capsys.readouterr().err


def test_conflicting_pin_writes_nothing(repo: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path / "project", PROJECT)
    before = snapshot(repo)
    assert adopt(repo, str(source), "--as", "libs/internal/demo") == 1
    out, err = capsys.readouterr()
    assert (
        "    packaging: adoptee wants packaging<20 (pyproject.toml [project].dependencies); we "
        "have packaging>=23 (3rdparty/python/runtime.txt:1), not locked — the specifiers are "
        "disjoint"
    ) in out
    assert "adopt: error: 1 requirement conflict(s)" in err and "nothing was written" in err
    assert snapshot(repo) == before


def test_dry_run_writes_nothing(repo: Path, tmp_path: Path, capsys) -> None:
    source = write(
        tmp_path / "project",
        {**PROJECT, "pyproject.toml": PROJECT["pyproject.toml"].replace("<20", ">=20")},
    )
    before = snapshot(repo)
    assert adopt(repo, str(source), "--as", "libs/internal/demo", "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith("would adopt demo 0.1 into libs/internal/demo (from directory ")
    assert "requirements already provided: packaging>=20 by 3rdparty/python/runtime.txt:1" in out
    assert "run its tests: ./pants test libs/internal/demo::" in out
    assert snapshot(repo) == before


def test_git_source_needs_a_clean_working_tree(repo: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path / "project", PROJECT)
    for where in (repo, source):
        subprocess.run(["git", "init", "-q", str(where)], check=True)
        subprocess.run(["git", "-C", str(where), "add", "-A"], check=True)
    assert adopt(repo, str(source), "--as", "libs/internal/demo") == 2
    assert "uncommitted changes" in capsys.readouterr().err


def test_help_exits_zero(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "usage: build-support/bin/adopt [-h] --as TREE/NAME [--require REQUIREMENT]"
    )
    assert "exit status: 0 adopted" in out


def test_unreachable_git_url_is_one_line(repo: Path, capsys) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    url = "file:///nonexistent/pantry-adopt-test.git"
    assert adopt(repo, url, "--as", "services/gone") == 2
    err = capsys.readouterr().err
    (error,) = [line for line in err.splitlines() if line.startswith("adopt: error:")]
    assert error.startswith(f"adopt: error: git clone --quiet {url} ")
    assert error.endswith(
        "failed: fatal: '/nonexistent/pantry-adopt-test.git' does not appear to be a git repository"
    )
    assert "Traceback" not in err


def failing_pants(fail_on: str):
    calls = []

    def pants(repo: Path, *args: str, progress=None, daemon=False) -> str:
        calls.append(args)
        if fail_on in args:
            raise main_module.StepError(f"./pants {' '.join(args)} failed:\nboom")
        return ""

    return pants, calls


def commit_all(where: Path, message: str) -> None:
    identity = ["-c", "user.name=T", "-c", "user.email=t@pantry.invalid"]
    subprocess.run(["git", "-C", str(where), "add", "-A"], check=True)
    subprocess.run(["git", *identity, "-C", str(where), "commit", "-qm", message], check=True)


def test_a_failed_relock_rolls_everything_back(repo, tmp_path, capsys, monkeypatch) -> None:
    source = write(tmp_path / "project", {**PROJECT, "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["attrs>=22"]\n')})  # fmt: skip
    pants, calls = failing_pants("lock-sync")
    monkeypatch.setattr(main_module, "pants", pants)
    before = snapshot(repo)
    assert adopt(repo, str(source), "--as", "libs/internal/demo") == 1
    err = capsys.readouterr().err
    assert "adopt: failed; rolling back" in err
    assert "adopt: [3/5] relocking 3rdparty/python/default.lock: only the new requirements" in err
    assert "adopt: error: ./pants lock-sync failed:" in err
    assert calls[-1] == ("lock-sync",)  # after the pruned index, the full one: both fail
    assert snapshot(repo) == before  # runtime.txt restored, no libs/internal/demo


def test_a_failed_git_adoption_resets_the_branch(repo, tmp_path, capsys, monkeypatch) -> None:
    upstream = write(tmp_path / "project", {**PROJECT, "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "0.1"\n')})  # fmt: skip
    for where in (repo, upstream):
        subprocess.run(["git", "init", "-q", str(where)], check=True)
        commit_all(where, "start")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    pants, _ = failing_pants("tailor")
    monkeypatch.setattr(main_module, "pants", pants)
    for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(variable, "T")
    for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(variable, "t@pantry.invalid")
    assert adopt(repo, str(upstream), "--as", "libs/internal/demo") == 1
    err = capsys.readouterr().err
    assert (
        "tailor update-build-files dependencies import-rules-baseline libs/internal/demo:: "
        "failed" in err
    )
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "-uall"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    after = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                           text=True, check=True).stdout  # fmt: skip
    assert (status, after) == ("", head)
    assert not (repo / "libs/internal/demo").exists()
    refs = subprocess.run(["git", "-C", str(repo), "for-each-ref", "refs/adopt/"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert refs == ""


def test_an_import_name_we_already_own_is_refused(repo: Path, tmp_path: Path, capsys) -> None:
    write(repo, {"libs/internal/other/src/demo/__init__.py": ""})
    source = write(tmp_path / "project", PROJECT)
    assert adopt(repo, str(source), "--as", "libs/internal/demo2", "--dry-run") == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "adopt: error: the project's top-level import names are already taken: 'demo' (owned "
        "by libs/internal/other); one import name can have one owner in the monorepo: rename "
        "the package upstream or adopt it as the existing project"
    )


def test_dry_run_of_a_git_source_needs_no_clean_tree(repo: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path / "project", {**PROJECT, "pyproject.toml": "[project]\nname='demo'\n"})
    for where in (repo, source):
        subprocess.run(["git", "init", "-q", str(where)], check=True)
        subprocess.run(["git", "-C", str(where), "add", "-A"], check=True)
    commit_all(source, "start")
    assert adopt(repo, str(source), "--as", "libs/internal/demo", "--dry-run") == 0
    assert capsys.readouterr().out.startswith("would adopt demo into libs/internal/demo (from git")


def test_every_source_needs_its_own_destination(repo: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path / "project", PROJECT)
    with pytest.raises(SystemExit) as exit_info:
        adopt(repo, str(source), str(source), "--as", "libs/internal/a")
    assert exit_info.value.code == 2
    assert "2 SOURCE(s) but 1 --as: give each SOURCE its own --as TREE/NAME" in (
        capsys.readouterr().err
    )


def test_two_projects_are_planned_together(repo: Path, tmp_path: Path, capsys) -> None:
    """The second sees the first's additions as ours: a disjoint pin between them is a
    conflict found before anything is written."""
    first = write(tmp_path / "one", {"one.py": "import attr\n", "requirements.txt": "attrs>=23\n"})
    second = write(tmp_path / "two", {"two.py": "", "requirements.txt": "attrs<22\n"})
    before = snapshot(repo)
    code = adopt(repo, str(first), "--as", "services/one", str(second), "--as", "services/two")
    captured = capsys.readouterr()
    assert code == 1
    assert (
        "attrs: adoptee wants attrs<22 (requirements.txt); we have attrs>=23 (adopted with "
        "services/one), not locked — the specifiers are disjoint" in captured.out
    )
    assert "nothing was written" in captured.err
    assert snapshot(repo) == before


def test_compiled_requirements_and_a_transitive_import(repo: Path, tmp_path: Path, capsys) -> None:
    """requirements.in + hashed requirements.txt: the .in gives the requirements, the pins are
    preferences, and a module imported but only pinned transitively becomes a requirement."""
    source = write(
        tmp_path / "svc",
        {
            "svc/__init__.py": "import botocore.config\nimport aiobotocore\n",
            "requirements.in": "aiobotocore\npackaging\n",
            "requirements.txt": COMPILED,
        },
    )
    assert adopt(repo, str(source), "--as", "services/svc", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "requirements added: 3rdparty/python/runtime.txt: aiobotocore, botocore\n" in out
    assert (
        "    botocore: imported (src/svc/__init__.py:1) but upstream only gets it via "
        "aiobotocore; added so the import has an owner\n"
    ) in out
    assert "requirements already provided: packaging by 3rdparty/python/runtime.txt:1" in out
    assert "upstream's pins: 3 read as preferences, not requirements" in out
    assert "skipped" not in out


COMPILED = """\
#
# This file is autogenerated by pip-compile with Python 3.12
#
aiobotocore==2.13.0 \\
    --hash=sha256:00 \\
    --hash=sha256:11
    # via -r requirements.in
botocore==1.34.106 \\
    --hash=sha256:22
    # via aiobotocore
packaging==21.3 \\
    --hash=sha256:33
    # via
    #   -r requirements.in
    #   botocore
"""


def test_a_pytest_plugin_the_tests_need_is_a_dependency_of_them(repo, tmp_path, capsys) -> None:
    """pytest-asyncio is never imported; without an explicit dependency it would not be in the
    test environment ("async def functions are not natively supported")."""
    source = write(
        tmp_path / "svc",
        {
            "svc/__init__.py": "",
            "tests/test_svc.py": "async def test_it():\n    pass\n",
            "tox.ini": "[testenv]\ndeps =\n    pytest\n    pytest-asyncio\n    pytest-cov\n",
        },
    )
    assert adopt(repo, str(source), "--as", "services/svc", "--dry-run") == 0
    plan = main_module.make_plan(repo, str(source), "services", "svc", tmp_path / "scratch")
    assert 'dependencies=["3rdparty/python:test#pytest-asyncio"]' in plan.builds["tests/BUILD"]


GOOGLE_COMPILED = """\
google-api-core==2.30.0 \\
    --hash=sha256:00
    # via google-cloud-bigquery
google-cloud-bigquery==3.43.0 \\
    --hash=sha256:11
    # via -r requirements.in
"""


def test_a_namespace_module_gets_its_requirement_and_a_module_mapping(
    repo, tmp_path, capsys, monkeypatch
) -> None:
    """linehaul imports google.api_core, which upstream gets via google-cloud-bigquery: the
    same top-level `google`, another distribution, one Pants' default mapping does not know."""
    write(
        repo,
        {"3rdparty/python/BUILD": 'python_requirements(name="runtime", source="runtime.txt")\n'},
    )
    svc = write(tmp_path / "svc", {
        "svc/__init__.py": "from google.cloud import bigquery\nfrom google.api_core import retry\n",
        "requirements.in": "google-cloud-bigquery\n",
        "requirements.txt": GOOGLE_COMPILED,
    })  # fmt: skip
    other = write(tmp_path / "other", {"other/__init__.py": "import packaging\n"})
    pants, _ = failing_pants("never")
    monkeypatch.setattr(main_module, "pants", pants)
    args = [str(svc), "--as", "services/svc", str(other), "--as", "services/other"]
    assert adopt(repo, *args) == 0
    out = capsys.readouterr().out
    assert "runtime.txt: google-cloud-bigquery, google-api-core\n" in out
    mapped = (
        "  modules Pants' default mapping does not know, now mapped: google.api_core "
        "(google-api-core, 3rdparty/python/BUILD)\n"
    )
    assert out.count(mapped) == 1 and out.index(mapped) < out.index("adopted other")
    # One relock for both: its line is said once, after both projects, as are the runs.
    assert out.count("\nlock: ") == 1 and out.index("\nlock: ") > out.index("adopted other")
    runs = out[out.index("./pants runs (") :].splitlines()[0]
    assert runs.startswith("./pants runs (2): lock-sync 0.0 s, export-constraints tailor ")
    assert (
        '        "google-api-core": ["google.api_core"],\n'
        in (repo / "3rdparty/python/BUILD").read_text()
    )


def test_tailor_changes_are_told_apart_from_update_build_files() -> None:
    output = (
        "Created services/x/src/x/BUILD:\n  - Add python_sources target x\n"
        "Updated services/x/BUILD:\n  - Format with Black\n"
        "Updated services/x/tests/BUILD:\n  - Add python_tests target tests\n"
        "  - Add python_test_utils target test_utils\n"
        "services/x/src/x/a.py:x\n"
    )
    assert main_module.tailor_changes(output) == [
        "Created services/x/src/x/BUILD: Add python_sources target x",
        "Updated services/x/tests/BUILD: Add python_tests target tests; "
        "Add python_test_utils target test_utils",
    ]
    assert main_module.tailor_changes("Updated BUILD:\n  - Format with Black\n") == []
    coloured = "Created \x1b[34mx/BUILD\x1b[0m:\n  - Add \x1b[32mpython_sources\x1b[0m target x\n"
    assert main_module.tailor_changes(coloured) == ["Created x/BUILD: Add python_sources target x"]


def test_pants_passes_each_line_on_as_it_comes_and_fails_in_one_message(tmp_path: Path) -> None:
    launcher = write(tmp_path, {"pants": (
        '#!/bin/sh\necho "Resolve 1 of the new requirements: in conflict, 1.0 s." >&2\n'
        'echo "out $*"\n[ "$3" = ok ] || { echo "12:00 [ERROR] it broke" >&2; exit 1; }\n'
    )}) / "pants"  # fmt: skip
    launcher.chmod(0o755)
    seen: list[str] = []
    output = main_module.pants(tmp_path, "ok", progress=seen.append)
    assert seen == [
        "Resolve 1 of the new requirements: in conflict, 1.0 s.",
        "out --no-pantsd --no-watch-filesystem ok",
    ]
    assert output.endswith("out --no-pantsd --no-watch-filesystem ok\n")
    with pytest.raises(main_module.StepError) as error:
        main_module.pants(tmp_path, "lock-sync")
    assert str(error.value).startswith("./pants lock-sync failed:\n12:00 [ERROR] it broke\n")


def test_sigterm_rolls_back_as_ctrl_c_does(repo, tmp_path, capsys, monkeypatch) -> None:
    """A test's or CI job's timeout sends SIGTERM: the adoption is undone, not left half done
    (with its pantsd running)."""
    import os
    import signal

    source = write(tmp_path / "project", {**PROJECT, "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "0.1"\ndependencies = ["attrs>=22"]\n')})  # fmt: skip

    def terminated(repo: Path, *args: str, progress=None, daemon=False) -> str:
        os.kill(os.getpid(), signal.SIGTERM)
        return ""

    monkeypatch.setattr(main_module, "pants", terminated)
    before = snapshot(repo)
    handler = signal.getsignal(signal.SIGTERM)
    assert adopt(repo, str(source), "--as", "libs/internal/demo") == 1
    assert "adopt: interrupted; rolled back" in capsys.readouterr().err
    assert snapshot(repo) == before
    assert signal.getsignal(signal.SIGTERM) == handler  # restored for the caller
