"""Security headers, static files, the calendar and the activity chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from smartshare import clock
from smartshare.web import templating
from tests.web_client import create_automation, log_in


@pytest.fixture
def token(client, owner) -> str:
    return log_in(client, "owner@example.com")


@pytest.mark.parametrize(
    "path", ["/login", "/automations", "/posts", "/calendar", "/activity", "/nowhere"]
)
def test_html_pages_carry_security_headers(client, token, path):
    response = client.get(path)

    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_json_responses_left_alone(client, owner):
    response = client.get("/api/v1/automations", headers=owner.headers)

    assert response.headers["content-type"].startswith("application/json")
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/nowhere")

    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


def test_unknown_page_is_html(client, token):
    response = client.get("/nowhere")

    assert response.status_code == 404
    assert "This page does not exist." in response.text


@pytest.mark.parametrize(
    "path", ["/automations", "/automations/new", "/posts", "/settings", "/admin"]
)
def test_every_form_carries_session_token(client, token, owner, path):
    create_automation(client, owner)
    page = client.get(path).text

    tokens = re.findall(r'name="_csrf" value="([^"]*)"', page)
    assert len(tokens) >= 1
    assert set(tokens) == {token}


def test_htmx_served_with_license(client):
    script = client.get("/static/vendor/htmx.min.js")
    license_text = client.get("/static/vendor/htmx.LICENSE")

    assert script.status_code == 200
    assert "htmx" in script.text
    assert "Zero-Clause BSD" in license_text.text


def test_pages_load_only_own_scripts(client, token):
    page = client.get("/automations").text

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(not source.startswith(("http:", "https:", "//")) for source in sources)


def test_asset_dir_prefers_package(tmp_path, monkeypatch):
    package = tmp_path / "smartshare"
    (package / "templates").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    monkeypatch.setattr(templating, "PACKAGE_DIR", package)

    assert templating.asset_dir("templates") == package / "templates"


def test_asset_dir_falls_back_to_checkout(tmp_path, monkeypatch):
    package = tmp_path / "smartshare"
    package.mkdir()
    (tmp_path / "static").mkdir()
    monkeypatch.setattr(templating, "PACKAGE_DIR", package)

    assert templating.asset_dir("static") == tmp_path / "static"


def test_calendar_shows_upcoming_runs(client, token, owner):
    automation = create_automation(client, owner)
    page = client.get("/calendar")

    assert page.status_code == 200
    assert page.text.count(f'href="/automations/{automation["id"]}"') >= 28


def test_calendar_skips_stopped_automations(client, token, owner):
    automation = create_automation(client, owner)
    client.post(f"/automations/{automation['id']}/stop", data={"_csrf": token})

    page = client.get("/calendar")

    assert f'href="/automations/{automation["id"]}"' not in page.text


def test_calendar_shows_past_posts(client, token, owner, db):
    automation = create_automation(client, owner)
    client.post(f"/api/v1/automations/{automation['id']}/run", headers=owner.headers)
    post_id = db.value("SELECT id FROM posts")

    page = client.get("/calendar")

    assert f'href="/posts/{post_id}"' in page.text


def test_calendar_rejects_bad_start(client, token):
    assert client.get("/calendar?start=tomorrow").status_code == 400


def test_activity_counts_published_and_failed(client, token, owner, db):
    automation = create_automation(client, owner)
    for _ in range(3):
        client.post(
            f"/api/v1/automations/{automation['id']}/run", headers=owner.headers
        )
    yesterday = clock.to_db(clock.now() - timedelta(days=1))
    with db.write() as conn:
        conn.execute(
            "UPDATE posts SET status = 'failed', updated_at = ? WHERE id = "
            "(SELECT id FROM posts LIMIT 1)",
            (yesterday,),
        )

    page = client.get("/activity").text

    assert "<svg" in page
    assert "<strong>2</strong> published and <strong>1</strong> failed" in page
    assert page.count('class="bar-published"') == 1
    assert page.count('class="bar-failed"') == 1
