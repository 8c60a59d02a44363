"""The checker's command line: read a request, print the report, exit 0, 1 or 2."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence, TextIO

from ..baseline import HEADER, Baselined, entries_out_of, read_baseline, render_baseline
from ..request import CheckRequest, InvalidRequest
from ..rules_file import InvalidRulesFile
from ..violations import pluralize
from .check import check, find_violations

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2


def main(
    argv: Sequence[str],
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = argparse.ArgumentParser(
        prog="import-rules-checker",
        description="Check Pantry's import rules for the files a JSON request names.",
    )
    parser.add_argument("request", help="the JSON request file (schema: checker/__init__.py)")
    parser.add_argument(
        "--build-root", default=".", help="the directory the request's paths are relative to"
    )
    args = parser.parse_args(argv)
    try:
        request = CheckRequest.load(args.request)
        if request.write_baseline:
            return _write_baseline(request, args.build_root, args.request, stdout)
        report = check(request, args.build_root, args.request)
    except (InvalidRequest, InvalidRulesFile) as e:
        stderr.write(f"error: {e}\n")
        return EXIT_BAD_INPUT
    stdout.write(report.render())
    return EXIT_VIOLATIONS if report.exit_code else EXIT_OK


def _write_baseline(request: CheckRequest, build_root: str, request_path: str, out: TextIO) -> int:
    """Rewrite the baseline to accept every current problem; refuse if a file does not parse.

    Entries this run cannot judge (about files it did not check) are kept as they are.
    """
    assert request.write_baseline
    findings = find_violations(request, build_root, request_path)
    if findings.parse_failures:
        for failure in sorted(findings.parse_failures, key=lambda f: f.sort_key()):
            out.write(failure.render() + "\n")
        out.write(
            f"{request.write_baseline} not written: "
            f"{pluralize(len(findings.parse_failures), 'file')} could not be parsed, so "
            "their problems are unknown. Fix the syntax, then regenerate.\n"
        )
        return EXIT_VIOLATIONS
    destination = os.path.join(build_root, request.write_baseline)
    problems: tuple[Baselined, ...] = (*findings.violations, *findings.cycles)
    current = {p.baseline_entry for p in problems}
    kept = {
        e.text
        for e in entries_out_of(read_baseline(destination), findings.scope)
        if e.text not in current
    }
    text = render_baseline(problems, kept=kept)
    os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
    # A new file, renamed over the old: never write through a link into a cache.
    temporary = f"{destination}.tmp"
    with open(temporary, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(temporary, destination)
    entries = len(text.splitlines()) - HEADER.count("\n")
    summary = f"Wrote {entries} baseline {'entry' if entries == 1 else 'entries'}"
    summary += f" to {request.write_baseline}"
    if kept:
        summary += f" ({len(kept)} kept as they were: about files this run did not check)"
    out.write(summary + ".\n")
    return EXIT_OK
