"""Webhook endpoints in the settings: create (the secret is shown once), the
delivery log with its attempts, test events, redelivery, enable, disable and
delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import clock
from smartshare.errors import SmartShareError, ValidationFailed
from smartshare.web import reveal
from smartshare.web.helpers import (
    Form,
    authorized,
    form_list,
    form_text,
    go_to,
    page,
    require_user,
)
from smartshare.web.settings import settings_page
from smartshare.webhooks import dispatch, endpoints, history, redelivery

ID_PATH = "/settings/webhooks/{endpoint_id:str}"
DELIVERIES_SHOWN = 30
# A pending delivery due within this many seconds keeps the log polling.
SOON_SECONDS = 60


@post("/settings/webhooks", sync_to_thread=True)
def webhook_create(request: Request, data: Form) -> Response:
    user = authorized(request, data)
    state = request.app.state
    try:
        row, secret = endpoints.create_endpoint(
            state.db, state.settings, user["id"], endpoint_body(data)
        )
    except SmartShareError as error:
        return settings_page(
            request,
            user,
            status=error.status,
            webhook_errors=_messages(error),
            webhook_values=data,
        )
    reveal.keep(user["session_id"], new_webhook=row, secret=secret)
    return go_to(request, "/settings#webhooks")


@get(ID_PATH, sync_to_thread=True)
def webhook_detail(request: Request, endpoint_id: str) -> Template:
    user = require_user(request)
    endpoint = endpoints.get_endpoint(request.app.state.db, user["id"], endpoint_id)
    return page(
        request,
        user,
        "settings/webhook.html",
        title="Webhook",
        endpoint=endpoint,
        event_types=endpoints.SUBSCRIBABLE,
        **_log(request, endpoint),
    )


@get(ID_PATH + "/deliveries", sync_to_thread=True)
def webhook_deliveries(request: Request, endpoint_id: str) -> Template:
    user = require_user(request)
    endpoint = endpoints.get_endpoint(request.app.state.db, user["id"], endpoint_id)
    return page(
        request,
        user,
        "settings/_deliveries.html",
        endpoint=endpoint,
        **_log(request, endpoint),
    )


@post(ID_PATH + "/test", sync_to_thread=True)
def webhook_test(request: Request, endpoint_id: str, data: Form) -> Response:
    user = authorized(request, data)
    db = request.app.state.db
    endpoint = endpoints.get_endpoint(db, user["id"], endpoint_id)
    dispatch.record_test(db, endpoint["id"])
    return go_to(request, f"/settings/webhooks/{endpoint['id']}#deliveries")


@post(
    ID_PATH + "/deliveries/{delivery_id:str}/redeliver",
    sync_to_thread=True,
)
def webhook_redeliver(
    request: Request, endpoint_id: str, delivery_id: str, data: Form
) -> Response:
    user = authorized(request, data)
    db = request.app.state.db
    endpoint = endpoints.get_endpoint(db, user["id"], endpoint_id)
    redelivery.redeliver(db, endpoint, delivery_id)
    return go_to(request, f"/settings/webhooks/{endpoint['id']}#deliveries")


@post(ID_PATH + "/enabled", sync_to_thread=True)
def webhook_enable(request: Request, endpoint_id: str, data: Form) -> Response:
    user = authorized(request, data)
    state = request.app.state
    body = {"enabled": form_text(data, "enabled") == "on"}
    row = endpoints.update_endpoint(
        state.db, state.settings, user["id"], endpoint_id, body
    )
    return go_to(request, f"/settings/webhooks/{row['id']}")


@get(ID_PATH + "/delete", sync_to_thread=True)
def webhook_delete_page(request: Request, endpoint_id: str) -> Template:
    user = require_user(request)
    endpoint = endpoints.get_endpoint(request.app.state.db, user["id"], endpoint_id)
    return page(
        request, user, "settings/webhook_delete.html", title="Delete", endpoint=endpoint
    )


@post(ID_PATH + "/delete", sync_to_thread=True)
def webhook_delete(request: Request, endpoint_id: str, data: Form) -> Response:
    user = authorized(request, data)
    endpoints.delete_endpoint(request.app.state.db, user["id"], endpoint_id)
    return go_to(request, "/settings#webhooks")


def endpoint_body(form: dict[str, Any]) -> dict[str, Any]:
    """Build the API's create body. No ticked event type means every event."""
    events = [name for name in form_list(form, "events") if name]
    return {
        "url": form_text(form, "url"),
        "description": form_text(form, "description"),
        "events": events or None,
    }


def _messages(error: SmartShareError) -> list[str]:
    if isinstance(error, ValidationFailed) and error.details:
        return [item["message"] for item in error.details]
    return [error.message]


def _log(request: Request, endpoint: dict[str, Any]) -> dict[str, Any]:
    rows = history.list_deliveries(
        request.app.state.db, endpoint["id"], DELIVERIES_SHOWN
    )
    soon = clock.to_db(clock.now() + timedelta(seconds=SOON_SECONDS))
    busy = any(
        row["status"] in ("queued", "sending")
        or (row["status"] == "pending" and (row["next_attempt_at"] or "") <= soon)
        for row in rows
    )
    return {"deliveries": rows, "busy": busy}
