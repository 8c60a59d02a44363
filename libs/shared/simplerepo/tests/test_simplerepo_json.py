from __future__ import annotations

import json

import pytest
from simplerepo import (
    HTML_LEGACY,
    HTML_V1,
    JSON_V1,
    DistributionFile,
    ProjectList,
    ProjectPage,
    SimpleApiError,
    json_api,
    negotiate,
)

PAGE = ProjectPage(
    "Demo_Pkg",
    (
        DistributionFile(
            "demo_pkg-1.0-py3-none-any.whl",
            "../../files/demo_pkg-1.0-py3-none-any.whl",
            {"sha256": "ab" * 32},
            ">=3.9",
            False,
            {"sha256": "cd" * 32},
        ),
        DistributionFile(
            "demo_pkg-0.9.tar.gz",
            "https://x.example/demo_pkg-0.9.tar.gz",
            {},
            None,
            "CVE-2024-0001",
            True,
        ),
        DistributionFile("demo_pkg-0.1.zip", "demo_pkg-0.1.zip", yanked=True),
    ),
)


def test_project_page_round_trip() -> None:
    assert json_api.parse_project_page(json_api.render_project_page(PAGE)) == PAGE


def test_project_page_shape_follows_pep_691() -> None:
    data = json.loads(json_api.render_project_page(PAGE))
    assert data["meta"] == {"api-version": "1.0"}
    assert data["name"] == "demo-pkg"
    assert data["files"][0] == {
        "filename": "demo_pkg-1.0-py3-none-any.whl",
        "url": "../../files/demo_pkg-1.0-py3-none-any.whl",
        "hashes": {"sha256": "ab" * 32},
        "requires-python": ">=3.9",
        "core-metadata": {"sha256": "cd" * 32},
    }
    assert data["files"][1]["yanked"] == "CVE-2024-0001"
    assert data["files"][2] == {
        "filename": "demo_pkg-0.1.zip",
        "url": "demo_pkg-0.1.zip",
        "hashes": {},
        "yanked": True,
    }


def test_project_list_round_trip() -> None:
    rendered = json_api.render_project_list(ProjectList(("b", "A")))
    assert json.loads(rendered)["projects"] == [{"name": "A"}, {"name": "b"}]
    assert json_api.parse_project_list(rendered) == ProjectList(("A", "b"))


def test_parse_accepts_pre_714_metadata_key_and_newer_minor_version() -> None:
    text = json.dumps(
        {
            "meta": {"api-version": "1.1"},
            "name": "x",
            "versions": ["1.0"],
            "files": [
                {
                    "filename": "x-1.0.tar.gz",
                    "url": "x-1.0.tar.gz",
                    "hashes": {},
                    "dist-info-metadata": True,
                    "size": 3,
                }
            ],
        }
    )
    assert json_api.parse_project_page(text).files[0].core_metadata is True


@pytest.mark.parametrize(
    "text, message",
    [
        ("nope", "project page: not valid JSON: "),
        ("[]", "project page: expected a JSON object, got list"),
        (
            '{"meta": {"api-version": "2.0"}}',
            "project page: unsupported meta.api-version '2.0'; expected 1.x",
        ),
        ('{"name": "x"}', "project page: 'meta' must be object, got None"),
        (
            '{"meta": {"api-version": "1.0"}, "name": "x"}',
            "project page: 'files' must be array, got None",
        ),
        (
            '{"meta": {"api-version": "1.0"}, "name": "x", "files": [1]}',
            "project page: files[0] must be an object, got 1",
        ),
        (
            (
                '{"meta": {"api-version": "1.0"}, "name": "x",'
                ' "files": [{"filename": "f", "url": "u", "hashes": {}, "yanked": 1}]}'
            ),
            "project page: files[0]: 'yanked' must be boolean or string, got 1",
        ),
    ],
)
def test_parse_errors_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(SimpleApiError) as exc_info:
        json_api.parse_project_page(text)
    assert str(exc_info.value).startswith(message)


def test_parse_project_list_error() -> None:
    with pytest.raises(
        SimpleApiError,
        match=r"project list: projects\[1\]: 'name' must be string, got 3",
    ):
        json_api.parse_project_list(
            '{"meta": {"api-version": "1.0"}, "projects": [{"name": "a"}, {"name": 3}]}'
        )
    with pytest.raises(SimpleApiError, match=r"^project list: projects\[0\] must be an object$"):
        json_api.parse_project_list('{"meta": {"api-version": "1.0"}, "projects": ["a"]}')


# What pip >= 22.2 sends.
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json,"
    " application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
)
OFFERED = (HTML_LEGACY, HTML_V1, JSON_V1)


@pytest.mark.parametrize(
    "accept, offered, expected",
    [
        (None, OFFERED, HTML_LEGACY),
        ("", OFFERED, HTML_LEGACY),
        (PIP_ACCEPT, OFFERED, JSON_V1),
        (PIP_ACCEPT, (HTML_LEGACY, HTML_V1), HTML_V1),
        ("application/vnd.pypi.simple.latest+json", OFFERED, JSON_V1),
        ("*/*", OFFERED, HTML_LEGACY),
        ("text/html,application/xhtml+xml,*/*;q=0.8", OFFERED, HTML_LEGACY),
        ("application/*;q=0.5, text/html;q=0.1", OFFERED, HTML_V1),
        ("*/*, text/html;q=0", OFFERED, HTML_V1),
        ("application/json", OFFERED, None),
        ("text/html;q=bogus", OFFERED, None),
        # Empty ranges are skipped; parameters other than q do not change the quality.
        (" , application/vnd.pypi.simple.v1+json; charset=utf-8,", OFFERED, JSON_V1),
    ],
)
def test_negotiate(accept: str | None, offered: tuple[str, ...], expected: str | None) -> None:
    assert negotiate(accept, offered) == expected
