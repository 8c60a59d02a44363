"""The glue: target validation and the `package` rule's checks, with a RuleRunner."""

from __future__ import annotations

import pytest
from pantry.oci import register
from pantry.oci.goals.package_debian_tools import DebianToolsFieldSet
from pantry.oci.goals.package_image import OciImageFieldSet, manifest_annotations
from pantry.oci.goals.publish import TOOLS_DIR, PublishOciImageFieldSet, PublishOciImageRequest
from pantry.oci.util_rules.debian_tools import (
    DebianToolsTree,
    DebianToolsTreeRequest,
    fetch_debian_tools_tree,
)
from pantry.oci.util_rules.oci_tool import OciImageError
from pants.backend.python import register as python_backend
from pants.core import register as core_backend
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact
from pants.core.goals.publish import PublishProcesses
from pants.engine.addresses import Address, Addresses
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, DigestContents, FileContent
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import Get, QueryRule, rule
from pants.engine.target import Dependencies, DependenciesRequest
from pants.testutil.rule_runner import RuleRunner, engine_error


@rule
async def fake_fetch_debian_tools_tree(request: DebianToolsTreeRequest) -> DebianToolsTree:
    """Stands in for `apt-get download` (tool_test runs `tools-tree` with a fake apt-get, the
    integration test uses the real pinned tree): `bin/NAME` that records its program."""
    files = [
        FileContent(f"bin/{name}", f"#!/bin/sh\n# {' '.join(argv)}\n".encode(), is_executable=True)
        for name, argv in sorted(request.binaries.items())
    ]
    return DebianToolsTree(await Get(Digest, CreateDigest(files)))


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    # One engine for the module: the Python backend's rule graph takes long to build.
    backend = [
        r for r in register.rules() if getattr(r, "func", None) is not fetch_debian_tools_tree
    ]
    assert len(backend) == len(register.rules()) - 1
    return RuleRunner(
        rules=[
            *core_backend.rules(),
            *python_backend.rules(),
            *backend,
            fake_fetch_debian_tools_tree,
            QueryRule(BuiltPackage, [OciImageFieldSet]),
            QueryRule(BuiltPackage, [DebianToolsFieldSet]),
            QueryRule(Addresses, [DependenciesRequest]),
            QueryRule(PublishProcesses, [PublishOciImageRequest]),
            QueryRule(DigestContents, [Digest]),
        ],
        target_types=[*register.target_types(), *python_backend.target_types()],
    )


BASE_BUILD = 'oci_base_image(name="base")\n'
SVC_BUILD = """\
python_sources(name="src")
pex_binary(name="bin", entry_point="main.py")
oci_image(name="img", base="//ext:base", binary=":bin"{extra})
"""


# `[oci].tools` defaults to //external/tools/oci, as in the repository.
TOOLS_BUILD = """\
debian_tools(
    name="oci",
    binaries={
        "skopeo": ["usr/bin/skopeo", "--policy", "{root}/etc/containers/policy.json"],
        "umoci": ["usr/bin/umoci"],
    },
)
debian_tools(name="no-skopeo", binaries={"umoci": ["usr/bin/umoci"]})
"""


def setup(rule_runner: RuleRunner, extra: str = "") -> None:
    rule_runner.write_files(
        {
            "ext/BUILD": BASE_BUILD,
            "ext/packages.lock": "libc6 2.36 " + "a" * 64 + "\n",
            "svc/BUILD": SVC_BUILD.format(extra=extra),
            "svc/main.py": "print('hi')\n",
            "external/tools/oci/BUILD": TOOLS_BUILD,
            "external/tools/oci/packages.lock": "skopeo 1.9 " + "b" * 64 + "\n",
        }
    )


def test_dependencies_are_inferred_from_base_and_binary(rule_runner: RuleRunner) -> None:
    setup(rule_runner)
    target = rule_runner.get_target(Address("svc", target_name="img"))
    deps = rule_runner.request(Addresses, [DependenciesRequest(target[Dependencies])])
    assert set(deps) == {Address("ext", target_name="base"), Address("svc", target_name="bin")}


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            ", ports=[0]",
            "The `ports` field of svc:img is 0, but a port must be between 1 and 65535.",
        ),
        (
            ", user='root user'",
            "The `user` field of svc:img is 'root user', but it must be `USER`, `UID`",
        ),
        (
            ", workdir='app'",
            "The `workdir` field of svc:img is 'app', but it must be an absolute path",
        ),
        (
            ", repository='Pantry/Index'",
            "The `repository` field of svc:img is 'Pantry/Index', but it must be an image "
            "repository",
        ),
        (
            ", image_tags=['-bad']",
            "The `image_tags` field of svc:img is '-bad', but a tag is 1-128",
        ),
        (
            ", volumes=['data']",
            "The `volumes` field of svc:img is 'data', but a volume must be an absolute "
            "directory path other than '/'",
        ),
        (
            ", volumes=['/data/../etc']",
            "The `volumes` field of svc:img is '/data/../etc', but a volume must be",
        ),
        (
            ", env={'A=B': 'x'}",
            "The `env` field of svc:img is 'A=B', but an environment variable name",
        ),
    ],
)
def test_bad_fields(rule_runner: RuleRunner, extra: str, message: str) -> None:
    setup(rule_runner, extra)
    with pytest.raises(ExecutionError) as e:
        rule_runner.get_target(Address("svc", target_name="img"))
    assert message in str(e.value)


def test_base_user_must_not_be_root(rule_runner: RuleRunner) -> None:
    setup(rule_runner)
    rule_runner.write_files({"ext/BUILD": 'oci_base_image(name="base", user="root")\n'})
    with pytest.raises(
        ExecutionError,
        match="The `user` field of ext:base is 'root', but it must be a POSIX user name other "
        "than root",
    ):
        rule_runner.get_target(Address("ext", target_name="base"))


@pytest.mark.parametrize(
    "base, binary, message",
    [
        (
            ":bin",
            ":bin",
            "The `base` field of svc:img is 'svc:bin', a `pex_binary` target, but it must be the "
            "address of a `oci_base_image` target.",
        ),
        (
            "//ext:base",
            "//ext:base",
            "The `binary` field of svc:img is 'ext:base', a `oci_base_image` target, but it must "
            "be the address of a `pex_binary` target.",
        ),
    ],
)
def test_base_and_binary_must_have_the_right_kind(
    rule_runner: RuleRunner, base: str, binary: str, message: str
) -> None:
    setup(rule_runner)
    rule_runner.write_files(
        {
            "svc/BUILD": SVC_BUILD.format(extra="").replace(
                'base="//ext:base", binary=":bin"', f'base="{base}", binary="{binary}"'
            )
        }
    )
    target = rule_runner.get_target(Address("svc", target_name="img"))
    with engine_error(contains=message):
        rule_runner.request(BuiltPackage, [OciImageFieldSet.create(target)])


def test_missing_base_names_the_field(rule_runner: RuleRunner) -> None:
    setup(rule_runner)
    rule_runner.write_files(
        {
            "svc/BUILD": (
                'pex_binary(name="bin", entry_point="main.py")\n'
                'oci_image(name="img", base="//nope:base", binary=":bin")\n'
            )
        }
    )
    target = rule_runner.get_target(Address("svc", target_name="img"))
    with engine_error(contains="the `base` field of svc:img"):
        rule_runner.request(BuiltPackage, [OciImageFieldSet.create(target)])


def publish(rule_runner: RuleRunner, extra: str, *options: str) -> PublishProcesses:
    setup(rule_runner, extra)
    rule_runner.set_options(list(options))
    target = rule_runner.get_target(Address("svc", target_name="img"))
    package = BuiltPackage(EMPTY_DIGEST, (BuiltPackageArtifact("svc/img"),))
    field_set = PublishOciImageFieldSet.create(target)
    return rule_runner.request(PublishProcesses, [PublishOciImageRequest(field_set, (package,))])


def test_publish_runs_one_pinned_skopeo_copy_per_tag(rule_runner: RuleRunner) -> None:
    processes = publish(
        rule_runner,
        ", repository='pantry/svc', image_tags=['v1', 'latest']",
        "--oci-registry=127.0.0.1:5000",
        "--oci-publish-args=['--dest-tls-verify=false']",
    )
    assert [(p.names, p.process.process.argv if p.process else None) for p in processes] == [
        (
            (f"127.0.0.1:5000/pantry/svc:{tag}",),
            (
                "{chroot}/__pantry_oci_tools/bin/skopeo",
                "copy",
                "--quiet",
                "--dest-tls-verify=false",
                f"oci:svc/img:{tag}",
                f"docker://127.0.0.1:5000/pantry/svc:{tag}",
            ),
        )
        for tag in ("latest", "v1")
    ]
    # The sandbox holds the tree of the `[oci].tools` target, never a host path.
    for job in processes:
        assert job.process is not None
        tools = job.process.process.immutable_input_digests
        assert list(tools) == [TOOLS_DIR]
        contents = {
            c.path: c.content for c in rule_runner.request(DigestContents, [tools[TOOLS_DIR]])
        }
        assert contents["bin/skopeo"] == (
            b"#!/bin/sh\n# usr/bin/skopeo --policy {root}/etc/containers/policy.json\n"
        )


def test_debian_tools_package(rule_runner: RuleRunner) -> None:
    setup(rule_runner)
    target = rule_runner.get_target(Address("external/tools/oci", target_name="oci"))
    package = rule_runner.request(BuiltPackage, [DebianToolsFieldSet.create(target)])
    (artifact,) = package.artifacts
    assert artifact.relpath == "external.tools.oci/oci"
    assert artifact.extra_log_lines == (
        "external.tools.oci/oci/bin/skopeo",
        "external.tools.oci/oci/bin/umoci",
    )
    paths = {c.path for c in rule_runner.request(DigestContents, [package.digest])}
    assert paths == {"external.tools.oci/oci/bin/skopeo", "external.tools.oci/oci/bin/umoci"}


@pytest.mark.parametrize(
    "binaries, message",
    [
        ("{}", "The `binaries` field of t:t is FrozenDict({}), but it must name at least one"),
        (
            "{'skopeo': ['/opt/tools/skopeo']}",
            "the program of 'skopeo' must be a relative path inside the packages",
        ),
        (
            "{'skopeo': ['../skopeo']}",
            "the program of 'skopeo' must be a relative path inside the packages",
        ),
        ("{'a b': ['usr/bin/x']}", "The `binaries` field of t:t is 'a b', but a program name"),
    ],
)
def test_bad_debian_tools(rule_runner: RuleRunner, binaries: str, message: str) -> None:
    rule_runner.write_files({"t/BUILD": f"debian_tools(name='t', binaries={binaries})\n"})
    with pytest.raises(ExecutionError) as e:
        rule_runner.get_target(Address("t", target_name="t"))
    assert message in str(e.value)


@pytest.mark.parametrize(
    "extra, options, message",
    [
        (
            ", repository='pantry/svc'",
            [],
            "Cannot publish svc:img: its `repository` field is 'pantry/svc', which names no "
            "registry host.",
        ),
        (
            ", repository='127.0.0.1:5000/svc'",
            ["--oci-tools=//external/tools/oci:no-skopeo"],
            "Cannot publish: `[oci].tools` is '//external/tools/oci:no-skopeo', whose `binaries` "
            "are umoci, but publishing runs `skopeo`.",
        ),
        (
            ", repository='127.0.0.1:5000/svc'",
            ["--oci-tools=//svc:bin"],
            "the option `[oci].tools` ('//svc:bin') is 'svc:bin', a `pex_binary` target, but it "
            "must be the address of a `debian_tools` target.",
        ),
        (
            ", repository='127.0.0.1:5000/svc'",
            ["--oci-tools=//nope:tools"],
            "the option `[oci].tools`",
        ),
    ],
)
def test_publish_errors(
    rule_runner: RuleRunner, extra: str, options: list[str], message: str
) -> None:
    with engine_error(contains=message):
        publish(rule_runner, extra, *options)


def test_skip_push(rule_runner: RuleRunner) -> None:
    (job,) = publish(rule_runner, ", skip_push=True")
    assert (job.names, job.process, job.description) == (
        ("svc:img",),
        None,
        "(by `skip_push` on svc:img)",
    )


def test_annotations() -> None:
    address = Address("svc", target_name="img")
    assert manifest_annotations(address, "sha256:ab", "0123abc", "https://src.example/pantry") == (
        ("dev.pantry.sbom.digest", "sha256:ab"),
        ("dev.pantry.sbom.format", "CycloneDX 1.5 JSON"),
        ("dev.pantry.sbom.path", "/usr/share/doc/pantry/sbom.cdx.json"),
        ("org.opencontainers.image.revision", "0123abc"),
        ("org.opencontainers.image.source", "https://src.example/pantry"),
    )
    assert manifest_annotations(address, "", None, None) == ()
    with pytest.raises(
        OciImageError,
        match="^Cannot build svc:img: the environment variable PANTRY_SOURCE_REVISION is 'main', "
        "but it must be a git commit id",
    ):
        manifest_annotations(address, "", "main", None)
