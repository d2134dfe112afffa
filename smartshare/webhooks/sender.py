"""One delivery attempt: a signed POST to an endpoint, at a checked address."""

from __future__ import annotations

import email.utils
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

import httpx

from smartshare import http
from smartshare.webhooks.addresses import IPAddress
from smartshare.webhooks.urls import UnsafeURL, resolve_public

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = {429, 503}


@dataclass(frozen=True)
class AttemptResult:
    """The outcome of one attempt, in the shape of a delivery_attempts row.

    `ok` means a 2xx response and `gone` a 410. `error` is None only when `ok`.
    Its messages name the host rather than the URL, whose path or query may carry
    a token.
    """

    status_code: int | None
    duration_ms: int
    error: str | None = None
    retry_after_seconds: int | None = None
    ok: bool = False
    gone: bool = False


def send_attempt(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    allow_private: bool,
) -> AttemptResult:
    """POST `body` once and return the outcome. Network errors are returned, not raised.

    The host is resolved and checked on every call, and the connection goes to a
    checked address without a second DNS lookup. Redirects are not followed.
    """
    started = time.monotonic()
    try:
        addresses = resolve_public(url, allow_private)
    except UnsafeURL as error:
        return _failure(started, str(error))

    host = httpx.URL(url).host
    try:
        response = _post(url, body, headers, timeout, addresses)
    except httpx.TimeoutException:
        return _failure(started, f"Request to {host} timed out after {timeout:g} s.")
    except httpx.TransportError as error:
        detail = str(error) or type(error).__name__
        return _failure(started, f"Request to {host} failed: {detail}")

    return _from_response(response, started)


def parse_retry_after(value: str | None, now: datetime | None = None) -> int | None:
    """Convert a Retry-After value, in seconds or an HTTP date, to seconds from now.

    Returns None for a missing or invalid value, and 0 for a date in the past.
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)

    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()

    return max(0, math.ceil(seconds))


def _post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    addresses: list[IPAddress],
) -> httpx.Response:
    # A host with several addresses may be unreachable on one of them, such as
    # an IPv6 address on a machine without IPv6, so a failed connection moves
    # on to the next address. A timeout does not, so that one attempt stays short.
    for address in addresses[:-1]:
        try:
            return _post_to(address, url, body, headers, timeout)
        except httpx.ConnectError as error:
            logger.info(
                "Connection to %s failed, trying the next address: %s", address, error
            )
    return _post_to(addresses[-1], url, body, headers, timeout)


def _post_to(
    address: IPAddress,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> httpx.Response:
    # NOTE: httpx applies `timeout` to each phase (connect, each read, each
    # write), so a receiver that trickles bytes can hold an attempt longer.
    transport = http.PinnedTransport(str(address))
    with (
        http.client(
            timeout=timeout, connect_timeout=timeout, transport=transport
        ) as client,
        client.stream("POST", url, content=body, headers=headers) as response,
    ):
        # The response body is not read, because only the status and headers are kept.
        return response


def _from_response(response: httpx.Response, started: float) -> AttemptResult:
    status = response.status_code
    retry_after = None
    if status in RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after"))

    return AttemptResult(
        status_code=status,
        duration_ms=_elapsed_ms(started),
        error=_status_error(response, retry_after),
        retry_after_seconds=retry_after,
        ok=response.is_success,
        gone=status == 410,
    )


def _status_error(response: httpx.Response, retry_after: int | None) -> str | None:
    if response.is_success:
        return None
    described = f"Receiver responded with HTTP {_status_text(response.status_code)}"
    if 300 <= response.status_code < 400:
        return described + _redirect_note(response)
    if retry_after is not None:
        return described + f". It asks to retry after {retry_after} s."
    return described + "."


def _redirect_note(response: httpx.Response) -> str:
    return (
        f", a redirect{_redirect_target(response)}, and redirects are not followed. "
        "Set the endpoint URL to the final address."
    )


def _redirect_target(response: httpx.Response) -> str:
    # Only the host is shown, because the path or query may carry a token.
    try:
        host = httpx.URL(response.headers.get("location", "")).host
    except httpx.InvalidURL:
        return ""
    return f" to {host}" if host else ""


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _failure(started: float, error: str) -> AttemptResult:
    return AttemptResult(
        status_code=None, duration_ms=_elapsed_ms(started), error=error
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
