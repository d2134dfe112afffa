"""Connecting an Instagram account, from a pasted token or an authorization code.

Either way the token is verified with /me, exchanged for a long-lived one
where Meta allows it, and stored encrypted with its expiry.
"""

from __future__ import annotations

import logging
from typing import Any

from smartshare import accounts
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.errors import BadRequest, SmartShareError
from smartshare.publishing.graph import GraphClient, client_for
from smartshare.publishing.graph_errors import ErrorKind, GraphError
from smartshare.publishing.tokens import token_fields

logger = logging.getLogger(__name__)

# (what Instagram rejected, what to do) for each way of connecting.
TOKEN_FLOW = (
    "access token",
    "Generate a new access token for the account in the Meta App Dashboard "
    "(Instagram API with Instagram Login) and try again.",
)
CODE_FLOW = ("authorization", "Connect the account again from Settings.")


class InstagramUnavailable(SmartShareError):
    """Instagram could not be reached or failed for a while, so trying again
    may help."""

    status = 502


def connect_with_token(
    db: Database, settings: Settings, user_id: str, username: str, token: str
) -> dict[str, Any]:
    """Connect @username for the user with a token from the Meta App Dashboard."""
    requested = accounts.normalize_username(username)
    token = token.strip()
    if not token:
        raise BadRequest(
            "The access token is missing: pipe it to the command's standard input."
        )

    with client_for(settings, token, requested) as graph:
        ig_user_id, actual = _profile(graph, TOKEN_FLOW)
        if actual.lower() != requested:
            raise BadRequest(
                f"The access token belongs to @{actual}, not @{requested}. Connect "
                f"@{actual} instead, or use a token of @{requested}."
            )
        token, expires_in = _long_lived(graph, settings, token)
    return store_account(db, settings, user_id, ig_user_id, actual, token, expires_in)


def connect_with_code(
    db: Database, settings: Settings, user_id: str, code: str, redirect_uri: str
) -> dict[str, Any]:
    """Connect the account that granted `code` in Business Login for Instagram."""
    app_id = settings["instagram.app_id"]
    app_secret = settings["instagram.app_secret"]
    try:
        with client_for(settings, "") as oauth:
            short_token = oauth.exchange_code(app_id, app_secret, redirect_uri, code)
            token, expires_in = oauth.exchange_long_lived(app_secret, short_token)
    except GraphError as error:
        raise _connect_error(error, CODE_FLOW) from None

    with client_for(settings, token) as graph:
        ig_user_id, username = _profile(graph, CODE_FLOW)
    return store_account(db, settings, user_id, ig_user_id, username, token, expires_in)


def store_account(
    db: Database,
    settings: Settings,
    user_id: str,
    ig_user_id: str,
    username: str,
    token: str,
    expires_in: int | None,
) -> dict[str, Any]:
    """Add the account, or give the user's existing one the new token."""
    fields = token_fields(settings, token, expires_in)
    account = accounts.add_account(
        db, user_id, username, "instagram", ig_user_id=ig_user_id, **fields
    )
    logger.info(
        "account %s (@%s): connected for user %s, token valid until %s",
        account["id"],
        account["username"],
        user_id,
        fields["token_expires_at"] or "an unknown date",
    )
    return account


def _profile(graph: GraphClient, flow: tuple[str, str]) -> tuple[str, str]:
    try:
        return graph.me()
    except GraphError as error:
        raise _connect_error(error, flow) from None


def _long_lived(
    graph: GraphClient, settings: Settings, token: str
) -> tuple[str, int | None]:
    """Return a long-lived token for `token` and its expires_in, if Meta gives one.

    A short-lived token can be exchanged with the app secret. A long-lived token
    at least 24 hours old can be refreshed, which also returns its lifetime.
    Otherwise the token is kept as given, with an unknown expiry that the daily
    refresh learns later.
    """
    app_secret = settings["instagram.app_secret"]
    if app_secret:
        try:
            return graph.exchange_long_lived(app_secret, token)
        except GraphError as error:
            logger.info("@%s: token not exchanged: %s", graph.account, error)
    try:
        return graph.refresh(token)
    except GraphError as error:
        logger.info("@%s: token kept as given: %s", graph.account, error)
    return token, None


def _connect_error(error: GraphError, flow: tuple[str, str]) -> SmartShareError:
    if error.kind is ErrorKind.RETRY:
        return InstagramUnavailable(error.user_message)
    if error.kind is ErrorKind.RECONNECT:
        rejected, advice = flow
        reason = error.message or "invalid or expired"
        return BadRequest(f"Instagram rejected the {rejected} ({reason}). {advice}")
    return BadRequest(error.user_message)
