"""Posts in the dashboard: the grid, filters, publish and retry, and owner-only
access."""

from __future__ import annotations

import uuid

import pytest

from tests.web_client import create_automation, log_in


@pytest.fixture
def token(client, owner) -> str:
    return log_in(client, "owner@example.com")


def make_post(client, persona, token=None, **changes) -> str:
    """Run a new automation of `persona` once and return its post's id."""
    automation = create_automation(client, persona, **changes)
    key_headers = persona.headers
    response = client.post(
        f"/api/v1/automations/{automation['id']}/run", headers=key_headers
    )
    assert response.status_code == 202, response.text
    runs = client.get(
        f"/api/v1/automations/{automation['id']}/runs", headers=key_headers
    ).json()["runs"]
    return runs[0]["post_id"]


def test_grid_shows_image_caption_status(client, token, owner, db):
    post_id = make_post(client, owner)
    page = client.get("/posts")
    caption = db.value("SELECT caption FROM posts")

    assert page.status_code == 200
    assert f'/{post_id}.jpg"' in page.text
    assert caption.split()[0] in page.text
    assert "badge-published" in page.text


def test_grid_image_loads(client, token, owner):
    post_id = make_post(client, owner)
    page = client.get(f"/posts/{post_id}")
    src = page.text.split('<img src="', 1)[1].split('"', 1)[0]

    image = client.get(src)

    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"


def test_filter_by_status(client, token, owner):
    make_post(client, owner)

    published = client.get("/posts?status=published")
    failed = client.get("/posts?status=failed")

    assert "badge-published" in published.text
    assert "No posts match these filters." in failed.text


def test_filter_by_automation(client, token, owner):
    post_id = make_post(client, owner)
    other = create_automation(client, owner)

    page = client.get(f"/posts?automation_id={other['id']}")

    assert post_id not in page.text


def test_invalid_filter_rejected(client, token):
    assert client.get("/posts?status=lost").status_code == 400
    assert client.get("/posts?automation_id=nope").status_code == 400


def test_held_post_published_from_page(client, token, owner, db, app):
    post_id = make_post(client, owner, requiresApproval=True)
    page = client.get(f"/posts/{post_id}")

    response = client.post(
        f"/posts/{post_id}/publish",
        data={"_csrf": token, "next": "/posts"},
        follow_redirects=False,
    )
    queued = db.value("SELECT status FROM posts")
    app.state.worker.tick()

    assert "Publish now" in page.text
    assert response.headers["location"] == "/posts"
    assert queued == "publishing"
    assert db.value("SELECT status FROM posts") == "published"


def test_failed_post_shows_error_and_retry(client, token, owner, db):
    post_id = make_post(client, owner)
    with db.write() as conn:
        conn.execute(
            "UPDATE posts SET status = 'failed', error = 'The image is too small.'"
        )

    page = client.get(f"/posts/{post_id}")
    response = client.post(f"/posts/{post_id}/publish", data={"_csrf": token})

    assert "The image is too small." in page.text
    assert "Retry publishing" in page.text
    assert response.status_code == 200
    assert db.value("SELECT error FROM posts") is None


def test_publishing_post_polls_its_state(client, token, owner, db):
    post_id = make_post(client, owner)
    with db.write() as conn:
        conn.execute("UPDATE posts SET status = 'publishing'")

    page = client.get("/posts")
    fragment = client.get(f"/posts/states?id={post_id}&next=/posts")

    assert f"/posts/states?id={post_id}" in page.text
    assert f'id="post-state-{post_id}" class="stack" hx-swap-oob="true"' in (
        fragment.text
    )
    assert 'hx-trigger="every 3s"' in fragment.text


def test_detail_shows_instagram_preview(client, token, owner):
    post_id = make_post(client, owner)
    page = client.get(f"/posts/{post_id}")

    assert 'aria-label="Preview as it appears on Instagram"' in page.text
    assert "<strong>owner_shop</strong>" in page.text


def test_unknown_post_not_found(client, token):
    assert client.get(f"/posts/{uuid.uuid4()}").status_code == 404


def test_other_users_post_not_found(client, owner, outsider, db):
    post_id = make_post(client, owner, requiresApproval=True)
    token = log_in(client, "outsider@example.com")

    page = client.get(f"/posts/{post_id}")
    publish = client.post(f"/posts/{post_id}/publish", data={"_csrf": token})
    states = client.get(f"/posts/states?id={post_id}")

    assert page.status_code == 404
    assert publish.status_code == 404
    assert post_id not in states.text
    assert post_id not in client.get("/posts").text
    assert db.value("SELECT status FROM posts") == "ready"
