"""The checker's command line: read a request, print the report, exit 0, 1 or 2."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence, TextIO

from ..baseline import render_baseline
from ..rules_file import InvalidRulesFile
from ..violations import pluralize
from .check import check, find_violations
from .request import InvalidRequest, load_request

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
        request = load_request(args.request)
        if request.write_baseline:
            findings = find_violations(request, args.build_root, args.request)
            destination = os.path.join(args.build_root, request.write_baseline)
            os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
            with open(destination, "w", encoding="utf-8", newline="\n") as f:
                f.write(render_baseline(findings.violations))
            for failure in findings.parse_failures:
                stdout.write(failure.render() + "\n")
            entries = len({v.baseline_entry for v in findings.violations})
            stdout.write(
                f"Wrote {pluralize(entries, 'accepted violation')} to {request.write_baseline}.\n"
            )
            return EXIT_VIOLATIONS if findings.parse_failures else EXIT_OK
        report = check(request, args.build_root, args.request)
    except (InvalidRequest, InvalidRulesFile) as e:
        stderr.write(f"error: {e}\n")
        return EXIT_BAD_INPUT
    stdout.write(report.render())
    return EXIT_VIOLATIONS if report.exit_code else EXIT_OK
