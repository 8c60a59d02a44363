from __future__ import annotations

import dataclasses

import pytest
from pantry.ide.venv_state import ExportRecord, VenvFacts, stale_reason

RECORD = ExportRecord(
    resolve="python-default",
    lockfile="3rdparty/python/default.lock",
    lockfile_sha256="a" * 64,
    interpreter_constraints=("CPython==3.11.*",),
    python_version="3.11.7",
)
HEALTHY = VenvFacts(
    exists=True, record_text=RECORD.render(), interpreter_exists=True, site_packages_exists=True
)


def test_record_round_trips() -> None:
    assert ExportRecord.parse(RECORD.render()) == RECORD


@pytest.mark.parametrize(
    "text", ["", "not json", "[]", '{"format": 1}', '{"format": 99, "resolve": "x"}']
)
def test_unreadable_records_are_none(text: str) -> None:
    assert ExportRecord.parse(text) is None


def test_a_healthy_venv_from_the_same_inputs_is_up_to_date() -> None:
    assert stale_reason(RECORD, HEALTHY) is None


@pytest.mark.parametrize(
    "facts, expected, reason",
    [
        (
            dataclasses.replace(HEALTHY, exists=False),
            RECORD,
            "not exported yet",
        ),
        (
            dataclasses.replace(HEALTHY, record_text=None),
            RECORD,
            "no record of a complete `./pants ide` export in it"
            " (interrupted, or rewritten by `./pants export`)",
        ),
        (
            HEALTHY,
            dataclasses.replace(RECORD, lockfile_sha256="b" * 64),
            "3rdparty/python/default.lock changed since it was exported",
        ),
        (
            HEALTHY,
            dataclasses.replace(RECORD, interpreter_constraints=("CPython==3.12.*",)),
            "its interpreter constraints changed",
        ),
        (
            HEALTHY,
            dataclasses.replace(RECORD, python_version="3.11.8"),
            "it was exported from different inputs",
        ),
        (
            dataclasses.replace(HEALTHY, interpreter_exists=False),
            RECORD,
            "its interpreter (bin/python) is missing or broken",
        ),
        (
            dataclasses.replace(HEALTHY, site_packages_exists=False),
            RECORD,
            "its site-packages directory is missing",
        ),
    ],
)
def test_stale_venvs_say_why(facts: VenvFacts, expected: ExportRecord, reason: str) -> None:
    assert stale_reason(expected, facts) == reason
