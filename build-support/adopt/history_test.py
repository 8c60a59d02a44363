from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from adopt.history import quote, rewrite_export, unquote


@pytest.mark.parametrize(
    "raw, quoted",
    [
        (b"src/a.py", b"src/a.py"),
        (b"a b/c.txt", b"a b/c.txt"),
        ("caf\u00e9.txt".encode(), b'"caf\\303\\251.txt"'),
        (b'say "hi".txt', b'"say \\"hi\\".txt"'),
        (b"tab\there", b'"tab\\there"'),
    ],
)
def test_quote_round_trip(raw: bytes, quoted: bytes) -> None:
    assert quote(raw) == quoted
    assert unquote(quoted) == raw


def mapping(path: str):
    return {"six.py": "x/src/six.py", "test_six.py": "x/tests/test_six.py"}.get(path)


def test_rewrite_moves_paths_drops_others_and_keeps_data_verbatim() -> None:
    message = b"M not a command\nD neither\n"
    stream = (
        b"blob\nmark :1\ndata 5\nM a b\n"
        b"commit refs/heads/main\nmark :2\nauthor A <a@x> 0 +0000\ncommitter A <a@x> 0 +0000\n"
        + b"data %d\n" % len(message)
        + message
        + b"M 100644 :1 six.py\nM 100644 :1 setup.py\nM 160000 0123 vendored\n"
        b"D test_six.py\nD setup.py\n\nreset refs/heads/main\nfrom :2\n\n"
    )
    rewritten, dropped = rewrite_export(stream, mapping, "refs/adopt/x")
    assert rewritten == (
        b"blob\nmark :1\ndata 5\nM a b\n"
        b"commit refs/adopt/x\nmark :2\nauthor A <a@x> 0 +0000\ncommitter A <a@x> 0 +0000\n"
        + b"data %d\n" % len(message)
        + message
        + b"M 100644 :1 x/src/six.py\nD x/tests/test_six.py\n\nreset refs/adopt/x\nfrom :2\n\n"
    )
    assert dropped == 2


def test_real_git_round_trip(tmp_path: Path) -> None:
    def git(repo: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
        identity = ["-c", "user.name=T", "-c", "user.email=t@pantry.invalid"]
        return subprocess.run(["git", *identity, *args], cwd=repo, check=True,
                              capture_output=True, **kwargs)  # fmt: skip

    upstream, target = tmp_path / "up", tmp_path / "mono"
    for repo in (upstream, target):
        repo.mkdir()
        git(repo, "init", "-q")
    (upstream / "six.py").write_text("one\n")
    (upstream / "setup.py").write_text("setup()\n")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "first")
    (upstream / "six.py").write_text("two\n")
    git(upstream, "commit", "-qam", "second")
    stream = git(upstream, "fast-export", "HEAD").stdout
    rewritten, _ = rewrite_export(stream, mapping, "refs/adopt/x")
    git(target, "fast-import", "--quiet", input=rewritten)
    files = git(target, "ls-tree", "-r", "--name-only", "refs/adopt/x").stdout.decode().split()
    assert files == ["x/src/six.py"]
    log = git(target, "log", "--format=%s", "refs/adopt/x", "--", "x/src/six.py").stdout
    assert log.decode().split() == ["second", "first"]
