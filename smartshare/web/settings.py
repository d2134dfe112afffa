"""Settings: API keys, webhook endpoints and Instagram accounts of the user."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import accounts, users
from smartshare.errors import SmartShareError
from smartshare.web import reveal
from smartshare.web.helpers import (
    Form,
    authorized,
    form_text,
    go_to,
    page,
    require_user,
)
from smartshare.webhooks import endpoints

CONNECT_URL = "/accounts/instagram/connect"
FLASHES = {"instagram_connected": "Connected the Instagram account @{account}."}


def settings_page(
    request: Request, user: dict[str, Any], status: int = 200, **extra: Any
) -> Template:
    """Render the settings page. `extra` carries one-time values such as a new key."""
    db = request.app.state.db
    config = request.app.state.settings
    owned = accounts.list_accounts(db, user["id"])
    context = {
        "api_keys": _live_keys(db, user["id"]),
        "accounts": owned,
        "webhooks": endpoints.list_endpoints(db, user["id"]),
        "event_types": endpoints.SUBSCRIBABLE,
        "connect_url": CONNECT_URL,
        "instagram_ready": bool(
            config["instagram.app_id"] and config["server.public_url"]
        ),
        "flash": _flash(request, [account["username"] for account in owned]),
        **extra,
    }
    return page(
        request, user, "settings/index.html", status=status, title="Settings", **context
    )


@get("/settings", sync_to_thread=True)
def settings_index(request: Request) -> Template:
    user = require_user(request)
    return settings_page(request, user, **reveal.take(user["session_id"]))


@post("/settings/api-keys", sync_to_thread=True)
def api_key_create(request: Request, data: Form) -> Response:
    user = authorized(request, data)
    name = form_text(data, "name") or "dashboard"
    key, row = users.create_api_key(request.app.state.db, user["id"], name)
    reveal.keep(user["session_id"], new_key=key, new_key_name=row["name"])
    return go_to(request, "/settings#api-keys")


@post("/settings/api-keys/{key_id:str}/revoke", sync_to_thread=True)
def api_key_revoke(request: Request, key_id: str, data: Form) -> Response:
    user = authorized(request, data)
    users.revoke_api_key(request.app.state.db, user["id"], key_id[:64])
    return go_to(request, "/settings#api-keys")


@post("/settings/accounts/sandbox", sync_to_thread=True)
def sandbox_account_add(request: Request, data: Form) -> Response:
    user = authorized(request, data)
    username = form_text(data, "username")
    try:
        accounts.add_account(request.app.state.db, user["id"], username, "sandbox")
    except SmartShareError as error:
        return settings_page(
            request,
            user,
            status=error.status,
            account_error=error.message,
            account_username=username,
        )
    return go_to(request, "/settings#accounts")


def _live_keys(db, user_id: str) -> list[dict[str, Any]]:
    return db.all(
        "SELECT id, name, prefix, created_at, last_used_at FROM api_keys "
        "WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at",
        (user_id,),
    )


def _flash(request: Request, usernames: list[str]) -> str | None:
    """Return the message that a redirect asked for, naming one of the user's
    accounts only."""
    template = FLASHES.get(request.query_params.get("flash", ""))
    account = request.query_params.get("account", "")
    if template is None or account not in usernames:
        return None
    return template.format(account=account)
