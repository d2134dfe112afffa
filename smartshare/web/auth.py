"""Log in and log out of the dashboard."""

from __future__ import annotations

import functools
import logging
import secrets

from litestar import Request, Response, get, post
from litestar.response import Redirect

from smartshare import users
from smartshare.errors import TooManyRequests
from smartshare.web import session
from smartshare.web.helpers import (
    Form,
    authorized,
    form_text,
    go_to,
    local_path,
    signed_in_user,
)

logger = logging.getLogger(__name__)
HOME = "/automations"


@get("/", sync_to_thread=True)
def home(request: Request) -> Redirect:
    return Redirect(HOME if signed_in_user(request) else "/login", status_code=303)


@get("/login", sync_to_thread=True)
def login_page(request: Request, next: str = HOME) -> Response:
    if signed_in_user(request):
        return Redirect(local_path(next, HOME), status_code=303)
    return session.anonymous_page(
        request, "login.html", email="", next=local_path(next, HOME)
    )


@post("/login", sync_to_thread=True)
def login_submit(request: Request, data: Form) -> Response:
    session.check_anonymous_csrf(request, data)
    email = form_text(data, "email")
    target = local_path(form_text(data, "next"), HOME)
    _limit_attempts(request, email)

    user = _check_password(request, email, form_text(data, "password"))
    if user is None:
        logger.info("failed login for %r from %s", email[:254], _client(request))
        return session.anonymous_page(
            request,
            "login.html",
            status=401,
            email=email,
            next=target,
            error="Invalid email or password.",
        )

    response = go_to(request, target)
    session.start(request, response, user["id"])
    return response


@post("/logout", sync_to_thread=True)
def logout(request: Request, data: Form) -> Response:
    authorized(request, data)
    response = go_to(request, "/login")
    session.end(request, response)
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limit_attempts(request: Request, email: str) -> None:
    """Count the attempt against the client's address and against the email."""
    limiter = request.app.state.login_limiter
    waits = [
        limiter.hit("ip:" + _client(request)),
        limiter.hit("email:" + email.lower()),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise TooManyRequests(
            f"Too many login attempts. Wait {wait} seconds and try again.",
            retry_after=wait,
        )


@functools.cache
def _unknown_user_hash() -> str:
    return users.hash_password(secrets.token_urlsafe(16))


def _check_password(request: Request, email: str, password: str):
    user = request.app.state.db.one("SELECT * FROM users WHERE email = ?", (email,))
    # An unknown email costs one hash check too, so timing does not tell which
    # emails have accounts.
    stored = user["password_hash"] if user else _unknown_user_hash()
    if not users.verify_password(stored, password) or user is None:
        return None
    return user
