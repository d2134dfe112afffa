"""`smartshare serve`: uvicorn running the app, with the worker in its lifespan."""

from __future__ import annotations

import logging

import uvicorn

from smartshare.app import create_app
from smartshare.config import Settings

logger = logging.getLogger(__name__)


def run(settings: Settings) -> None:
    app = create_app(settings, start_worker=True)
    config = uvicorn.Config(
        app,
        host=settings["server.host"],
        port=settings["server.port"],
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()
