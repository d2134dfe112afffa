"""Errors that carry an HTTP status, and the error body every response uses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


class SmartShareError(Exception):
    """An error a user can act on; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, details: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, self.details)


class BadRequest(SmartShareError):
    status = 400


class Unauthorized(SmartShareError):
    status = 401


class Forbidden(SmartShareError):
    status = 403


class NotFound(SmartShareError):
    status = 404


class Conflict(SmartShareError):
    status = 409


class PayloadTooLarge(SmartShareError):
    status = 413


class TooManyRequests(SmartShareError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ValidationFailed(BadRequest):
    """Invalid input; `details` names each field and what is wrong with it."""

    def __init__(self, details: list[dict[str, str]], message: str | None = None):
        fields = ", ".join(dict.fromkeys(item["field"] for item in details))
        super().__init__(message or f"Invalid request body: check {fields}.", details)


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def error_body(
    status: int, message: str, details: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": HTTPStatus(status).phrase, "message": message}
    if details is not None:
        body["details"] = details
    return body
