"""The real `services/index:image`, built by `./pants package` rules, checked with real tools.

Needs `umoci` and `oci-image-tool` (Debian packages; build-support/ci/run installs them).
Set PANTRY_SKIP_OCI_TOOLS=1 to skip the checks that need them; without it a missing tool
fails the test. The run check needs root (chroot) and is skipped, saying so, without it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

# runtime_package_dependencies puts the packaged layout here (see BUILD).
LAYOUT = Path("services.index/image")
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]
)
SKIP = os.environ.get("PANTRY_SKIP_OCI_TOOLS") == "1"


def tool(name: str) -> str:
    path = shutil.which(name, path=SEARCH_PATH)
    if path:
        return path
    if SKIP:
        pytest.skip(f"{name} not installed and PANTRY_SKIP_OCI_TOOLS=1")
    pytest.fail(
        f"{name} is not on PATH; install it (`apt-get install -y umoci oci-image-tool skopeo`, "
        "as build-support/ci/run does) or set PANTRY_SKIP_OCI_TOOLS=1 to skip this check"
    )


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=300)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "index"
    run(tool("umoci"), "unpack", "--rootless", "--image", f"{LAYOUT}:latest", str(path))
    return path


def test_layout_is_a_valid_oci_image() -> None:
    result = run(
        tool("oci-image-tool"),
        "validate",
        "--type",
        "image",
        "--ref",
        "name=latest",
        str(LAYOUT),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout + result.stderr


def test_three_layers_and_a_non_root_entrypoint(bundle: Path) -> None:
    index = json.loads((LAYOUT / "index.json").read_text())
    (manifest_descriptor,) = index["manifests"]
    manifest = json.loads((LAYOUT / "blobs/sha256" / manifest_descriptor["digest"][7:]).read_text())
    assert len(manifest["layers"]) == 3  # base, third-party, first-party
    process = json.loads((bundle / "config.json").read_text())["process"]
    assert process["args"][:2] == ["/usr/bin/python3.11", "/app/index.pex"]
    assert process["user"]["uid"] == 65532
    rootfs = bundle / "rootfs"
    assert (rootfs / "usr/bin/python3.11").is_file()
    assert (rootfs / "etc/ssl/certs/ca-certificates.crt").stat().st_size > 100_000
    # OpenSSL (and so Python's ssl) finds the bundle at its default path.
    assert os.readlink(rootfs / "usr/lib/ssl/cert.pem") == "/etc/ssl/certs/ca-certificates.crt"
    assert "nonroot:x:65532:65532" in (rootfs / "etc/passwd").read_text()
    assert (rootfs / "app/index.pex/.deps").is_dir()  # third-party layer
    assert (rootfs / "app/index.pex/index/cli.py").is_file()  # first-party layer
    assert not (rootfs / "bin/sh").exists()  # distroless: no shell


def test_a_corrupt_blob_is_caught(tmp_path: Path) -> None:
    """The validators can fail: one flipped byte in the first-party layer."""
    copy = tmp_path / "layout"
    shutil.copytree(LAYOUT, copy)
    manifest_digest = json.loads((copy / "index.json").read_text())["manifests"][0]["digest"]
    manifest = json.loads((copy / "blobs/sha256" / manifest_digest[7:]).read_text())
    blob = copy / "blobs/sha256" / manifest["layers"][-1]["digest"][7:]
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.chmod(0o644)
    blob.write_bytes(bytes(data))
    result = run(
        tool("umoci"),
        "unpack",
        "--rootless",
        "--image",
        f"{copy}:latest",
        str(tmp_path / "b"),
        check=False,
    )
    assert result.returncode != 0, result.stdout
    result = run(
        tool("oci-image-tool"),
        "validate",
        "--type",
        "image",
        "--ref",
        "name=latest",
        str(copy),
        check=False,
    )
    assert result.returncode != 0, result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_runs_and_answers(bundle: Path) -> None:
    chroot = shutil.which("chroot", path=SEARCH_PATH)
    if os.geteuid() != 0 or not chroot:
        pytest.skip("running the unpacked image with chroot needs root")
    rootfs = bundle / "rootfs"
    process = json.loads((bundle / "config.json").read_text())["process"]
    env = dict(item.split("=", 1) for item in process["env"])
    env.setdefault("HOME", "/home/nonroot")  # what a container runtime sets from /etc/passwd
    port = free_port()
    # The image's entrypoint, with the port overridden as `podman run IMAGE --port N` would.
    entrypoint = process["args"][:2]
    server = subprocess.Popen(
        [
            chroot,
            "--userspec=65532:65532",
            str(rootfs),
            *entrypoint,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/simple/", timeout=5
                ) as response:
                    assert response.status == 200
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"the index in the image did not answer on port {port}:\n{output}")
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_python_in_the_image_trusts_the_ca_bundle(bundle: Path) -> None:
    chroot = shutil.which("chroot", path=SEARCH_PATH)
    if os.geteuid() != 0 or not chroot:
        pytest.skip("running the unpacked image with chroot needs root")
    code = "import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])"
    result = run(
        chroot, "--userspec=65532:65532", str(bundle / "rootfs"), "/usr/bin/python3.11", "-c", code
    )
    assert int(result.stdout) > 100
