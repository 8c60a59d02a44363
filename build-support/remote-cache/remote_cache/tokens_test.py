from __future__ import annotations

import base64
import json

import pytest
from remote_cache.tokens import Claims, CredentialError, mint, new_signing_key, verify

NOW = 1_800_000_000
KEY = "k" * 64
CLAIMS = Claims(
    subject="pantry-ci", audience="pantry-remote-cache", issued_at=NOW, expires_at=NOW + 60
)


def test_a_minted_token_verifies_with_its_key_and_keeps_its_claims() -> None:
    assert verify(mint(KEY, CLAIMS), KEY, "pantry-remote-cache", NOW) == CLAIMS


def test_the_token_is_a_standard_hs256_jwt() -> None:
    header, payload, _ = mint(KEY, CLAIMS).split(".")
    pad = lambda text: text + "=" * (-len(text) % 4)  # noqa: E731
    assert json.loads(base64.urlsafe_b64decode(pad(header))) == {"alg": "HS256", "typ": "JWT"}
    assert json.loads(base64.urlsafe_b64decode(pad(payload))) == {
        "aud": "pantry-remote-cache",
        "exp": NOW + 60,
        "iat": NOW,
        "sub": "pantry-ci",
    }


def test_signing_keys_are_random_and_long() -> None:
    first, second = new_signing_key(), new_signing_key()
    assert first != second and len(first) == 64


def _swap_payload(token: str, claims: dict) -> str:
    header, _, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


@pytest.mark.parametrize(
    "token, key, audience, now, reason",
    [
        (mint(KEY, CLAIMS), "other" * 13, "pantry-remote-cache", NOW, "signature does not match"),
        (mint(KEY, CLAIMS), KEY, "pantry-remote-cache", NOW + 60, "it has expired"),
        (mint(KEY, CLAIMS), KEY, "someone-else", NOW, "its audience is 'pantry-remote-cache'"),
        ("not-a-token", KEY, "pantry-remote-cache", NOW, "not a JSON Web Token"),
        ("a.b.c", KEY, "pantry-remote-cache", NOW, "not base64url-encoded JSON"),
        (
            _swap_payload(mint(KEY, CLAIMS), {"sub": "pantry-ci", "exp": NOW + 9999}),
            KEY,
            "pantry-remote-cache",
            NOW,
            "signature does not match",
        ),
    ],
)
def test_tokens_this_server_would_refuse_are_refused_with_the_reason(
    token: str, key: str, audience: str, now: int, reason: str
) -> None:
    with pytest.raises(CredentialError, match=reason):
        verify(token, key, audience, now)
