from __future__ import annotations

from pathlib import Path

from adopt.imports import (
    ImportSite,
    imports_of,
    is_python2_stdlib,
    module_names,
    pants_default_module_mapping,
    promote_imported,
    provider_in_lock,
    third_party,
)
from adopt.requirements import parse_requirement

SOURCE = """\
import os, json
import botocore.config
from aiobotocore.session import get_session
from . import views
from .config import settings
import yaml

def lazy():
    import simplejson
"""


def test_imports_of_absolute_imports_only() -> None:
    assert [(s.module, s.line) for s in imports_of(SOURCE, "src/svc/app.py")] == [
        ("os", 1),
        ("json", 1),
        ("botocore.config", 2),
        ("aiobotocore.session", 3),
        ("yaml", 6),
        ("simplejson", 9),
    ]
    assert imports_of("def broken(:\n", "x.py") == []


def test_third_party_leaves_out_stdlib_and_first_party() -> None:
    sites = imports_of(SOURCE, "src/svc/app.py") + [ImportSite("svc.x", "tests/t.py", 1)]
    assert sorted(third_party(sites, ["svc"])) == ["aiobotocore", "botocore", "simplejson", "yaml"]


def test_python2_standard_library_is_no_third_party_import() -> None:
    """six imports StringIO behind a version check: no distribution provides it."""
    text = "import sys\nif sys.version_info[0] == 2:\n    import StringIO\n    import urllib2.x\n"
    assert third_party(imports_of(text, "src/six.py"), ["six"]) == {}
    assert is_python2_stdlib("urllib2.request") and not is_python2_stdlib("requests")


MAPPING = {"pyyaml": ("yaml",), "sentry-sdk": ("sentry_sdk",)}


def test_module_names_from_the_mapping_or_the_name() -> None:
    assert module_names("PyYAML", MAPPING) == ("yaml",)
    assert module_names("typing-extensions", MAPPING) == ("typing_extensions",)


def test_transitive_pins_the_code_imports_are_promoted() -> None:
    imported = third_party(imports_of(SOURCE, "src/svc/app.py"), ["svc"])
    transitive = {
        "botocore": (parse_requirement("botocore==1.34.106"), "aiobotocore"),
        "jmespath": (parse_requirement("jmespath==1.0.1"), "botocore"),
        "pyyaml": (parse_requirement("PyYAML==6.0"), "-r requirements.in, awscli"),
    }
    promoted = promote_imported(imported, {"aiobotocore"}, transitive, MAPPING)
    assert [(str(p.requirement), p.module, p.via, p.kind) for p in promoted] == [
        ("botocore", "botocore", "aiobotocore", "runtime"),
        ("PyYAML", "yaml", "awscli", "runtime"),
    ]
    # A module a declared requirement provides is never promoted.
    assert (
        promote_imported(imported, {"aiobotocore", "botocore", "yaml"}, transitive, MAPPING) == []
    )


def test_provider_in_lock() -> None:
    locked = {"botocore", "pyyaml", "aiobotocore"}
    assert provider_in_lock("botocore.config", locked, MAPPING) == "botocore"
    assert provider_in_lock("yaml", locked, MAPPING) == "pyyaml"
    assert provider_in_lock("simplejson", locked, MAPPING) is None


def test_pants_default_module_mapping_is_read_from_an_installed_pants(tmp_path: Path) -> None:
    module = tmp_path / (
        "pants/abc/lib/python3.9/site-packages/pants/backend/python/dependency_inference/"
        "default_module_mapping.py"
    )
    module.parent.mkdir(parents=True)
    module.write_text('X = 1\nDEFAULT_MODULE_MAPPING = {"PyYAML": ("yaml",)}\n')
    assert pants_default_module_mapping([tmp_path / "missing", tmp_path]) == {"pyyaml": ("yaml",)}
    assert pants_default_module_mapping([tmp_path / "missing"]) == {}
