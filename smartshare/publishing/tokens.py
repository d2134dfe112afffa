"""Instagram access tokens: stored encrypted, refreshed before they expire.

A long-lived token is valid for 60 days. Meta refreshes one only when it is at
least 24 hours old and not yet expired, and the new token is valid for another
60 days. The daily task refreshes tokens in their last 7 days, so a token gets
several chances before it expires.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from smartshare import clock, secretbox
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.publishing.graph import client_for
from smartshare.publishing.graph_errors import ErrorKind, GraphError
from smartshare.publishing.service import require_reconnect

logger = logging.getLogger(__name__)

REFRESH_WITHIN = timedelta(days=7)
MIN_AGE = timedelta(hours=24)


def token_fields(
    settings: Settings,
    token: str,
    expires_in: int | None,
    moment: datetime | None = None,
) -> dict[str, str | None]:
    """Return the account columns that store `token`, encrypted, issued at
    `moment` and valid for `expires_in` seconds (None when unknown)."""
    moment = moment or clock.now()
    expires_at = None
    if expires_in is not None:
        expires_at = clock.to_db(moment + timedelta(seconds=expires_in))
    return {
        "access_token": secretbox.encrypt(settings.secret_key, token),
        "token_expires_at": expires_at,
        "token_issued_at": clock.to_db(moment),
    }


def due_accounts(db: Database, moment: datetime) -> list[dict[str, Any]]:
    """Return the connected Instagram accounts whose token should be refreshed.

    A token of unknown expiry is refreshed too, which also learns its expiry.
    """
    return db.all(
        "SELECT * FROM accounts WHERE kind = 'instagram' AND state = 'connected' "
        "AND access_token IS NOT NULL "
        "AND (token_issued_at IS NULL OR token_issued_at <= ?) "
        "AND (token_expires_at IS NULL OR token_expires_at < ?) "
        "ORDER BY token_expires_at",
        (clock.to_db(moment - MIN_AGE), clock.to_db(moment + REFRESH_WITHIN)),
    )


def refresh_due_tokens(
    db: Database, settings: Settings, moment: datetime | None = None
) -> dict[str, int]:
    """Refresh every due token and return how many had each outcome
    (refreshed, failed, reconnect_required)."""
    moment = moment or clock.now()
    outcomes: Counter[str] = Counter()
    for account in due_accounts(db, moment):
        outcomes[refresh_account(db, settings, account, moment)] += 1
    return dict(outcomes)


def refresh_account(
    db: Database, settings: Settings, account: dict[str, Any], moment: datetime
) -> str:
    """Refresh one account's token and return the outcome."""
    expires_at = account["token_expires_at"]
    if expires_at is not None and clock.parse(expires_at) <= moment:
        return _reconnect(db, account, f"the token expired at {expires_at}")
    try:
        token = secretbox.decrypt(settings.secret_key, account["access_token"])
    except secretbox.SecretUnreadable as error:
        return _reconnect(db, account, str(error))

    try:
        with client_for(settings, token, account["username"]) as graph:
            new_token, expires_in = graph.refresh(token)
    except GraphError as error:
        if error.kind is ErrorKind.RECONNECT:
            return _reconnect(db, account, error.user_message)
        logger.warning(
            "account %s (@%s): token refresh failed, retrying tomorrow: %s",
            account["id"],
            account["username"],
            error,
        )
        return "failed"

    fields = token_fields(settings, new_token, expires_in, moment)
    _store(db, account, fields)
    return "refreshed"


def _store(db: Database, account: dict[str, Any], fields: dict[str, Any]) -> None:
    # The old token in the WHERE clause keeps a reconnect made meanwhile.
    with db.write() as conn:
        changed = conn.execute(
            "UPDATE accounts SET access_token = ?, token_expires_at = ?, "
            "token_issued_at = ?, updated_at = ? WHERE id = ? AND access_token = ?",
            (
                fields["access_token"],
                fields["token_expires_at"],
                fields["token_issued_at"],
                clock.now_db(),
                account["id"],
                account["access_token"],
            ),
        ).rowcount
    if changed:
        logger.info(
            "account %s (@%s): token refreshed, valid until %s",
            account["id"],
            account["username"],
            fields["token_expires_at"],
        )
    else:
        logger.info(
            "account %s (@%s): token refreshed, but the account was reconnected "
            "meanwhile, so the newer token is kept",
            account["id"],
            account["username"],
        )


def _reconnect(db: Database, account: dict[str, Any], reason: str) -> str:
    with db.write() as conn:
        require_reconnect(conn, account["user_id"], account["id"], account["username"])
    logger.warning(
        "account %s (@%s): reconnect required: %s",
        account["id"],
        account["username"],
        reason,
    )
    return "reconnect_required"
