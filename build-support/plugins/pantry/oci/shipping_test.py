from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pantry.oci.shipping import ShippingError, tool_files

FAKE = {
    "pantry/__init__.py": b"",
    "pantry/oci/__init__.py": b"",
    "pantry/oci/tool.py": (
        b"import json\n"
        b"from pantry.oci.layout import x\n"
        b"from . import debian\n"
        b"def main():\n"
        b"    from pantry.lockfile import lock_model\n"
    ),
    "pantry/oci/layout.py": b"import gzip\nx = 1\n",
    "pantry/oci/debian.py": b"from .layout import x\nfrom ..errors import Bad\n",
    "pantry/oci/unused.py": b"",
    "pantry/errors.py": b"class Bad(Exception): ...\n",
    "pantry/lockfile/__init__.py": b"",
    "pantry/lockfile/lock_model.py": b"import re\n",
}


def test_the_closure_of_the_entry_points_first_party_imports() -> None:
    files = dict(tool_files(FAKE.get))
    assert sorted(files) == [
        "pantry/__init__.py",
        "pantry/errors.py",
        "pantry/lockfile/__init__.py",
        "pantry/lockfile/lock_model.py",
        "pantry/oci/__init__.py",
        "pantry/oci/debian.py",
        "pantry/oci/layout.py",
        "pantry/oci/tool.py",
    ]
    assert files["pantry/oci/layout.py"] == FAKE["pantry/oci/layout.py"]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"pantry/oci/layout.py": b"from pantry.oci.gone import y\n"},
            "The OCI builder (pantry.oci.tool) imports pantry.oci.gone, which is not a module "
            "under build-support/plugins/.",
        ),
        (
            {"pantry/lockfile/__init__.py": None},
            "The OCI builder needs the package pantry.lockfile, but pantry/lockfile/__init__.py "
            "is missing: add it (an empty file will do).",
        ),
        (
            {"pantry/oci/layout.py": b"def (:\n"},
            "pantry/oci/layout.py:1: the OCI builder imports this module, which does not parse",
        ),
    ],
)
def test_a_missing_or_broken_module_is_a_message(change, message) -> None:
    files = {**FAKE, **change}
    with pytest.raises(ShippingError) as e:
        tool_files(files.get)
    assert message in str(e.value)


def test_the_real_builder_ships_its_imports() -> None:
    shipped = {path for path, _ in tool_files()}
    assert {"pantry/__init__.py", "pantry/oci/__init__.py", "pantry/oci/tool.py"} <= shipped
    assert "pantry/oci/layout.py" in shipped  # tool.py imports it
    assert not any(path.endswith(("_test.py", "rules.py", "register.py")) for path in shipped)


def test_the_shipped_builder_runs_on_the_standard_library_alone(tmp_path: Path) -> None:
    """As the glue runs it, but with no site-packages at all (`-S`): an import of anything but
    the standard library and the shipped files fails here."""
    for path, content in tool_files():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    result = subprocess.run(
        [sys.executable, "-S", "-E", "-s", "-m", "pantry.oci.tool", "--help"],
        cwd=tmp_path,
        env={"LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert "base-layer" in result.stdout
