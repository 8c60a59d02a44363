"""Compute every violation a request's files contain, then apply the baseline.

Python files: static imports between the packages grimp could scan come from grimp;
everything else comes from the ast pass (`python_imports`): loose modules, packages grimp
cannot scan (see `grimp_imports`), imports of those, and every literal-string import.
Each imported name is resolved to a first-party file (`modules`), both ends are
classified, and `policy` decides. Explicit BUILD dependencies and local Terraform module
sources go through the same policy.
"""

from __future__ import annotations

import ast
import os
import posixpath
import sys
from dataclasses import dataclass
from typing import Iterator, Optional

from ..baseline import apply_baseline, read_baseline
from ..build_deps import address_path, find_dependency_line
from ..classify import Location
from ..modules import ModuleIndex, PythonFile
from ..policy import Policy
from ..python_imports import ImportKind, find_imports, parse_python
from ..rules_file import load_rules_file
from ..terraform import find_module_sources, resolve_local_source
from ..violations import EdgeKind, ParseFailure, Report, Violation
from .grimp_imports import GrimpImports, scan_with_grimp
from .request import CheckRequest, InvalidRequest


@dataclass(frozen=True)
class Findings:
    """Every violation found, before the baseline is applied."""

    violations: tuple[Violation, ...]
    parse_failures: tuple[ParseFailure, ...]
    files_checked: int
    notes: tuple[str, ...] = ()


def check(request: CheckRequest, build_root: str, request_path: str = "request") -> Report:
    """Find the violations, and split off those the baseline accepts."""
    findings = find_violations(request, build_root, request_path)
    if not request.baseline_file:
        return Report(
            violations=findings.violations,
            files_checked=findings.files_checked,
            parse_failures=findings.parse_failures,
            notes=findings.notes,
        )
    baseline = read_baseline(os.path.join(build_root, request.baseline_file))
    result = apply_baseline(findings.violations, baseline)
    return Report(
        violations=result.new,
        files_checked=findings.files_checked,
        parse_failures=findings.parse_failures,
        accepted=len(result.accepted),
        baseline_path=request.baseline_file,
        notes=(*findings.notes, *result.stale_notes(request.baseline_file)),
    )


def find_violations(request: CheckRequest, build_root: str, request_path: str) -> Findings:
    rule_set = load_rules_file(
        os.path.join(build_root, request.rules_file), display_path=request.rules_file
    )
    policy = Policy(rule_set)
    python = _PythonChecker(request, build_root, request_path, policy)
    violations = {
        *python.violations(),
        *_build_dependency_violations(request, build_root, policy),
        *_terraform_violations(request, build_root, request_path, policy),
    }
    files_checked = (
        sum(1 for f in request.python_files if f.check)
        + len({d.build_file for d in request.build_dependencies})
        + len(request.terraform_files)
    )
    return Findings(
        violations=tuple(sorted(violations, key=lambda v: v.sort_key())),
        parse_failures=python.parse_failures,
        files_checked=files_checked,
        notes=python.notes,
    )


class _PythonChecker:
    def __init__(
        self, request: CheckRequest, build_root: str, request_path: str, policy: Policy
    ) -> None:
        self.request = request
        self.policy = policy
        self.index = ModuleIndex(f.file for f in request.python_files)
        self.parsed: dict[str, ast.Module] = {}
        failures = []
        for i, entry in enumerate(request.python_files, start=1):
            source = _read_bytes(
                build_root, entry.file.path, f"python_files[{i}].path", request_path
            )
            try:
                self.parsed[entry.file.path] = parse_python(source, entry.file.path)
            except SyntaxError as e:
                if entry.check:
                    failures.append(ParseFailure(entry.file.path, e.lineno or 1, _syntax_error(e)))
        self.parse_failures = tuple(failures)
        self.grimp = self._scan_packages(build_root)
        self.notes: tuple[str, ...] = ()
        if self.grimp.failure:
            self.notes = (
                f"grimp could not build the import graph ({self.grimp.failure}); "
                "static imports were found with ast instead",
            )

    def _scan_packages(self, build_root: str) -> GrimpImports:
        roots: dict[str, set[str]] = {}
        unparsable: set[str] = set()
        for entry in self.request.python_files:
            file = entry.file
            if not _in_package(file):
                continue
            top = file.module.split(".")[0]
            roots.setdefault(top, set()).add(
                os.path.abspath(os.path.join(build_root, file.source_root))
            )
            if file.path not in self.parsed:
                unparsable.add(top)
        packages = {name: tuple(sorted(r)) for name, r in roots.items() if name not in unparsable}
        return scan_with_grimp(packages) if packages else GrimpImports()

    def _grimp_scanned(self, file: PythonFile) -> bool:
        return _in_package(file) and self.grimp.scanned(file.module)

    def _project_of(self, path: str) -> Optional[str]:
        return self.policy.classify(path).project

    def violations(self) -> Iterator[Violation]:
        string_dots = self.request.string_imports_min_dots
        for entry in self.request.python_files:
            file = entry.file
            tree = self.parsed.get(file.path)
            if not entry.check or tree is None:
                continue
            module = file.module
            found = find_imports(
                tree,
                module,
                file.is_package,
                self.index.__contains__,
                string_imports_min_dots=string_dots,
            )
            if self._grimp_scanned(file):
                # grimp for static imports between the packages it scanned; ast for the
                # rest (string imports, and names grimp sees only as squashed "external").
                imported_names = [
                    *(
                        (line, name)
                        for line, name in self.grimp.imports[module]
                        if self.grimp.covers(name)
                    ),
                    *(
                        (i.line, i.name)
                        for i in found
                        if i.kind is not ImportKind.STATIC or not self.grimp.covers(i.name)
                    ),
                ]
            else:
                imported_names = [(i.line, i.name) for i in found]
            importer = self.policy.classify(file.path)
            for line, name in imported_names:
                yield from self._check_import(file, importer, line, name)

    def _check_import(
        self, file: PythonFile, importer: Location, line: int, name: str
    ) -> Iterator[Violation]:
        for location in self.index.resolve(name, file, self._project_of):
            if location.path == file.path:
                continue
            imported = self.policy.classify(location.path)
            rule = self.policy.forbidding_rule(importer, imported)
            if rule is not None:
                yield Violation(
                    path=file.path,
                    line=line,
                    importer=file.module or file.path,
                    kind=EdgeKind.PYTHON_IMPORT,
                    imported=location.module,
                    project=imported.project or "",
                    rule_id=rule.id,
                    rule_text=rule.text,
                )


def _syntax_error(error: SyntaxError) -> str:
    """The parser's message, and which Python parsed: newer syntax needs a newer checker."""
    version = ".".join(map(str, sys.version_info[:2]))
    return f"{error.msg} (as parsed by Python {version})"


def _in_package(file: PythonFile) -> bool:
    """Loose modules (`tests/test_app.py`) are in no package; grimp never sees them."""
    return "." in file.module or (file.is_package and bool(file.module))


def _build_dependency_violations(
    request: CheckRequest, build_root: str, policy: Policy
) -> Iterator[Violation]:
    for dependency in request.build_dependencies:
        build_dir = posixpath.dirname(dependency.build_file) or "."
        dependency_path = address_path(dependency.dependency, build_dir)
        if dependency_path is None:
            continue
        target_path = address_path(dependency.target, build_dir) or build_dir
        imported = policy.classify(dependency_path)
        rule = policy.forbidding_rule(policy.classify(target_path), imported)
        if rule is None:
            continue
        line = dependency.line or _line_in_build_file(
            build_root, dependency.build_file, dependency.dependency
        )
        yield Violation(
            path=dependency.build_file,
            line=line,
            importer=dependency.target,
            kind=EdgeKind.BUILD_DEPENDENCY,
            imported=dependency.dependency,
            project=imported.project or "",
            rule_id=rule.id,
            rule_text=rule.text,
        )


def _line_in_build_file(build_root: str, build_file: str, spec: str) -> int:
    """Where a dependency the request gave no line for is written; 1 if it cannot tell."""
    try:
        with open(os.path.join(build_root, build_file), encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return 1
    return find_dependency_line(text, spec) or 1


def _terraform_violations(
    request: CheckRequest, build_root: str, request_path: str, policy: Policy
) -> Iterator[Violation]:
    for i, terraform_file in enumerate(request.terraform_files, start=1):
        source = _read_bytes(build_root, terraform_file, f"terraform_files[{i}]", request_path)
        importer = policy.classify(terraform_file)
        text = source.decode("utf-8", errors="replace")
        for module in find_module_sources(text):
            target = resolve_local_source(terraform_file, module.source)
            if target is None:
                continue
            imported = policy.classify(target)
            rule = policy.forbidding_rule(importer, imported)
            if rule is None:
                continue
            yield Violation(
                path=terraform_file,
                line=module.line,
                importer=f"module.{module.name}",
                kind=EdgeKind.TERRAFORM_MODULE,
                imported=target,
                project=imported.project or "",
                rule_id=rule.id,
                rule_text=rule.text,
            )


def _read_bytes(build_root: str, path: str, key: str, request_path: str) -> bytes:
    try:
        with open(os.path.join(build_root, path), "rb") as f:
            return f.read()
    except OSError as e:
        raise InvalidRequest(
            request_path,
            key,
            f"a readable file under the build root {build_root!r}",
            got=f"{path!r} ({e.strerror})",
        ) from None
