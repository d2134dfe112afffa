"""The one place that makes outbound HTTP requests.

Every client has explicit timeouts and logs one line per request. Request URLs
are logged without their query string, because Instagram and OAuth calls carry
tokens and secrets there.
"""

from __future__ import annotations

import functools
import logging
import ssl
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
    """Build a client with a `timeout` second read timeout that follows no redirects."""
    return httpx.Client(
        base_url=base_url,
        verify=tls_context(),
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        follow_redirects=False,
        transport=transport,
        event_hooks={"request": [_mark_start], "response": [_log_response]},
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Return one shared TLS context; loading the CA bundle takes about 20 ms."""
    return ssl.create_default_context()


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


class PinnedTransport(httpx.BaseTransport):
    """A transport that connects to one IP address checked in advance.

    Each request is sent to `address` with no DNS lookup, so the host cannot
    resolve to another address between the safety check and the connection.
    The Host header keeps the URL's host name, and TLS sends that name as SNI and
    verifies the certificate against it.
    """

    def __init__(self, address: str, verify: ssl.SSLContext | bool = True) -> None:
        self.address = address
        self._transport = httpx.HTTPTransport(
            verify=tls_context() if verify is True else verify
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=self.address),
            headers=request.headers,
            stream=request.stream,
            extensions={
                **request.extensions,
                "sni_hostname": request.url.raw_host.decode("ascii"),
            },
        )
        return self._transport.handle_request(pinned)

    def close(self) -> None:
        self._transport.close()
