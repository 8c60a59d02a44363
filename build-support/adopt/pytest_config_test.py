from __future__ import annotations

from pathlib import Path

from adopt.pytest_config import read_pytest_config, render_pytest_ini


def test_pyproject_ini_options(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'addopts = "-n auto --cov=pkg"\n'
        'markers = ["slow: slow tests", "net"]\n'
        "xfail_strict = true\n"
        'filterwarnings = ["error"]\n'
    )
    origin, options = read_pytest_config(tmp_path)
    text, notes = render_pytest_ini(origin, options)
    assert text == (
        "# pytest configuration of the adopted project "
        "(pyproject.toml [tool.pytest.ini_options]), without addopts.\n"
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
    origin, options = read_pytest_config(tmp_path)
    assert render_pytest_ini(origin, options)[0].endswith(
        "[pytest]\nmarkers =\n    slow\n    net: network\n"
    )


def test_no_configuration(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_text("[tox]\nenvlist = py311\n")
    assert read_pytest_config(tmp_path) is None
