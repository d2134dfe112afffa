"""The documented automations endpoints, plus PATCH for edits."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIType

from smartshare import automations
from smartshare.api.body import Field, decode_json, parse_fields
from smartshare.api.calls import call, in_thread
from smartshare.api.openapi import object_schema, with_body
from smartshare.api.schemas import (
    Automation,
    AutomationList,
    Success,
    errors,
)

ID_PATH = "/{automation_id:str}"
SCHEDULE_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "time", "timezone"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, enum=["daily", "weekly", "monthly"]),
        "time": Schema(type=OpenAPIType.STRING, pattern="^[0-2][0-9]:[0-5][0-9]$"),
        "timezone": Schema(type=OpenAPIType.STRING),
        "days_of_week": Schema(
            type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING)
        ),
        "day_of_month": Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=31),
    },
)
AUTOMATION_BODY = object_schema(
    automations.FIELDS,
    {
        "schedule": SCHEDULE_SCHEMA,
        "content_type": Schema(
            type=OpenAPIType.STRING, enum=list(automations.CONTENT_TYPES)
        ),
        "instagram_username": Schema(
            type=OpenAPIType.STRING, pattern="^@?[A-Za-z0-9._]{1,30}$"
        ),
    },
)
PATCH_BODY = Schema(type=OpenAPIType.OBJECT, properties=AUTOMATION_BODY.properties)
STATUS_FIELDS = [Field("active", bool, required=True)]


# Handlers return plain dicts or raw JSON shaped like the Structs named in their
# annotations. msgspec encodes both without a conversion step per row.
def _list(state, user) -> dict:
    return {
        "automations": msgspec.Raw(automations.list_api_objects(state.db, user["id"]))
    }


def _get(state, user, automation_id: str) -> msgspec.Raw:
    return msgspec.Raw(automations.get_api_object(state.db, user["id"], automation_id))


def _create(state, user, raw: bytes) -> dict:
    body = decode_json(raw)
    return automations.to_api(
        automations.create_automation(state.db, state.settings, user, body)
    )


def _update(state, user, automation_id: str, raw: bytes) -> dict:
    automations.parse_automation_id(automation_id)
    body = decode_json(raw)
    row = automations.update_automation(
        state.db, state.settings, user, automation_id, body
    )
    return automations.to_api(row)


def _delete(state, user, automation_id: str) -> None:
    automations.delete_automation(state.db, user["id"], automation_id)


def _set_active(state, user, automation_id: str, active: bool) -> None:
    automations.set_active(state.db, user["id"], automation_id, active)


def _set_status(state, user, automation_id: str, raw: bytes) -> Success:
    automations.parse_automation_id(automation_id)
    values = parse_fields(decode_json(raw), STATUS_FIELDS)
    automations.set_active(state.db, user["id"], automation_id, values["active"])
    state_word = "true" if values["active"] else "false"
    return Success(success=True, message=f"Automation status updated to {state_word}")


class AutomationController(Controller):
    path = "/automations"
    tags = ["automations"]

    @get("/", responses=errors(), summary="List automations", sync_to_thread=True)
    def list_automations(self, request: Request) -> AutomationList:
        return call(request, _list)

    @post(
        "/",
        responses=errors(400, 403, 413),
        operation_class=with_body(AUTOMATION_BODY),
        summary="Create an automation",
    )
    async def create_automation(self, request: Request) -> Automation:
        return await in_thread(request, _create, await request.body())

    @get(
        ID_PATH,
        responses=errors(400, 404),
        summary="Get an automation",
        sync_to_thread=True,
    )
    def get_automation(self, request: Request, automation_id: str) -> Automation:
        return call(request, _get, automation_id)

    @patch(
        ID_PATH,
        responses=errors(400, 404, 413),
        operation_class=with_body(PATCH_BODY),
        summary="Update an automation",
    )
    async def update_automation(
        self, request: Request, automation_id: str
    ) -> Automation:
        return await in_thread(request, _update, automation_id, await request.body())

    @delete(
        ID_PATH,
        responses=errors(400, 404),
        summary="Delete an automation",
        sync_to_thread=True,
    )
    def delete_automation(self, request: Request, automation_id: str) -> None:
        call(request, _delete, automation_id)

    @post(
        ID_PATH + "/start",
        status_code=200,
        responses=errors(400, 404),
        summary="Start an automation",
        sync_to_thread=True,
    )
    def start_automation(self, request: Request, automation_id: str) -> Success:
        call(request, _set_active, automation_id, True)
        return Success(success=True, message="Automation activated.")

    @post(
        ID_PATH + "/stop",
        status_code=200,
        responses=errors(400, 404),
        summary="Stop an automation",
        sync_to_thread=True,
    )
    def stop_automation(self, request: Request, automation_id: str) -> Success:
        call(request, _set_active, automation_id, False)
        return Success(success=True, message="Automation deactivated.")

    @patch(
        ID_PATH + "/status",
        responses=errors(400, 404, 413),
        operation_class=with_body(object_schema(STATUS_FIELDS)),
        summary="Set an automation's active status",
    )
    async def set_status(self, request: Request, automation_id: str) -> Success:
        return await in_thread(
            request, _set_status, automation_id, await request.body()
        )
