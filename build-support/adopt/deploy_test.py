from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
from adopt.deploy import (
    DeployError,
    place_deploy_files,
    plan_deploy,
    read_dockerfile,
    read_procfile,
    render_deploy,
)
from adopt.layout import plan_layout
from adopt.main import main

# Shapes of the PyPI team's services (written here, not copied): a Procfile running gunicorn
# with a Python config at the top, a Dockerfile, a flat package.
SERVICE = {
    "Procfile": (
        "web: gunicorn -c gunicorn.conf.py -k aiohttp.worker.GunicornWebWorker "
        "shipper.app:application\n"
    ),
    "gunicorn.conf.py": 'bind = "unix:/run/app.sock"\nimport gunicorn\n',
    "Dockerfile": (
        "FROM python:3.12-slim AS build\n"
        "ENV BUILD_ONLY=1\n"
        "FROM python:3.12-slim\n"
        "ENV PYTHONUNBUFFERED=1 \\\n"
        "    PYTHONPATH=/opt/app/src/\n"
        'ENV PATH="/opt/app/bin:${PATH}"\n'
        "EXPOSE 9000/tcp\n"
    ),
    "cloudbuild.yaml": "steps: []\n",
    "shipper/__init__.py": "",
    "shipper/app.py": "application = object()\n",
}


def plan_for(files: dict[str, str], scripts: Optional[dict[str, str]] = None):
    return plan_deploy(Path("/nonexistent"), sorted(files), scripts or {}, read=files.__getitem__)


def resolver(module: str) -> Optional[str]:
    return {"shipper.app": "src/shipper/app.py", "shipper.cli": "src/shipper/cli.py"}.get(module)


def test_procfile_gunicorn_becomes_a_binary_and_an_image() -> None:
    plan = plan_for(SERVICE)
    (web,) = plan.binaries
    assert web.name == "web"
    assert web.entry_point == "gunicorn.app.wsgiapp:run"
    # Where upstream listened and its config path are the image's business, not the PEX's.
    assert web.args == ("-k", "aiohttp.worker.GunicornWebWorker", "shipper.app:application")
    assert plan.configs == {"gunicorn.conf.py": "deploy/gunicorn.conf.py"}
    assert plan.requirements == {"gunicorn": "Procfile:1"}
    rendered = render_deploy(plan, "services/shipper", resolver, "pantry/shipper")
    pex, image = rendered.root_targets
    assert pex == (
        "# Procfile:1: gunicorn -c gunicorn.conf.py -k aiohttp.worker.GunicornWebWorker "
        "shipper.app:application\n"
        "# Loaded by name from requirements: aiohttp.worker.\n"
        "pex_binary(\n"
        '    name="web",\n'
        '    entry_point="gunicorn.app.wsgiapp:run",\n'
        '    args=["-k", "aiohttp.worker.GunicornWebWorker", "shipper.app:application"],\n'
        '    dependencies=["services/shipper/deploy:config", '
        '"services/shipper/src/shipper/app.py"],\n'
        ")\n"
    )
    assert image.endswith(
        "oci_image(\n"
        '    name="image",\n'
        '    base="//external/oci/python3.11",\n'
        '    binary=":web",\n'
        '    workdir="/app/web.pex",\n'
        '    cmd=["-c", "gunicorn.conf.py", "--bind", "0.0.0.0:9000"],\n'
        '    env={"PORT": "9000", "PYTHONUNBUFFERED": "1"},\n'
        "    ports=[9000],\n"
        '    repository="pantry/shipper",\n'
        ")\n"
    )
    assert rendered.builds == {
        "deploy/BUILD": (
            "# The service's config files, read by path at run time (not modules of the\n"
            "# project): in the PEX and the image at the PEX's root, where the image's\n"
            "# working directory is.\n"
            'resources(name="config", sources=["gunicorn.conf.py"])\n'
        )
    }
    report = "\n".join(rendered.report)
    assert "Dockerfile: FROM python:3.12-slim (the image uses the house base instead)" in report
    assert "EXPOSE 9000 (kept); ENV PYTHONUNBUFFERED kept; PATH, PYTHONPATH not" in report
    assert "BUILD_ONLY" not in report  # an earlier stage's ENV is not the image's
    assert (
        "deploy files not copied: Dockerfile (read for hints, never built), "
        "Procfile (superseded by the pex_binary targets), cloudbuild.yaml (not used)"
    ) in report


def test_python_config_is_not_moved_into_src_as_a_module() -> None:
    plan = plan_for(SERVICE)
    layout = plan_layout(sorted(SERVICE), with_infra=True)
    assert layout.moves["gunicorn.conf.py"] == "src/gunicorn.conf.py"  # what a flat layout does
    place_deploy_files(layout, plan)
    assert layout.moves["gunicorn.conf.py"] == "deploy/gunicorn.conf.py"
    assert layout.top_level == ["shipper"]  # no module `gunicorn` to shadow the real one
    assert layout.historic_destination("gunicorn.conf.py") == "deploy/gunicorn.conf.py"
    assert "Dockerfile" in layout.dropped and "Dockerfile" not in layout.moves


@pytest.mark.parametrize(
    "command, entry_point, args, image_cmd",
    [
        (
            "uvicorn shipper.app:application --host 0.0.0.0 --port $PORT --workers 2",
            "uvicorn.main:main",
            ("shipper.app:application", "--workers", "2"),
            ["--host", "0.0.0.0", "--port", "{port}"],
        ),
        ("python -m shipper.cli serve", "shipper.cli", ("serve",), []),
        ("python shipper/cli.py", "shipper.cli", (), []),
        ("shipper-admin --verbose", "shipper.cli:main", ("--verbose",), []),
        (
            "gunicorn --bind=0.0.0.0:$PORT --workers=3 shipper.app:application",
            "gunicorn.app.wsgiapp:run",
            ("--workers=3", "shipper.app:application"),
            ["--bind", "0.0.0.0:{port}"],
        ),
    ],
)
def test_procfile_commands(command: str, entry_point: str, args: tuple, image_cmd: list) -> None:
    files = {"Procfile": f"web: {command}\n", "shipper/__init__.py": "", "shipper/cli.py": ""}
    plan = plan_for(files, {"shipper-admin": "shipper.cli:main"})
    web = plan.binaries[0]
    assert (web.entry_point, web.args, list(web.image_args)) == (entry_point, args, image_cmd)


def test_shell_script_is_followed_to_its_exec_line() -> None:
    files = {
        "Procfile": "web: bin/start\nworker: bin/work\n",
        "bin/start": "#!/bin/sh\nset -e\nexport X=1\nexec gunicorn -b :$PORT shipper.app:app\n",
        "bin/work": "#!/bin/sh\nwhile true; do python -m shipper.cli; done\n",
        "shipper/__init__.py": "",
    }
    plan = plan_for(files)
    assert [(b.name, b.entry_point, b.args) for b in plan.binaries] == [
        ("web", "gunicorn.app.wsgiapp:run", ("shipper.app:app",))
    ]
    assert plan.notes == [
        "Procfile:1: followed bin/start to `gunicorn -b :$PORT shipper.app:app`",
        "Procfile:2: `bin/work` runs the shell script bin/work, which has no `exec` line to "
        "follow; no pex_binary made (the image has no shell): write one in BUILD by hand",
    ]


def test_dockerfile_command_when_there_is_no_procfile_and_console_scripts() -> None:
    files = {
        "Dockerfile": 'FROM python:3.11\nCMD ["python", "-m", "shipper"]\n',
        "shipper/__init__.py": "",
    }
    plan = plan_for(files, {"shipper": "shipper.cli:main", "image": "shipper.img:main"})
    assert [(b.name, b.origin, b.entry_point) for b in plan.binaries] == [
        ("app", "Dockerfile CMD", "shipper"),
        ("image-bin", "console script", "shipper.img:main"),  # `image` is the image's name
        ("shipper", "console script", "shipper.cli:main"),
    ]
    assert plan.primary is not None and plan.primary.name == "app"
    rendered = render_deploy(plan, "services/s", resolver, "pantry/s")
    assert 'binary=":app"' in rendered.root_targets[-1]
    assert "note: only :app has an image; for image-bin, shipper copy the oci_image" in "\n".join(
        rendered.report
    )


def test_read_dockerfile_forms() -> None:
    hints = read_dockerfile(
        "# comment\nFROM python:3.11-slim\nENV LEGACY value with spaces\n"
        'ENTRYPOINT ["gunicorn"]\nCMD app:app\nEXPOSE 80 443/tcp\nWORKDIR /srv\nUSER app\n'
    )
    assert hints.base == "python:3.11-slim"
    assert hints.command == ("gunicorn", "app:app")
    assert hints.command_origin == "ENTRYPOINT + CMD"
    assert hints.ports == (80, 443)
    assert hints.env == (("LEGACY", "value with spaces"),)
    assert (hints.workdir, hints.user) == ("/srv", "app")


def test_bad_procfile_line_names_the_line() -> None:
    with pytest.raises(DeployError, match=r"Procfile:2: expected `TYPE: COMMAND`.*got 'oops'"):
        read_procfile("web: gunicorn app:app\noops\n")


def test_no_processes_no_targets() -> None:
    plan = plan_for({"shipper/__init__.py": ""})
    rendered = render_deploy(plan, "services/s", resolver, "pantry/s")
    assert rendered.root_targets == () and rendered.builds == {}


def test_adopt_dry_run_of_a_service_plans_its_binary_and_image(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    for path, text in {
        "3rdparty/python/runtime.txt": "packaging>=23\n",
        "3rdparty/python/test.txt": "pytest>=8,<9\n",
        "3rdparty/python/tools.txt": "",
    }.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    source = tmp_path / "shipper"
    for path, text in SERVICE.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(text)
    assert main([str(source), "--as", "services/shipper", "--dry-run", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    # gunicorn is named only in the Procfile: it becomes a requirement of the monorepo.
    assert "  requirements added: 3rdparty/python/runtime.txt: gunicorn\n" in out
    assert "services/shipper/deploy/BUILD" in out
    assert "  deploy: Procfile:1 `gunicorn -c gunicorn.conf.py" in out
    assert "-> services/shipper:web (pex_binary)\n" in out
    assert "  image: ./pants package services/shipper:image (oci_image of :web on " in out
    assert (
        "  config files (kept as files, not modules): gunicorn.conf.py -> "
        "services/shipper/deploy/gunicorn.conf.py\n"
    ) in out
    assert list(repo.rglob("BUILD")) == []  # a dry run writes nothing


def test_environment_references_go_to_the_image_or_are_reported() -> None:
    files = {
        "Procfile": "web: python -m shipper --port $PORT --token $TOKEN --fast\n",
        "shipper/__init__.py": "",
        "shipper/__main__.py": "",
    }
    plan = plan_for(files)
    (web,) = plan.binaries
    assert (web.args, web.image_args) == (("--fast",), ("--port", "{port}"))
    assert plan.notes == [
        "Procfile:1: `--token $TOKEN` names the environment; left out of web (no shell expands "
        "it): add it to the oci_image's `cmd` by hand"
    ]
    modules = {"shipper": "src/shipper/__init__.py", "shipper.__main__": "src/shipper/__main__.py"}
    pex, image = render_deploy(plan, "services/s", modules.get, "pantry/s").root_targets
    # `python -m shipper` runs shipper/__main__.py: the entry point names it, so Pants adds it.
    assert 'pex_binary(name="web", entry_point="shipper.__main__", args=["--fast"])\n' in pex
    assert 'cmd=["--port", "8080"],\n    env={"PORT": "8080"},\n    ports=[8080],' in image


def test_a_service_with_no_process_says_so_and_where_it_is_deployed() -> None:
    # linehaul: Cloud Functions deployed by cloudbuild.yaml (`gcloud functions deploy`).
    plan = plan_for(
        {"main.py": "def process(event, context): ...\n", "cloudbuild.yaml": "steps: []\n"}
    )
    assert (plan.binaries, plan.not_copied) == ([], ["cloudbuild.yaml (not used)"])
    assert plan.notes == [
        "no process to run (no Procfile, Dockerfile ENTRYPOINT/CMD or console script): no "
        "pex_binary or oci_image made; cloudbuild.yaml deploys it outside Pantry"
    ]
    assert render_deploy(plan, "services/linehaul", resolver, "r").root_targets == ()
