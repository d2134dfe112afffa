"""create_app(settings): the Litestar app with its routes, state and lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from smartshare import __version__, migrations
from smartshare.api.accounts import AccountController
from smartshare.api.automations import AutomationController
from smartshare.api.posts import PostController, RunController
from smartshare.api.schemas import Health
from smartshare.api.webhooks import WebhookController
from smartshare.config import Settings, ensure_secret_key
from smartshare.db import Database
from smartshare.errorpages import handle_error
from smartshare.jobs import Worker
from smartshare.ratelimit import RateLimiter
from smartshare.web import dashboard
from smartshare.web import instagram as instagram_pages
from smartshare.web.media import media_file

logger = logging.getLogger(__name__)
LOGIN_ATTEMPTS_PER_MINUTE = 10
# No request needs more: API bodies stop at 256 KiB and forms are small.
MAX_REQUEST_BYTES = 1024 * 1024


@get("/healthz", include_in_schema=True, tags=["health"], sync_to_thread=False)
def healthz() -> Health:
    return Health(status="ok", version=__version__)


def open_database(settings: Settings) -> Database:
    """Open app.db in the data directory, creating and migrating it as needed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.data_dir / "app.db")
    migrations.apply(db)
    return db


def api_router() -> Router:
    return Router(
        "/api/v1",
        route_handlers=[
            AutomationController,
            RunController,
            PostController,
            AccountController,
            WebhookController,
        ],
        security=[{"BearerAuth": []}],
    )


def create_app(
    settings: Settings, start_worker: bool = False, immediate: bool = False
) -> Litestar:
    """Build the app; `start_worker` runs the queue consumer and the tick in the
    lifespan, `immediate` runs queued tasks inline (for tests)."""
    settings = ensure_secret_key(settings)
    db = open_database(settings)
    worker = Worker(settings, db, immediate=immediate)
    state = State(
        {
            "settings": settings,
            "db": db,
            "worker": worker,
            "api_limiter": RateLimiter(settings["limits.api_requests_per_minute"]),
            "login_limiter": RateLimiter(LOGIN_ATTEMPTS_PER_MINUTE),
            "render_error_page": dashboard.render_error_page,
        }
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        logger.info("SmartShare %s serving data in %s", __version__, settings.data_dir)
        dashboard.announce_setup_link(settings, db)
        if start_worker:
            worker.start()
        try:
            yield
        finally:
            if start_worker:
                worker.stop()

    return Litestar(
        route_handlers=[
            healthz,
            media_file,
            api_router(),
            *instagram_pages.routes,
            *dashboard.route_handlers(),
        ],
        state=state,
        lifespan=[lifespan],
        exception_handlers={Exception: handle_error},
        template_config=dashboard.template_config(),
        middleware=[dashboard.security_headers],
        openapi_config=_openapi_config(),
        logging_config=None,
        request_max_body_size=MAX_REQUEST_BYTES,
        debug=False,
    )


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="SmartShare API",
        version="1.0.0",
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        components=Components(
            security_schemes={
                "BearerAuth": SecurityScheme(
                    type="http", scheme="bearer", description="An API key: ss_..."
                )
            }
        ),
    )
