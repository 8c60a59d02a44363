"""Per-project coverage figures, run by `rules.py` in a sandbox on coverage.py's own venv.

Not a plugin module: Pants never imports it. It is shipped as a file into a process that
runs on the `[coverage-py]` tool (from the one lock) with:

    python analyze.py REQUEST.json CONFIG

REQUEST.json: {"projects": [{"project": DIR, "slug": NAME, "data": [.coverage files],
"sources": [paths]}]}. For each project it combines that project's own tests' data files
(and no others), writes coverage.xml and an HTML report under out/NAME/, and puts coverage.py's
JSON report of the project's sources (lines and branches per file) into out/figures.json.
"""

import json
import os
import sys

from coverage import Coverage


def analyze(project, config):
    out = os.path.join("out", project["slug"])
    os.makedirs(out, exist_ok=True)
    if not project["data"] or not project["sources"]:
        return {}
    cov = Coverage(data_file=os.path.join(out, ".coverage"), config_file=config)
    cov.set_option("run:relative_files", True)
    cov.combine(data_paths=project["data"], strict=True, keep=True)
    cov.load()
    sources = project["sources"]
    cov.json_report(morfs=sources, outfile=os.path.join(out, "coverage.json"))
    cov.xml_report(morfs=sources, outfile=os.path.join(out, "coverage.xml"))
    cov.html_report(
        morfs=sources, directory=os.path.join(out, "html"), title=f"{project['project']} coverage"
    )
    with open(os.path.join(out, "coverage.json")) as f:
        files = json.load(f)["files"]
    os.remove(os.path.join(out, ".coverage"))
    return files


def main(request_path, config):
    with open(request_path) as f:
        request = json.load(f)
    os.makedirs("out", exist_ok=True)
    figures = {p["project"]: analyze(p, config) for p in request["projects"]}
    with open(os.path.join("out", "figures.json"), "w") as f:
        json.dump(figures, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
