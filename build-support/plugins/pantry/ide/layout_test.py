from __future__ import annotations

import pytest
from pantry.ide.layout import (
    ExecutionRoot,
    PythonFile,
    Tree,
    checked_resolve,
    execution_roots,
    pth_content,
    trees,
)

DEFAULT = "python-default"
PLUGINS = "pantry-plugins"


def default(path: str, root: str = "build-support/plugins") -> PythonFile:
    return PythonFile(path, (DEFAULT,), root)


def plugin(path: str, root: str = "build-support/plugins") -> PythonFile:
    return PythonFile(path, (PLUGINS,), root)


# A miniature of this repository: product code, a plugin backend, and one backend
# (`checks`) whose engine-free core is in the default resolve, its glue in the plugins',
# and one module in both.
REPO = [
    default("services/svc/src/svc/app.py", "services/svc/src"),
    default("services/svc/tests/test_app.py", "services/svc/tests"),
    default("libs/shared/shr/src/shr/__init__.py", "libs/shared/shr/src"),
    default("build-support/ci/summary.py", "build-support"),
    plugin("build-support/plugins/pantry/__init__.py"),
    plugin("build-support/plugins/pantry/ide/goal.py"),
    plugin("build-support/plugins/pantry/ide/layout.py"),
    plugin("build-support/plugins/pantry/ide/rules.py"),
    plugin("build-support/plugins/pantry/ide/rules_test.py"),
    default("build-support/plugins/pantry/checks/core.py", "build-support/plugins"),
    default("build-support/plugins/pantry/checks/core_test.py", "build-support/plugins"),
    default("build-support/plugins/pantry/checks/parse.py", "build-support/plugins"),
    plugin("build-support/plugins/pantry/checks/glue.py"),
    PythonFile(
        "build-support/plugins/pantry/checks/both.py", (PLUGINS, DEFAULT), "build-support/plugins"
    ),
    default("build-support/plugins/pantry/checks/tool/main.py", "build-support/plugins"),
]


def test_trees_list_each_resolves_source_roots_default_first() -> None:
    assert trees(REPO, DEFAULT) == (
        Tree(
            DEFAULT,
            (
                "build-support",
                "build-support/plugins",
                "libs/shared/shr/src",
                "services/svc/src",
                "services/svc/tests",
            ),
        ),
        Tree(PLUGINS, ("build-support/plugins",)),
    )


def test_trees_of_nothing() -> None:
    assert trees([], DEFAULT) == ()


@pytest.mark.parametrize(
    "resolves, expected",
    [
        ((PLUGINS,), PLUGINS),
        ((PLUGINS, DEFAULT), DEFAULT),
        (("zeta", "alpha"), "alpha"),
    ],
)
def test_a_file_in_several_resolves_is_checked_against_one(resolves, expected) -> None:
    assert checked_resolve(PythonFile("a.py", resolves, "."), DEFAULT) == expected


def test_execution_roots_are_few_deepest_first_and_cover_every_file() -> None:
    roots = execution_roots(REPO, DEFAULT)
    assert roots == (
        ExecutionRoot("build-support/plugins/pantry/checks/glue.py", PLUGINS),
        ExecutionRoot("build-support/plugins/pantry/checks", DEFAULT),
        ExecutionRoot("build-support/plugins", PLUGINS),
        ExecutionRoot(".", DEFAULT),
    )
    # What pyright does: the first root that is the file or a directory above it.
    for file in REPO:
        first = next(
            root
            for root in roots
            if root.root in (".", file.path) or file.path.startswith(root.root + "/")
        )
        assert first.resolve == checked_resolve(file, DEFAULT), file.path


def test_a_directory_follows_the_majority_of_its_files() -> None:
    files = [
        plugin("build-support/plugins/pantry/__init__.py"),
        default("build-support/plugins/pantry/checks/core.py"),
        default("build-support/plugins/pantry/checks/parse.py"),
    ]
    assert execution_roots(files, DEFAULT) == (
        ExecutionRoot("build-support/plugins/pantry/__init__.py", PLUGINS),
        ExecutionRoot(".", DEFAULT),
    )


def test_one_resolve_is_one_root() -> None:
    assert execution_roots(REPO[:3], DEFAULT) == (ExecutionRoot(".", DEFAULT),)


def test_a_tie_goes_to_the_default_resolve() -> None:
    files = [plugin("tools/a.py", "tools"), default("tools/b.py", "tools")]
    assert execution_roots(files, DEFAULT) == (
        ExecutionRoot("tools/a.py", PLUGINS),
        ExecutionRoot(".", DEFAULT),
    )


def test_execution_roots_of_nothing() -> None:
    assert execution_roots([], DEFAULT) == ()


def test_pth_lists_absolute_source_roots() -> None:
    assert pth_content("/repo", [".", "services/svc/src"]) == (
        "# Written by `./pants ide`: this repository's source roots, importable from this venv.\n"
        "/repo\n"
        "/repo/services/svc/src\n"
    )
