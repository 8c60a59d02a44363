from __future__ import annotations

import pytest
from pantry.oci.skopeo import OciPublishError, copy_argv, image_refs, registry_of


@pytest.mark.parametrize(
    "repository, registry",
    [
        ("127.0.0.1:5000/pantry/index", "127.0.0.1:5000"),
        ("registry.example/pantry/index", "registry.example"),
        ("localhost/index", "localhost"),
        ("pantry/index", None),
        ("index", None),
    ],
)
def test_registry_of(repository: str, registry: str | None) -> None:
    assert registry_of(repository) == registry


def test_refs_per_tag_sorted_and_deduplicated() -> None:
    assert image_refs("svc:img", "127.0.0.1:5000/p/i", ["v1", "latest", "v1"], None) == (
        "127.0.0.1:5000/p/i:latest",
        "127.0.0.1:5000/p/i:v1",
    )


def test_the_default_registry_applies_only_without_a_host() -> None:
    assert image_refs("svc:img", "p/i", ["latest"], "127.0.0.1:5000") == (
        "127.0.0.1:5000/p/i:latest",
    )
    assert image_refs("svc:img", "h.example/p/i", ["latest"], "127.0.0.1:5000") == (
        "h.example/p/i:latest",
    )


@pytest.mark.parametrize(
    "repository, tags, registry, message",
    [
        (
            "pantry/index",
            ["latest"],
            None,
            "Cannot publish svc:img: its `repository` field is 'pantry/index', which names no "
            "registry host. Name one in the field, e.g. '127.0.0.1:5000/pantry/index', or set "
            "`[oci].registry`",
        ),
        (
            "pantry/index",
            ["latest"],
            "http://127.0.0.1:5000",
            "Cannot publish svc:img: `[oci].registry` is 'http://127.0.0.1:5000', but it must be "
            "a registry host with an optional port",
        ),
        (
            "127.0.0.1:5000/pantry/index",
            [],
            None,
            "Cannot publish svc:img: its `image_tags` field is empty",
        ),
    ],
)
def test_errors_name_the_target_and_the_setting(
    repository: str, tags: list[str], registry: str | None, message: str
) -> None:
    with pytest.raises(OciPublishError) as e:
        image_refs("svc:img", repository, tags, registry)
    assert message in str(e.value)


def test_copy_argv() -> None:
    assert copy_argv(
        "__pantry_oci_tools/bin/skopeo",
        "svc/img",
        "latest",
        "h:1/p:latest",
        ["--dest-tls-verify=false"],
    ) == (
        "__pantry_oci_tools/bin/skopeo",
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        "oci:svc/img:latest",
        "docker://h:1/p:latest",
    )
