"""Rewrite an upstream repository's history so every commit has its files at their house paths.

`git fast-export HEAD` of the upstream clone goes through `rewrite_export`, which moves each
file path (`M` and `D` commands) to where the layout puts it under TREE/NAME (or drops it),
and renames the branch; `git fast-import` loads the result into the monorepo, and a merge
with `--allow-unrelated-histories` joins it. So `git log` and `git blame` of an adopted file
reach back into its upstream history without `--follow`, as with git-filter-repo's
`--path-rename`, which is not installed here.

Blobs and commit messages pass through byte for byte (`data <n>` blocks are copied, never
parsed). Submodule entries (mode 160000) are dropped: their commits are not in the stream.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b",
            b"f": b"\f", b"r": b"\r", b"v": b"\v"}  # fmt: skip


def unquote(path: bytes) -> bytes:
    """A path as git writes it: raw, or C-quoted ("a\\tb", octal escapes for non-ASCII)."""
    if not path.startswith(b'"'):
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
        elif re.match(rb"[0-7]{3}", body[i + 1 : i + 4]):
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out += _ESCAPES.get(body[i + 1 : i + 2], body[i + 1 : i + 2])
            i += 2
    return bytes(out)


def quote(path: bytes) -> bytes:
    if not re.search(rb'[\x00-\x1f"\\\x7f-\xff]', path) and not path.startswith(b'"'):
        return path
    reverse = {value: key for key, value in _ESCAPES.items()}
    out = bytearray(b'"')
    for byte in path:
        char = bytes([byte])
        if char in reverse:
            out += b"\\" + reverse[char]
        elif byte < 0x20 or byte >= 0x7F:
            out += b"\\%03o" % byte
        else:
            out += char
    return bytes(out + b'"')


def rewrite_export(
    stream: bytes, map_path: Callable[[str], Optional[str]], ref: str
) -> tuple[bytes, int]:
    """(the rewritten stream, how many file entries were dropped)."""
    out, dropped, i = bytearray(), 0, 0
    while i < len(stream):
        end = stream.find(b"\n", i)
        end = len(stream) if end == -1 else end
        line = stream[i:end]
        i = end + 1
        if line.startswith(b"data "):
            size = int(line[5:])
            out += line + b"\n" + stream[i : i + size]
            i += size
            continue
        if line.startswith((b"commit ", b"reset ")):
            line = line.split(b" ", 1)[0] + b" " + ref.encode()
        elif line.startswith(b"M "):
            _, mode, dataref, raw = line.split(b" ", 3)
            target = map_path(unquote(raw).decode("utf-8", "surrogateescape"))
            if target is None or mode == b"160000":
                dropped += 1
                continue
            line = b" ".join(
                [b"M", mode, dataref, quote(target.encode("utf-8", "surrogateescape"))]
            )
        elif line.startswith(b"D "):
            target = map_path(unquote(line[2:]).decode("utf-8", "surrogateescape"))
            if target is None:
                continue
            line = b"D " + quote(target.encode("utf-8", "surrogateescape"))
        out += line + b"\n"
    return bytes(out), dropped
