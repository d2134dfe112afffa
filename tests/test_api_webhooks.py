"""The webhook endpoints API: create, read, update, delete, test and redeliver.

URLs use a made-up host from the fake DNS that resolves to a public address,
so saving them makes no DNS query, and nothing is sent in these tests.
"""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import TestClient

from smartshare import clock, config, events
from smartshare.app import create_app
from smartshare.webhooks import dispatch
from tests.fakes.dns import FakeDNS

URL = "https://hooks.example.com/smartshare?token=abc"
BASE = "/api/v1/webhooks"


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    fake = FakeDNS.install(monkeypatch)
    fake.records["hooks.example.com"] = ["93.184.215.14"]
    fake.records["lan.example.com"] = ["192.168.1.20"]
    fake.records["missing.example.com"] = []
    return fake


def create(client, persona, **fields) -> dict:
    response = client.post(BASE, json={"url": URL, **fields}, headers=persona.headers)
    assert response.status_code == 201, response.text
    return response.json()


def details_of(response) -> dict[str, str]:
    return {item["field"]: item["message"] for item in response.json()["details"]}


def test_create_returns_secret_once(client, owner):
    created = create(client, owner, description="Orders system")

    fetched = client.get(f"{BASE}/{created['id']}", headers=owner.headers).json()
    listed = client.get(BASE, headers=owner.headers).json()["webhooks"]
    assert created["secret"].startswith("whsec_")
    assert len(created["secret"]) == len("whsec_") + 44
    assert created["url"] == URL
    assert created["enabled"] is True
    assert created["events"] is None
    assert created["description"] == "Orders system"
    assert created["disabled_reason"] is None
    assert "secret" not in fetched
    assert listed == [fetched]
    assert fetched == {key: created[key] for key in fetched}


def test_secret_stored_encrypted(client, db, owner):
    created = create(client, owner)

    stored = db.value(
        "SELECT secret FROM webhook_endpoints WHERE id = ?", (created["id"],)
    )
    assert stored.startswith("enc1:")
    assert created["secret"] not in stored


def test_create_with_event_filter(client, owner):
    chosen = [events.POST_PUBLISHED, events.POST_PUBLISHED, events.RUN_FAILED]

    created = create(client, owner, events=chosen, enabled=False)

    assert created["events"] == [events.POST_PUBLISHED, events.RUN_FAILED]
    assert created["enabled"] is False


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "url", "Missing required field"),
        ({"url": "ftp://hooks.example.com/x"}, "url", "scheme must be http"),
        ({"url": "https://user:pw@hooks.example.com/"}, "url", "user name"),
        ({"url": "https://missing.example.com/"}, "url", "could not be resolved"),
        ({"url": 5}, "url", "Expected a string"),
        ({"url": URL, "events": ["post.made"]}, "events", "Unknown event type"),
        ({"url": URL, "events": [3]}, "events", "event type strings"),
        ({"url": URL, "events": []}, "events", "Send null"),
        ({"url": URL, "enabled": "yes"}, "enabled", "true or false"),
        ({"url": URL, "secret": "whsec_x"}, "secret", "Unknown field"),
    ],
)
def test_create_rejects_invalid_fields(client, owner, body, field, words):
    response = client.post(BASE, json=body, headers=owner.headers)

    assert response.status_code == 400
    assert words in details_of(response)[field]
    assert client.get(BASE, headers=owner.headers).json()["webhooks"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://2130706433/hook",
        "https://lan.example.com/hook",
        "http://[::ffff:10.0.0.1]/hook",
    ],
)
def test_private_url_rejected_by_default(client, owner, url):
    response = client.post(BASE, json={"url": url}, headers=owner.headers)

    assert response.status_code == 400
    assert "allow_private_networks" in details_of(response)["url"]


@pytest.fixture
def lan_client(data_dir):
    settings = config.load(
        environ={
            "SMARTSHARE_DATA_DIR": str(data_dir),
            "SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true",
        }
    )
    with TestClient(create_app(settings, immediate=True)) as client:
        yield client


def test_private_url_allowed_when_configured(lan_client, owner):
    response = lan_client.post(
        BASE, json={"url": "https://lan.example.com/hook"}, headers=owner.headers
    )

    assert response.status_code == 201, response.text


def test_metadata_address_always_rejected(lan_client, owner):
    response = lan_client.post(
        BASE, json={"url": "http://169.254.169.254/latest"}, headers=owner.headers
    )

    assert response.status_code == 400
    assert "link-local" in details_of(response)["url"]


def test_list_shows_only_own_endpoints(client, owner, outsider):
    mine = create(client, owner)
    create(client, outsider)

    listed = client.get(BASE, headers=owner.headers).json()["webhooks"]

    assert [endpoint["id"] for endpoint in listed] == [mine["id"]]


def test_patch_changes_given_fields(client, owner):
    created = create(client, owner, description="old")

    response = client.patch(
        f"{BASE}/{created['id']}",
        json={"events": [events.POST_CREATED], "description": "new"},
        headers=owner.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["events"] == [events.POST_CREATED]
    assert response.json()["description"] == "new"
    assert response.json()["url"] == URL


def test_patch_null_events_means_all(client, owner):
    created = create(client, owner, events=[events.POST_CREATED])

    response = client.patch(
        f"{BASE}/{created['id']}", json={"events": None}, headers=owner.headers
    )

    assert response.json()["events"] is None


def test_patch_ignores_echoed_read_only_fields(client, owner):
    created = create(client, owner)
    echoed = {key: value for key, value in created.items() if key != "secret"}

    response = client.patch(
        f"{BASE}/{created['id']}",
        json={**echoed, "id": str(uuid.uuid4()), "description": "echo"},
        headers=owner.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["id"] == created["id"]
    assert response.json()["description"] == "echo"


def test_patch_rejects_unsafe_url(client, owner):
    created = create(client, owner)

    response = client.patch(
        f"{BASE}/{created['id']}",
        json={"url": "http://10.1.2.3/hook"},
        headers=owner.headers,
    )

    assert response.status_code == 400
    assert "url" in details_of(response)
    fetched = client.get(f"{BASE}/{created['id']}", headers=owner.headers)
    assert fetched.json()["url"] == URL


def test_enabling_clears_disabled_reason(client, db, owner):
    created = create(client, owner)
    db.conn.execute(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'HTTP 410' "
        "WHERE id = ?",
        (created["id"],),
    )

    response = client.patch(
        f"{BASE}/{created['id']}", json={"enabled": True}, headers=owner.headers
    )

    assert response.json()["enabled"] is True
    assert response.json()["disabled_reason"] is None


def test_disabling_fails_pending_deliveries(client, db, owner):
    created = create(client, owner)
    sent = client.post(f"{BASE}/{created['id']}/test", headers=owner.headers)

    client.patch(
        f"{BASE}/{created['id']}", json={"enabled": False}, headers=owner.headers
    )

    [delivery] = client.get(
        f"{BASE}/{created['id']}/deliveries", headers=owner.headers
    ).json()["deliveries"]
    assert delivery["id"] == sent.json()["id"]
    assert delivery["status"] == "failed"
    assert delivery["last_error"].startswith("Not sent: the endpoint was disabled")
    assert delivery["next_attempt_at"] is None


def test_delete_removes_endpoint(client, owner):
    created = create(client, owner)
    client.post(f"{BASE}/{created['id']}/test", headers=owner.headers)

    response = client.delete(f"{BASE}/{created['id']}", headers=owner.headers)

    assert response.status_code == 204
    assert response.content == b""
    fetched = client.get(f"{BASE}/{created['id']}", headers=owner.headers)
    assert fetched.status_code == 404


def test_test_event_queued_for_endpoint(client, db, owner):
    target = create(client, owner)
    other = create(client, owner)

    response = client.post(f"{BASE}/{target['id']}/test", headers=owner.headers)

    assert response.status_code == 202, response.text
    delivery = response.json()
    assert delivery["event_type"] == "webhook.test"
    assert delivery["status"] == "pending"
    assert delivery["attempt_count"] == 0
    assert delivery["attempts"] == []
    assert delivery["next_attempt_at"] is not None
    assert dispatch.dispatch_events(db, clock.now()) == 0
    other_deliveries = client.get(
        f"{BASE}/{other['id']}/deliveries", headers=owner.headers
    ).json()["deliveries"]
    assert other_deliveries == []


def test_test_event_rejected_when_disabled(client, owner):
    created = create(client, owner, enabled=False)

    response = client.post(f"{BASE}/{created['id']}/test", headers=owner.headers)

    assert response.status_code == 409
    assert "Enable it with PATCH" in response.json()["message"]


def test_deliveries_newest_first_with_limit(client, owner):
    created = create(client, owner)
    sent = [
        client.post(f"{BASE}/{created['id']}/test", headers=owner.headers).json()
        for _ in range(3)
    ]

    response = client.get(
        f"{BASE}/{created['id']}/deliveries?limit=2", headers=owner.headers
    )

    assert response.status_code == 200
    listed = response.json()["deliveries"]
    assert [item["id"] for item in listed] == [sent[2]["id"], sent[1]["id"]]


def test_deliveries_limit_out_of_range(client, owner):
    created = create(client, owner)

    response = client.get(
        f"{BASE}/{created['id']}/deliveries?limit=0", headers=owner.headers
    )

    assert response.status_code == 400


def test_redeliver_resets_attempt_budget(client, db, owner):
    created = create(client, owner)
    sent = client.post(f"{BASE}/{created['id']}/test", headers=owner.headers).json()
    db.conn.execute(
        "UPDATE deliveries SET status = 'failed', attempt_count = 10, "
        "next_attempt_at = NULL, finished_at = '2025-01-01T00:00:00.000Z' "
        "WHERE id = ?",
        (sent["id"],),
    )

    response = client.post(
        f"{BASE}/{created['id']}/deliveries/{sent['id']}/redeliver",
        headers=owner.headers,
    )

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["attempt_count"] == 0
    assert response.json()["finished_at"] is None
    assert response.json()["next_attempt_at"] is not None


def test_redeliver_rejects_delivery_in_flight(client, db, owner):
    created = create(client, owner)
    sent = client.post(f"{BASE}/{created['id']}/test", headers=owner.headers).json()
    db.conn.execute(
        "UPDATE deliveries SET status = 'sending' WHERE id = ?", (sent["id"],)
    )

    response = client.post(
        f"{BASE}/{created['id']}/deliveries/{sent['id']}/redeliver",
        headers=owner.headers,
    )

    assert response.status_code == 409


def test_redeliver_unknown_delivery(client, owner):
    created = create(client, owner)
    other = create(client, owner)
    sent = client.post(f"{BASE}/{other['id']}/test", headers=owner.headers).json()

    wrong_endpoint = client.post(
        f"{BASE}/{created['id']}/deliveries/{sent['id']}/redeliver",
        headers=owner.headers,
    )
    not_uuid = client.post(
        f"{BASE}/{created['id']}/deliveries/42/redeliver", headers=owner.headers
    )

    assert wrong_endpoint.status_code == 404
    assert not_uuid.status_code == 400
    assert "Invalid delivery id" in not_uuid.json()["message"]


ROUTES = [
    ("GET", ""),
    ("PATCH", ""),
    ("DELETE", ""),
    ("GET", "/deliveries"),
    ("POST", "/test"),
    ("POST", f"/deliveries/{uuid.uuid4()}/redeliver"),
]


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_other_users_endpoint_is_not_found(client, owner, outsider, method, suffix):
    theirs = create(client, outsider)

    response = client.request(
        method,
        f"{BASE}/{theirs['id']}{suffix}",
        json={"description": "mine now"} if method == "PATCH" else None,
        headers=owner.headers,
    )

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
    fetched = client.get(f"{BASE}/{theirs['id']}", headers=outsider.headers)
    assert fetched.json()["description"] == ""


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_non_uuid_id_is_bad_request(client, owner, method, suffix):
    response = client.request(
        method,
        f"{BASE}/not-a-uuid{suffix}",
        json={"description": "x"} if method == "PATCH" else None,
        headers=owner.headers,
    )

    assert response.status_code == 400
    assert "Invalid webhook id" in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", BASE), ("POST", BASE)]
    + [(method, f"{BASE}/{uuid.uuid4()}{suffix}") for method, suffix in ROUTES],
)
def test_api_key_required(client, method, path):
    response = client.request(method, path)

    assert response.status_code == 401


def test_openapi_documents_webhooks(client):
    schema = client.get("/schema/openapi.json").json()

    assert f"{BASE}/{{endpoint_id}}/test" in schema["paths"]
    created = schema["components"]["schemas"]["CreatedWebhookEndpoint"]
    listed = schema["components"]["schemas"]["WebhookEndpoint"]
    assert "secret" in created["properties"]
    assert "secret" not in listed["properties"]
