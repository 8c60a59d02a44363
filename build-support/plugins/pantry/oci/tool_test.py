from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import stat
import subprocess
import tarfile
import threading
from pathlib import Path
from typing import Iterator

import pytest
from pantry.oci.debian_test import LIB_DEB_FILES, TOOL_DEB_FILES, make_deb
from pantry.oci.tool import blob_url, main

DEB = make_deb({"usr/bin/python3.11": b"ELF"})
GOOD = hashlib.sha256(DEB).hexdigest()


def write_fake_apt_get(tmp_path: Path, known_without_update: bool) -> str:
    """`apt-get [-oDir::State::Lists=DIR ...] download NAME=VERSION` that knows one package,
    `tiny=1.0`: always, or (a fresh machine's stale lists) only after `update` into DIR."""
    (tmp_path / "tiny.deb").write_bytes(DEB)
    script = tmp_path / "apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f"known={'yes' if known_without_update else 'no'} lists=''\n"
        'for arg; do case "$arg" in\n'
        "  -oDir::State::Lists=*) lists=${arg#*=}; [ -f $lists/fresh ] && known=yes ;;\n"
        '  update) [ -n "$lists" ] && touch $lists/fresh; exit 0 ;;\n'
        f"  tiny=1.0) [ $known = yes ] && cp {tmp_path}/tiny.deb tiny_1.0_all.deb && exit 0 ;;\n"
        "esac; done\n"
        'spec=$(echo "$@" | tr " " "\\n" | grep -v "^-" | tail -1)\n'
        "echo \"E: Version '${spec#*=}' for '${spec%%=*}' was not found\" >&2; exit 100\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.fixture
def fake_apt_get(tmp_path: Path) -> str:
    return write_fake_apt_get(tmp_path, known_without_update=True)


def run(tmp_path: Path, apt_get: str, pins: str, capsys, *extra: str) -> tuple[int, str]:
    work = tmp_path / "work"
    work.mkdir()
    (work / "packages.lock").write_text(pins)
    cwd = os.getcwd()
    os.chdir(work)
    try:
        code = main(
            [
                "base-layer",
                "--pins",
                "packages.lock",
                "--pins-path",
                "ext/base/packages.lock",
                "--apt-get",
                apt_get,
                "--arch",
                "amd64",
                *extra,
            ]
        )
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().err


def test_base_layer(tmp_path: Path, fake_apt_get: str, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, f"tiny 1.0 {GOOD}\n", capsys)
    assert (code, err) == (0, "")
    metadata = json.loads((tmp_path / "work/base.json").read_text())
    assert metadata["architecture"] == "amd64"
    blob = tmp_path / "work/base/blobs/sha256" / metadata["digest"].split(":")[1]
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == metadata["digest"].split(":")[1]


def test_sha256_mismatch_names_package_and_fix(tmp_path: Path, fake_apt_get: str, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, f"tiny 1.0 {'0' * 64}\n", capsys)
    assert code == 1
    assert err.startswith(
        f"error: ext/base/packages.lock: package tiny=1.0 downloaded with sha256 {GOOD}, but it "
        f"is pinned to {'0' * 64}."
    )
    assert (
        "re-pin with `./pants run build-support/plugins/pantry/oci:repin -- ext/base/packages.lock`"
        in err
    )


def test_missing_version_names_package_and_fix(tmp_path: Path, fake_apt_get: str, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, f"tiny 0.9 {GOOD}\n", capsys)
    assert code == 1
    assert err.startswith(
        "error: ext/base/packages.lock: `apt-get download tiny=0.9` failed: "
        "E: Version '0.9' for 'tiny' was not found."
    )
    assert "(their package lists were refreshed too), or re-pin with" in err


def test_stale_host_lists_are_refreshed_privately(tmp_path: Path, capsys) -> None:
    """A fresh machine whose package lists predate the pin: lists fetched into the sandbox."""
    apt_get = write_fake_apt_get(tmp_path, known_without_update=False)
    code, err = run(tmp_path, apt_get, f"tiny 1.0 {GOOD}\n", capsys)
    assert (code, err) == (0, "")
    assert (tmp_path / "work/.apt/lists/fresh").is_file()  # private, not the host's lists


def test_bad_pins_file_is_a_message_not_a_traceback(tmp_path, fake_apt_get, capsys) -> None:
    code, err = run(tmp_path, fake_apt_get, "tiny 1.0\n", capsys)
    assert code == 1
    assert err.startswith("error: ext/base/packages.lock:1: package 'tiny' has no sha256")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static file server on 127.0.0.1 standing in for a Pantry index's /blobs/ (its URL,
    the directory it serves); shut down and joined at the end."""
    root = tmp_path / "index"
    (root / "blobs/sha256").mkdir(parents=True)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/simple/", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


NO_APT = "/nonexistent/apt-get"


def test_offline_debs_come_from_the_index_blobs(tmp_path: Path, index, capsys) -> None:
    url, root = index
    (root / "blobs/sha256" / GOOD).write_bytes(DEB)
    code, err = run(tmp_path, NO_APT, f"tiny 1.0 {GOOD}\n", capsys, "--index-url", url)
    assert (code, err) == (0, "")
    assert json.loads((tmp_path / "work/base.json").read_text())["digest"].startswith("sha256:")


def test_offline_a_package_missing_from_the_index_says_to_mirror(
    tmp_path: Path, index, capsys
) -> None:
    url, _ = index
    code, err = run(tmp_path, NO_APT, f"tiny 1.0 {GOOD}\n", capsys, "--index-url", url)
    base = url[: -len("simple/")]
    assert (code, err) == (
        1,
        f"error: ext/base/packages.lock: package tiny=1.0 (sha256 {GOOD}) is not on the index "
        f"({base}blobs/sha256/{GOOD} answered 404); run `./pants index-mirror --to=URL` where "
        "apt-get works, to put every pinned package on the index.\n",
    )


def test_offline_a_wrong_blob_is_refused(tmp_path: Path, index, capsys) -> None:
    url, root = index
    (root / "blobs/sha256" / GOOD).write_bytes(b"not the package")
    code, err = run(tmp_path, NO_APT, f"tiny 1.0 {GOOD}\n", capsys, "--index-url", url)
    assert code == 1
    assert err.startswith(
        f"error: ext/base/packages.lock: package tiny=1.0 fetched from {url[:-7]}blobs/sha256/"
        f"{GOOD} with sha256 {hashlib.sha256(b'not the package').hexdigest()}, but it is pinned"
    )


def test_offline_an_unreachable_index_is_one_line(tmp_path: Path, capsys) -> None:
    pins = f"tiny 1.0 {GOOD}\n"
    code, err = run(tmp_path, NO_APT, pins, capsys, "--index-url", "http://127.0.0.1:9/")
    assert code == 1
    assert err.startswith(
        "error: ext/base/packages.lock: package tiny=1.0: cannot reach the index at "
        f"http://127.0.0.1:9/blobs/sha256/{GOOD} ("
    )
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "index_url",
    ["http://h:8080", "http://h:8080/", "http://h:8080/simple/", "http://h:8080/legacy"],
)
def test_blob_url_from_any_index_url(index_url: str) -> None:
    assert blob_url(index_url, "sha256", "ab") == "http://h:8080/blobs/sha256/ab"


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    extracted = tar.extractfile(member)
    assert extracted is not None, f"{member.name} is not a regular file"
    return extracted.read()


def layer_members(tmp_path: Path, name: str) -> dict:
    metadata = json.loads((tmp_path / f"{name}.json").read_text())
    blob = tmp_path / name / "blobs/sha256" / metadata["digest"][7:]
    with tarfile.open(blob) as tar:
        return {m.name: (m, _read(tar, m) if m.isfile() else b"") for m in tar}


def test_pex_layer_carries_the_sbom(tmp_path: Path, monkeypatch, capsys) -> None:
    from pantry.oci.sbom_test import LOCK, WHEEL

    pex = tmp_path / "svc.pex"
    (pex / ".deps" / WHEEL / "packaging").mkdir(parents=True)
    (pex / ".deps" / WHEEL / "packaging/__init__.py").write_text("")
    (pex / "PEX-INFO").write_text("{}")
    (tmp_path / "default.lock").write_text(LOCK)
    monkeypatch.chdir(tmp_path)
    argv = ["pex-layer", "--pex", "svc.pex", "--install-dir", "/app/svc.pex"]
    argv += ["--comment", "svc:bin", "--lock", "default.lock"]
    assert main(argv) == 0, capsys.readouterr().err
    metadata = json.loads((tmp_path / "third_party.json").read_text())
    members = layer_members(tmp_path, "third_party")
    assert "app/svc.pex/PEX-INFO" in members
    sbom = members["usr/share/doc/pantry/sbom.cdx.json"][1]
    assert metadata["sbom_digest"] == "sha256:" + hashlib.sha256(sbom).hexdigest()
    assert [c["purl"] for c in json.loads(sbom)["components"]] == ["pkg:pypi/packaging@26.3"]


def test_pex_layer_with_a_bad_lock_is_a_message(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "svc.pex").mkdir()
    (tmp_path / "bad.lock").write_text("{")
    monkeypatch.chdir(tmp_path)
    argv = ["pex-layer", "--pex", "svc.pex", "--install-dir", "/app/svc.pex"]
    argv += ["--lock", "bad.lock", "--lock-path", "3rdparty/python/default.lock"]
    assert main(argv) == 1
    assert capsys.readouterr().err.startswith(
        "error: 3rdparty/python/default.lock: not a Pants lockfile"
    )


def test_source_layer_with_a_volume(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "src/svc").mkdir(parents=True)
    (tmp_path / "src/svc/main.py").write_text("print('hi')\n")
    monkeypatch.chdir(tmp_path)
    argv = ["source-layer", "--sources", "src", "--install-dir", "/app/svc.pex"]
    argv += ["--volume", "/data", "--owner", "65532"]
    assert main(argv) == 0, capsys.readouterr().err
    members = layer_members(tmp_path, "first_party")
    assert members["app/svc.pex/svc/main.py"][1] == b"print('hi')\n"
    data = members["data"][0]
    assert (data.isdir(), data.uid, data.gid, data.mode) == (True, 65532, 65532, 0o755)


def test_archive_is_reproducible_and_refuses_a_non_layout(tmp_path: Path, capsys) -> None:
    layout = tmp_path / "layout"
    (layout / "blobs/sha256").mkdir(parents=True)
    (layout / "index.json").write_text("{}")
    (layout / "blobs/sha256/ab").write_bytes(b"x")
    assert main(["archive", "--layout", str(layout), "--out", str(tmp_path / "a.tar")]) == 0
    os.utime(layout / "index.json", (1, 1))
    assert main(["archive", "--layout", str(layout), "--out", str(tmp_path / "b.tar")]) == 0
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as tar:
        assert tar.getnames() == ["blobs", "blobs/sha256", "blobs/sha256/ab", "index.json"]
    (layout / "index.json").unlink()
    assert main(["archive", "--layout", str(layout), "--out", str(tmp_path / "c.tar")]) == 1
    assert "is not an OCI image layout (no index.json)" in capsys.readouterr().err


def test_an_archive_names_its_tags_after_the_repository(tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    layout.mkdir()
    ref = {"org.opencontainers.image.ref.name": "latest"}
    (layout / "index.json").write_text(json.dumps({"manifests": [{"annotations": ref}]}))
    out = tmp_path / "a.tar"
    assert main(["archive", "--layout", str(layout), "--out", str(out), "--repository", "p/i"]) == 0
    with tarfile.open(out) as tar:
        index = json.loads(_read(tar, tar.getmember("index.json")))
    assert index["manifests"][0]["annotations"] == {
        "org.opencontainers.image.ref.name": "p/i:latest"
    }
    # The layout directory itself keeps bare tags: `oci:DIR:latest` still names the image.
    assert json.loads((layout / "index.json").read_text())["manifests"][0]["annotations"] == ref


def test_tools_tree_runs_its_programs_from_anywhere(tmp_path: Path, capsys) -> None:
    """`apt-get download` (faked), checked, unpacked; the wrapper finds its tree and libraries."""
    debs = {"tool=1": make_deb(TOOL_DEB_FILES), "libtool=2": make_deb(LIB_DEB_FILES)}
    cases = ""
    for spec, deb in debs.items():
        (tmp_path / f"{spec}.deb").write_bytes(deb)
        cases += f"  {spec}) cp '{tmp_path}/{spec}.deb' {spec.replace('=', '_')}_all.deb ;;\n"
    apt_get = tmp_path / "apt-get"
    apt_get.write_text(f'#!/bin/sh\nfor spec; do case "$spec" in\n{cases}esac; done\n')
    apt_get.chmod(0o755)
    pins = "".join(
        f"{spec.split('=')[0]} {spec.split('=')[1]} {hashlib.sha256(deb).hexdigest()}\n"
        for spec, deb in debs.items()
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / "packages.lock").write_text(pins)
    binaries = json.dumps({"t": ["usr/bin/tool", "--conf", "{root}/etc/tool.conf"]})
    argv = ["tools-tree", "--pins", str(work / "packages.lock"), "--apt-get", str(apt_get)]
    argv += ["--binaries", binaries, "--out", str(work / "out")]
    cwd = os.getcwd()
    os.chdir(work)
    try:
        assert main(argv) == 0, capsys.readouterr().err
    finally:
        os.chdir(cwd)
    assert sorted(p.name for p in (work / "out/bin").iterdir()) == ["t"]
    # Run through a relative path from another directory, as a test or a sandbox would.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        ["../work/out/bin/t", "a b"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=True,
    )
    root = f"{os.path.realpath(elsewhere)}/../work/out/bin/../root"
    assert result.stdout == (
        f"{root}/lib/x:{root}/usr/lib/x86_64-linux-gnu|--conf {root}/etc/tool.conf a b\n"
    )


def test_tools_tree_with_a_missing_program_is_a_message(tmp_path: Path, fake_apt_get, capsys):
    (tmp_path / "packages.lock").write_text(f"tiny 1.0 {GOOD}\n")
    argv = ["tools-tree", "--pins", str(tmp_path / "packages.lock"), "--pins-path", "x/p.lock"]
    argv += ["--apt-get", fake_apt_get, "--binaries", '{"t": ["usr/bin/t"]}', "--out", "out"]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(argv) == 1
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().err == (
        "error: x/p.lock: the program of 't', 'usr/bin/t', is not an executable file of the "
        "pinned packages; pin the package that ships it, or name one of: usr/bin/python3.11\n"
    )
