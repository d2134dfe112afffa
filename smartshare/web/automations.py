"""Automations pages: the list, one automation with its runs, and the actions
start, stop, run now and delete."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from smartshare import accounts, automations, clock, runs
from smartshare.schedule import upcoming
from smartshare.web.helpers import (
    Form,
    authorized,
    go_to,
    is_htmx,
    local_path,
    page,
    require_user,
)

ID_PATH = "/automations/{automation_id:str}"
RUNS_SHOWN = 20
BUSY_RUN_STATES = ("queued", "running")


def with_zone(row: dict[str, Any]) -> dict[str, Any]:
    """Add the automation's timezone, which its times are shown in."""
    return {**row, "zone": json.loads(row["schedule"])["timezone"]}


@get("/automations", sync_to_thread=True)
def automation_list(request: Request) -> Template:
    user = require_user(request)
    db = request.app.state.db
    rows = [with_zone(row) for row in automations.list_automations(db, user["id"])]
    return page(
        request,
        user,
        "automations/index.html",
        title="Automations",
        automations=rows,
        has_accounts=bool(accounts.list_accounts(db, user["id"])),
    )


@get("/automations/states", sync_to_thread=True)
def automation_states(request: Request) -> Template:
    """Return the changing parts of every automation, swapped in place by htmx."""
    user = require_user(request)
    rows = automations.list_automations(request.app.state.db, user["id"])
    return page(
        request,
        user,
        "automations/_states.html",
        automations=[with_zone(row) for row in rows],
    )


@get(ID_PATH, sync_to_thread=True)
def automation_detail(request: Request, automation_id: str) -> Template:
    user = require_user(request)
    db = request.app.state.db
    automation = with_zone(automations.get_automation(db, user["id"], automation_id))
    return page(
        request,
        user,
        "automations/detail.html",
        title="Automation",
        a=automation,
        upcoming=_upcoming(automation),
        **_runs_context(db, automation),
    )


@get(ID_PATH + "/runs", sync_to_thread=True)
def automation_runs(request: Request, automation_id: str) -> Template:
    user = require_user(request)
    db = request.app.state.db
    automation = automations.get_automation(db, user["id"], automation_id)
    return page(
        request,
        user,
        "automations/_runs.html",
        a=automation,
        **_runs_context(db, automation),
    )


@post(ID_PATH + "/start", sync_to_thread=True)
def automation_start(request: Request, automation_id: str, data: Form) -> Response:
    return _set_active(request, automation_id, data, True)


@post(ID_PATH + "/stop", sync_to_thread=True)
def automation_stop(request: Request, automation_id: str, data: Form) -> Response:
    return _set_active(request, automation_id, data, False)


@post(ID_PATH + "/run", sync_to_thread=True)
def automation_run(request: Request, automation_id: str, data: Form) -> Response:
    user = authorized(request, data)
    state = request.app.state
    run_id = runs.queue_manual_run(state.db, user["id"], automation_id)
    state.worker.run_task(run_id)

    if not is_htmx(request):
        return go_to(request, f"/automations/{automation_id}")
    response = page(request, user, "automations/_notice.html", message="Run queued.")
    response.headers["HX-Trigger"] = "run-queued"
    return response


@get(ID_PATH + "/delete", sync_to_thread=True)
def automation_delete_page(request: Request, automation_id: str) -> Template:
    user = require_user(request)
    db = request.app.state.db
    automation = automations.get_automation(db, user["id"], automation_id)
    return page(request, user, "automations/delete.html", title="Delete", a=automation)


@post(ID_PATH + "/delete", sync_to_thread=True)
def automation_delete(request: Request, automation_id: str, data: Form) -> Response:
    user = authorized(request, data)
    automations.delete_automation(request.app.state.db, user["id"], automation_id)
    return go_to(request, "/automations")


def _set_active(request: Request, automation_id: str, data: dict, active: bool):
    user = authorized(request, data)
    automations.set_active(request.app.state.db, user["id"], automation_id, active)
    fallback = f"/automations/{automation_id}"
    return go_to(request, local_path(data.get("next"), fallback))


def _upcoming(automation: dict[str, Any]) -> list[str]:
    if not automation["active"]:
        return []
    schedule = json.loads(automation["schedule"])
    return [clock.to_db(slot) for slot in upcoming(schedule, clock.now(), 5)]


def _runs_context(db, automation: dict[str, Any]) -> dict[str, Any]:
    rows = db.all(
        "SELECT r.*, p.status AS post_status FROM runs r "
        "LEFT JOIN posts p ON p.id = r.post_id WHERE r.automation_id = ? "
        "ORDER BY r.scheduled_for DESC, r.created_at DESC LIMIT ?",
        (automation["id"], RUNS_SHOWN),
    )
    busy = any(
        row["status"] in BUSY_RUN_STATES or row["post_status"] == "publishing"
        for row in rows
    )
    return {"runs": rows, "busy": busy}
