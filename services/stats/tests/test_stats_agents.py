from __future__ import annotations

import pytest
from stats.agents import installer, is_bot

PIP_UA = (
    'pip/23.1.2 {"ci":null,"cpu":"x86_64","distro":{"name":"Ubuntu","version":"22.04"},'
    '"implementation":{"name":"CPython","version":"3.11.7"},'
    '"installer":{"name":"pip","version":"23.1.2"},'
    '"python":"3.11.7","system":{"name":"Linux","release":"6.5.0"}}'
)
UV_UA = 'uv/0.4.18 {"installer":{"name":"uv","version":"0.4.18"},"python":"3.12.6"}'


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        (PIP_UA, "pip"),
        (UV_UA, "uv"),
        ("uv/0.1.0", "uv"),
        ("pip/9.0.1", "pip"),
        ("twine/4.0.2 pkginfo/1.9.6 requests/2.31.0 CPython/3.11.7", "twine"),
        ('pdm/2.12 {"installer":{"name":"PDM","version":"2.12"}}', "pdm"),
        (
            'custom/1.0 {"installer":{"name":"Bazel-Rules","version":"7"}}',
            "bazel-rules",
        ),
        ("poetry/1.8.2", "poetry"),
        ("python-requests/2.31.0", "requests"),
        ("Python-urllib/3.11", "urllib"),
        ("curl/8.5.0", "curl"),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", "other"),
        ('pip/24.0 {"installer": "not an object"}', "pip"),
        ('pip/24.0 {"installer":{"name":"has spaces and / slashes"}}', "pip"),
        ("pip/24.0 {broken json", "pip"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_installer(user_agent: str | None, expected: str) -> None:
    assert installer(user_agent) == expected


@pytest.mark.parametrize(
    "user_agent, expected",
    [
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            True,
        ),
        ("Mozilla/5.0 (compatible; bingbot/2.0)", True),
        ("SomeCrawler/1.0", True),
        (PIP_UA, False),
        ("robotframework-pip/1.0", False),
        (None, False),
    ],
)
def test_is_bot(user_agent: str | None, expected: bool) -> None:
    assert is_bot(user_agent) is expected
