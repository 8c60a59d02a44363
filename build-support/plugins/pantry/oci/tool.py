"""The OCI builder run inside cacheable Pants processes (stdlib only; Python >= 3.9).

    python tool.py base-layer --pins FILE (--apt-get PATH | --index-url URL) --user NAME --uid N
        `apt-get download NAME=VERSION` for every pin (or, with --index-url, offline builds:
        GET <index>/blobs/sha256/<hex> from a Pantry index filled by `./pants index-mirror`),
        checks each .deb against its sha256, and writes the base layer.
    python tool.py pex-layer --pex PATH --install-dir DIR [--lock FILE]
        the third-party layer: a PEX built without our sources, plus the SBOM of its projects
        (made from the lockfile).
    python tool.py source-layer --sources DIR --install-dir DIR [--volume DIR --owner N]
        the first-party layer: our stripped sources, plus the image's volume directories.
    python tool.py tools-tree --pins FILE (--apt-get PATH | --index-url URL) --binaries JSON
            --out DIR
        fetches every pin as base-layer does, checks each .deb against its sha256,
        and unpacks them under DIR/root with one DIR/bin/NAME wrapper per program
        (`debian_tools` targets: the outside programs tests and goals run).
    python tool.py archive --layout DIR --out FILE [--repository NAME]
        writes an image layout directory as a reproducible `oci-archive` tarball, its tags
        named NAME:TAG (what `podman load` calls the image).

Each layer is written as `<out>/blobs/sha256/<hex>` plus `<out>.json` (digest, size,
diff_id). Failures print one clear message to stderr and exit 1, never a traceback.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Sequence
from urllib.parse import urlparse

from pantry.lockfile.lock_model import LockfileParseError, parse_lock
from pantry.oci.debian import (
    REPIN_HINT,
    DebError,
    Pin,
    PinsError,
    ToolsTreeError,
    base_root_fs,
    parse_pins,
    tools_tree,
)
from pantry.oci.layout import (
    Entry,
    Layer,
    blob_path,
    build_layer,
    canonical_json,
    index_with_repository,
    sha256_digest,
    tar_bytes,
)
from pantry.oci.pex_layers import directory_files, pex_files, rooted
from pantry.oci.sbom import SBOM_PATH, SbomError, cyclonedx, deps_wheels

DEBIAN_TO_OCI_ARCH = {"amd64": "amd64", "arm64": "arm64", "armhf": "arm", "i386": "386"}


class ToolError(Exception):
    pass


def write_layer(layer: Layer, out: str, extra: dict | None = None) -> None:
    path = os.path.join(out, blob_path(layer.digest))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(layer.blob)
    with open(f"{out}.json", "w") as f:
        json.dump({**layer.metadata(), **(extra or {})}, f, sort_keys=True)


class Apt:
    """`apt-get download` from the host's apt sources. A fresh machine's package lists may be
    missing or older than our pins: then the lists are fetched once into a private directory
    (`apt-get update` with Dir::State::Lists redirected) and the download retried. The host's
    own apt state is never written; what is downloaded is checked against its sha256 anyway."""

    def __init__(self, apt_get: str, workdir: str = ".") -> None:
        self.apt_get = apt_get
        self.workdir = workdir  # where .debs (and the private lists) are written
        self.options: list[str] = []  # empty: the host's lists

    def download(self, spec: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.apt_get, *self.options, "download", "-q", spec],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.workdir,
        )

    def use_private_lists(self) -> bool:
        """Fetch the package lists into ./.apt (once); False if that was done or failed."""
        if self.options:
            return False
        private = os.path.abspath(os.path.join(self.workdir, ".apt"))
        for sub in ("lists/partial", "cache/archives/partial"):
            os.makedirs(os.path.join(private, sub), exist_ok=True)
        options = [
            f"-oDir::State::Lists={private}/lists",
            f"-oDir::Cache={private}/cache",
            "-oDebug::NoLocking=1",
        ]
        if os.geteuid() == 0:  # else apt drops to `_apt`, which cannot write our directory
            options.append("-oAPT::Sandbox::User=root")
        update = subprocess.run(
            [self.apt_get, *options, "update", "-qq"], capture_output=True, text=True, check=False
        )
        if update.returncode != 0:
            return False
        self.options = options
        return True


def download(pin: Pin, apt: Apt, pins_path: str) -> bytes:
    pattern = os.path.join(apt.workdir, f"{glob.escape(pin.name)}_*.deb")
    before = set(glob.glob(pattern))
    result = apt.download(pin.spec)
    if result.returncode != 0 and apt.use_private_lists():
        result = apt.download(pin.spec)
    after = set(glob.glob(pattern)) - before
    if result.returncode != 0 or len(after) != 1:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ToolError(
            f"{pins_path}: `apt-get download {pin.spec}` failed: "
            f"{detail[-1] if detail else 'no .deb written'}. The pinned version is no longer "
            f"available from this host's apt sources (their package lists were refreshed too), "
            f"or " + REPIN_HINT.format(path=pins_path)
        )
    (name,) = after
    with open(name, "rb") as f:
        data = f.read()
    os.remove(name)
    return verified(pin, data, pins_path, "downloaded")


def verified(pin: Pin, data: bytes, pins_path: str, how: str) -> bytes:
    """`data` if its sha256 is the pin's; else a ToolError naming the package and the fix."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != pin.sha256:
        raise ToolError(
            f"{pins_path}: package {pin.spec} {how} with sha256 {actual}, but it is pinned "
            f"to {pin.sha256}. Someone may have tampered with the package, or the archive "
            f"rebuilt it; if the new one is trusted, " + REPIN_HINT.format(path=pins_path)
        )
    return data


def index_base(index_url: str) -> str:
    """`http://h:8080` (no trailing slash) from a Pantry index's base, /simple/ or /legacy/ URL."""
    parts = urlparse(index_url.strip())
    path = parts.path.rstrip("/")
    for suffix in ("/simple", "/legacy"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return f"{parts.scheme}://{parts.netloc}{path}"


def blob_url(index_url: str, algorithm: str, hexdigest: str) -> str:
    """`<index>/blobs/<algorithm>/<hex>` from a Pantry index's base, /simple/ or /legacy/ URL."""
    return f"{index_base(index_url)}/blobs/{algorithm}/{hexdigest}"


def from_index(pin: Pin, index_url: str, pins_path: str, timeout: float = 300.0) -> bytes:
    """The pinned .deb from a Pantry index's blobs (offline builds), checked by sha256."""
    url = blob_url(index_url, "sha256", pin.sha256)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            raise ToolError(
                f"{pins_path}: package {pin.spec} (sha256 {pin.sha256}) is not on the index "
                f"({url} answered 404); run `./pants index-mirror --to=URL` where apt-get "
                "works, to put every pinned package on the index."
            ) from None
        raise ToolError(
            f"{pins_path}: package {pin.spec}: {url} answered HTTP {e.code} {e.reason}; check "
            "the index ([oci].index_url)."
        ) from None
    except (urllib.error.URLError, OSError) as e:
        raise ToolError(
            f"{pins_path}: package {pin.spec}: cannot reach the index at {url} "
            f"({getattr(e, 'reason', e)}); check [oci].index_url and that the index is running."
        ) from None
    return verified(pin, data, pins_path, f"fetched from {url}")


def fetch_debs(pins: Sequence[Pin], args: argparse.Namespace, pins_path: str) -> list[bytes]:
    """Every pinned .deb, from the index (`--index-url`) or with `apt-get download`."""
    if args.index_url:
        return [from_index(pin, args.index_url, pins_path) for pin in pins]
    apt = Apt(args.apt_get)
    return [download(pin, apt, pins_path) for pin in pins]


def base_layer(args: argparse.Namespace) -> None:
    with open(args.pins) as f:
        pins = parse_pins(f.read(), args.pins_path or args.pins)
    debs = fetch_debs(pins, args, args.pins_path or args.pins)
    try:
        entries = base_root_fs(debs, user=args.user, uid=args.uid)
    except DebError as e:
        raise ToolError(f"{args.pins_path}: cannot unpack a pinned package: {e}")
    arch = (
        subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if args.arch is None
        else args.arch
    )
    comment = "base: " + " ".join(pin.spec for pin in pins)
    write_layer(
        build_layer(entries, comment=comment),
        args.out,
        {"architecture": DEBIAN_TO_OCI_ARCH.get(arch, arch or "amd64")},
    )


def write_tree(entries: dict[str, Entry], out: str) -> None:
    """`entries` as real files, directories and symlinks under `out` (parents first)."""
    for path, entry in sorted(entries.items()):
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if entry.kind == "dir":
            os.makedirs(full, exist_ok=True)
        elif entry.kind == "symlink":
            os.symlink(entry.target, full)
        else:
            with open(full, "wb") as f:
                f.write(entry.data)
            os.chmod(full, entry.mode)


def tools(args: argparse.Namespace) -> None:
    where = args.pins_path or args.pins
    with open(args.pins) as f:
        pins = parse_pins(f.read(), where)
    binaries = json.loads(args.binaries)
    debs = fetch_debs(pins, args, where)
    try:
        entries = tools_tree(debs, binaries, where)
    except DebError as e:
        raise ToolError(f"{where}: cannot unpack a pinned package: {e}")
    write_tree(entries, args.out)


def pex_layer(args: argparse.Namespace) -> None:
    files = pex_files(args.pex)
    entries = rooted(files, args.install_dir)
    extra = {}
    if args.lock:
        lock_path = args.lock_path or args.lock
        with open(args.lock, encoding="utf-8") as f:
            lock = parse_lock(f.read(), lock_path)
        sbom = canonical_json(cyclonedx(deps_wheels(files), lock, lock_path, args.comment))
        entries[SBOM_PATH] = Entry.file(sbom)
        extra["sbom_digest"] = sha256_digest(sbom)
    write_layer(build_layer(entries, comment="third-party: " + args.comment), args.out, extra)


def source_layer(args: argparse.Namespace) -> None:
    entries = rooted(directory_files(args.sources), args.install_dir)
    for volume in args.volume:
        entries[volume] = Entry.dir(owner=args.owner)
    write_layer(build_layer(entries, comment="first-party: " + args.comment), args.out)


def archive(args: argparse.Namespace) -> None:
    # Unlike `directory_files`, every member is a plain 0644 file: the builder's blobs may
    # carry an executable bit in the sandbox that the archive must not depend on.
    entries = {}
    for dirpath, dirnames, filenames in os.walk(args.layout):
        for filename in filenames:
            full = os.path.join(dirpath, filename)
            with open(full, "rb") as f:
                entries[os.path.relpath(full, args.layout)] = Entry.file(f.read())
    if "index.json" not in entries:
        raise ToolError(f"{args.layout} is not an OCI image layout (no index.json)")
    if args.repository:
        index = index_with_repository(entries["index.json"].data, args.repository)
        entries["index.json"] = Entry.file(index)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(tar_bytes(entries))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pantry-oci")
    commands = parser.add_subparsers(dest="command", required=True)
    base = commands.add_parser("base-layer")
    base.add_argument("--pins", required=True)
    base.add_argument("--pins-path", default="", help="the pins file's path in the repo")
    base.add_argument("--apt-get", default="apt-get")
    base.add_argument("--index-url", default="", help="fetch .debs from this Pantry index")
    base.add_argument("--user", default="nonroot")
    base.add_argument("--uid", type=int, default=65532)
    base.add_argument("--arch", default=None)
    base.add_argument("--out", default="base")
    base.set_defaults(run=base_layer)
    pex = commands.add_parser("pex-layer")
    pex.add_argument("--pex", required=True)
    pex.add_argument("--install-dir", required=True)
    pex.add_argument("--comment", default="")
    pex.add_argument("--lock", default="", help="the lockfile the PEX was built from (SBOM)")
    pex.add_argument("--lock-path", default="", help="the lockfile's path in the repo")
    pex.add_argument("--out", default="third_party")
    pex.set_defaults(run=pex_layer)
    src = commands.add_parser("source-layer")
    src.add_argument("--sources", required=True)
    src.add_argument("--install-dir", required=True)
    src.add_argument("--comment", default="")
    src.add_argument("--volume", action="append", default=[], help="an image directory to own")
    src.add_argument("--owner", type=int, default=65532, help="uid and gid owning --volume")
    src.add_argument("--out", default="first_party")
    src.set_defaults(run=source_layer)
    tree = commands.add_parser("tools-tree")
    tree.add_argument("--pins", required=True)
    tree.add_argument("--pins-path", default="", help="the pins file's path in the repo")
    tree.add_argument("--apt-get", default="apt-get")
    tree.add_argument("--index-url", default="", help="fetch .debs from this Pantry index")
    tree.add_argument("--binaries", required=True, help='JSON: {"NAME": ["PROGRAM", ARG...]}')
    tree.add_argument("--out", required=True)
    tree.set_defaults(run=tools)
    arc = commands.add_parser("archive")
    arc.add_argument("--layout", required=True)
    arc.add_argument("--out", required=True)
    arc.add_argument("--repository", default="", help="name the tags REPOSITORY:TAG inside")
    arc.set_defaults(run=archive)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ToolError, PinsError, DebError, SbomError, LockfileParseError, ToolsTreeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
