"""Cold path of the `./pants` launcher: build the pinned Pants venv and the pex tool PEX.

The bash launcher calls this only when its cache entry is missing or incomplete, so the
warm path stays a few file tests. Everything here is pinned by sha256 and isolated from
the host's pip configuration; the only way to point pip elsewhere is PANTRY_INDEX_URL.

Concurrency: one lock file per cache key. A launch that loses the race waits, then finds
the finished entry. A half-built entry (killed mid-install) has no completion marker and
is deleted and rebuilt under the lock.

Runs on the Python that will run Pants (3.9) and uses only the standard library.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

COMPLETE_MARKER = ".complete"
INDEX_URL_VARIABLE = "PANTRY_INDEX_URL"
# The system CA bundle, the same one pants.toml's [GLOBAL].ca_certs_path names: TLS trust
# comes from the operating system, not from whatever REQUESTS_CA_BUNDLE the host exports.
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class BootstrapError(Exception):
    """A failure the user can act on; its message says what and how to fix it."""


@dataclass(frozen=True)
class PexPin:
    """The pex PEX that pants.toml's [pex-cli].known_versions expects."""

    version: str
    sha256: str
    length: int


def log(message: str) -> None:
    print(f"pantry: {message}", file=sys.stderr, flush=True)


def clean_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The host environment minus anything that would steer pip or Python.

    Drops every PIP_* and PYTHON* variable (host pip config, find-links, PYTHONPATH),
    then points pip at no configuration file at all.
    """
    env = {
        key: value
        for key, value in environ.items()
        if not key.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "PEX_"))
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def pip_index_args(environ: Mapping[str, str], ca_bundle: Path = SYSTEM_CA_BUNDLE) -> list[str]:
    """Where pip downloads from, and which certificates it trusts for that."""
    url = environ.get(INDEX_URL_VARIABLE, "").strip()
    cert = ["--cert", str(ca_bundle)] if ca_bundle.is_file() else []
    return (["--index-url", url] if url else []) + cert


def read_pinned_version(requirements: Path, project: str) -> str:
    match = re.search(
        rf"^{re.escape(project)}==([^\s\\]+)", requirements.read_text(), flags=re.MULTILINE
    )
    if not match:
        raise BootstrapError(f"{requirements} pins no `{project}==VERSION`; add one.")
    return match.group(1)


def read_pex_pin(pants_toml: Path) -> PexPin:
    """Parse `[pex-cli].known_versions` ("version|platform|sha256|length") from pants.toml."""
    text = pants_toml.read_text()
    match = re.search(r'^version\s*=\s*"v?([^"]+)"', _section(text, "pex-cli"), re.MULTILINE)
    known = re.search(r'"v?([^"|]+)\|[^"|]+\|([0-9a-f]{64})\|(\d+)"', _section(text, "pex-cli"))
    if not match or not known:
        raise BootstrapError(
            f"{pants_toml}: [pex-cli] needs `version` and `known_versions` entries like "
            '"v2.19.1|linux_x86_64|<sha256>|<length>".'
        )
    return PexPin(version=match.group(1), sha256=known.group(2), length=int(known.group(3)))


def _section(toml_text: str, name: str) -> str:
    start = toml_text.find(f"[{name}]")
    if start < 0:
        return ""
    end = toml_text.find("\n[", start + 1)
    return toml_text[start : end if end >= 0 else None]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another launch to finish bootstrapping ({path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(argv: Sequence[str], env: Mapping[str, str], what: str, hint: str) -> None:
    result = subprocess.run(
        list(argv), env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-25:])
        raise BootstrapError(f"{what} failed (exit {result.returncode}):\n{tail}\n\n{hint}")


# pip reads no config or environment of the host, takes only wheels, each checked against
# its pinned sha256, and nothing they depend on that is not pinned too.
PINNED_WHEELS_ONLY = (
    "--isolated",
    "--quiet",
    "--require-hashes",
    "--only-binary",
    ":all:",
    "--no-deps",
)


def pip_install(
    python: Path,
    requirements: Path,
    env: Mapping[str, str],
    extra: Sequence[str] = (),
    repin_help: str = "see README, 'Upgrading Pants'",
) -> None:
    """Install exactly the hash-pinned wheels in `requirements`, nothing from host config."""
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            *PINNED_WHEELS_ONLY,
            *pip_index_args(env),
            *extra,
            "-r",
            str(requirements),
        ],
        env,
        what=f"pip install -r {requirements}",
        hint=(
            f"If pip reports hashes that do not match, {requirements} was edited or the "
            "index served different files: restore the file from git, or re-pin on purpose "
            f"({repin_help}). Behind a proxy, set "
            f"{INDEX_URL_VARIABLE} to your index's simple URL."
        ),
    )


def build_pants_venv(python: str, venv: Path, requirements: Path, env: Mapping[str, str]) -> None:
    if venv.exists():
        log(f"removing an incomplete Pants venv at {venv}")
        shutil.rmtree(venv)
    log(f"installing pinned Pants into {venv} (first run only)")
    run([python, "-m", "venv", str(venv)], env, what="creating the Pants venv", hint="")
    pip_install(venv / "bin" / "python", requirements, env)
    (venv / COMPLETE_MARKER).write_text("ok\n")


def build_pex_pex(
    python: str, cache: Path, requirements: Path, pin: PexPin, env: Mapping[str, str]
) -> Path:
    """Build (once per cache) the pex PEX from the hash-checked pex wheel, and verify it."""
    output = cache / "pex" / f"pex-{pin.version}-{pin.sha256[:16]}.pex"
    if output.is_file() and file_sha256(output) == pin.sha256:
        return output
    log(f"building the pex {pin.version} tool PEX (first run only)")
    with tempfile.TemporaryDirectory(prefix="pex-build-", dir=cache) as scratch:
        work = Path(scratch)
        wheels, tool_venv = work / "wheels", work / "venv"
        run([python, "-m", "venv", str(tool_venv)], env, what="creating the pex venv", hint="")
        tool_python = tool_venv / "bin" / "python"
        run(
            [
                str(tool_python),
                "-m",
                "pip",
                "download",
                *PINNED_WHEELS_ONLY,
                *pip_index_args(env),
                "-d",
                str(wheels),
                "-r",
                str(requirements),
            ],
            env,
            what=f"downloading the pex wheel pinned in {requirements}",
            hint=f"Check {requirements}, or set {INDEX_URL_VARIABLE} behind a proxy.",
        )
        pip_install(
            tool_python, requirements, env, extra=["--no-index", "--find-links", str(wheels)]
        )
        built = work / "pex.pex"
        run(
            [
                str(tool_venv / "bin" / "pex"),
                "-f",
                str(wheels),
                "--no-pypi",
                f"pex=={pin.version}",
                "-c",
                "pex",
                "-o",
                str(built),
                "--python-shebang=/usr/bin/env python",
            ],
            # pex writes its default PEX_ROOT (from XDG_CACHE_HOME) into the PEX it builds:
            # the pinned hash holds for the default, so a user's XDG_CACHE_HOME must not leak.
            {
                **{k: v for k, v in env.items() if k != "XDG_CACHE_HOME"},
                "PEX_ROOT": str(work / "pex-root"),
            },
            what="building the pex PEX",
            hint="",
        )
        actual_sha, actual_len = file_sha256(built), built.stat().st_size
        if (actual_sha, actual_len) != (pin.sha256, pin.length):
            raise BootstrapError(
                f"the pex {pin.version} PEX built from {requirements} has sha256 {actual_sha} "
                f"and length {actual_len}, but pants.toml [pex-cli].known_versions pins "
                f"{pin.sha256} and {pin.length}. If you upgraded pex on purpose, update "
                "known_versions to the new values; otherwise restore both files from git."
            )
        output.parent.mkdir(parents=True, exist_ok=True)
        os.replace(built, output)
    return output


def place_atomically(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.with_name(f".{destination.name}.{os.getpid()}")
    shutil.copyfile(source, staging)
    os.chmod(staging, 0o755)
    os.replace(staging, destination)


def bootstrap(args: argparse.Namespace) -> None:
    launcher = Path(args.buildroot) / "build-support" / "launcher"
    cache, venv = Path(args.cache), Path(args.venv)
    env = clean_environment(os.environ)
    pin = read_pex_pin(Path(args.buildroot) / "pants.toml")
    pex_requirements = launcher / "pex-requirements.txt"
    wheel_version = read_pinned_version(pex_requirements, "pex")
    if wheel_version != pin.version:
        raise BootstrapError(
            f"{pex_requirements} pins pex=={wheel_version} but pants.toml [pex-cli].version is "
            f"{pin.version}; make them agree."
        )
    with exclusive_lock(cache / "locks" / f"{venv.name}.lock"):
        if not (venv / COMPLETE_MARKER).is_file():
            build_pants_venv(args.python, venv, launcher / "pants-requirements.txt", env)
        pex_pex = build_pex_pex(args.python, cache, pex_requirements, pin, env)
        destination = Path(args.pex_destination)
        if not destination.is_file() or file_sha256(destination) != pin.sha256:
            place_atomically(pex_pex, destination)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildroot", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--pex-destination", required=True)
    try:
        bootstrap(parser.parse_args(argv))
    except BootstrapError as error:
        log(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
