"""Response shapes, used to serialize responses and to document them in OpenAPI."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi import ResponseSpec


class ErrorDetail(msgspec.Struct):
    field: str
    message: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    error: str
    message: str
    details: list[ErrorDetail] | None = None


class Schedule(msgspec.Struct, omit_defaults=True):
    type: str
    time: str
    timezone: str
    days_of_week: list[str] | None = None
    day_of_month: int | None = None


class Automation(msgspec.Struct):
    id: str
    user_id: str
    instagram_username: str
    schedule: Schedule
    general_description: str
    prompt_details: str
    negative_prompt: str | None
    mandatory_caption_or_hashtags: str
    generate_extra_hashtags: bool
    content_type: str
    requires_approval: bool
    active: bool
    status: str
    last_run_at: str | None
    next_scheduled_at: str | None
    last_error: str | None
    created_at: str
    updated_at: str


class AutomationList(msgspec.Struct):
    automations: list[Automation]


class Success(msgspec.Struct):
    success: bool
    message: str


class Account(msgspec.Struct):
    id: str
    username: str
    kind: str
    state: str
    token_expires_at: str | None


class AccountList(msgspec.Struct):
    accounts: list[Account]


class Health(msgspec.Struct):
    status: str
    version: str


ERROR_DESCRIPTIONS = {
    400: "Invalid id, JSON or field values; `details` names each field.",
    401: "Missing, invalid or revoked API key.",
    403: "Not allowed, for example the automation limit is reached.",
    404: "Not found, or owned by another user.",
    405: "Method not allowed on this path.",
    409: "Conflicts with the current state.",
    413: "The request body is too large.",
    429: "Too many requests; see the Retry-After header.",
    500: "Unexpected server error.",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """Document error responses; every route can also return 401, 429 and 500."""
    codes = sorted({*statuses, 401, 429, 500})
    return {
        code: ResponseSpec(
            data_container=ErrorBody,
            description=ERROR_DESCRIPTIONS[code],
            generate_examples=False,
        )
        for code in codes
    }


def convert(value: Any, kind: type) -> Any:
    return msgspec.convert(value, kind)


class Post(msgspec.Struct):
    id: str
    automation_id: str | None
    user_id: str
    instagram_username: str
    caption: str
    image_url: str
    status: str
    error: str | None
    instagram_media_id: str | None
    permalink: str | None
    created_at: str
    published_at: str | None


class PostList(msgspec.Struct):
    posts: list[Post]
    next_cursor: str | None


class Run(msgspec.Struct):
    id: str
    automation_id: str
    scheduled_for: str
    trigger: str
    status: str
    started_at: str | None
    finished_at: str | None
    error: str | None
    post_id: str | None


class RunList(msgspec.Struct):
    runs: list[Run]


class Queued(msgspec.Struct):
    success: bool
    message: str
    run_id: str
