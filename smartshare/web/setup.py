"""First start: a one-time link that lets the first visitor create the admin.

The token is stored only as a SHA-256 hash in the `settings` table. Creating
the first user deletes it in the same transaction, so the link works once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import users
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.errors import NotFound, SmartShareError
from smartshare.web import session
from smartshare.web.helpers import Form, form_text, go_to

logger = logging.getLogger(__name__)
SETUP_KEY = "setup_token_hash"
INVALID_LINK = (
    "This setup link is invalid or was already used. If SmartShare has no user "
    "yet, restart `smartshare serve` to print a new link, or create a user with "
    "`smartshare user create EMAIL`; otherwise log in."
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _has_users(conn) -> bool:
    return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def issue_setup_token(db: Database) -> str | None:
    """Store a new setup token while the install has no user; return it."""
    token = secrets.token_urlsafe(32)
    with db.write() as conn:
        if _has_users(conn):
            conn.execute("DELETE FROM settings WHERE key = ?", (SETUP_KEY,))
            return None
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            (SETUP_KEY, _hash(token)),
        )
    return token


def setup_token_valid(db: Database, token: str) -> bool:
    stored = db.value("SELECT value FROM settings WHERE key = ?", (SETUP_KEY,))
    if not stored or not token or len(token) > 200:
        return False
    return hmac.compare_digest(stored, _hash(token))


def create_admin(db: Database, token: str, email: str, password: str) -> dict:
    """Use the setup token up and create the first user, or change nothing."""
    with db.write() as conn:
        if _has_users(conn) or not setup_token_valid(db, token):
            raise NotFound(INVALID_LINK)
        conn.execute("DELETE FROM settings WHERE key = ?", (SETUP_KEY,))
        return users.create_user(db, email, password, admin=True)


def setup_link(settings: Settings, token: str) -> str:
    base = settings["server.public_url"]
    if not base:
        host = settings["server.host"]
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        base = f"http://{host}:{settings['server.port']}"
    return f"{base}/setup?token={token}"


def announce_setup_link(settings: Settings, db: Database) -> None:
    """Log the one-time setup link while the install has no user."""
    token = issue_setup_token(db)
    if token is not None:
        logger.warning(
            "No users yet. Open this one-time link to create the admin: %s",
            setup_link(settings, token),
        )


@get("/setup", sync_to_thread=True)
def setup_page(request: Request, token: str = "") -> Response:
    if not setup_token_valid(request.app.state.db, token):
        raise NotFound(INVALID_LINK)
    return session.anonymous_page(request, "setup.html", token=token, email="")


@post("/setup", sync_to_thread=True)
def setup_submit(request: Request, data: Form) -> Response:
    session.check_anonymous_csrf(request, data)
    token, email = form_text(data, "token"), form_text(data, "email")
    problem = _password_problem(data)
    if problem is None:
        try:
            user = create_admin(
                request.app.state.db, token, email, form_text(data, "password")
            )
        except SmartShareError as error:
            if isinstance(error, NotFound):
                raise
            problem = error.message
    if problem is not None:
        return _form_again(request, token, email, problem)

    logger.info("user %s created through the setup link", user["id"])
    response = go_to(request, "/automations")
    session.start(request, response, user["id"])
    return response


def _password_problem(data: dict[str, Any]) -> str | None:
    if data.get("password") != data.get("password_again"):
        return "The two passwords differ; type the same password twice."
    return None


def _form_again(request: Request, token: str, email: str, problem: str) -> Template:
    return session.anonymous_page(
        request, "setup.html", status=400, token=token, email=email, error=problem
    )
