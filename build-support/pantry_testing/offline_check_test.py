from __future__ import annotations

from pantry_testing.offline_check import pants_global_flags, parse_args, summarize

LOG = """\
00:01:02.03 [INFO] Completed: Run Pytest - a/ok_test.py:tests - succeeded.
00:01:03.03 [ERROR] Completed: Run Pytest - oci/image_test.py:tests - failed (exit code 1).
E   offline: cannot fetch libc6: apt-get download failed
00:01:04.03 [ERROR] Completed: Run Pytest - a/bad_test.py:tests - failed (exit code 1).
E   assert 1 == 2
00:01:05.03 [INFO] Completed: Run Pytest - ide/ide_test.py:tests - failed (exit code 1).
E   cannot install pyright from the npm registry

✓ a/ok_test.py:tests succeeded in 1.00s.
✕ a/bad_test.py:tests failed in 2.00s.
✕ ide/ide_test.py:tests failed in 2.00s.
✕ oci/image_test.py:tests failed in 3.00s.
"""


def test_summary_counts_and_tells_outside_fetches_apart() -> None:
    summary = summarize(LOG)
    assert summary.passed == ["a/ok_test.py:tests"]
    assert summary.failed == [
        "a/bad_test.py:tests",
        "ide/ide_test.py:tests",
        "oci/image_test.py:tests",
    ]
    assert summary.outside == {"oci/image_test.py:tests": "apt-get", "ide/ide_test.py:tests": "npm"}
    assert summary.stopped is None
    assert summary.render().splitlines() == [
        "offline-check: 1 passed, 3 failed "
        "(2 need Debian's mirror or the npm registry), 0 skipped.",
        "  failed a/bad_test.py:tests",
        "  failed ide/ide_test.py:tests  [outside: 'npm']",
        "  failed oci/image_test.py:tests  [outside: 'apt-get']",
    ]


def test_a_run_that_stopped_before_its_summary_shows_the_last_error() -> None:
    log = (
        "00:01:01.03 [INFO] Completed: Run Pytest - a/ok_test.py:tests - succeeded.\n"
        "00:01:02.03 [ERROR] Completed: Run Pytest - a/bad_test.py:tests - failed (exit code 1).\n"
        "00:01:03.03 [ERROR] 1 Exception encountered:\n  boom\n"
    )
    summary = summarize(log)
    assert (summary.passed, summary.failed) == (["a/ok_test.py:tests"], ["a/bad_test.py:tests"])
    assert summary.stopped == "00:01:03.03 [ERROR] 1 Exception encountered:\n  boom"
    assert "the run stopped before its summary:\n" in summary.render()
    stopped_by_apt = summarize(log.replace("boom", "`apt-get download libc6` failed"))
    assert "the run stopped before its summary [outside: 'apt-get']:" in stopped_by_apt.render()


def test_specs_default_to_everything_and_take_pants_flags_after_a_double_dash() -> None:
    assert parse_args([]).specs == ["::"]
    assert parse_args(["--keep", "--", "--test-force", "src::"]).specs == ["--test-force", "src::"]


def test_targets_tagged_outside_are_left_out_unless_asked_for() -> None:
    assert pants_global_flags(parse_args([])) == ["--tag=-outside"]
    assert pants_global_flags(parse_args(["--with-outside", "--", "src::"])) == []
