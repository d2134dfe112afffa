"""Oversized and unusual bodies get a 4xx in the error shape and change nothing."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from tests.conftest import automation_body


def post_raw(client, persona, raw: bytes):
    return client.post(
        "/api/v1/automations",
        content=raw,
        headers={**persona.headers, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize("size", [300 * 1024, 2 * 1024 * 1024])
def test_large_body_is_413(client, owner, size):
    response = post_raw(client, owner, b'{"a": "' + b"x" * size + b'"}')

    assert response.status_code == 413
    assert response.json()["error"] == HTTPStatus(413).phrase
    assert "too large" in response.json()["message"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a": ' + b"9" * 5000 + b"}", "numbers of sensible size"),
    ],
)
def test_json_errors_hide_internals(client, owner, raw, expected):
    response = post_raw(client, owner, raw)

    assert response.status_code == 400
    assert expected in response.json()["message"]
    assert "sys." not in response.json()["message"]
    assert "recursion" not in response.json()["message"]


def test_control_character_is_rejected(client, owner):
    body = automation_body(generalDescription="Coffee\x00time")

    response = client.post("/api/v1/automations", json=body, headers=owner.headers)

    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "generalDescription"
    assert client.get("/api/v1/automations", headers=owner.headers).json() == {
        "automations": []
    }


def test_line_breaks_are_accepted(client, owner):
    body = automation_body(generalDescription="Coffee\n\ttime")

    response = client.post("/api/v1/automations", json=body, headers=owner.headers)

    assert response.status_code == 201


@pytest.mark.parametrize("name", ["localtime", "Factory"])
def test_host_dependent_timezone_rejected(client, owner, name):
    schedule = {"type": "daily", "time": "09:00", "timezone": name}

    response = client.post(
        "/api/v1/automations",
        json=automation_body(schedule=schedule),
        headers=owner.headers,
    )

    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "schedule.timezone"


def test_schedule_problems_listed_with_others(client, owner):
    body = automation_body(
        schedule={"type": "daily", "time": "9:00", "timezone": "UTC"}, colour="red"
    )

    response = client.post("/api/v1/automations", json=body, headers=owner.headers)

    fields = [item["field"] for item in response.json()["details"]]
    assert response.status_code == 400
    assert fields == ["colour", "schedule.time"]
