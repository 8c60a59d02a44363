"""Markers of the adopt tests; fixtures of its integration tests (integration_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from adopt.integration_support import build_monorepo, clone_of


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "index: resolves against the package index (relock, real sdist download)"
    )


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fixture monorepo per test module (cheap: files and one commit)."""
    return build_monorepo(tmp_path_factory.mktemp("monorepo"))


@pytest.fixture
def clone(monorepo: Path, tmp_path: Path) -> Path:
    """A fresh clone of the module's fixture monorepo for one test (launcher included)."""
    return clone_of(monorepo, tmp_path)
