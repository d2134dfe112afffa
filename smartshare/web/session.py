"""Session cookies, and the CSRF token of the forms shown before login.

Before login there is no session to hold a CSRF token, so the login and setup
forms use a double-submit token: a random cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request, Response
from litestar.response import Template

from smartshare import auth
from smartshare.errors import Forbidden
from smartshare.web.helpers import CSRF_FIELD, page

FORM_COOKIE = "smartshare_form"


def _secure(request: Request) -> bool:
    public_url = request.app.state.settings["server.public_url"] or ""
    return public_url.startswith("https://")


def start(request: Request, response: Response, user_id: str) -> None:
    """Create a session for `user_id` and set its cookie on `response`."""
    token, _ = auth.create_session(request.app.state.db, user_id)
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=auth.SESSION_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(FORM_COOKIE)


def end(request: Request, response: Response) -> None:
    auth.delete_session(request.app.state.db, request.cookies.get(auth.SESSION_COOKIE))
    response.delete_cookie(auth.SESSION_COOKIE)


def anonymous_page(
    request: Request, name: str, status: int = 200, **context: Any
) -> Template:
    """Render a pre-login form page with its double-submit CSRF token."""
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    response = page(request, None, name, status=status, form_token=token, **context)
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request)
    )
    return response


def check_anonymous_csrf(request: Request, form: dict[str, Any]) -> None:
    expected = request.cookies.get(FORM_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if (
        not expected
        or not isinstance(sent, str)
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise Forbidden(
            "The form's CSRF token is missing or out of date. Reload the page and "
            "submit the form again. Logging in needs cookies."
        )
