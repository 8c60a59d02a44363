from __future__ import annotations

from pathlib import Path

import pytest
from adopt.infra import plan_infra_layout, terraform_build_files
from adopt.layout import LayoutError
from adopt.main import main

# The shape of a Terraform-only repository (like the PyPI team's infra; written here).
REPOSITORY = [
    ".gitignore",
    "LICENSE",
    "Makefile",
    "README.md",
    "k8s/deployment.yaml",
    "terraform/.gitignore",
    "terraform/.terraform.lock.hcl",
    "terraform/main.tf",
    "terraform/dns/main.tf",
    "terraform/cdn/main.tf",
    "terraform/cdn/vcl/main.vcl",
    "terraform/cdn/vcl/Dockerfile",
]

COMMENT = (
    "# Terraform: the import-rules linter checks the local `source` of each `module`\n"
    "# block, and a change here is a change to the target (there is no Terraform\n"
    "# backend).\n"
)


def test_terraform_root_goes_to_the_top_of_the_project() -> None:
    layout = plan_infra_layout(REPOSITORY)
    assert layout.root == "terraform"
    assert layout.moves == {
        "LICENSE": "LICENSE",
        "README.md": "README.md",
        "terraform/.gitignore": ".gitignore",
        "terraform/.terraform.lock.hcl": ".terraform.lock.hcl",
        "terraform/cdn/main.tf": "cdn/main.tf",
        "terraform/cdn/vcl/main.vcl": "cdn/vcl/main.vcl",
        "terraform/dns/main.tf": "dns/main.tf",
        "terraform/main.tf": "main.tf",
    }
    assert layout.dropped == [
        ".gitignore",
        "Makefile",
        "k8s/deployment.yaml",
        "terraform/cdn/vcl/Dockerfile",
    ]
    assert layout.top_level == []
    # Older commits: by the same rule (their other tools' files and Dockerfiles stay behind).
    assert layout.historic_destination("terraform/old/main.tf") == "old/main.tf"
    assert layout.historic_destination("kubernetes/containers/x/Dockerfile") is None
    assert layout.historic_destination("terraform/x/Dockerfile") is None


def test_terraform_at_the_top() -> None:
    layout = plan_infra_layout(["main.tf", "modules/db/main.tf", "scripts/run.sh", "README"])
    assert layout.root == ""
    assert sorted(layout.moves.values()) == ["README", "main.tf", "modules/db/main.tf"]
    assert layout.dropped == ["scripts/run.sh"]


def test_a_repository_without_terraform_is_refused() -> None:
    with pytest.raises(LayoutError, match=r"no Terraform \(.tf\) files found; --as infra/NAME"):
        plan_infra_layout(["pkg/__init__.py", "README.md"])


def test_every_terraform_directory_is_owned_by_a_target() -> None:
    layout = plan_infra_layout(REPOSITORY)
    builds = terraform_build_files(sorted(layout.moves.values()), "infra/pypi", "")
    assert builds == {
        "BUILD": COMMENT + 'files(name="infra", sources=["*.tf", ".terraform.lock.hcl"])\n',
        "cdn/BUILD": COMMENT
        + 'files(name="infra", sources=["*.tf"], dependencies=["infra/pypi/cdn/vcl:data"])\n',
        "cdn/vcl/BUILD": (
            "# Files the Terraform above reads (e.g. with file()).\n"
            'files(name="data", sources=["*.vcl"])\n'
        ),
        "dns/BUILD": COMMENT + 'files(name="infra", sources=["*.tf"])\n',
    }


def test_service_infra() -> None:
    paths = ["src/svc/__init__.py", "README.md", "infra/main.tf", "infra/db/db.tf"]
    builds = terraform_build_files(paths, "services/svc", "infra")
    assert builds == {
        "infra/BUILD": COMMENT + 'files(name="infra", sources=["*.tf"])\n',
        "infra/db/BUILD": COMMENT + 'files(name="infra", sources=["*.tf"])\n',
    }
    assert terraform_build_files(["src/svc/__init__.py"], "services/svc", "infra") == {}


def test_adopt_dry_run_of_a_terraform_repository(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    source = tmp_path / "edge"
    for path in REPOSITORY:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text('module "dns" {\n  source = "./dns"\n}\n')
    assert main([str(source), "--as", "infra/edge", "--dry-run", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"would adopt edge into infra/edge (from directory {source}, terraform")
    assert "  not copied (4): .gitignore, Makefile, k8s/deployment.yaml, terraform/cdn/vcl/" in out
    assert (
        "  terraform: 3 module directories from terraform/ -> infra/edge/, each a "
        'files(name="infra") target the import rules check\n'
    ) in out
    assert out.endswith("check it: ./pants lint infra/edge::\n")


def test_adopt_as_bare_infra_says_how(tmp_path: Path, capsys) -> None:
    (tmp_path / "repo").mkdir()
    assert main([str(tmp_path), "--as", "infra", "--repo", str(tmp_path / "repo")]) == 2
    assert capsys.readouterr().err == (
        "adopt: error: --as 'infra': infra/ holds the repository's own root module; adopt a "
        "Terraform repository beside it as infra/NAME (e.g. --as infra/pypi)\n"
    )
