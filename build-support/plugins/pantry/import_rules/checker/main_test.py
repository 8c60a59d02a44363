from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pantry.import_rules.baseline import HEADER
from pantry.import_rules.checker.main import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, main

RULES = """
[trees]
service = ["services/*"]

[[rules]]
id = 1
text = "nothing may import a service other than itself"
tree = "service"
may-be-imported-by = ["itself"]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files = {
        "rules.toml": RULES,
        "services/a/src/a_app.py": "import b_app\nimport b_app  # twice: one baseline entry\n",
        "services/b/src/b_app.py": "",
    }
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    return tmp_path


def _main(repo: Path, **request: object) -> tuple[int, str, str]:
    data = {
        "version": 1,
        "rules_file": "rules.toml",
        "python_files": [
            {"path": "services/a/src/a_app.py", "source_root": "services/a/src"},
            {"path": "services/b/src/b_app.py", "source_root": "services/b/src"},
        ],
        **request,
    }
    (repo / "request.json").write_text(json.dumps(data))
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main([str(repo / "request.json"), "--build-root", str(repo)], stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def test_exit_codes(repo: Path) -> None:
    assert _main(repo)[0] == EXIT_VIOLATIONS
    (repo / "services/a/src/a_app.py").write_text("import os\n")
    assert _main(repo) == (EXIT_OK, "0 violations in 2 files checked.\n", "")
    assert _main(repo, version=0)[0] == EXIT_BAD_INPUT


def test_write_baseline_creates_directories_and_dedupes(repo: Path) -> None:
    code, stdout, stderr = _main(repo, write_baseline="new/dir/baseline.txt")
    assert (code, stdout, stderr) == (
        EXIT_OK,
        "Wrote 1 baseline entry to new/dir/baseline.txt.\n",
        "",
    )
    written = (repo / "new/dir/baseline.txt").read_text()
    assert written == HEADER + "services/a/src/a_app.py: a_app imports b_app\n"
    assert not (repo / "new/dir/baseline.txt.tmp").exists()

    code, stdout, _ = _main(repo, baseline_file="new/dir/baseline.txt")
    assert (code, stdout) == (
        EXIT_OK,
        "0 violations in 2 files checked (2 more accepted by new/dir/baseline.txt).\n",
    )


def test_write_baseline_replaces_the_file_and_keeps_what_it_cannot_judge(repo: Path) -> None:
    """A rewrite replaces the file (never writes through a link to it), drops stale entries
    of the files it checked, and keeps those of files it did not check."""
    original = repo / "shared-original.txt"
    original.write_text(
        "services/a/src/a_app.py: a_app imports gone\n"  # checked here: dropped
        "services/z/src/z.py: z imports b_app\n"  # not checked here: kept
    )
    (repo / "baseline.txt").symlink_to(original)
    code, stdout, _ = _main(repo, write_baseline="baseline.txt", baseline_file="baseline.txt")
    assert (code, stdout) == (
        EXIT_OK,
        "Wrote 2 baseline entries to baseline.txt (1 kept as they were: about files this run "
        "did not check).\n",
    )
    assert not (repo / "baseline.txt").is_symlink()
    assert (repo / "baseline.txt").read_text() == HEADER + (
        "services/a/src/a_app.py: a_app imports b_app\nservices/z/src/z.py: z imports b_app\n"
    )
    assert original.read_text().startswith("services/a/src/a_app.py: a_app imports gone\n")

    # Checking the whole repository, every entry is judged: the other file's is dropped.
    code, stdout, _ = _main(repo, write_baseline="baseline.txt", whole_repository=True)
    assert (code, stdout) == (EXIT_OK, "Wrote 1 baseline entry to baseline.txt.\n")


def test_stale_entries_fail_with_the_entry_and_the_fix(repo: Path) -> None:
    (repo / "baseline.txt").write_text(
        "# accepted\n"
        "services/a/src/a_app.py: a_app imports b_app\n"
        "services/a/src/a_app.py: a_app imports b_models\n"
    )
    code, stdout, _ = _main(repo, baseline_file="baseline.txt")
    assert (code, stdout.splitlines()) == (
        EXIT_VIOLATIONS,
        [
            "baseline.txt:3: stale baseline entry, no longer found: services/a/src/a_app.py: "
            "a_app imports b_models — delete the line, or regenerate the baseline with "
            "./pants import-rules-baseline ::",
            "0 violations in 2 files checked (2 more accepted by baseline.txt); "
            "1 stale baseline entry.",
        ],
    )


def test_write_baseline_refuses_when_a_file_does_not_parse(repo: Path) -> None:
    (repo / "baseline.txt").write_text("kept: as it was\n")
    (repo / "services/b/src/b_app.py").write_text("def (:\n")
    code, stdout, _ = _main(repo, write_baseline="baseline.txt")
    assert code == EXIT_VIOLATIONS
    lines = stdout.splitlines()
    assert lines[0].startswith("services/b/src/b_app.py:1: cannot check imports: ")
    assert lines[1:] == [
        "baseline.txt not written: 1 file could not be parsed, so their problems are unknown. "
        "Fix the syntax, then regenerate."
    ]
    assert (repo / "baseline.txt").read_text() == "kept: as it was\n"
