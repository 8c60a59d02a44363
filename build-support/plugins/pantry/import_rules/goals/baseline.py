"""`./pants import-rules-baseline ::`: rewrite the baseline to accept every current problem.

For adopting a codebase (or a new rule) whose existing violations are to be paid down
later. `./pants lint` fails on an entry that no longer matches, so the baseline only
shrinks; this goal is how it is (re)created. It runs the same checker as the lint, in a
sandbox, and writes the file it produces into the workspace.

Given fewer targets than `::`, it rewrites only the entries about their files and keeps
the rest as they are. It writes nothing when a Python file does not parse (its problems
are unknown) or the rules file is invalid.
"""

from __future__ import annotations

from pantry.errors import PantryError
from pantry.import_rules.rules import (
    CheckerResult,
    CheckerRun,
    ImportRulesFieldSet,
    ImportRulesScope,
    InvalidImportRulesOption,
)
from pantry.import_rules.subsystem import ImportRules
from pants.engine.console import Console
from pants.engine.fs import Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import Get, collect_rules, goal_rule
from pants.engine.target import FilteredTargets
from pants.util.strutil import softwrap


class NoTargetsError(PantryError):
    """`import-rules-baseline` was given no target, so it cannot know which entries to write."""


class ImportRulesBaselineSubsystem(GoalSubsystem):
    name = "import-rules-baseline"
    help = softwrap(
        """
        Rewrite the import rules baseline (`[import-rules].baseline`) to accept every current
        violation and project cycle of the given targets; `./pants import-rules-baseline ::`
        regenerates all of it. Entries about files of other targets are kept as they are.
        Nothing is written if a Python file does not parse or the rules file is invalid.
        """
    )


class ImportRulesBaseline(Goal):
    subsystem_cls = ImportRulesBaselineSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


@goal_rule(desc="Rewrite the import rules baseline")
async def write_import_rules_baseline(
    console: Console,
    workspace: Workspace,
    targets: FilteredTargets,
    import_rules: ImportRules,
) -> ImportRulesBaseline:
    if not import_rules.baseline:
        raise InvalidImportRulesOption(
            softwrap(
                """
                [import-rules].baseline: expected the baseline file to write, e.g.
                'build-support/import-rules-baseline.txt', got ''.
                """
            )
        )
    addresses = tuple(sorted(t.address for t in targets if ImportRulesFieldSet.is_applicable(t)))
    if not addresses:
        raise NoTargetsError(
            f"No targets given, so {import_rules.baseline} was not written. To regenerate "
            f"all of it: ./pants {ImportRulesBaselineSubsystem.name} ::"
        )
    checker = await Get(CheckerResult, CheckerRun(ImportRulesScope(addresses), write_baseline=True))
    result = checker.process_result
    if result.exit_code == 0:
        workspace.write_digest(result.output_digest)
    console.print_stdout(result.stdout.decode(), end="")
    console.print_stderr(result.stderr.decode(), end="")
    return ImportRulesBaseline(exit_code=result.exit_code)


def rules():
    return [*collect_rules()]
