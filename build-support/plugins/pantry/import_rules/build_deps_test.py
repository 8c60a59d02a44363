from __future__ import annotations

from typing import Optional

import pytest
from pantry.import_rules.build_deps import address_path, find_dependency_line


@pytest.mark.parametrize(
    "spec, build_dir, path",
    [
        ("services/stats/src/stats:lib", "services/index", "services/stats/src/stats"),
        ("services/stats/src/stats", "services/index", "services/stats/src/stats"),
        ("//services/stats/src/stats:lib", "services/index", "services/stats/src/stats"),
        ("//:root", "services/index", "."),
        ("services/stats/src/stats/parse.py", "x", "services/stats/src/stats/parse.py"),
        ("services/stats/src/stats/parse.py:lib", "x", "services/stats/src/stats/parse.py"),
        ("services/stats:app#gen", "x", "services/stats"),
        ("services/stats#gen", "x", "services/stats"),
        ("services/stats:app@resolve=a", "x", "services/stats"),
        (":lib", "services/index", "services/index"),
        ("#gen", "services/index", "services/index"),
        ("./sub:lib", "services/index", "services/index/sub"),
        ("../stats:lib", "services/index", "services/stats"),
        ("  services/stats  ", "x", "services/stats"),
        ("3rdparty/python#requests", "services/index", "3rdparty/python"),
        # Ignores are not dependencies; nor is a path out of the repository.
        ("!services/stats:lib", "services/index", None),
        ("!!services/stats:lib", "services/index", None),
        ("../../../x:lib", "services/index", None),
        ("", "services/index", None),
    ],
)
def test_address_path(spec: str, build_dir: str, path: Optional[str]) -> None:
    assert address_path(spec, build_dir) == path


BUILD = """\
python_sources(
    dependencies=[
        "services/stats/src/stats:lib",
        'libs/internal/flags/src/flags',
        "services/stats/src/stats:lib2",
    ],
)
"""


@pytest.mark.parametrize(
    "spec, line",
    [
        ("services/stats/src/stats:lib", 3),
        ("libs/internal/flags/src/flags", 4),
        ("services/stats/src/stats:lib2", 5),
        # Only a whole quoted string counts, not a prefix of a longer one.
        ("services/stats/src/stats", None),
        ("nope", None),
    ],
)
def test_find_dependency_line(spec: str, line: Optional[int]) -> None:
    assert find_dependency_line(BUILD, spec) == line
