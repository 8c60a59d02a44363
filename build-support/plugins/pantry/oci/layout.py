"""A stdlib-only, byte-reproducible OCI image-layout writer (no Pants imports).

Everything that reaches a blob is normalised: tar entries sorted by path, mtime 0,
uid/gid 0 with empty owner names, fixed modes; gzip without name or timestamp; JSON
canonical (sorted keys, no whitespace); the image's `created` fixed. The same inputs
therefore give the same manifest digest in any clone, on any day.

Spec: https://github.com/opencontainers/image-spec (image-layout, manifest, config).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from typing import Iterable, Mapping

MEDIA_TYPE_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_TYPE_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_TYPE_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_TYPE_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"
# The epoch: images do not record when they were built, so rebuilding changes nothing.
CREATED = "1970-01-01T00:00:00Z"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Entry:
    """One file system entry of a layer: a regular file, a directory or a symlink."""

    kind: str  # "file" | "dir" | "symlink"
    data: bytes = b""
    mode: int = 0o644
    target: str = ""
    owner: int = 0  # uid and gid; 0 (root) except for directories the service writes to

    @classmethod
    def file(cls, data: bytes, executable: bool = False) -> "Entry":
        return cls("file", data, 0o755 if executable else 0o644)

    @classmethod
    def dir(cls, mode: int = 0o755, owner: int = 0) -> "Entry":
        return cls("dir", mode=mode, owner=owner)

    @classmethod
    def symlink(cls, target: str) -> "Entry":
        return cls("symlink", mode=0o777, target=target)


def canonical_json(value: object) -> bytes:
    """JSON with sorted keys and no insignificant whitespace: one value, one byte string."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def normalize_path(path: str) -> str:
    """`/usr/bin/x`, `./usr/bin/x` and `usr/bin/x/` all name the entry `usr/bin/x`."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ValueError(f"layer path {path!r} escapes the root file system ('..')")
    return "/".join(parts)


def with_parent_dirs(entries: Mapping[str, Entry]) -> dict[str, Entry]:
    """Normalised paths, plus an explicit 0755 directory for every missing parent."""
    result: dict[str, Entry] = {}
    for raw_path, entry in entries.items():
        path = normalize_path(raw_path)
        if not path:
            continue
        result[path] = entry
    for path in list(result):
        parts = path.split("/")
        for i in range(1, len(parts)):
            result.setdefault("/".join(parts[:i]), Entry.dir())
    return result


def tar_bytes(entries: Mapping[str, Entry]) -> bytes:
    """An uncompressed tar of `entries`, sorted by path, with every timestamp and owner fixed."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, entry in sorted(with_parent_dirs(entries).items()):
            info = tarfile.TarInfo(path)
            info.mtime = 0
            info.uid = info.gid = entry.owner
            info.uname = info.gname = ""
            info.mode = entry.mode
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = entry.target
                tar.addfile(info)
            elif entry.kind == "file":
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
            else:
                raise ValueError(f"layer entry {path!r} has unknown kind {entry.kind!r}")
    return buffer.getvalue()


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """gzip without file name or timestamp in its header."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=level) as gz:
        gz.write(data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Layer:
    """A gzipped layer blob and the digests an image needs of it."""

    blob: bytes
    diff_id: str  # digest of the uncompressed tar (config.rootfs.diff_ids)
    comment: str = ""

    @property
    def digest(self) -> str:
        return sha256_digest(self.blob)

    @property
    def size(self) -> int:
        return len(self.blob)

    def metadata(self) -> dict:
        """What a Pants rule needs to reference this layer without reading the blob."""
        return {
            "digest": self.digest,
            "size": self.size,
            "diff_id": self.diff_id,
            "comment": self.comment,
        }


def build_layer(entries: Mapping[str, Entry], comment: str = "") -> Layer:
    tar = tar_bytes(entries)
    return Layer(blob=gzip_bytes(tar), diff_id=sha256_digest(tar), comment=comment)


@dataclass(frozen=True)
class LayerRef:
    """A layer known by its metadata only (the blob is stored elsewhere)."""

    digest: str
    size: int
    diff_id: str
    comment: str = ""

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, object]) -> "LayerRef":
        return cls(
            digest=str(metadata["digest"]),
            size=int(metadata["size"]),  # type: ignore[call-overload]
            diff_id=str(metadata["diff_id"]),
            comment=str(metadata.get("comment", "")),
        )

    def descriptor(self) -> dict:
        return {"mediaType": MEDIA_TYPE_LAYER, "digest": self.digest, "size": self.size}


@dataclass(frozen=True)
class ImageConfig:
    """The runtime part of an image config (`config` in the OCI image config)."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    user: str = ""
    workdir: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    ports: tuple[int, ...] = ()
    volumes: tuple[str, ...] = ()
    architecture: str = "amd64"
    annotations: tuple[tuple[str, str], ...] = field(default=())

    def to_json(self, layers: Iterable[LayerRef]) -> dict:
        layers = list(layers)
        config: dict[str, object] = {}
        if self.entrypoint:
            config["Entrypoint"] = list(self.entrypoint)
        if self.cmd:
            config["Cmd"] = list(self.cmd)
        env = dict(self.env)
        env.setdefault("PATH", DEFAULT_PATH)
        config["Env"] = [f"{k}={v}" for k, v in sorted(env.items())]
        if self.user:
            config["User"] = self.user
        if self.workdir:
            config["WorkingDir"] = self.workdir
        if self.labels:
            config["Labels"] = dict(self.labels)
        if self.ports:
            config["ExposedPorts"] = {f"{port}/tcp": {} for port in sorted(set(self.ports))}
        if self.volumes:
            config["Volumes"] = {volume: {} for volume in sorted(set(self.volumes))}
        return {
            "architecture": self.architecture,
            "os": "linux",
            "created": CREATED,
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
            "history": [
                {"created": CREATED, "created_by": layer.comment or "pantry oci", "comment": ""}
                for layer in layers
            ],
        }


@dataclass(frozen=True)
class ImageLayout:
    """The non-layer files of an OCI image layout; layer blobs go beside them unchanged."""

    files: dict  # relative path -> bytes (oci-layout, index.json, config and manifest blobs)
    manifest_digest: str
    config_digest: str


def blob_path(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"


def image_layout(
    layers: Iterable[LayerRef], config: ImageConfig, tags: Iterable[str]
) -> ImageLayout:
    """Config, manifest and index for `layers` (ordered base first), one index entry per tag."""
    layers = list(layers)
    config_bytes = canonical_json(config.to_json(layers))
    config_digest = sha256_digest(config_bytes)
    manifest: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_MANIFEST,
        "config": {
            "mediaType": MEDIA_TYPE_CONFIG,
            "digest": config_digest,
            "size": len(config_bytes),
        },
        "layers": [layer.descriptor() for layer in layers],
    }
    if config.annotations:
        manifest["annotations"] = dict(config.annotations)
    manifest_bytes = canonical_json(manifest)
    manifest_digest = sha256_digest(manifest_bytes)
    descriptor = {
        "mediaType": MEDIA_TYPE_MANIFEST,
        "digest": manifest_digest,
        "size": len(manifest_bytes),
    }
    tags = sorted(set(tags))
    manifests = [{**descriptor, "annotations": {REF_NAME: tag}} for tag in tags] or [descriptor]
    index = {"schemaVersion": 2, "mediaType": MEDIA_TYPE_INDEX, "manifests": manifests}
    files = {
        "oci-layout": canonical_json({"imageLayoutVersion": "1.0.0"}),
        "index.json": canonical_json(index),
        blob_path(config_digest): config_bytes,
        blob_path(manifest_digest): manifest_bytes,
    }
    return ImageLayout(files=files, manifest_digest=manifest_digest, config_digest=config_digest)


def index_with_repository(index_json: bytes, repository: str) -> bytes:
    """index.json with each tag's ref name qualified as REPOSITORY:TAG.

    In a layout directory the ref name is the bare tag (`oci:DIR:latest`); in an `oci-archive`
    that `podman load` reads, a bare tag would become the image's name (`localhost/latest`).
    """
    index = json.loads(index_json)
    for manifest in index.get("manifests", ()):
        tag = manifest.get("annotations", {}).get(REF_NAME)
        if tag and ":" not in tag and "/" not in tag:
            manifest["annotations"][REF_NAME] = f"{repository}:{tag}"
    return canonical_json(index)
