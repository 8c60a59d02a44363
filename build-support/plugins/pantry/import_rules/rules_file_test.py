from __future__ import annotations

from pathlib import Path

import pytest
from pantry.import_rules.rules_file import (
    BannedImports,
    InvalidRulesFile,
    Rule,
    Tree,
    file_pattern_matches,
    load_rules_file,
    parse_rules,
)

RULES_FILE = Path(__file__).resolve().parents[3] / "import-rules.toml"

VALID = """
[trees]
service = ["services/*"]
infra = ["infra"]

[[rules]]
id = 1
text = "nothing may import a service other than itself"
tree = "service"
may-be-imported-by = ["itself"]

[[rules]]
id = "infra-2"
text = "  nothing may import infra  "
tree = "infra"
may-be-imported-by = []
"""


def test_the_repository_rules_file_states_the_six_rules() -> None:
    rule_set = load_rules_file(str(RULES_FILE))
    assert [(r.id, r.tree, r.may_be_imported_by) for r in rule_set.rules] == [
        ("1", "service", ("itself",)),
        ("2", "infra", ("itself",)),
        ("3", "external", ("*",)),
        ("4", "shared-lib", ("*",)),
        ("5", "internal-lib", ("service", "internal-lib")),
        ("6", "service-infra", ("infra", "itself")),
    ]
    assert rule_set.rule_for("service").text == "nothing may import a service other than itself"
    assert {t.name: t.patterns for t in rule_set.trees} == {
        "service": ("services/*",),
        "service-infra": ("services/*/infra",),
        "infra": ("infra",),
        "external": ("external",),
        "shared-lib": ("libs/shared/*",),
        "internal-lib": ("libs/internal/*",),
    }


def test_parse_valid() -> None:
    rule_set = parse_rules(VALID, "rules.toml")
    assert rule_set.path == "rules.toml"
    assert rule_set.trees == (Tree("service", ("services/*",)), Tree("infra", ("infra",)))
    assert rule_set.rules == (
        Rule("1", "nothing may import a service other than itself", "service", ("itself",)),
        Rule("infra-2", "nothing may import infra", "infra", ()),
    )
    assert rule_set.rule_for("infra").id == "infra-2"
    with pytest.raises(KeyError):
        rule_set.rule_for("nope")


def _replace(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "extra = 1\n" + VALID,
            "r.toml: extra: expected only the keys trees, rules, banned-imports, "
            "got unknown key 'extra'.",
        ),
        (
            VALID.replace("[trees]", "[woods]"),
            "r.toml: woods: expected only the keys trees, rules, banned-imports, "
            "got unknown key 'woods'.",
        ),
        (
            "trees = 3\n",
            'r.toml: trees: expected a table, e.g. [trees] service = ["services/*"], got 3.',
        ),
        (
            "[trees]\n",
            "r.toml: trees: expected at least one tree, got an empty table.",
        ),
        (
            _replace('service = ["services/*"]', 'service = "services/*"'),
            "r.toml: trees.service: expected a non-empty list of directory patterns, "
            "e.g. [\"services/*\"], got 'services/*'.",
        ),
        (
            _replace('service = ["services/*"]', 'itself = ["services/*"]'),
            "r.toml: trees.itself: expected a tree name other than the reserved 'itself' and '*'.",
        ),
        (
            _replace('service = ["services/*"]', 'service = ["services/**"]'),
            "r.toml: trees.service[1]: expected a relative directory pattern whose segments are "
            'names or a whole "*", e.g. "services/*/infra", got \'services/**\'.',
        ),
        (
            _replace('service = ["services/*"]', 'service = ["/services/*"]'),
            "r.toml: trees.service[1]: expected a relative directory pattern whose segments are "
            'names or a whole "*", e.g. "services/*/infra", got \'/services/*\'.',
        ),
        (
            _replace('service = ["services/*"]', 'service = ["services/*", "../up"]'),
            "r.toml: trees.service[2]: expected a relative directory pattern whose segments are "
            'names or a whole "*", e.g. "services/*/infra", got \'../up\'.',
        ),
        (
            _replace('infra = ["infra"]', 'infra = ["services/*"]'),
            "r.toml: trees.infra[1]: expected a pattern no other tree uses (trees.service[1] "
            "has it), got 'services/*'.",
        ),
        (
            _replace('infra = ["infra"]', 'infra = ["services/x", "*/y"]'),
            "r.toml: trees.service[1]: expected a pattern that cannot match the same "
            "directories as trees.infra[2] ('*/y'), got 'services/*'.",
        ),
        (
            _replace("[[rules]]\nid = 1\n", "[rules]\nid = 1\n").split("[[rules]]")[0],
            "r.toml: rules: expected an array of [[rules]] tables (one rule per tree), "
            "got {'id': 1, 'text': 'nothing may import a service other than itself', "
            "'tree': 'service', 'may-be-imported-by': ['itself']}.",
        ),
        (
            VALID.split("[[rules]]")[0],
            "r.toml: rules: expected an array of [[rules]] tables (one rule per tree), "
            "got nothing (the key is missing).",
        ),
        (
            _replace('id = "infra-2"', 'id = "infra-2"\nallow = ["*"]'),
            "r.toml: rules[2].allow: expected only the keys id, text, tree, may-be-imported-by, "
            "got unknown key 'allow'.",
        ),
        (
            _replace("id = 1\n", ""),
            "r.toml: rules[1].id: expected a rule number or non-empty string, e.g. id = 1, "
            "got None.",
        ),
        (
            _replace("id = 1\n", "id = true\n"),
            "r.toml: rules[1].id: expected a rule number or non-empty string, e.g. id = 1, "
            "got True.",
        ),
        (
            _replace('id = "infra-2"', "id = 1"),
            "r.toml: rules[2].id: expected an id no other rule has (rules[1] has it), got '1'.",
        ),
        (
            _replace('text = "  nothing may import infra  "', 'text = "  "'),
            'r.toml: rules[2].text: expected the rule in words, e.g. text = "nothing may '
            "import a service other than itself\", got '  '.",
        ),
        (
            _replace('tree = "infra"', 'tree = "infrastructure"'),
            "r.toml: rules[2].tree: expected one of the trees: 'service', 'infra', "
            "got 'infrastructure'.",
        ),
        (
            _replace('tree = "infra"', 'tree = "service"'),
            "r.toml: rules[2].tree: expected a tree no other rule protects (rules[1] protects "
            "'service'), got 'service'.",
        ),
        (
            _replace('may-be-imported-by = ["itself"]', 'may-be-imported-by = "itself"'),
            "r.toml: rules[1].may-be-imported-by: expected a list of importers from: 'itself', "
            "'*', 'service', 'infra' (may be empty), got 'itself'.",
        ),
        (
            _replace('may-be-imported-by = ["itself"]', 'may-be-imported-by = ["itself", "self"]'),
            "r.toml: rules[1].may-be-imported-by[2]: expected one of: 'itself', '*', "
            "'service', 'infra', got 'self'.",
        ),
        (
            VALID.replace('infra = ["infra"]', 'infra = ["infra"]\nexternal = ["external"]'),
            "r.toml: rules: expected a [[rules]] table with tree = 'external' (every tree "
            "needs exactly one rule).",
        ),
    ],
)
def test_invalid_rules_name_file_key_and_expectation(text: str, message: str) -> None:
    with pytest.raises(InvalidRulesFile) as e:
        parse_rules(text, "r.toml")
    assert str(e.value) == message


def test_toml_syntax_error_says_where() -> None:
    with pytest.raises(InvalidRulesFile) as e:
        parse_rules("[trees]\nservice = [\n\n[[rules]]\n", "r.toml")
    message = str(e.value)
    # The parser's own wording varies between tomllib and tomli versions; the rest is ours.
    assert message.startswith("r.toml: expected valid TOML, got a syntax error (")
    assert "line 4" in message


def test_unreadable_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidRulesFile) as e:
        load_rules_file(str(tmp_path / "missing.toml"), display_path="rules.toml")
    assert str(e.value) == "rules.toml: expected a readable file, got 'No such file or directory'."

    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[trees]\n\xff")
    with pytest.raises(InvalidRulesFile) as e:
        load_rules_file(str(binary), display_path="rules.toml")
    assert str(e.value) == "rules.toml: expected UTF-8 text, got a non-UTF-8 byte at offset 8."


def test_exception_carries_its_parts() -> None:
    with pytest.raises(InvalidRulesFile) as e:
        parse_rules(_replace('tree = "infra"', "tree = 3"), "r.toml")
    assert (e.value.path, e.value.key, e.value.got) == ("r.toml", "rules[2].tree", "3")


BAN = """
[[banned-imports]]
id = "engine-free"
text = "no Pants here"
modules = ["pants", "grimp.adaptors"]
files = ["plugins/**"]
except = ["**/rules.py", "plugins/x/*_glue.py"]
"""


def test_parse_banned_imports() -> None:
    (ban,) = parse_rules(VALID + BAN, "r.toml").banned_imports
    assert ban == BannedImports(
        id="engine-free",
        text="no Pants here",
        modules=("pants", "grimp.adaptors"),
        files=("plugins/**",),
        except_files=("**/rules.py", "plugins/x/*_glue.py"),
    )
    assert [
        ban.bans(m) for m in ("pants", "pants.engine.fs", "pantsx", "grimp", "grimp.adaptors.x")
    ] == [
        True,
        True,
        False,
        False,
        True,
    ]
    assert [
        ban.applies_to(p)
        for p in (
            "plugins/a.py",
            "plugins/x/y/z.py",
            "plugins/x/rules.py",
            "plugins/x/y/rules.py",
            "plugins/x/a_glue.py",
            "plugins/x/y/a_glue.py",
            "services/a.py",
        )
    ] == [True, True, False, False, False, True, False]
    assert parse_rules(VALID, "r.toml").banned_imports == ()


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        ("**", "a/b.py", True),
        ("a/**/b.py", "a/b.py", True),
        ("a/**/b.py", "a/x/y/b.py", True),
        ("a/*.py", "a/x/b.py", False),
        ("**/goals/**", "p/oci/goals/publish.py", True),
        ("**/goals/**", "p/oci/goals.py", False),
    ],
)
def test_file_patterns(pattern: str, path: str, matches: bool) -> None:
    assert file_pattern_matches(pattern, path) is matches


@pytest.mark.parametrize(
    "ban, message",
    [
        (
            BAN.replace('id = "engine-free"', "id = 1"),
            "r.toml: banned-imports[1].id: expected an id no other rule has (rules[1] has it), "
            "got '1'.",
        ),
        (
            BAN.replace('modules = ["pants", "grimp.adaptors"]', 'modules = ["pants/engine"]'),
            "r.toml: banned-imports[1].modules[1]: expected a dotted module name, e.g. 'pants', "
            "got 'pants/engine'.",
        ),
        (
            BAN.replace('files = ["plugins/**"]', "files = []"),
            "r.toml: banned-imports[1].files: expected a non-empty list of non-empty strings, "
            'e.g. ["build-support/plugins/pantry/**"], got [].',
        ),
        (
            BAN.replace('"**/rules.py"', '"../rules.py"'),
            "r.toml: banned-imports[1].except[1]: expected a relative file pattern, e.g. "
            "\"build-support/plugins/pantry/**/*_test.py\", got '../rules.py'.",
        ),
        (
            BAN.replace('text = "no Pants here"', 'text = "no Pants here"\nwhy = 1'),
            "r.toml: banned-imports[1].why: expected only the keys id, text, modules, files, "
            "except, got unknown key 'why'.",
        ),
        (
            'banned-imports = "pants"\n' + VALID,
            "r.toml: banned-imports: expected an array of [[banned-imports]] tables, "
            "got 'pants'.",
        ),
    ],
)
def test_invalid_banned_imports(ban: str, message: str) -> None:
    with pytest.raises(InvalidRulesFile) as e:
        parse_rules(VALID + ban if ban.startswith("\n") else ban, "r.toml")
    assert str(e.value) == message


def test_the_repository_bans_pants_from_pure_plugin_modules() -> None:
    (ban,) = load_rules_file(str(RULES_FILE)).banned_imports
    assert (ban.id, ban.modules) == ("engine-free", ("pants",))
    pantry = "build-support/plugins/pantry"
    assert ban.applies_to(f"{pantry}/oci/layout.py")
    assert ban.applies_to(f"{pantry}/errors.py")
    assert not ban.applies_to(f"{pantry}/oci/goals/publish.py")
    assert not ban.applies_to(f"{pantry}/oci/util_rules/oci_tool.py")
    assert not ban.applies_to(f"{pantry}/oci/layout_test.py")
    assert not ban.applies_to("services/index/src/index/app.py")
