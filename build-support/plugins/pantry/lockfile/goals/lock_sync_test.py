"""What `lock-sync` asks pex to change, from the inputs declared now and the lock's."""

from __future__ import annotations

from pantry.lockfile.goals.lock_sync import SyncArgs, sync_args


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
    args = sync_args(["tomli>=2; python_version < \"3.11\""], ["tomli>=2; python_version < \"3.11\""])
    assert args.pex_args() == ()
