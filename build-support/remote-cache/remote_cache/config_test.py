from __future__ import annotations

from pathlib import Path

from remote_cache.config import (
    READ_REQUESTS,
    ServerLayout,
    render_acl,
    render_server_config,
)

LAYOUT = ServerLayout(Path("/srv/cache"))


def test_the_server_listens_on_loopback_only_with_jwt_for_everything_but_instance_empty() -> None:
    config = render_server_config(LAYOUT, 50051, 1000)
    assert 'address: "127.0.0.1:50051"' in config
    assert "method: jwt" in config
    assert 'secret: "/srv/cache/auth/jwt-hs256.key"' in config
    assert 'allow-unauthenticated-instances: [""]' in config
    assert "allow-localhost-requests: false" in config
    assert "max-cached-refs: 1000" in config
    # Above what one Pants client opens at once (128 cache + 128 CAS calls): no refusals.
    assert "maximum-concurrent-rpcs: 1024" in config


def test_the_anonymous_instance_gets_a_read_only_view_of_the_shared_results() -> None:
    config = render_server_config(LAYOUT, 50051, 1000)
    read_only_view = config.split("&read-only-results", 1)[1].split("instances:", 1)[0]
    assert "allow-updates: false" in read_only_view
    anonymous = config.split('- name: ""', 1)[1].split("- name:", 1)[0]
    assert "cache: *read-only-results" in anonymous
    writer = config.split('- name: "ci"', 1)[1]
    assert "cache: *shared-results" in writer


def test_the_acl_lets_anonymous_callers_read_and_only_ci_write() -> None:
    acl = render_acl()
    anonymous, writer = acl.split('"ci":')
    assert "requests: [" + ", ".join(READ_REQUESTS) + "]" in anonymous
    for write_call in ("UpdateActionResult", "BatchUpdateBlobs", "Write", "Execute"):
        assert write_call not in acl
    assert 'subject: "^pantry-ci$"' in writer
