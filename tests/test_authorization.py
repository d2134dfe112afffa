"""Who may call what: every API operation in the OpenAPI document, as the owner,
another user, no key, a revoked key, and a session cookie without CSRF token.

The operations come from /schema/openapi.json, so a new route is covered here
as soon as it exists.
"""

from __future__ import annotations

import pytest

from smartshare import auth, users
from tests.conftest import automation_body

PUBLIC_PATHS = {"/healthz"}
WRITE_BODIES = {
    ("post", "/api/v1/automations"): automation_body(),
    ("patch", "/api/v1/automations/{automation_id}"): {"promptDetails": "x"},
    ("patch", "/api/v1/automations/{automation_id}/status"): {"active": True},
    ("post", "/api/v1/webhooks"): {"url": "https://hooks.example.com/in"},
    ("patch", "/api/v1/webhooks/{endpoint_id}"): {"description": "x"},
}


@pytest.fixture
def resources(client, db, owner):
    """Create one of each resource of the owner and return their ids."""
    headers = owner.headers
    automation = client.post(
        "/api/v1/automations", json=automation_body(), headers=headers
    ).json()
    client.post(f"/api/v1/automations/{automation['id']}/run", headers=headers)
    post = client.get("/api/v1/posts", headers=headers).json()["posts"][0]
    db.conn.execute("UPDATE posts SET status = 'failed' WHERE id = ?", (post["id"],))
    endpoint_id, delivery_id = make_endpoint_with_delivery(db, owner)
    return {
        "automation_id": automation["id"],
        "post_id": post["id"],
        "endpoint_id": endpoint_id,
        "delivery_id": delivery_id,
    }


def make_endpoint_with_delivery(db, owner) -> tuple[str, str]:
    from smartshare import clock, events, secretbox

    moment = clock.now_db()
    with db.write() as conn:
        conn.execute(
            "INSERT INTO webhook_endpoints (id, user_id, url, secret, created_at, "
            "updated_at) VALUES ('00000000-0000-4000-8000-000000000001', ?, "
            "'https://hooks.example.com/in', ?, ?, ?)",
            (owner.user["id"], secretbox.encrypt("unused", "whsec_x"), moment, moment),
        )
        event = events.record(
            conn, owner.user["id"], events.POST_PUBLISHED, {"postId": "p"}
        )
        conn.execute(
            "INSERT INTO deliveries (id, event_id, endpoint_id, status, created_at) "
            "VALUES ('00000000-0000-4000-8000-000000000002', ?, "
            "'00000000-0000-4000-8000-000000000001', 'failed', ?)",
            (event["id"], moment),
        )
    return (
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8000-000000000002",
    )


def operations(client) -> list[tuple[str, str]]:
    """Return every authenticated operation, deletes last so the rows exist."""
    spec = client.get("/schema/openapi.json").json()
    found = [
        (method, path)
        for path, methods in spec["paths"].items()
        if path not in PUBLIC_PATHS
        for method in methods
    ]
    return sorted(found, key=lambda operation: operation[0] == "delete")


def call(client, method, path, resources, headers=None, cookies=None):
    url = path.format(**resources)
    body = WRITE_BODIES.get((method, path))
    client.cookies.clear()
    for name, value in (cookies or {}).items():
        client.cookies.set(name, value)
    return client.request(method, url, json=body, headers=headers or {})


def test_schema_lists_every_api_route(client):
    assert len(operations(client)) >= 22


def test_no_key_is_401_everywhere(client, resources):
    for method, path in operations(client):
        response = call(client, method, path, resources)

        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_401_everywhere(client, db, owner, resources):
    key_id = db.value("SELECT id FROM api_keys WHERE user_id = ?", (owner.user["id"],))
    users.revoke_api_key(db, owner.user["id"], key_id)

    for method, path in operations(client):
        response = call(client, method, path, resources, headers=owner.headers)

        assert response.status_code == 401, (method, path)


def test_session_without_csrf_is_401(client, db, owner, resources):
    token, _ = auth.create_session(db, owner.user["id"])

    for method, path in operations(client):
        response = call(
            client, method, path, resources, cookies={auth.SESSION_COOKIE: token}
        )

        assert response.status_code == 401, (method, path)


def test_session_with_csrf_is_accepted(client, db, owner, resources):
    token, csrf = auth.create_session(db, owner.user["id"])

    response = call(
        client,
        "get",
        "/api/v1/automations/{automation_id}",
        resources,
        headers={auth.CSRF_HEADER: csrf},
        cookies={auth.SESSION_COOKIE: token},
    )

    assert response.status_code == 200


def test_outsider_never_sees_owner_rows(client, owner, outsider, resources):
    for method, path in operations(client):
        response = call(client, method, path, resources, headers=outsider.headers)

        if "{" in path:
            assert response.status_code == 404, (method, path, response.text)
        else:
            assert response.status_code in (200, 201, 400), (method, path)
            assert owner.user["id"] not in response.text, (method, path)


def test_owner_reaches_every_route(client, owner, resources):
    for method, path in operations(client):
        response = call(client, method, path, resources, headers=owner.headers)

        assert response.status_code not in (401, 403, 404, 405), (
            method,
            path,
            response.text,
        )
        assert response.status_code < 500, (method, path)
