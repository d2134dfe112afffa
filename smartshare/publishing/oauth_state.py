"""The signed `state` of the Instagram authorization flow.

The state binds the flow to the dashboard user who started it and expires
after STATE_SECONDS. It is an HMAC-SHA256 of the user id, the expiry and a
nonce, keyed with server.secret_key, so it needs no storage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from smartshare import clock

STATE_SECONDS = 900
PURPOSE = b"smartshare instagram oauth state\0"


class InvalidState(Exception):
    """A state that was altered, expired or issued to another user."""


def sign_state(secret_key: str, user_id: str, moment: datetime | None = None) -> str:
    expires = int((moment or clock.now()).timestamp()) + STATE_SECONDS
    payload = f"{user_id}:{expires}:{secrets.token_urlsafe(12)}"
    encoded = _encode(payload.encode())
    return f"{encoded}.{_signature(secret_key, encoded)}"


def verify_state(
    secret_key: str, state: str, user_id: str, moment: datetime | None = None
) -> None:
    """Raise InvalidState unless `state` was signed for `user_id` and is current."""
    encoded, _, signature = state.partition(".")
    expected = _signature(secret_key, encoded)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidState("the state parameter is invalid")

    signed_user, expires, _ = _decode(encoded).split(":", 2)
    if int(expires) < (moment or clock.now()).timestamp():
        raise InvalidState("the authorization took too long and its state expired")
    if not hmac.compare_digest(signed_user.encode(), user_id.encode()):
        raise InvalidState("the authorization was started by another user")


def _signature(secret_key: str, encoded: str) -> str:
    digest = hmac.new(
        secret_key.encode(), PURPOSE + encoded.encode(), hashlib.sha256
    ).digest()
    return _encode(digest)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(encoded: str) -> str:
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
