"""Runs end to end with the builtin provider and the sandbox publisher.

The worker runs in Huey's immediate mode, so each queued task executes inline.
"""

from __future__ import annotations

import json

import httpx

from smartshare import clock
from tests.conftest import automation_body


def create(client, persona, **changes) -> dict:
    response = client.post(
        "/api/v1/automations",
        json=automation_body(persona.username, **changes),
        headers=persona.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def run_now(client, persona, automation_id) -> dict:
    response = client.post(
        f"/api/v1/automations/{automation_id}/run", headers=persona.headers
    )
    assert response.status_code == 202, response.text
    return response.json()


def events_of(db, event_type):
    rows = db.all(
        "SELECT data FROM events WHERE event_type = ? ORDER BY created_at",
        (event_type,),
    )
    return [json.loads(row["data"]) for row in rows]


def test_run_now_publishes_to_outbox(client, db, owner, data_dir):
    automation = create(client, owner)

    queued = run_now(client, owner, automation["id"])
    runs = client.get(
        f"/api/v1/automations/{automation['id']}/runs", headers=owner.headers
    ).json()["runs"]
    post = client.get(
        f"/api/v1/posts/{runs[0]['post_id']}", headers=owner.headers
    ).json()

    assert queued["success"] is True
    assert runs[0]["id"] == queued["run_id"]
    assert runs[0]["status"] == "succeeded"
    assert runs[0]["trigger"] == "manual"
    assert post["status"] == "published"
    assert post["instagram_media_id"] == f"sandbox-{post['id']}"
    assert "#AI #TechNews" in post["caption"]
    outbox = data_dir / "outbox" / "owner_shop"
    assert (outbox / f"{post['id']}.jpg").stat().st_size > 1000
    assert (outbox / f"{post['id']}.txt").read_text() == post["caption"]


def test_run_records_both_events(client, db, owner):
    automation = create(client, owner)

    run_now(client, owner, automation["id"])

    [created] = events_of(db, "automation.instagram.post.created")
    [published] = events_of(db, "instagram.post.published")
    assert created["automationId"] == automation["id"]
    assert published == {"postId": created["createdPostId"]}


def test_manual_run_keeps_next_slot(client, owner):
    automation = create(client, owner)

    run_now(client, owner, automation["id"])
    after = client.get(
        f"/api/v1/automations/{automation['id']}", headers=owner.headers
    ).json()

    assert after["next_scheduled_at"] == automation["next_scheduled_at"]
    assert after["status"] == "idle"
    assert after["last_run_at"] is not None
    assert after["last_error"] is None


def test_approval_holds_post_until_publish(client, db, owner):
    automation = create(client, owner, requiresApproval=True)

    run_now(client, owner, automation["id"])
    [post] = client.get("/api/v1/posts", headers=owner.headers).json()["posts"]
    held_events = events_of(db, "instagram.post.published")
    response = client.post(f"/api/v1/posts/{post['id']}/publish", headers=owner.headers)
    client.app.state.worker.tick()
    after = client.get(f"/api/v1/posts/{post['id']}", headers=owner.headers).json()

    assert post["status"] == "ready"
    assert held_events == []
    assert response.status_code == 202
    assert after["status"] == "published"
    assert after["published_at"] is not None
    assert len(events_of(db, "instagram.post.published")) == 1


def test_publishing_published_post_is_409(client, owner):
    automation = create(client, owner)
    run_now(client, owner, automation["id"])
    [post] = client.get("/api/v1/posts", headers=owner.headers).json()["posts"]

    response = client.post(f"/api/v1/posts/{post['id']}/publish", headers=owner.headers)

    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"


def test_image_url_serves_jpeg(client, owner):
    automation = create(client, owner)
    run_now(client, owner, automation["id"])
    [post] = client.get("/api/v1/posts", headers=owner.headers).json()["posts"]

    path = httpx.URL(post["image_url"]).path
    image = client.get(path)
    forged = client.get(path.replace("/media/", "/media/0"))

    assert post["image_url"].startswith("http://testserver.local/media/")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"
    assert forged.status_code == 404


def test_posts_page_with_cursor(client, owner):
    automation = create(client, owner)
    for _ in range(3):
        run_now(client, owner, automation["id"])

    first = client.get("/api/v1/posts?limit=2", headers=owner.headers).json()
    second = client.get(
        f"/api/v1/posts?limit=2&cursor={first['next_cursor']}", headers=owner.headers
    ).json()

    assert len(first["posts"]) == 2
    assert len(second["posts"]) == 1
    assert second["next_cursor"] is None
    ids = [post["id"] for post in first["posts"] + second["posts"]]
    assert len(set(ids)) == 3
    created = [post["created_at"] for post in first["posts"] + second["posts"]]
    assert created == sorted(created, reverse=True)


def test_posts_filters(client, owner):
    automation = create(client, owner)
    other = create(client, owner, requiresApproval=True)
    run_now(client, owner, automation["id"])
    run_now(client, owner, other["id"])

    by_automation = client.get(
        f"/api/v1/posts?automation_id={other['id']}", headers=owner.headers
    ).json()["posts"]
    by_status = client.get("/api/v1/posts?status=published", headers=owner.headers)

    assert [post["automation_id"] for post in by_automation] == [other["id"]]
    assert [post["status"] for post in by_status.json()["posts"]] == ["published"]


def test_posts_reject_bad_query(client, owner):
    bad_status = client.get("/api/v1/posts?status=lost", headers=owner.headers)
    bad_cursor = client.get("/api/v1/posts?cursor=%%%", headers=owner.headers)
    bad_limit = client.get("/api/v1/posts?limit=0", headers=owner.headers)
    bad_id = client.get("/api/v1/posts/123", headers=owner.headers)

    assert bad_status.status_code == 400
    assert bad_cursor.status_code == 400
    assert bad_limit.status_code == 400
    assert bad_id.status_code == 400


def test_other_users_post_is_404(client, owner, outsider):
    automation = create(client, owner)
    run_now(client, owner, automation["id"])
    [post] = client.get("/api/v1/posts", headers=owner.headers).json()["posts"]

    response = client.get(f"/api/v1/posts/{post['id']}", headers=outsider.headers)
    publish = client.post(
        f"/api/v1/posts/{post['id']}/publish", headers=outsider.headers
    )
    listed = client.get("/api/v1/posts", headers=outsider.headers).json()

    assert response.status_code == 404
    assert publish.status_code == 404
    assert listed["posts"] == []


def test_scheduled_tick_creates_post(client, db, owner):
    automation = create(client, owner)
    slot = clock.parse(
        db.value(
            "SELECT next_scheduled_at FROM automations WHERE id = ?",
            (automation["id"],),
        )
    )

    client.app.state.worker.tick(slot)
    runs = client.get(
        f"/api/v1/automations/{automation['id']}/runs", headers=owner.headers
    ).json()["runs"]

    assert len(runs) == 1
    assert runs[0]["trigger"] == "schedule"
    assert runs[0]["scheduled_for"] == clock.to_api(clock.to_db(slot))
    assert runs[0]["status"] == "succeeded"
