"""Load and validate the import rules file, `build-support/import-rules.toml`.

The file has two parts:

    [trees]                         # name = list of directory patterns
    service = ["services/*"]        # `*` is exactly one path segment

    [[rules]]                       # one table per rule, one rule per tree
    id = 1
    text = "nothing may import a service other than itself"
    tree = "service"                # the tree this rule protects
    may-be-imported-by = ["itself"] # tree names, "itself" (same project) or "*"

    [[banned-imports]]              # optional: modules some files may not import
    id = "engine-free"
    text = "a pure plugin module may not import Pants"
    modules = ["pants"]             # a name bans it and its submodules
    files = ["build-support/plugins/pantry/**"]
    except = ["**/rules.py"]        # file patterns: `*` within a segment, `**` any segments

A path belongs to the tree whose pattern matches most of its leading segments; the
directory matched up to the pattern's last `*` (or the whole pattern if it has none) is
the path's *project*, so `services/*/infra` puts `services/index/infra/main.tf` in the
project `services/index`. See `classify` and `policy` for how these are used.

Every mistake raises `InvalidRulesFile`, whose message names the file, the key (arrays
are counted from 1: `rules[2].tree` is the `tree` of the second `[[rules]]` table), what
was expected and what was found.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.9 test run
    import tomli as tomllib

ITSELF = "itself"
EVERYTHING = "*"
WILDCARD = "*"

_TOP_LEVEL_KEYS = ("trees", "rules", "banned-imports")
_RULE_KEYS = ("id", "text", "tree", "may-be-imported-by")
_BAN_KEYS = ("id", "text", "modules", "files", "except")
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
ANY_SEGMENTS = "**"


class InvalidRulesFile(Exception):
    """The import rules file cannot be read, or does not follow its schema."""

    def __init__(self, path: str, key: str, expected: str, got: str | None = None) -> None:
        self.path = path
        self.key = key
        self.expected = expected
        self.got = got
        where = f"{path}: {key}" if key else path
        found = f", got {got}" if got is not None else ""
        super().__init__(f"{where}: expected {expected}{found}.")


@dataclass(frozen=True)
class Tree:
    """A named part of the repository, chosen by directory patterns."""

    name: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """Who may import the modules of one tree."""

    id: str
    text: str
    tree: str
    may_be_imported_by: tuple[str, ...]


@dataclass(frozen=True)
class BannedImports:
    """Modules that the files matching `files` but not `except` may not import."""

    id: str
    text: str
    modules: tuple[str, ...]
    files: tuple[str, ...]
    except_files: tuple[str, ...] = ()

    def applies_to(self, path: str) -> bool:
        """Whether the file at `path` (relative to the repository root) is under this ban."""
        return any(file_pattern_matches(p, path) for p in self.files) and not any(
            file_pattern_matches(p, path) for p in self.except_files
        )

    def bans(self, module: str) -> bool:
        """Whether importing `module` is banned: it is a banned module or inside one."""
        return any(module == m or module.startswith(f"{m}.") for m in self.modules)


def file_pattern_matches(pattern: str, path: str) -> bool:
    """`**` matches any number of segments (also none); other segments match as in fnmatch,
    within one segment: `build-support/**/rules.py`, `**/*_test.py`."""
    return _segments_match(tuple(pattern.split("/")), tuple(path.split("/")))


def _segments_match(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not pattern:
        return not path
    if pattern[0] == ANY_SEGMENTS:
        return any(_segments_match(pattern[1:], path[i:]) for i in range(len(path) + 1))
    return (
        bool(path)
        and fnmatch.fnmatchcase(path[0], pattern[0])
        and _segments_match(pattern[1:], path[1:])
    )


@dataclass(frozen=True)
class RuleSet:
    """The validated contents of a rules file."""

    path: str
    trees: tuple[Tree, ...]
    rules: tuple[Rule, ...]
    banned_imports: tuple[BannedImports, ...] = ()

    def rule_for(self, tree: str) -> Rule:
        for rule in self.rules:
            if rule.tree == tree:
                return rule
        raise KeyError(tree)


def load_rules_file(path: str, display_path: str | None = None) -> RuleSet:
    """Read and validate the rules file at `path` (raises `InvalidRulesFile`).

    Messages call the file `display_path` (default `path`), e.g. its repository path
    when `path` is somewhere in a sandbox.
    """
    shown = display_path or path
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InvalidRulesFile(shown, "", "a readable file", got=repr(e.strerror)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidRulesFile(
            shown, "", "UTF-8 text", got=f"a non-UTF-8 byte at offset {e.start}"
        ) from None
    return parse_rules(text, shown)


def parse_rules(text: str, path: str) -> RuleSet:
    """Parse and validate rules file `text`; `path` is only used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidRulesFile(path, "", "valid TOML", got=f"a syntax error ({e})") from None
    _reject_unknown_keys(path, "", data, _TOP_LEVEL_KEYS)
    trees = _parse_trees(path, data)
    rules = _parse_rules(path, data, trees)
    banned = _parse_banned_imports(
        path, data, {rule.id: f"rules[{n}]" for n, rule in enumerate(rules, start=1)}
    )
    return RuleSet(path=path, trees=trees, rules=rules, banned_imports=banned)


def _parse_trees(path: str, data: Mapping[str, Any]) -> tuple[Tree, ...]:
    table = _require(path, "trees", data, dict, 'a table, e.g. [trees] service = ["services/*"]')
    if not table:
        raise InvalidRulesFile(path, "trees", "at least one tree", got="an empty table")
    trees = []
    owner_of: dict[str, str] = {}
    for name, patterns in table.items():
        key = f"trees.{name}"
        if name in (ITSELF, EVERYTHING):
            raise InvalidRulesFile(
                path, key, f"a tree name other than the reserved {ITSELF!r} and {EVERYTHING!r}"
            )
        if not isinstance(patterns, list) or not patterns:
            raise InvalidRulesFile(
                path,
                key,
                'a non-empty list of directory patterns, e.g. ["services/*"]',
                got=repr(patterns),
            )
        for i, pattern in enumerate(patterns, start=1):
            pattern_key = f"{key}[{i}]"
            _check_pattern(path, pattern_key, pattern)
            if pattern in owner_of:
                raise InvalidRulesFile(
                    path,
                    pattern_key,
                    f"a pattern no other tree uses ({owner_of[pattern]} has it)",
                    got=repr(pattern),
                )
            owner_of[pattern] = pattern_key
        trees.append(Tree(name=name, patterns=tuple(patterns)))
    _reject_ambiguous_patterns(path, owner_of)
    return tuple(trees)


def _check_pattern(path: str, key: str, pattern: object) -> None:
    expected = (
        'a relative directory pattern whose segments are names or a whole "*", '
        'e.g. "services/*/infra"'
    )
    if not isinstance(pattern, str) or not pattern:
        raise InvalidRulesFile(path, key, expected, got=repr(pattern))
    for segment in pattern.split("/"):
        bad = segment in ("", ".", "..") or (
            segment != WILDCARD and any(c in segment for c in "*?[]\\")
        )
        if bad:
            raise InvalidRulesFile(path, key, expected, got=repr(pattern))


def _reject_ambiguous_patterns(path: str, owner_of: Mapping[str, str]) -> None:
    """Two patterns that can match the same directory with equal specificity are an error."""
    patterns = sorted(owner_of)
    for i, a in enumerate(patterns):
        for b in patterns[i + 1 :]:
            sa, sb = a.split("/"), b.split("/")
            if len(sa) != len(sb) or sa.count(WILDCARD) != sb.count(WILDCARD):
                continue
            if all(x == y or WILDCARD in (x, y) for x, y in zip(sa, sb)):
                raise InvalidRulesFile(
                    path,
                    owner_of[b],
                    f"a pattern that cannot match the same directories as {owner_of[a]} ({a!r})",
                    got=repr(b),
                )


def _parse_rules(path: str, data: Mapping[str, Any], trees: tuple[Tree, ...]) -> tuple[Rule, ...]:
    entries = _require(
        path, "rules", data, list, "an array of [[rules]] tables (one rule per tree)"
    )
    tree_names = tuple(t.name for t in trees)
    rules: list[Rule] = []
    key_of_id: dict[str, str] = {}
    key_of_tree: dict[str, str] = {}
    for n, entry in enumerate(entries, start=1):
        key = f"rules[{n}]"
        rule = _parse_rule(path, key, entry, tree_names)
        if rule.id in key_of_id:
            raise InvalidRulesFile(
                path,
                f"{key}.id",
                f"an id no other rule has ({key_of_id[rule.id]} has it)",
                got=repr(rule.id),
            )
        if rule.tree in key_of_tree:
            raise InvalidRulesFile(
                path,
                f"{key}.tree",
                f"a tree no other rule protects ({key_of_tree[rule.tree]} protects {rule.tree!r})",
                got=repr(rule.tree),
            )
        key_of_id[rule.id] = key
        key_of_tree[rule.tree] = key
        rules.append(rule)
    for tree_name in tree_names:
        if tree_name not in key_of_tree:
            raise InvalidRulesFile(
                path,
                "rules",
                f"a [[rules]] table with tree = {tree_name!r} (every tree needs exactly one rule)",
            )
    return tuple(rules)


def _parse_rule(path: str, key: str, entry: Any, tree_names: tuple[str, ...]) -> Rule:
    if not isinstance(entry, dict):
        raise InvalidRulesFile(path, key, "a [[rules]] table", got=repr(entry))
    _reject_unknown_keys(path, key, entry, _RULE_KEYS)

    rule_id, text = _id_and_text(
        path, key, entry, "1", "nothing may import a service other than itself"
    )

    tree = entry.get("tree")
    if tree not in tree_names:
        raise InvalidRulesFile(
            path,
            f"{key}.tree",
            f"one of the trees: {', '.join(map(repr, tree_names))}",
            got=repr(tree),
        )

    importers = entry.get("may-be-imported-by")
    importers_key = f"{key}.may-be-imported-by"
    choices = ", ".join(map(repr, (ITSELF, EVERYTHING, *tree_names)))
    if not isinstance(importers, list):
        raise InvalidRulesFile(
            path,
            importers_key,
            f"a list of importers from: {choices} (may be empty)",
            got=repr(importers),
        )
    for i, importer in enumerate(importers, start=1):
        if importer not in (ITSELF, EVERYTHING, *tree_names):
            raise InvalidRulesFile(
                path, f"{importers_key}[{i}]", f"one of: {choices}", got=repr(importer)
            )
    return Rule(id=rule_id, text=text, tree=tree, may_be_imported_by=tuple(importers))


def _parse_banned_imports(
    path: str, data: Mapping[str, Any], key_of_id: Mapping[str, str]
) -> tuple[BannedImports, ...]:
    entries = data.get("banned-imports", [])
    if not isinstance(entries, list):
        raise InvalidRulesFile(
            path, "banned-imports", "an array of [[banned-imports]] tables", got=repr(entries)
        )
    key_of_id = dict(key_of_id)
    bans = []
    for n, entry in enumerate(entries, start=1):
        key = f"banned-imports[{n}]"
        if not isinstance(entry, dict):
            raise InvalidRulesFile(path, key, "a [[banned-imports]] table", got=repr(entry))
        _reject_unknown_keys(path, key, entry, _BAN_KEYS)
        ban_id, text = _id_and_text(
            path, key, entry, '"engine-free"', "a pure plugin module may not import Pants"
        )
        if ban_id in key_of_id:
            raise InvalidRulesFile(
                path,
                f"{key}.id",
                f"an id no other rule has ({key_of_id[ban_id]} has it)",
                got=repr(ban_id),
            )
        key_of_id[ban_id] = key
        modules = _string_list(path, f"{key}.modules", entry.get("modules"), 'e.g. ["pants"]')
        for i, module in enumerate(modules, start=1):
            if not _MODULE_NAME.match(module):
                raise InvalidRulesFile(
                    path,
                    f"{key}.modules[{i}]",
                    "a dotted module name, e.g. 'pants'",
                    got=repr(module),
                )
        files = _string_list(
            path, f"{key}.files", entry.get("files"), 'e.g. ["build-support/plugins/pantry/**"]'
        )
        except_files = _string_list(
            path, f"{key}.except", entry.get("except", []), 'e.g. ["**/rules.py"]', empty=True
        )
        for name, patterns in (("files", files), ("except", except_files)):
            for i, pattern in enumerate(patterns, start=1):
                _check_file_pattern(path, f"{key}.{name}[{i}]", pattern)
        bans.append(
            BannedImports(
                id=ban_id,
                text=text,
                modules=modules,
                files=files,
                except_files=except_files,
            )
        )
    return tuple(bans)


def _id_and_text(
    path: str, key: str, entry: Mapping[str, Any], id_example: str, text_example: str
) -> tuple[str, str]:
    """The `id` and `text` of a `[[rules]]` or `[[banned-imports]]` table, validated."""
    rule_id = entry.get("id")
    if isinstance(rule_id, bool) or not isinstance(rule_id, (int, str)) or rule_id == "":
        raise InvalidRulesFile(
            path,
            f"{key}.id",
            f"a rule number or non-empty string, e.g. id = {id_example}",
            got=repr(rule_id),
        )
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidRulesFile(
            path,
            f"{key}.text",
            f'the rule in words, e.g. text = "{text_example}"',
            got=repr(text),
        )
    return str(rule_id), text.strip()


def _string_list(
    path: str, key: str, value: Any, example: str, empty: bool = False
) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not (value or empty)
        or not all(isinstance(v, str) and v for v in value)
    ):
        kind = "a list" if empty else "a non-empty list"
        raise InvalidRulesFile(
            path, key, f"{kind} of non-empty strings, {example}", got=repr(value)
        )
    return tuple(value)


def _check_file_pattern(path: str, key: str, pattern: str) -> None:
    segments = pattern.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise InvalidRulesFile(
            path,
            key,
            'a relative file pattern, e.g. "build-support/plugins/pantry/**/*_test.py"',
            got=repr(pattern),
        )


def _require(path: str, key: str, data: Mapping[str, Any], kind: type, expected: str) -> Any:
    if key not in data:
        raise InvalidRulesFile(path, key, expected, got="nothing (the key is missing)")
    value = data[key]
    if not isinstance(value, kind):
        raise InvalidRulesFile(path, key, expected, got=repr(value))
    return value


def _reject_unknown_keys(
    path: str, prefix: str, data: Mapping[str, Any], known: tuple[str, ...]
) -> None:
    for name in data:
        if name not in known:
            key = f"{prefix}.{name}" if prefix else name
            raise InvalidRulesFile(
                path, key, f"only the keys {', '.join(known)}", got=f"unknown key {name!r}"
            )
