"""What a Pants rule needs to run the checker in a sandbox, without Pants in this module.

The checker's sources are shipped under `CHECKER_PACKAGE`, a name no first-party package
can have, and run as the module `CHECKER_MAIN` with `checker_args`; the glue (`rules.py`)
puts them into the tool's PEX next to grimp:

    sources = CreateDigest(FileContent(path, content) for path, content in checker_files())
    pex = PexRequest(..., main=EntryPoint(CHECKER_MAIN), sources=sources)
    VenvPexProcess(pex, argv=checker_args(REQUEST_FILE), input_digest=repo files + request)

and writes the request with `request.CheckRequest(...).render()`. (`checker_argv` is
the same as a plain interpreter command line.) Only the standard library, grimp and (on
Python < 3.11) tomli must be importable. `shipping_test` runs the shipped copy the way the
glue does.
"""

from __future__ import annotations

import pkgutil

CHECKER_PACKAGE = "__pantry_import_rules"
CHECKER_MAIN = f"{CHECKER_PACKAGE}.checker"
# Where the glue writes the request, at the sandbox root (the checker's build root).
REQUEST_FILE = "__pantry_import_rules_request.json"

# Every module the checker imports, relative to this package. `shipping_test` fails when
# a module is added to the package but not here.
CHECKER_MODULES = (
    "__init__.py",
    "baseline.py",
    "build_deps.py",
    "classify.py",
    "cycles.py",
    "modules.py",
    "policy.py",
    "python_imports.py",
    "request.py",
    "rules_file.py",
    "terraform.py",
    "violations.py",
    "checker/__init__.py",
    "checker/__main__.py",
    "checker/check.py",
    "checker/grimp_imports.py",
    "checker/main.py",
)


def checker_files() -> tuple[tuple[str, bytes], ...]:
    """(sandbox path, content) of every checker source, under `CHECKER_PACKAGE/`."""
    files = []
    for module in CHECKER_MODULES:
        content = pkgutil.get_data(__package__ or __name__.rpartition(".")[0], module)
        if content is None:  # pragma: no cover - only with a loader that cannot read data
            raise FileNotFoundError(f"cannot read the checker source {module}")
        files.append((f"{CHECKER_PACKAGE}/{module}", content))
    return tuple(files)


def checker_args(request_path: str, build_root: str = ".") -> tuple[str, ...]:
    """The arguments of the checker's module `CHECKER_MAIN`."""
    return (request_path, "--build-root", build_root)


def checker_argv(request_path: str, build_root: str = ".") -> tuple[str, ...]:
    """The interpreter arguments that run the shipped checker from the sandbox root."""
    return ("-m", CHECKER_MAIN, *checker_args(request_path, build_root))
