"""Automations in the dashboard: the form, the schedule preview, the actions
and owner-only access."""

from __future__ import annotations

import json

import pytest

from tests.web_client import create_automation, log_in

FORM = {
    "instagram_username": "owner_shop",
    "general_description": "Morning coffee photos",
    "prompt_details": "A cup of coffee on a wooden table",
    "negative_prompt": "blurry",
    "mandatory_caption_or_hashtags": "#coffee",
    "generate_extra_hashtags": "on",
    "content_type": "ai_generated",
    "schedule_type": "weekly",
    "schedule_time": "08:30",
    "schedule_timezone": "Europe/Berlin",
    "days_of_week": ["monday", "friday"],
}


@pytest.fixture
def token(client, owner) -> str:
    return log_in(client, "owner@example.com")


def test_form_creates_automation(client, token, db):
    response = client.post(
        "/automations", data={**FORM, "_csrf": token}, follow_redirects=False
    )
    row = db.one("SELECT * FROM automations")

    assert response.status_code == 303
    assert response.headers["location"] == f"/automations/{row['id']}"
    assert json.loads(row["schedule"]) == {
        "type": "weekly",
        "time": "08:30",
        "timezone": "Europe/Berlin",
        "days_of_week": ["monday", "friday"],
    }
    assert row["negative_prompt"] == "blurry"
    assert row["generate_extra_hashtags"] == 1
    assert row["requires_approval"] == 0


def test_form_errors_shown_and_nothing_saved(client, token, db):
    form = {**FORM, "schedule_time": "8:30", "schedule_timezone": "europe/berlin"}
    response = client.post("/automations", data={**form, "_csrf": token})

    assert response.status_code == 400
    assert "Use two digits, for example 08:30." in response.text
    assert "Did you mean Europe/Berlin?" in response.text
    assert 'aria-invalid="true"' in response.text
    assert db.value("SELECT COUNT(*) FROM automations") == 0


def test_form_keeps_typed_values(client, token):
    form = {**FORM, "general_description": "", "schedule_type": "monthly"}
    response = client.post("/automations", data={**form, "_csrf": token})

    assert response.status_code == 400
    assert "A cup of coffee on a wooden table" in response.text
    assert '<option value="monthly" selected>' in response.text


def test_form_rejects_unknown_account(client, token, db):
    form = {**FORM, "instagram_username": "someone_else"}
    response = client.post("/automations", data={**form, "_csrf": token})

    assert response.status_code == 400
    assert "No connected Instagram account named" in response.text


def test_new_form_lists_accounts_and_zone(client, token):
    client.cookies.set("smartshare_tz", "Asia/Tokyo")
    page = client.get("/automations/new")

    assert page.status_code == 200
    assert "@owner_shop" in page.text
    assert 'value="Asia/Tokyo"' in page.text


def test_schedule_preview_lists_five_runs(client, token):
    response = client.get(
        "/automations/schedule-preview",
        params={
            "schedule_type": "daily",
            "schedule_time": "09:00",
            "schedule_timezone": "Europe/London",
        },
    )

    assert response.status_code == 200
    assert "Daily at 09:00 (Europe/London)" in response.text
    assert response.text.count("<li>") == 5


def test_schedule_preview_names_errors(client, token):
    response = client.get(
        "/automations/schedule-preview",
        params={
            "schedule_type": "monthly",
            "schedule_time": "25:00",
            "schedule_timezone": "Mars/Base",
            "day_of_month": "40",
        },
    )

    assert response.status_code == 200
    assert 'id="error-schedule_time" hx-swap-oob="true">Invalid time' in response.text
    assert "Mars/Base" in response.text
    assert "Invalid day of month 40" in response.text


def test_edit_changes_schedule(client, token, owner, db):
    automation = create_automation(client, owner)
    form = {**FORM, "schedule_type": "monthly", "day_of_month": "31"}
    response = client.post(
        f"/automations/{automation['id']}",
        data={**form, "_csrf": token},
        follow_redirects=False,
    )
    row = db.one("SELECT * FROM automations WHERE id = ?", (automation["id"],))

    assert response.status_code == 303
    assert json.loads(row["schedule"])["day_of_month"] == 31
    assert row["general_description"] == "Morning coffee photos"


def test_edit_form_shows_current_values(client, token, owner):
    automation = create_automation(client, owner)
    page = client.get(f"/automations/{automation['id']}/edit")

    assert page.status_code == 200
    assert "Daily tech news summary post" in page.text
    assert 'value="America/Los_Angeles"' in page.text


def test_list_shows_next_run_in_both_zones(client, token, owner):
    create_automation(client, owner)
    client.cookies.set("smartshare_tz", "Asia/Tokyo")
    page = client.get("/automations")

    assert "Daily at 14:30 (America/Los_Angeles)" in page.text
    assert " PST" in page.text or " PDT" in page.text
    assert " JST" in page.text
    assert 'hx-trigger="every 3s"' in page.text


def test_stop_and_start(client, token, owner, db):
    automation = create_automation(client, owner)
    path = f"/automations/{automation['id']}"

    client.post(path + "/stop", data={"_csrf": token, "next": "/automations"})
    stopped = db.one("SELECT * FROM automations WHERE id = ?", (automation["id"],))
    client.post(path + "/start", data={"_csrf": token})
    started = db.one("SELECT * FROM automations WHERE id = ?", (automation["id"],))

    assert stopped["active"] == 0
    assert stopped["next_scheduled_at"] is None
    assert started["active"] == 1
    assert started["next_scheduled_at"] is not None


def test_run_now_creates_post(client, token, owner, db):
    automation = create_automation(client, owner)
    response = client.post(
        f"/automations/{automation['id']}/run",
        data={"_csrf": token},
        headers={"HX-Request": "true"},
    )
    runs = client.get(f"/automations/{automation['id']}/runs")

    assert response.status_code == 200
    assert "Run queued." in response.text
    assert response.headers["HX-Trigger"] == "run-queued"
    assert db.value("SELECT status FROM posts") == "published"
    assert "Post created" in runs.text
    assert "Published" in runs.text


def test_states_fragment_swaps_out_of_band(client, token, owner):
    automation = create_automation(client, owner)
    fragment = client.get("/automations/states")

    assert f'id="state-{automation["id"]}" hx-swap-oob="true"' in fragment.text
    assert f'id="next-{automation["id"]}" hx-swap-oob="true"' in fragment.text


def test_detail_lists_next_five_runs(client, token, owner):
    automation = create_automation(client, owner)
    page = client.get(f"/automations/{automation['id']}")

    assert page.status_code == 200
    assert "Next five runs" in page.text
    assert "No runs yet." in page.text


def test_delete_asks_then_deletes(client, token, owner, db):
    automation = create_automation(client, owner)
    path = f"/automations/{automation['id']}/delete"

    confirm = client.get(path)
    kept = db.value("SELECT COUNT(*) FROM automations")
    response = client.post(path, data={"_csrf": token}, follow_redirects=False)

    assert "Delete this automation?" in confirm.text
    assert kept == 1
    assert response.headers["location"] == "/automations"
    assert db.value("SELECT COUNT(*) FROM automations") == 0


@pytest.mark.parametrize(
    "method, suffix",
    [
        ("get", ""),
        ("get", "/edit"),
        ("get", "/runs"),
        ("get", "/delete"),
        ("post", "/stop"),
        ("post", "/run"),
        ("post", "/delete"),
    ],
)
def test_other_users_automation_not_found(client, owner, outsider, db, method, suffix):
    automation = create_automation(client, owner)
    token = log_in(client, "outsider@example.com")
    path = f"/automations/{automation['id']}{suffix}"

    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, data={"_csrf": token})

    assert response.status_code == 404
    assert db.value("SELECT active FROM automations") == 1
    assert db.value("SELECT COUNT(*) FROM runs") == 0
