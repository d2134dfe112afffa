"""The one place that makes outbound HTTP requests.

Every client has explicit timeouts and logs one line per request. Request URLs
are logged without their query string, because Instagram and OAuth calls carry
tokens and secrets there.
"""

from __future__ import annotations

import logging
import time

import httpx

logger = logging.getLogger(__name__)

USER_AGENT = "SmartShare/0.1 (+https://github.com/smartshare)"


def client(
    *,
    timeout: float,
    connect_timeout: float = 10.0,
    base_url: str = "",
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """Build a client whose read timeout is `timeout` seconds; redirects are not followed."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        follow_redirects=False,
        transport=transport,
        event_hooks={"request": [_mark_start], "response": [_log_response]},
    )


def _mark_start(request: httpx.Request) -> None:
    request.extensions["smartshare_started"] = time.monotonic()


def _log_response(response: httpx.Response) -> None:
    request = response.request
    started = request.extensions.get("smartshare_started", time.monotonic())
    logger.info(
        "%s %s -> %s in %.0f ms",
        request.method,
        redact(request.url),
        response.status_code,
        (time.monotonic() - started) * 1000,
    )


def redact(url: httpx.URL | str) -> str:
    """Return the URL without query string or user info, safe to log or store."""
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))
