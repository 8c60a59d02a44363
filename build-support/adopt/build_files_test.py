from __future__ import annotations

from adopt.build_files import (
    ProjectInfo,
    describe_pythons,
    generate_build_files,
    supported_pythons,
)

SHARED = ProjectInfo(
    tree="libs/shared",
    name="demo",
    dist_name="demo-lib",
    version="1.2.0",
    summary='A "demo"',
    license="MIT",
    requires_python=">=3.10",
    origin="demo-1.2.0.tar.gz",
)


def test_supported_pythons() -> None:
    assert supported_pythons("") == ("3.9", "3.10", "3.11", "3.12", "3.13")
    assert supported_pythons(">=3.11") == ("3.11", "3.12", "3.13")
    assert supported_pythons(">=2.7, !=3.0.*, !=3.1.*") == ("3.9", "3.10", "3.11", "3.12", "3.13")
    assert supported_pythons(">=3.11,<3.12") == ("3.11",)
    assert supported_pythons("not a spec!") == ("3.9", "3.10", "3.11", "3.12", "3.13")


def test_shared_lib_builds() -> None:
    builds = generate_build_files(
        [
            "README.md",
            "src/demo/__init__.py",
            "src/demo/py.typed",
            "src/demo/sub/__init__.py",
            "tests/conftest.py",
            "tests/test_demo.py",
            "tests/data/sample.txt",
        ],
        SHARED,
    )
    assert sorted(builds) == ["BUILD", "src/demo/BUILD", "src/demo/sub/BUILD", "tests/BUILD"]
    assert builds["src/demo/BUILD"] == (
        "python_sources(\n"
        '    interpreter_constraints=["CPython>=3.10,<3.14"],\n'
        '    dependencies=["libs/shared/demo/src/demo:data"],\n'
        ")\n"
        "\n"
        "# Package data, read at run time (inference cannot see it); in the wheel too.\n"
        'resources(name="data", sources=["**/*", "!**/*.py", "!**/*.pyi", "!**/BUILD"])\n'
    )
    assert builds["src/demo/sub/BUILD"] == (
        "python_sources(\n"
        '    interpreter_constraints=["CPython>=3.10,<3.14"],\n'
        '    dependencies=["libs/shared/demo/src/demo:data"],\n'
        ")\n"
    )
    assert builds["tests/BUILD"] == (
        "python_test_utils(\n"
        '    name="test_utils",\n'
        '    interpreter_constraints=["CPython>=3.10,<3.14"],\n'
        '    dependencies=["libs/shared/demo/tests:fixtures"],\n'
        ")\n"
        "\n"
        "python_tests(\n"
        '    name="tests",\n'
        "    interpreter_constraints=parametrize(\n"
        '        py310=["CPython==3.10.*"],\n'
        '        py311=["CPython==3.11.*"],\n'
        '        py312=["CPython==3.12.*"],\n'
        '        py313=["CPython==3.13.*"],\n'
        "    ),\n"
        '    dependencies=["libs/shared/demo/tests:fixtures"],\n'
        ")\n"
        "\n"
        "# Test fixtures, read from the sandbox by path (inference cannot see that).\n"
        'files(name="fixtures", sources=["**/*", "!**/*.py", "!**/*.pyi", "!**/BUILD"])\n'
    )
    root = builds["BUILD"]
    assert (
        "# demo-lib 1.2.0, adopted from demo-1.2.0.tar.gz with build-support/bin/adopt.\n" in root
    )
    assert "skip_black=True, skip_isort=True, skip_flake8=True, skip_mypy=True" in root
    assert (
        "python_distribution(\n"
        '    name="dist",\n'
        '    dependencies=["libs/shared/demo/src/demo", "libs/shared/demo/src/demo/sub"],\n'
        "    provides=python_artifact(\n"
        '        name="demo-lib",\n'
        '        version="1.2.0",\n'
        '        description="A \\"demo\\"",\n'
        '        license="MIT",\n'
        '        python_requires=">=3.10",\n'
        "    ),\n"
        '    interpreter_constraints=["CPython>=3.10,<3.14"],\n'
        '    repositories=["@pantry-index"],\n'
        ")\n"
    ) in root


def test_internal_lib_uses_repository_defaults_and_a_single_python() -> None:
    info = ProjectInfo(tree="libs/internal", name="flags")
    builds = generate_build_files(["src/flags.py", "tests/test_flags.py"], info)
    assert builds["src/BUILD"] == "python_sources()\n"
    assert builds["tests/BUILD"] == 'python_tests(name="tests")\n'
    assert "python_distribution" not in builds["BUILD"]


def test_single_python_shared_lib_is_not_parametrized() -> None:
    info = ProjectInfo(tree="libs/shared", name="x", requires_python="==3.11.*", version="1")
    builds = generate_build_files(["src/x.py", "tests/test_x.py"], info)
    assert builds["tests/BUILD"] == (
        'python_tests(name="tests", interpreter_constraints=["CPython==3.11.*"])\n'
    )


def test_service_root_build_ends_with_its_deploy_targets() -> None:
    # adopt.deploy renders them (deploy_test.py); Terraform is adopt.infra's (infra_test.py).
    pex = 'pex_binary(name="svc", entry_point="svc.cli:main")\n'
    info = ProjectInfo(tree="services", name="svc", deploy_targets=(pex,))
    builds = generate_build_files(["src/svc/__init__.py", "src/svc/cli.py", "infra/main.tf"], info)
    assert builds["BUILD"].endswith(")\n\n" + pex)
    assert "infra/BUILD" not in builds


def test_shared_lib_keeps_console_scripts_and_invents_no_requires_python() -> None:
    info = ProjectInfo(
        tree="libs/shared",
        name="trove-classifiers",
        dist_name="trove-classifiers",
        version="2025.1.1",
        scripts=(("trove-classifiers", "trove_classifiers.__main__:cli"),),
    )
    root = generate_build_files(["src/trove_classifiers/__init__.py"], info)["BUILD"]
    # Without the project's own Requires-Python, Pants would write the test matrix's.
    assert 'python_requires=""' in root
    assert (
        '    entry_points={"console_scripts": {"trove-classifiers": '
        '"trove_classifiers.__main__:cli"}},\n'
    ) in root


def test_tests_package_with_helpers_plugins_and_root_data() -> None:
    """linehaul's shape: tests/ is a package with a helper module and subpackages; the tests
    read top-level fixtures/ and README.md; pytest-asyncio must be installed to run them."""
    info = ProjectInfo(
        tree="services",
        name="lh",
        test_dependencies=("3rdparty/python:test#pytest-asyncio",),
    )
    builds = generate_build_files(
        [
            "README.md",
            "conftest.py",
            "fixtures/a.log.gz",
            "src/lh/__init__.py",
            "tests/__init__.py",
            "tests/strategies.py",
            "tests/test_strategies.py",
            "tests/unit/__init__.py",
            "tests/unit/test_parser.py",
        ],
        info,
        test_data=["README.md", "fixtures/a.log.gz"],
    )
    # No DuplicateNameError: the helpers' target is not named like the tests'.
    assert builds["tests/BUILD"] == (
        'python_sources(name="support")\n'
        "\n"
        "python_tests(\n"
        '    name="tests",\n'
        "    dependencies=[\n"
        '        "services/lh:test-data",\n'
        '        "services/lh/tests/__init__.py:support",\n'
        '        "3rdparty/python:test#pytest-asyncio",\n'
        "    ],\n"
        ")\n"
    )
    assert builds["tests/unit/BUILD"].endswith(
        "    dependencies=[\n"
        '        "services/lh:test-data",\n'
        '        "services/lh/tests/__init__.py:support",\n'
        '        "services/lh/tests/unit/__init__.py:support",\n'
        '        "3rdparty/python:test#pytest-asyncio",\n'
        "    ],\n"
        ")\n"
    )
    root = builds["BUILD"]
    assert (
        'python_test_utils(name="conftest", sources=["conftest.py"], '
        'dependencies=["services/lh/src/lh"])\n'
    ) in root
    assert root.endswith(
        "# Files at the project root that the tests read (inference cannot see that).\n"
        'files(name="test-data", sources=["README.md", "fixtures/a.log.gz"])\n'
    )


def test_service_on_another_python_than_the_image_tests_on_both() -> None:
    # conveyor: .python-version 3.12, a gunicorn pex_binary for the 3.11 image. The binary
    # (repository default, 3.11) must be within its sources' constraints, or Pants refuses it.
    pex = 'pex_binary(name="web", entry_point="gunicorn.app.wsgiapp:run")\n'
    info = ProjectInfo(tree="services", name="svc", python_version="3.12", deploy_targets=(pex,))
    builds = generate_build_files(["src/svc/app.py", "tests/test_app.py"], info)
    assert builds["src/svc/BUILD"] == (
        'python_sources(interpreter_constraints=["CPython==3.11.*", "CPython==3.12.*"])\n'
    )
    assert builds["tests/BUILD"] == (
        "python_tests(\n"
        '    name="tests",\n'
        "    interpreter_constraints=parametrize(\n"
        '        py311=["CPython==3.11.*"],\n'
        '        py312=["CPython==3.12.*"],\n'
        "    ),\n"
        ")\n"
    )
    assert describe_pythons(info) == (
        "3.12 (upstream's .python-version) and 3.11 (the image's base, which its pex_binary "
        "targets are built for)"
    )


def test_service_on_the_images_python_or_without_a_binary_keeps_upstreams_only() -> None:
    for info in (
        ProjectInfo(tree="services", name="svc", python_version="3.11", deploy_targets=("x",)),
        ProjectInfo(tree="services", name="svc", python_version="3.12"),
    ):
        builds = generate_build_files(["src/svc/app.py", "tests/test_app.py"], info)
        constraint = f'interpreter_constraints=["CPython=={info.python_version}.*"]'
        assert builds["src/svc/BUILD"] == f"python_sources({constraint})\n"
        assert builds["tests/BUILD"] == f'python_tests(name="tests", {constraint})\n'
        assert describe_pythons(info) == f"{info.python_version} (upstream's .python-version)"
