from __future__ import annotations

import pytest
from pantry.affected.build_files import BuildFileChange, compare_build_files

BASE = """\
# Comment.
python_sources()

python_tests(name="tests", timeout=60)
pex_binary(name="app", entry_point="app.py")
"""


@pytest.mark.parametrize(
    "old, new, expected",
    [
        pytest.param(BASE, BASE, BuildFileChange(), id="identical"),
        pytest.param(
            BASE,
            "# Another comment.\npython_sources( )\n\n\npython_tests(name='tests',timeout=60)\n"
            'pex_binary(\n    name="app",\n    entry_point="app.py",\n)\n',
            BuildFileChange(),
            id="whitespace-comments-and-quotes-only",
        ),
        pytest.param(
            BASE,
            BASE.replace("timeout=60", "timeout=120"),
            BuildFileChange(target_names=frozenset({"tests"})),
            id="one-target-changed",
        ),
        pytest.param(
            BASE,
            BASE.replace("python_sources()", "python_sources(dependencies=['//:x'])"),
            BuildFileChange(target_names=frozenset({"pkg"})),
            id="default-named-target-changed",
        ),
        pytest.param(
            BASE,
            BASE + 'files(name="data", sources=["*.json"])\n',
            BuildFileChange(target_names=frozenset({"data"})),
            id="target-added",
        ),
        pytest.param(
            BASE,
            BASE.replace('pex_binary(name="app", entry_point="app.py")\n', ""),
            BuildFileChange(target_names=frozenset({"app"})),
            id="target-removed",
        ),
        pytest.param(
            None,
            "python_sources()\n",
            BuildFileChange(target_names=frozenset({"pkg"})),
            id="new-build-file",
        ),
        pytest.param(
            BASE,
            "__defaults__(all=dict(tags=['x']))\n" + BASE,
            BuildFileChange(whole_tree=True),
            id="defaults-reach-the-whole-tree",
        ),
        pytest.param(
            BASE,
            "SHARED = ['a']\n" + BASE,
            BuildFileChange(whole_tree=True),
            id="module-level-statement",
        ),
        pytest.param(
            BASE, "python_sources(\n", BuildFileChange(whole_tree=True), id="syntax-error"
        ),
    ],
)
def test_compare_build_files(old, new, expected) -> None:
    assert compare_build_files(old, new, "pkg") == expected


def test_changes_nothing() -> None:
    assert BuildFileChange().changes_nothing
    assert not BuildFileChange(target_names=frozenset({"a"})).changes_nothing
    assert not BuildFileChange(whole_tree=True).changes_nothing
