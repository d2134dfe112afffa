"""The one-time setup link that creates the first user on a fresh install."""

from __future__ import annotations

import logging
import re

from litestar.testing import TestClient

from smartshare import users
from smartshare.app import create_app
from smartshare.web.setup import issue_setup_token, setup_link
from tests.web_client import csrf_token


def setup_form(client, token: str, email="admin@example.com", again=None) -> dict:
    form_token = csrf_token(client.get(f"/setup?token={token}").text)
    return {
        "_csrf": form_token,
        "token": token,
        "email": email,
        "password": "correct horse battery",
        "password_again": again or "correct horse battery",
    }


def test_start_logs_setup_link(settings, caplog):
    caplog.set_level(logging.INFO, logger="smartshare.web.setup")
    app = create_app(settings, immediate=True)
    with TestClient(app):
        pass

    links = re.findall(r"http://127\.0\.0\.1:8000/setup\?token=\S+", caplog.text)
    assert len(links) == 1


def test_no_setup_link_once_users_exist(settings, caplog, db):
    users.create_user(db, "owner@example.com", "correct horse battery")
    caplog.set_level(logging.INFO, logger="smartshare.web.setup")
    with TestClient(create_app(settings, immediate=True)):
        pass

    assert "setup?token=" not in caplog.text


def test_setup_link_uses_public_url(settings):
    public = settings.with_overrides(
        **{"server.public_url": "https://smartshare.example.com"}
    )

    assert setup_link(public, "abc") == "https://smartshare.example.com/setup?token=abc"


def test_setup_creates_admin_and_logs_in(client, db):
    token = issue_setup_token(db)
    response = client.post(
        "/setup", data=setup_form(client, token), follow_redirects=False
    )
    admin = db.one("SELECT * FROM users WHERE email = 'admin@example.com'")

    assert response.headers["location"] == "/automations"
    assert admin["is_admin"] == 1
    assert client.get("/automations").status_code == 200


def test_setup_link_works_once(app, client, db):
    with TestClient(app) as other_browser:
        token = issue_setup_token(db)
        other_form = setup_form(other_browser, token, email="second@example.com")
        client.post("/setup", data=setup_form(client, token), follow_redirects=False)

        page = client.get(f"/setup?token={token}")
        again = other_browser.post("/setup", data=other_form)

    assert page.status_code == 404
    assert again.status_code == 404
    assert db.value("SELECT COUNT(*) FROM users") == 1


def test_setup_stores_only_token_hash(db):
    token = issue_setup_token(db)
    stored = db.value("SELECT value FROM settings WHERE key = 'setup_token_hash'")

    assert token not in stored


def test_setup_rejects_wrong_token(client, db):
    issue_setup_token(db)
    response = client.get("/setup?token=guessed")

    assert response.status_code == 404
    assert "invalid or was already used" in response.text


def test_setup_closed_after_cli_user(client, db):
    token = issue_setup_token(db)
    form = setup_form(client, token)
    users.create_user(db, "cli@example.com", "correct horse battery")

    response = client.post("/setup", data=form)

    assert response.status_code == 404
    assert db.value("SELECT COUNT(*) FROM users") == 1


def test_setup_password_mismatch_keeps_link(client, db):
    token = issue_setup_token(db)
    response = client.post("/setup", data=setup_form(client, token, again="different"))

    assert response.status_code == 400
    assert "The two passwords differ" in response.text
    assert client.get(f"/setup?token={token}").status_code == 200


def test_setup_short_password_keeps_link(client, db):
    token = issue_setup_token(db)
    form = {**setup_form(client, token), "password": "short", "password_again": "short"}
    response = client.post("/setup", data=form)

    assert response.status_code == 400
    assert "too short" in response.text
    assert db.value("SELECT COUNT(*) FROM users") == 0


def test_setup_form_without_token_rejected(client, db):
    token = issue_setup_token(db)
    form = setup_form(client, token)
    del form["_csrf"]

    assert client.post("/setup", data=form).status_code == 403
