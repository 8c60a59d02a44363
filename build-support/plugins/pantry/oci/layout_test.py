from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

import pytest
from pantry.oci.layout import (
    MEDIA_TYPE_CONFIG,
    MEDIA_TYPE_LAYER,
    MEDIA_TYPE_MANIFEST,
    Entry,
    ImageConfig,
    LayerRef,
    blob_path,
    build_layer,
    canonical_json,
    image_layout,
    normalize_path,
    tar_bytes,
)


def ref(layer):
    return LayerRef.from_metadata(layer.metadata())


BASE = {
    "etc/passwd": Entry.file(b"root:x:0:0::/:/sbin/nologin\n"),
    "usr/bin/py": Entry.file(b"#!", True),
}
DEPS = {"app/x.pex/.deps/dep/dep.py": Entry.file(b"DEP = 1\n")}
APP = {
    "app/x.pex/svc/main.py": Entry.file(b"print('hi')\n"),
    "app/x.pex/__main__.py": Entry.file(b""),
}
CONFIG = ImageConfig(entrypoint=("/usr/bin/py", "/app/x.pex"), user="65532", ports=(8080,))


def build(app=APP):
    layers = [build_layer(BASE, "base"), build_layer(DEPS, "deps"), build_layer(app, "app")]
    return layers, image_layout([ref(layer) for layer in layers], CONFIG, ["latest", "v1"])


def test_golden_digests() -> None:
    # Pinned: any change to the byte format (tar headers, gzip, JSON) must be deliberate.
    layers, layout = build()
    assert layers[0].diff_id == "sha256:" + hashlib.sha256(tar_bytes(BASE)).hexdigest()
    assert [layer.digest for layer in layers] == GOLDEN_LAYERS
    assert layout.manifest_digest == GOLDEN_MANIFEST


GOLDEN_LAYERS = [
    "sha256:665925775faaea975ccdad1f7d2841fd4ea8baa2f53e688c54e21c377b56eb6f",
    "sha256:410959cf6c1b0ab66318b035011b323896f204db0c9d332dd845be7497cfaa15",
    "sha256:b21e0cdaca65367725bf5f0b82080f355ad2f1e35936dc16bbe00ddb48b6d917",
]
GOLDEN_MANIFEST = "sha256:ef4fb23588b3c273cd7c552b997946755239031ba71dd04546ba96835b010757"


def test_same_input_same_bytes() -> None:
    first_layers, first = build()
    second_layers, second = build()
    assert [layer.blob for layer in first_layers] == [layer.blob for layer in second_layers]
    assert first.files == second.files
    # Entry order in the input mapping does not matter either.
    reordered = dict(reversed(list(APP.items())))
    assert build_layer(reordered).blob == build_layer(APP).blob


def test_changed_first_party_file_changes_only_last_layer() -> None:
    layers, layout = build()
    edited = {**APP, "app/x.pex/svc/main.py": Entry.file(b"print('hello')\n")}
    new_layers, new_layout = build(edited)
    assert [layer.digest for layer in new_layers[:2]] == [layer.digest for layer in layers[:2]]
    assert new_layers[2].digest != layers[2].digest
    assert new_layout.manifest_digest != layout.manifest_digest


def test_tar_entries_are_normalised() -> None:
    tar = tarfile.open(fileobj=io.BytesIO(tar_bytes({**APP, "tmp": Entry.dir(0o1777)})))
    members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert names[:2] == ["app", "app/x.pex"]  # parents are explicit directories
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}
    modes = {m.name: m.mode for m in members}
    assert modes["app"] == 0o755 and modes["tmp"] == 0o1777
    assert modes["app/x.pex/svc/main.py"] == 0o644


def test_gzip_has_no_timestamp_or_name() -> None:
    blob = build_layer(APP).blob
    assert blob[4:8] == b"\0\0\0\0"  # MTIME
    assert blob[3] & 0x08 == 0  # no FNAME
    assert hashlib.sha256(gzip.decompress(blob)).hexdigest() == build_layer(APP).diff_id[7:]


def test_manifest_config_and_index_agree() -> None:
    layers, layout = build()
    index = json.loads(layout.files["index.json"])
    assert [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]] == [
        "latest",
        "v1",
    ]
    assert {m["digest"] for m in index["manifests"]} == {layout.manifest_digest}
    manifest_bytes = layout.files[blob_path(layout.manifest_digest)]
    assert index["manifests"][0]["size"] == len(manifest_bytes)
    assert index["manifests"][0]["mediaType"] == MEDIA_TYPE_MANIFEST
    manifest = json.loads(manifest_bytes)
    config_bytes = layout.files[blob_path(manifest["config"]["digest"])]
    assert manifest["config"] == {
        "mediaType": MEDIA_TYPE_CONFIG,
        "digest": "sha256:" + hashlib.sha256(config_bytes).hexdigest(),
        "size": len(config_bytes),
    }
    assert manifest["layers"] == [
        {"mediaType": MEDIA_TYPE_LAYER, "digest": layer.digest, "size": len(layer.blob)}
        for layer in layers
    ]
    config = json.loads(config_bytes)
    assert config["rootfs"]["diff_ids"] == [layer.diff_id for layer in layers]
    assert config["created"] == "1970-01-01T00:00:00Z"
    assert config["config"]["ExposedPorts"] == {"8080/tcp": {}}
    assert config["config"]["User"] == "65532"
    assert layout.files["oci-layout"] == b'{"imageLayoutVersion":"1.0.0"}'


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == b'{"a":[1,{"c":3,"d":2}],"b":1}'


@pytest.mark.parametrize(
    "path, expected", [("/usr/bin/x", "usr/bin/x"), ("./usr/bin/x/", "usr/bin/x"), ("./", "")]
)
def test_normalize_path(path: str, expected: str) -> None:
    assert normalize_path(path) == expected


def test_normalize_path_refuses_escapes() -> None:
    with pytest.raises(ValueError, match=r"'\.\./etc/passwd' escapes the root file system"):
        normalize_path("../etc/passwd")


def test_owned_directories_and_volumes() -> None:
    tar = tarfile.open(fileobj=io.BytesIO(tar_bytes({"data": Entry.dir(owner=65532)})))
    (data,) = tar.getmembers()
    assert (data.uid, data.gid, data.uname) == (65532, 65532, "")
    config = ImageConfig(volumes=("/data", "/cache", "/data"), annotations=(("a.b", "c"),))
    layout = image_layout([], config, ["latest"])
    manifest = json.loads(layout.files[blob_path(layout.manifest_digest)])
    assert manifest["annotations"] == {"a.b": "c"}
    config_json = json.loads(layout.files[blob_path(layout.config_digest)])
    assert config_json["config"]["Volumes"] == {"/cache": {}, "/data": {}}
