"""Re-pin an `oci_base_image`'s packages to the versions the host's apt sources offer now.

    ./pants run build-support/plugins/pantry/oci:repin -- external/oci/python3.11/packages.lock

For every package in the pins file, `apt-cache show --no-all-versions NAME` gives the
candidate version and its SHA256; the file is rewritten with them (comments at the top
kept). Run `apt-get update` first to see the newest versions.
"""

from __future__ import annotations

import os
import subprocess
import sys

from pantry.errors import PantryError
from pantry.oci.debian import Pin, PinsError, parse_pins, render_pins


class RepinError(PantryError):
    pass


def parse_stanza(text: str) -> dict[str, str]:
    """The first stanza of `apt-cache show` output as a field -> value mapping."""
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        if line and not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def current_pin(name: str, apt_cache_show) -> Pin:
    stanza = parse_stanza(apt_cache_show(name))
    if "Version" not in stanza or "SHA256" not in stanza:
        raise RepinError(
            f"apt-cache knows no downloadable version of {name!r}; check the name, or run "
            "`apt-get update`"
        )
    return Pin(name, stanza["Version"], stanza["SHA256"])


def run_apt_cache_show(name: str) -> str:
    result = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", name], capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else ""


def header_of(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def repin(path: str, apt_cache_show=run_apt_cache_show) -> list[str]:
    """Rewrite `path`; returns one line per changed package."""
    with open(path) as f:
        text = f.read()
    old = parse_pins(text, path)
    new = [current_pin(pin.name, apt_cache_show) for pin in old]
    with open(path, "w") as f:
        f.write(render_pins(new, header_of(text)))
    return [f"{b.name}: {a.version} -> {b.version}" for a, b in zip(old, new) if a != b]


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: repin PINS_FILE...", file=sys.stderr)
        return 2
    root = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd()
    for arg in argv:
        path = arg if os.path.isabs(arg) else os.path.join(root, arg)
        try:
            changes = repin(path)
        except (OSError, PinsError, RepinError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"{arg}: " + ("; ".join(changes) if changes else "already current"))
    return 0


def main_cli() -> None:
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    main_cli()
