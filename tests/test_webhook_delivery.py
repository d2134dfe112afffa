"""Durable webhook delivery to real receivers on 127.0.0.1.

The app's worker runs Huey in immediate mode, so each tick sends what is due
inline; time moves by passing later moments to the tick. Tests about
concurrency and crashes use a second worker whose queue is stepped by hand.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from standardwebhooks import Webhook

from smartshare import clock, config, events
from smartshare.jobs import Worker
from smartshare.webhooks import claims, delivery
from smartshare.webhooks.backoff import MAX_ATTEMPTS
from smartshare.webhooks.dispatch import dispatch_events
from tests.conftest import automation_body
from tests.fakes.receiver import Receiver, Reply
from tests.fakes.server import serve

BASE = "/api/v1/webhooks"


@pytest.fixture
def settings(data_dir):
    return config.load(
        environ={
            "SMARTSHARE_DATA_DIR": str(data_dir),
            "SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true",
            "SMARTSHARE_WEBHOOKS__TIMEOUT": "1",
        }
    )


@pytest.fixture
def worker(app) -> Worker:
    return app.state.worker


@pytest.fixture
def stepped_worker(app, db) -> Worker:
    """A worker whose tasks wait in huey.db until a test executes them."""
    return Worker(app.state.settings, db)


def later(**delta) -> datetime:
    return clock.now() + timedelta(**delta)


def create_endpoint(client, persona, url: str, **fields) -> dict:
    body = {"url": f"{url}/hook", **fields}
    response = client.post(BASE, json=body, headers=persona.headers)
    assert response.status_code == 201, response.text
    return response.json()


def record_event(db, persona, event_type=events.POST_PUBLISHED) -> dict:
    with db.write() as conn:
        return events.record(
            conn, persona.user["id"], event_type, {"postId": str(uuid.uuid4())}
        )


def deliveries_of(client, persona, endpoint) -> list[dict]:
    response = client.get(
        f"{BASE}/{endpoint['id']}/deliveries", headers=persona.headers
    )
    return response.json()["deliveries"]


def endpoint_of(db, delivery_id: str) -> str:
    return db.value("SELECT endpoint_id FROM deliveries WHERE id = ?", (delivery_id,))


def queued_tasks(worker: Worker) -> list:
    tasks = []
    while (task := worker.huey.dequeue()) is not None:
        tasks.append(task)
    return tasks


def test_retry_sends_same_id_and_body(client, db, owner, worker):
    receiver = Receiver(Reply(500), Reply(200))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        event = record_event(db, owner)
        worker.tick(clock.now())
        worker.tick(later(seconds=10))

    first, second = receiver.requests
    assert first.headers["webhook-id"] == f"msg_{event['id']}"
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body
    assert first.body == event["payload"].encode()
    assert json.loads(first.body)["timestamp"] == event["created_at"]
    [sent] = deliveries_of(client, owner, endpoint)
    assert sent["status"] == "succeeded"
    assert sent["attempt_count"] == 2
    assert [attempt["status_code"] for attempt in sent["attempts"]] == [500, 200]
    assert sent["attempts"][0]["error"].startswith("Receiver responded with HTTP 500")


def test_every_attempt_is_signed(client, db, owner, worker):
    receiver = Receiver(Reply(503), Reply(204))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        record_event(db, owner)
        worker.tick(clock.now())
        worker.tick(later(seconds=10))

    verifier = Webhook(endpoint["secret"])
    for request in receiver.requests:
        payload = verifier.verify(request.body, request.headers)
        assert payload["event_type"] == events.POST_PUBLISHED
        assert request.headers["content-type"] == "application/json"


def test_timeout_is_failed_attempt(client, db, owner, worker):
    receiver = Receiver(Reply(200, delay=2), Reply(200))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        record_event(db, owner)
        worker.tick(clock.now())
        [after_timeout] = deliveries_of(client, owner, endpoint)
        worker.tick(later(seconds=10))

    assert after_timeout["status"] == "pending"
    assert after_timeout["last_status_code"] is None
    assert "timed out after 1 s" in after_timeout["last_error"]
    assert after_timeout["attempts"][0]["duration_ms"] < 2000
    first, second = receiver.requests
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body
    assert deliveries_of(client, owner, endpoint)[0]["status"] == "succeeded"


def test_gone_disables_endpoint(client, db, owner, worker):
    receiver = Receiver(Reply(410))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        record_event(db, owner)
        worker.tick(clock.now())
        record_event(db, owner)
        worker.tick(later(days=4))

    disabled = client.get(f"{BASE}/{endpoint['id']}", headers=owner.headers).json()
    assert disabled["enabled"] is False
    assert "410 Gone" in disabled["disabled_reason"]
    [sent] = deliveries_of(client, owner, endpoint)
    assert sent["status"] == "failed"
    assert sent["last_status_code"] == 410
    assert sent["finished_at"] is not None
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(client, db, owner, worker, status):
    receiver = Receiver(Reply(status, {"retry-after": "120"}), Reply(200))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        record_event(db, owner)
        worker.tick(clock.now())
        retry_at = clock.parse(
            db.value("SELECT next_attempt_at FROM deliveries LIMIT 1")
        )
        worker.tick(later(seconds=60))
        requests_before_wait = len(receiver.requests)
        worker.tick(later(seconds=125))

    assert retry_at - clock.now() > timedelta(seconds=110)
    assert requests_before_wait == 1
    assert len(receiver.requests) == 2
    assert deliveries_of(client, owner, endpoint)[0]["status"] == "succeeded"


def test_failed_after_last_attempt(client, db, owner, worker):
    receiver = Receiver(Reply(500))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        record_event(db, owner)
        for _ in range(MAX_ATTEMPTS + 2):
            worker.tick(later(days=2))

    [sent] = deliveries_of(client, owner, endpoint)
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert sent["status"] == "failed"
    assert sent["attempt_count"] == MAX_ATTEMPTS
    assert len(sent["attempts"]) == MAX_ATTEMPTS
    assert sent["next_attempt_at"] is None
    assert sent["finished_at"] is not None


def test_documented_event_payloads(client, db, owner, worker):
    receiver = Receiver(Reply(200))
    with serve(receiver) as url:
        create_endpoint(client, owner, url)
        automation = client.post(
            "/api/v1/automations", json=automation_body(), headers=owner.headers
        ).json()
        client.post(
            f"/api/v1/automations/{automation['id']}/run", headers=owner.headers
        )
        worker.tick(clock.now())
        worker.tick(clock.now())

    received = {}
    for request in receiver.requests:
        payload = json.loads(request.body)
        received[payload["event_type"]] = payload
    created = received[events.POST_CREATED]
    published = received[events.POST_PUBLISHED]
    assert set(created) == {"event_type", "timestamp", "data"}
    assert set(published) == {"event_type", "timestamp", "data"}
    assert created["data"]["automationId"] == automation["id"]
    assert published["data"] == {"postId": created["data"]["createdPostId"]}
    stored = db.all("SELECT event_type, created_at FROM events")
    times = {row["event_type"]: row["created_at"] for row in stored}
    assert created["timestamp"] == times[events.POST_CREATED]
    assert published["timestamp"] == times[events.POST_PUBLISHED]


def test_event_filter_limits_deliveries(client, db, owner, outsider, worker):
    receiver = Receiver(Reply(200))
    with serve(receiver) as url:
        create_endpoint(client, owner, url, events=[events.RUN_FAILED])
        create_endpoint(client, outsider, url)
        record_event(db, owner, events.POST_PUBLISHED)
        failed = record_event(db, owner, events.RUN_FAILED)
        worker.tick(clock.now())

    [request] = receiver.requests
    assert request.headers["webhook-id"] == f"msg_{failed['id']}"


def test_test_event_delivered_to_its_endpoint(client, owner, worker):
    target_receiver = Receiver(Reply(200))
    other_receiver = Receiver(Reply(200))
    with serve(target_receiver) as target_url, serve(other_receiver) as other_url:
        target = create_endpoint(client, owner, target_url, events=[events.POST_FAILED])
        create_endpoint(client, owner, other_url)
        client.post(f"{BASE}/{target['id']}/test", headers=owner.headers)
        worker.tick(clock.now())

    [request] = target_receiver.requests
    payload = Webhook(target["secret"]).verify(request.body, request.headers)
    assert set(payload) == {"event_type", "timestamp", "data"}
    assert payload["event_type"] == "webhook.test"
    assert payload["data"]["endpointId"] == target["id"]
    assert other_receiver.requests == []


def test_redelivery_resends_same_message(client, owner, worker):
    receiver = Receiver(Reply(200))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        sent = client.post(f"{BASE}/{endpoint['id']}/test", headers=owner.headers)
        worker.tick(clock.now())
        client.post(
            f"{BASE}/{endpoint['id']}/deliveries/{sent.json()['id']}/redeliver",
            headers=owner.headers,
        )
        worker.tick(clock.now())

    first, second = receiver.requests
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body
    [redelivered] = deliveries_of(client, owner, endpoint)
    assert redelivered["status"] == "succeeded"
    assert redelivered["attempt_count"] == 1
    assert len(redelivered["attempts"]) == 2


def test_slow_endpoint_does_not_delay_another(client, db, owner, stepped_worker):
    slow_receiver = Receiver(Reply(200, delay=2))
    fast_receiver = Receiver(Reply(200))
    with serve(slow_receiver) as slow_url, serve(fast_receiver) as fast_url:
        slow = create_endpoint(client, owner, slow_url)
        fast = create_endpoint(client, owner, fast_url)
        record_event(db, owner)
        stepped_worker.tick(clock.now())
        tasks = {endpoint_of(db, t.args[0]): t for t in queued_tasks(stepped_worker)}
        slow_attempt = threading.Thread(
            target=stepped_worker.huey.execute, args=(tasks[slow["id"]],)
        )
        slow_attempt.start()
        stepped_worker.huey.execute(tasks[fast["id"]])
        slow_still_sending = slow_attempt.is_alive()

        record_event(db, owner)
        stepped_worker.tick(clock.now())
        [next_task] = queued_tasks(stepped_worker)
        stepped_worker.huey.execute(next_task)
        slow_still_sending_later = slow_attempt.is_alive()
        slow_attempt.join()

    assert slow_still_sending
    assert slow_still_sending_later
    assert len(fast_receiver.requests) == 2
    assert endpoint_of(db, next_task.args[0]) == fast["id"]
    statuses = [item["status"] for item in deliveries_of(client, owner, fast)]
    assert statuses == ["succeeded", "succeeded"]


def test_healthy_endpoint_claimed_first(client, db, owner):
    failing = create_endpoint(client, owner, "http://127.0.0.1:9")
    healthy = create_endpoint(client, owner, "http://127.0.0.1:9")
    db.conn.execute(
        "UPDATE webhook_endpoints SET consecutive_failures = 3 WHERE id = ?",
        (failing["id"],),
    )
    record_event(db, owner)
    dispatch_events(db, clock.now())

    [(delivery_id, attempt)] = claims.claim_due(db, clock.now(), max_in_flight=1)

    assert endpoint_of(db, delivery_id) == healthy["id"]
    assert attempt == 1
    assert claims.claim_due(db, clock.now(), max_in_flight=1) == []


def test_queued_delivery_recovered_after_crash(
    client, db, owner, worker, stepped_worker
):
    receiver = Receiver(Reply(200))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        record_event(db, owner)
        stepped_worker.tick(clock.now())
        restarted = Worker(stepped_worker.settings, db)
        restarted.recover()
        [recovered] = deliveries_of(client, owner, endpoint)
        worker.tick(clock.now())

    assert recovered["status"] == "pending"
    assert recovered["attempt_count"] == 0
    assert recovered["attempts"] == []
    assert restarted.huey.pending_count() == 0
    assert len(receiver.requests) == 1
    [sent] = deliveries_of(client, owner, endpoint)
    assert sent["status"] == "succeeded"
    assert sent["attempt_count"] == 1


def test_interrupted_attempt_recovered_after_crash(
    client, db, owner, worker, stepped_worker
):
    receiver = Receiver(Reply(200))
    with serve(receiver) as url:
        endpoint = create_endpoint(client, owner, url)
        event = record_event(db, owner)
        stepped_worker.tick(clock.now())
        [task] = queued_tasks(stepped_worker)
        delivery.start_attempt(db, *task.args)
        Worker(stepped_worker.settings, db).recover()
        [recovered] = deliveries_of(client, owner, endpoint)
        worker.tick(clock.now())

    assert recovered["status"] == "pending"
    assert recovered["attempt_count"] == 1
    assert "stopped before this attempt finished" in recovered["attempts"][0]["error"]
    [request] = receiver.requests
    assert request.headers["webhook-id"] == f"msg_{event['id']}"
    [sent] = deliveries_of(client, owner, endpoint)
    assert sent["status"] == "succeeded"
    assert sent["attempt_count"] == 2
    assert len(sent["attempts"]) == 2
