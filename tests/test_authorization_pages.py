"""Who may open what on the dashboard: every page and form of the app, as no
session, the owner, another user, and a session posting without its CSRF token.

The routes come from the app itself, so a new page is covered as soon as it
exists.
"""

from __future__ import annotations

import re

import pytest

from smartshare import users
from tests.web_client import create_automation, log_in

# Routes anyone may call: sign-in, first-run setup, files, health, and the
# OAuth callback, which checks its signed state instead of a session.
PUBLIC = {
    "/healthz",
    "/login",
    "/setup",
    "/accounts/instagram/callback",
    "/media/{token:str}/{name:str}",
    "/static/{file_path:path}",
}
ADMIN_ONLY = ("/admin",)
# Returns 400 with a how-to when instagram.app_id is not configured, as here.
NEEDS_META_APP = "/accounts/instagram/connect"


@pytest.fixture
def resources(client, db, owner):
    automation = create_automation(client, owner)
    client.post(f"/api/v1/automations/{automation['id']}/run", headers=owner.headers)
    post = client.get("/api/v1/posts", headers=owner.headers).json()["posts"][0]
    db.conn.execute("UPDATE posts SET status = 'failed' WHERE id = ?", (post["id"],))
    _, key = users.create_api_key(db, owner.user["id"], "matrix")
    from tests.test_authorization import make_endpoint_with_delivery

    endpoint_id, delivery_id = make_endpoint_with_delivery(db, owner)
    return {
        "automation_id": automation["id"],
        "post_id": post["id"],
        "key_id": key["id"],
        "endpoint_id": endpoint_id,
        "delivery_id": delivery_id,
        "user_id": owner.user["id"],
    }


def page_routes(app) -> list[tuple[str, str]]:
    """Return (method, path) for every dashboard route; deletes come last."""
    found = []
    for route in app.routes:
        if route.path.startswith(("/api/", "/schema")) or route.path in PUBLIC:
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append((method, route.path))
    return sorted(found, key=lambda item: "delete" in item[1])


def url_for(path: str, resources: dict) -> str:
    return re.sub(r"\{(\w+):str\}", lambda match: resources[match.group(1)], path)


def call(client, method, path, resources, form=None):
    url = url_for(path, resources)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    return client.post(url, data=form or {}, follow_redirects=False)


def test_pages_cover_every_area(app):
    paths = {path for _, path in page_routes(app)}

    for area in ("/automations", "/posts", "/calendar", "/activity", "/settings"):
        assert area in paths


def test_no_session_is_sent_to_login(app, client, resources):
    for method, path in page_routes(app):
        client.cookies.clear()
        response = call(client, method, path, resources)

        assert response.status_code in (303, 401, 403), (method, path)
        if method == "GET" and response.status_code == 303:
            assert response.headers["location"].startswith("/login"), path


def test_form_without_csrf_is_403(app, client, owner, resources):
    log_in(client, owner.user["email"])

    for method, path in page_routes(app):
        if method != "POST":
            continue
        response = call(client, method, path, resources, form={"name": "x"})

        assert response.status_code == 403, (method, path, response.status_code)


def test_outsider_gets_404_for_owner_rows(app, client, owner, outsider, resources):
    token = log_in(client, outsider.user["email"])

    for method, path in page_routes(app):
        if "{" not in path or path.startswith(ADMIN_ONLY):
            continue
        response = call(client, method, path, resources, form={"_csrf": token})

        assert response.status_code == 404, (method, path, response.status_code)


def test_admin_pages_are_admin_only(app, client, owner, outsider, resources):
    token = log_in(client, outsider.user["email"])

    for method, path in page_routes(app):
        if not path.startswith(ADMIN_ONLY):
            continue
        response = call(client, method, path, resources, form={"_csrf": token})

        assert response.status_code == 403, (method, path)


def test_owner_opens_every_page(app, client, owner, resources):
    token = log_in(client, owner.user["email"])

    for method, path in page_routes(app):
        if method != "GET":
            continue
        response = call(client, method, path, resources, form={"_csrf": token})

        if path == NEEDS_META_APP:
            assert response.status_code == 400
            assert "instagram.app_id" in response.text
            continue
        assert response.status_code in (200, 303), (method, path, response.status_code)
