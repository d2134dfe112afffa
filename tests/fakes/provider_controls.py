"""Behaviour controls and request records shared by the fake generation servers."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from PIL import Image


@dataclass
class Received:
    """One request as the fake server received it; `body` is the parsed JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeControls:
    """Behaviour a test sets on a fake provider, and the requests it received.

    `failures` lists HTTP statuses, one per generation request, that the fake
    returns before it replies normally. `retry_after` is sent with each 429.
    """

    delay_seconds: float = 0.0
    failures: list[int] = field(default_factory=list)
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)

    async def record(self, request: Request) -> Received:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        received = Received(
            request.method, request.url.path, dict(request.headers), body
        )
        self.received.append(received)
        return received

    async def pause(self) -> None:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)

    def next_failure(self) -> int | None:
        return self.failures.pop(0) if self.failures else None

    def requests_to(self, path: str) -> list[Received]:
        return [item for item in self.received if item.path == path]


def png_image(size: tuple[int, int] = (64, 80), colour=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()
