"""Fixture repositories that run the real, pinned Pants through the real ./pants launcher.

An integration test runs in a sandbox that holds the build root's files at their paths; it
copies what it needs into a temporary repository and runs ./pants there. These are the parts
every such test needs: the launcher, the [pex-cli] pin, an environment for the child, and a
pantsd per fixture repo (`pantsd_session`) that is always stopped by its own pid.

Offline runs carry through: when the outer run is offline (pants.offline.toml passes
PANTRY_OFFLINE=1 and PANTRY_INDEX_URL into every test), `install_launcher` also copies
pants.offline.toml and the backend it needs into the fixture repo, and `launcher_env` layers
it (PANTS_CONFIG_FILES), so a nested ./pants resolves and installs only from the internal
index as well. Tests that run pip or pex themselves ask `offline_index_url()`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

# What the nested launcher and Pants read from the environment, passed on when set: the
# launcher's and Pants' caches (so a nested run is warm), pyenv's interpreters, index proxy.
PASSED_ENV = (
    "PANTRY_CACHE_DIR",
    "XDG_CACHE_HOME",
    "PANTRY_INDEX_URL",
    "PANTRY_PANTS_PYTHON",
    "PANTRY_BUILDGRID_PYTHON",
)

# Set (to "1") by pants.offline.toml's [test].extra_env_vars, with PANTRY_INDEX_URL: the outer
# run resolves and installs only from the internal index, so nested runs must too.
OFFLINE_VARIABLE = "PANTRY_OFFLINE"
OFFLINE_CONFIG = "pants.offline.toml"
# What a fixture repo needs to layer pants.offline.toml: the file, and the backends defining
# its options (the file loads index_mirror and oci), with all they import: every plugin module.
OFFLINE_FILES = (OFFLINE_CONFIG, "build-support/plugins/pantry/**/*.py")


def offline_index_url(environ: Mapping[str, str] = os.environ) -> str | None:
    """The internal index's simple URL when the outer run is offline, else None."""
    if environ.get(OFFLINE_VARIABLE) == "1" and environ.get("PANTRY_INDEX_URL"):
        return environ["PANTRY_INDEX_URL"]
    return None


def pants_toml_section(text: str, name: str) -> str:
    """The body of the `[name]` table of a pants.toml text, without its header line."""
    header = f"[{name}]\n"
    if header not in text:
        raise ValueError(f"pants.toml has no [{name}] table")
    return text.split(header, 1)[1].split("\n[", 1)[0].strip()


def write_fixture(repo: Path, files: Mapping[str, str]) -> None:
    """Write a fixture repository's files (path -> text). `{pex_cli}` in its pants.toml becomes
    our own `[pex-cli]` section, so the nested Pants uses the launcher-built pex."""
    pex_cli = pants_toml_section(Path("pants.toml").read_text(), "pex-cli")
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(
            text.replace("{pex_cli}", pex_cli) if path == "pants.toml" else text
        )


def git(repo: Path, *args: str) -> str:
    """git in a fixture repository, as a fixed committer; its stdout, or CalledProcessError."""
    return subprocess.run(
        ["git", "-c", "user.email=ci@pantry.invalid", "-c", "user.name=ci", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit_fixture(repo: Path, ignored: Sequence[str]) -> None:
    """Make `repo` a git repository on branch main with everything but `ignored` (.gitignore
    patterns: the nested Pants' state, outputs) committed once, as `affected` and coverage need."""
    (repo / ".gitignore").write_text("".join(f"{pattern}\n" for pattern in ignored))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fixture")


def copy_into(repo: Path, source: str | Path, destination: str | None = None) -> None:
    """Copy a build-root file to the same path (or `destination`) in `repo`, mode included."""
    target = repo / (destination or str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    shutil.copymode(source, target)


def install_launcher(
    repo: Path, build_root: Path = Path("."), environ: Mapping[str, str] = os.environ
) -> None:
    """The ./pants launcher and its pins, so `repo` starts the same pinned Pants; offline
    (`offline_index_url`), also pants.offline.toml and its backend."""
    copy_into(repo, build_root / "pants", "pants")
    for source in sorted((build_root / "build-support" / "launcher").glob("*.*")):
        copy_into(repo, source, str(source.relative_to(build_root)))
    if offline_index_url(environ):
        for pattern in OFFLINE_FILES:
            sources = sorted(build_root.glob(pattern))
            if not sources:
                raise FileNotFoundError(
                    f"{build_root / pattern} missing: an offline fixture repo needs it "
                    "(build-support/pantry_testing/BUILD depends on it)"
                )
            for source in sources:
                if not source.name.endswith("_test.py"):
                    copy_into(repo, source, str(source.relative_to(build_root)))


def launcher_env(environ: Mapping[str, str] = os.environ, **extra: str) -> dict[str, str]:
    """Only what ./pants needs (no PANTS_* or PIP_* of the outer run), plus `extra`."""
    home = environ.get("HOME") or os.path.expanduser("~")
    env = {
        "PATH": environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "PYENV_ROOT": environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv"),
    }
    env.update({name: environ[name] for name in PASSED_ENV if environ.get(name)})
    if offline_index_url(environ):
        env.update({OFFLINE_VARIABLE: "1", "PANTS_CONFIG_FILES": f"+['{OFFLINE_CONFIG}']"})
    return {**env, **extra}


def sandbox_tempdir(prefix: str) -> Path:
    """A new directory inside the test's working directory (its Pants sandbox).

    Fixture repos live there rather than under /tmp, so whatever a killed test leaves behind
    goes away with the sandbox, and a pantsd started in one stops by itself: pantsd exits
    when its pid file disappears.
    """
    return Path(tempfile.mkdtemp(prefix=prefix, dir=Path.cwd())).resolve()


def _process_state(pid: int) -> str | None:
    """The one-letter state of a live process (`Z` for a zombie), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    state = _process_state(pid)
    return state is not None and state not in ("Z", "X")


def pantsd_pids(repo: Path) -> list[int]:
    """The pids of pantsd processes serving `repo` (read from its pid files, then checked)."""
    title = f"pantsd [{repo.resolve()}]"
    pids = []
    for pidfile in sorted(repo.glob(".pids/*/pantsd/pid")):
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
        except (OSError, ValueError):
            continue
        # pantsd titles itself `pantsd [BUILDROOT]`: a reused pid is someone else's process.
        if cmdline.decode(errors="replace").startswith(title) and _alive(pid):
            pids.append(pid)
    return pids


def stop_pantsd(repo: Path, grace: float = 15.0) -> None:
    """Stop the pantsd of `repo` by its own pid: SIGTERM, then SIGKILL after `grace` seconds."""
    for pid in pantsd_pids(repo):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if not _alive(pid):
                break


@dataclass
class FixturePants:
    """Runs the fixture repo's ./pants, by default with one pantsd kept warm across calls.

    Every `./pants --no-pantsd` call pays Pants' whole start-up (rule graph and options:
    20-30 s on a busy 2-core machine); with the daemon only the first call does, and later
    calls take about a second. Use `pantsd_session` so the daemon is stopped, by its pid,
    even when a test fails or times out.
    """

    repo: Path
    env: Mapping[str, str]
    timeout: float = 600
    pantsd: bool = True

    def __call__(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["./pants", "--pantsd" if self.pantsd else "--no-pantsd", *args],
            cwd=self.repo,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout,
        )

    def stop(self) -> None:
        stop_pantsd(self.repo)


@contextmanager
def pantsd_session(
    repo: Path, env: Mapping[str, str], timeout: float = 600
) -> Iterator[FixturePants]:
    """A `FixturePants` for `repo` whose pantsd is stopped on the way out, whatever happened."""
    pants = FixturePants(repo, dict(env), timeout=timeout)
    try:
        yield pants
    finally:
        pants.stop()
