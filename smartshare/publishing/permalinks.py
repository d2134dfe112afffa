"""Permalinks that Instagram did not return right after publishing.

Reading a permalink can fail right after a post goes live, and that failure
never fails the post. The daily task reads the missing ones again for posts
published in the last week.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from smartshare import clock
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.publishing.base import PublishError
from smartshare.publishing.graph import client_for
from smartshare.publishing.instagram import access_token

logger = logging.getLogger(__name__)
LOOK_BACK = timedelta(days=7)
BATCH = 200


def fill_missing_permalinks(db: Database, settings: Settings) -> int:
    """Read and store missing permalinks; return how many were filled."""
    since = clock.to_db(clock.now() - LOOK_BACK)
    rows = db.all(
        "SELECT p.id, p.instagram_media_id, a.* FROM posts p "
        "JOIN accounts a ON a.id = p.account_id "
        "WHERE p.status = 'published' AND p.permalink IS NULL "
        "AND p.instagram_media_id IS NOT NULL AND a.kind = 'instagram' "
        "AND a.state = 'connected' AND p.published_at >= ? LIMIT ?",
        (since, BATCH),
    )
    filled = 0
    for row in rows:
        permalink = _read(settings, row)
        if permalink:
            with db.write() as conn:
                conn.execute(
                    "UPDATE posts SET permalink = ? WHERE id = ? AND permalink IS NULL",
                    (permalink, row["id"]),
                )
            filled += 1
    if rows:
        logger.info("filled %d of %d missing permalink(s)", filled, len(rows))
    return filled


def _read(settings: Settings, row: dict) -> str | None:
    try:
        token = access_token(settings, row)
    except PublishError as error:
        logger.warning("post %s: permalink not read: %s", row["id"], error.message)
        return None
    with client_for(settings, token, row["username"]) as graph:
        return graph.permalink(row["instagram_media_id"])
