"""Automations: what to post and when, with their life cycle and quotas."""

from __future__ import annotations

import json
import uuid
from typing import Any

import msgspec

from smartshare import accounts, clock
from smartshare.api.body import Field, parse_fields, spellings_of
from smartshare.captions import check_mandatory
from smartshare.config import Settings
from smartshare.db import Database, insert, update
from smartshare.errors import (
    Forbidden,
    NotFound,
    ValidationFailed,
    field_error,
)
from smartshare.ids import find_owned, parse_id
from smartshare.schedule import next_occurrence, validate_schedule

CONTENT_TYPES = ("ai_generated",)
FIELDS = [
    Field(
        "instagram_username", str, required=True, max_length=64, snake_documented=True
    ),
    Field("schedule", dict, required=True),
    Field("general_description", str, required=True, max_length=2000),
    Field("prompt_details", str, required=True, max_length=4000),
    Field("negative_prompt", str, nullable=True, max_length=2000),
    Field("mandatory_caption_or_hashtags", str, required=True, max_length=2200),
    Field("generate_extra_hashtags", bool, required=True),
    Field("content_type", str, required=True),
    Field("requires_approval", bool),
]
# Fields of the automation object that clients may echo back; they are ignored.
READ_ONLY = spellings_of(
    "id",
    "user_id",
    "active",
    "status",
    "last_run_at",
    "next_scheduled_at",
    "last_error",
    "created_at",
    "updated_at",
)


def parse_automation_id(text: str) -> str:
    return parse_id(text, "automation")


def get_automation(db: Database, user_id: str, automation_id: str) -> dict[str, Any]:
    return find_owned(db, "automations", user_id, automation_id, "automation")


def _flag(column: str) -> str:
    return f"json(CASE WHEN {column} THEN 'true' ELSE 'false' END)"


def _instant(column: str) -> str:
    return f"substr({column}, 1, 19) || 'Z'"


# The API's automation object built by SQLite, the same as `to_api` builds it
# from a row. Reads then spend no Python time per row, which keeps the list
# endpoint as fast as a bare app reading the same rows.
API_OBJECT_SQL = f"""json_object(
    'id', id, 'user_id', user_id, 'instagram_username', instagram_username,
    'schedule', json(schedule), 'general_description', general_description,
    'prompt_details', prompt_details, 'negative_prompt', negative_prompt,
    'mandatory_caption_or_hashtags', mandatory_caption_or_hashtags,
    'generate_extra_hashtags', {_flag("generate_extra_hashtags")},
    'content_type', content_type, 'requires_approval', {_flag("requires_approval")},
    'active', {_flag("active")}, 'status', status,
    'last_run_at', {_instant("last_run_at")},
    'next_scheduled_at', {_instant("next_scheduled_at")},
    'last_error', last_error, 'created_at', {_instant("created_at")},
    'updated_at', {_instant("updated_at")})"""


def list_api_objects(db: Database, user_id: str) -> bytes:
    """Return the user's automations as one JSON array, oldest first."""
    rows = db.conn.execute(
        f"SELECT {API_OBJECT_SQL} FROM automations WHERE user_id = ? "
        "ORDER BY created_at, id",
        (user_id,),
    ).fetchall()
    return b"[" + b",".join(row[0].encode() for row in rows) + b"]"


def get_api_object(db: Database, user_id: str, automation_id: str) -> bytes:
    """Return one automation of the user as JSON, or raise NotFound."""
    text = db.value(
        f"SELECT {API_OBJECT_SQL} FROM automations WHERE id = ? AND user_id = ?",
        (parse_automation_id(automation_id), user_id),
    )
    if text is None:
        raise NotFound(f"Automation {automation_id} not found.")
    return text.encode()


def list_automations(db: Database, user_id: str) -> list[dict[str, Any]]:
    return db.all(
        "SELECT * FROM automations WHERE user_id = ? ORDER BY created_at, id",
        (user_id,),
    )


def create_automation(
    db: Database, settings: Settings, user: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    values = _parse(body, partial=False)
    moment = clock.now()
    content = _check_content(db, settings, user["id"], values, moment)
    row = {
        "id": str(uuid.uuid4()),
        "user_id": user["id"],
        **content,
        "requires_approval": int(values.get("requires_approval", False)),
        "active": 1,
        "status": "idle",
        "last_run_at": None,
        "next_scheduled_at": clock.to_db(next_occurrence(content["_schedule"], moment)),
        "last_error": None,
        "created_at": clock.to_db(moment),
        "updated_at": clock.to_db(moment),
    }
    row.pop("_schedule")

    with db.write() as conn:
        _check_limit(conn, settings, user)
        insert(conn, "automations", row)
    return row


def update_automation(
    db: Database,
    settings: Settings,
    user: dict[str, Any],
    automation_id: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Apply a partial update; a new schedule recomputes next_scheduled_at."""
    current = get_automation(db, user["id"], automation_id)
    values = _parse(body, partial=True)
    merged = {**_as_input(current), **values}
    moment = clock.now()
    content = _check_content(db, settings, user["id"], merged, moment)
    schedule = content.pop("_schedule")
    changes = {**content, "updated_at": clock.to_db(moment)}
    if "requires_approval" in values:
        changes["requires_approval"] = int(values["requires_approval"])
    if "schedule" in values and current["active"]:
        changes["next_scheduled_at"] = clock.to_db(next_occurrence(schedule, moment))

    with db.write() as conn:
        update(conn, "automations", current["id"], changes)
    return {**current, **changes}


def set_active(db: Database, user_id: str, automation_id: str, active: bool) -> None:
    """Start or stop; starting computes the next slot afresh from now."""
    current = get_automation(db, user_id, automation_id)
    moment = clock.now()
    changes: dict[str, Any] = {"active": int(active), "updated_at": clock.to_db(moment)}
    if not active:
        changes["next_scheduled_at"] = None
    elif not current["active"] or current["next_scheduled_at"] is None:
        schedule = json.loads(current["schedule"])
        changes["next_scheduled_at"] = clock.to_db(next_occurrence(schedule, moment))

    with db.write() as conn:
        update(conn, "automations", current["id"], changes)


def delete_automation(db: Database, user_id: str, automation_id: str) -> None:
    current = get_automation(db, user_id, automation_id)
    with db.write() as conn:
        conn.execute("DELETE FROM automations WHERE id = ?", (current["id"],))


def to_api(row: dict[str, Any]) -> dict[str, Any]:
    """Shape a row as the API's automation object.

    The stored schedule is already the JSON the API returns, so it is passed
    through as raw JSON instead of being decoded and encoded again.
    """
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "instagram_username": row["instagram_username"],
        "schedule": msgspec.Raw(row["schedule"].encode()),
        "general_description": row["general_description"],
        "prompt_details": row["prompt_details"],
        "negative_prompt": row["negative_prompt"],
        "mandatory_caption_or_hashtags": row["mandatory_caption_or_hashtags"],
        "generate_extra_hashtags": bool(row["generate_extra_hashtags"]),
        "content_type": row["content_type"],
        "requires_approval": bool(row["requires_approval"]),
        "active": bool(row["active"]),
        "status": row["status"],
        "last_run_at": clock.to_api(row["last_run_at"]),
        "next_scheduled_at": clock.to_api(row["next_scheduled_at"]),
        "last_error": row["last_error"],
        "created_at": clock.to_api(row["created_at"]),
        "updated_at": clock.to_api(row["updated_at"]),
    }


def _parse(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    """Check the body's fields; a failure also lists the schedule's problems."""
    try:
        return parse_fields(body, FIELDS, ignored=READ_ONLY, partial=partial)
    except ValidationFailed as failure:
        details = (failure.details or []) + _schedule_problems(body.get("schedule"))
        raise ValidationFailed(details) from None


def _schedule_problems(schedule: Any) -> list[dict[str, str]]:
    if not isinstance(schedule, dict):
        return []
    try:
        validate_schedule(schedule, clock.now())
    except ValidationFailed as failure:
        return failure.details or []
    return []


def _as_input(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "instagram_username": row["instagram_username"],
        "schedule": json.loads(row["schedule"]),
        "general_description": row["general_description"],
        "prompt_details": row["prompt_details"],
        "negative_prompt": row["negative_prompt"],
        "mandatory_caption_or_hashtags": row["mandatory_caption_or_hashtags"],
        "generate_extra_hashtags": bool(row["generate_extra_hashtags"]),
        "content_type": row["content_type"],
    }


def _check_content(
    db: Database, settings: Settings, user_id: str, values: dict[str, Any], moment
) -> dict[str, Any]:
    """Validate the fields that need more than a type check; collect every problem."""
    errors = []
    schedule = None
    try:
        schedule = validate_schedule(values["schedule"], moment)
    except ValidationFailed as failure:
        errors += failure.details or []
    account = accounts.find_account(db, user_id, values["instagram_username"])
    if account is None:
        errors.append(_unknown_account(values["instagram_username"]))
    errors += _check_texts(settings, values)
    if errors:
        raise ValidationFailed(errors)

    return {
        "account_id": account["id"],
        "instagram_username": account["username"],
        "schedule": json.dumps(schedule),
        "_schedule": schedule,
        "general_description": values["general_description"].strip(),
        "prompt_details": values["prompt_details"].strip(),
        "negative_prompt": (values.get("negative_prompt") or "").strip() or None,
        "mandatory_caption_or_hashtags": values[
            "mandatory_caption_or_hashtags"
        ].strip(),
        "generate_extra_hashtags": int(values["generate_extra_hashtags"]),
        "content_type": values["content_type"],
    }


def _unknown_account(username: str) -> dict[str, str]:
    return field_error(
        "instagram_username",
        f"No connected Instagram account named {username!r}. {accounts.CONNECT_HINT}",
    )


def _check_texts(settings: Settings, values: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    if values["content_type"] not in CONTENT_TYPES:
        errors.append(
            field_error(
                "contentType",
                f"Unsupported content type {values['content_type']!r}; "
                f"supported: {', '.join(CONTENT_TYPES)}.",
            )
        )
    for name, camel in (
        ("general_description", "generalDescription"),
        ("prompt_details", "promptDetails"),
    ):
        if not values[name].strip():
            errors.append(field_error(camel, f"{camel} must not be empty."))
    problem = check_mandatory(
        values["mandatory_caption_or_hashtags"].strip(),
        settings["instagram.max_hashtags"],
    )
    if problem:
        errors.append(field_error("mandatoryCaptionOrHashtags", problem))
    return errors


def _check_limit(conn, settings: Settings, user: dict[str, Any]) -> None:
    limit = user["automation_limit"]
    if limit is None:
        limit = settings["limits.automations_per_user"]
    if not limit:
        return
    count = conn.execute(
        "SELECT COUNT(*) FROM automations WHERE user_id = ?", (user["id"],)
    ).fetchone()[0]
    if count >= limit:
        raise Forbidden(
            f"Automation limit reached: this account may have at most {limit} "
            "automations. Delete one or ask an admin to raise the limit."
        )
