"""Users, their API keys and their sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
import uuid
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from smartshare import clock
from smartshare.db import Database, insert
from smartshare.errors import BadRequest, Conflict, NotFound

KEY_PREFIX = "ss_"
LOOKUP_LENGTH = 12
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _plausible_email(email: str) -> bool:
    """Return True for text with a local part, an @ and a domain, and no spaces
    or control characters."""
    local, _, domain = email.rpartition("@")
    if not local or not domain or len(email) > 254:
        return False
    return not any(c.isspace() or unicodedata.category(c) == "Cc" for c in email)


def create_user(
    db: Database, email: str, password: str | None, admin: bool = False
) -> dict[str, Any]:
    """Create a user; the first user of an install is always an admin."""
    email = email.strip()
    if not _plausible_email(email):
        raise BadRequest(f"Invalid email address {email!r}: expected name@example.com.")
    if password is not None and len(password) < 8:
        raise BadRequest("The password is too short: use at least 8 characters.")

    with db.write() as conn:
        if conn.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
            raise Conflict(f"A user with the email {email} already exists.")
        first = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
        user = {
            "id": str(uuid.uuid4()),
            "email": email,
            "password_hash": hash_password(password) if password else None,
            "is_admin": int(admin or first),
            "automation_limit": None,
            "created_at": clock.now_db(),
        }
        insert(conn, "users", user)
    return user


def user_by_email(db: Database, email: str) -> dict[str, Any]:
    user = db.one("SELECT * FROM users WHERE email = ?", (email.strip(),))
    if user is None:
        raise NotFound(
            f"No user with the email {email}; create one with `smartshare user create`."
        )
    return user


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    db: Database, user_id: str, name: str = "default"
) -> tuple[str, dict]:
    """Create an API key and return it whole; only its hash is stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = {
        "id": str(uuid.uuid4()),
        "user_id": user_id,
        "name": name.strip()[:100] or "default",
        "prefix": key[:LOOKUP_LENGTH],
        "key_hash": hash_key(key),
        "created_at": clock.now_db(),
        "last_used_at": None,
        "revoked_at": None,
    }
    with db.write() as conn:
        insert(conn, "api_keys", row)
    return key, row


def find_api_key(db: Database, key: str) -> dict[str, Any] | None:
    """Return the live key row with its user's fields, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    candidates = db.all(
        "SELECT k.id AS key_id, k.key_hash, k.last_used_at, u.* FROM api_keys k "
        "JOIN users u ON u.id = k.user_id "
        "WHERE k.prefix = ? AND k.revoked_at IS NULL",
        (key[:LOOKUP_LENGTH],),
    )
    digest = hash_key(key)
    for row in candidates:
        if hmac.compare_digest(row.pop("key_hash"), digest):
            return row
    return None


def revoke_api_key(db: Database, user_id: str, key_id: str) -> None:
    with db.write() as conn:
        changed = conn.execute(
            "UPDATE api_keys SET revoked_at = ? "
            "WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
            (clock.now_db(), key_id, user_id),
        ).rowcount
    if not changed:
        raise NotFound("API key not found or already revoked.")


def touch_api_key(db: Database, key_id: str, moment: str) -> None:
    with db.write() as conn:
        conn.execute(
            "UPDATE api_keys SET last_used_at = ? WHERE id = ?", (moment, key_id)
        )
