"""The admin page: users, creating one, and automation limits."""

from __future__ import annotations

import pytest

from tests.web_client import log_in

FORM = {
    "instagram_username": "outsider_shop",
    "general_description": "Plants",
    "prompt_details": "A green plant",
    "mandatory_caption_or_hashtags": "",
    "content_type": "ai_generated",
    "schedule_type": "daily",
    "schedule_time": "10:00",
    "schedule_timezone": "UTC",
}


@pytest.fixture
def admin_token(client, owner, outsider) -> str:
    # The first user of an install is the admin, so `owner` is one.
    return log_in(client, "owner@example.com")


def test_admin_lists_users(client, admin_token):
    page = client.get("/admin")

    assert page.status_code == 200
    assert "owner@example.com" in page.text
    assert "outsider@example.com" in page.text


@pytest.mark.parametrize(
    "method, path",
    [("get", "/admin"), ("post", "/admin/users"), ("post", "/admin/users/x/limit")],
)
def test_admin_pages_need_admin(client, owner, outsider, method, path):
    token = log_in(client, "outsider@example.com")

    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, data={"_csrf": token, "email": "x@example.com"})

    assert response.status_code == 403
    assert "Only admins" in response.text


def test_admin_link_only_for_admins(client, owner, outsider):
    log_in(client, "outsider@example.com")

    assert 'href="/admin"' not in client.get("/automations").text


def test_admin_creates_user(client, admin_token, db):
    response = client.post(
        "/admin/users",
        data={
            "_csrf": admin_token,
            "email": "new@example.com",
            "password": "long enough",
        },
        follow_redirects=False,
    )
    created = db.one("SELECT * FROM users WHERE email = 'new@example.com'")

    assert response.headers["location"] == "/admin"
    assert created["is_admin"] == 0


def test_admin_create_user_errors_shown(client, admin_token, db):
    response = client.post(
        "/admin/users",
        data={
            "_csrf": admin_token,
            "email": "outsider@example.com",
            "password": "long enough",
        },
    )

    assert response.status_code == 409
    assert "already exists" in response.text


def test_limit_blocks_new_automation(client, admin_token, outsider, db):
    client.post(
        f"/admin/users/{outsider.user['id']}/limit",
        data={"_csrf": admin_token, "automation_limit": "0"},
    )
    unlimited = db.value(
        "SELECT automation_limit FROM users WHERE id = ?", (outsider.user["id"],)
    )
    client.post(
        f"/admin/users/{outsider.user['id']}/limit",
        data={"_csrf": admin_token, "automation_limit": "1"},
    )
    token = log_in(client, "outsider@example.com")

    first = client.post("/automations", data={**FORM, "_csrf": token})
    second = client.post("/automations", data={**FORM, "_csrf": token})

    assert unlimited == 0
    assert first.status_code == 200
    assert second.status_code == 403
    assert "Automation limit reached" in second.text
    assert db.value("SELECT COUNT(*) FROM automations") == 1


def test_limit_cleared_to_default(client, admin_token, outsider, db):
    path = f"/admin/users/{outsider.user['id']}/limit"
    client.post(path, data={"_csrf": admin_token, "automation_limit": "3"})
    client.post(path, data={"_csrf": admin_token, "automation_limit": ""})

    assert (
        db.value(
            "SELECT automation_limit FROM users WHERE id = ?", (outsider.user["id"],)
        )
        is None
    )


def test_invalid_limit_rejected(client, admin_token, outsider):
    response = client.post(
        f"/admin/users/{outsider.user['id']}/limit",
        data={"_csrf": admin_token, "automation_limit": "-1"},
    )

    assert response.status_code == 400
    assert "Invalid automation limit" in response.text


def test_limit_form_without_field_is_400(client, db, owner, outsider):
    from tests.web_client import log_in

    db.conn.execute(
        "UPDATE users SET automation_limit = 3 WHERE id = ?", (outsider.user["id"],)
    )
    token = log_in(client, owner.user["email"])

    response = client.post(
        f"/admin/users/{outsider.user['id']}/limit", data={"_csrf": token}
    )

    assert response.status_code == 400
    assert (
        db.value(
            "SELECT automation_limit FROM users WHERE id = ?", (outsider.user["id"],)
        )
        == 3
    )
