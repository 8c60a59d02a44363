"""How an adopted service runs: its processes become `pex_binary` targets and an `oci_image`.

Pure: reads the upstream project's files, returns a plan; `render_deploy` turns the plan into
BUILD targets once the layout is known. What is read, in order:

- **Procfile** (`web: gunicorn -c gunicorn.conf.py app:wsgi`): one `pex_binary` per process
  type, named after it. A command that runs a shell script (`web: bin/start`) is followed
  into the script's last `exec` line (distroless images have no shell to run it).
- **Dockerfile** (never built, never copied): its final stage's ENTRYPOINT/CMD is the process
  when there is no Procfile; EXPOSE gives the image's ports; ENV values that are not paths
  are carried into the image; everything read is reported.
- **console scripts** of the project (pyproject/setup.cfg/setup.py): one `pex_binary` each.

A server command is frozen into its PEX (`args`) without the options that only make sense
where upstream deployed it: `-b/--bind`, `--host`, `--port` (the image sets them, and `./pants
run` uses the server's local default) and `-c/--config` (the image passes it; see below).
`gunicorn`, `uvicorn`, `hypercorn`, ... become the entry point of their own distribution
(`gunicorn.app.wsgiapp:run`), so Pants infers the requirement that provides them; the
`module:app` they load by name is an explicit dependency (inference cannot see it).

**Config files that are Python** (`gunicorn.conf.py`, and any file a command names with `-c`,
`--config`, `--log-config` or `--env-file`) are not modules of the project: they move to
`deploy/` (a source root holding `resources`), so they are in the PEX and in the image, at the
PEX's root. The image's working directory is that root (`/app/<binary>.pex`), so the command
reads them by the same relative path as upstream did from its project root.

The image is built on the house base (`//external/oci/python3.11`) for the `web` process (or
the only one); other processes get a `pex_binary` and are reported.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Mapping, Optional, Sequence

from adopt.build_files import IMAGE_PYTHON, _call
from adopt.layout import CONTAINER_BUILD, Layout

BASE_IMAGE = f"//external/oci/python{IMAGE_PYTHON}"
DEFAULT_PORT = 8080
DEPLOY_DIR = "deploy"
# Deployment descriptors of other platforms: superseded by the BUILD targets, not copied.
DEPLOY_DESCRIPTORS = re.compile(
    r"^(Procfile|\.dockerignore|docker-compose[^/]*\.ya?ml|compose\.ya?ml|cloudbuild[^/]*\.ya?ml"
    r"|app\.ya?ml|fly\.toml|\.gitpod\.ya?ml|runtime\.txt|heroku\.yml|render\.yaml)$"
)
# Config files gunicorn reads from the working directory even when no `-c` names them.
WELL_KNOWN_CONFIGS = ("gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py", "gunicorn.conf")
CONFIG_OPTIONS = ("-c", "--config", "--log-config", "--env-file")
INTERPRETERS = re.compile(r"^(python[0-9.]*|/usr/(local/)?bin/python[0-9.]*)$")
SHELLS = ("sh", "bash", "/bin/sh", "/bin/bash")


@dataclass(frozen=True)
class Server:
    """A third-party server started by its console script."""

    entry_point: str  # the console script's target, so Pants infers its requirement
    requirement: str  # the distribution that provides it
    # Options whose value is where upstream listened: dropped, the image sets its own.
    listen_options: tuple[str, ...]
    # The image's arguments to listen on every interface at `{port}`.
    listen_args: tuple[str, ...]
    # Options whose value is a module loaded by name (e.g. the worker class).
    module_options: tuple[str, ...] = ()


SERVERS: Mapping[str, Server] = {
    "gunicorn": Server(
        "gunicorn.app.wsgiapp:run",
        "gunicorn",
        ("-b", "--bind"),
        ("--bind", "0.0.0.0:{port}"),
        ("-k", "--worker-class"),
    ),
    "uvicorn": Server(
        "uvicorn.main:main",
        "uvicorn",
        ("--host", "--port", "--uds", "--fd"),
        ("--host", "0.0.0.0", "--port", "{port}"),
    ),
    "hypercorn": Server(
        "hypercorn.__main__:main",
        "hypercorn",
        ("-b", "--bind"),
        ("--bind", "0.0.0.0:{port}"),
        ("-k", "--worker-class"),
    ),
    "waitress-serve": Server(
        "waitress.runner:run", "waitress", ("--host", "--port", "--listen"), ("--port={port}",)
    ),
}
# Options of the servers above that take a value (so a value is not mistaken for the app).
VALUE_OPTIONS = {
    "-b", "--bind", "-c", "--config", "-k", "--worker-class", "-w", "--workers", "--threads",
    "-t", "--timeout", "--host", "--port", "--uds", "--fd", "--log-config", "--env-file",
    "--log-level", "--access-logfile", "--error-logfile", "--chdir", "--root-path", "--listen",
    "--name", "-n", "--max-requests", "--graceful-timeout", "--keep-alive", "--backlog",
    "--workers-per-core", "--app-dir", "--factory-args", "--loop", "--http", "--ws",
}  # fmt: skip


@dataclass(frozen=True)
class Process:
    """One way upstream starts the service."""

    name: str  # the Procfile process type, the console script, or "app" (Dockerfile)
    origin: str  # where it was read, for the summary: "Procfile:1", "Dockerfile CMD", ...
    argv: tuple[str, ...]  # the command as upstream wrote it


@dataclass(frozen=True)
class Binary:
    """A `pex_binary` to write."""

    name: str
    origin: str
    command: str  # upstream's command line, for the BUILD comment and the summary
    entry_point: str = ""  # `module` or `module:function`
    script: str = ""  # a console script of a requirement, when its entry point is unknown
    args: tuple[str, ...] = ()  # frozen into the PEX
    modules: tuple[str, ...] = ()  # modules it loads by name (first-party: explicit deps)
    configs: tuple[str, ...] = ()  # upstream paths of the config files it reads
    image_args: tuple[str, ...] = ()  # what the image adds (listen address, config)
    requirement: str = ""  # the distribution providing the server, if it is one


@dataclass(frozen=True)
class DockerfileHints:
    path: str
    base: str = ""  # the final stage's FROM
    command: tuple[str, ...] = ()  # ENTRYPOINT + CMD of the final stage
    command_origin: str = ""
    ports: tuple[int, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    workdir: str = ""
    user: str = ""


@dataclass
class DeployPlan:
    binaries: list[Binary] = field(default_factory=list)
    configs: dict[str, str] = field(default_factory=dict)  # upstream path -> house path
    dockerfiles: list[DockerfileHints] = field(default_factory=list)
    not_copied: list[str] = field(default_factory=list)  # upstream deploy files left out
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Optional[Binary]:
        """The binary the image runs: `web`, else the only or first process."""
        named = {b.name: b for b in self.binaries}
        if "web" in named:
            return named["web"]
        return self.binaries[0] if self.binaries else None

    @property
    def requirements(self) -> dict[str, str]:
        """Servers' distributions -> the process running them (upstream may name gunicorn only
        in its Procfile or Dockerfile, and install it there)."""
        return {b.requirement: b.origin for b in self.binaries if b.requirement}


class DeployError(Exception):
    """A deployment file that cannot be read (the message says which and why)."""


# --- reading --------------------------------------------------------------------------------


def read_procfile(text: str, origin: str = "Procfile") -> list[Process]:
    processes = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not re.match(r"^[A-Za-z0-9_-]+$", name.strip()):
            raise DeployError(
                f"{origin}:{number}: expected `TYPE: COMMAND` (e.g. `web: gunicorn app:app`), "
                f"got {raw!r}"
            )
        processes.append(Process(name.strip(), f"{origin}:{number}", tuple(_split(command))))
    return processes


def read_dockerfile(text: str, path: str = "Dockerfile") -> DockerfileHints:
    """The final stage's FROM, ENTRYPOINT/CMD, EXPOSE, ENV, WORKDIR and USER."""
    instructions = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        instructions.append(pending + line)
        pending = ""
    if pending:
        instructions.append(pending)
    base, workdir, user = "", "", ""
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    ports: list[int] = []
    env: dict[str, str] = {}
    for instruction in instructions:
        keyword, _, rest = instruction.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            # A new stage: only the final one describes the image that runs.
            words = [w for w in rest.split() if not w.startswith("--")]
            base, entrypoint, cmd, workdir, user = (words[0] if words else ""), (), (), "", ""
            ports, env = [], {}
        elif keyword == "ENTRYPOINT":
            entrypoint = _exec_form(rest)
        elif keyword == "CMD":
            cmd = _exec_form(rest)
        elif keyword == "EXPOSE":
            for word in rest.split():
                port = word.split("/")[0]
                if port.isdigit():
                    ports.append(int(port))
        elif keyword == "ENV":
            env.update(_env_pairs(rest))
        elif keyword == "WORKDIR":
            workdir = rest
        elif keyword == "USER":
            user = rest
    command = tuple(entrypoint) + tuple(cmd)
    origin = " + ".join(k for k, v in (("ENTRYPOINT", entrypoint), ("CMD", cmd)) if v)
    return DockerfileHints(
        path, base, command, origin, tuple(ports), tuple(sorted(env.items())), workdir, user
    )


def _exec_form(text: str) -> tuple[str, ...]:
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return tuple(_split(text))
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    return tuple(_split(text))


def _env_pairs(text: str) -> dict[str, str]:
    words = _split(text)
    if words and "=" not in words[0]:  # legacy `ENV KEY value with spaces`
        return {words[0]: " ".join(words[1:])}
    return dict(w.split("=", 1) for w in words if "=" in w)


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def plan_deploy(
    root: Path,
    files: Sequence[str],
    scripts: Mapping[str, str],
    read: Optional[Callable[[str], str]] = None,
) -> DeployPlan:
    """What runs the service: processes, config files, Dockerfile hints (nothing written)."""
    read = read or (lambda p: (root / p).read_text(encoding="utf-8", errors="replace"))
    present = set(files)
    plan = DeployPlan()
    for path in sorted(files):
        if CONTAINER_BUILD.search(path):
            if "/" not in path:
                plan.dockerfiles.append(read_dockerfile(read(path), path))
            plan.not_copied.append(f"{path} (read for hints, never built)")
        elif "/" not in path and DEPLOY_DESCRIPTORS.match(path):
            what = "superseded by the pex_binary targets" if path == "Procfile" else "not used"
            plan.not_copied.append(f"{path} ({what})")

    processes: list[Process] = []
    if "Procfile" in present:
        processes = read_procfile(read("Procfile"))
    docker = next((d for d in plan.dockerfiles if d.path == "Dockerfile"), None) or next(
        iter(plan.dockerfiles), None
    )
    if not processes and docker and docker.command:
        processes = [Process("app", f"{docker.path} {docker.command_origin}", docker.command)]

    binaries = []
    for process in processes:
        binary = _binary(process, scripts, present, read, plan.notes)
        if binary:
            binaries.append(_without_env_references(binary, plan.notes))
    made = {b.entry_point for b in binaries}
    for script, target in sorted(scripts.items()):
        if target not in made:
            binaries.append(
                Binary(_target_name(script), "console script", f"{script} = {target}", target)
            )
    if "gunicorn.conf.py" in present:  # gunicorn reads it from the working directory anyway
        binaries = [
            (
                _replace(
                    b,
                    configs=("gunicorn.conf.py",),
                    image_args=("--config", "gunicorn.conf.py", *b.image_args),
                )
                if b.requirement == "gunicorn" and not b.configs
                else b
            )
            for b in binaries
        ]
    plan.binaries = _unique_names(binaries)
    if not plan.binaries:
        elsewhere = [n.split(" (")[0] for n in plan.not_copied if not CONTAINER_BUILD.search(n)]
        plan.notes.append(
            "no process to run (no Procfile, Dockerfile ENTRYPOINT/CMD or console script): no "
            "pex_binary or oci_image made"
            + (f"; {', '.join(elsewhere)} deploys it outside Pantry" if elsewhere else "")
        )

    referenced = {c for b in plan.binaries for c in b.configs}
    well_known = {p for p in WELL_KNOWN_CONFIGS if p in present}
    for path in sorted(referenced | well_known):
        plan.configs[path] = f"{DEPLOY_DIR}/{path}"
    return plan


def place_deploy_files(layout: Layout, plan: DeployPlan) -> None:
    """Put the config files in deploy/ (not src/, where a flat layout would make them modules)."""
    for upstream, house in plan.configs.items():
        layout.moves[upstream] = house
        if upstream in layout.dropped:
            layout.dropped.remove(upstream)


def _binary(
    process: Process,
    scripts: Mapping[str, str],
    present: set[str],
    read: Callable[[str], str],
    notes: list[str],
) -> Optional[Binary]:
    argv = list(process.argv)
    while argv and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]) or argv[0] == "exec"):
        argv.pop(0)  # `ENV=value cmd`, `exec cmd`
    command = " ".join(process.argv)
    if not argv:
        notes.append(f"{process.origin}: empty command; no pex_binary made")
        return None
    if argv[0] in SHELLS and len(argv) >= 3 and argv[1] == "-c":
        argv = _split(argv[2])
    elif argv[0] in present and not argv[0].endswith(".py"):
        followed = _script_command(read(argv[0]))
        if not followed:
            notes.append(
                f"{process.origin}: `{command}` runs the shell script {argv[0]}, which has no "
                "`exec` line to follow; no pex_binary made (the image has no shell): write one "
                "in BUILD by hand"
            )
            return None
        notes.append(f"{process.origin}: followed {argv[0]} to `{' '.join(followed)}`")
        argv = followed
    name = _target_name(process.name)
    program, rest = PurePosixPath(argv[0]).name, argv[1:]
    base = Binary(name, process.origin, command)
    if INTERPRETERS.match(argv[0]):
        if len(rest) >= 2 and rest[0] == "-m":
            return _replace(base, entry_point=rest[1], args=tuple(rest[2:]))
        if rest and rest[0].endswith(".py"):
            module = _module_of(rest[0])
            return _replace(base, entry_point=module, args=tuple(rest[1:]), modules=(module,))
        notes.append(f"{process.origin}: `{command}` starts no module or script; no pex_binary")
        return None
    if program in scripts:
        return _replace(base, entry_point=scripts[program], args=tuple(rest))
    server = SERVERS.get(program)
    if server is None:
        notes.append(
            f"{process.origin}: `{program}` is run as a console script of a requirement; "
            f"add the requirement that provides it to {name}'s dependencies if it is not "
            "imported by the code"
        )
        return _replace(base, script=program, args=tuple(rest))
    args, modules, configs, config_args = [], [], [], []
    i = 0
    while i < len(rest):
        word = rest[i]
        option, eq, inline = word.partition("=")
        takes_value = option in VALUE_OPTIONS and option.startswith("-")
        value = inline if eq else (rest[i + 1] if takes_value and i + 1 < len(rest) else "")
        step = 1 if eq or not takes_value else 2
        if option in server.listen_options:
            pass  # the image sets where to listen; `./pants run` uses the local default
        elif option in CONFIG_OPTIONS and value and not value.startswith("python:"):
            # A file read by a path relative to upstream's root: the image passes it, from
            # its working directory; `./pants run` runs from the repository root without it.
            path = str(PurePosixPath(value[len("file:") :] if value.startswith("file:") else value))
            if path in present:
                configs.append(path)
                config_args += [option, path]
            else:
                notes.append(f"{process.origin}: {option} {value}: no such file upstream; left out")
        elif option in CONFIG_OPTIONS and value:
            args += rest[i : i + step]
            modules.append(value[len("python:") :])
        elif option in server.module_options and value:
            args += rest[i : i + step]
            modules.append(value.rsplit(".", 1)[0])
        elif not word.startswith("-") and ":" in word:
            args.append(word)
            modules.append(word.split(":", 1)[0])
        else:
            args += rest[i : i + step]
        i += step
    return _replace(
        base,
        entry_point=server.entry_point,
        args=tuple(args),
        modules=tuple(modules),
        configs=tuple(configs),
        image_args=tuple(config_args) + server.listen_args,
        requirement=server.requirement,
    )


def _without_env_references(binary: Binary, notes: list[str]) -> Binary:
    """Arguments that name the environment (`--port $PORT`) cannot be frozen into a PEX, and
    the image runs no shell to expand them: `$PORT` moves to the image's arguments with the
    image's port; any other reference is left out, and said so."""
    frozen: list[str] = []
    image: list[str] = []
    for word in binary.args:
        if "$" not in word:
            frozen.append(word)
            continue
        option = [frozen.pop()] if frozen and frozen[-1].startswith("-") else []
        if re.fullmatch(r"[^$]*(\$PORT|\$\{PORT\})[^$]*", word):
            image += option + [re.sub(r"\$\{?PORT\}?", "{port}", word)]
        else:
            notes.append(
                f"{binary.origin}: `{' '.join(option + [word])}` names the environment; left out "
                f"of {binary.name} (no shell expands it): add it to the oci_image's `cmd` by hand"
            )
    if len(frozen) == len(binary.args):
        return binary
    return _replace(binary, args=tuple(frozen), image_args=binary.image_args + tuple(image))


def _script_command(text: str) -> list[str]:
    """The command of a start script's last `exec` line (or its last line)."""
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("#", "set ", "export ", "cd "))
    ]
    execs = [line for line in lines if line.startswith("exec ")]
    if not execs:
        return []
    words = _split(execs[-1])[1:]
    if any("$" in w and not re.search(r"\$\{?PORT\}?", w) for w in words):
        return []
    return words


def _replace(binary: Binary, **changes: object) -> Binary:
    return Binary(**{**binary.__dict__, **changes})


def _module_of(path: str) -> str:
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _target_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name) or "app"


def _unique_names(binaries: list[Binary]) -> list[Binary]:
    taken = {"image", "dist", "tests", "test_utils", "config", "fixtures", "data", "infra"}
    unique = []
    for binary in binaries:
        name = binary.name
        while name in taken:
            name = f"{name}-bin"
        taken.add(name)
        unique.append(_replace(binary, name=name))
    return unique


# --- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    root_targets: tuple[str, ...]  # appended to the project's root BUILD
    builds: Mapping[str, str]  # other BUILD files (deploy/BUILD), relative to the project
    report: tuple[str, ...]  # summary lines


def render_deploy(
    plan: DeployPlan,
    project: str,
    house_file_of_module: Callable[[str], Optional[str]],
    repository: str,
) -> Rendered:
    """BUILD targets for the plan. `house_file_of_module("pkg.app")` is the project-relative
    house path of a first-party module (`src/pkg/app.py`), None for a third-party one."""
    targets: list[str] = []
    report: list[str] = []
    config_target = f"{project}/{DEPLOY_DIR}:config"
    for binary in plan.binaries:
        deps = []
        for module in binary.modules:
            house = house_file_of_module(module)
            if house:
                deps.append(f"{project}/{house}")
        if binary.configs:
            deps.append(config_target)
        fields = [f'name="{binary.name}"']
        entry_point = binary.entry_point
        if entry_point and ":" not in entry_point:
            # `python -m pkg` runs pkg/__main__.py, which inference from `pkg` would not add.
            house = house_file_of_module(entry_point) or ""
            if house.endswith("/__init__.py") and house_file_of_module(f"{entry_point}.__main__"):
                entry_point = f"{entry_point}.__main__"
        if entry_point:
            fields.append(f'entry_point="{entry_point}"')
        else:
            fields.append(f'script="{binary.script}"')
        if binary.args:
            fields.append(f"args={_list(binary.args)}")
        if deps:
            fields.append(f"dependencies={_list(sorted(set(deps)))}")
        comment = f"# {binary.origin}: {binary.command}\n"
        if binary.modules and any(not house_file_of_module(m) for m in binary.modules):
            third = [m for m in binary.modules if not house_file_of_module(m)]
            comment += f"# Loaded by name from requirements: {', '.join(third)}.\n"
        targets.append(comment + _call("pex_binary", fields))
        report.append(
            f"  deploy: {binary.origin} `{binary.command}` -> {project}:{binary.name} (pex_binary)"
        )
    primary = plan.primary
    if primary:
        targets.append(_image(plan, primary, project, repository))
        report.append(
            f"  image: ./pants package {project}:image (oci_image of :{primary.name} on "
            f"{BASE_IMAGE})"
        )
        others = [b.name for b in plan.binaries if b is not primary]
        if others:
            report.append(
                f"  note: only :{primary.name} has an image; for {', '.join(others)} copy the "
                "oci_image target with another `binary`"
            )
    for hints in plan.dockerfiles:
        report.append(f"  {hints.path}: {_describe(hints)}")
    if plan.not_copied:
        report.append(f"  deploy files not copied: {', '.join(plan.not_copied)}")
    report += [f"  note: {note}" for note in plan.notes]
    builds = {}
    if plan.configs:
        names = sorted(str(PurePosixPath(h).relative_to(DEPLOY_DIR)) for h in plan.configs.values())
        builds[f"{DEPLOY_DIR}/BUILD"] = (
            "# The service's config files, read by path at run time (not modules of the\n"
            "# project): in the PEX and the image at the PEX's root, where the image's\n"
            "# working directory is.\n"
            + _call("resources", ['name="config"', f"sources={_list(names)}"])
        )
        report.append(
            "  config files (kept as files, not modules): "
            + ", ".join(f"{u} -> {project}/{h}" for u, h in sorted(plan.configs.items()))
        )
    return Rendered(tuple(targets), builds, tuple(report))


def _image(plan: DeployPlan, binary: Binary, project: str, repository: str) -> str:
    docker = plan.dockerfiles[0] if plan.dockerfiles else None
    ports = list(docker.ports) if docker and docker.ports else []
    listens = any("{port}" in a for a in binary.image_args)
    if listens and not ports:
        ports = [DEFAULT_PORT]
    port = ports[0] if ports else DEFAULT_PORT
    cmd = [a.replace("{port}", str(port)) for a in binary.image_args]
    env = {"PORT": str(port)} if listens else {}
    for key, value in docker.env if docker else ():
        if _portable(key, value):
            env.setdefault(key, value)
    fields = [
        'name="image"',
        f'base="{BASE_IMAGE}"',
        f'binary=":{binary.name}"',
    ]
    comment = f"# ./pants package {project}:image  ->  an OCI image layout under dist/\n"
    if binary.configs:
        comment += (
            f"# Runs in the PEX's root, where {project}/{DEPLOY_DIR}/ lands, so the config is\n"
            "# read by the same relative path as upstream.\n"
        )
        fields.append(f'workdir="/app/{binary.name}.pex"')
    if cmd:
        fields.append(f"cmd={_list(cmd)}")
    if env:
        fields.append("env={" + ", ".join(f'"{k}": {_quote(v)}' for k, v in env.items()) + "}")
    if ports:
        fields.append(f"ports=[{', '.join(str(p) for p in ports)}]")
    fields.append(f'repository="{repository}"')
    return comment + _call("oci_image", fields)


def _portable(key: str, value: str) -> bool:
    """An ENV that means the same in our image: no paths or references to upstream's image."""
    return key not in ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "PORT") and not re.search(
        r"[/$]", value
    )


def _describe(hints: DockerfileHints) -> str:
    parts = []
    if hints.base:
        parts.append(f"FROM {hints.base} (the image uses the house base instead)")
    if hints.command:
        parts.append(f"{hints.command_origin} {' '.join(hints.command)}")
    if hints.ports:
        parts.append(f"EXPOSE {' '.join(str(p) for p in hints.ports)} (kept)")
    if hints.env:
        kept = [k for k, v in hints.env if _portable(k, v)]
        dropped = [k for k, v in hints.env if not _portable(k, v)]
        text = f"ENV {', '.join(kept) or 'none'} kept"
        if dropped:
            text += f"; {', '.join(dropped)} not (paths of upstream's image)"
        parts.append(text)
    return "; ".join(parts) or "nothing to read"


def _list(items: Iterable[str]) -> str:
    quoted = [_quote(item) for item in items]
    one_line = "[" + ", ".join(quoted) + "]"
    if len(one_line) <= 80:
        return one_line
    return "[\n" + "".join(f"    {q},\n" for q in quoted) + "]"


def _quote(text: str) -> str:
    return json.dumps(text)
