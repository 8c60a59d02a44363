"""The import rules checker: a standalone program a Pants rule runs in a sandbox.

Run it as

    python -m <package>.checker REQUEST.json [--build-root DIR]

where <package> is `pantry.import_rules` in this repository, or whatever name
`shipping.CHECKER_PACKAGE` gives it in a sandbox. It needs the standard library, grimp,
and tomli on Python < 3.11. It prints the report on stdout and exits

    0  no problem (baselined ones do not count)
    1  violations, project cycles, stale baseline entries, or Python files that do not parse
    2  bad input: an invalid rules file or request (one `error: ...` line on stderr)

Request schema (JSON, version 1). Every path is relative to the build root (the
`--build-root` directory, default the current one), uses `/`, and must stay inside it:

    {
      "version": 1,
      "rules_file": "build-support/import-rules.toml",
      "baseline_file": "build-support/import-rules-baseline.txt",  // optional; null: none.
                                                                 // A missing file is empty.
      "python_files": [                                          // sources and tests
        {"path": "services/index/src/index/app.py", "source_root": "services/index/src"},
        {"path": "services/index/tests/test_app.py", "source_root": "services/index/tests"},
        {"path": "libs/shared/x/src/x/y.py", "source_root": "libs/shared/x/src",
         "check": false}              // optional, default true; false: only resolves
      ],                              // imports of it (context), its own are not checked
      "build_dependencies": [         // explicit `dependencies=[...]` entries, as written
        {"build_file": "services/index/BUILD", "line": 7,       // null: found in the file
         "target": "services/index:app",                       // the depending target
         "dependency": "services/stats/src/stats:lib"}         // "!..." ignores are skipped
      ],
      "terraform_files": ["infra/main.tf", "services/index/infra/main.tf"],
      "string_imports_min_dots": null,  // optional int: also check string literals that
                                        // name first-party modules, as Pants'
                                        // [python-infer].string_imports does
      "write_baseline": null,           // optional path: instead of checking, write every
                                        // current problem there as the baseline; exit 0.
                                        // Entries the run cannot judge are kept (below).
      "whole_repository": false         // optional: true when every target is checked, so
                                        // every baseline entry can be judged; false: only
                                        // entries about the checked files (stale or kept)
    }

(The comments are documentation only: the file itself is plain JSON.)

Every listed Python file and Terraform file must exist under the build root: the
checker reads them, and grimp scans the packages they form. Imported modules that no
listed file defines (standard library, third-party) are ignored. List all first-party
Python files so imports can be resolved, using `"check": false` for those not linted.

The checker must run on a Python at least as new as the newest syntax in the files it
checks (it parses them with `ast`); files it cannot parse are reported and fail the run.
"""
