"""Errors of Instagram Graph API calls, classified by the action they call for.

A failed call raises GraphError, and its `kind` is the action for the caller:
retry, fix the input, ask the user to reconnect the account, or stop.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import httpx

# A failed image fetch (9004/2207052) is worth a few retries only, because it
# usually means that the image URL is not public.
FETCH_RETRIES = 3


class ErrorKind(StrEnum):
    """The action a caller should take after a GraphError."""

    RETRY = "retry"  # temporary, such as a rate limit, server error or timeout
    FIX_INPUT = "fix_input"  # the image or caption breaks Instagram's rules
    RECONNECT = "reconnect"  # token invalid, expired or missing a permission
    EXPIRED_CONTAINER = "expired_container"  # create a new container
    NOT_READY = "not_ready"  # poll the container status, then publish
    QUOTA = "quota"  # the 24-hour publishing limit is reached
    STOP = "stop"  # account restricted or post flagged as spam
    UNKNOWN = "unknown"  # not classified, so not retried


class GraphError(Exception):
    """A failed Graph API call.

    `message` is Meta's own text, empty when there was no error body.
    `user_message`, also the exception's string, states what failed and what to do.
    """

    def __init__(
        self,
        kind: ErrorKind,
        user_message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        message: str = "",
        http_status: int | None = None,
        fbtrace_id: str | None = None,
    ):
        super().__init__(user_message)
        self.kind = kind
        self.user_message = user_message
        self.code = code
        self.subcode = subcode
        self.message = message
        self.http_status = http_status
        self.fbtrace_id = fbtrace_id
        fetch_failed = code == 9004 or subcode == 2207052
        self.max_retries = FETCH_RETRIES if fetch_failed else None


RETRY_LATER = "Retry later."
_RATE_LIMIT = (ErrorKind.RETRY, "Instagram's rate limit was reached", RETRY_LATER)
_SERVER = (ErrorKind.RETRY, "Instagram had a server error", RETRY_LATER)
_DOWNLOAD_TIMEOUT = (
    ErrorKind.RETRY,
    "Instagram timed out downloading the image",
    RETRY_LATER,
)
_FETCH = (
    ErrorKind.RETRY,
    "Instagram could not fetch the image from its URL",
    "Check that server.public_url is a public https address that serves the "
    "image without a login, then retry.",
)
_TOO_LARGE = (
    ErrorKind.FIX_INPUT,
    "the image is larger than Instagram's limit of 8 MiB",
    "Use a smaller image.",
)
_ASPECT = (
    ErrorKind.FIX_INPUT,
    "the image's aspect ratio is outside Instagram's range of 4:5 to 1.91:1",
    "Crop or pad the image.",
)
_NOT_READY = (
    ErrorKind.NOT_READY,
    "the media container is not ready yet",
    "Wait until its status is FINISHED, then publish it.",
)
_QUOTA = (
    ErrorKind.QUOTA,
    "the account reached Instagram's limit of published posts for 24 hours",
    "Publish again when the 24-hour window has room.",
)
_PERMISSION = (
    ErrorKind.RECONNECT,
    "the Instagram token lacks a permission this call needs",
    "Reconnect the account in Settings and allow content publishing.",
)

# (kind, reason, advice) by error subcode, which Instagram sets for media errors.
_BY_SUBCODE = {
    2207001: _SERVER,
    2207032: _SERVER,
    2207003: _DOWNLOAD_TIMEOUT,
    2207052: _FETCH,
    2207004: _TOO_LARGE,
    2207005: (
        ErrorKind.FIX_INPUT,
        "the image format is not supported",
        "Convert the image to JPEG.",
    ),
    2207009: _ASPECT,
    2207010: (
        ErrorKind.FIX_INPUT,
        "the caption is longer than 2,200 characters",
        "Shorten the caption.",
    ),
    2207020: (
        ErrorKind.EXPIRED_CONTAINER,
        "the media container expired before it was published",
        "Create a new container and publish that one.",
    ),
    2207027: _NOT_READY,
    2207042: _QUOTA,
    2207050: (
        ErrorKind.STOP,
        "the Instagram account is inactive, checkpointed or restricted",
        "Sign in to the Instagram app and complete the steps it asks for.",
    ),
    2207051: (
        ErrorKind.STOP,
        "Instagram suspects the post is spam and restricted the action",
        "Check the account in the Instagram app before publishing again.",
    ),
}

# (kind, reason, advice) by error code, used when the subcode is not listed above.
_BY_CODE = {
    1: (ErrorKind.RETRY, "Instagram returned an unknown error", RETRY_LATER),
    2: (ErrorKind.RETRY, "Instagram is temporarily unavailable", RETRY_LATER),
    4: _RATE_LIMIT,
    17: _RATE_LIMIT,
    32: _RATE_LIMIT,
    613: _RATE_LIMIT,
    -1: _SERVER,
    -2: _DOWNLOAD_TIMEOUT,
    9004: _FETCH,
    36000: _TOO_LARGE,
    36003: _ASPECT,
    190: (
        ErrorKind.RECONNECT,
        "the Instagram token is invalid or expired",
        "Reconnect the account in Settings.",
    ),
    10: _PERMISSION,
    9007: _NOT_READY,
    9: _QUOTA,
}


def graph_error(
    operation: str,
    account: str | None,
    *,
    code: int | None = None,
    subcode: int | None = None,
    message: str = "",
    http_status: int | None = None,
    fbtrace_id: str | None = None,
    transient: bool = False,
) -> GraphError:
    """Classify Meta's error fields and phrase the message for users."""
    kind, reason, advice = _describe(code, subcode, message, http_status, transient)
    return operation_error(
        kind,
        operation,
        account,
        f"{reason}. {advice}",
        code=code,
        subcode=subcode,
        message=message,
        http_status=http_status,
        fbtrace_id=fbtrace_id,
    )


def _describe(
    code: int | None,
    subcode: int | None,
    message: str,
    http_status: int | None,
    transient: bool,
) -> tuple[ErrorKind, str, str]:
    known = _BY_SUBCODE.get(subcode) or _BY_CODE.get(code)
    if known:
        return known
    if code is not None and 200 <= code <= 299:
        return _PERMISSION

    if code is None:
        reason = f"Instagram returned HTTP {http_status} without an error body"
    elif subcode is None:
        reason = f"Instagram returned error {code} ({message})"
    else:
        reason = f"Instagram returned error {code}, subcode {subcode} ({message})"
    if transient or http_status == 429 or (http_status or 0) >= 500:
        return ErrorKind.RETRY, reason, RETRY_LATER
    return ErrorKind.UNKNOWN, reason, "Check the post and the account before retrying."


def operation_error(
    kind: ErrorKind, operation: str, account: str | None, detail: str, **fields: Any
) -> GraphError:
    """Build a GraphError whose message reads "<operation> for @account failed
    because <detail>"."""
    subject = f"@{account}" if account else "the Instagram account"
    text = f"{operation} for {subject} failed because {detail}"
    return GraphError(kind, text, **fields)


def error_from_response(
    response: httpx.Response, operation: str, account: str | None
) -> GraphError:
    """Build the GraphError for a non-2xx response from Meta."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None

    if isinstance(error, dict):
        return graph_error(
            operation,
            account,
            code=_integer(error.get("code")),
            subcode=_integer(error.get("error_subcode")),
            message=str(error.get("message", "")),
            http_status=response.status_code,
            fbtrace_id=error.get("fbtrace_id"),
            transient=bool(error.get("is_transient")),
        )
    if isinstance(body, dict) and "error_message" in body:
        return _oauth_error(body, response.status_code, operation, account)
    return graph_error(operation, account, http_status=response.status_code)


def _oauth_error(
    body: dict[str, Any], http_status: int, operation: str, account: str | None
) -> GraphError:
    # OAuth endpoints on api.instagram.com can report errors in this flat body
    # instead of Graph's `error` object.
    message = str(body["error_message"])
    return operation_error(
        ErrorKind.RECONNECT,
        operation,
        account,
        f"Instagram rejected the authorization ({message}). "
        "Connect the account again from Settings.",
        code=_integer(body.get("code")),
        message=message,
        http_status=http_status,
    )


def _integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
