"""One publish attempt of a post, whatever the account kind, and its outcome."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from smartshare import clock, events
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.publishing import sandbox
from smartshare.publishing.base import Published, PublishError

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600)


def publisher_for(kind: str):
    if kind == "sandbox":
        return sandbox.publish
    from smartshare.publishing import instagram

    return instagram.publish


def publish_post(db: Database, settings: Settings, post_id: str, attempt: int) -> None:
    """Run the claimed publish attempt number `attempt`; a stale claim is ignored."""
    post = db.one("SELECT * FROM posts WHERE id = ?", (post_id,))
    if not _is_current(post, attempt):
        return
    account = db.one("SELECT * FROM accounts WHERE id = ?", (post["account_id"],))
    started = time.monotonic()
    try:
        if account is None:
            raise PublishError(
                f"The account @{post['instagram_username']} was removed; connect it "
                "again and retry the post."
            )
        result = publisher_for(account["kind"])(db, settings, post, account)
    except PublishError as error:
        _record_failure(db, post, attempt, error)
        logger.warning(
            "post %s publish attempt %d failed in %.1f s: %s",
            post_id,
            attempt,
            time.monotonic() - started,
            error.message,
        )
        return
    mark_published(db, post, result)
    logger.info(
        "post %s published to @%s as %s in %.1f s",
        post_id,
        post["instagram_username"],
        result.media_id,
        time.monotonic() - started,
    )


def _is_current(post: dict[str, Any] | None, attempt: int) -> bool:
    return (
        post is not None
        and post["status"] == "publishing"
        and post["next_attempt_at"] is None
        and post["publish_attempts"] == attempt
    )


def mark_published(db: Database, post: dict[str, Any], result: Published) -> None:
    """Mark the post published and record its event, once."""
    moment = clock.now_db()
    with db.write() as conn:
        changed = conn.execute(
            "UPDATE posts SET status = 'published', instagram_media_id = ?, "
            "permalink = COALESCE(?, permalink), error = NULL, published_at = ?, "
            "updated_at = ? WHERE id = ? AND status != 'published'",
            (result.media_id, result.permalink, moment, moment, post["id"]),
        ).rowcount
        if changed:
            events.record(
                conn, post["user_id"], events.POST_PUBLISHED, {"postId": post["id"]}
            )


def _record_failure(db, post, attempt: int, error: PublishError) -> None:
    moment = clock.now()
    retry = error.retry_in is not None and attempt < MAX_ATTEMPTS
    with db.write() as conn:
        if retry:
            delay = max(
                error.retry_in, RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
            )
            due = clock.to_db(moment + timedelta(seconds=delay))
            conn.execute(
                "UPDATE posts SET error = ?, next_attempt_at = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    f"{error.message} Retrying at {due[:19]}Z.",
                    due,
                    clock.to_db(moment),
                    post["id"],
                ),
            )
            return
        conn.execute(
            "UPDATE posts SET status = 'failed', error = ?, updated_at = ? "
            "WHERE id = ?",
            (error.message, clock.to_db(moment), post["id"]),
        )
        events.record(
            conn,
            post["user_id"],
            events.POST_FAILED,
            {"postId": post["id"], "error": error.message},
        )
        if error.reconnect:
            require_reconnect(
                conn, post["user_id"], post["account_id"], post["instagram_username"]
            )


def require_reconnect(conn, user_id: str, account_id: str, username: str) -> None:
    """Mark the account as needing reconnection and record its event, once."""
    changed = conn.execute(
        "UPDATE accounts SET state = 'reconnect_required', updated_at = ? "
        "WHERE id = ? AND state != 'reconnect_required'",
        (clock.now_db(), account_id),
    ).rowcount
    if changed:
        events.record(
            conn,
            user_id,
            events.RECONNECT_REQUIRED,
            {"username": username, "accountId": account_id},
        )
