"""Connecting an Instagram account from the dashboard (Business Login for Instagram).

GET /accounts/instagram/connect sends the signed-in user to Instagram's
authorization page. Instagram sends the browser back to
GET /accounts/instagram/callback with a code, which becomes a long-lived token.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Redirect

from smartshare import auth
from smartshare.config import Settings
from smartshare.errors import BadRequest, Unauthorized
from smartshare.publishing.connect import connect_with_code
from smartshare.publishing.graph import authorize_url
from smartshare.publishing.oauth_state import InvalidState, sign_state, verify_state

logger = logging.getLogger(__name__)

CONNECT_PATH = "/accounts/instagram/connect"
CALLBACK_PATH = "/accounts/instagram/callback"
START_AGAIN = "Start again from Settings to connect the account."


def redirect_uri(settings: Settings) -> str:
    """Return the callback URL, which the Meta app must list as a valid OAuth
    redirect URI."""
    public_url = settings["server.public_url"]
    if not public_url:
        raise BadRequest(
            "server.public_url is unset. Set it to the public https address of "
            f"SmartShare, because Instagram sends the browser back to {CALLBACK_PATH} "
            "under that address."
        )
    return public_url.rstrip("/") + CALLBACK_PATH


def _check_app(settings: Settings) -> None:
    if not settings["instagram.app_id"] or not settings["instagram.app_secret"]:
        raise BadRequest(
            "instagram.app_id or instagram.app_secret is unset. Create a Meta app "
            "with the Instagram API with Instagram Login and set both, as "
            "docs/instagram.md describes."
        )


def _signed_in_user(request: Request) -> dict[str, Any]:
    token = request.cookies.get(auth.SESSION_COOKIE)
    user = auth.find_session(request.app.state.db, token)
    if user is None:
        raise Unauthorized("Log in to the dashboard to connect an Instagram account.")
    return user


@get(CONNECT_PATH, include_in_schema=False, sync_to_thread=True)
def instagram_connect(request: Request) -> Redirect:
    settings = request.app.state.settings
    user = _signed_in_user(request)
    _check_app(settings)

    state = sign_state(settings.secret_key, user["id"])
    url = authorize_url(settings["instagram.app_id"], redirect_uri(settings), state)
    return Redirect(url, status_code=303)


@get(CALLBACK_PATH, include_in_schema=False, sync_to_thread=True)
def instagram_callback(
    request: Request,
    code: str | None = None,
    # `state` is a name Litestar reserves for the app state.
    oauth_state: Annotated[str | None, Parameter(query="state")] = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Redirect:
    settings = request.app.state.settings
    user = _signed_in_user(request)
    if error:
        raise BadRequest(
            f"Instagram did not authorize SmartShare ({error_description or error}). "
            f"{START_AGAIN}"
        )
    if not code or not oauth_state:
        raise BadRequest(f"The callback is missing its code or state. {START_AGAIN}")
    try:
        verify_state(settings.secret_key, oauth_state, user["id"])
    except InvalidState as problem:
        logger.warning("user %s: Instagram callback rejected: %s", user["id"], problem)
        raise BadRequest(
            f"Connecting the Instagram account failed because {problem}. {START_AGAIN}"
        ) from None
    _check_app(settings)

    db = request.app.state.db
    account = connect_with_code(db, settings, user["id"], code, redirect_uri(settings))
    query = urlencode({"flash": "instagram_connected", "account": account["username"]})
    return Redirect(f"/settings?{query}", status_code=303)


routes = [instagram_connect, instagram_callback]
