"""`./pants ide`: a venv per resolve with every first-party source root importable, plus
pyright and VS Code settings (see README.md beside this file).

The pure logic is in `layout`, `interpreters`, `venv_state`, `editor_config` and `files`.
"""

from pantry.ide import rules as ide_rules


def rules():
    return [*ide_rules.rules()]
