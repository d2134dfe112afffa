"""Webhook endpoints in the dashboard settings: create, test, the delivery log,
redeliver, disable and delete.

The receiver is a real server on 127.0.0.1, so private networks are allowed.
"""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from smartshare import config
from smartshare.app import create_app
from tests.conftest import make_persona
from tests.fakes.receiver import Receiver, Reply
from tests.fakes.server import serve
from tests.web_client import log_in

SECRET = re.compile(
    r'id="new-secret" class="secret" type="text" readonly value="([^"]+)"'
)


@pytest.fixture
def app(data_dir):
    settings = config.load(
        environ={
            "SMARTSHARE_DATA_DIR": str(data_dir),
            "SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true",
        }
    )
    return create_app(settings, immediate=True)


@pytest.fixture
def receiver():
    hooks = Receiver(Reply(status=500), Reply(status=200))
    with serve(hooks) as url:
        hooks.url = url + "/hooks"
        yield hooks


@pytest.fixture
def token(client, db) -> str:
    make_persona(db, "owner@example.com", "owner_shop")
    return log_in(client, "owner@example.com")


def add_endpoint(client, token, url, **fields) -> str:
    response = client.post(
        "/settings/webhooks",
        data={"_csrf": token, "url": url, **fields},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings#webhooks"
    return client.get("/settings").text


def endpoint_id(db) -> str:
    return db.value("SELECT id FROM webhook_endpoints")


def test_create_shows_secret_once(client, token, receiver, db):
    page = add_endpoint(client, token, receiver.url, description="Orders")
    secret = SECRET.search(page).group(1)

    later = client.get("/settings").text

    assert secret.startswith("whsec_")
    assert secret not in later
    assert receiver.url in later
    assert "All events" in later


def test_create_with_event_filter(client, token, receiver, db):
    add_endpoint(
        client,
        token,
        receiver.url,
        events=["instagram.post.published", "automation.run.failed"],
    )

    assert db.value("SELECT events FROM webhook_endpoints") == (
        '["instagram.post.published", "automation.run.failed"]'
    )
    assert "instagram.post.published, automation.run.failed" in (
        client.get("/settings").text
    )


def test_invalid_url_shown(client, token, db):
    response = client.post(
        "/settings/webhooks", data={"_csrf": token, "url": "ftp://example.com/x"}
    )

    assert response.status_code == 400
    assert "The endpoint was not added" in response.text
    assert 'value="ftp://example.com/x"' in response.text
    assert db.value("SELECT COUNT(*) FROM webhook_endpoints") == 0


def test_test_event_delivered_with_attempts(app, client, token, receiver, db):
    add_endpoint(client, token, receiver.url)
    path = f"/settings/webhooks/{endpoint_id(db)}"

    response = client.post(
        path + "/test", data={"_csrf": token}, follow_redirects=False
    )
    queued = client.get(path).text
    app.state.worker.tick()
    with db.write() as conn:
        conn.execute(
            "UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending'",
            ("2000-01-01T00:00:00.000Z",),
        )
    app.state.worker.tick()
    log = client.get(path + "/deliveries").text

    assert response.headers["location"] == path + "#deliveries"
    assert 'hx-trigger="every 3s"' in queued
    assert len(receiver.requests) == 2
    assert "Delivered" in log
    assert "2 attempts" in log
    assert "<td>500</td>" in log
    assert "<td>200</td>" in log
    assert 'hx-trigger="every 3s"' not in log


def test_redeliver_sends_again(app, client, token, receiver, db):
    add_endpoint(client, token, receiver.url)
    path = f"/settings/webhooks/{endpoint_id(db)}"
    client.post(path + "/test", data={"_csrf": token})
    delivery_id = db.value("SELECT id FROM deliveries")
    with db.write() as conn:
        conn.execute(
            "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL "
            "WHERE id = ?",
            (delivery_id,),
        )

    client.post(f"{path}/deliveries/{delivery_id}/redeliver", data={"_csrf": token})
    app.state.worker.tick()

    assert len(receiver.requests) == 1
    assert db.value("SELECT status FROM deliveries") == "pending"
    assert db.value("SELECT last_status_code FROM deliveries") == 500


def test_disable_then_enable(client, token, receiver, db):
    add_endpoint(client, token, receiver.url)
    path = f"/settings/webhooks/{endpoint_id(db)}"

    client.post(path + "/enabled", data={"_csrf": token, "enabled": "off"})
    disabled = client.get(path).text
    client.post(path + "/enabled", data={"_csrf": token, "enabled": "on"})

    assert "Send test event" not in disabled
    assert "Disabled" in disabled
    assert db.value("SELECT enabled FROM webhook_endpoints") == 1


def test_delete_after_confirmation(client, token, receiver, db):
    add_endpoint(client, token, receiver.url)
    path = f"/settings/webhooks/{endpoint_id(db)}/delete"

    confirm = client.get(path)
    response = client.post(path, data={"_csrf": token}, follow_redirects=False)

    assert "Delete this webhook endpoint?" in confirm.text
    assert response.headers["location"] == "/settings#webhooks"
    assert db.value("SELECT COUNT(*) FROM webhook_endpoints") == 0


def test_other_users_endpoint_not_found(app, client, token, receiver, db):
    add_endpoint(client, token, receiver.url)
    path = f"/settings/webhooks/{endpoint_id(db)}"
    make_persona(db, "outsider@example.com", "outsider_shop")
    with TestClient(app) as other:
        other_token = log_in(other, "outsider@example.com")

        page = other.get(path)
        test = other.post(path + "/test", data={"_csrf": other_token})
        delete = other.post(path + "/delete", data={"_csrf": other_token})

    assert page.status_code == 404
    assert test.status_code == 404
    assert delete.status_code == 404
    assert db.value("SELECT COUNT(*) FROM deliveries") == 0
    assert db.value("SELECT COUNT(*) FROM webhook_endpoints") == 1
