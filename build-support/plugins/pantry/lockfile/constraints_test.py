from __future__ import annotations

import pytest
from pantry.lockfile.constraints import UnsupportedHashError, render_constraints
from pantry.lockfile.lock_model import Artifact, LockedProject


def locked(name: str, version: str, *hashes: str, algorithm: str = "sha256") -> LockedProject:
    return LockedProject(
        name=name,
        version=version,
        artifacts=tuple(
            Artifact(f"https://files.example/{name}-{version}-{h}.whl", algorithm, h)
            for h in hashes
        ),
        requires_dists=(),
    )


def render(*projects: LockedProject) -> str:
    return render_constraints(
        {p.name: p for p in projects},
        lock_path="3rdparty/python/default.lock",
        resolve="python-default",
        command="./pants export-constraints",
    )


def test_render_constraints_in_pip_tools_hash_format() -> None:
    assert render(
        locked("zipp", "3.23.1", "bb", "aa"),
        locked("black", "25.11.0", "ff", "cc", "ee"),
        locked("colorama", "0.4.6", "dd"),
    ) == (
        "#\n"
        "# This file is generated from 3rdparty/python/default.lock (resolve `python-default`) in"
        " pip-tools'\n"
        "# --generate-hashes format. Do not edit it by hand; to regenerate it, run:\n"
        "#\n"
        "#    ./pants export-constraints\n"
        "#\n"
        "black==25.11.0 \\\n"
        "    --hash=sha256:cc \\\n"
        "    --hash=sha256:ee \\\n"
        "    --hash=sha256:ff\n"
        "colorama==0.4.6 \\\n"
        "    --hash=sha256:dd\n"
        "zipp==3.23.1 \\\n"
        "    --hash=sha256:aa \\\n"
        "    --hash=sha256:bb\n"
    )


def test_render_constraints_is_deterministic() -> None:
    first = render(locked("a", "1", "x", "y"), locked("b", "2", "z"))
    second = render(locked("b", "2", "z"), locked("a", "1", "y", "x"))
    assert first == second


def test_project_without_artifacts_is_a_bare_pin() -> None:
    assert render(locked("local-thing", "1.0")).endswith("#\nlocal-thing==1.0\n")


def test_hash_pip_cannot_check_is_refused() -> None:
    with pytest.raises(UnsupportedHashError) as error:
        render(locked("old", "1.0", "abc", algorithm="md5"))
    assert str(error.value) == (
        "3rdparty/python/default.lock: old 1.0 pins old-1.0-abc.whl with 'md5', which pip cannot "
        "check (it accepts sha256, sha384, sha512). Regenerate the lock with "
        "`./pants generate-lockfiles`."
    )
