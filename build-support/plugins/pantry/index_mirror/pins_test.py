from __future__ import annotations

import json

import pytest
from pantry.index_mirror.pins import (
    Pin,
    PinsError,
    dedupe,
    hash_pinned_requirements,
    pins_from_pex_lock,
)

A = "a" * 64
B = "b" * 64


def lock_text(*artifacts: tuple[str, str]) -> str:
    body = {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "project_name": "Demo_Pkg",
                        "version": "1.0",
                        "artifacts": [
                            {"algorithm": "sha256", "hash": h, "url": u} for u, h in artifacts
                        ],
                    }
                ]
            }
        ]
    }
    return "// header line Pants writes\n" + json.dumps(body)


def test_pins_from_pex_lock() -> None:
    pins = pins_from_pex_lock(
        lock_text(
            ("https://files.example/packages/ab/demo_pkg-1.0-py3-none-any.whl", A),
            ("https://files.example/packages/cd/demo%2Bpkg-1.0.tar.gz", B),
        ),
        "x.lock",
    )
    assert [(p.project, p.version, p.filename, p.sha256, p.source) for p in pins] == [
        ("demo-pkg", "1.0", "demo_pkg-1.0-py3-none-any.whl", A, "x.lock"),
        ("demo-pkg", "1.0", "demo+pkg-1.0.tar.gz", B, "x.lock"),
    ]


def test_pins_from_bad_lock() -> None:
    with pytest.raises(PinsError, match=r"^x.lock:1: not a pex lockfile: .*generate-lockfiles"):
        pins_from_pex_lock("{not json", "x.lock")


def test_hash_pinned_requirements() -> None:
    text = f"""# comment
Pex==2.19.1 \\
    --hash=sha256:{A} \\
    --hash=sha256:{B.upper()}
six==1.17.0 --hash=sha256:{A}  # trailing comment
"""
    entries = hash_pinned_requirements(text, "r.txt")
    assert [(e.project, e.version, e.sha256s, e.source) for e in entries] == [
        ("pex", "2.19.1", (A, B), "r.txt:2"),
        ("six", "1.17.0", (A,), "r.txt:5"),
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("six>=1 --hash=sha256:" + A, r"^r.txt:1: 'six>=1' is not pinned to one version"),
        ("six==1.17.0", r"^r.txt:1: 'six==1.17.0' has no --hash=sha256"),
        ("-r other.txt", r"^r.txt:1: option line '-r' is not supported"),
        ("six[==1.0 --hash=sha256:" + A, r"^r.txt:1: invalid requirement .six\[==1.0."),
    ],
)
def test_hash_pinned_requirements_errors(line: str, message: str) -> None:
    with pytest.raises(PinsError, match=message):
        hash_pinned_requirements(line + "\n", "r.txt")


def test_dedupe_keeps_first_and_refuses_contradictions() -> None:
    one = Pin("six", "1.17.0", A, "a.lock", "six-1.17.0-py2.py3-none-any.whl", "u")
    same = Pin("six", "1.17.0", A, "b.lock", "six-1.17.0-py2.py3-none-any.whl", "u")
    assert dedupe([one, same]) == (one,)
    other = Pin("six", "1.17.0", B, "b.lock", "six-1.17.0-py2.py3-none-any.whl", "u")
    message = "pinned with two different sha256s: .* by a.lock and .* by b.lock"
    with pytest.raises(PinsError, match=message):
        dedupe([one, other])
