"""The real service images, built by `./pants package` rules, checked with real tools.

Validated with `umoci` and `oci-image-tool`, pushed with this backend's `publish` rule
(skopeo) to a real registry (`docker-registry`) on 127.0.0.1 and pulled back by digest: the
pinned Debian packages of //external/tools/oci, which Pants fetches, caches and puts in the
sandbox (see BUILD), so they are always there. Run with `podman` + `runc`, the one exception:
a container runtime needs host privileges (user namespaces, cgroups), so it is the host's.
Without a working one those checks skip, with the reason; with
PANTRY_REQUIRE_CONTAINER_RUNTIME=1 (CI) they fail instead. podman and the registry keep their
state in the test's temporary directories and are stopped by their own pids.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest
from pantry.oci import register as oci_register
from pantry.oci import target_types as oci_target_types
from pantry.oci.goals.publish import PublishOciImageFieldSet, PublishOciImageRequest
from pantry.oci.sbom import SBOM_PATH
from pantry.oci.util_rules.debian_tools import (
    DebianToolsTree,
    DebianToolsTreeRequest,
    fetch_debian_tools_tree,
)
from pants.backend.python import register as python_backend
from pants.core import register as core_backend
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact
from pants.core.goals.publish import PublishProcesses
from pants.engine.addresses import Address
from pants.engine.fs import Digest, PathGlobs, RemovePrefix
from pants.engine.rules import Get, QueryRule, rule
from pants.testutil.rule_runner import RuleRunner, mock_console

# runtime_package_dependencies puts the packaged layouts and the pinned tools here (see BUILD).
INDEX = Path("services.index/image")
INDEX_ARCHIVE = Path("services.index/image.tar")
STATS = Path("services.stats/image")
TOOLS = Path("external.tools.oci/oci")
# Only for the container runtime, which is the host's (see the module docstring).
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
)
REQUIRE_RUNTIME = "PANTRY_REQUIRE_CONTAINER_RUNTIME"
# podman runs images on this host only with these (see DESIGN.md: crun fails on its cgroups).
PODMAN_FLAGS = (
    "--storage-driver=overlay",
    "--cgroup-manager=cgroupfs",
    "--events-backend=file",
    "--runtime",
    "runc",
)
PODMAN_RUN_FLAGS = ("--ulimit", "nofile=1024:20000", "--ulimit", "nproc=1024:4096")


def tool(name: str) -> str:
    """A pinned tool of //external/tools/oci, as Pants packaged it into the sandbox."""
    path = TOOLS / "bin" / name
    assert path.is_file(), f"{path} is missing: is //external/tools/oci in this test's BUILD?"
    return str(path.resolve())


def runtime(name: str) -> str:
    """The host's `podman` or `runc`; a skip (or, under PANTRY_REQUIRE_CONTAINER_RUNTIME=1, a
    failure) when it is missing or does not run."""
    path = shutil.which(name, path=SEARCH_PATH)
    problem = f"{name} is not installed"
    if path:
        try:
            probe = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
            if probe.returncode == 0:
                return path
            problem = f"{path} --version exited {probe.returncode}"
        except OSError as e:
            problem = f"{path} does not run ({e})"
    reason = (
        f"{problem}: running images needs a privileged container runtime on the host "
        "(apt-get install podman runc)"
    )
    if os.environ.get(REQUIRE_RUNTIME) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_RUNTIME}=1 requires one")
    pytest.skip(f"{reason}; {REQUIRE_RUNTIME}=1 (as in CI) makes this a failure")


@pytest.mark.parametrize("name", ["skopeo", "umoci", "oci-image-tool", "docker-registry"])
def test_the_pinned_tools_run(name: str) -> None:
    """They run on a host that has none of them (and none of skopeo's extra libraries)."""
    result = run(tool(name), "--version", env={"PATH": "/usr/bin:/bin"})
    assert result.stdout.strip(), result.stderr


def run(*argv: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manifest_digest(layout: Path) -> str:
    (descriptor,) = json.loads((layout / "index.json").read_text())["manifests"]
    return descriptor["digest"]


def manifest(layout: Path) -> dict:
    return json.loads((layout / "blobs/sha256" / manifest_digest(layout)[7:]).read_text())


def validate(layout: Path) -> subprocess.CompletedProcess:
    return run(
        tool("oci-image-tool"),
        "validate",
        "--type",
        "image",
        "--ref",
        "name=latest",
        str(layout),
        check=False,
    )


# --- validators ------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [INDEX, STATS], ids=["index", "stats"])
def test_layout_is_a_valid_oci_image(layout: Path) -> None:
    result = validate(layout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout + result.stderr
    assert len(manifest(layout)["layers"]) == 3  # base, third-party, first-party


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "index"
    run(tool("umoci"), "unpack", "--rootless", "--image", f"{INDEX}:latest", str(path))
    return path


def test_a_non_root_entrypoint_and_a_distroless_root(bundle: Path) -> None:
    process = json.loads((bundle / "config.json").read_text())["process"]
    assert process["args"][:2] == ["/usr/bin/python3.11", "/app/index.pex"]
    assert process["user"]["uid"] == 65532
    assert "PORT=8080" in process["env"]
    rootfs = bundle / "rootfs"
    assert (rootfs / "usr/bin/python3.11").is_file()
    assert (rootfs / "etc/ssl/certs/ca-certificates.crt").stat().st_size > 100_000
    # OpenSSL (and so Python's ssl) finds the bundle at its default path.
    assert os.readlink(rootfs / "usr/lib/ssl/cert.pem") == "/etc/ssl/certs/ca-certificates.crt"
    assert "nonroot:x:65532:65532" in (rootfs / "etc/passwd").read_text()
    assert (rootfs / "app/index.pex/.deps").is_dir()  # third-party layer
    assert (rootfs / "app/index.pex/index/cli.py").is_file()  # first-party layer
    assert not (rootfs / "bin/sh").exists()  # distroless: no shell


def test_the_sbom_is_in_the_image_and_the_manifest_points_at_it(bundle: Path) -> None:
    annotations = manifest(INDEX)["annotations"]
    assert annotations["dev.pantry.sbom.path"] == SBOM_PATH
    data = (bundle / "rootfs" / SBOM_PATH.lstrip("/")).read_bytes()
    assert annotations["dev.pantry.sbom.digest"] == "sha256:" + hashlib.sha256(data).hexdigest()
    sbom = json.loads(data)
    assert (sbom["bomFormat"], sbom["specVersion"]) == ("CycloneDX", "1.5")
    deps = sorted(p.name for p in (bundle / "rootfs/app/index.pex/.deps").iterdir())
    assert len(sbom["components"]) == len(deps) > 0
    for component in sbom["components"]:
        assert component["purl"] == f"pkg:pypi/{component['name']}@{component['version']}"
        assert [h["alg"] for h in component["hashes"]] == ["SHA-256"]  # the installed wheel's


def test_the_oci_archive_holds_the_same_image(tmp_path: Path) -> None:
    copy = tmp_path / "from-archive"
    run(
        tool("skopeo"),
        "copy",
        "--quiet",
        f"oci-archive:{INDEX_ARCHIVE}:pantry/index:latest",
        f"oci:{copy}:latest",
    )
    assert manifest_digest(copy) == manifest_digest(INDEX)


def test_a_corrupt_blob_is_caught(tmp_path: Path) -> None:
    """The validators can fail: one flipped byte in the first-party layer."""
    copy = tmp_path / "layout"
    shutil.copytree(INDEX, copy)
    blob = copy / "blobs/sha256" / manifest(copy)["layers"][-1]["digest"][7:]
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.chmod(0o644)
    blob.write_bytes(bytes(data))
    unpack = run(
        tool("umoci"),
        "unpack",
        "--rootless",
        "--image",
        f"{copy}:latest",
        str(tmp_path / "b"),
        check=False,
    )
    assert unpack.returncode != 0, unpack.stdout
    assert validate(copy).returncode != 0


# --- podman ----------------------------------------------------------------------------------


class Podman:
    """podman with its storage in a temporary directory, so the host's images stay untouched."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.images: dict[Path, str] = {}
        self.argv = (
            runtime("podman"),
            "--root",
            str(root / "root"),
            "--runroot",
            str(root / "run"),
            *PODMAN_FLAGS,
        )
        self.env = {"PATH": SEARCH_PATH, "HOME": str(root), "XDG_RUNTIME_DIR": str(root / "xdg")}

    def __call__(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return run(*self.argv, *args, check=check, env=self.env, **kwargs)

    def load(self, layout: Path) -> str:
        """The image id of `layout`, pulled into the test's storage once per module."""
        if layout not in self.images:
            # podman names the image after the path, and image names must be lowercase.
            link = self.root / "layouts" / layout.parent.name.lower()
            link.parent.mkdir(exist_ok=True)
            link.symlink_to(layout.resolve())
            self.images[layout] = self("pull", "-q", f"oci:{link}:latest").stdout.strip()
        return self.images[layout]


@pytest.fixture(scope="module")
def podman(tmp_path_factory) -> Iterator[Podman]:
    runtime("runc")
    root = tmp_path_factory.mktemp("podman")
    (root / "xdg").mkdir(mode=0o700)
    podman = Podman(root)
    try:
        yield podman
    finally:
        podman("rm", "--all", "--force", check=False)
        podman("rmi", "--all", "--force", check=False)


def test_podman_load_names_the_archive_after_its_repository(podman: Podman) -> None:
    loaded = podman("load", "-i", str(INDEX_ARCHIVE.resolve())).stdout
    exists = podman("image", "exists", "localhost/pantry/index:latest", check=False)
    assert exists.returncode == 0, loaded


def test_the_index_image_runs_and_answers(podman: Podman) -> None:
    image = podman.load(INDEX)
    port = free_port()
    name = f"pantry-index-{port}"
    # The image's own command; only $PORT is changed, as a platform would set it. The index
    # listens on all addresses inside its own network namespace; the host side is loopback only.
    podman(
        "run",
        "-d",
        "--name",
        name,
        "-p",
        f"127.0.0.1:{port}:9090",
        "-e",
        "PORT=9090",
        *PODMAN_RUN_FLAGS,
        image,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/simple/", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                state = podman("inspect", "--format", "{{.State.Status}}", name, check=False)
                if "running" not in state.stdout or time.monotonic() > deadline:
                    logs = podman("logs", name, check=False)
                    pytest.fail(
                        f"the index image did not answer on {port}:\n{logs.stdout}{logs.stderr}"
                    )
                time.sleep(0.5)
        # It stops on SIGTERM (podman stop), not after the kill timeout.
        started = time.monotonic()
        podman("stop", "--time", "20", name)
        assert time.monotonic() - started < 15
        exited = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        assert exited == "0"
    finally:
        podman("rm", "--force", name, check=False)


def test_the_stats_image_reads_a_log_on_stdin(podman: Podman) -> None:
    image = podman.load(STATS)
    line = {
        "ts": "2026-11-22T02:20:33.581+00:00",
        "method": "GET",
        "path": "/files/demo-1.0-py3-none-any.whl",
        "status": 200,
        "bytes": 5,
        "user_agent": "pip/24.0",
        "remote": "127.0.0.1",
    }
    result = podman("run", "-i", "--rm", *PODMAN_RUN_FLAGS, image, input=json.dumps(line) + "\n")
    assert "demo" in result.stdout, result.stdout + result.stderr


def test_python_in_the_image_trusts_the_ca_bundle(podman: Podman) -> None:
    image = podman.load(INDEX)
    code = "import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])"
    result = podman(
        "run", "--rm", "--entrypoint", "/usr/bin/python3.11", *PODMAN_RUN_FLAGS, image, "-c", code
    )
    assert int(result.stdout) > 100


# --- publish to a real registry --------------------------------------------------------------


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Iterator[str]:
    """The pinned docker-registry on 127.0.0.1, storage in a temporary directory."""
    binary = tool("docker-registry")
    root = tmp_path_factory.mktemp("registry")
    port = free_port()
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {root / 'data'}\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    log = open(root / "log", "w")
    server = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"docker-registry did not start:\n{(root / 'log').read_text()}")
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@rule
async def sandbox_tools_tree(request: DebianToolsTreeRequest) -> DebianToolsTree:
    """The tree Pants already fetched for this test (TOOLS, copied into the build root), in
    place of fetching the same pinned packages again."""
    digest = await Get(Digest, PathGlobs(["tools-tree/**"]))
    return DebianToolsTree(await Get(Digest, RemovePrefix(digest, "tools-tree")))


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    runner = RuleRunner(
        rules=[
            *core_backend.rules(),
            *python_backend.rules(),
            *(
                r
                for r in oci_register.rules()
                if getattr(r, "func", None) is not fetch_debian_tools_tree
            ),
            sandbox_tools_tree,
            QueryRule(PublishProcesses, [PublishOciImageRequest]),
            QueryRule(Digest, [PathGlobs]),
        ],
        target_types=[*oci_target_types.target_types(), *python_backend.target_types()],
    )
    shutil.copytree(TOOLS, Path(runner.build_root) / "tools-tree", symlinks=True)
    return runner


def test_publish_pushes_every_tag_and_the_digest_survives(
    registry: str, rule_runner: RuleRunner, tmp_path: Path
) -> None:
    """`./pants publish`'s processes, run for real, then a pull back by digest."""
    tool("skopeo")
    copy = Path(rule_runner.build_root) / INDEX
    shutil.copytree(INDEX, copy)
    # The layout `package` writes for image_tags=["latest", "v1"]: one index entry per tag.
    index = json.loads((copy / "index.json").read_text())
    (latest,) = index["manifests"]
    v1 = {**latest, "annotations": {"org.opencontainers.image.ref.name": "v1"}}
    index["manifests"] = [latest, v1]
    (copy / "index.json").write_text(json.dumps(index))
    rule_runner.write_files(
        {
            "svc/BUILD": (
                'oci_image(name="image", base="//b", binary="//b", repository="pantry/index", '
                'image_tags=["latest", "v1"])\n'
            ),
            # [oci].tools' default; the packages are the ones in the sandbox (sandbox_tools_tree).
            "external/tools/oci/BUILD": (
                'debian_tools(name="oci", binaries={"skopeo": ["usr/bin/skopeo", "--policy", '
                '"{root}/etc/containers/policy.json"]})\n'
            ),
            "external/tools/oci/packages.lock": "skopeo 1 " + "0" * 64 + "\n",
        }
    )
    rule_runner.set_options(
        [f"--oci-registry={registry}", "--oci-publish-args=['--dest-tls-verify=false']"]
    )
    digest = rule_runner.request(Digest, [PathGlobs([f"{INDEX}/**"])])
    package = BuiltPackage(digest, (BuiltPackageArtifact(str(INDEX)),))
    field_set = PublishOciImageFieldSet.create(
        rule_runner.get_target(Address("svc", target_name="image"))
    )
    jobs = rule_runner.request(PublishProcesses, [PublishOciImageRequest(field_set, (package,))])
    assert [job.names for job in jobs] == [
        (f"{registry}/pantry/index:latest",),
        (f"{registry}/pantry/index:v1",),
    ]
    for job in jobs:
        assert job.process is not None
        # What `./pants publish` runs, by the engine: its sandbox, the pinned skopeo, no PATH.
        with mock_console(rule_runner.options_bootstrapper) as (_, stdio):
            result = rule_runner.run_interactive_process(job.process)
            assert result.exit_code == 0, stdio.get_stdout() + stdio.get_stderr()

    expected = manifest_digest(INDEX)
    pulled = tmp_path / "pulled"
    run(
        tool("skopeo"),
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        f"docker://{registry}/pantry/index@{expected}",
        f"oci:{pulled}:latest",
    )
    assert manifest_digest(pulled) == expected
    for tag in ("latest", "v1"):
        raw = run(
            tool("skopeo"),
            "inspect",
            "--raw",
            "--tls-verify=false",
            f"docker://{registry}/pantry/index:{tag}",
        ).stdout.encode()
        assert "sha256:" + hashlib.sha256(raw).hexdigest() == expected
