"""The CI write credential: an HS256 JSON Web Token, as BuildGrid's `method: jwt` checks it.

BuildGrid verifies the token with PyJWT (`buildgrid/server/auth/manager.py`: signature,
`exp` required, `aud` against the configured audience, `sub` matched by the ACL). This module
mints and verifies the same format with the standard library only, so `serve` can create a
credential before BuildGrid's venv exists and its unit tests need no third-party package.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass


class CredentialError(Exception):
    """A token that this server would refuse; the message says why."""


@dataclass(frozen=True)
class Claims:
    subject: str
    audience: str
    issued_at: int
    expires_at: int


def new_signing_key() -> str:
    """A random HMAC key, as the text BuildGrid reads from its `secret` file (stripped)."""
    return secrets.token_hex(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: str, signing_input: str) -> str:
    return _b64(hmac.new(key.encode(), signing_input.encode("ascii"), hashlib.sha256).digest())


def mint(key: str, claims: Claims) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(
        json.dumps(
            {
                "sub": claims.subject,
                "aud": claims.audience,
                "iat": claims.issued_at,
                "exp": claims.expires_at,
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
    )
    return f"{header}.{payload}.{_sign(key, f'{header}.{payload}')}"


def verify(token: str, key: str, audience: str, now: int) -> Claims:
    """The token's claims, if `key` signed it for `audience` and it has not expired."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise CredentialError("it is not a JSON Web Token (expected three dot-separated parts)")
    header, payload, signature = parts
    try:
        algorithm = json.loads(_unb64(header)).get("alg")
        data = json.loads(_unb64(payload))
    except (ValueError, AttributeError):
        raise CredentialError("its header or payload is not base64url-encoded JSON") from None
    if algorithm != "HS256":
        raise CredentialError(f"it is signed with {algorithm!r}, not HS256")
    if not hmac.compare_digest(_sign(key, f"{header}.{payload}"), signature):
        raise CredentialError("its signature does not match this server's signing key")
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
        raise CredentialError("it has no integer `exp` (expiry) claim")
    claims = Claims(
        subject=str(data.get("sub", "")),
        audience=str(data.get("aud", "")),
        issued_at=int(data.get("iat", 0)),
        expires_at=data["exp"],
    )
    if claims.audience != audience:
        raise CredentialError(f"its audience is {claims.audience!r}, not {audience!r}")
    if claims.expires_at <= now:
        raise CredentialError("it has expired")
    return claims
