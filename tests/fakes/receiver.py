"""A scripted webhook receiver for tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    """One scripted response, sent after waiting `delay` seconds."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_host: str


class Receiver:
    """An ASGI app that records each request and sends the scripted replies.

    Replies are used in order, and the last one repeats when they run out.
    """

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [Reply()]
        self.requests: list[ReceivedRequest] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await _run_lifespan(receive, send)
            return

        self.requests.append(await _read_request(scope, receive))
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        await asyncio.sleep(reply.delay)
        await _send_reply(send, reply)


async def _read_request(scope, receive) -> ReceivedRequest:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break

    headers = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope["headers"]
    }
    return ReceivedRequest(
        method=scope["method"],
        path=scope["path"],
        headers=headers,
        body=body,
        client_host=scope["client"][0],
    )


async def _send_reply(send, reply: Reply) -> None:
    headers = [(name.encode(), value.encode()) for name, value in reply.headers.items()]
    await send(
        {"type": "http.response.start", "status": reply.status, "headers": headers}
    )
    await send({"type": "http.response.body", "body": b""})


async def _run_lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
