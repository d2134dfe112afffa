"""The Instagram publisher against the fake Graph API, over real HTTP on 127.0.0.1.

The owner's account is @harbor_cafe, a bakery. SmartShare's app runs on a real
port so that the fake can download each image from /media, as Instagram does.
The fake's download_rewrite plays the reverse proxy that makes the
public address https://smartshare.example.com reach that port.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import uuid
from datetime import timedelta

import pytest
from PIL import Image

from smartshare import accounts, clock, config, posts, scheduler, users
from smartshare.app import create_app
from smartshare.db import insert
from smartshare.publishing import instagram, service
from smartshare.publishing.graph import client_for
from smartshare.publishing.tokens import token_fields
from tests.fakes.graph_api import TOKEN, Container, FakeError, GraphState, rate_limited
from tests.fakes.graph_api import create_app as create_graph_app
from tests.fakes.server import serve

PUBLIC_URL = "https://smartshare.example.com"
CAPTION = "Fresh sourdough at 7. #bakery"
FIRST_CONTAINER = "17900000000000001"
FIRST_MEDIA = "17800000000000001"


@pytest.fixture(autouse=True)
def quiet_httpx():
    # httpx logs full request URLs at INFO, and token endpoints carry the token
    # in the query string.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch):
    monkeypatch.setattr(instagram, "POLL_INTERVAL_SECONDS", 0.01)


@pytest.fixture(scope="module")
def graph_app():
    return create_graph_app()


@pytest.fixture(scope="module")
def graph_url(graph_app):
    with serve(graph_app) as url:
        yield url


@pytest.fixture
def settings(data_dir, graph_url):
    environ = {
        "SMARTSHARE_DATA_DIR": str(data_dir),
        "SMARTSHARE_SERVER__PUBLIC_URL": PUBLIC_URL,
        "SMARTSHARE_INSTAGRAM__GRAPH_URL": graph_url,
        "SMARTSHARE_INSTAGRAM__PUBLISH_TIMEOUT_SECONDS": "2",
    }
    return config.ensure_secret_key(config.load(environ=environ))


@pytest.fixture
def app(settings):
    return create_app(settings, immediate=True)


@pytest.fixture
def db(app):
    return app.state.db


@pytest.fixture
def state(graph_app, app) -> GraphState:
    graph_app.state.graph = GraphState()
    with serve(app) as local_url:
        graph_app.state.graph.download_rewrite = {PUBLIC_URL: local_url}
        yield graph_app.state.graph


@pytest.fixture
def owner(db, settings, state) -> dict:
    user = users.create_user(db, "owner@example.com", "correct horse battery")
    issued = clock.now() - timedelta(days=2)
    fields = token_fields(settings, TOKEN, 58 * 86400, issued)
    accounts.add_account(
        db, user["id"], "harbor_cafe", "instagram", ig_user_id=state.user_id, **fields
    )
    return user


def jpeg(width: int = 1080, height: int = 1350) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_post(db, settings, user, container_id=None) -> str:
    """Store a post whose first publish attempt is claimed, as a run leaves it."""
    post_id = str(uuid.uuid4())
    account = accounts.find_account(db, user["id"], "harbor_cafe")
    moment = clock.now_db()
    row = {
        "id": post_id,
        "user_id": user["id"],
        "account_id": account["id"],
        "instagram_username": "harbor_cafe",
        "caption": CAPTION,
        "image_path": posts.write_image(settings, post_id, jpeg()),
        "status": "publishing",
        "container_id": container_id,
        "publish_attempts": 1,
        "created_at": moment,
        "updated_at": moment,
    }
    with db.write() as conn:
        insert(conn, "posts", row)
    return post_id


def attempt(db, settings, post_id) -> dict:
    """Run the claimed attempt of the post and return the post afterwards."""
    number = db.value("SELECT publish_attempts FROM posts WHERE id = ?", (post_id,))
    service.publish_post(db, settings, post_id, number)
    return post_row(db, post_id)


def retry(db, settings, post_id) -> dict:
    """Claim the post's next attempt as the tick would, a day later, and run it."""
    later = clock.now() + timedelta(days=1)
    claimed = scheduler.claim_due_posts(db, later)
    assert [post for post, _ in claimed] == [post_id]
    return attempt(db, settings, post_id)


def post_row(db, post_id) -> dict:
    return db.one("SELECT * FROM posts WHERE id = ?", (post_id,))


def events_of(db, event_type) -> list[dict]:
    rows = db.all(
        "SELECT data FROM events WHERE event_type = ? ORDER BY created_at",
        (event_type,),
    )
    return [json.loads(row["data"]) for row in rows]


def publish_directly(settings, state, image_url) -> tuple[str, str]:
    """Create and publish a container the way an earlier attempt did."""
    with client_for(settings, TOKEN) as graph:
        container_id = graph.create_container(state.user_id, image_url, CAPTION)
        return container_id, graph.publish(state.user_id, container_id)


# The steps of a publish


def test_publish_creates_container_then_publishes(db, settings, state, owner):
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert post["container_id"] == FIRST_CONTAINER
    assert post["instagram_media_id"] == FIRST_MEDIA
    assert post["permalink"] == state.media[FIRST_MEDIA]["permalink"]
    assert post["error"] is None
    assert post["published_at"] is not None
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]
    assert [call.path.rsplit("/", 1)[-1] for call in state.calls] == [
        "content_publishing_limit",
        "media",
        FIRST_CONTAINER,
        "media_publish",
        FIRST_MEDIA,
    ]


def test_container_gets_public_image_url(db, settings, state, owner):
    post_id = make_post(db, settings, owner)

    attempt(db, settings, post_id)

    container = state.containers[FIRST_CONTAINER]
    assert container.image_url == posts.image_url(settings, post_id, None)
    assert container.image_url.startswith(PUBLIC_URL + "/media/")
    assert container.caption == CAPTION
    assert state.calls[1].bearer == TOKEN


def test_in_progress_then_finished(db, settings, state, owner):
    state.in_progress_polls = 3
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert state.count(FIRST_CONTAINER) == 4
    assert state.count("media_publish") == 1


def test_still_in_progress_retries_same_container(db, settings, state, owner):
    state.in_progress_polls = 10_000
    fast = settings.with_overrides(**{"instagram.publish_timeout_seconds": 0.2})
    post_id = make_post(db, settings, owner)

    waiting = attempt(db, fast, post_id)
    state.containers[FIRST_CONTAINER].in_progress_polls = 0
    post = retry(db, fast, post_id)

    assert waiting["status"] == "publishing"
    assert waiting["next_attempt_at"] is not None
    assert "was still IN_PROGRESS after 0.2 s" in waiting["error"]
    assert waiting["container_id"] == FIRST_CONTAINER
    assert post["status"] == "published"
    assert state.count("media", "POST") == 1
    assert state.count("media_publish") == 1


def test_container_error_fails_with_status(db, settings, state, owner):
    state.container_outcome = "ERROR"
    state.error_status = "Error: Media upload has failed with error code 2207009."
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "failed"
    assert "aspect ratio" in post["error"]
    assert "2207009" in post["error"]
    assert post["container_id"] is None
    assert post["next_attempt_at"] is None
    assert state.count("media_publish") == 0
    assert events_of(db, "instagram.post.published") == []
    assert events_of(db, "instagram.post.failed")[0]["postId"] == post_id


def test_container_server_error_uploads_again(db, settings, state, owner):
    state.container_outcome = "ERROR"
    post_id = make_post(db, settings, owner)

    failed_once = attempt(db, settings, post_id)
    state.container_outcome = "FINISHED"
    post = retry(db, settings, post_id)

    assert failed_once["status"] == "publishing"
    assert "Instagram had a server error" in failed_once["error"]
    assert failed_once["container_id"] is None
    assert post["status"] == "published"
    assert post["container_id"] == "17900000000000002"
    assert state.count("media", "POST") == 2


def test_expired_container_is_replaced(db, settings, state, owner):
    expired = Container(
        "17900000000000099", "https://x.test/a.jpg", CAPTION, 0, "EXPIRED"
    )
    state.containers[expired.id] = expired
    post_id = make_post(db, settings, owner, container_id=expired.id)

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert post["container_id"] == FIRST_CONTAINER
    assert state.count("media", "POST") == 1
    assert state.count("media_publish") == 1


def test_publish_expired_error_makes_new_container(db, settings, state, owner):
    state.fail_next("media_publish", FakeError(400, -2, 2207020, "Media expired"))
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert post["container_id"] == "17900000000000002"
    assert post["instagram_media_id"] == FIRST_MEDIA
    assert state.count("media", "POST") == 2


def test_publish_not_ready_polls_again(db, settings, state, owner):
    state.fail_next(
        "media_publish", FakeError(400, 9007, 2207027, "Media ID is not available")
    )
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert state.count("media_publish") == 2
    assert state.count(FIRST_CONTAINER) == 2


# Published once, whatever happens after media_publish


def test_permalink_failure_still_published(db, settings, state, owner):
    state.permalink_fails = True
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert post["container_id"] == FIRST_CONTAINER
    assert post["instagram_media_id"] == FIRST_MEDIA
    assert post["permalink"] is None
    assert post["error"] is None
    assert state.count("media_publish") == 1
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]


def test_lost_publish_response_not_published_twice(db, settings, state, owner):
    state.lost_publish_responses = 1
    post_id = make_post(db, settings, owner)

    first = attempt(db, settings, post_id)
    post = retry(db, settings, post_id)

    assert first["status"] == "publishing"
    assert first["next_attempt_at"] is not None
    assert post["status"] == "published"
    assert post["instagram_media_id"] == FIRST_MEDIA
    assert state.count("media_publish") == 1
    assert state.count("media", "GET") == 1
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]


def test_crash_after_publish_recovers_media_id(app, db, settings, state, owner):
    post_id = make_post(db, settings, owner)
    image_url = posts.image_url(settings, post_id, None)
    container_id, media_id = publish_directly(settings, state, image_url)
    with db.write() as conn:
        conn.execute(
            "UPDATE posts SET container_id = ? WHERE id = ?", (container_id, post_id)
        )

    scheduler.recover_after_restart(db)
    app.state.worker.tick()
    post = post_row(db, post_id)

    assert post["status"] == "published"
    assert post["instagram_media_id"] == media_id
    assert post["permalink"] == state.media[media_id]["permalink"]
    assert post["publish_attempts"] == 2
    assert state.count("media_publish") == 1
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]


def test_published_container_without_match(db, settings, state, owner):
    post_id = make_post(db, settings, owner)
    image_url = posts.image_url(settings, post_id, None)
    container_id, media_id = publish_directly(settings, state, image_url)
    state.media[media_id]["caption"] = "Edited in the Instagram app"
    with db.write() as conn:
        conn.execute(
            "UPDATE posts SET container_id = ? WHERE id = ?", (container_id, post_id)
        )

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert post["instagram_media_id"] is None
    assert state.count("media_publish") == 1
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]


def test_media_id_committed_before_marking(app, db, settings, state, owner):
    post_id = make_post(db, settings, owner)
    db.conn.execute(
        "CREATE TRIGGER crash_on_published BEFORE UPDATE OF status ON posts "
        "WHEN NEW.status = 'published' "
        "BEGIN SELECT RAISE(ABORT, 'worker died'); END"
    )

    with pytest.raises(sqlite3.Error, match="worker died"):
        attempt(db, settings, post_id)
    crashed = post_row(db, post_id)
    db.conn.execute("DROP TRIGGER crash_on_published")
    scheduler.recover_after_restart(db)
    app.state.worker.tick()
    post = post_row(db, post_id)

    assert crashed["status"] == "publishing"
    assert crashed["instagram_media_id"] == FIRST_MEDIA
    assert post["status"] == "published"
    assert post["instagram_media_id"] == FIRST_MEDIA
    assert state.count("media_publish") == 1
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]


def test_failed_media_id_write_still_published(db, settings, state, owner):
    post_id = make_post(db, settings, owner)
    db.conn.execute(
        "CREATE TRIGGER fail_media_id BEFORE UPDATE OF instagram_media_id ON posts "
        "WHEN NEW.status = 'publishing' "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )

    post = attempt(db, settings, post_id)

    assert post["status"] == "published"
    assert post["instagram_media_id"] == FIRST_MEDIA
    assert state.count("media_publish") == 1
    assert events_of(db, "instagram.post.published") == [{"postId": post_id}]


# No public URL: no Graph API call at all


@pytest.mark.parametrize("public_url", [None, "http://localhost:8000"])
def test_public_url_not_public_fails_early(db, settings, state, owner, public_url):
    local = settings.with_overrides(**{"server.public_url": public_url})
    post_id = make_post(db, settings, owner)

    post = attempt(db, local, post_id)

    assert state.calls == []
    assert post["status"] == "failed"
    assert "Set server.public_url to a public https address" in post["error"]
    assert post["next_attempt_at"] is None
    assert events_of(db, "instagram.post.published") == []
    assert events_of(db, "instagram.post.failed")[0]["postId"] == post_id


# Errors by kind


def test_rate_limit_retries_later(db, settings, state, owner):
    state.fail_next("media", rate_limited())
    post_id = make_post(db, settings, owner)

    first = attempt(db, settings, post_id)
    post = retry(db, settings, post_id)

    assert first["status"] == "publishing"
    assert "rate limit" in first["error"]
    assert "Retrying at" in first["error"]
    assert first["next_attempt_at"] > clock.now_db()
    assert post["status"] == "published"


def test_unfetchable_image_stops_after_three(db, settings, state, owner):
    for _ in range(3):
        state.fail_next("media", FakeError(400, 9004, 2207052, "Media download failed"))
    post_id = make_post(db, settings, owner)

    attempt(db, settings, post_id)
    retry(db, settings, post_id)
    post = retry(db, settings, post_id)

    assert post["status"] == "failed"
    assert "Publishing stopped after 3 attempts" in post["error"]
    assert post["next_attempt_at"] is None


def test_invalid_image_fails_without_retry(db, settings, state, owner):
    state.fail_next("media", FakeError(400, 36003, 2207009, "Aspect ratio"))
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "failed"
    assert "Crop or pad the image" in post["error"]
    assert post["next_attempt_at"] is None


def test_restricted_account_stops(db, settings, state, owner):
    state.fail_next("media_publish", FakeError(400, 4, 2207051, "Spam"))
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert post["status"] == "failed"
    assert "spam" in post["error"]
    assert post["instagram_media_id"] is None


def test_invalid_token_requires_reconnect(db, settings, state, owner):
    state.fail_next("content_publishing_limit", FakeError(400, 190, 460, "Changed"))
    post_id = make_post(db, settings, owner)
    second_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)
    calls = len(state.calls)
    second = attempt(db, settings, second_id)
    account = accounts.find_account(db, owner["id"], "harbor_cafe")

    assert post["status"] == "failed"
    assert "Reconnect the account in Settings" in post["error"]
    assert account["state"] == "reconnect_required"
    assert second["status"] == "failed"
    assert len(state.calls) == calls
    assert events_of(db, "instagram.account.reconnect_required") == [
        {"username": "harbor_cafe", "accountId": account["id"]}
    ]


def test_expired_stored_token_requires_reconnect(db, settings, state, owner):
    with db.write() as conn:
        conn.execute(
            "UPDATE accounts SET token_expires_at = ?",
            (clock.to_db(clock.now() - timedelta(hours=1)),),
        )
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    assert state.calls == []
    assert post["status"] == "failed"
    assert "expired" in post["error"]
    assert len(events_of(db, "instagram.account.reconnect_required")) == 1


def test_unreadable_token_requires_reconnect(db, settings, state, owner):
    other_key = settings.with_overrides(**{"server.secret_key": "another key"})
    post_id = make_post(db, settings, owner)

    post = attempt(db, other_key, post_id)

    assert state.calls == []
    assert post["status"] == "failed"
    assert "cannot be read" in post["error"]
    assert len(events_of(db, "instagram.account.reconnect_required")) == 1


def test_full_quota_waits_an_hour(db, settings, state, owner):
    state.quota_usage = 50
    post_id = make_post(db, settings, owner)

    post = attempt(db, settings, post_id)

    retry_at = clock.parse(post["next_attempt_at"])
    assert post["status"] == "publishing"
    assert "50 of the 50 posts" in post["error"]
    assert retry_at > clock.now() + timedelta(minutes=59)
    assert state.count("media", "POST") == 0


def test_publish_logs_no_token(db, settings, state, owner, caplog):
    post_id = make_post(db, settings, owner)

    with caplog.at_level(logging.DEBUG):
        attempt(db, settings, post_id)

    assert f"post {post_id} published to @harbor_cafe" in caplog.text
    assert TOKEN not in caplog.text
