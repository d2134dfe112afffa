"""Dashboard login, logout, sessions, CSRF tokens and the login rate limit."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import TestClient

from smartshare import config
from smartshare.app import create_app
from tests.conftest import make_persona
from tests.web_client import PASSWORD, create_automation, csrf_token, log_in

PAGES = [
    "/automations",
    "/automations/new",
    f"/automations/{uuid.uuid4()}",
    "/posts",
    f"/posts/{uuid.uuid4()}",
    "/calendar",
    "/activity",
    "/settings",
    "/admin",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_redirects_to_login(client, path):
    response = client.get(path, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_htmx_request_gets_login_redirect_header(client):
    response = client.get("/automations/states", headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_home_redirects_by_session(client, owner):
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    log_in(client, owner.user["email"])
    assert client.get("/", follow_redirects=False).headers["location"] == "/automations"


def test_login_sets_session_cookie(client, owner):
    form_token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"_csrf": form_token, "email": "owner@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("smartshare_session=")
    )

    assert response.headers["location"] == "/automations"
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_with_https_url(data_dir):
    settings = config.load(
        environ={
            "SMARTSHARE_DATA_DIR": str(data_dir),
            "SMARTSHARE_SERVER__PUBLIC_URL": "https://smartshare.example.com",
        }
    )
    app = create_app(settings, immediate=True)
    make_persona(app.state.db, "owner@example.com", "owner_shop")
    with TestClient(app, base_url="https://testserver.local") as client:
        form_token = csrf_token(client.get("/login").text)
        response = client.post(
            "/login",
            data={
                "_csrf": form_token,
                "email": "owner@example.com",
                "password": PASSWORD,
            },
            follow_redirects=False,
        )
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("smartshare_session=")
    )

    assert "Secure" in cookie


def test_login_wrong_password_rejected(client, owner):
    form_token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"_csrf": form_token, "email": "owner@example.com", "password": "wrong"},
    )

    assert response.status_code == 401
    assert "Invalid email or password." in response.text
    assert "smartshare_session" not in client.cookies


def test_login_next_stays_on_site(client, owner):
    form_token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "_csrf": form_token,
            "email": "owner@example.com",
            "password": PASSWORD,
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )

    assert response.headers["location"] == "/automations"


def test_login_returns_to_requested_page(client, owner):
    form_token = csrf_token(client.get("/login?next=/calendar").text)
    response = client.post(
        "/login",
        data={
            "_csrf": form_token,
            "email": "owner@example.com",
            "password": PASSWORD,
            "next": "/calendar",
        },
        follow_redirects=False,
    )

    assert response.headers["location"] == "/calendar"


def test_login_form_without_token_rejected(client, owner):
    client.get("/login")
    response = client.post(
        "/login", data={"email": "owner@example.com", "password": PASSWORD}
    )

    assert response.status_code == 403
    assert "CSRF token" in response.text


def test_logout_ends_session(client, owner):
    token = log_in(client, "owner@example.com")
    response = client.post("/logout", data={"_csrf": token}, follow_redirects=False)

    assert response.headers["location"] == "/login"
    assert client.get("/automations", follow_redirects=False).status_code == 303


def test_logout_without_token_rejected(client, owner):
    log_in(client, "owner@example.com")
    response = client.post("/logout", data={})

    assert response.status_code == 403
    assert client.get("/automations").status_code == 200


def test_form_without_token_changes_nothing(client, owner, db):
    automation = create_automation(client, owner)
    log_in(client, "owner@example.com")

    response = client.post(f"/automations/{automation['id']}/stop", data={})
    row = db.one("SELECT active FROM automations WHERE id = ?", (automation["id"],))

    assert response.status_code == 403
    assert row["active"] == 1


def test_form_with_wrong_token_rejected(client, owner):
    automation = create_automation(client, owner)
    log_in(client, "owner@example.com")

    response = client.post(
        f"/automations/{automation['id']}/stop", data={"_csrf": "forged"}
    )

    assert response.status_code == 403


def test_htmx_header_token_accepted(client, owner, db):
    automation = create_automation(client, owner)
    token = log_in(client, "owner@example.com")

    response = client.post(
        f"/automations/{automation['id']}/stop",
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    row = db.one("SELECT active FROM automations WHERE id = ?", (automation["id"],))

    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/automations/")
    assert row["active"] == 0


def test_login_limited_per_email(client, owner):
    form_token = csrf_token(client.get("/login").text)
    statuses = [
        client.post(
            "/login",
            data={"_csrf": form_token, "email": "owner@example.com", "password": "x"},
        ).status_code
        for _ in range(11)
    ]

    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_login_limit_blocks_correct_password(client, owner):
    form_token = csrf_token(client.get("/login").text)
    for _ in range(10):
        client.post(
            "/login",
            data={"_csrf": form_token, "email": "owner@example.com", "password": "x"},
        )
    response = client.post(
        "/login",
        data={"_csrf": form_token, "email": "owner@example.com", "password": PASSWORD},
    )

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many login attempts" in response.text


def test_login_limited_per_address(client, owner):
    form_token = csrf_token(client.get("/login").text)
    statuses = [
        client.post(
            "/login",
            data={"_csrf": form_token, "email": f"u{i}@example.com", "password": "x"},
        ).status_code
        for i in range(11)
    ]

    assert statuses[10] == 429


def test_api_accepts_session_with_csrf_header(client, owner):
    token = log_in(client, "owner@example.com")

    with_header = client.get("/api/v1/automations", headers={"X-CSRF-Token": token})
    without_header = client.get("/api/v1/automations")

    assert with_header.status_code == 200
    assert without_header.status_code == 401
