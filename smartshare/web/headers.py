"""Security headers on every HTML response of the dashboard."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# The interactive API docs under /schema load their script from a CDN, which a
# 'self'-only policy would block.
NO_CSP_PREFIX = "/schema"


def add_security_headers(message: Message, path: str) -> None:
    headers = MutableScopeHeaders.from_message(message)
    if not headers.get("content-type", "").startswith("text/html"):
        return
    for name, value in HEADERS.items():
        if name == "Content-Security-Policy" and path.startswith(NO_CSP_PREFIX):
            continue
        headers.setdefault(name, value)


def security_headers(app: ASGIApp) -> ASGIApp:
    """Wrap `app` so that its text/html responses carry the security headers."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(message, scope["path"])
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
