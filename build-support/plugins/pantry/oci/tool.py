"""The OCI builder run inside cacheable Pants processes (stdlib only; Python >= 3.9).

    python tool.py base-layer --pins FILE --apt-get PATH --user NAME --uid N
        `apt-get download NAME=VERSION` for every pin, checks each .deb against its sha256,
        and writes the base layer.
    python tool.py pex-layers --pex PATH --install-dir DIR
        splits a built PEX into a third-party and a first-party layer.

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

from pantry.oci.debian import REPIN_HINT, DebError, Pin, PinsError, base_root_fs, parse_pins
from pantry.oci.layout import Layer, blob_path, build_layer
from pantry.oci.pex_layers import pex_files, split_pex

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


def download(pin: Pin, apt_get: str, pins_path: str) -> bytes:
    before = set(glob.glob(f"{pin.name}_*.deb"))
    result = subprocess.run(
        [apt_get, "download", "-q", pin.spec], capture_output=True, text=True, check=False
    )
    after = set(glob.glob(f"{pin.name}_*.deb")) - before
    if result.returncode != 0 or len(after) != 1:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ToolError(
            f"{pins_path}: `apt-get download {pin.spec}` failed: "
            f"{detail[-1] if detail else 'no .deb written'}. The pinned version may no longer "
            f"be available from this host's apt sources (try `apt-get update`), or "
            + REPIN_HINT.format(path=pins_path)
        )
    (name,) = after
    with open(name, "rb") as f:
        data = f.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != pin.sha256:
        raise ToolError(
            f"{pins_path}: package {pin.spec} downloaded with sha256 {actual}, but it is pinned "
            f"to {pin.sha256}. Someone may have tampered with the package, or the archive "
            f"rebuilt it; if the new one is trusted, " + REPIN_HINT.format(path=pins_path)
        )
    return data


def base_layer(args: argparse.Namespace) -> None:
    with open(args.pins) as f:
        pins = parse_pins(f.read(), args.pins_path or args.pins)
    debs = [download(pin, args.apt_get, args.pins_path or args.pins) for pin in pins]
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


def pex_layers(args: argparse.Namespace) -> None:
    third_party, first_party = split_pex(pex_files(args.pex), args.install_dir)
    write_layer(build_layer(third_party, comment="third-party: " + args.comment), "third_party")
    write_layer(build_layer(first_party, comment="first-party: " + args.comment), "first_party")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pantry-oci")
    commands = parser.add_subparsers(dest="command", required=True)
    base = commands.add_parser("base-layer")
    base.add_argument("--pins", required=True)
    base.add_argument("--pins-path", default="", help="the pins file's path in the repo")
    base.add_argument("--apt-get", default="apt-get")
    base.add_argument("--user", default="nonroot")
    base.add_argument("--uid", type=int, default=65532)
    base.add_argument("--arch", default=None)
    base.add_argument("--out", default="base")
    base.set_defaults(run=base_layer)
    pex = commands.add_parser("pex-layers")
    pex.add_argument("--pex", required=True)
    pex.add_argument("--install-dir", required=True)
    pex.add_argument("--comment", default="")
    pex.set_defaults(run=pex_layers)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ToolError, PinsError, DebError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
