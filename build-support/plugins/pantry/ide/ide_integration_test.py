"""`./pants ide` on a small fixture repo with the real launcher, plugins and locks, then a real
type checker (pyright, from the npm registry) over it.

The fixture mirrors this repository's shape: a service on 3.11 (it imports `tomllib`), an
internal and a shared lib, build-support code, and plugins in the `pantry-plugins` resolve,
with one plugin backend (`checks`) whose core is in the default resolve, as import_rules' is.
The tests share one fixture and one pantsd (Pants starts once, not once per run; the
daemon is stopped by its pid at the end, even after a failure) and run in file order: bad
state first (nothing may be written), then the real export, pyright, the interpreters,
idempotence and re-export.

pyright comes from the npm registry, pinned by version and sha512 integrity in a package
lock (pyright/package-lock.json) that `npm ci` checks (node and npm are README prerequisites).
With $PANTRY_INDEX_URL set (offline builds) the lock handed to npm names the internal index's
blobs (`/blobs/sha512/<hex>`, filled by `./pants index-mirror`) as every tarball's `resolved`
URL, so npm contacts no registry. It is installed once per lock under the user's cache
(~/.cache/pantry/pyright-<version>-<lock hash>).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from pantry_testing.fixture_repo import (
    FixturePants,
    copy_into,
    install_launcher,
    launcher_env,
    pants_toml_section,
    pantsd_session,
    sandbox_tempdir,
)
from pantry_testing.npm_lock import offline_npm_lock

# `npm install --package-lock-only pyright@VERSION` in pyright/: npm ci refuses a tarball that
# does not match the lock's sha512 integrity hashes. fsevents is pyright's optional dependency
# on macOS only. `./pants index-mirror` mirrors the same tarballs (its `npm_locks`).
PYRIGHT_DIR = Path(__file__).parent / "pyright"
PYRIGHT_VERSION = json.loads((PYRIGHT_DIR / "package.json").read_text())["dependencies"]["pyright"]
UNRESOLVED = {"reportMissingImports", "reportMissingModuleSource"}
CHECKED_TREES = ("services", "libs", "build-support/plugins")
DEFAULT_VENVS = "dist/export/python/virtualenvs/python-default"
PLUGIN_VENVS = "dist/export/python/virtualenvs/pantry-plugins"

PANTS_TOML = """\
[GLOBAL]
pants_version = "2.17.1"
pythonpath = ["%(buildroot)s/build-support/plugins"]
backend_packages = ["pants.backend.python", "pantry.modern_python", "pantry.ide"]
pants_ignore.add = ["/.pantry/"]

[subprocess-environment]
env_vars = ["PIP_CONFIG_FILE=/dev/null"]

[pex-cli]
{pex_cli}

[source]
root_patterns = [
  "/libs/shared/*/src", "/libs/shared/*/tests", "/libs/internal/*/src", "/libs/internal/*/tests",
  "/services/*/src", "/services/*/tests", "/build-support", "/build-support/plugins",
]

[python]
enable_resolves = true
default_resolve = "python-default"
interpreter_constraints = ["CPython==3.11.*"]
interpreter_versions_universe = ["3.9", "3.10", "3.11", "3.12", "3.13"]

[python.resolves]
python-default = "3rdparty/python/default.lock"
pantry-plugins = "build-support/plugins/plugins.lock"

[python.resolves_to_interpreter_constraints]
python-default = {default_ics}
pantry-plugins = {plugins_ics}

[python-bootstrap]
search_path = ["<PYENV>"]
"""

FILES = {
    "3rdparty/python/BUILD": 'python_requirements(name="reqs", source="requirements.txt")\n',
    "build-support/plugins/BUILD": """\
python_requirements(name="reqs", source="requirements.txt", resolve="pantry-plugins")
__defaults__({(python_sources, python_tests): dict(resolve="pantry-plugins")})
""",
    "build-support/plugins/pantry/BUILD": "python_sources()\n",
    "build-support/plugins/pantry/ide/BUILD": "python_sources()\n",
    "build-support/plugins/pantry/modern_python/BUILD": "python_sources()\n",
    # Like import_rules: an engine-free core in the default resolve, glue in the plugins',
    # and one module in both.
    "build-support/plugins/pantry/checks/BUILD": """\
python_sources(name="glue", sources=["glue.py"])
python_sources(name="both", sources=["__init__.py", "both.py"],
               resolve=parametrize("pantry-plugins", "python-default"))
python_sources(name="core", sources=["core.py"], resolve="python-default")
python_tests(name="tests", resolve="python-default")
""",
    "build-support/plugins/pantry/checks/__init__.py": "",
    "build-support/plugins/pantry/checks/both.py": "import json\n\nDUMP = json.dumps\n",
    "build-support/plugins/pantry/checks/core.py": (
        "import grimp\n\nfrom pantry.checks.both import DUMP\n\nBUILD_GRAPH = grimp.build_graph\n"
    ),
    "build-support/plugins/pantry/checks/core_test.py": (
        "import pytest\n\nfrom pantry.checks.core import BUILD_GRAPH\n\n\n"
        "def test_core():\n    assert BUILD_GRAPH and pytest\n"
    ),
    "build-support/plugins/pantry/checks/glue.py": (
        "from pants.engine.rules import collect_rules\n\nfrom pantry.checks.both import DUMP\n\n\n"
        "def rules():\n    return collect_rules()\n"
    ),
    "build-support/ci/BUILD": "python_sources()\n",
    "build-support/ci/__init__.py": "",
    "build-support/ci/summary.py": "from packaging.version import Version\n\nV = Version('1')\n",
    "libs/internal/flags/src/flags/BUILD": "python_sources()\n",
    "libs/internal/flags/src/flags/__init__.py": "ENABLED = True\n",
    "libs/shared/shr/src/shr/BUILD": (
        'python_sources(interpreter_constraints=["CPython>=3.9,<3.14"])\n'
    ),
    "libs/shared/shr/src/shr/__init__.py": "from packaging.utils import canonicalize_name\n",
    "services/svc/src/svc/BUILD": "python_sources()\n",
    "services/svc/src/svc/__init__.py": "",
    "services/svc/src/svc/app.py": (
        "import tomllib\n\nfrom flags import ENABLED\nfrom shr import canonicalize_name\n\n"
        "CONFIG = tomllib.loads('a = 1')\nNAME = canonicalize_name('A_B') if ENABLED else ''\n"
    ),
    "services/svc/tests/BUILD": 'python_tests(name="tests")\n',
    "services/svc/tests/test_app.py": (
        "import pytest\n\nfrom svc.app import NAME\n\n\ndef test_name():\n"
        "    assert NAME == 'a-b' and pytest\n"
    ),
}

# Every first-party top-level package, and a module that needs the venv's third-party code.
DEFAULT_IMPORTS = ["ci", "flags", "pantry", "shr", "svc", "svc.app", "pantry.checks.core"]
PLUGIN_IMPORTS = ["pantry", "pantry.ide.register", "pantry.checks.glue"]


def lock_header(text: str) -> dict:
    start = text.index("--- BEGIN PANTS LOCKFILE METADATA")
    end = text.index("--- END PANTS LOCKFILE METADATA")
    lines = text[start:end].splitlines()[1:]
    return json.loads("\n".join(line[len("//") :] for line in lines))


@pytest.fixture(scope="module")
def repo() -> Path:
    repo = sandbox_tempdir("ide-fixture-")
    default_lock = Path("3rdparty/python/default.lock").read_text()
    plugins_lock = Path("build-support/plugins/plugins.lock").read_text()
    default_header, plugins_header = lock_header(default_lock), lock_header(plugins_lock)
    (repo / "pants.toml").write_text(
        PANTS_TOML.format(
            pex_cli=pants_toml_section(Path("pants.toml").read_text(), "pex-cli"),
            default_ics=json.dumps(default_header["valid_for_interpreter_constraints"]),
            plugins_ics=json.dumps(plugins_header["valid_for_interpreter_constraints"]),
        )
    )
    # Requirements exactly as each lock was generated with, so neither lock is stale.
    files = {
        **FILES,
        "3rdparty/python/default.lock": default_lock,
        "3rdparty/python/requirements.txt": "\n".join(
            default_header["generated_with_requirements"]
        ),
        "build-support/plugins/plugins.lock": plugins_lock,
        "build-support/plugins/requirements.txt": "\n".join(
            plugins_header["generated_with_requirements"]
        ),
    }
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    install_launcher(repo)
    plugins = Path("build-support/plugins/pantry")
    for source in [
        plugins / "__init__.py",
        # What every backend's modules import: the error base and the guard on Pants patches.
        plugins / "errors.py",
        plugins / "pants_patch.py",
        *plugins.glob("ide/*.py"),
        *plugins.glob("modern_python/*.py"),
        # What this very test imports, so pyright over the copy resolves it too.
        *Path("build-support/pantry_testing").glob("*.py"),
    ]:
        copy_into(repo, str(source))
    return repo


@pytest.fixture(scope="module")
def pants(repo: Path) -> Iterator[FixturePants]:
    with pantsd_session(repo, launcher_env(), timeout=600) as pants:
        yield pants


def ide(pants: FixturePants, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return pants("ide", *args, env=env)


def snapshot(repo: Path) -> dict[str, bytes]:
    """What `./pants ide` writes: settings, venv directories, `.pth` files and export records."""
    paths = [repo / "pyrightconfig.json", repo / ".vscode/settings.json"]
    for venvs in (repo / DEFAULT_VENVS, repo / PLUGIN_VENVS):
        if venvs.is_dir():
            for found in venvs.iterdir():
                paths.extend(
                    [found, found / ".pantry-ide.json", *found.glob("lib/*/site-packages/*.pth")]
                )
    return {
        str(p.relative_to(repo)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in paths
        if p.exists()
    }


def cache_dir() -> Path:
    if "PANTRY_CACHE_DIR" in os.environ:
        return Path(os.environ["PANTRY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base, "pantry")


SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module")
def pyright() -> Path:
    """pyright from the npm registry (or, with $PANTRY_INDEX_URL, from the internal index's
    blobs), checked against pyright/package-lock.json, installed once per lock."""
    npm = shutil.which("npm", path=launcher_env()["PATH"])
    if not npm:
        pytest.fail(
            "npm is not on PATH: the editor test type-checks with pyright, which needs node and "
            "npm (a README prerequisite). Install them (e.g. `apt-get install nodejs npm`)."
        )
    lock_text = (PYRIGHT_DIR / "package-lock.json").read_text()
    index_url = launcher_env().get("PANTRY_INDEX_URL")
    if index_url:
        # Offline: every tarball from the index's blobs (`./pants index-mirror` put them there),
        # still checked against its integrity; no registry is contacted.
        lock_text = offline_npm_lock(lock_text, index_url)
    name = f"pyright-{PYRIGHT_VERSION}-{hashlib.sha256(lock_text.encode()).hexdigest()[:12]}"
    root = cache_dir() / name
    executable = root / "node_modules" / ".bin" / "pyright"
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not executable.exists():
            staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{name}."))
            shutil.copyfile(PYRIGHT_DIR / "package.json", staging / "package.json")
            (staging / "package-lock.json").write_text(lock_text)
            # TLS trust from the system bundle (as pants.toml's ca_certs_path), not from
            # whatever npm configuration the host's HOME happens to hold.
            cafile = ["--cafile", SYSTEM_CA_BUNDLE] if os.path.isfile(SYSTEM_CA_BUNDLE) else []
            installed = subprocess.run(
                [npm, "ci", "--prefix", str(staging), "--no-audit", "--no-fund",
                 "--ignore-scripts", *cafile],
                capture_output=True, text=True, env=launcher_env(), timeout=600,
            )  # fmt: skip
            if installed.returncode != 0:
                shutil.rmtree(staging, ignore_errors=True)
                pytest.fail(f"npm ci of the pinned pyright failed:\n{installed.stderr}")
            shutil.rmtree(root, ignore_errors=True)
            os.replace(staging, root)
    return executable


def run_pyright(pyright: Path, repo: Path) -> dict:
    result = subprocess.run(
        [str(pyright), "--outputjson", *CHECKED_TREES],
        cwd=repo,
        env=launcher_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        return json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"pyright did not report JSON (exit {result.returncode}): {result.stderr}")


def unresolved(report: dict) -> list[str]:
    return sorted(
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d.get("rule") in UNRESOLVED
    )


def venv(repo: Path, venvs: str) -> Path:
    (found,) = (repo / venvs).iterdir()
    return found


def test_settings_that_are_not_json_stop_everything(repo: Path, pants: FixturePants) -> None:
    settings = repo / ".vscode/settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // mine\n  "editor.rulers": [100]\n}\n')
    result = ide(pants)
    assert result.returncode == 1, result.stderr
    assert (
        "ide: .vscode/settings.json:2:3: not valid JSON (Expecting property name enclosed in"
        " double quotes), so `./pants ide` cannot merge its settings into it and wrote nothing."
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(repo) == {".vscode/settings.json": settings.read_bytes()}
    settings.write_text('{\n  "editor.rulers": [100]\n}\n')


@pytest.fixture
def only_python39(tmp_path: Path) -> str:
    pyenv = Path(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv")))
    found = sorted(pyenv.glob("versions/3.9*/bin/python3.9"))
    if not found:
        pytest.skip("needs a pyenv CPython 3.9")
    (tmp_path / "python3").symlink_to(found[-1])
    return json.dumps([str(tmp_path)])


def test_a_missing_interpreter_stops_everything(
    repo: Path, pants: FixturePants, only_python39: str
) -> None:
    before = snapshot(repo)
    result = ide(pants, PANTS_PYTHON_BOOTSTRAP_SEARCH_PATH=only_python39)
    assert result.returncode == 1, result.stderr
    assert (
        "ide: No Python interpreter for resolve `python-default`: its editor venv needs"
        " CPython<3.14,==3.11.*,>=3.9"
    ) in result.stderr
    assert "Install one (e.g. `pyenv install 3.11`)" in result.stderr
    assert snapshot(repo) == before


def test_ide_exports_venvs_and_merges_settings(repo: Path, pants: FixturePants) -> None:
    result = ide(pants)
    assert result.returncode == 0, result.stderr
    default, plugins = venv(repo, DEFAULT_VENVS), venv(repo, PLUGIN_VENVS)
    assert default.name.startswith("3.11.") and plugins.name.startswith("3.9.")
    out = result.stdout
    assert f"python-default: {DEFAULT_VENVS}/{default.name} (exported: not exported yet" in out
    assert f"pantry-plugins: {PLUGIN_VENVS}/{plugins.name} (exported: not exported yet" in out
    assert "wrote: pyrightconfig.json" in out and "wrote: .vscode/settings.json" in out
    settings = json.loads((repo / ".vscode/settings.json").read_text())
    assert settings["editor.rulers"] == [100]
    assert settings["python.defaultInterpreterPath"] == f"{default}/bin/python"
    pth = default / "lib/python3.11/site-packages/pantry-ide-source-roots.pth"
    assert pth.read_text().splitlines()[1:] == [
        f"{repo}/build-support",
        f"{repo}/build-support/plugins",
        f"{repo}/libs/internal/flags/src",
        f"{repo}/libs/shared/shr/src",
        f"{repo}/services/svc/src",
        f"{repo}/services/svc/tests",
    ]


def test_pyright_resolves_every_import(repo: Path, pyright: Path) -> None:
    report = run_pyright(pyright, repo)
    assert unresolved(report) == []
    checked = sum(1 for tree in CHECKED_TREES for _ in (repo / tree).rglob("*.py"))
    assert report["summary"]["filesAnalyzed"] == checked


def test_pyright_without_the_config_does_not(repo: Path, pyright: Path) -> None:
    # The check above can fail: without Pantry's settings, first-party imports are unresolved.
    config = repo / "pyrightconfig.json"
    saved = config.read_bytes()
    config.write_text("{}\n")
    try:
        problems = unresolved(run_pyright(pyright, repo))
    finally:
        config.write_bytes(saved)
    assert f'{repo}/services/svc/src/svc/app.py:3: Import "flags" could not be resolved' in problems


@pytest.mark.parametrize(
    "venvs, modules", [(DEFAULT_VENVS, DEFAULT_IMPORTS), (PLUGIN_VENVS, PLUGIN_IMPORTS)]
)
def test_exported_interpreters_import_first_party_code(repo: Path, venvs: str, modules) -> None:
    script = (
        "import importlib, json, sys\n"
        "print(json.dumps({m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))\n"
    )
    result = subprocess.run(
        [str(venv(repo, venvs) / "bin/python"), "-c", script, *modules],
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for module, path in json.loads(result.stdout).items():
        assert path.startswith(f"{repo}/"), (module, path)


def test_ide_is_idempotent(repo: Path, pants: FixturePants) -> None:
    before = snapshot(repo)
    result = ide(pants)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(up to date, Python") == 2
    assert "wrote:" not in result.stdout
    assert snapshot(repo) == before


def test_a_changed_lockfile_or_broken_venv_is_re_exported(repo: Path, pants: FixturePants) -> None:
    lock = repo / "3rdparty/python/default.lock"
    lock.write_text(lock.read_text() + "\n")
    (venv(repo, PLUGIN_VENVS) / "bin/python").unlink()
    result = ide(pants)
    assert result.returncode == 0, result.stderr
    assert (
        "(exported: 3rdparty/python/default.lock changed since it was exported, Python 3.11."
        in result.stdout
    )
    assert "(exported: its interpreter (bin/python) is missing or broken, Python 3.9." in (
        result.stdout
    )
    assert (venv(repo, PLUGIN_VENVS) / "bin/python").exists()
