"""The six rules of build-support/import-rules.toml, as a matrix of edges."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from pantry.import_rules.policy import Policy
from pantry.import_rules.rules_file import load_rules_file, parse_rules

RULES_FILE = Path(__file__).resolve().parents[3] / "import-rules.toml"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy(load_rules_file(str(RULES_FILE)))


INDEX = "services/index/src/index/app.py"
INDEX_TESTS = "services/index/tests/test_app.py"
INDEX_INFRA = "services/index/infra/main.tf"
STATS = "services/stats/src/stats/parse.py"
STATS_INFRA = "services/stats/infra"
INFRA = "infra/main.tf"
INFRA_MODULE = "infra/modules/dns"
EXTERNAL = "external/vendored/patch.py"
SHARED = "libs/shared/names/src/names/norm.py"
SHARED_OTHER = "libs/shared/other/src/other/x.py"
INTERNAL = "libs/internal/flags/src/flags/core.py"
INTERNAL_OTHER = "libs/internal/auth/src/auth/x.py"
PLUGIN = "build-support/plugins/pantry/x.py"


@pytest.mark.parametrize(
    "importer, imported, rule",
    [
        # 1. Nothing may import from a service, except that service itself.
        (INDEX, STATS, "1"),
        (INDEX_TESTS, STATS, "1"),
        (SHARED, STATS, "1"),
        (INTERNAL, STATS, "1"),
        (EXTERNAL, STATS, "1"),
        (INFRA, STATS, "1"),
        (PLUGIN, STATS, "1"),
        (INDEX_TESTS, INDEX, None),
        (INDEX, "services/index/src/index/storage.py", None),
        (INDEX_INFRA, INDEX, None),
        # 2. Nothing may import from the top-level infra/.
        (INDEX, INFRA_MODULE, "2"),
        (INDEX_INFRA, INFRA_MODULE, "2"),
        (EXTERNAL, INFRA_MODULE, "2"),
        (INFRA, INFRA_MODULE, None),
        # 3. Everything may import from external/.
        (INDEX, EXTERNAL, None),
        (SHARED, EXTERNAL, None),
        (INFRA, EXTERNAL, None),
        (PLUGIN, EXTERNAL, None),
        # 4. Everything may import from shared libs.
        (INDEX, SHARED, None),
        (INTERNAL, SHARED, None),
        (SHARED_OTHER, SHARED, None),
        (PLUGIN, SHARED, None),
        # 5. Services and internal libs may import internal libs; a shared lib may not.
        (INDEX, INTERNAL, None),
        (INDEX_TESTS, INTERNAL, None),
        (INTERNAL_OTHER, INTERNAL, None),
        (SHARED, INTERNAL, "5"),
        (PLUGIN, INTERNAL, "5"),
        (INFRA, INTERNAL, "5"),
        # 6. infra/ may import services/*/infra, and nothing else may.
        (INFRA, STATS_INFRA, None),
        (INDEX_INFRA, STATS_INFRA, "6"),
        (INDEX, STATS_INFRA, "6"),
        (SHARED, STATS_INFRA, "6"),
        (INDEX_INFRA, "services/index/infra/modules/queue", None),
        # Paths in no tree are not restricted.
        (INDEX, PLUGIN, None),
        (SHARED, "3rdparty/python", None),
    ],
)
def test_the_six_rules(policy: Policy, importer: str, imported: str, rule: Optional[str]) -> None:
    forbidding = policy.forbidding_rule(policy.classify(importer), policy.classify(imported))
    assert (forbidding.id if forbidding else None) == rule


def test_forbidding_rule_carries_the_text(policy: Policy) -> None:
    rule = policy.forbidding_rule(policy.classify(INDEX), policy.classify(STATS))
    assert rule is not None
    assert rule.text == "nothing may import a service other than itself"


def test_itself_needs_a_project_and_a_named_tree_allows_any_of_its_projects() -> None:
    policy = Policy(
        parse_rules(
            """
            [trees]
            app = ["apps/*"]
            core = ["core/*"]
            [[rules]]
            id = "a"
            text = "apps are private"
            tree = "app"
            may-be-imported-by = ["itself"]
            [[rules]]
            id = "c"
            text = "only apps use core"
            tree = "core"
            may-be-imported-by = ["app"]
            """,
            "r.toml",
        )
    )

    def check(importer: str, imported: str) -> Optional[str]:
        rule = policy.forbidding_rule(policy.classify(importer), policy.classify(imported))
        return rule.id if rule else None

    assert check("apps/x/m.py", "apps/x/n.py") is None
    assert check("apps/x/m.py", "apps/y/n.py") == "a"
    assert check("tools/m.py", "apps/y/n.py") == "a"
    assert check("apps/x/m.py", "core/y/n.py") is None
    # "itself" is not implied: core may not import core unless the rule says so.
    assert check("core/y/m.py", "core/y/n.py") == "c"


def test_bans_cover_files_by_pattern(policy: Policy) -> None:
    pure = "build-support/plugins/pantry/oci/layout.py"
    assert [ban.id for ban in policy.bans_for(pure)] == ["engine-free"]
    assert policy.bans_for("build-support/plugins/pantry/oci/register.py") == ()
    assert policy.bans_for("services/index/src/index/app.py") == ()
