"""Payloads and signatures as the Standard Webhooks specification defines them.

Specification: https://www.standardwebhooks.com/ (signature scheme `v1`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """Generate an endpoint secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Compute the `webhook-signature` value for one message.

    The HMAC-SHA256 covers `msg_id.timestamp.body`, with the body bytes exactly as
    sent. The key is the base64-decoded part of the secret after `whsec_`.
    """
    key = _secret_key(secret)
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()

    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Build the request headers that identify and sign one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def payload_bytes(event_type: str, timestamp_iso: str, data: dict[str, Any]) -> bytes:
    """Serialize the documented payload: `event_type`, `timestamp` and `data`.

    The output is compact JSON with the keys inside `data` sorted, so the same
    event gives the same bytes on every attempt. Raises ValueError for NaN or
    infinite numbers, which JSON cannot carry.
    """
    payload = {
        "event_type": event_type,
        "timestamp": timestamp_iso,
        "data": _with_sorted_keys(data),
    }
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)

    return text.encode()


def _secret_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("Invalid webhook secret: expected the prefix whsec_.")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def _with_sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _with_sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_with_sorted_keys(item) for item in value]
    return value
