"""The documented automations endpoints, status codes and bodies."""

from __future__ import annotations

import uuid

import pytest

from smartshare import users
from tests.conftest import automation_body

AUTOMATION_KEYS = {
    "id",
    "user_id",
    "instagram_username",
    "schedule",
    "general_description",
    "prompt_details",
    "negative_prompt",
    "mandatory_caption_or_hashtags",
    "generate_extra_hashtags",
    "content_type",
    "requires_approval",
    "active",
    "status",
    "last_run_at",
    "next_scheduled_at",
    "last_error",
    "created_at",
    "updated_at",
}


def create(client, persona, **changes):
    response = client.post(
        "/api/v1/automations",
        json=automation_body(persona.username, **changes),
        headers=persona.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_list_starts_empty(client, owner):
    response = client.get("/api/v1/automations", headers=owner.headers)

    assert response.status_code == 200
    assert response.json() == {"automations": []}


def test_create_returns_full_object(client, owner):
    created = create(client, owner)

    assert set(created) == AUTOMATION_KEYS
    assert created["user_id"] == owner.user["id"]
    assert created["instagram_username"] == "owner_shop"
    assert created["general_description"] == "Daily tech news summary post"
    assert created["negative_prompt"] == "blurry, low quality"
    assert created["mandatory_caption_or_hashtags"] == "#AI #TechNews"
    assert created["generate_extra_hashtags"] is True
    assert created["content_type"] == "ai_generated"
    assert created["requires_approval"] is False
    assert created["active"] is True
    assert created["status"] == "idle"
    assert created["last_run_at"] is None
    assert created["next_scheduled_at"].endswith(":30:00Z")
    assert created["created_at"].endswith("Z")
    assert created["schedule"] == {
        "type": "daily",
        "time": "14:30",
        "timezone": "America/Los_Angeles",
    }


def test_list_and_get_show_created(client, owner):
    created = create(client, owner)

    listed = client.get("/api/v1/automations", headers=owner.headers).json()
    fetched = client.get(f"/api/v1/automations/{created['id']}", headers=owner.headers)

    assert listed == {"automations": [created]}
    assert fetched.status_code == 200
    assert fetched.json() == created


def test_create_accepts_snake_case(client, owner):
    body = {
        "instagram_username": "owner_shop",
        "schedule": {"type": "weekly", "time": "09:00", "timezone": "Europe/London"},
        "general_description": "Snake",
        "prompt_details": "A snake in the grass",
        "mandatory_caption_or_hashtags": "",
        "generate_extra_hashtags": False,
        "content_type": "ai_generated",
        "requires_approval": True,
    }
    response = client.post("/api/v1/automations", json=body, headers=owner.headers)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["requires_approval"] is True
    assert created["negative_prompt"] is None
    assert len(created["schedule"]["days_of_week"]) == 1


def test_echoed_object_is_accepted(client, owner):
    created = create(client, owner)
    echoed = {key: value for key, value in created.items()}

    response = client.post("/api/v1/automations", json=echoed, headers=owner.headers)

    assert response.status_code == 201, response.text
    assert response.json()["id"] != created["id"]


def test_delete_returns_empty_204(client, owner):
    created = create(client, owner)

    response = client.delete(
        f"/api/v1/automations/{created['id']}", headers=owner.headers
    )
    again = client.get(f"/api/v1/automations/{created['id']}", headers=owner.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert again.status_code == 404


def test_stop_and_start_messages(client, owner):
    created = create(client, owner)
    base = f"/api/v1/automations/{created['id']}"

    stopped = client.post(base + "/stop", headers=owner.headers)
    after_stop = client.get(base, headers=owner.headers).json()
    started = client.post(base + "/start", headers=owner.headers)
    after_start = client.get(base, headers=owner.headers).json()

    assert stopped.status_code == 200
    assert stopped.json() == {"success": True, "message": "Automation deactivated."}
    assert after_stop["active"] is False
    assert after_stop["next_scheduled_at"] is None
    assert started.status_code == 200
    assert started.json() == {"success": True, "message": "Automation activated."}
    assert after_start["active"] is True
    assert after_start["next_scheduled_at"] == created["next_scheduled_at"]


@pytest.mark.parametrize("active", [True, False])
def test_status_patch_sets_active(client, owner, active):
    created = create(client, owner)
    base = f"/api/v1/automations/{created['id']}"

    response = client.patch(
        base + "/status", json={"active": active}, headers=owner.headers
    )

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": f"Automation status updated to {str(active).lower()}",
    }
    assert client.get(base, headers=owner.headers).json()["active"] is active


@pytest.mark.parametrize("body", [{}, {"active": "yes"}, {"active": 1}, {"on": True}])
def test_status_patch_rejects_bad_body(client, owner, body):
    created = create(client, owner)

    response = client.patch(
        f"/api/v1/automations/{created['id']}/status", json=body, headers=owner.headers
    )

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert response.json()["details"]


def test_patch_changes_schedule_and_next_slot(client, owner):
    created = create(client, owner)
    schedule = {"type": "daily", "time": "06:15", "timezone": "Asia/Tokyo"}

    response = client.patch(
        f"/api/v1/automations/{created['id']}",
        json={"schedule": schedule, "promptDetails": "Sunrise"},
        headers=owner.headers,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["schedule"] == schedule
    assert updated["prompt_details"] == "Sunrise"
    assert updated["general_description"] == created["general_description"]
    assert updated["next_scheduled_at"].endswith("T21:15:00Z")


ID_ROUTES = [
    ("get", ""),
    ("delete", ""),
    ("patch", ""),
    ("post", "/start"),
    ("post", "/stop"),
    ("patch", "/status"),
]


@pytest.mark.parametrize(("method", "suffix"), ID_ROUTES)
def test_non_uuid_id_is_400(client, owner, method, suffix):
    response = client.request(
        method,
        f"/api/v1/automations/not-a-uuid{suffix}",
        headers=owner.headers,
        json={"active": True},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert "UUID" in response.json()["message"]


@pytest.mark.parametrize(("method", "suffix"), ID_ROUTES)
def test_other_users_automation_is_404(client, owner, outsider, method, suffix):
    created = create(client, owner)

    response = client.request(
        method,
        f"/api/v1/automations/{created['id']}{suffix}",
        headers=outsider.headers,
        json={"active": True},
    )

    assert response.status_code == 404
    assert response.json() == {
        "error": "Not Found",
        "message": f"Automation {created['id']} not found.",
    }


@pytest.mark.parametrize(("method", "suffix"), ID_ROUTES)
def test_unknown_automation_is_404(client, owner, method, suffix):
    response = client.request(
        method,
        f"/api/v1/automations/{uuid.uuid4()}{suffix}",
        headers=owner.headers,
        json={"active": True},
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ss_not_a_real_key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_missing_or_invalid_key_is_401(client, owner, headers):
    response = client.get("/api/v1/automations", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "Unauthorized"
    assert response.json()["message"]


def test_revoked_key_is_401(client, db, owner):
    key_id = db.value("SELECT id FROM api_keys WHERE user_id = ?", (owner.user["id"],))
    users.revoke_api_key(db, owner.user["id"], key_id)

    response = client.get("/api/v1/automations", headers=owner.headers)

    assert response.status_code == 401


def test_limit_reached_is_403(client, db, owner):
    db.conn.execute(
        "UPDATE users SET automation_limit = 1 WHERE id = ?", (owner.user["id"],)
    )
    create(client, owner)

    response = client.post(
        "/api/v1/automations", json=automation_body(), headers=owner.headers
    )

    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert "limit" in response.json()["message"]
    assert (
        len(
            client.get("/api/v1/automations", headers=owner.headers).json()[
                "automations"
            ]
        )
        == 1
    )


def invalid_fields(client, persona, body) -> list[str]:
    response = client.post("/api/v1/automations", json=body, headers=persona.headers)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error"] == "Bad Request"
    return [item["field"] for item in payload["details"]]


def test_unknown_field_is_named(client, owner):
    assert invalid_fields(client, owner, automation_body(colour="red")) == ["colour"]


def test_duplicate_spelling_is_named(client, owner):
    body = automation_body(general_description="twice")

    assert invalid_fields(client, owner, body) == ["generalDescription"]


def test_wrong_types_are_named(client, owner):
    body = automation_body(generateExtraHashtags="yes", promptDetails=5)

    assert invalid_fields(client, owner, body) == [
        "promptDetails",
        "generateExtraHashtags",
    ]


def test_missing_fields_are_named(client, owner):
    body = automation_body()
    del body["schedule"]
    del body["contentType"]

    assert invalid_fields(client, owner, body) == ["schedule", "contentType"]


def test_unsupported_content_type_lists_kinds(client, owner):
    response = client.post(
        "/api/v1/automations",
        json=automation_body(contentType="video"),
        headers=owner.headers,
    )

    assert response.status_code == 400
    assert "ai_generated" in response.json()["details"][0]["message"]


def test_unconnected_account_says_how(client, owner, outsider):
    response = client.post(
        "/api/v1/automations",
        json=automation_body("outsider_shop"),
        headers=owner.headers,
    )

    assert response.status_code == 400
    detail = response.json()["details"][0]
    assert detail["field"] == "instagram_username"
    assert "smartshare account add" in detail["message"]


def test_invalid_schedule_is_400(client, owner):
    body = automation_body(
        schedule={"type": "daily", "time": "9:00", "timezone": "UTC"}
    )

    assert invalid_fields(client, owner, body) == ["schedule.time"]


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b'"text"', b"null", b'{"a": NaN', b"\xff\xfe"]
)
def test_malformed_json_is_400(client, owner, raw):
    response = client.post(
        "/api/v1/automations",
        content=raw,
        headers={**owner.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_bad_input_changes_nothing(client, owner):
    client.post(
        "/api/v1/automations", json=automation_body(colour="x"), headers=owner.headers
    )

    assert client.get("/api/v1/automations", headers=owner.headers).json() == {
        "automations": []
    }


def test_unknown_route_uses_error_shape(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
    assert response.json()["message"]


def test_wrong_method_uses_error_shape(client):
    response = client.put("/api/v1/automations")

    assert response.status_code == 405
    assert response.json()["error"] == "Method Not Allowed"
    assert "GET" in response.headers["allow"]


def test_healthz_needs_no_key(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
