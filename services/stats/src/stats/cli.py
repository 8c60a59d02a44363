"""Command line: `python -m stats [--format table|json] [--top N] LOGFILE...`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from feature_flags import FlagError, Flags
from stats.report import Report, render_json, render_table

# Flag: include downloads by crawlers/bots in the counts (default off).
COUNT_BOTS = "count-bots"


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}; expected a whole number >= 1")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m stats", description="Count downloads in index access logs."
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: %(default)s)",
    )
    parser.add_argument(
        "--top",
        type=_positive,
        metavar="N",
        help="show only the N largest rows of each table",
    )
    parser.add_argument(
        "--flags",
        metavar="FILE",
        help="JSON feature flags file; PANTRY_FLAG_* variables override it",
    )
    parser.add_argument(
        "logfiles",
        nargs="+",
        metavar="LOGFILE",
        help="access log to read; '-' reads stdin",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        flags = Flags.from_sources(args.flags, os.environ if environ is None else environ)
    except FlagError as e:
        parser.error(f"bad feature flag: {e}")
    report = Report(count_bots=flags.is_enabled(COUNT_BOTS))
    for logfile in args.logfiles:
        if logfile == "-":
            report.add_lines("<stdin>", sys.stdin)
            continue
        try:
            # errors="replace": undecodable bytes make a bad line, not a crash.
            with open(logfile, encoding="utf-8", errors="replace") as f:
                report.add_lines(logfile, f)
        except OSError as e:
            parser.error(f"cannot read {logfile}: {e.strerror}")
    if args.format == "json":
        print(render_json(report, args.top))
    else:
        for bad in report.bad_lines:
            print(bad, file=sys.stderr)
        print(render_table(report, args.top))
    return 0
