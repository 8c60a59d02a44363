from __future__ import annotations

from pathlib import Path
from typing import Mapping

from adopt.pytest_config import (
    plugins_named,
    read_pytest_config,
    render_pytest_ini,
    split_addopts,
)


def _read(root: Path) -> tuple[str, Mapping[str, str]]:
    config = read_pytest_config(root)
    assert config is not None, f"no pytest configuration found in {root}"
    return config


def test_pyproject_ini_options(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'addopts = "-n auto --cov=pkg"\n'
        'markers = ["slow: slow tests", "net"]\n'
        "xfail_strict = true\n"
        'filterwarnings = ["error"]\n'
    )
    origin, options = _read(tmp_path)
    text, notes = render_pytest_ini(origin, options)
    assert text == (
        "# pytest configuration of the adopted project "
        "(pyproject.toml [tool.pytest.ini_options]).\n"
        "[pytest]\n"
        "markers =\n    slow: slow tests\n    net\n"
        "xfail_strict = true\n"
        "filterwarnings =\n    error\n"
    )
    assert notes == [
        "pyproject.toml [tool.pytest.ini_options]: addopts not carried over: -n auto --cov=pkg"
    ]


def test_pytest_ini_wins_over_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\nminversion = 2.2\n")
    assert read_pytest_config(tmp_path) == ("setup.cfg [tool:pytest]", {"minversion": "2.2"})
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    slow\n    net: network\n")
    origin, options = _read(tmp_path)
    assert render_pytest_ini(origin, options)[0].endswith(
        "[pytest]\nmarkers =\n    slow\n    net: network\n"
    )


def test_no_configuration(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nenvlist = py311\n")
    assert read_pytest_config(tmp_path) is None


def test_pytest9_native_table_and_kept_addopts(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pytest]\n"
        'addopts = ["-ra", "--strict-markers", "-p", "pytest_asyncio", "-p", "no:cacheprovider",'
        ' "--cov=pkg", "-W", "error::DeprecationWarning"]\n'
        'asyncio_mode = "auto"\n'
        'testpaths = ["tests"]\n'
        "[tool.pytest.ini_options]\n"
        'markers = ["ignored: the native table wins"]\n'
    )
    origin, options = _read(tmp_path)
    assert origin == "pyproject.toml [tool.pytest]"
    text, notes = render_pytest_ini(origin, options)
    assert text.endswith(
        "[pytest]\n"
        "addopts = --strict-markers -p pytest_asyncio -p no:cacheprovider -W "
        "error::DeprecationWarning\n"
        "asyncio_mode = auto\n"
        "testpaths =\n    tests\n"
    )
    assert notes == ["pyproject.toml [tool.pytest]: addopts not carried over: -ra --cov=pkg"]
    assert plugins_named(options) == ["pytest_asyncio"]


def test_split_addopts() -> None:
    assert split_addopts("-pxdist -n 4 --import-mode=importlib -Werror") == (
        ["-pxdist", "--import-mode=importlib", "-Werror"],
        ["-n", "4"],
    )
