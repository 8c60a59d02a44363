from __future__ import annotations

from pathlib import Path

from adopt.imports import (
    ImportSite,
    Provider,
    imports_of,
    is_python2_stdlib,
    module_names,
    namespace_module,
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
    assert provider_in_lock("botocore.config", locked, MAPPING) == Provider(
        "botocore", "botocore", False
    )
    assert provider_in_lock("yaml", locked, MAPPING) == Provider("pyyaml", "yaml", False)
    assert provider_in_lock("simplejson", locked, MAPPING) is None


# Pants' default mapping knows google-cloud-* (dotted), not google-api-core.
GOOGLE = {
    "google-cloud-bigquery": ("google.cloud.bigquery",),
    "google-cloud-storage": ("google.cloud.storage",),
    "protobuf": ("google.protobuf",),
}
LINEHAUL = """\
from google.cloud import bigquery, storage
from google.api_core import exceptions
from google.api_core.retry import Retry
"""


def test_namespace_packages_are_matched_by_module_path_not_top_level_name() -> None:
    # linehaul: google.api_core is not provided by google-cloud-bigquery although both are
    # `google`; upstream gets google-api-core transitively.
    imported = third_party(imports_of(LINEHAUL, "src/linehaul/main.py"), ["linehaul"])
    provided = [m for d in ("google-cloud-bigquery", "google-cloud-storage") for m in GOOGLE[d]]
    transitive = {
        "google-api-core": (parse_requirement("google-api-core==2.19.0"), "google-cloud-bigquery"),
        "protobuf": (parse_requirement("protobuf==5.0"), "google-api-core"),
    }
    promoted = promote_imported(imported, provided, transitive, GOOGLE)
    assert [
        (str(p.requirement), p.module, p.mapped_module, [s.line for s in p.sites]) for p in promoted
    ] == [("google-api-core", "google.api_core", "google.api_core", [2, 3])]


def test_provider_in_lock_prefers_the_longest_module_path() -> None:
    locked = {"google-api-core", "google-cloud-bigquery", "protobuf"}
    assert provider_in_lock("google.api_core.retry.Retry", locked, GOOGLE) == Provider(
        "google-api-core", "google.api_core", True
    )
    assert provider_in_lock("google.cloud.bigquery", locked, GOOGLE) == Provider(
        "google-cloud-bigquery", "google.cloud.bigquery", False
    )
    assert provider_in_lock("google.protobuf.message", locked, GOOGLE) == Provider(
        "protobuf", "google.protobuf", False
    )
    assert provider_in_lock("google.auth", locked, GOOGLE) is None


def test_namespace_module() -> None:
    assert namespace_module("google-api-core") == "google.api_core"
    assert namespace_module("zope.interface") == "zope.interface"
    assert namespace_module("requests") is None


def test_from_import_names_are_candidates_as_pants_sees_them() -> None:
    (site,) = imports_of("from google.cloud import bigquery\n", "x.py")
    assert site.names == ("bigquery",)
    assert site.covered_by("google.cloud.bigquery") and site.covered_by("google")
    assert not site.covered_by("google.cloud.storage")


def test_pants_default_module_mapping_is_read_from_an_installed_pants(tmp_path: Path) -> None:
    module = tmp_path / (
        "pants/abc/lib/python3.9/site-packages/pants/backend/python/dependency_inference/"
        "default_module_mapping.py"
    )
    module.parent.mkdir(parents=True)
    module.write_text('X = 1\nDEFAULT_MODULE_MAPPING = {"PyYAML": ("yaml",)}\n')
    assert pants_default_module_mapping([tmp_path / "missing", tmp_path]) == {"pyyaml": ("yaml",)}
    assert pants_default_module_mapping([tmp_path / "missing"]) == {}
