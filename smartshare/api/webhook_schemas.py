"""Response shapes of the webhook endpoints API."""

from __future__ import annotations

import msgspec


class WebhookEndpoint(msgspec.Struct):
    id: str
    user_id: str
    url: str
    description: str
    events: list[str] | None
    enabled: bool
    disabled_reason: str | None
    created_at: str
    updated_at: str


class CreatedWebhookEndpoint(WebhookEndpoint):
    """The endpoint as created: the only response that contains its secret."""

    secret: str


class WebhookEndpointList(msgspec.Struct):
    webhooks: list[WebhookEndpoint]


class DeliveryAttempt(msgspec.Struct):
    attempted_at: str
    status_code: int | None
    duration_ms: int
    error: str | None


class Delivery(msgspec.Struct):
    id: str
    event_id: str
    event_type: str
    status: str
    attempt_count: int
    next_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    created_at: str
    finished_at: str | None
    attempts: list[DeliveryAttempt]


class DeliveryList(msgspec.Struct):
    deliveries: list[Delivery]
