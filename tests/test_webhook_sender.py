import logging
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from smartshare.webhooks.sender import parse_retry_after, send_attempt
from tests.fakes.dns import FakeDNS
from tests.fakes.receiver import Receiver, Reply
from tests.fakes.server import free_port, serve

BODY = b'{"event_type":"ping","timestamp":"2025-04-11T21:55:00.123Z","data":{}}'
HEADERS = {"webhook-id": "msg_1", "content-type": "application/json"}


@pytest.fixture
def fake_dns(monkeypatch):
    return FakeDNS.install(monkeypatch)


def send_to(receiver: Receiver, path: str = "/hook", timeout: float = 5):
    with serve(receiver) as base_url:
        return send_attempt(
            f"{base_url}{path}", BODY, HEADERS, timeout, allow_private=True
        )


def test_success_response_is_ok():
    receiver = Receiver(Reply(200))

    result = send_to(receiver)

    assert result.ok
    assert result.status_code == 200
    assert result.error is None
    assert not result.gone
    assert receiver.requests[0].method == "POST"
    assert receiver.requests[0].path == "/hook"
    assert receiver.requests[0].headers["webhook-id"] == "msg_1"


def test_server_error_is_failed_attempt():
    result = send_to(Receiver(Reply(500)))

    assert not result.ok
    assert result.status_code == 500
    assert result.error == "Receiver responded with HTTP 500 Internal Server Error."
    assert result.retry_after_seconds is None


def test_gone_response_is_gone():
    result = send_to(Receiver(Reply(410)))

    assert result.gone
    assert not result.ok
    assert result.status_code == 410


def test_redirect_is_not_followed():
    receiver = Receiver(Reply(302, {"location": "https://elsewhere.test/x?token=1"}))

    result = send_to(receiver)

    assert not result.ok
    assert result.status_code == 302
    assert "redirects are not followed" in result.error
    assert "elsewhere.test" in result.error
    assert "token" not in result.error
    assert len(receiver.requests) == 1


def test_retry_after_seconds_on_429():
    result = send_to(Receiver(Reply(429, {"retry-after": "120"})))

    assert result.status_code == 429
    assert result.retry_after_seconds == 120
    assert result.error.endswith("It asks to retry after 120 s.")


def test_retry_after_date_on_503():
    later = datetime.now(UTC) + timedelta(hours=1)
    receiver = Receiver(Reply(503, {"retry-after": format_datetime(later, True)}))

    result = send_to(receiver)

    assert result.status_code == 503
    assert 3590 <= result.retry_after_seconds <= 3600


def test_retry_after_ignored_on_500():
    result = send_to(Receiver(Reply(500, {"retry-after": "120"})))

    assert result.retry_after_seconds is None


def test_parse_retry_after_forms():
    now = datetime(2025, 4, 11, 22, 0, tzinfo=UTC)

    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Fri, 11 Apr 2025 22:02:00 GMT", now) == 120
    assert parse_retry_after("Fri, 11 Apr 2025 21:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


def test_slow_receiver_times_out():
    receiver = Receiver(Reply(200, delay=2))

    result = send_to(receiver, timeout=1)

    assert not result.ok
    assert result.status_code is None
    assert result.error == "Request to 127.0.0.1 timed out after 1 s."
    assert 1000 <= result.duration_ms < 2000


def test_refused_connection_is_error():
    url = f"http://127.0.0.1:{free_port()}/hook"

    result = send_attempt(url, BODY, HEADERS, 5, allow_private=True)

    assert not result.ok
    assert result.status_code is None
    assert result.error.startswith("Request to 127.0.0.1 failed:")


def test_request_goes_to_checked_address(fake_dns):
    fake_dns.records["receiver.test"] = ["127.0.0.1"]
    receiver = Receiver()

    with serve(receiver) as base_url:
        port = base_url.rsplit(":", 1)[1]
        url = f"http://receiver.test:{port}/hook"
        result = send_attempt(url, BODY, HEADERS, 5, allow_private=True)

    assert result.ok
    assert receiver.requests[0].headers["host"] == f"receiver.test:{port}"
    assert receiver.requests[0].client_host == "127.0.0.1"
    assert fake_dns.lookups.count("receiver.test") == 1


def test_next_address_after_refused_one(fake_dns, caplog):
    fake_dns.records["receiver.test"] = ["::1", "127.0.0.1"]
    caplog.set_level(logging.INFO, logger="smartshare.webhooks.sender")
    receiver = Receiver()

    with serve(receiver) as base_url:
        port = base_url.rsplit(":", 1)[1]
        url = f"http://receiver.test:{port}/hook"
        result = send_attempt(url, BODY, HEADERS, 5, allow_private=True)

    assert result.ok
    assert len(receiver.requests) == 1
    assert "Connection to ::1 failed" in caplog.text


@pytest.mark.parametrize("allow_private", [False, True])
def test_metadata_address_never_contacted(monkeypatch, allow_private):
    def reject_connection(*args, **kwargs):
        raise AssertionError("the sender must not connect to this address")

    monkeypatch.setattr(socket, "create_connection", reject_connection)
    url = "http://169.254.169.254/latest/meta-data/"

    result = send_attempt(url, BODY, HEADERS, 5, allow_private)

    assert not result.ok
    assert result.status_code is None
    assert "169.254.169.254, a link-local address" in result.error


def test_private_address_rejected_by_default():
    receiver = Receiver()

    with serve(receiver) as base_url:
        result = send_attempt(f"{base_url}/hook", BODY, HEADERS, 5, allow_private=False)

    assert not result.ok
    assert "webhooks.allow_private_networks" in result.error
    assert receiver.requests == []


def test_redirect_without_location_fails():
    result = send_to(Receiver(Reply(300)))

    assert not result.ok
    assert "redirects are not followed" in result.error
