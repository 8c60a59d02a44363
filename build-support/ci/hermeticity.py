"""Prove Pantry's hermeticity: a hostile host still tests green, and two clones package alike.

Checks (each prints one summary line; exit 0 only if every check passed):

  hostile-host     `./pants test ::` in a fresh clone, run under a hostile environment: a pip
                   config file (HOME and XDG) naming a dead index with `no-index`, PIP_*
                   variables set to nonsense, a PYTHONPATH holding a fake `pytest` that raises
                   on import, HOME and XDG caches moved somewhere unusual, and empty Pants
                   caches (so no result cached on a friendly host can hide a leak).
  reproducibility  two clones at different paths, their files touched to different mtimes,
                   `./pants package ::` in each with its own empty Pants caches (LMDB store,
                   named caches holding pex's PEX_ROOT, sandboxes), under different umask, TZ
                   and locale; then every file under dist/ is compared by sha256. Each
                   difference names the file and what differs inside it (archive order,
                   entry timestamps, permissions, owners, gzip header, absolute paths).

Only the ./pants launcher's cache (PANTRY_CACHE_DIR: the pinned Pants venv and pex tool) is
shared with the caller, to avoid re-installing Pants; it holds no build output.

The clones are of the current working tree (committed, modified and untracked files that git
does not ignore), so a fix can be proven before it is committed; --committed clones HEAD only.

Runs on the standard library only (the launcher's CPython 3.9 runs it; see
build-support/ci/hermeticity).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

CHECKS = ("hostile-host", "reproducibility")
USUAL_CAUSES = (
    "usual causes: timestamps (set SOURCE_DATE_EPOCH, normalise mtimes), file order (sort "
    "archive entries), absolute paths (build roots, cache dirs), umask (normalise "
    "permissions), locale/TZ, host or user names"
)
# What the fake `pytest` on the hostile PYTHONPATH says if anything imports it.
FAKE_PYTEST_MESSAGE = "hostile host: a fake pytest from PYTHONPATH was imported"
# Environment variables that would let the caller's own Pants caches or daemon leak in.
PANTS_CACHE_VARIABLES = (
    "PANTS_LOCAL_STORE_DIR",
    "PANTS_NAMED_CACHES_DIR",
    "PANTS_LOCAL_EXECUTION_ROOT_DIR",
    "PANTS_PANTSD",
    "PANTS_PEX_ROOT",
    "PEX_ROOT",
)


class HermeticityError(Exception):
    """A setup problem the user can fix (bad arguments, no git repository, a missing tool)."""


# --- comparison (pure) -------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One output file that is not byte-identical between the two builds."""

    path: str
    kind: str  # "differs", "only in first", "only in second"
    details: tuple[str, ...] = ()

    def render(self) -> str:
        if self.kind != "differs":
            return f"{self.path}: {self.kind} build — the set of outputs depends on the host"
        detail = "; ".join(self.details) if self.details else USUAL_CAUSES
        return f"{self.path}: differs — {detail}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_files(root: Path) -> dict[str, Path]:
    """Every regular file under root, keyed by its POSIX path relative to root."""
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def compare_trees(first: Path, second: Path, leaked_paths: Sequence[str] = ()) -> list[Difference]:
    """Compare two output trees file by file (sha256); explain each difference.

    `leaked_paths` are host-specific strings (the two build roots, cache dirs) whose presence
    in an output is reported as an absolute-path leak.
    """
    left, right = list_files(first), list_files(second)
    differences = []
    for name in sorted(left.keys() | right.keys()):
        if name not in right:
            differences.append(Difference(name, "only in first"))
        elif name not in left:
            differences.append(Difference(name, "only in second"))
        elif sha256_of(left[name]) != sha256_of(right[name]):
            details = explain(name, left[name].read_bytes(), right[name].read_bytes())
            leaks = [
                f"contains the build path {leak!r}"
                for leak in leaked_paths
                if leak
                and (
                    leak.encode() in left[name].read_bytes()
                    or leak.encode() in right[name].read_bytes()
                )
            ]
            differences.append(Difference(name, "differs", tuple(leaks + details)))
    return differences


def explain(name: str, first: bytes, second: bytes) -> list[str]:
    """What differs inside two versions of one output file, as short phrases with a cause."""
    try:
        if zipfile.is_zipfile(io.BytesIO(first)) and zipfile.is_zipfile(io.BytesIO(second)):
            return explain_zip(first, second)
        if _looks_like_tar(first) and _looks_like_tar(second):  # sdists, OCI layer blobs
            return explain_tar(first, second)
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError) as error:
        return [f"unreadable as an archive ({error}); {USUAL_CAUSES}"]
    return [f"{len(first)} vs {len(second)} bytes; {USUAL_CAUSES}"]


@dataclass(frozen=True)
class _Entry:
    name: str
    mtime: object
    mode: int
    owner: tuple[object, ...]
    content: bytes


def _zip_entries(data: bytes) -> list[_Entry]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            _Entry(
                info.filename,
                info.date_time,
                info.external_attr >> 16,
                (info.create_system,),
                archive.read(info),
            )
            for info in archive.infolist()
        ]


def _tar_entries(data: bytes) -> list[_Entry]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
        entries = []
        for member in archive.getmembers():
            stream = archive.extractfile(member) if member.isfile() else None
            content = stream.read() if stream else member.linkname.encode()
            entries.append(
                _Entry(
                    member.name,
                    member.mtime,
                    member.mode,
                    (member.uid, member.gid, member.uname, member.gname),
                    content,
                )
            )
        return entries


def _compare_entries(first: list[_Entry], second: list[_Entry]) -> list[str]:
    details = []
    names_first, names_second = [e.name for e in first], [e.name for e in second]
    if set(names_first) != set(names_second):
        only = sorted(set(names_first) ^ set(names_second))
        details.append(
            f"different members ({', '.join(only[:3])}): the file set depends on the host"
        )
    elif names_first != names_second:
        details.append("same members in a different order: sort archive entries")
    by_name = {e.name: e for e in second}
    checks: list[tuple[str, Callable[[_Entry], object], str]] = [
        ("content", lambda e: e.content, "build-time values (time, path, host) written into it"),
        ("timestamps", lambda e: e.mtime, "set SOURCE_DATE_EPOCH / normalise mtimes"),
        ("permissions", lambda e: e.mode, "umask leaks in: normalise modes"),
        ("owners", lambda e: e.owner, "set uid/gid 0 and empty owner names"),
    ]
    for label, key, cause in checks:
        differing = sorted(
            e.name for e in first if e.name in by_name and key(e) != key(by_name[e.name])
        )
        if differing:
            sample = ", ".join(differing[:3]) + (", …" if len(differing) > 3 else "")
            details.append(f"{len(differing)} member(s) differ in {label} ({sample}): {cause}")
    return details


def explain_zip(first: bytes, second: bytes) -> list[str]:
    details = _compare_entries(_zip_entries(first), _zip_entries(second))
    return details or ["zip metadata differs (comment, extra fields or compression)"]


def explain_tar(first: bytes, second: bytes) -> list[str]:
    details = []
    if first[:2] == b"\x1f\x8b" and second[:2] == b"\x1f\x8b":
        if first[4:8] != second[4:8]:
            details.append("gzip header timestamps differ: write the gzip header with mtime 0")
        if first[3] & 0x08 or second[3] & 0x08:  # FNAME: the archive's own (host) file name
            if _gzip_name(first) != _gzip_name(second):
                details.append("gzip headers name different files: omit the file name")
        first, second = gzip.decompress(first), gzip.decompress(second)
    details += _compare_entries(_tar_entries(first), _tar_entries(second))
    return details or ["tar headers differ (format, padding or PAX headers)"]


def _looks_like_tar(data: bytes) -> bool:
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = stream.read(512)
        except (OSError, EOFError):
            return False
    return len(data) >= 262 and data[257:262] == b"ustar"


def _gzip_name(data: bytes) -> bytes:
    return data[10 : data.index(b"\0", 10)] if data[3] & 0x08 else b""


def render_report(differences: Sequence[Difference], files_compared: int) -> list[str]:
    """One line per differing file, then a closing count (sorted, so output is stable)."""
    lines = [difference.render() for difference in sorted(differences, key=lambda d: d.path)]
    if differences:
        lines.append(
            f"{len(differences)} of {files_compared} output file(s) differ between the two "
            f"clones; {USUAL_CAUSES}."
        )
    return lines


# --- environment (pure) ------------------------------------------------------------------


def hostile_environment(
    base: Mapping[str, str], hostile: Path, launcher_cache: Path, pyenv_root: str
) -> dict[str, str]:
    """The caller's environment turned hostile; see write_hostile_files for the files."""
    env = {key: value for key, value in base.items() if key not in PANTS_CACHE_VARIABLES}
    env.update(
        {
            "HOME": str(hostile / "home"),
            "XDG_CONFIG_HOME": str(hostile / "xdg-config"),
            "XDG_CACHE_HOME": str(hostile / "xdg-cache"),
            "PYTHONPATH": str(hostile / "pythonpath"),
            "PIP_CONFIG_FILE": str(hostile / "pip.conf"),
            "PIP_INDEX_URL": "http://127.0.0.1:9/dead-index/simple",
            "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:9/also-dead/simple",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": "/nonexistent/find-links",
            "PIP_CONSTRAINT": "/nonexistent/constraints.txt",
            "PIP_REQUIRE_VIRTUALENV": "nonsense",
            "PIP_ONLY_BINARY": "nonsense-package",
            "PIP_TIMEOUT": "not-a-number",
            # Pants' own, launcher's and interpreters' locations are explicit, not HOME-based.
            "PANTRY_CACHE_DIR": str(launcher_cache),
            "PYENV_ROOT": pyenv_root,
            **pants_cache_environment(hostile / "pants-cache"),
        }
    )
    return env


def pants_cache_environment(root: Path) -> dict[str, str]:
    """Private Pants caches: content store, named caches (pex's PEX_ROOT lives there), sandboxes."""
    return {
        "PANTS_LOCAL_STORE_DIR": str(root / "lmdb_store"),
        "PANTS_NAMED_CACHES_DIR": str(root / "named_caches"),
        "PANTS_LOCAL_EXECUTION_ROOT_DIR": str(root / "sandboxes"),
    }


def write_hostile_files(hostile: Path) -> None:
    dead_config = (
        "[global]\nindex-url = http://127.0.0.1:9/dead-index/simple\n"
        "no-index = true\nfind-links = /nonexistent/find-links\n"
    )
    for config in (
        hostile / "pip.conf",
        hostile / "home" / ".pip" / "pip.conf",
        hostile / "home" / ".config" / "pip" / "pip.conf",
        hostile / "xdg-config" / "pip" / "pip.conf",
    ):
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(dead_config)
    fake = hostile / "pythonpath" / "pytest"
    fake.mkdir(parents=True, exist_ok=True)
    (fake / "__init__.py").write_text(f"raise ImportError({FAKE_PYTEST_MESSAGE!r})\n")
    (hostile / "xdg-cache").mkdir(parents=True, exist_ok=True)


# --- orchestration -----------------------------------------------------------------------


@dataclass
class Result:
    check: str
    passed: bool
    summary: str
    report: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"hermeticity: {self.check:<16} {'PASS' if self.passed else 'FAIL'}  {self.summary}"


def git(repo: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise HermeticityError("git is not on PATH; it is needed to clone the repository.")
    if result.returncode != 0:
        raise HermeticityError(f"`git {' '.join(args)}` in {repo} failed: {result.stderr.strip()}")
    return result.stdout


def make_clone(source: Path, destination: Path, committed_only: bool = False) -> None:
    """A fresh `git clone` of source, plus (unless committed_only) its working-tree changes."""
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(source), str(destination)],
        check=True,
        capture_output=True,
    )
    if committed_only:
        return
    for name in git(source, "ls-files", "-z", "--deleted").split("\0"):
        if name:
            (destination / name).unlink(missing_ok=True)
    for name in git(source, "ls-files", "-z", "--modified", "--others", "--exclude-standard").split(
        "\0"
    ):
        if name and (source / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, destination / name)


def touch_tree(root: Path, when: float) -> None:
    for path in root.rglob("*"):
        if ".git" not in path.relative_to(root).parts and not path.is_symlink():
            os.utime(path, (when, when))


def run_pants(
    clone: Path, args: Sequence[str], env: Mapping[str, str], log: Path, umask: int = 0o022
) -> tuple[int, float]:
    started = time.monotonic()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as stream:
        result = subprocess.run(
            ["./pants", "--no-pantsd", *args],
            cwd=clone,
            env=dict(env),
            stdout=stream,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.umask(umask),
        )
    return result.returncode, time.monotonic() - started


def tail(log: Path, lines: int = 30) -> list[str]:
    return ["    " + line for line in log.read_text(errors="replace").splitlines()[-lines:]]


def check_hostile_host(args: argparse.Namespace, repo: Path, work: Path) -> Result:
    clone, hostile = work / "hostile-clone", work / "hostile"
    make_clone(repo, clone, args.committed)
    write_hostile_files(hostile)
    env = hostile_environment(os.environ, hostile, args.launcher_cache, args.pyenv_root)
    log = work / "logs" / "hostile-test.log"
    code, seconds = run_pants(clone, ["test", *args.test_specs], env, log)
    specs = " ".join(args.test_specs)
    if code == 0:
        return Result("hostile-host", True, f"./pants test {specs} green ({seconds:.0f} s)")
    fake_imported = FAKE_PYTEST_MESSAGE in log.read_text(errors="replace")
    why = " (the fake pytest on PYTHONPATH was imported)" if fake_imported else ""
    return Result(
        "hostile-host",
        False,
        f"./pants test {specs} exited {code}{why} ({seconds:.0f} s); log: {log}",
        tail(log),
    )


# Two different hosts, as far as one machine can pretend: paths, mtimes, umask, TZ, locale.
CLONE_SETTINGS = (
    ("first", 946684800.0, 0o022, {"TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}),
    (
        "second-clone-at-a-longer-path",
        time.time(),
        0o002,
        {"TZ": "Pacific/Kiritimati", "LC_ALL": "", "LANG": "en_US.UTF-8"},
    ),
)


def check_reproducibility(args: argparse.Namespace, repo: Path, work: Path) -> Result:
    dists, leaks, seconds = [], [], 0.0
    for name, mtime, umask, extra_env in CLONE_SETTINGS:
        clone = work / name
        make_clone(repo, clone, args.committed)
        touch_tree(clone, mtime)
        caches = work / f"{name}-pants-cache"
        env = {k: v for k, v in os.environ.items() if k not in PANTS_CACHE_VARIABLES}
        env.update(
            {
                **extra_env,
                **pants_cache_environment(caches),
                "PANTRY_CACHE_DIR": str(args.launcher_cache),
                "PYENV_ROOT": args.pyenv_root,
            }
        )
        log = work / "logs" / f"package-{name}.log"
        code, took = run_pants(clone, ["package", *args.package_specs], env, log, umask)
        seconds += took
        if code != 0:
            return Result(
                "reproducibility",
                False,
                f"./pants package in clone {clone} exited {code}; log: {log}",
                tail(log),
            )
        dists.append(clone / "dist")
        leaks += [str(clone), str(caches)]
    result = compare_dist_trees(dists[0], dists[1], leaks)
    result.summary += f" ({seconds:.0f} s)"
    return result


def compare_dist_trees(first: Path, second: Path, leaked_paths: Sequence[str] = ()) -> Result:
    files = len(list_files(first).keys() | list_files(second).keys())
    if files == 0:
        return Result("reproducibility", False, f"no output files under {first} or {second}")
    differences = compare_trees(first, second, leaked_paths)
    report = render_report(differences, files)
    if differences:
        summary = f"{len(differences)} of {files} files under dist/ differ (listed above)"
        return Result("reproducibility", False, summary, report)
    return Result("reproducibility", True, f"{files} files under dist/ identical (sha256)")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    default_cache = os.environ.get("PANTRY_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pantry"
    )
    parser = argparse.ArgumentParser(
        prog="build-support/ci/hermeticity",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "examples:\n"
            "  build-support/ci/hermeticity                          # both checks, everything\n"
            "  build-support/ci/hermeticity --check reproducibility\n"
            "  build-support/ci/hermeticity --test-specs libs/shared/simplerepo:: \n"
            "  build-support/ci/hermeticity --compare A/dist B/dist  # only compare two trees\n"
            "exit status: 0 all checks passed, 1 a check failed, 2 bad usage or setup"
        ),
    )
    parser.add_argument(
        "--check",
        action="append",
        choices=CHECKS,
        help="run only this check (repeatable; default: all)",
    )
    parser.add_argument(
        "--test-specs",
        nargs="+",
        default=["::"],
        metavar="SPEC",
        help="what the hostile-host check tests (default: ::); a subset is faster",
    )
    parser.add_argument(
        "--package-specs",
        nargs="+",
        default=["::"],
        metavar="SPEC",
        help="what the reproducibility check packages (default: ::)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where clones, caches and logs go (default: a new temporary directory, "
        "deleted afterwards unless a check fails or --keep is given)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("FIRST", "SECOND"),
        help="only compare two existing output trees and report differences",
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=Path(__file__).resolve().parents[2],
        help="the repository to clone (default: this one)",
    )
    parser.add_argument(
        "--committed",
        action="store_true",
        help="clone only what is committed (HEAD), leaving uncommitted changes out",
    )
    parser.add_argument(
        "--launcher-cache",
        type=Path,
        default=Path(default_cache),
        help="the ./pants launcher's cache, shared by every clone (default: $PANTRY_CACHE_DIR "
        "or ~/.cache/pantry); it holds only the pinned Pants venv and pex tool",
    )
    parser.add_argument(
        "--pyenv-root",
        default=os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv"),
        help="where the pinned interpreters live (default: $PYENV_ROOT or ~/.pyenv)",
    )
    args = parser.parse_args(argv)
    args.check = tuple(dict.fromkeys(args.check or CHECKS))
    return args


def run(args: argparse.Namespace) -> list[Result]:
    if args.compare:
        for tree in args.compare:
            if not tree.is_dir():
                raise HermeticityError(f"--compare: {str(tree)!r} is not a directory.")
        return [compare_dist_trees(*args.compare)]
    repo = args.repo.resolve()
    if not (repo / "pants").is_file() or not (repo / ".git").exists():
        raise HermeticityError(
            f"--repo {str(repo)!r} is not a git clone with a ./pants launcher; pass the "
            "repository root."
        )
    created = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="pantry-hermeticity-")) if created else args.workdir
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if any(work.iterdir()):
        raise HermeticityError(f"--workdir {str(work)!r} is not empty; give an empty directory.")
    checks = {"hostile-host": check_hostile_host, "reproducibility": check_reproducibility}
    results = []
    for name in args.check:
        print(f"hermeticity: running {name} in {work} …", file=sys.stderr, flush=True)
        results.append(checks[name](args, repo, work))
    if created and not args.keep and all(result.passed for result in results):
        shutil.rmtree(work, ignore_errors=True)
    elif created:
        print(f"hermeticity: kept {work} (clones, caches, logs)", file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        results = run(args)
    except HermeticityError as error:
        print(f"hermeticity: error: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        stderr = (error.stderr or b"").decode(errors="replace").strip()
        print(
            f"hermeticity: error: `{' '.join(map(str, error.cmd))}` failed: {stderr}",
            file=sys.stderr,
        )
        return 2
    for result in results:
        for line in result.report:
            print(line)
    for result in results:
        print(result.line())
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
