"""What `lock-sync` asks pex to change, from the inputs declared now and the lock's."""

from __future__ import annotations

import json

import pytest
from pantry.lockfile.goals.lock_sync import (
    DependentBreaksError,
    LockMergeError,
    SyncArgs,
    conflicting_constraints,
    constraints_text,
    demanded_specifiers,
    dependents_to_release,
    lock_sync,
    merge_lock_bodies,
    specifiers_overlap,
    sync_args,
)
from pantry.lockfile.util_rules.pex_lock_update import PexLockUpdate, PexLockUpdateRequest
from pants.backend.python.util_rules.pex_cli import PexCliProcess
from pants.engine.process import FallibleProcessResult


def test_new_changed_and_removed_inputs() -> None:
    args = sync_args(
        declared=["aiobotocore", "packaging<25,>=23", "pytest<9,>=8"],
        locked=["packaging>=23", "pytest<9,>=8", "six"],
    )
    assert args == SyncArgs(add=("aiobotocore",), replace=("packaging<25,>=23",), delete=("six",))
    assert args.pex_args() == (
        "--project=aiobotocore",
        "--replace-project=packaging<25,>=23",
        "--delete-project=six",
    )
    assert args.describe() == "add aiobotocore; replace packaging<25,>=23; delete six"


def test_nothing_changed_means_nothing_to_do() -> None:
    args = sync_args(['tomli>=2; python_version < "3.11"'], ['tomli>=2; python_version < "3.11"'])
    assert args.pex_args() == ()


def _lock(requirements: list[str], projects: dict[str, str]) -> str:
    return json.dumps(
        {
            "constraints": [],
            "locked_resolves": [
                {
                    "locked_requirements": [
                        {"project_name": name, "version": version, "artifacts": []}
                        for name, version in projects.items()
                    ],
                    "platform_tag": None,
                }
            ],
            "requirements": requirements,
            "style": "universal",
        },
        indent=2,
        sort_keys=True,
    )


def test_merge_adds_the_new_projects_and_keeps_every_pin() -> None:
    old = _lock(["pytest<9,>=8", "requests>=2"], {"pytest": "8.4.2", "requests": "2.32.5"})
    new = _lock(["pytest-asyncio"], {"pytest": "8.4.2", "pytest-asyncio": "1.2.0"})
    merged = json.loads(merge_lock_bodies(old, new))
    assert merged["requirements"] == ["pytest-asyncio", "pytest<9,>=8", "requests>=2"]
    assert merged["constraints"] == []  # the pins we resolved with are not the lock's
    assert [
        (p["project_name"], p["version"])
        for p in merged["locked_resolves"][0]["locked_requirements"]
    ] == [("pytest", "8.4.2"), ("pytest-asyncio", "1.2.0"), ("requests", "2.32.5")]


def test_merge_refuses_two_versions_of_one_project() -> None:
    old = _lock(["pytest"], {"pytest": "8.4.2"})
    new = _lock(["x"], {"pytest": "9.0.0", "x": "1"})
    with pytest.raises(LockMergeError, match="pytest is locked at 8.4.2 but the new requirements"):
        merge_lock_bodies(old, new)


def test_constraints_pin_every_locked_project() -> None:
    assert constraints_text({"requests": "2.32.5", "idna": "3.20"}) == (
        "idna==3.20\nrequests==2.32.5\n"
    )


PIP_CONFLICT = """\
pip: ERROR: Cannot install aiobotocore==2.25.0 and botocore==1.40.49 because these package \
versions have conflicting dependencies.
pip: The conflict is caused by:
pip:     botocore 1.40.49 depends on urllib3<1.27 and >=1.25.4; python_version < "3.10"
pip:     The user requested (constraint) urllib3==2.6.3
"""


def test_conflicting_constraints_are_read_from_pips_message() -> None:
    assert conflicting_constraints(PIP_CONFLICT) == {"urllib3"}
    assert conflicting_constraints("No matching distribution found for x") == set()


PIP_CONFLICT_TWO_SIDES = """\
pip: The conflict is caused by:
pip:     botocore 1.42.91 depends on urllib3!=2.2.0, <3 and >=1.25.4; python_version >= "3.10"
pip:     botocore 1.42.91 depends on urllib3<1.27 and >=1.25.4; python_version < "3.10"
pip:     requests 2.32.5 depends on urllib3[socks]<3,>=1.21.1
pip:     The user requested (constraint) urllib3==2.6.3
"""


def test_what_the_new_requirements_need_is_read_from_pips_message() -> None:
    assert demanded_specifiers(PIP_CONFLICT) == {"urllib3": {"<1.27,>=1.25.4"}}
    assert demanded_specifiers(PIP_CONFLICT_TWO_SIDES) == {
        "urllib3": {"!=2.2.0,<3,>=1.25.4", "<1.27,>=1.25.4", "<3,>=1.21.1"}
    }
    assert demanded_specifiers("No matching distribution found for x") == {}


@pytest.mark.parametrize(
    "first, second, overlap",
    [
        ("<3,>=2", "<1.27,>=1.25.4", False),
        ("<3,>=2", "!=2.2.0,<3,>=1.25.4", True),
        (">1.0", "<1.0.1", True),
        (">=1.0", "<1.0", False),
        ("==1.2.*", ">=1.2.5", True),
        ("==1.2.*", ">=1.3", False),
        ("", "<1", True),
        ("~=2.0", "<2", False),
    ],
)
def test_specifiers_overlap(first: str, second: str, overlap: bool) -> None:
    assert specifiers_overlap(first, second) is overlap
    assert specifiers_overlap(second, first) is overlap


def test_dependents_that_must_move_are_released_with_the_conflict() -> None:
    """conveyor: botocore needs urllib3<1.27 on 3.9; id 1.6.1 requires urllib3>=2, so id moves
    in the same resolve as urllib3 (one resolve fewer); requests accepts 1.26 and stays."""
    projects = [
        {"project_name": "id", "version": "1.6.1", "requires_dists": ["urllib3<3,>=2"]},
        {"project_name": "requests", "version": "2.32.5", "requires_dists": ["urllib3<3,>=1.21"]},
        {"project_name": "x", "version": "1", "requires_dists": ['urllib3>=2; extra == "new"']},
        {"project_name": "y", "version": "1", "requires_dists": ["idna>=99"]},
    ]
    why = dependents_to_release({"urllib3"}, demanded_specifiers(PIP_CONFLICT), projects)
    assert why == {
        "id": "id 1.6.1 requires 'urllib3<3,>=2', the new requirements urllib3<1.27,>=1.25.4"
    }
    assert dependents_to_release({"idna"}, demanded_specifiers(PIP_CONFLICT), projects) == {}


def test_a_released_pin_moves_if_every_dependent_accepts_it() -> None:
    old = json.loads(_lock(["requests"], {"requests": "2.32.5", "urllib3": "2.6.3"}))
    old["locked_resolves"][0]["locked_requirements"][0]["requires_dists"] = ["urllib3<3,>=1.21.1"]
    new = _lock(["botocore"], {"botocore": "1.40.49", "urllib3": "1.26.20"})
    merged = json.loads(merge_lock_bodies(json.dumps(old), new, frozenset({"urllib3"})))
    assert {
        p["project_name"]: p["version"] for p in merged["locked_resolves"][0]["locked_requirements"]
    } == {"botocore": "1.40.49", "requests": "2.32.5", "urllib3": "1.26.20"}
    old["locked_resolves"][0]["locked_requirements"][0]["requires_dists"] = ["urllib3>=2"]
    with pytest.raises(
        DependentBreaksError, match="moving urllib3 to 1.26.20 breaks requests"
    ) as e:
        merge_lock_bodies(json.dumps(old), new, frozenset({"urllib3"}))
    assert e.value.dependent == "requests"


def test_released_projects_are_not_recorded_as_requirements() -> None:
    old = _lock(["id"], {"id": "1.6.1"})
    new = _lock(["botocore", "id"], {"botocore": "1.40.49", "id": "1.5.0"})
    merged = json.loads(merge_lock_bodies(old, new, frozenset({"id"})))
    assert merged["requirements"] == ["botocore", "id"]  # id from the old lock, not the new


def test_the_goal_declares_every_process_it_runs() -> None:
    # Pants 2.17 reads a rule's Gets, and those of helpers defined before it, when the rule is
    # decorated; a Get it did not see fails at run time ("was not detected in your @rule body").
    declared = {(get.output_type, get.input_types) for get in getattr(lock_sync, "rule").input_gets}
    assert (FallibleProcessResult, (PexCliProcess,)) in declared  # pex3 lock create
    assert (PexLockUpdate, (PexLockUpdateRequest,)) in declared  # pex3 lock update
