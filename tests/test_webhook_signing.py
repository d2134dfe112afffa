import base64
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from smartshare.webhooks import signing
from smartshare.webhooks.sender import send_attempt
from tests.fakes.receiver import Receiver
from tests.fakes.server import serve

POST_CREATED = {"automationId": "automation-1", "createdPostId": "post-1"}


def test_new_secret_is_32_random_bytes():
    secret = signing.new_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.new_secret() != secret


def test_signature_matches_standardwebhooks():
    secret = signing.new_secret()
    body = b'{"event_type":"ping"}'

    expected = Webhook(secret).sign(
        "msg_1", datetime.fromtimestamp(1700000000, UTC), body
    )

    assert signing.sign(secret, "msg_1", 1700000000, body) == expected


def test_headers_verify_with_standardwebhooks():
    secret = signing.new_secret()
    body = signing.payload_bytes("ping", "2025-04-11T21:55:00.123Z", {})
    headers = signing.headers(secret, "msg_1", int(time.time()), body)

    payload = Webhook(secret).verify(body, headers)

    assert payload == {
        "event_type": "ping",
        "timestamp": "2025-04-11T21:55:00.123Z",
        "data": {},
    }
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "msg_1"


def test_changed_body_fails_verification():
    secret = signing.new_secret()
    body = signing.payload_bytes("ping", "2025-04-11T21:55:00.123Z", {})
    headers = signing.headers(secret, "msg_1", int(time.time()), body)

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"ping", b"pong"), headers)


def test_other_secret_fails_verification():
    body = signing.payload_bytes("ping", "2025-04-11T21:55:00.123Z", {})
    headers = signing.headers(signing.new_secret(), "msg_1", int(time.time()), body)

    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


def test_secret_without_prefix_is_rejected():
    with pytest.raises(ValueError, match="whsec_"):
        signing.sign("c2VjcmV0", "msg_1", 1700000000, b"{}")


def test_payload_is_compact_documented_json():
    body = signing.payload_bytes(
        "automation.instagram.post.created", "2025-04-11T22:05:30.789Z", POST_CREATED
    )

    assert body == (
        b'{"event_type":"automation.instagram.post.created",'
        b'"timestamp":"2025-04-11T22:05:30.789Z",'
        b'"data":{"automationId":"automation-1","createdPostId":"post-1"}}'
    )


def test_payload_bytes_ignore_key_order():
    reordered = {"createdPostId": "post-1", "automationId": "automation-1"}

    first = signing.payload_bytes("a.b", "2025-04-11T22:05:30.789Z", POST_CREATED)
    second = signing.payload_bytes("a.b", "2025-04-11T22:05:30.789Z", reordered)

    assert first == second


def test_payload_rejects_nan():
    with pytest.raises(ValueError):
        signing.payload_bytes("a.b", "2025-04-11T22:05:30.789Z", {"x": float("nan")})


def test_sent_body_is_the_signed_body():
    secret = signing.new_secret()
    body = signing.payload_bytes(
        "automation.instagram.post.created", "2025-04-11T22:05:30.789Z", POST_CREATED
    )
    headers = signing.headers(secret, "msg_1", int(time.time()), body)
    receiver = Receiver()

    with serve(receiver) as base_url:
        result = send_attempt(f"{base_url}/hook", body, headers, 5, allow_private=True)

    received = receiver.requests[0]
    assert result.ok
    assert received.body == body
    assert received.headers["webhook-signature"] == headers["webhook-signature"]
    assert Webhook(secret).verify(received.body, received.headers) == json.loads(body)
