"""The `[import-rules]` options: where the rules and the baseline are, and the checker's tool."""

from __future__ import annotations

from pantry.import_rules.shipping import CHECKER_MAIN
from pants.backend.python.subsystems.python_tool_base import PythonToolBase
from pants.backend.python.target_types import EntryPoint
from pants.engine.rules import collect_rules
from pants.option.option_types import SkipOption, StrOption
from pants.util.strutil import softwrap


class ImportRules(PythonToolBase):
    options_scope = "import-rules"
    name = "import-rules"
    help = softwrap(
        """
        Pantry's import rules: which parts of the repository may import which, for Python
        imports, explicit BUILD `dependencies` and local Terraform module sources, and no
        two projects importing each other (cycles). The rules are data, in
        `[import-rules].rules_file`; the checker runs in a sandbox on a tool
        installed from `[import-rules].install_from_resolve`.
        """
    )

    # The checker needs grimp, and tomli on Python < 3.11. It must be installed from a
    # resolve (`[import-rules].install_from_resolve`; `rules.check_imports` says so if it
    # is not): there is no built-in lockfile, though PythonToolBase insists on naming one.
    # It runs on `[python].interpreter_constraints`, the Python product code is written for.
    default_version = "grimp>=3.4"
    default_requirements = ["grimp>=3.4", "tomli>=2; python_version < '3.11'"]
    default_main = EntryPoint(CHECKER_MAIN)
    default_lockfile_resource = ("pantry.import_rules", "no-built-in.lock")

    skip = SkipOption("lint")
    rules_file = StrOption(
        default="build-support/import-rules.toml",
        help=softwrap(
            """
            The import rules file, relative to the build root. Its format is documented at its
            top; a mistake in it fails the lint with the file, the key and what was expected.
            """
        ),
    )
    baseline = StrOption(
        default="build-support/import-rules-baseline.txt",
        help=softwrap(
            """
            The file of accepted existing violations and project cycles, relative to the
            build root; they do not fail the lint, but an entry that no longer occurs does, so
            the file only shrinks. Regenerate it with `./pants import-rules-baseline ::`. A
            missing file accepts nothing. Set to the empty string to use no baseline.
            """
        ),
    )


def rules():
    return [*collect_rules(), *ImportRules.rules()]
