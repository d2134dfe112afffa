"""Run API work in a worker thread after authenticating the caller there.

SQLite calls block, so they never run on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar import Request

from smartshare.auth import api_user


async def in_thread(request: Request, work: Callable[..., Any], *args: Any) -> Any:
    """Authenticate, then call `work(state, user, *args)` off the event loop.

    For handlers that must await the request body first; the others are
    sync_to_thread handlers that use `call`, which costs one coroutine less.
    """
    return await anyio.to_thread.run_sync(call, request, work, *args)


def call(request: Request, work: Callable[..., Any], *args: Any) -> Any:
    """Authenticate, then call `work(state, user, *args)` in the current thread."""
    user = api_user(request)
    return work(request.app.state, user, *args)
