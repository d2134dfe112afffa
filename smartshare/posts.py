"""Posts: the generated image and caption of a run, and their publishing state.

States: `ready` (stored, waiting for approval or for its first attempt),
`publishing` (an attempt is due or under way), `published`, `failed`.
A post wants a publish attempt exactly when `next_attempt_at` is set.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from smartshare import clock
from smartshare.config import Settings
from smartshare.db import Database, insert
from smartshare.errors import BadRequest, Conflict
from smartshare.ids import find_owned, parse_id
from smartshare.publishing.media import media_token

STATUSES = ("ready", "publishing", "published", "failed")
MAX_PAGE = 100


def media_dir(settings: Settings) -> Path:
    return settings.data_dir / "media"


def write_image(settings: Settings, post_id: str, jpeg: bytes) -> str:
    """Store the JPEG atomically; return its path relative to the data directory."""
    folder = media_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{post_id}.jpg"
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(jpeg)
    os.replace(temporary, target)
    return f"media/{post_id}.jpg"


def image_url(settings: Settings, post_id: str, base_url: str | None) -> str:
    """Return the absolute, unguessable URL at which the post's image is served."""
    base = settings["server.public_url"] or (base_url or "").rstrip("/")
    token = media_token(settings.secret_key, post_id)
    return f"{base}/media/{token}/{post_id}.jpg"


def insert_post(conn, run, automation, post, publishing: bool) -> None:
    moment = clock.now_db()
    insert(
        conn,
        "posts",
        {
            "id": post["id"],
            "run_id": run["id"],
            "automation_id": automation["id"],
            "user_id": automation["user_id"],
            "account_id": automation["account_id"],
            "instagram_username": automation["instagram_username"],
            "caption": post["caption"],
            "image_path": post["image_path"],
            "status": "publishing" if publishing else "ready",
            "publish_attempts": 1 if publishing else 0,
            "next_attempt_at": None,
            "created_at": moment,
            "updated_at": moment,
        },
    )


def parse_post_id(text: str) -> str:
    return parse_id(text, "post")


def get_post(db: Database, user_id: str, post_id: str) -> dict[str, Any]:
    return find_owned(db, "posts", user_id, post_id, "post")


def list_posts(
    db: Database,
    user_id: str,
    automation_id: str | None = None,
    status: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Return a page of posts, newest first, and the cursor of the next page."""
    where, params = ["user_id = ?"], [user_id]
    if automation_id:
        where.append("automation_id = ?")
        params.append(automation_id)
    if status:
        where.append("status = ?")
        params.append(status)
    if cursor:
        created_at, post_id = decode_cursor(cursor)
        where.append("(created_at, id) < (?, ?)")
        params += [created_at, post_id]
    rows = db.all(
        f"SELECT * FROM posts WHERE {' AND '.join(where)} "
        "ORDER BY created_at DESC, id DESC LIMIT ?",
        (*params, limit + 1),
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def encode_cursor(row: dict[str, Any]) -> str:
    raw = json.dumps([row["created_at"], row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, post_id = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(created_at, str) or not isinstance(post_id, str):
            raise ValueError
    except ValueError:
        raise BadRequest(
            "Invalid cursor: pass the next_cursor value of the previous page."
        ) from None
    return created_at, post_id


def request_publish(db: Database, user_id: str, post_id: str) -> dict[str, Any]:
    """Approve a held post or retry a failed one: its attempt becomes due now."""
    post = get_post(db, user_id, post_id)
    if post["status"] not in ("ready", "failed"):
        raise Conflict(
            f"Post {post['id']} is {post['status']}; only a ready or failed post "
            "can be published."
        )
    moment = clock.now_db()
    with db.write() as conn:
        changed = conn.execute(
            "UPDATE posts SET status = 'publishing', next_attempt_at = ?, "
            "error = NULL, publish_attempts = 0, updated_at = ? "
            "WHERE id = ? AND status IN ('ready', 'failed')",
            (moment, moment, post["id"]),
        ).rowcount
    if not changed:
        raise Conflict(f"Post {post['id']} changed meanwhile; reload it and retry.")
    return {**post, "status": "publishing", "next_attempt_at": moment, "error": None}


def to_api(settings: Settings, post: dict[str, Any], base_url: str | None):
    return {
        "id": post["id"],
        "automation_id": post["automation_id"],
        "user_id": post["user_id"],
        "instagram_username": post["instagram_username"],
        "caption": post["caption"],
        "image_url": image_url(settings, post["id"], base_url),
        "status": post["status"],
        "error": post["error"],
        "instagram_media_id": post["instagram_media_id"],
        "permalink": post["permalink"],
        "created_at": clock.to_api(post["created_at"]),
        "published_at": clock.to_api(post["published_at"]),
    }
