"""The automation form: create, edit, and the schedule preview that checks the
schedule fields as they are typed."""

from __future__ import annotations

import json
import re
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import accounts, automations, clock
from smartshare.errors import SmartShareError, ValidationFailed
from smartshare.schedule import (
    WEEKDAYS,
    describe,
    timezone_names,
    upcoming,
    validate_schedule,
)
from smartshare.web.helpers import (
    Form,
    authorized,
    form_list,
    form_text,
    go_to,
    page,
    require_user,
    viewer_zone,
)

SCHEDULE_INPUTS = {
    "type": "schedule_type",
    "time": "schedule_time",
    "timezone": "schedule_timezone",
    "days_of_week": "days_of_week",
    "daysOfWeek": "days_of_week",
    "day_of_month": "day_of_month",
    "dayOfMonth": "day_of_month",
}
TEXT_INPUTS = (
    "instagram_username",
    "general_description",
    "prompt_details",
    "negative_prompt",
    "mandatory_caption_or_hashtags",
    "content_type",
)
PREVIEW_COUNT = 5


@get("/automations/new", sync_to_thread=True)
def automation_new(request: Request) -> Template:
    user = require_user(request)
    values = _blank_values(viewer_zone(request))
    return _form_page(request, user, values, None, {})


@post("/automations", sync_to_thread=True)
def automation_create(request: Request, data: Form) -> Response:
    user = authorized(request, data)
    state = request.app.state
    try:
        row = automations.create_automation(
            state.db, state.settings, user, automation_body(data)
        )
    except SmartShareError as error:
        return _form_page(request, user, form_values(data), None, *_problems(error))
    return go_to(request, f"/automations/{row['id']}")


@get("/automations/{automation_id:str}/edit", sync_to_thread=True)
def automation_edit(request: Request, automation_id: str) -> Template:
    user = require_user(request)
    row = automations.get_automation(request.app.state.db, user["id"], automation_id)
    return _form_page(request, user, row_values(row), row, {})


@post("/automations/{automation_id:str}", sync_to_thread=True)
def automation_update(request: Request, automation_id: str, data: Form) -> Response:
    user = authorized(request, data)
    state = request.app.state
    row = automations.get_automation(state.db, user["id"], automation_id)
    try:
        automations.update_automation(
            state.db, state.settings, user, row["id"], automation_body(data)
        )
    except SmartShareError as error:
        return _form_page(request, user, form_values(data), row, *_problems(error))
    return go_to(request, f"/automations/{row['id']}")


@get("/automations/schedule-preview", sync_to_thread=True)
def schedule_preview(request: Request) -> Template:
    """Validate the schedule inputs and list the next runs or the problems."""
    user = require_user(request)
    query = {key: request.query_params.getall(key) for key in request.query_params}
    preview, errors = _preview(schedule_from_form(query))
    return page(
        request,
        user,
        "automations/_schedule_preview.html",
        preview=preview,
        errors=errors,
        oob=True,
    )


def schedule_from_form(form: dict[str, Any]) -> dict[str, Any]:
    kind = form_text(form, "schedule_type")
    schedule: dict[str, Any] = {
        "type": kind,
        "time": form_text(form, "schedule_time"),
        "timezone": form_text(form, "schedule_timezone"),
    }
    days = [day for day in form_list(form, "days_of_week") if day]
    if kind == "weekly" and days:
        schedule["days_of_week"] = days
    day_of_month = form_text(form, "day_of_month")
    if kind == "monthly" and day_of_month:
        number = day_of_month.isdigit() and len(day_of_month) < 4
        schedule["day_of_month"] = int(day_of_month) if number else day_of_month
    return schedule


def automation_body(form: dict[str, Any]) -> dict[str, Any]:
    """Build the API's create body from the form, so both share one validation."""
    return {
        "instagram_username": form_text(form, "instagram_username"),
        "schedule": schedule_from_form(form),
        "general_description": form_text(form, "general_description"),
        "prompt_details": form_text(form, "prompt_details"),
        "negative_prompt": form_text(form, "negative_prompt") or None,
        "mandatory_caption_or_hashtags": form_text(
            form, "mandatory_caption_or_hashtags"
        ),
        "generate_extra_hashtags": "generate_extra_hashtags" in form,
        "requires_approval": "requires_approval" in form,
        "content_type": form_text(form, "content_type") or "ai_generated",
    }


def form_values(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: form_text(form, name) for name in TEXT_INPUTS}
    values.update(
        schedule_type=form_text(form, "schedule_type"),
        schedule_time=form_text(form, "schedule_time"),
        schedule_timezone=form_text(form, "schedule_timezone"),
        days_of_week=form_list(form, "days_of_week"),
        day_of_month=form_text(form, "day_of_month"),
        generate_extra_hashtags="generate_extra_hashtags" in form,
        requires_approval="requires_approval" in form,
    )
    return values


def row_values(row: dict[str, Any]) -> dict[str, Any]:
    schedule = json.loads(row["schedule"])
    values = {name: row[name] or "" for name in TEXT_INPUTS}
    values.update(
        schedule_type=schedule["type"],
        schedule_time=schedule["time"],
        schedule_timezone=schedule["timezone"],
        days_of_week=schedule.get("days_of_week", []),
        day_of_month=str(schedule.get("day_of_month", "")),
        generate_extra_hashtags=bool(row["generate_extra_hashtags"]),
        requires_approval=bool(row["requires_approval"]),
    )
    return values


def _blank_values(zone: str) -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in TEXT_INPUTS}
    values.update(
        content_type="ai_generated",
        schedule_type="daily",
        schedule_time="09:00",
        schedule_timezone=zone,
        days_of_week=[],
        day_of_month="",
        generate_extra_hashtags=True,
        requires_approval=False,
    )
    return values


def input_name(field: str) -> str:
    """Map an error's field path, such as schedule.time, to its form input."""
    if field == "schedule":
        return "schedule_type"
    if field.startswith("schedule."):
        key = re.split(r"[.\[]", field.removeprefix("schedule."))[0]
        return SCHEDULE_INPUTS.get(key, "schedule_type")
    return re.sub(r"[A-Z]", lambda match: "_" + match.group(0).lower(), field)


def field_errors(details: list[dict[str, str]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in details:
        errors.setdefault(input_name(item["field"]), item["message"])
    return errors


def _problems(error: SmartShareError) -> tuple[dict[str, str], str | None, int]:
    if isinstance(error, ValidationFailed):
        return field_errors(error.details or []), None, 400
    return {}, error.message, error.status


def _preview(schedule: dict[str, Any]):
    try:
        checked = validate_schedule(schedule, clock.now())
    except ValidationFailed as failure:
        return None, field_errors(failure.details or [])
    slots = upcoming(checked, clock.now(), PREVIEW_COUNT)
    preview = {
        "text": describe(checked),
        "zone": checked["timezone"],
        "slots": [clock.to_db(slot) for slot in slots],
    }
    return preview, {}


def _form_page(
    request: Request,
    user: dict[str, Any],
    values: dict[str, Any],
    automation: dict[str, Any] | None,
    errors: dict[str, str],
    problem: str | None = None,
    status: int = 200,
) -> Template:
    preview, _ = _preview(schedule_from_form(values))
    owned = accounts.list_accounts(request.app.state.db, user["id"])
    return page(
        request,
        user,
        "automations/form.html",
        status=status,
        title="Edit automation" if automation else "New automation",
        a=automation,
        values=values,
        errors=errors,
        problem=problem,
        accounts=owned,
        weekdays=WEEKDAYS,
        timezones=sorted(timezone_names()),
        content_types=automations.CONTENT_TYPES,
        preview=preview,
        oob=False,
    )
