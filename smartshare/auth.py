"""Authentication: Bearer API keys for the API, session cookies for the dashboard."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from litestar import Request

from smartshare import clock, users
from smartshare.db import Database, insert
from smartshare.errors import TooManyRequests, Unauthorized

SESSION_COOKIE = "smartshare_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_DAYS = 14
KEY_TOUCH_SECONDS = 60

# last_used_at is written off the request path, at most once a minute per key,
# so that reads never wait for the write lock.
_touch_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="key-touch")
_touch_pending: dict[str, float] = {}


def api_user(request: Request) -> dict[str, Any]:
    """Return the user behind the request's API key, or its session with CSRF token."""
    state = request.app.state
    header = request.headers.get("authorization", "")
    if header:
        user = _user_from_bearer(state.db, header)
    else:
        user = _user_from_session(state.db, request, require_csrf=True)
    limit = state.api_limiter.hit(user["id"])
    if limit is not None:
        raise TooManyRequests(
            f"Too many API requests; retry in {limit} seconds.", retry_after=limit
        )
    return user


def _user_from_bearer(db: Database, header: str) -> dict[str, Any]:
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "Invalid Authorization header: expected 'Authorization: Bearer <API key>'."
        )
    row = users.find_api_key(db, key.strip())
    if row is None:
        raise Unauthorized(
            "Invalid or revoked API key; create a new key in Settings or with "
            "`smartshare apikey create`."
        )
    _touch_later(db, row)
    return row


def _touch_later(db: Database, row: dict[str, Any]) -> None:
    moment = clock.now()
    last = row["last_used_at"]
    if last and (moment - clock.parse(last)).total_seconds() < KEY_TOUCH_SECONDS:
        return
    pending = _touch_pending.get(row["key_id"])
    if pending and moment.timestamp() - pending < KEY_TOUCH_SECONDS:
        return
    _touch_pending[row["key_id"]] = moment.timestamp()
    _touch_pool.submit(users.touch_api_key, db, row["key_id"], clock.to_db(moment))


def _user_from_session(
    db: Database, request: Request, require_csrf: bool
) -> dict[str, Any]:
    session = find_session(db, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <API key>'.")
    if require_csrf:
        token = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(token.encode(), session["csrf_token"].encode()):
            raise Unauthorized(
                f"A session cookie needs the {CSRF_HEADER} header; "
                "API clients should send a Bearer API key instead."
            )
    return session


def _session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(db: Database, user_id: str) -> tuple[str, str]:
    """Create a session and return (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    moment = clock.now()
    row = {
        "id": _session_hash(token),
        "user_id": user_id,
        "csrf_token": csrf,
        "created_at": clock.to_db(moment),
        "expires_at": clock.to_db(moment + timedelta(days=SESSION_DAYS)),
    }
    with db.write() as conn:
        insert(conn, "sessions", row)
    return token, csrf


def find_session(db: Database, token: str | None) -> dict[str, Any] | None:
    """Return the session's user fields plus `csrf_token`, or None."""
    if not token or len(token) > 200:
        return None
    return db.one(
        "SELECT u.*, s.csrf_token, s.id AS session_id FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?",
        (_session_hash(token), clock.now_db()),
    )


def delete_session(db: Database, token: str | None) -> None:
    if not token:
        return
    with db.write() as conn:
        conn.execute("DELETE FROM sessions WHERE id = ?", (_session_hash(token),))
