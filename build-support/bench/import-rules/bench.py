"""Time `./pants lint --only=import-rules ::` next to import-linter on one synthetic monorepo.

Run it through `run` (next to this file), which picks the interpreter. In a temporary
directory it:

1. generates the tree (`generate.py`: 5,000 modules over 40 projects by default);
2. makes it a real Pants repository: this repository's `./pants` launcher and
   `build-support/launcher/`, the plugins the linter needs, its rules file, the committed
   `3rdparty/python` lock and requirements, and a minimal `pants.toml` with this
   repository's `[pex-cli]` section;
3. pip-installs import-linter into a throwaway venv (`PIP_CONFIG_FILE=/dev/null`);
4. times, in one run, on the clean tree: Pants on empty caches (it builds the checker's
   PEX), Pants again with nothing changed (served from its cache), `./pants list ::` (what
   Pants costs before any linting), Pants with a daemon (started, then warm),
   `lint-imports` without and with its own cache, and the checker alone in the same venv
   as import-linter; then
   adds two forbidden imports (`generate.py --inject`) and times Pants (a cold process
   whose checker must run again) and `lint-imports --no-cache` once more.

Every run's output is checked (counts, and the two injected violations found by both
tools), so the numbers are for work actually done. Pants runs with `--no-pantsd`, except
two runs with a daemon of the benchmark's own (`--pants-subprocessdir` in the temporary
directory), stopped by its pid afterwards. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  # pants: no-infer-dep (this directory is no package; see BUILD)

PANTS_TOML = """\
# The import rules benchmark's repository: only what `lint --only=import-rules` needs.
[GLOBAL]
pants_version = "2.17.1"
pants_bin_name = "./pants"
pythonpath = ["%(buildroot)s/build-support/plugins"]
backend_packages = ["pants.backend.python", "pantry.modern_python", "pantry.import_rules"]
ca_certs_path = "/etc/ssl/certs/ca-certificates.crt"
pants_ignore.add = ["/.pantry/", "/.import_linter_cache/", "/.importlinter"]

[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]

[pex-cli]
{pex_cli}
[source]
root_patterns = {root_patterns}

[python]
enable_resolves = true
default_resolve = "python-default"
interpreter_constraints = ["CPython==3.11.*"]
interpreter_versions_universe = ["3.9", "3.10", "3.11", "3.12", "3.13"]

[python.resolves]
python-default = "3rdparty/python/default.lock"

[python.resolves_to_interpreter_constraints]
python-default = ["CPython>=3.9,<3.14"]

[python-bootstrap]
search_path = ["<PYENV>"]

[import-rules]
install_from_resolve = "python-default"
requirements = ["grimp", "tomli"]
"""

# Pants logs each process it starts (not those served from its cache) at this target's debug.
# LINT[1] is the daemon flag: `--no-pantsd`, or the flags that start one of our own.
LINT = (
    "./pants",
    "--no-pantsd",
    "--log-levels-by-target={'process_execution::local': 'debug'}",
    "lint",
    "--only=import-rules",
    "::",
)
CHECKER_PROCESS = "Check the import rules of"
PROCESS_KINDS = (
    ("Searching for `bash`", "find bash"),
    ("Test binary", "find bash"),
    ("Find interpreter", "find Python"),
    ("Building ", "build checker PEX"),
)


@dataclass(frozen=True)
class Row:
    run: str
    result: str
    wall: float
    cpu: Optional[float]  # None: spent in a daemon, not measured here
    checker: str = ""
    other_processes: str = ""


class BenchFailed(Exception):
    """A run did not do what the benchmark expects; the message has its output."""


def plugin_files() -> list[Path]:
    """The plugins the linter needs, as source files (their BUILD files and tests stay out)."""
    plugins = REPO / "build-support/plugins/pantry"
    files = [plugins / "__init__.py", plugins / "errors.py", plugins / "pants_patch.py"]
    for package in ("modern_python", "import_rules"):
        files += [
            p
            for p in sorted((plugins / package).rglob("*.py"))
            if not p.name.endswith("_test.py") and p.name != "conftest.py"
        ]
    return files


def committed(path: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=REPO, check=True, capture_output=True
    ).stdout


def make_pants_repo(root: Path) -> None:
    for source in [REPO / "pants", *sorted((REPO / "build-support/launcher").glob("*.*"))]:
        destination = root / source.relative_to(REPO)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    for source in [*plugin_files(), REPO / "build-support/import-rules.toml"]:
        destination = root / source.relative_to(REPO)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    # The committed lock and the requirements it was generated from, consistent together.
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", "HEAD", "3rdparty/python/"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for path in listed:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(committed(path))
    pex_cli = (REPO / "pants.toml").read_text().split("[pex-cli]\n", 1)[1].split("\n[", 1)[0]
    patterns = "[" + ", ".join(f'"{p}"' for p in generate.SOURCE_ROOT_PATTERNS) + "]"
    (root / "pants.toml").write_text(
        PANTS_TOML.format(pex_cli=pex_cli + "\n", root_patterns=patterns)
    )


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # user + system of the process and the children it waited for
    output: str


def timed(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], expect_exit: int, label: str
) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=dict(env), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    output = result.stdout + result.stderr
    if result.returncode != expect_exit:
        raise BenchFailed(
            f"{label}: expected exit {expect_exit}, got {result.returncode}:\n{output[-6000:]}"
        )
    return Timing(wall, cpu, output)


def expect(output: str, label: str, *needles: str) -> None:
    for needle in needles:
        if needle not in output:
            raise BenchFailed(f"{label}: expected {needle!r} in its output:\n{output[-6000:]}")


def pants_processes(output: str) -> tuple[str, str]:
    """Whether Pants ran the checker or took its result from cache, and what else it ran."""
    started = re.findall(r'spawned local process .*?description: "([^"]*)"', output)
    checker = "ran" if any(d.startswith(CHECKER_PROCESS) for d in started) else "from cache"
    others: dict[str, int] = {}
    for description in started:
        if description.startswith(CHECKER_PROCESS):
            continue
        kind = next((k for prefix, k in PROCESS_KINDS if description.startswith(prefix)), None)
        kind = kind or description.split(":")[0]
        others[kind] = others.get(kind, 0) + 1
    return checker, ", ".join(f"{k} ×{n}" if n > 1 else k for k, n in others.items())


def stop_pantsd(subprocess_dir: Path) -> None:
    """Stop the daemon this benchmark started, by the pid it recorded; wait for it to exit."""
    for pid_file in subprocess_dir.glob("*/pantsd/pid"):
        try:
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            continue
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def summary(output: str, pattern: str) -> str:
    match = re.search(pattern, output)
    return match.group(0) if match else "?"


def run_bench(scratch: Path, modules: int, projects: int, python: str) -> list[Row]:
    repo = scratch / "repo"
    files = generate.generate(modules, projects, seed=1)
    generate.write(repo, files)
    make_pants_repo(repo)
    python_files = sum(1 for path in files if path.endswith(".py"))
    print(f"bench: {python_files} modules in {projects} projects at {repo}", file=sys.stderr)

    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    pants_env = {
        **base_env,
        # Empty Pants caches of its own: the first run does all the work.
        "PANTS_LOCAL_STORE_DIR": str(scratch / "lmdb_store"),
        "PANTS_NAMED_CACHES_DIR": str(scratch / "named_caches"),
    }
    print("bench: bootstrapping ./pants (not timed) ...", file=sys.stderr)
    timed(["./pants", "--no-pantsd", "--version"], repo, pants_env, 0, "./pants --version")

    print("bench: installing import-linter into a throwaway venv ...", file=sys.stderr)
    venv = scratch / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin/pip"), "install", "--quiet", "--disable-pip-version-check"]
        + ["--cert", "/etc/ssl/certs/ca-certificates.crt", "import-linter"],
        env={**base_env, "PIP_CONFIG_FILE": "/dev/null"},
        check=True,
    )
    versions = subprocess.run(
        [
            str(venv / "bin/python"),
            "-c",
            "import importlib.metadata as m; "
            "print(m.version('import-linter'), m.version('grimp'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    source_roots = sorted(
        str(repo / p.source_root) for p in generate.plan_projects(modules, projects)
    )
    linter_env = {**base_env, "PYTHONPATH": os.pathsep.join(source_roots)}
    lint_imports = [str(venv / "bin/lint-imports")]
    services = sum(1 for p in generate.plan_projects(modules, projects) if p.kind == "service")
    contracts = services + 1
    clean_checked = f"0 violations in {python_files} files checked."

    rows = []
    daemon = ("--pantsd", f"--pants-subprocessdir={scratch / 'pids'}")

    def pants(
        label: str, exit_code: int, violations: int, *needles: str, flags: Sequence[str] = ()
    ) -> None:
        print(f"bench: {label} ...", file=sys.stderr)
        argv = [LINT[0], *(flags or LINT[1:2]), *LINT[2:]]
        run = timed(argv, repo, pants_env, exit_code, label)
        expect(run.output, label, *needles)
        result = summary(run.output, r"\d+ violations? in \d+ files checked[^\n]*")
        # Every module, and BUILD files with explicit dependencies (3rdparty/python's).
        counts = re.fullmatch(r"(\d+) violations? in (\d+) files checked\.", result)
        if not counts or int(counts.group(1)) != violations or int(counts.group(2)) < python_files:
            raise BenchFailed(
                f"{label}: expected {violations} violations in at least {python_files} files "
                f"checked, got {result!r}:\n{run.output[-6000:]}"
            )
        cpu = None if flags else run.cpu
        rows.append(Row(label, result, run.wall, cpu, *pants_processes(run.output)))

    def linter(label: str, argv: Sequence[str], exit_code: int, needle: str) -> None:
        print(f"bench: {label} ...", file=sys.stderr)
        run = timed(argv, repo, linter_env, exit_code, label)
        expect(run.output, label, needle)
        rows.append(Row(label, summary(run.output, r"Contracts: [^\n]*"), run.wall, run.cpu))

    pants("`./pants lint` (empty Pants caches: builds the checker PEX)", 0, 0)
    pants("`./pants lint` rerun, nothing changed (Pants cache)", 0, 0)
    print("bench: `./pants list ::` ...", file=sys.stderr)
    floor = timed([LINT[0], "--no-pantsd", "list", "::"], repo, pants_env, 0, "./pants list ::")
    targets = sum(1 for line in floor.output.splitlines() if line.endswith(".py"))
    rows.append(
        Row(
            "`./pants list ::`: Pants alone (start, load the build graph)",
            f"{targets} Python targets",
            floor.wall,
            floor.cpu,
        )
    )
    try:
        pants("`./pants --pantsd lint` (starts the daemon)", 0, 0, flags=daemon)
        pants("`./pants --pantsd lint` rerun, daemon warm", 0, 0, flags=daemon)
    finally:
        stop_pantsd(scratch / "pids")
    kept = f"Contracts: {contracts} kept, 0 broken."
    linter("`lint-imports --no-cache`", [*lint_imports, "--no-cache"], 0, kept)
    linter("`lint-imports` rerun (its own cache warm)", lint_imports, 0, kept)
    print("bench: the checker alone ...", file=sys.stderr)
    run = timed(
        [str(venv / "bin/python"), "-m", "pantry.import_rules.checker"]
        + [str(repo / "import-rules-request.json"), "--build-root", str(repo)],
        repo,
        {**base_env, "PYTHONPATH": str(REPO / "build-support/plugins")},
        0,
        "the checker alone",
    )
    expect(run.output, "the checker alone", clean_checked)
    rows.append(
        Row("import rules checker alone, no Pants (same venv)", clean_checked, run.wall, run.cpu)
    )

    injected = generate.inject_violations(repo)
    pants("`./pants lint` cold process, 2 files changed (checker reruns)", 1, 2, *injected)
    linter(
        "`lint-imports --no-cache`, same 2 files changed",
        [*lint_imports, "--no-cache"],
        1,
        f"Contracts: {contracts - 2} kept, 2 broken.",
    )
    print(
        f"bench: import-linter {versions[0]}, grimp {versions[1]}; {os.cpu_count()} CPUs; "
        f"load average before: {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return rows


def render(rows: Sequence[Row]) -> str:
    header = (
        "run",
        "result",
        "wall (s)",
        "CPU (s)",
        "checker process",
        "other processes Pants ran",
    )
    table = [
        header,
        *(
            (
                r.run,
                r.result,
                f"{r.wall:.1f}",
                "in pantsd" if r.cpu is None else f"{r.cpu:.1f}",
                r.checker,
                r.other_processes,
            )
            for r in rows
        ),
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _make_writable_and_retry(
    function: Callable[[str], object], path: str, _exc_info: object
) -> None:
    """Pants and pex leave read-only directories in their caches."""
    os.chmod(os.path.dirname(path), 0o755)
    if os.path.isdir(path):
        os.chmod(path, 0o755)
    function(path)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=5000)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="import-rules-bench-"))
    try:
        rows = run_bench(scratch, args.modules, args.projects, sys.executable)
    except BenchFailed as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"bench: kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, onerror=_make_writable_and_retry)
    print(render(rows))
    print()
    print(
        "Same tree, same rules: import-linter checks rules 1 and 5 as forbidden contracts on "
        "direct imports; the import rules linter also checks BUILD dependencies, Terraform "
        "sources and project cycles. `./pants lint` wall time includes starting Pants, "
        "loading the build graph and building the sandbox of every file; without pantsd, "
        "every new Pants process looks for bash and Python again (`other processes`). CPU "
        "is user + system time of the command and the processes it waited for (the machine "
        "is shared: wall time includes waiting for a core)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
