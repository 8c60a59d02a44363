"""Pantry's import rules: which parts of the monorepo may import which.

The rules themselves are data (`build-support/import-rules.toml`). This package is the
engine-free core that enforces them; the Pants backend is thin glue around it:

- `rules_file`     loads and validates the rules file (`InvalidRulesFile`).
- `classify`       maps a repository path to its tree and project.
- `policy`         decides whether an edge is allowed and names the rule that forbids it.
- `modules`        names Python modules and resolves imported names to first-party files.
- `python_imports` finds every import in a Python file with `ast` (loose modules,
                   string imports, and whatever grimp cannot see).
- `build_deps`     turns explicit BUILD `dependencies=[...]` values into paths.
- `terraform`      finds local `source` paths of Terraform `module` blocks.
- `violations`     the violation model and the one report format.
- `cycles`         projects that import each other (strongly connected groups).
- `baseline`       accepted existing problems (read, write, apply, stale entries).
- `checker`        the standalone program a Pants rule runs in a sandbox (uses grimp).
- `shipping`       the files, argv and request a Pants rule needs to run `checker`.

The Pants glue (`register`, `subsystem`, `rules`, `goals/`) runs inside Pants and
imports only `shipping` of all this; `./pants lint` then runs the checker in one sandboxed
process, and `./pants import-rules-baseline ::` runs it to rewrite the baseline.

Every module inside this package imports its siblings *relatively*. That is deliberate:
the checker is shipped into a sandbox under another top-level package name (see
`shipping`), so that it never shadows the first-party `pantry` package it is checking.
"""
