from __future__ import annotations

import json

import pytest
from adopt.bootstrap import BootstrapError, locked_wheel

WHEEL = "https://files.example/p/packaging-26.3-py3-none-any.whl"
SDIST = "https://files.example/p/packaging-26.3.tar.gz"
LOCK = "// header\n" + json.dumps(
    {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "project_name": "Packaging",
                        "version": "26.3",
                        "artifacts": [
                            {"algorithm": "sha256", "hash": "b" * 64, "url": SDIST},
                            {"algorithm": "sha256", "hash": "a" * 64, "url": WHEEL},
                        ],
                    }
                ]
            }
        ]
    }
)


def test_locked_wheel_is_the_pure_python_wheel_of_the_lock() -> None:
    assert locked_wheel(LOCK) == (WHEEL, "a" * 64)


def test_a_project_the_lock_does_not_pin_is_an_error() -> None:
    with pytest.raises(BootstrapError, match="pins no pure-Python wheel of six"):
        locked_wheel(LOCK, "six")
