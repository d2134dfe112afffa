"""Posts pages: the grid with filters, one post as Instagram would show it, and
publish or retry."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import automations, posts
from smartshare.errors import BadRequest
from smartshare.ids import is_uuid
from smartshare.publishing.media import media_token
from smartshare.web.helpers import (
    Form,
    authorized,
    current_url,
    go_to,
    local_path,
    page,
    require_user,
)

PAGE_SIZE = 24
MAX_POLLED = 100


def image_path(secret_key: str, post_id: str) -> str:
    """Return the post's image URL on this site, whatever server.public_url is."""
    return f"/media/{media_token(secret_key, post_id)}/{post_id}.jpg"


def post_views(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    secret_key = request.app.state.settings.secret_key
    return [{**row, "image": image_path(secret_key, row["id"])} for row in rows]


def pending_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows if row["status"] == "publishing"]


@get("/posts", sync_to_thread=True)
def post_list(
    request: Request, automation_id: str = "", status: str = "", cursor: str = ""
) -> Template:
    user = require_user(request)
    db = request.app.state.db
    filters = _filters(automation_id, status)
    rows, next_cursor = posts.list_posts(
        db, user["id"], **filters, limit=PAGE_SIZE, cursor=cursor or None
    )
    owned = automations.list_automations(db, user["id"])
    return page(
        request,
        user,
        "posts/index.html",
        title="Posts",
        posts=post_views(request, rows),
        pending=pending_ids(rows),
        next_cursor=next_cursor,
        automations=owned,
        descriptions={row["id"]: row["general_description"] for row in owned},
        statuses=posts.STATUSES,
        filters=filters,
        next=current_url(request),
    )


@get("/posts/states", sync_to_thread=True)
def post_states(request: Request) -> Template:
    """Return the state parts of the requested posts, swapped in place by htmx."""
    user = require_user(request)
    ids = [i for i in request.query_params.getall("id", []) if is_uuid(i)]
    rows = _posts_by_id(request.app.state.db, user["id"], ids[:MAX_POLLED])
    return page(
        request,
        user,
        "posts/_states.html",
        posts=rows,
        pending=pending_ids(rows),
        next=local_path(request.query_params.get("next"), "/posts"),
    )


@get("/posts/{post_id:str}", sync_to_thread=True)
def post_detail(request: Request, post_id: str) -> Template:
    user = require_user(request)
    row = posts.get_post(request.app.state.db, user["id"], post_id)
    view = post_views(request, [row])[0]
    return page(
        request,
        user,
        "posts/detail.html",
        title="Post",
        p=view,
        pending=pending_ids([row]),
        automation=_automation_or_none(request, user, row["automation_id"]),
        next=current_url(request),
    )


@post("/posts/{post_id:str}/publish", sync_to_thread=True)
def post_publish(request: Request, post_id: str, data: Form) -> Response:
    user = authorized(request, data)
    row = posts.request_publish(request.app.state.db, user["id"], post_id)
    return go_to(request, local_path(data.get("next"), f"/posts/{row['id']}"))


def _filters(automation_id: str, status: str) -> dict[str, str | None]:
    if status and status not in posts.STATUSES:
        raise BadRequest(
            f"Invalid status {status[:40]!r}: use one of {', '.join(posts.STATUSES)}."
        )
    if automation_id:
        automation_id = automations.parse_automation_id(automation_id)
    return {"automation_id": automation_id or None, "status": status or None}


def _posts_by_id(db, user_id: str, ids: list[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return db.all(
        f"SELECT * FROM posts WHERE user_id = ? AND id IN ({marks})", (user_id, *ids)
    )


def _automation_or_none(request: Request, user, automation_id: str | None):
    if automation_id is None:
        return None
    return request.app.state.db.one(
        "SELECT * FROM automations WHERE id = ? AND user_id = ?",
        (automation_id, user["id"]),
    )
