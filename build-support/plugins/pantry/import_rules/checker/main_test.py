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
        "Wrote 1 accepted violation to new/dir/baseline.txt.\n",
        "",
    )
    written = (repo / "new/dir/baseline.txt").read_text()
    assert written == HEADER + "services/a/src/a_app.py: a_app imports b_app\n"

    code, stdout, _ = _main(repo, baseline_file="new/dir/baseline.txt")
    assert (code, stdout) == (
        EXIT_OK,
        "0 violations in 2 files checked (2 more accepted by new/dir/baseline.txt).\n",
    )


def test_write_baseline_still_fails_on_unparsable_files(repo: Path) -> None:
    (repo / "services/b/src/b_app.py").write_text("def (:\n")
    code, stdout, _ = _main(repo, write_baseline="baseline.txt")
    assert code == EXIT_VIOLATIONS
    assert stdout.splitlines()[0].startswith("services/b/src/b_app.py:1: cannot check imports: ")
    assert stdout.splitlines()[1] == "Wrote 1 accepted violation to baseline.txt."
