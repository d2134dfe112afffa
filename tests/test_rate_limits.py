"""The optional API rate limit: 429 with Retry-After in the error shape."""

from __future__ import annotations

import pytest

from smartshare import config
from smartshare.app import create_app
from tests.conftest import make_persona


@pytest.fixture
def limited_settings(data_dir):
    return config.load(
        environ={
            "SMARTSHARE_DATA_DIR": str(data_dir),
            "SMARTSHARE_LIMITS__API_REQUESTS_PER_MINUTE": "3",
        }
    )


def test_fourth_request_is_429(limited_settings):
    from litestar.testing import TestClient

    app = create_app(limited_settings, immediate=True)
    persona = make_persona(app.state.db, "busy@example.com", "busy_shop")
    other = make_persona(app.state.db, "calm@example.com", "calm_shop")

    with TestClient(app) as client:
        statuses = [
            client.get("/api/v1/automations", headers=persona.headers).status_code
            for _ in range(3)
        ]
        limited = client.get("/api/v1/automations", headers=persona.headers)
        other_user = client.get("/api/v1/automations", headers=other.headers)

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.json()["error"] == "Too Many Requests"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert other_user.status_code == 200


def test_limit_off_by_default(client, owner):
    statuses = {
        client.get("/api/v1/automations", headers=owner.headers).status_code
        for _ in range(50)
    }

    assert statuses == {200}
