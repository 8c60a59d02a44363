from __future__ import annotations

import io
import tarfile

import pytest
from pantry.oci.debian import (
    DebError,
    Pin,
    PinsError,
    ToolsTreeError,
    base_root_fs,
    deb_entries,
    library_dirs,
    parse_pins,
    render_pins,
    tools_tree,
    wrapper_script,
)

SHA = "a" * 64
PATH = "external/oci/base/packages.lock"


def make_deb(files: dict, symlinks: dict | None = None, hardlinks: dict | None = None) -> bytes:
    """A real .deb: an ar archive with debian-binary, control.tar.xz and data.tar.xz."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size, info.mode, info.mtime = (
                len(content),
                0o4755 if "/bin/" in name else 0o644,
                12345,
            )
            tar.addfile(info, io.BytesIO(content))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo("./" + name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        for name, target in (hardlinks or {}).items():
            info = tarfile.TarInfo("./" + name)
            info.type, info.linkname = tarfile.LNKTYPE, "./" + target
            tar.addfile(info)
    members = [
        (b"debian-binary", b"2.0\n"),
        (b"control.tar.xz", b"x"),
        (b"data.tar.xz", data.getvalue()),
    ]
    out = b"!<arch>\n"
    for name, content in members:
        header = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) + b"0".ljust(6)
        header += b"100644".ljust(8) + str(len(content)).encode().ljust(10) + b"`\n"
        out += header + content + (b"\n" if len(content) % 2 else b"")
    return out


def test_parse_pins_sorted_with_comments() -> None:
    text = f"# header\nzlib1g 1:1.2 {SHA}  # trailing\n\nlibc6 2.36 {SHA}\n"
    assert parse_pins(text, PATH) == (Pin("libc6", "2.36", SHA), Pin("zlib1g", "1:1.2", SHA))


@pytest.mark.parametrize(
    "text, message",
    [
        ("libc6 2.36\n", f"{PATH}:1: package 'libc6' has no sha256; every base package is pinned"),
        ("libc6\n", f"{PATH}:1: expected `NAME VERSION SHA256`, got 'libc6'"),
        (f"libc6 2.36 {SHA[:-1]}\n", f"{PATH}:1: the sha256 of 'libc6' must be 64 lowercase hex"),
        (f"Libc6 2.36 {SHA}\n", f"{PATH}:1: 'Libc6' is not a Debian package name"),
        (f"a1 1 {SHA}\na1 2 {SHA}\n", f"{PATH}:2: package 'a1' is pinned twice"),
        ("# nothing\n", f"{PATH}: no packages pinned"),
    ],
)
def test_parse_pins_errors(text: str, message: str) -> None:
    with pytest.raises(PinsError) as e:
        parse_pins(text, PATH)
    assert str(e.value).startswith(message)


def test_missing_hash_error_says_how_to_repin() -> None:
    with pytest.raises(
        PinsError, match="re-pin with `./pants run build-support/plugins/pantry/oci:repin -- "
    ):
        parse_pins("libc6 2.36\n", PATH)


def test_render_pins_round_trips() -> None:
    pins = (Pin("b1", "2", SHA), Pin("a1", "1", SHA))
    text = render_pins(pins, "# header")
    assert text == f"# header\na1 1 {SHA}\nb1 2 {SHA}\n"
    assert parse_pins(text, PATH) == tuple(sorted(pins, key=lambda p: p.name))


def test_deb_entries() -> None:
    deb = make_deb(
        {
            "usr/bin/python3.11": b"ELF",
            "usr/lib/x.so.1": b"lib",
            "usr/share/doc/x/changelog.gz": b"drop me",
            "usr/share/doc/x/copyright": b"keep me",
            "usr/share/man/man1/x.1.gz": b"drop me",
        },
        symlinks={"usr/lib/x.so": "x.so.1"},
        hardlinks={"usr/bin/python3": "usr/bin/python3.11"},
    )
    entries = deb_entries(deb)
    assert sorted(entries) == [
        "usr/bin/python3",
        "usr/bin/python3.11",
        "usr/lib/x.so",
        "usr/lib/x.so.1",
        "usr/share/doc/x/copyright",
    ]
    assert entries["usr/bin/python3.11"].mode == 0o755  # setuid dropped, exec kept
    assert entries["usr/lib/x.so.1"].mode == 0o644
    assert entries["usr/lib/x.so"].target == "x.so.1"
    assert entries["usr/bin/python3"].data == b"ELF"


@pytest.mark.parametrize(
    "data, message",
    [(b"PK\x03\x04", "not an ar archive"), (b"!<arch>\n", "no data.tar member")],
)
def test_deb_errors(data: bytes, message: str) -> None:
    with pytest.raises(DebError, match=message):
        deb_entries(data)


def test_base_root_fs() -> None:
    certs = make_deb(
        {
            "usr/share/ca-certificates/mozilla/B.crt": b"-----B-----\n",
            "usr/share/ca-certificates/mozilla/A.crt": b"-----A-----",
        }
    )
    entries = base_root_fs([certs, make_deb({"usr/bin/python3.11": b"ELF"})], user="app", uid=1000)
    assert entries["etc/ssl/certs/ca-certificates.crt"].data == b"-----A-----\n-----B-----\n"
    assert entries["usr/lib/ssl/cert.pem"].target == "/etc/ssl/certs/ca-certificates.crt"
    assert b"app:x:1000:1000:app:/home/app:/sbin/nologin\n" in entries["etc/passwd"].data
    assert entries["etc/group"].data == b"root:x:0:\napp:x:1000:\n"
    assert entries["tmp"].mode == 0o1777
    assert "usr/bin/python3.11" in entries


TOOL_DEB_FILES = {
    "usr/bin/tool": b'#!/bin/sh\necho "$LD_LIBRARY_PATH|$*"\n',
    "etc/tool.conf": b"conf\n",
}
LIB_DEB_FILES = {"usr/lib/x86_64-linux-gnu/libtool.so.1.2": b"ELF", "lib/x/libz.so": b"ELF"}


def test_library_dirs() -> None:
    entries = deb_entries(make_deb(LIB_DEB_FILES, symlinks={"usr/lib/y/libtool.so.1": "x"}))
    entries.update(deb_entries(make_deb({"usr/lib/notalib.sock": b"", "usr/lib/z/a.so.x": b""})))
    assert library_dirs(entries) == ("lib/x", "usr/lib/x86_64-linux-gnu", "usr/lib/y")


def test_wrapper_script_quotes_fixed_arguments() -> None:
    script = wrapper_script(["usr/bin/tool", "--conf", "{root}/etc/a b", '$HOME"`'], ["usr/lib"])
    assert script.decode().splitlines()[3:] == [
        'root="$here/../root"',
        'LD_LIBRARY_PATH="$root/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"',
        "export LD_LIBRARY_PATH",
        'exec "$root/usr/bin/tool" "--conf" "$root/etc/a b" "\\$HOME\\"\\`" "$@"',
    ]
    assert "LD_LIBRARY_PATH" not in wrapper_script(["usr/bin/tool"], []).decode()


def test_tools_tree() -> None:
    debs = [make_deb(TOOL_DEB_FILES), make_deb(LIB_DEB_FILES)]
    entries = tools_tree(debs, {"t": ["usr/bin/tool", "{root}/etc/tool.conf"]}, PATH)
    assert sorted(entries) == [
        "bin/t",
        "root/etc/tool.conf",
        "root/lib/x/libz.so",
        "root/usr/bin/tool",
        "root/usr/lib/x86_64-linux-gnu/libtool.so.1.2",
    ]
    assert entries["bin/t"].mode == 0o755
    assert entries["bin/t"].data == wrapper_script(
        ["usr/bin/tool", "{root}/etc/tool.conf"], ["lib/x", "usr/lib/x86_64-linux-gnu"]
    )


def test_tools_tree_runs_a_symlink_to_an_executable_by_its_own_name() -> None:
    symlinks = {"usr/bin/alias": "tool", "usr/bin/abs": "/usr/bin/tool"}
    deb = make_deb(TOOL_DEB_FILES, symlinks=symlinks)
    entries = tools_tree([deb], {"a": ["usr/bin/alias"], "b": ["usr/bin/abs"]}, PATH)
    assert entries["bin/a"].data == wrapper_script(["usr/bin/alias"], [])
    assert entries["bin/b"].data == wrapper_script(["usr/bin/abs"], [])


@pytest.mark.parametrize(
    "program", ["usr/bin/nope", "etc/tool.conf", "usr/bin/loop", "usr/bin/conf"]
)
def test_tools_tree_needs_an_executable_of_the_packages(program: str) -> None:
    with pytest.raises(ToolsTreeError) as e:
        symlinks = {"usr/bin/loop": "loop", "usr/bin/conf": "../../etc/tool.conf"}
        tools_tree([make_deb(TOOL_DEB_FILES, symlinks=symlinks)], {"t": [program]}, PATH)
    assert str(e.value) == (
        f"{PATH}: the program of 't', {program!r}, is not an executable file of the pinned "
        "packages; pin the package that ships it, or name one of: usr/bin/tool"
    )
