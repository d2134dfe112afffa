"""Dashboard test helpers: log in through the login form and read CSRF tokens."""

from __future__ import annotations

import re

from tests.conftest import Persona, automation_body

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF input on the page"
    return match.group(1)


def log_in(client, email: str, password: str = PASSWORD) -> str:
    """Log `client` in through the form and return the session's CSRF token."""
    client.cookies.clear()
    form_token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"_csrf": form_token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_token(client.get("/automations").text)


def create_automation(client, persona: Persona, **changes) -> dict:
    """Create an automation through the API with the persona's key."""
    response = client.post(
        "/api/v1/automations",
        json=automation_body(persona.username, **changes),
        headers=persona.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()
