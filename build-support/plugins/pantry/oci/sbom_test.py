from __future__ import annotations

import json

import pytest
from pantry.lockfile.lock_model import parse_lock
from pantry.oci.sbom import SbomError, cyclonedx, deps_wheels, wheel_project

WHEEL = "packaging-26.3-py3-none-any.whl"
LOCK = "// header\n//\n" + json.dumps(
    {
        "locked_resolves": [
            {
                "locked_requirements": [
                    {
                        "project_name": "packaging",
                        "version": "26.3",
                        "artifacts": [
                            {"algorithm": "sha256", "hash": "a" * 64, "url": f"https://x/{WHEEL}"},
                            {
                                "algorithm": "sha256",
                                "hash": "b" * 64,
                                "url": "https://x/packaging-26.3.tar.gz",
                            },
                        ],
                    },
                    {
                        "project_name": "Zope.Interface",
                        "version": "7.0",
                        "artifacts": [
                            {
                                "algorithm": "sha256",
                                "hash": "d" * 64,
                                "url": "https://x/zope.interface-7.0.tar.gz",
                            },
                            {
                                "algorithm": "sha256",
                                "hash": "c" * 64,
                                "url": "https://x/zope_interface-7.0-cp39-abi3-any.whl",
                            },
                        ],
                    },
                ]
            }
        ]
    }
)


def test_components_carry_name_version_purl_and_the_installed_artifacts_hash() -> None:
    lock = parse_lock(LOCK, "default.lock")
    sbom = cyclonedx(
        [WHEEL, "zope.interface-7.0-cp311-cp311-linux_x86_64.whl"], lock, "default.lock", "svc:bin"
    )
    assert (sbom["bomFormat"], sbom["specVersion"]) == ("CycloneDX", "1.5")
    assert "serialNumber" not in sbom and "timestamp" not in sbom["metadata"]  # reproducible
    assert sbom["components"] == [
        {
            "type": "library",
            "bom-ref": "pkg:pypi/packaging@26.3",
            "name": "packaging",
            "version": "26.3",
            "purl": "pkg:pypi/packaging@26.3",
            "hashes": [{"alg": "SHA-256", "content": "a" * 64}],
        },
        {
            # Built from source here: no locked artifact has this name, so every hash is listed.
            "type": "library",
            "bom-ref": "pkg:pypi/zope-interface@7.0",
            "name": "zope-interface",
            "version": "7.0",
            "purl": "pkg:pypi/zope-interface@7.0",
            "hashes": [
                {"alg": "SHA-256", "content": "c" * 64},
                {"alg": "SHA-256", "content": "d" * 64},
            ],
        },
    ]
    assert sbom["dependencies"] == [
        {"ref": "svc:bin", "dependsOn": ["pkg:pypi/packaging@26.3", "pkg:pypi/zope-interface@7.0"]}
    ]


def test_a_project_missing_from_the_lock_is_an_error() -> None:
    lock = parse_lock(LOCK, "default.lock")
    with pytest.raises(
        SbomError,
        match=r"requests-2.0-py3-none-any.whl is in the PEX but requests==2.0 is not in "
        r"default.lock",
    ):
        cyclonedx(["requests-2.0-py3-none-any.whl"], lock, "default.lock", "svc:bin")


def test_a_project_locked_at_another_version_is_an_error() -> None:
    lock = parse_lock(LOCK, "default.lock")
    with pytest.raises(SbomError, match=r"packaging==25.0 is not in default.lock"):
        cyclonedx(["packaging-25.0-py3-none-any.whl"], lock, "default.lock", "svc:bin")


@pytest.mark.parametrize(
    "filename, expected",
    [
        (WHEEL, ("packaging", "26.3")),
        ("Foo_Bar-1.0-1-py3-none-any.whl", ("foo-bar", "1.0")),
    ],
)
def test_wheel_project(filename: str, expected: tuple[str, str]) -> None:
    assert wheel_project(filename) == expected


def test_deps_wheels_and_names() -> None:
    assert deps_wheels([".deps/a-1-py3-none-any.whl/a/__init__.py", "index/cli.py", ".deps/x"]) == [
        "a-1-py3-none-any.whl"
    ]
