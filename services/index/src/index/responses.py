"""The response type the index's handlers return, and plain-text helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# A reason phrase may only hold visible ASCII and spaces here (clients choke on more).
_UNSAFE_REASON = re.compile(r"[^\x20-\x7e]+")
_MAX_REASON = 300
# Distribution files and blobs never change.
FILE_CACHE_CONTROL = "public, max-age=31536000, immutable"
_CHUNK = 1 << 16


@dataclass
class Response:
    status: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Iterable[bytes] = ()


def text(status: str, message: str, *headers: tuple[str, str]) -> Response:
    """A text/plain response whose body is `message` and a newline."""
    body = (message + "\n").encode()
    return Response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *headers,
        ],
        [body],
    )


def refusal(code: int, message: str, *headers: tuple[str, str]) -> Response:
    """An error whose reason phrase is the message itself, as PyPI's upload API does.

    twine shows only the status line of a failed upload ("HTTPError: 409 Conflict from URL"
    and then the reason), so the reason is where the explanation has to be; the body repeats
    it in full.
    """
    reason = _UNSAFE_REASON.sub("?", message)
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    return text(f"{code} {reason}", message, *headers)


def file_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes, read as the server sends them."""
    with open(path, "rb") as f:
        yield from iter(lambda: f.read(_CHUNK), b"")
