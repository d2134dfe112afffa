"""The daily read of permalinks that Instagram did not return at publish time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from smartshare import clock
from smartshare.publishing.permalinks import fill_missing_permalinks
from tests.test_instagram_tokens import (  # noqa: F401 (fixtures)
    app,
    connect,
    db,
    graph_app,
    graph_url,
    owner,
    quiet_httpx,
    settings,
    state,
)


def published_post(database, user, account, media_id: str, days_ago: float = 0) -> str:
    post_id = str(uuid.uuid4())
    moment = clock.to_db(clock.now() - timedelta(days=days_ago))
    with database.write() as conn:
        conn.execute(
            "INSERT INTO posts (id, user_id, account_id, instagram_username, caption, "
            "image_path, status, instagram_media_id, created_at, updated_at, "
            "published_at) VALUES (?, ?, ?, 'harbor_cafe', 'c', 'media/x.jpg', "
            "'published', ?, ?, ?, ?)",
            (post_id, user["id"], account["id"], media_id, moment, moment, moment),
        )
    return post_id


def test_missing_permalink_is_filled(db, settings, owner, state):  # noqa: F811
    account = connect(db, settings, owner, 1, 50)
    state.media["17800000000000009"] = {
        "id": "17800000000000009",
        "caption": "c",
        "permalink": "https://www.instagram.com/p/FAKE000009/",
        "timestamp": "2026-12-04T09:00:00+0000",
    }
    post_id = published_post(db, owner, account, "17800000000000009")

    filled = fill_missing_permalinks(db, settings)

    assert filled == 1
    assert db.value("SELECT permalink FROM posts WHERE id = ?", (post_id,)) == (
        "https://www.instagram.com/p/FAKE000009/"
    )


def test_old_posts_are_left_alone(db, settings, owner, state):  # noqa: F811
    account = connect(db, settings, owner, 1, 50)
    published_post(db, owner, account, "17800000000000010", days_ago=8)

    assert fill_missing_permalinks(db, settings) == 0
    assert state.count("17800000000000010") == 0


def test_failed_read_keeps_post_published(db, settings, owner, state):  # noqa: F811
    account = connect(db, settings, owner, 1, 50)
    state.permalink_fails = True
    post_id = published_post(db, owner, account, "17800000000000011")

    filled = fill_missing_permalinks(db, settings)

    assert filled == 0
    assert db.value("SELECT status FROM posts WHERE id = ?", (post_id,)) == "published"
