from __future__ import annotations

from typing import Optional

import pytest
from pantry.import_rules.classify import Classifier, Location, normalize_path
from pantry.import_rules.rules_file import parse_rules

RULES = """
[trees]
service = ["services/*"]
service-infra = ["services/*/infra"]
infra = ["infra"]
shared-lib = ["libs/shared/*"]
special = ["services/special"]
deep = ["a/*/b/*"]

[[rules]]
id = 1
text = "t"
tree = "service"
may-be-imported-by = []

[[rules]]
id = 2
text = "t"
tree = "service-infra"
may-be-imported-by = []

[[rules]]
id = 3
text = "t"
tree = "infra"
may-be-imported-by = []

[[rules]]
id = 4
text = "t"
tree = "shared-lib"
may-be-imported-by = []

[[rules]]
id = 5
text = "t"
tree = "special"
may-be-imported-by = []

[[rules]]
id = 6
text = "t"
tree = "deep"
may-be-imported-by = []
"""


@pytest.mark.parametrize(
    "path, tree, project",
    [
        ("services/index/src/index/app.py", "service", "services/index"),
        ("services/index/tests/test_app.py", "service", "services/index"),
        ("services/index/BUILD", "service", "services/index"),
        ("services/index", "service", "services/index"),
        ("./services/index//src/../src/x.py", "service", "services/index"),
        # The longer pattern wins, but the project is still the service.
        ("services/index/infra/main.tf", "service-infra", "services/index"),
        ("services/index/infra", "service-infra", "services/index"),
        ("services/index/infrastructure/x.py", "service", "services/index"),
        # A literal segment beats `*` at equal length.
        ("services/special/src/x.py", "special", "services/special"),
        # Without `*`, the project is the whole pattern.
        ("infra/main.tf", "infra", "infra"),
        ("infra/modules/dns/main.tf", "infra", "infra"),
        ("libs/shared/names/src/names/norm.py", "shared-lib", "libs/shared/names"),
        # The project runs up to the last `*`.
        ("a/x/b/y/z.py", "deep", "a/x/b/y"),
        ("a/x/b", None, None),
        # Not in any tree.
        ("services", None, None),
        ("libs/shared", None, None),
        ("infrastructure/main.tf", None, None),
        ("build-support/plugins/pantry/x.py", None, None),
        ("README.md", None, None),
        (".", None, None),
    ],
)
def test_classify(path: str, tree: Optional[str], project: Optional[str]) -> None:
    classifier = Classifier(parse_rules(RULES, "r.toml"))
    assert classifier.classify(path) == Location(tree=tree, project=project)


@pytest.mark.parametrize(
    "path, normalized",
    [("a/b", "a/b"), ("./a//b/", "a/b"), ("a/./b/../c", "a/c"), ("", "."), (".", ".")],
)
def test_normalize_path(path: str, normalized: str) -> None:
    assert normalize_path(path) == normalized
