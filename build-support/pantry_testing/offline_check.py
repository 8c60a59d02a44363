"""The whole test suite with only the internal index: `build-support/bin/offline-check`.

Outside (shared caches, the outside reachable): a fresh clone of HEAD packages the index
(services/index:index), starts it from its PEX on 127.0.0.1 and fills it with
`./pants index-mirror`. Inside a network namespace with only loopback, with empty launcher and
Pants caches, pants.offline.toml and PANTRY_INDEX_URL, the same index serves read-only while
`./pants --no-pantsd test ::` runs. Then one summary: passed, failed, and which failures
need Debian's mirror or the npm registry (not served by the internal index yet). Every
process is stopped by its pid (or process group); the work directory is removed unless
`--keep`.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pantry_testing.fixture_repo import FixturePants, launcher_env, pantsd_session
from pantry_testing.offline import (
    NAMESPACE_PRELUDE,
    REACHES_OUTSIDE,
    Index,
    NamespaceUnavailable,
    namespace_env,
    run_in_namespace,
    unshare_argv,
)

INDEX_PEX = Path("dist/services.index/index.pex")

# Test targets tagged `outside` need the outside by their subject (README "Builds that never
# need the outside"): left out unless --with-outside.
OUTSIDE_TAG = "outside"

INNER = """
# Empty caches, shared with the nested ./pants of integration tests (they get XDG_CACHE_HOME).
export PANTRY_CACHE_DIR="$WORK/launcher-cache" XDG_CACHE_HOME="$WORK/xdg-cache"
export PANTS_CONFIG_FILES="+['pants.offline.toml']"
cd "$REPO"
set +e
./pants --no-pantsd {global_flags} test {specs} >"$WORK/test.log" 2>&1
echo $? >"$WORK/test.rc"
"""

# Where a failure comes from fetching what the internal index does not serve (yet): Debian
# packages (OCI base image and tools, PostgreSQL and Redis) and pyright from the npm registry.
OUTSIDE_MARKERS = (
    "apt-get",
    "Debian",
    ".deb",
    "apt sources",
    "npm",
    "pyright",
)

RESULT = re.compile(r"^(✓|✕|𐄂|-) (\S+) (succeeded|failed|skipped)", re.MULTILINE)
# Each test's own record, for a run that stopped before its closing lines.
COMPLETED = re.compile(r"Completed: Run Pytest - (\S+) - (succeeded|failed)", re.MULTILINE)
RECORD = re.compile(r"^\d\d:\d\d:\d\d\.\d\d \[(?:INFO|WARN|ERROR)\] ", re.MULTILINE)


@dataclass
class Summary:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # failed target -> the marker that says it needed Debian's mirror or the npm registry
    outside: dict[str, str] = field(default_factory=dict)
    # the last error when the run stopped before its summary (e.g. a rule failed)
    stopped: str | None = None

    def render(self) -> str:
        lines = [
            f"offline-check: {len(self.passed)} passed, {len(self.failed)} failed "
            f"({len(self.outside)} need Debian's mirror or the npm registry), "
            f"{len(self.skipped)} skipped."
        ]
        for target in self.failed:
            why = self.outside.get(target)
            lines.append(f"  failed {target}" + (f"  [outside: {why!r}]" if why else ""))
        if self.stopped:
            found = next((m for m in OUTSIDE_MARKERS if m in self.stopped), None)
            why = f" [outside: {found!r}]" if found else ""
            lines.append(f"the run stopped before its summary{why}:\n{self.stopped}")
        return "\n".join(lines)


def _target_output(log: str, target: str) -> str:
    """The log records that name `target` (each record runs to the next timestamped line)."""
    starts = [m.start() for m in RECORD.finditer(log)] + [len(log)]
    return "".join(
        log[a:b] for a, b in zip(starts, starts[1:]) if target in log[a : log.find("\n", a)]
    )


def summarize(log: str) -> Summary:
    """Read `./pants test` output: the closing per-target lines, and why failures failed."""
    summary = Summary()
    results = [(target, outcome) for _, target, outcome in RESULT.findall(log)]
    if not results:  # stopped early: what did finish
        results = sorted(set(COMPLETED.findall(log)))
    for target, outcome in results:
        getattr(summary, {"succeeded": "passed"}.get(outcome, outcome)).append(target)
    for target in summary.failed:
        output = _target_output(log, target)
        found = next((m for m in OUTSIDE_MARKERS if m in output), None)
        if found:
            summary.outside[target] = found
    if not RESULT.search(log):
        errors = [m.start() for m in re.finditer(r"^.*\[ERROR\]", log, re.MULTILINE)]
        tail = log[errors[-1] :] if errors else log[-2000:]
        summary.stopped = tail[:3000].rstrip()
    return summary


def _clone(root: Path, repo: Path) -> str:
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(root), str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "--quiet", "--detach", head], check=True)
    return head


def _step(pants: FixturePants, what: str, *args: str) -> None:
    started = time.monotonic()
    print(f"offline-check: {what} ...", file=sys.stderr, flush=True)
    result = pants(*args)
    if result.returncode != 0:
        raise SystemExit(
            f"offline-check: error: `./pants {' '.join(args)}` failed (exit "
            f"{result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    print(f"offline-check: {what}: {time.monotonic() - started:.0f} s", file=sys.stderr)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build-support/bin/offline-check",
        description=(
            "Run `./pants test` on a fresh clone of HEAD with only the internal index "
            "(services/index) reachable: mirror every pinned artifact into a fresh index, "
            "then test inside a loopback-only network namespace with empty caches and "
            "pants.offline.toml. Needs root or unprivileged user namespaces. Takes 20-40 "
            "minutes on a loaded 2-core machine."
        ),
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="directory for the clone, index data, caches and logs (default: a new temp dir)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (logs: WORK/test.log)"
    )
    parser.add_argument(
        "--with-outside",
        action="store_true",
        help=f"also run the test targets tagged `{OUTSIDE_TAG}`, which need the outside by "
        "their subject and so fail offline (default: left out with `--tag=-outside`)",
    )
    parser.add_argument(
        "specs",
        nargs="*",
        default=["::"],
        help="what to test, after `--` (default: ::), e.g. `-- :: -some/dir/test.py`. They "
        "go after `test`, so they take specs and `test`'s own flags (e.g. `--test-force`), "
        "not global ones such as `--tag`",
    )
    return parser.parse_args(argv)


def pants_global_flags(args: argparse.Namespace) -> list[str]:
    return [] if args.with_outside else [f"--tag=-{OUTSIDE_TAG}"]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    root = Path(__file__).resolve().parents[2]
    try:
        unshare = unshare_argv()
    except NamespaceUnavailable as error:
        print(f"offline-check: error: {error}", file=sys.stderr)
        return 2
    work = (args.work or Path(tempfile.mkdtemp(prefix="offline-check-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    repo, data, token = work / "repo", work / "index-data", work / "token"
    try:
        head = _clone(root, repo)
        print(f"offline-check: {head[:12]} cloned into {repo}", file=sys.stderr)
        data.mkdir()
        token.write_text("offline-check-token\n")
        env = launcher_env()
        with pantsd_session(repo, env, timeout=3600) as pants:
            _step(pants, "packaging the index", "package", "services/index:index")
            with Index(repo / INDEX_PEX, data, token, work / "index-outside.log") as index:
                _step(
                    pants,
                    "mirroring every pinned artifact",
                    "index-mirror",
                    f"--to={index.url}",
                    f"--index-mirror-token-file={token}",
                )
        inner = work / "inner.sh"
        inner.write_text(
            NAMESPACE_PRELUDE
            + INNER.format(
                global_flags=" ".join(map(shlex.quote, pants_global_flags(args))),
                specs=" ".join(map(shlex.quote, args.specs)),
            )
        )
        inner_env = namespace_env(
            {**env, "REPO": str(repo)}, sys.executable, repo / INDEX_PEX, data, work
        )
        started = time.monotonic()
        print("offline-check: testing offline (log: WORK/test.log) ...", file=sys.stderr)
        with (work / "inner.log").open("w") as out:
            code = run_in_namespace(unshare, inner, inner_env, timeout=4 * 3600, stdout=out)
        if code == REACHES_OUTSIDE:
            print("offline-check: error: the namespace reached the outside", file=sys.stderr)
            return 2
        if code != 0 or not (work / "test.rc").exists():
            print((work / "inner.log").read_text()[-3000:], file=sys.stderr)
            return 2
        summary = summarize((work / "test.log").read_text())
        print(f"offline-check: tested offline in {time.monotonic() - started:.0f} s")
        print(summary.render())
        return 0 if int((work / "test.rc").read_text()) == 0 else 1
    finally:
        if args.keep:
            print(f"offline-check: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
