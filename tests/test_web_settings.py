"""Settings in the dashboard: API keys and accounts."""

from __future__ import annotations

import re

import pytest

from tests.web_client import log_in

NEW_KEY = re.compile(
    r'id="new-key" class="secret" type="text" readonly value="(ss_[^"]+)"'
)


@pytest.fixture
def token(client, owner) -> str:
    return log_in(client, "owner@example.com")


def test_api_key_shown_once_and_works(client, token, db):
    created = client.post(
        "/settings/api-keys",
        data={"_csrf": token, "name": "zapier"},
        follow_redirects=False,
    )
    shown = client.get("/settings")
    key = NEW_KEY.search(shown.text).group(1)

    later = client.get("/settings")
    api = client.get("/api/v1/automations", headers={"Authorization": f"Bearer {key}"})

    assert created.status_code == 303
    assert created.headers["location"] == "/settings#api-keys"
    assert key not in created.text
    assert db.value("SELECT COUNT(*) FROM api_keys WHERE name = 'zapier'") == 1
    assert "zapier" in later.text
    assert key not in later.text
    assert key[:12] in later.text
    assert api.status_code == 200


def test_api_key_revoked(client, token, db):
    created = client.post("/settings/api-keys", data={"_csrf": token, "name": "old"})
    key = NEW_KEY.search(created.text).group(1)  # the redirect to /settings is followed
    key_id = db.value("SELECT id FROM api_keys WHERE name = 'old'")

    response = client.post(
        f"/settings/api-keys/{key_id}/revoke",
        data={"_csrf": token},
        follow_redirects=False,
    )
    api = client.get("/api/v1/automations", headers={"Authorization": f"Bearer {key}"})

    assert response.headers["location"] == "/settings#api-keys"
    assert api.status_code == 401
    assert db.value("SELECT revoked_at FROM api_keys WHERE id = ?", (key_id,))
    assert f"/settings/api-keys/{key_id}/revoke" not in client.get("/settings").text


def test_api_key_shows_last_use(client, token, owner):
    page = client.get("/settings")

    assert "Never" in page.text


def test_other_users_key_not_revoked(client, owner, outsider, db):
    key_id = db.value("SELECT id FROM api_keys WHERE user_id = ?", (owner.user["id"],))
    token = log_in(client, "outsider@example.com")

    response = client.post(f"/settings/api-keys/{key_id}/revoke", data={"_csrf": token})

    assert response.status_code == 404
    assert db.value("SELECT revoked_at FROM api_keys WHERE id = ?", (key_id,)) is None


def test_sandbox_account_added(client, token, db):
    response = client.post(
        "/settings/accounts/sandbox",
        data={"_csrf": token, "username": "@New.Shop"},
        follow_redirects=False,
    )

    assert response.headers["location"] == "/settings#accounts"
    assert "@new.shop" in client.get("/settings").text


def test_sandbox_account_invalid_name(client, token):
    response = client.post(
        "/settings/accounts/sandbox", data={"_csrf": token, "username": "no spaces"}
    )

    assert response.status_code == 400
    assert "Invalid Instagram username" in response.text
    assert 'aria-invalid="true"' in response.text


def test_accounts_show_state(client, token, db, owner):
    with db.write() as conn:
        conn.execute(
            "INSERT INTO accounts (id, user_id, username, kind, state, "
            "token_expires_at, created_at, updated_at) VALUES ('a1', ?, 'real_shop', "
            "'instagram', 'reconnect_required', '2027-01-01T00:00:00.000Z', "
            "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
            (owner.user["id"],),
        )

    page = client.get("/settings").text

    assert "@real_shop" in page
    assert "Reconnect required" in page
    assert 'datetime="2027-01-01T00:00:00Z"' in page
    assert 'href="/accounts/instagram/connect"' in page


def test_connected_message_names_own_account(client, token):
    own = client.get("/settings?flash=instagram_connected&account=owner_shop")
    foreign = client.get("/settings?flash=instagram_connected&account=someone")

    assert "Connected the Instagram account @owner_shop." in own.text
    assert "Connected the Instagram account" not in foreign.text
