from __future__ import annotations

import pytest
from adopt.layout import LayoutError, plan_layout


def test_src_layout_is_kept_and_tests_join_tests() -> None:
    layout = plan_layout(
        [
            "pyproject.toml",
            "README.md",
            "LICENSE",
            "src/pkg/__init__.py",
            "src/pkg/data/table.csv",
            "src/pkg.egg-info/PKG-INFO",
            "testing/conftest.py",
            "testing/test_pkg.py",
            "testing/fixtures/sample.txt",
            "docs/conf.py",
            "docs/index.rst",
            ".github/workflows/ci.yml",
        ],
        with_infra=False,
    )
    assert layout.kind == "src"
    assert layout.moves == {
        "LICENSE": "LICENSE",
        "README.md": "README.md",
        "docs/index.rst": "docs/index.rst",
        "src/pkg/__init__.py": "src/pkg/__init__.py",
        "src/pkg/data/table.csv": "src/pkg/data/table.csv",
        "testing/conftest.py": "tests/conftest.py",
        "testing/fixtures/sample.txt": "tests/fixtures/sample.txt",
        "testing/test_pkg.py": "tests/test_pkg.py",
    }
    assert layout.dropped == [".github/workflows/ci.yml", "docs/conf.py", "pyproject.toml"]
    assert layout.top_level == ["pkg"]


def test_flat_layout_moves_packages_and_modules_under_src() -> None:
    layout = plan_layout(
        [
            "setup.py",
            "six.py",
            "test_six.py",
            "conftest.py",
            "pkg/__init__.py",
            "pkg/sub/m.py",
            "examples/demo.py",
            "tox.ini",
        ],
        with_infra=False,
    )
    assert layout.kind == "flat"
    assert layout.moves == {
        "conftest.py": "tests/conftest.py",
        "pkg/__init__.py": "src/pkg/__init__.py",
        "pkg/sub/m.py": "src/pkg/sub/m.py",
        "six.py": "src/six.py",
        "test_six.py": "tests/test_six.py",
    }
    assert layout.dropped == ["examples/demo.py", "setup.py", "tox.ini"]
    assert layout.top_level == ["pkg", "six"]


def test_in_package_tests_stay_in_the_package() -> None:
    layout = plan_layout(["toolz/__init__.py", "toolz/tests/test_a.py"], with_infra=False)
    assert layout.moves["toolz/tests/test_a.py"] == "src/toolz/tests/test_a.py"


def test_services_keep_infra() -> None:
    layout = plan_layout(["svc/__init__.py", "terraform/main.tf"], with_infra=True)
    assert layout.moves["terraform/main.tf"] == "infra/main.tf"
    assert plan_layout(["svc/__init__.py", "infra/main.tf"], with_infra=False).dropped == [
        "infra/main.tf"
    ]


def test_tests_package_is_kept() -> None:
    files = ["pkg/__init__.py", "tests/__init__.py", "tests/helpers.py", "tests/test_a.py"]
    layout = plan_layout(files, with_infra=False)
    assert layout.moves["tests/__init__.py"] == "tests/__init__.py"
    assert layout.tests_are_a_package and layout.notes == []
    assert not plan_layout(
        ["pkg/__init__.py", "tests/test_a.py"], with_infra=False
    ).tests_are_a_package


def test_top_level_data_the_tests_name_is_kept_at_the_root() -> None:
    files = [
        "linehaul/__init__.py",
        "fixtures/downloads.log.gz",
        "scratch/notes.txt",
        "README.md",
        "LICENSE",
        "test_functions.py",
        "tests/test_readme.py",
    ]
    texts = {
        "test_functions.py": 'open(Path(".") / "fixtures" / name, "rb")\n',
        "tests/test_readme.py": 'readme = Path(__file__).parent.parent / "README.md"\n',
    }
    layout = plan_layout(files, with_infra=False, test_texts=texts)
    assert layout.moves["fixtures/downloads.log.gz"] == "fixtures/downloads.log.gz"
    assert layout.dropped == ["scratch/notes.txt"]
    assert layout.test_data == ["README.md", "fixtures/downloads.log.gz"]
    assert layout.historic_destination("fixtures/old.log.gz") == "fixtures/old.log.gz"


def test_junk_is_ignored() -> None:
    layout = plan_layout(
        ["pkg/__init__.py", "pkg/__pycache__/x.pyc", ".git/config", "build/lib/pkg/x.py"],
        with_infra=False,
    )
    assert layout.moves == {"pkg/__init__.py": "src/pkg/__init__.py"} and layout.dropped == []


@pytest.mark.parametrize(
    "files, message",
    [
        (["README.md", "setup.py"], "no Python code found"),
        (["test/test_a.py", "tests/test_a.py", "a.py"], "two upstream files map to the same path"),
    ],
)
def test_layout_errors(files, message) -> None:
    with pytest.raises(LayoutError, match=message):
        plan_layout(files, with_infra=False)


def test_historic_paths_follow_todays_rules() -> None:
    layout = plan_layout(["six.py", "test_six.py", "setup.py"], with_infra=False)
    assert layout.historic_destination("six.py") == "src/six.py"
    assert layout.historic_destination("setup.py") is None
    assert layout.historic_destination("test_moves.py") == "tests/test_moves.py"  # since deleted
    assert layout.historic_destination("old_helper.py") == "src/old_helper.py"
    assert layout.historic_destination("build/lib/six.py") is None
