"""Debian packages as image layers, with the standard library only (no dpkg, no apt).

- `parse_pins` / `render_pins`: the pins file of an `oci_base_image` (name, version, sha256).
- `deb_entries`: a `.deb` is an `ar` archive holding `data.tar.{xz,gz,bz2}`; its files become
  layer entries (documentation dropped, copyright notices kept, modes normalised).
- `base_root_fs`: the entries of several packages plus what their maintainer scripts would
  have made: the CA bundle, /etc/passwd and /etc/group with one non-root user, /tmp.
- `tools_tree`: the entries of several packages under `root/`, plus one `bin/NAME` wrapper
  per program that runs it with the tree's shared libraries (`debian_tools` targets).
"""

from __future__ import annotations

import io
import re
import tarfile
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from pantry.oci.layout import Entry, normalize_path

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
REPIN_HINT = "re-pin with `./pants run build-support/plugins/pantry/oci:repin -- {path}`"


class PinsError(ValueError):
    """A pins file line that is not `NAME VERSION SHA256`."""


class DebError(ValueError):
    """A `.deb` that is not an ar archive with a data.tar member."""


class ToolsTreeError(ValueError):
    """A `debian_tools` program that none of the pinned packages ships."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    @property
    def spec(self) -> str:
        return f"{self.name}={self.version}"


def parse_pins(text: str, path: str) -> tuple[Pin, ...]:
    """Pins sorted by name; every problem names `path:line`, the bad text and the fix."""
    pins: dict[str, Pin] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{number}"
        fields = line.split()
        if len(fields) == 2:
            raise PinsError(
                f"{where}: package {fields[0]!r} has no sha256; every base package is pinned as "
                f"`NAME VERSION SHA256`; {REPIN_HINT.format(path=path)}"
            )
        if len(fields) != 3:
            raise PinsError(
                f"{where}: expected `NAME VERSION SHA256`, got {raw.strip()!r}; e.g. "
                "`libc6 2.36-9+deb12u10 <64 hex digits>`"
            )
        name, version, sha256 = fields
        if not NAME_RE.match(name):
            raise PinsError(f"{where}: {name!r} is not a Debian package name")
        if not SHA256_RE.match(sha256):
            raise PinsError(
                f"{where}: the sha256 of {name!r} must be 64 lowercase hex digits, got "
                f"{sha256!r}; {REPIN_HINT.format(path=path)}"
            )
        if name in pins:
            raise PinsError(f"{where}: package {name!r} is pinned twice")
        pins[name] = Pin(name, version, sha256)
    if not pins:
        raise PinsError(f"{path}: no packages pinned; add lines `NAME VERSION SHA256`")
    return tuple(sorted(pins.values(), key=lambda pin: pin.name))


def render_pins(pins: Iterable[Pin], header: str) -> str:
    lines = [header.rstrip("\n")] if header else []
    lines += [f"{p.name} {p.version} {p.sha256}" for p in sorted(pins, key=lambda p: p.name)]
    return "\n".join(lines) + "\n"


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of a System V / GNU `ar` archive (the container format of a .deb)."""
    if not data.startswith(b"!<arch>\n"):
        raise DebError("not an ar archive (missing the `!<arch>` magic)")
    members: dict[str, bytes] = {}
    offset = 8
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        if header[58:60] != b"`\n":
            raise DebError(f"corrupt ar member header at byte {offset}")
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        offset += 60
        members[name] = data[offset : offset + size]
        offset += size + (size % 2)
    return members


# Not needed at run time; distroless images drop them too (copyright notices are kept).
DROPPED_PREFIXES = ("usr/share/man/", "usr/share/info/", "usr/share/lintian/", "usr/share/doc/")


def keep(path: str) -> bool:
    if path.startswith("usr/share/doc/"):
        return path.endswith("/copyright")
    return not any(path.startswith(prefix) for prefix in DROPPED_PREFIXES)


def deb_entries(deb: bytes) -> dict[str, Entry]:
    members = ar_members(deb)
    data_names = [name for name in members if name.startswith("data.tar")]
    if not data_names:
        raise DebError(f"no data.tar member (members: {sorted(members)})")
    entries: dict[str, Entry] = {}
    with tarfile.open(fileobj=io.BytesIO(members[data_names[0]]), mode="r:*") as tar:
        hardlinks = []
        for info in tar:
            path = normalize_path(info.name)
            if not path or not keep(path):
                continue
            if info.isdir():
                entries[path] = Entry.dir()
            elif info.issym():
                entries[path] = Entry.symlink(info.linkname)
            elif info.islnk():
                hardlinks.append((path, normalize_path(info.linkname)))
            elif info.isfile():
                extracted = tar.extractfile(info)
                assert extracted is not None
                entries[path] = Entry.file(extracted.read(), executable=bool(info.mode & 0o111))
        for path, target in hardlinks:  # a copy: layers need no hard links
            if target in entries:
                entries[path] = entries[target]
    return entries


def ca_bundle(entries: Mapping[str, Entry]) -> bytes:
    """What `update-ca-certificates` would write: every shipped certificate, sorted."""
    certs = sorted(
        path
        for path, entry in entries.items()
        if path.startswith("usr/share/ca-certificates/")
        and path.endswith(".crt")
        and entry.kind == "file"
    )
    return b"".join(entries[path].data.rstrip(b"\n") + b"\n" for path in certs)


def base_root_fs(
    debs: Iterable[bytes], user: str = "nonroot", uid: int = 65532
) -> dict[str, Entry]:
    """The root file system of a distroless base: packages, CA bundle, users, /tmp."""
    entries: dict[str, Entry] = {}
    for deb in debs:
        entries.update(deb_entries(deb))
    bundle = ca_bundle(entries)
    if bundle:
        entries["etc/ssl/certs/ca-certificates.crt"] = Entry.file(bundle)
        # OpenSSL's default paths (OPENSSLDIR=/usr/lib/ssl); the `openssl` package would link them.
        entries["usr/lib/ssl/cert.pem"] = Entry.symlink("/etc/ssl/certs/ca-certificates.crt")
        entries["usr/lib/ssl/certs"] = Entry.symlink("/etc/ssl/certs")
    entries["etc/passwd"] = Entry.file(
        f"root:x:0:0:root:/root:/sbin/nologin\n"
        f"{user}:x:{uid}:{uid}:{user}:/home/{user}:/sbin/nologin\n".encode()
    )
    entries["etc/group"] = Entry.file(f"root:x:0:\n{user}:x:{uid}:\n".encode())
    entries["tmp"] = Entry.dir(0o1777)
    entries["root"] = Entry.dir(0o700)
    entries[f"home/{user}"] = Entry.dir(0o1777)  # layer owners are fixed to 0: sticky, writable
    return entries


TOOLS_ROOT = "root"
TOOLS_BIN = "bin"
# A shared object: libfoo.so, libfoo.so.1, libfoo.so.1.2.3.
SHARED_OBJECT_RE = re.compile(r"^[^/]+\.so(\.[0-9]+)*$")
# `{root}` in a program's fixed arguments is the unpacked tree, e.g. a config file it ships.
ROOT_PLACEHOLDER = "{root}"


def library_dirs(entries: Mapping[str, Entry]) -> tuple[str, ...]:
    """The directories of `entries` that hold shared objects, sorted."""
    return tuple(
        sorted(
            {
                path.rpartition("/")[0]
                for path, entry in entries.items()
                if entry.kind in ("file", "symlink")
                and SHARED_OBJECT_RE.match(path.rpartition("/")[2])
            }
        )
    )


def shell_quote(word: str) -> str:
    """`word` for a POSIX shell, inside double quotes so `$root` still expands."""
    escaped = "".join("\\" + c if c in '"\\`$' else c for c in word)
    return '"' + escaped.replace(ROOT_PLACEHOLDER, "$root") + '"'


def wrapper_script(argv: Sequence[str], libs: Sequence[str]) -> bytes:
    """A POSIX sh script that runs `argv` from the tree next to it, with its libraries.

    It finds the tree from its own path (`$0`), so the unpacked directory can live anywhere
    (a Pants sandbox, dist/, a cache); the host's libraries are used for anything the tree
    does not ship.
    """
    program, *args = argv
    lines = [
        "#!/bin/sh",
        "# Generated by pantry.oci (debian_tools): runs a program of the pinned Debian packages.",
        'case "$0" in /*) here="${0%/*}" ;; */*) here="$PWD/${0%/*}" ;; *) here="$PWD" ;; esac',
        f'root="$here/../{TOOLS_ROOT}"',
    ]
    if libs:
        path = ":".join(f"$root/{d}" for d in libs)
        lines.append(f'LD_LIBRARY_PATH="{path}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"')
        lines.append("export LD_LIBRARY_PATH")
    words = [f'"$root/{program}"', *(shell_quote(a) for a in args), '"$@"']
    lines.append("exec " + " ".join(words))
    return ("\n".join(lines) + "\n").encode()


def resolve_in_tree(files: Mapping[str, Entry], path: str) -> Entry | None:
    """The entry `path` names, following symlinks that stay inside the packages (a few hops).

    Some programs are a symlink their package ships (redis-server -> redis-check-rdb) and
    behave by the name they are run as, so the wrapper runs the symlink itself.
    """
    for _ in range(8):
        entry = files.get(path)
        if entry is None or entry.kind != "symlink":
            return entry
        base = "" if entry.target.startswith("/") else path.rpartition("/")[0] + "/"
        try:
            path = normalize_path(base + entry.target)
        except ValueError:
            return None
    return None


def tools_tree(
    debs: Iterable[bytes], binaries: Mapping[str, Sequence[str]], where: str
) -> dict[str, Entry]:
    """The packages' files under `root/`, and `bin/NAME` running `binaries[NAME]` from there.

    `binaries` maps a name to the program's path in the packages plus fixed arguments, e.g.
    `{"skopeo": ["usr/bin/skopeo", "--policy", "{root}/etc/containers/policy.json"]}`.
    """
    files: dict[str, Entry] = {}
    for deb in debs:
        files.update(deb_entries(deb))
    entries = {f"{TOOLS_ROOT}/{path}": entry for path, entry in files.items()}
    libs = library_dirs(files)
    for name, argv in sorted(binaries.items()):
        program = normalize_path(argv[0])
        entry = resolve_in_tree(files, program)
        if entry is None or entry.kind != "file" or not entry.mode & 0o111:
            shipped = sorted(p for p, e in files.items() if e.kind == "file" and e.mode & 0o111)
            raise ToolsTreeError(
                f"{where}: the program of {name!r}, {argv[0]!r}, is not an executable file of "
                f"the pinned packages; pin the package that ships it, or name one of: "
                f"{', '.join(shipped[:20]) or 'none'}"
            )
        entries[f"{TOOLS_BIN}/{name}"] = Entry.file(
            wrapper_script([program, *argv[1:]], libs), executable=True
        )
    return entries
