"""Admin page: the users, a form to create one, and per-user automation limits."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import users
from smartshare.errors import BadRequest, NotFound, SmartShareError
from smartshare.web.helpers import (
    Form,
    check_csrf,
    form_text,
    go_to,
    page,
    require_admin,
)

logger = logging.getLogger(__name__)
MAX_LIMIT = 100_000


def admin_page(
    request: Request, admin: dict[str, Any], status: int = 200, **extra: Any
) -> Template:
    db = request.app.state.db
    rows = db.all(
        "SELECT u.id, u.email, u.is_admin, u.automation_limit, u.created_at, "
        "(SELECT COUNT(*) FROM automations a WHERE a.user_id = u.id) AS automations "
        "FROM users u ORDER BY u.created_at, u.email"
    )
    return page(
        request,
        admin,
        "admin.html",
        status=status,
        title="Admin",
        users=rows,
        default_limit=request.app.state.settings["limits.automations_per_user"],
        **extra,
    )


@get("/admin", sync_to_thread=True)
def admin_index(request: Request) -> Template:
    return admin_page(request, require_admin(request))


@post("/admin/users", sync_to_thread=True)
def admin_user_create(request: Request, data: Form) -> Response:
    admin = _authorized_admin(request, data)
    email = form_text(data, "email")
    try:
        created = users.create_user(
            request.app.state.db,
            email,
            form_text(data, "password"),
            admin="is_admin" in data,
        )
    except SmartShareError as error:
        return admin_page(
            request, admin, status=error.status, create_error=error.message, email=email
        )
    logger.info("admin %s created user %s", admin["id"], created["id"])
    return go_to(request, "/admin")


@post("/admin/users/{user_id:str}/limit", sync_to_thread=True)
def admin_user_limit(request: Request, user_id: str, data: Form) -> Response:
    admin = _authorized_admin(request, data)
    if "automation_limit" not in data:
        raise BadRequest(
            "Missing field automation_limit: send a number, or an empty value "
            "for the default."
        )
    limit = parse_limit(form_text(data, "automation_limit"))
    set_automation_limit(request.app.state.db, user_id, limit)
    logger.info(
        "admin %s set the automation limit of %s to %s", admin["id"], user_id, limit
    )
    return go_to(request, "/admin")


def parse_limit(text: str) -> int | None:
    """Return the limit of a form field: empty means the configured default."""
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_LIMIT:
        raise BadRequest(
            f"Invalid automation limit {text[:20]!r}: use a whole number from 0 "
            f"(no limit) to {MAX_LIMIT}, or leave it empty for the default."
        )
    return int(text)


def set_automation_limit(db, user_id: str, limit: int | None) -> None:
    with db.write() as conn:
        changed = conn.execute(
            "UPDATE users SET automation_limit = ? WHERE id = ?", (limit, user_id[:64])
        ).rowcount
    if not changed:
        raise NotFound(f"User {user_id[:64]} not found.")


def _authorized_admin(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    admin = require_admin(request)
    check_csrf(request, admin["csrf_token"], data)
    return admin
