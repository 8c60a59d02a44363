"""The glue: target validation and the `package` rule's checks, with a RuleRunner."""

from __future__ import annotations

import os

import pytest
from pantry.oci import register
from pantry.oci.publish import PublishOciImageFieldSet, PublishOciImageRequest
from pantry.oci.rules import OciImageError, OciImageFieldSet, manifest_annotations
from pants.backend.python import register as python_backend
from pants.core import register as core_backend
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact
from pants.core.goals.publish import PublishProcesses
from pants.engine.addresses import Address, Addresses
from pants.engine.fs import EMPTY_DIGEST
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.engine.target import Dependencies, DependenciesRequest
from pants.testutil.rule_runner import RuleRunner, engine_error


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    # One engine for the module: the Python backend's rule graph takes long to build.
    return RuleRunner(
        rules=[
            *core_backend.rules(),
            *python_backend.rules(),
            *register.rules(),
            QueryRule(BuiltPackage, [OciImageFieldSet]),
            QueryRule(Addresses, [DependenciesRequest]),
            QueryRule(PublishProcesses, [PublishOciImageRequest]),
        ],
        target_types=[*register.target_types(), *python_backend.target_types()],
    )


BASE_BUILD = 'oci_base_image(name="base")\n'
SVC_BUILD = """\
python_sources(name="src")
pex_binary(name="bin", entry_point="main.py")
oci_image(name="img", base="//ext:base", binary=":bin"{extra})
"""


def setup(rule_runner: RuleRunner, extra: str = "") -> None:
    rule_runner.write_files(
        {
            "ext/BUILD": BASE_BUILD,
            "ext/packages.lock": "libc6 2.36 " + "a" * 64 + "\n",
            "svc/BUILD": SVC_BUILD.format(extra=extra),
            "svc/main.py": "print('hi')\n",
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
    rule_runner.set_options(list(options), env_inherit={"PATH"})
    target = rule_runner.get_target(Address("svc", target_name="img"))
    package = BuiltPackage(EMPTY_DIGEST, (BuiltPackageArtifact("svc/img"),))
    field_set = PublishOciImageFieldSet.create(target)
    return rule_runner.request(PublishProcesses, [PublishOciImageRequest(field_set, (package,))])


def test_publish_runs_one_skopeo_copy_per_tag(rule_runner: RuleRunner) -> None:
    (skopeo,) = [p for p in ("/usr/bin/skopeo", "/usr/local/bin/skopeo") if os.path.exists(p)]
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
                skopeo,
                "copy",
                "--quiet",
                "--dest-tls-verify=false",
                f"oci:svc/img:{tag}",
                f"docker://127.0.0.1:5000/pantry/svc:{tag}",
            ),
        )
        for tag in ("latest", "v1")
    ]


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
            ["--oci-skopeo-search-path=['/nonexistent']"],
            "Cannot publish svc:img: `skopeo` is not on `[oci].skopeo_search_path` "
            "(/nonexistent). Install it (`apt-get install skopeo`)",
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
