"""The one exception handler: every error becomes the documented error body."""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)

from smartshare.errors import SmartShareError, TooManyRequests, error_body

logger = logging.getLogger(__name__)


def handle_error(request: Request, exc: Exception) -> Response:
    status, message, details, headers = _describe(request, exc)
    if status >= 500:
        logger.exception(
            "request %s %s failed", request.method, request.url.path, exc_info=exc
        )
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    renderer = getattr(request.app.state, "render_error_page", None)
    if renderer is not None and not _wants_json(request):
        return renderer(request, status, message, headers)
    return Response(
        error_body(status, message, details),
        status_code=status,
        headers=headers,
        media_type=MediaType.JSON,
    )


def _describe(request: Request, exc: Exception):
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, SmartShareError):
        return exc.status, exc.message, exc.details, headers
    if isinstance(exc, NotFoundException):
        return 404, f"No route matches {request.url.path}; see /schema.", None, headers
    if isinstance(exc, MethodNotAllowedException):
        allowed = (exc.headers or {}).get("allow", "")
        headers["Allow"] = allowed
        message = f"Method {request.method} is not allowed on {request.url.path}."
        return 405, f"{message} Allowed: {allowed}.", None, headers
    if isinstance(exc, ValidationException):
        details = _validation_details(exc)
        names = ", ".join(item["field"] for item in details) or "the request"
        return 400, f"Invalid request parameters: check {names}.", details, headers
    if isinstance(exc, HTTPException) and exc.status_code == 413:
        return 413, "The request body is too large; send a smaller one.", None, headers
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        headers.update(exc.headers or {})
        return exc.status_code, str(exc.detail), None, headers
    return 500, "Unexpected server error; the details are in the server log.", None, {}


def _validation_details(exc: ValidationException) -> list[dict[str, str]]:
    details = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            details.append(
                {"field": str(item.get("key", "")), "message": str(item.get("message"))}
            )
    return details


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/schema", "/healthz", "/media/"))
