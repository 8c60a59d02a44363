"""Classify HTTP user agents: which installer made a request, and is it a bot."""

from __future__ import annotations

import json
import re

# First product token (lowercased) -> installer name in reports.
KNOWN_INSTALLERS = {
    "pip": "pip",
    "uv": "uv",
    "twine": "twine",
    "poetry": "poetry",
    "pdm": "pdm",
    "pex": "pex",
    "setuptools": "setuptools",
    "bandersnatch": "bandersnatch",
    "python-requests": "requests",
    "python-urllib": "urllib",
    "curl": "curl",
    "wget": "wget",
}
OTHER = "other"
_BOT = re.compile(r"bot\b|crawler|spider|slurp", re.IGNORECASE)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def installer(user_agent: str | None) -> str:
    """The installer behind a user agent ("pip" for `pip/23.1.2 {...}`), or "other".

    pip, uv and other linehaul-aware tools append a JSON object whose
    `installer.name` is authoritative; otherwise the first product token decides.
    """
    if not user_agent:
        return OTHER
    product, _, rest = user_agent.strip().partition(" ")
    try:
        data = json.loads(rest) if rest.startswith("{") else None
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("installer"), dict):
        name = data["installer"].get("name")
        if isinstance(name, str) and _NAME.match(name.lower()):
            return name.lower()
    return KNOWN_INSTALLERS.get(product.partition("/")[0].lower(), OTHER)


def is_bot(user_agent: str | None) -> bool:
    """Crawlers and monitoring bots that fetch files without installing them."""
    return bool(user_agent and _BOT.search(user_agent))
