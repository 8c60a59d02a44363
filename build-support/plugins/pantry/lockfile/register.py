"""One lockfile for everything: `lock-diff`, `lock-upgrade`, `export-constraints`, and a
stale lock refused whenever a goal consumes a requirement it was not made from.

See README.md beside this file; the pure logic is in `lock_model`, `diff_table`,
`constraints` and `freshness`.
"""

from pantry.lockfile import consumed_requirements
from pantry.lockfile.goals import export_constraints, lock_diff, lock_sync, lock_upgrade
from pantry.lockfile.util_rules import pex_lock_update, resolve_lock

# Not a rule: wraps Pants' own lockfile check, once, when the backend loads (see its docstring).
consumed_requirements.install()


def rules():
    return [
        *resolve_lock.rules(),
        *pex_lock_update.rules(),
        *lock_diff.rules(),
        *lock_upgrade.rules(),
        *lock_sync.rules(),
        *export_constraints.rules(),
    ]
