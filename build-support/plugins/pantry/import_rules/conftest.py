"""A tiny monorepo that exercises every import form, a BUILD edge and a Terraform edge.

`fixture_repo` writes it under `tmp_path` together with the repository's real rules
file, and returns the root and the checker request for it. The violations it holds are
pinned in `checker/check_test.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pytest

RULES_FILE = Path(__file__).resolve().parents[3] / "import-rules.toml"

FILES: Mapping[str, str] = {
    # services/index: the importer of most forms.
    "services/index/BUILD": (
        'python_sources(name="lib")\n'
        "python_tests(\n"
        '    name="tests",\n'
        '    dependencies=["//services/stats/src/stats:lib", "!services/stats:ignored"],\n'
        ")\n"
    ),
    "services/index/src/index/__init__.py": "",
    "services/index/src/index/storage.py": "class Store: ...\n",
    "services/index/src/index/app.py": (
        '"""Every import form; stats is another service, so rule 1 forbids it."""\n'  # 1
        "from __future__ import annotations\n"  # 2
        "\n"  # 3
        "import importlib\n"  # 4
        "from typing import TYPE_CHECKING\n"  # 5
        "\n"  # 6
        "import requests\n"  # 7  third-party: ignored
        "import stats.parse\n"  # 8  import a.b
        "import stats.models as m\n"  # 9  aliased
        "from stats import parse as p\n"  # 10 from a import b, aliased
        "from stats.parse import (\n"  # 11 parenthesised multi-line
        "    Parser,\n"
        "    parse_line,\n"
        ")\n"
        "from flags import core\n"  # 15 internal lib: allowed for a service
        "from names import norm\n"  # 16 shared lib: allowed
        "from vendored import patch\n"  # 17 external: allowed
        "from . import storage\n"  # 18 relative, same project
        "from .storage import Store\n"  # 19
        "\n"  # 20
        "if TYPE_CHECKING:\n"  # 21
        "    from stats.models import Model\n"  # 22 under TYPE_CHECKING
        "\n"  # 23
        "\n"  # 24
        "def handler():\n"  # 25
        "    import stats\n"  # 26 inside a function
        '    return importlib.import_module("stats.parse")\n'  # 27 dynamic
        "\n"  # 28
        "\n"  # 29
        'legacy = __import__("stats.models")\n'  # 30 dynamic
    ),
    "services/index/tests/conftest.py": "import pytest\n",
    "services/index/tests/test_app.py": (
        "import conftest\n"  # own conftest, not stats': allowed
        "import index.app\n"  # itself: allowed
        "from stats import parse\n"  # 3 rule 1, from a loose module
    ),
    "services/index/infra/main.tf": (
        'module "own" {\n'
        '  source = "./modules/queue"\n'  # itself: allowed
        "}\n"
        "\n"
        'module "stats_db" {\n'
        "  # Another service's infra: only the top-level infra/ may use it.\n"
        '  source = "../../stats/infra"\n'  # 7 rule 6
        "}\n"
    ),
    # services/stats: imported; its own imports are context only ("check": false).
    "services/stats/src/stats/__init__.py": "",
    "services/stats/src/stats/parse.py": "import index.app  # not checked\nclass Parser: ...\n",
    "services/stats/src/stats/models.py": "class Model: ...\n",
    "services/stats/tests/conftest.py": "",
    "services/stats/infra/main.tf": (
        'module "dns" {\n'
        '  source = "../../../infra/modules/dns"\n'  # 2 rule 2
        "}\n"
    ),
    # Libraries.
    "libs/internal/flags/src/flags/__init__.py": "",
    "libs/internal/flags/src/flags/core.py": "from names import norm\n",  # shared: allowed
    "libs/shared/names/BUILD": (
        "python_sources(\n"
        '    dependencies=["libs/internal/flags/src/flags"],\n'  # 2 rule 5
        ")\n"
    ),
    "libs/shared/names/src/names/__init__.py": "",
    "libs/shared/names/src/names/norm.py": (
        "from typing import TYPE_CHECKING\n"
        "\n"
        "if TYPE_CHECKING:\n"
        "    from flags.core import Flag\n"  # 4 rule 5
    ),
    "external/vendored/__init__.py": "",
    "external/vendored/patch.py": "",
    # Plugins are in no tree, but still may not import a service.
    "build-support/plugins/toolbox/__init__.py": "",
    "build-support/plugins/toolbox/peek.py": "from index import app\n",  # 1 rule 1
    # A pure plugin module may not import Pants (rule engine-free); glue and tests may.
    "build-support/plugins/pantry/__init__.py": "",
    "build-support/plugins/pantry/toy/__init__.py": "",
    "build-support/plugins/pantry/toy/logic.py": (
        "import json\n"
        "\n"
        "\n"
        "def digest():\n"
        "    from pants.engine.fs import Digest\n"  # 5 rule engine-free, inside a function
    ),
    "build-support/plugins/pantry/toy/rules.py": (
        "from pantry.toy import logic\nfrom pants.engine.rules import rule\n"  # glue: allowed
    ),
    "build-support/plugins/pantry/toy/logic_test.py": "from pants.testutil import rule_runner\n",
    # Top-level infra: composes services' infra.
    "infra/main.tf": (
        'module "index" {\n'
        '  source = "../services/index/infra"\n'  # rule 6 allows infra/
        "}\n"
        'module "dns" {\n'
        '  source = "./modules/dns"\n'  # itself
        "}\n"
        'module "vpc" {\n'
        '  source  = "terraform-aws-modules/vpc/aws"\n'  # registry: ignored
        '  version = "5.0.0"\n'
        "}\n"
        'module "stats" {\n'
        '  source = "git::https://example.com/stats.git//infra"\n'  # remote: ignored
        "}\n"
    ),
}

SOURCE_ROOTS = (
    "services/index/src",
    "services/index/tests",
    "services/stats/src",
    "services/stats/tests",
    "libs/internal/flags/src",
    "libs/shared/names/src",
    "external",
    "build-support/plugins",
)

UNCHECKED = frozenset({"services/stats/src/stats/parse.py"})


@dataclass(frozen=True)
class FixtureRepo:
    root: Path
    request: Mapping[str, Any]

    def write_request(self, **overrides: Any) -> Path:
        path = self.root / "request.json"
        path.write_text(json.dumps({**self.request, **overrides}, indent=2))
        return path


def source_root_of(path: str) -> str:
    return next(root for root in SOURCE_ROOTS if path.startswith(root + "/"))


@pytest.fixture
def fixture_repo(tmp_path: Path) -> FixtureRepo:
    for path, content in {
        **FILES,
        "build-support/import-rules.toml": RULES_FILE.read_text(),
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    python_files = []
    for path in sorted(FILES):
        if path.endswith(".py"):
            entry: dict[str, Any] = {"path": path, "source_root": source_root_of(path)}
            if path in UNCHECKED:
                entry["check"] = False
            python_files.append(entry)
    request = {
        "version": 1,
        "rules_file": "build-support/import-rules.toml",
        "baseline_file": "build-support/import-rules-baseline.txt",
        "python_files": python_files,
        "build_dependencies": [
            {
                "build_file": "services/index/BUILD",
                "line": 4,
                "target": "services/index:tests",
                "dependency": "//services/stats/src/stats:lib",
            },
            {
                "build_file": "services/index/BUILD",
                "line": 4,
                "target": "services/index:tests",
                "dependency": "!services/stats:ignored",
            },
            {
                "build_file": "libs/shared/names/BUILD",
                "line": None,
                "target": "libs/shared/names:names",
                "dependency": "libs/internal/flags/src/flags",
            },
        ],
        "terraform_files": sorted(path for path in FILES if path.endswith(".tf")),
    }
    return FixtureRepo(root=tmp_path, request=request)
