"""Connected Instagram accounts: real ones and sandbox ones."""

from __future__ import annotations

import re
import uuid
from typing import Any

from smartshare import clock
from smartshare.db import Database, insert
from smartshare.errors import BadRequest, Conflict

USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
CONNECT_HINT = (
    "Connect one in Settings, or run `smartshare account add EMAIL USERNAME --sandbox`."
)


def normalize_username(username: str) -> str:
    name = username.strip().removeprefix("@")
    if not USERNAME.match(name):
        raise BadRequest(
            f"Invalid Instagram username {username!r}: use 1 to 30 letters, digits, "
            "periods or underscores."
        )
    return name.lower()


def add_account(
    db: Database, user_id: str, username: str, kind: str, **token_fields: Any
) -> dict[str, Any]:
    """Add an account, or update the token of the same user's existing one."""
    name = normalize_username(username)
    moment = clock.now_db()
    with db.write() as conn:
        existing = conn.execute(
            "SELECT * FROM accounts WHERE user_id = ? AND username = ?",
            (user_id, name),
        ).fetchone()
        if existing is not None:
            return _reconnect(conn, dict(existing), kind, moment, token_fields)
        row = {
            "id": str(uuid.uuid4()),
            "user_id": user_id,
            "username": name,
            "kind": kind,
            "state": "connected",
            "ig_user_id": None,
            "access_token": None,
            "token_expires_at": None,
            "token_issued_at": None,
            "created_at": moment,
            "updated_at": moment,
            **token_fields,
        }
        insert(conn, "accounts", row)
    return row


def _reconnect(conn, existing, kind, moment, token_fields) -> dict[str, Any]:
    if existing["kind"] != kind:
        raise Conflict(
            f"@{existing['username']} is already connected as a {existing['kind']} "
            "account; remove it first."
        )
    changes = {"state": "connected", "updated_at": moment, **token_fields}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    conn.execute(
        f"UPDATE accounts SET {assignments} WHERE id = ?",
        (*changes.values(), existing["id"]),
    )
    return {**existing, **changes}


def find_account(db: Database, user_id: str, username: str) -> dict[str, Any] | None:
    name = username.strip().removeprefix("@").lower()
    return db.one(
        "SELECT * FROM accounts WHERE user_id = ? AND username = ?", (user_id, name)
    )


def list_accounts(db: Database, user_id: str) -> list[dict[str, Any]]:
    return db.all(
        "SELECT * FROM accounts WHERE user_id = ? ORDER BY username", (user_id,)
    )


def to_api(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": account["id"],
        "username": account["username"],
        "kind": account["kind"],
        "state": account["state"],
        "token_expires_at": clock.to_api(account["token_expires_at"]),
    }
