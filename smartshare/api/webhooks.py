"""Webhook endpoints, their deliveries, test events and redelivery."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import Parameter

from smartshare.api.body import decode_json
from smartshare.api.calls import call, in_thread
from smartshare.api.openapi import object_schema, with_body
from smartshare.api.schemas import convert, errors
from smartshare.api.webhook_schemas import (
    CreatedWebhookEndpoint,
    Delivery,
    DeliveryList,
    WebhookEndpoint,
    WebhookEndpointList,
)
from smartshare.webhooks import dispatch, endpoints, history, redelivery

ID_PATH = "/{endpoint_id:str}"
EVENTS_SCHEMA = Schema(
    type=[OpenAPIType.ARRAY, OpenAPIType.NULL],
    items=Schema(type=OpenAPIType.STRING, enum=list(endpoints.SUBSCRIBABLE)),
)
ENDPOINT_BODY = object_schema(endpoints.FIELDS, {"events": EVENTS_SCHEMA})
PATCH_BODY = Schema(type=OpenAPIType.OBJECT, properties=ENDPOINT_BODY.properties)


def _endpoint(row: dict) -> WebhookEndpoint:
    return convert(endpoints.to_api(row), WebhookEndpoint)


def _delivery(row: dict) -> Delivery:
    return convert(history.to_api(row), Delivery)


def _list(state, user) -> WebhookEndpointList:
    rows = endpoints.list_endpoints(state.db, user["id"])
    return WebhookEndpointList(webhooks=[_endpoint(row) for row in rows])


def _create(state, user, raw: bytes) -> CreatedWebhookEndpoint:
    body = decode_json(raw)
    row, secret = endpoints.create_endpoint(state.db, state.settings, user["id"], body)
    return convert({**endpoints.to_api(row), "secret": secret}, CreatedWebhookEndpoint)


def _get(state, user, endpoint_id: str) -> WebhookEndpoint:
    return _endpoint(endpoints.get_endpoint(state.db, user["id"], endpoint_id))


def _update(state, user, endpoint_id: str, raw: bytes) -> WebhookEndpoint:
    endpoints.parse_endpoint_id(endpoint_id)
    body = decode_json(raw)
    row = endpoints.update_endpoint(
        state.db, state.settings, user["id"], endpoint_id, body
    )
    return _endpoint(row)


def _delete(state, user, endpoint_id: str) -> None:
    endpoints.delete_endpoint(state.db, user["id"], endpoint_id)


def _deliveries(state, user, endpoint_id: str, limit: int) -> DeliveryList:
    endpoint = endpoints.get_endpoint(state.db, user["id"], endpoint_id)
    rows = history.list_deliveries(state.db, endpoint["id"], limit)
    return DeliveryList(deliveries=[_delivery(row) for row in rows])


def _test(state, user, endpoint_id: str) -> Delivery:
    endpoint = endpoints.get_endpoint(state.db, user["id"], endpoint_id)
    delivery_id = dispatch.record_test(state.db, endpoint["id"])
    return _delivery(history.get_delivery(state.db, delivery_id))


def _redeliver(state, user, endpoint_id: str, delivery_id: str) -> Delivery:
    endpoint = endpoints.get_endpoint(state.db, user["id"], endpoint_id)
    row = redelivery.redeliver(state.db, endpoint, delivery_id)
    return _delivery(history.get_delivery(state.db, row["id"]))


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]

    @get("/", responses=errors(), summary="List webhook endpoints", sync_to_thread=True)
    def list_webhooks(self, request: Request) -> WebhookEndpointList:
        return call(request, _list)

    @post(
        "/",
        responses=errors(400, 413),
        operation_class=with_body(ENDPOINT_BODY),
        summary="Create a webhook endpoint (the response shows its secret once)",
    )
    async def create_webhook(self, request: Request) -> CreatedWebhookEndpoint:
        return await in_thread(request, _create, await request.body())

    @get(
        ID_PATH,
        responses=errors(400, 404),
        summary="Get a webhook endpoint",
        sync_to_thread=True,
    )
    def get_webhook(self, request: Request, endpoint_id: str) -> WebhookEndpoint:
        return call(request, _get, endpoint_id)

    @patch(
        ID_PATH,
        responses=errors(400, 404, 413),
        operation_class=with_body(PATCH_BODY),
        summary="Update a webhook endpoint",
    )
    async def update_webhook(
        self, request: Request, endpoint_id: str
    ) -> WebhookEndpoint:
        return await in_thread(request, _update, endpoint_id, await request.body())

    @delete(
        ID_PATH,
        responses=errors(400, 404),
        summary="Delete a webhook endpoint",
        sync_to_thread=True,
    )
    def delete_webhook(self, request: Request, endpoint_id: str) -> None:
        call(request, _delete, endpoint_id)

    @get(
        ID_PATH + "/deliveries",
        responses=errors(400, 404),
        summary="List an endpoint's deliveries, newest first",
    )
    async def list_deliveries(
        self,
        request: Request,
        endpoint_id: str,
        limit: int = Parameter(default=20, ge=1, le=history.MAX_PAGE),
    ) -> DeliveryList:
        return await in_thread(request, _deliveries, endpoint_id, limit)

    @post(
        ID_PATH + "/test",
        status_code=202,
        responses=errors(400, 404, 409),
        summary="Send a webhook.test event to this endpoint",
        sync_to_thread=True,
    )
    def send_test(self, request: Request, endpoint_id: str) -> Delivery:
        return call(request, _test, endpoint_id)

    @post(
        ID_PATH + "/deliveries/{delivery_id:str}/redeliver",
        status_code=202,
        responses=errors(400, 404, 409),
        summary="Send a delivery again with a fresh attempt budget",
    )
    async def redeliver(
        self, request: Request, endpoint_id: str, delivery_id: str
    ) -> Delivery:
        return await in_thread(request, _redeliver, endpoint_id, delivery_id)
