"""Compute every violation and project cycle a request's files contain, then apply the
baseline.

Python files: static imports between the packages grimp could scan come from grimp;
everything else comes from the ast pass (`python_imports`): loose modules, packages grimp
cannot scan (see `grimp_imports`), imports of those, and every literal-string import.
Each imported name is resolved to a first-party file (`modules`), both ends are
classified, and `policy` decides. Explicit BUILD dependencies and local Terraform module
sources go through the same policy. Every edge between two projects, allowed or not, also
goes into the project graph, whose cycles (`cycles`) are problems too.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator, NamedTuple, Optional

from ..baseline import Baselined, Scope, apply_baseline, read_baseline
from ..build_deps import address_path, find_dependency_line
from ..classify import Location
from ..cycles import ProjectCycle, ProjectEdge, find_cycles
from ..modules import ModuleIndex, PythonFile
from ..policy import Policy
from ..python_imports import ImportedName, ImportKind, find_imports, parse_python
from ..request import CheckedPythonFile, CheckRequest, InvalidRequest
from ..rules_file import Rule, load_rules_file
from ..terraform import find_module_sources, resolve_local_source
from ..violations import EdgeKind, ParseFailure, Report, Violation
from .grimp_imports import GrimpImports, scan_with_grimp


@dataclass(frozen=True)
class Findings:
    """Every problem found, before the baseline is applied."""

    violations: tuple[Violation, ...]
    parse_failures: tuple[ParseFailure, ...]
    files_checked: int
    notes: tuple[str, ...] = ()
    cycles: tuple[ProjectCycle, ...] = ()
    scope: Scope = Scope(whole_repository=False)


# What a banned import's message says in place of the imported module's project.
THIRD_PARTY = "not first-party"


class _Edge(NamedTuple):
    """One reference found in a checked file, with where both of its ends are."""

    path: str
    line: int
    importer: str
    kind: EdgeKind
    imported: str
    source: Location
    target: Location


def check(request: CheckRequest, build_root: str, request_path: str = "request") -> Report:
    """Find the problems, and split off those the baseline accepts."""
    findings = find_violations(request, build_root, request_path)
    if not request.baseline_file:
        return Report(
            violations=findings.violations,
            files_checked=findings.files_checked,
            parse_failures=findings.parse_failures,
            notes=findings.notes,
            cycles=findings.cycles,
        )
    baseline = read_baseline(
        os.path.join(build_root, request.baseline_file), display_path=request.baseline_file
    )
    problems: tuple[Baselined, ...] = (*findings.violations, *findings.cycles)
    result = apply_baseline(problems, baseline, findings.scope)
    return Report(
        violations=tuple(p for p in result.new if isinstance(p, Violation)),
        files_checked=findings.files_checked,
        parse_failures=findings.parse_failures,
        accepted=len(result.accepted),
        baseline_path=request.baseline_file,
        notes=findings.notes,
        cycles=tuple(p for p in result.new if isinstance(p, ProjectCycle)),
        stale=result.stale,
    )


def find_violations(request: CheckRequest, build_root: str, request_path: str) -> Findings:
    rule_set = load_rules_file(
        os.path.join(build_root, request.rules_file), display_path=request.rules_file
    )
    policy = Policy(rule_set)
    python = _PythonChecker(request, build_root, request_path, policy)
    violations = set(python.banned_imports())
    project_edges = []
    for edge in (
        *python.edges(),
        *_build_dependency_edges(request, build_root, policy),
        *_terraform_edges(request, build_root, request_path, policy),
    ):
        rule = policy.forbidding_rule(edge.source, edge.target)
        if rule is not None:
            violations.add(_violation(edge, rule))
        if edge.source.project and edge.target.project:
            project_edges.append(
                ProjectEdge(
                    path=edge.path,
                    line=edge.line,
                    importer=edge.importer,
                    kind=edge.kind,
                    imported=edge.imported,
                    source=edge.source.project,
                    target=edge.target.project,
                )
            )
    checked_paths = frozenset(
        (
            *(f.path for f in request.python_files if f.check),
            *(d.build_file for d in request.build_dependencies),
            *request.terraform_files,
        )
    )
    return Findings(
        violations=tuple(sorted(violations, key=lambda v: v.sort_key())),
        parse_failures=python.parse_failures,
        files_checked=len(checked_paths),
        notes=python.notes,
        cycles=find_cycles(project_edges),
        scope=Scope(whole_repository=request.whole_repository, checked_paths=checked_paths),
    )


def _violation(edge: _Edge, rule: Rule) -> Violation:
    return Violation(
        path=edge.path,
        line=edge.line,
        importer=edge.importer,
        kind=edge.kind,
        imported=edge.imported,
        project=edge.target.project or "",
        rule_id=rule.id,
        rule_text=rule.text,
    )


class _PythonChecker:
    """Python imports: grimp for what it can scan, `ast` only where it must.

    grimp scans every package first, optimistically. Should it fail (it gives up on the
    whole graph when one file does not parse), every file is parsed with `ast`, packages
    with a file that does not parse are left out, and grimp scans the rest again. A file
    grimp scanned is parsed with `ast` only when grimp may not tell everything: its text
    names a first-party top-level module grimp did not scan, or may hold a dynamic or
    string import (`_may_import_by_name`). Every other file is parsed with `ast`.
    """

    def __init__(
        self, request: CheckRequest, build_root: str, request_path: str, policy: Policy
    ) -> None:
        self.request = request
        self.policy = policy
        # One PythonFile per entry, so each module name is computed once.
        self.file = {f: PythonFile(f.path, f.source_root) for f in request.python_files}
        self.index = ModuleIndex(self.file[f] for f in request.python_files)
        self.sources = {
            entry.path: _read_bytes(build_root, entry.path, f"python_files[{i}].path", request_path)
            for i, entry in enumerate(request.python_files, start=1)
        }
        self.parsed: dict[str, Optional[ast.Module]] = {}
        self.failures: dict[str, ParseFailure] = {}
        self._by_name = _by_name_pattern(self.index.top_level_names())
        self.grimp = self._scan_packages(build_root)
        if self.grimp.failure:
            for entry in request.python_files:
                self._tree(entry)
            self.grimp = self._scan_packages(build_root)
        # First-party top-level names grimp did not scan: a scanned file that mentions one
        # may import it, which grimp does not report.
        self._unscanned = _word_pattern(self.index.top_level_names() - self.grimp.packages)
        self.notes: tuple[str, ...] = ()
        if self.grimp.failure:
            self.notes = (
                f"grimp could not build the import graph ({self.grimp.failure}); "
                "static imports were found with ast instead",
            )

    @property
    def parse_failures(self) -> tuple[ParseFailure, ...]:
        return tuple(self.failures[path] for path in sorted(self.failures))

    def _tree(self, entry: CheckedPythonFile) -> Optional[ast.Module]:
        """The file parsed with `ast`, once; None (a failure if checked) if it does not parse."""
        path = entry.path
        if path not in self.parsed:
            try:
                self.parsed[path] = parse_python(self.sources[path], path)
            except SyntaxError as e:
                self.parsed[path] = None
                if entry.check:
                    self.failures[path] = ParseFailure(path, e.lineno or 1, _syntax_error(e))
        return self.parsed[path]

    def _scan_packages(self, build_root: str) -> GrimpImports:
        """Scan every package with grimp, but those with a file `ast` could not parse."""
        roots: dict[str, set[str]] = {}
        unparsable: set[str] = set()
        for entry in self.request.python_files:
            file = self.file[entry]
            if not _in_package(file):
                continue
            top = file.module.split(".")[0]
            roots.setdefault(top, set()).add(
                os.path.abspath(os.path.join(build_root, file.source_root))
            )
            if file.path in self.parsed and self.parsed[file.path] is None:
                unparsable.add(top)
        packages = {name: tuple(sorted(r)) for name, r in roots.items() if name not in unparsable}
        return scan_with_grimp(packages) if packages else GrimpImports()

    def _needs_ast(self, file: PythonFile) -> bool:
        """Whether a file grimp scanned may import something grimp cannot tell."""
        source = self.sources[file.path]
        if self._unscanned is not None and self._unscanned.search(source):
            return True
        return _may_import_by_name(
            source, self._by_name if self.request.string_imports_min_dots is not None else None
        )

    def _grimp_scanned(self, file: PythonFile) -> bool:
        return _in_package(file) and self.grimp.scanned(file.module)

    def _project_of(self, path: str) -> Optional[str]:
        return self.policy.classify(path).project

    def edges(self) -> Iterator[_Edge]:
        for entry in self.request.python_files:
            if not entry.check:
                continue
            file = self.file[entry]
            module = file.module
            if self._grimp_scanned(file):
                # grimp for static imports between the packages it scanned; ast for the
                # rest (string imports, and names grimp sees only as squashed "external").
                imported_names = [
                    (line, name)
                    for line, name in self.grimp.imports[module]
                    if self.grimp.covers(name)
                ]
                tree = self._tree(entry) if self._needs_ast(file) else None
                if tree is not None:
                    imported_names += [
                        (i.line, i.name)
                        for i in self._find_imports(file, tree)
                        if i.kind is not ImportKind.STATIC or not self.grimp.covers(i.name)
                    ]
            else:
                tree = self._tree(entry)
                if tree is None:
                    continue
                imported_names = [(i.line, i.name) for i in self._find_imports(file, tree)]
            importer = self.policy.classify(file.path)
            for line, name in imported_names:
                yield from self._import_edges(file, importer, line, name)

    def banned_imports(self) -> Iterator[Violation]:
        """Imports a `[[banned-imports]]` table forbids in a checked file (e.g. Pants in a pure
        plugin module). Such modules are not first-party, so no edge leads to them: the files
        under a ban are parsed with ast, which sees every import."""
        for entry in self.request.python_files:
            bans = self.policy.bans_for(entry.path) if entry.check else ()
            tree = self._tree(entry) if bans else None
            if tree is None:
                continue
            file = self.file[entry]
            for imported in self._find_imports(file, tree):
                if imported.name in self.index:
                    continue
                for ban in bans:
                    if ban.bans(imported.name):
                        yield Violation(
                            path=entry.path,
                            line=imported.line,
                            importer=file.module or entry.path,
                            kind=EdgeKind.PYTHON_IMPORT,
                            imported=imported.name,
                            project=THIRD_PARTY,
                            rule_id=ban.id,
                            rule_text=ban.text,
                        )

    def _find_imports(self, file: PythonFile, tree: ast.Module) -> tuple[ImportedName, ...]:
        return find_imports(
            tree,
            file.module,
            file.is_package,
            self.index.__contains__,
            string_imports_min_dots=self.request.string_imports_min_dots,
        )

    def _import_edges(
        self, file: PythonFile, importer: Location, line: int, name: str
    ) -> Iterator[_Edge]:
        for location in self.index.resolve(name, file, self._project_of):
            if location.path == file.path:
                continue
            yield _Edge(
                path=file.path,
                line=line,
                importer=file.module or file.path,
                kind=EdgeKind.PYTHON_IMPORT,
                imported=location.module,
                source=importer,
                target=self.policy.classify(location.path),
            )


# Text that may make a dynamic import (`importlib.import_module`, `__import__`), or declare
# an encoding other than UTF-8 (then the text cannot be searched as bytes).
_DYNAMIC_OR_ENCODED = re.compile(rb"import_module|__import__|\A(?:[^\n]*\n)?[^\n]*coding[:=]")


def _word_pattern(names: Iterable[str]) -> Optional[re.Pattern[bytes]]:
    """Any of `names` as a whole word; None for no names."""
    words = sorted(names)
    if not words:
        return None
    return re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode("utf-8")) for w in words) + rb")\b")


def _by_name_pattern(top_level_names: Iterable[str]) -> Optional[re.Pattern[bytes]]:
    """A quote before a first-party top-level name and a dot: a string that may name one."""
    names = sorted(top_level_names)
    if not names:
        return None
    alternatives = b"|".join(re.escape(name.encode("utf-8")) for name in names)
    return re.compile(rb"[\"'](?:" + alternatives + rb")\.")


def _may_import_by_name(source: bytes, string_pattern: Optional[re.Pattern[bytes]]) -> bool:
    """Whether `source` may hold a dynamic import, or (with a pattern) a string import."""
    if _DYNAMIC_OR_ENCODED.search(source):
        return True
    return string_pattern is not None and string_pattern.search(source) is not None


def _syntax_error(error: SyntaxError) -> str:
    """The parser's message, and which Python parsed: newer syntax needs a newer checker."""
    version = ".".join(map(str, sys.version_info[:2]))
    return f"{error.msg} (as parsed by Python {version})"


def _in_package(file: PythonFile) -> bool:
    """Loose modules (`tests/test_app.py`) are in no package; grimp never sees them."""
    return "." in file.module or (file.is_package and bool(file.module))


def _build_dependency_edges(
    request: CheckRequest, build_root: str, policy: Policy
) -> Iterator[_Edge]:
    build_files: dict[str, Optional[str]] = {}
    for dependency in request.build_dependencies:
        build_dir = posixpath.dirname(dependency.build_file) or "."
        dependency_path = address_path(dependency.dependency, build_dir)
        if dependency_path is None:
            continue
        target_path = address_path(dependency.target, build_dir) or build_dir
        target = policy.classify(dependency_path)
        source = policy.classify(target_path)
        # Only edges that matter need a line: a violation, or a step between projects.
        if source.project == target.project and not policy.forbidding_rule(source, target):
            continue
        line = dependency.line or _line_in_build_file(
            build_root, dependency.build_file, dependency.dependency, build_files
        )
        yield _Edge(
            path=dependency.build_file,
            line=line,
            importer=dependency.target,
            kind=EdgeKind.BUILD_DEPENDENCY,
            imported=dependency.dependency,
            source=source,
            target=target,
        )


def _line_in_build_file(
    build_root: str, build_file: str, spec: str, cache: dict[str, Optional[str]]
) -> int:
    """Where a dependency the request gave no line for is written; 1 if it cannot tell."""
    if build_file not in cache:
        try:
            with open(os.path.join(build_root, build_file), encoding="utf-8") as f:
                cache[build_file] = f.read()
        except (OSError, UnicodeDecodeError):
            cache[build_file] = None
    text = cache[build_file]
    return (find_dependency_line(text, spec) or 1) if text is not None else 1


def _terraform_edges(
    request: CheckRequest, build_root: str, request_path: str, policy: Policy
) -> Iterator[_Edge]:
    for i, terraform_file in enumerate(request.terraform_files, start=1):
        source = _read_bytes(build_root, terraform_file, f"terraform_files[{i}]", request_path)
        importer = policy.classify(terraform_file)
        text = source.decode("utf-8", errors="replace")
        for module in find_module_sources(text):
            target = resolve_local_source(terraform_file, module.source)
            if target is None:
                continue
            yield _Edge(
                path=terraform_file,
                line=module.line,
                importer=f"module.{module.name}",
                kind=EdgeKind.TERRAFORM_MODULE,
                imported=target,
                source=importer,
                target=policy.classify(target),
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
