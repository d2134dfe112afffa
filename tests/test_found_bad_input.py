"""Malformed input that must get a clear 4xx and change nothing."""

from __future__ import annotations

import pytest

from tests.conftest import automation_body
from tests.fakes.dns import FakeDNS

LONE_SURROGATE = b'"x\\udfffy"'


def create(client, persona):
    response = client.post(
        "/api/v1/automations",
        json=automation_body(persona.username),
        headers=persona.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def send_json(client, method, path, raw, persona):
    return client.request(
        method,
        path,
        content=raw,
        headers={**persona.headers, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    "raw",
    [
        b'{"generalDescription": ' + LONE_SURROGATE + b"}",
        b'{"promptDetails": "\\ud800"}',
        b'{"x\\udfff": 1}',
    ],
)
def test_surrogate_in_patch_is_400(client, owner, raw):
    automation = create(client, owner)
    path = f"/api/v1/automations/{automation['id']}"

    response = send_json(client, "PATCH", path, raw, owner)

    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    assert "surrogate" in body["message"]
    after = client.get(path, headers=owner.headers).json()
    assert after["updated_at"] == automation["updated_at"]
    assert after["general_description"] == automation["general_description"]


def test_surrogate_in_create_is_400(client, owner):
    text = (
        b'{"instagram_username": "owner_shop", '
        b'"schedule": {"type": "daily", "time": "14:30", "timezone": "UTC"}, '
        b'"generalDescription": ' + LONE_SURROGATE + b", "
        b'"promptDetails": "p", "mandatoryCaptionOrHashtags": "#a", '
        b'"generateExtraHashtags": false, "contentType": "ai_generated"}'
    )

    response = send_json(client, "POST", "/api/v1/automations", text, owner)

    assert response.status_code == 400, response.text
    assert "surrogate" in response.json()["message"]
    listed = client.get("/api/v1/automations", headers=owner.headers).json()
    assert listed["automations"] == []


def test_surrogate_in_webhook_is_400(client, owner, monkeypatch):
    FakeDNS.install(monkeypatch).records["hooks.example.com"] = ["93.184.215.14"]
    raw = b'{"url": "https://hooks.example.com/a", "description": ' + LONE_SURROGATE
    raw += b"}"

    response = send_json(client, "POST", "/api/v1/webhooks", raw, owner)

    assert response.status_code == 400, response.text
    assert "surrogate" in response.json()["message"]
    listed = client.get("/api/v1/webhooks", headers=owner.headers).json()
    assert listed["webhooks"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/static/%00",
        "/static/app.css%00.js",
        "/static/" + "a" * 300,
        "/static/app.css/x",
    ],
)
def test_static_bad_path_is_404(client, path):
    response = client.get(path)

    assert response.status_code == 404, response.text


def test_static_file_still_served(client):
    response = client.get("/static/app.css")

    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
