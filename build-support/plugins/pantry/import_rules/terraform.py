"""Find the local `source` paths of Terraform `module` blocks, with line numbers.

    module "index" {
      source = "../services/index/infra"   # local: checked against the rules
    }
    module "vpc" {
      source = "terraform-aws-modules/vpc/aws"   # registry, git, URL: ignored
    }

Terraform treats a source as a local path only when it starts with `./` or `../`; every
other source is fetched from elsewhere and cannot cross a boundary in this repository.

This is a small tokenizer rather than a full HCL parser: it understands comments
(`#`, `//`, `/* */`), quoted strings (with escapes and `${...}`), heredocs and nested
blocks, which is all it takes to find `source = "..."` directly inside a top-level
`module` block. JSON-syntax files (`*.tf.json`) are not read.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Optional

from .classify import normalize_path

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")


@dataclass(frozen=True)
class ModuleSource:
    """One `module "name" { source = "..." }`; `line` is the line of `source`."""

    name: str
    source: str
    line: int


class _Token(NamedTuple):
    kind: str  # "ident", "string", "{", "}", "=", "other"
    value: str
    line: int


def find_module_sources(text: str) -> tuple[ModuleSource, ...]:
    """Every top-level `module` block's `source`, in file order."""
    found = []
    tokens = list(_tokenize(text))
    depth = 0
    module_name: Optional[str] = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "{":
            depth += 1
        elif token.kind == "}":
            depth = max(depth - 1, 0)
            if depth == 0:
                module_name = None
        elif depth == 0 and token.kind == "ident" and token.value == "module":
            label = tokens[i + 1] if i + 1 < len(tokens) else None
            brace = tokens[i + 2] if i + 2 < len(tokens) else None
            if label and label.kind in ("string", "ident") and brace and brace.kind == "{":
                module_name = label.value
                depth = 1
                i += 3
                continue
        elif depth == 1 and module_name is not None and token.kind == "ident":
            if token.value == "source" and _kinds(tokens[i + 1 : i + 3]) == ("=", "string"):
                found.append(ModuleSource(module_name, tokens[i + 2].value, token.line))
                i += 3
                continue
        i += 1
    return tuple(found)


def resolve_local_source(terraform_file: str, source: str) -> Optional[str]:
    """The repository path a local `source` points at, or None for any other source.

    `resolve_local_source("infra/main.tf", "../services/index/infra")` is
    `"services/index/infra"`. A path that climbs out of the repository is None too.
    """
    if not (source.startswith("./") or source.startswith("../")):
        return None
    directory = posixpath.dirname(normalize_path(terraform_file))
    resolved = normalize_path(posixpath.join(directory, source))
    if resolved == ".." or resolved.startswith("../"):
        return None
    return resolved


def _kinds(tokens: list[_Token]) -> tuple[str, ...]:
    return tuple(t.kind for t in tokens)


def _tokenize(text: str) -> Iterator[_Token]:
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end == -1 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif c == '"':
            value, end = _read_string(text, i)
            yield _Token("string", value, line)
            line += text.count("\n", i, end)
            i = end
        elif text.startswith("<<", i) and _HEREDOC.match(text, i):
            match = _HEREDOC.match(text, i)
            assert match is not None
            marker = match.group(2)
            closing = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*$", re.MULTILINE)
            close = closing.search(text, match.end())
            end = n if close is None else close.end()
            yield _Token("other", "heredoc", line)
            line += text.count("\n", i, end)
            i = end
        elif c in "{}=":
            # `==` is a comparison, not an assignment.
            if c == "=" and text.startswith("==", i):
                yield _Token("other", "==", line)
                i += 2
                continue
            yield _Token(c, c, line)
            i += 1
        else:
            match = _IDENT.match(text, i)
            if match:
                yield _Token("ident", match.group(), line)
                i = match.end()
            else:
                yield _Token("other", c, line)
                i += 1


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read the quoted string starting at `start`; returns (value, index after it).

    Escapes are decoded for the common cases; `${...}` / `%{...}` are kept verbatim,
    including any quotes nested inside them.
    """
    out = []
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(text[i + 1], text[i + 1]))
            i += 2
        elif c in "$%" and text.startswith("{", i + 1):
            end = _template_end(text, i + 2)
            out.append(text[i:end])
            i = end
        elif c == '"' or c == "\n":
            return "".join(out), i + 1 if c == '"' else i
        else:
            out.append(c)
            i += 1
    return "".join(out), n


def _template_end(text: str, i: int) -> int:
    """Index after the `}` closing a `${` whose body starts at `i`."""
    depth, n = 1, len(text)
    while i < n and depth:
        c = text[i]
        if c == '"':
            _value, i = _read_string(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    return i
