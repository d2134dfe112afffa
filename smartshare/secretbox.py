"""Encryption at rest for Instagram tokens and webhook secrets.

The key is derived from server.secret_key with HKDF, so losing the secret key
makes stored tokens unreadable (accounts then need reconnecting).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "enc1:"


class SecretUnreadable(Exception):
    """A stored secret that the current server.secret_key cannot decrypt."""


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"smartshare-at-rest",
        info=b"tokens-and-webhook-secrets",
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret_key: str, plaintext: str) -> str:
    return PREFIX + _fernet(secret_key).encrypt(plaintext.encode()).decode()


def decrypt(secret_key: str, stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("The stored value is not in the encrypted format.")
    try:
        return _fernet(secret_key).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted; server.secret_key has changed."
        ) from None
