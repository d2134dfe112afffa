"""The scheduler tick: one run per slot, the catch-up rule, and recovery."""

from __future__ import annotations

from datetime import datetime

from smartshare import clock
from smartshare.scheduler import claim_due, due_slots, plan_slots, recover_after_restart
from tests.conftest import automation_body

LONDON_NINE = {"type": "daily", "time": "09:00", "timezone": "Europe/London"}


def utc(text: str) -> datetime:
    return clock.parse(text)


def test_short_outage_runs_missed_slot():
    slots = due_slots(
        LONDON_NINE, utc("2025-06-10T08:00:00Z"), utc("2025-06-10T08:20:00Z")
    )

    to_run, missed = plan_slots(slots, utc("2025-06-10T08:20:00Z"), 360)

    assert to_run == utc("2025-06-10T08:00:00Z")
    assert missed == []


def test_long_outage_runs_latest_only():
    moment = utc("2025-06-13T10:00:00Z")
    slots = due_slots(LONDON_NINE, utc("2025-06-10T08:00:00Z"), moment)

    to_run, missed = plan_slots(slots, moment, 360)

    assert to_run == utc("2025-06-13T08:00:00Z")
    assert missed == [
        utc("2025-06-10T08:00:00Z"),
        utc("2025-06-11T08:00:00Z"),
        utc("2025-06-12T08:00:00Z"),
    ]


def test_outage_beyond_window_runs_nothing():
    moment = utc("2025-06-13T20:00:00Z")
    slots = due_slots(LONDON_NINE, utc("2025-06-12T08:00:00Z"), moment)

    to_run, missed = plan_slots(slots, moment, 360)

    assert to_run is None
    assert len(missed) == 2


def make_due(client, db, owner, next_at: str) -> str:
    body = automation_body(owner.username, schedule=LONDON_NINE)
    created = client.post(
        "/api/v1/automations", json=body, headers=owner.headers
    ).json()
    db.conn.execute(
        "UPDATE automations SET next_scheduled_at = ? WHERE id = ?",
        (next_at, created["id"]),
    )
    return created["id"]


def test_claim_records_runs_and_advances(client, db, owner):
    automation_id = make_due(client, db, owner, "2025-06-10T08:00:00.000Z")

    queued = claim_due(db, 360, utc("2025-06-13T10:00:00Z"))

    runs = db.all(
        "SELECT scheduled_for, status FROM runs WHERE automation_id = ? "
        "ORDER BY scheduled_for",
        (automation_id,),
    )
    assert len(queued) == 1
    assert [run["status"] for run in runs] == ["missed", "missed", "missed", "queued"]
    assert runs[-1]["scheduled_for"] == "2025-06-13T08:00:00.000Z"
    assert (
        db.value(
            "SELECT next_scheduled_at FROM automations WHERE id = ?", (automation_id,)
        )
        == "2025-06-14T08:00:00.000Z"
    )


def test_claim_twice_queues_once(client, db, owner):
    make_due(client, db, owner, "2025-06-10T08:00:00.000Z")

    first = claim_due(db, 360, utc("2025-06-10T08:20:00Z"))
    second = claim_due(db, 360, utc("2025-06-10T08:21:00Z"))

    assert len(first) == 1
    assert second == []
    assert db.value("SELECT COUNT(*) FROM runs") == 1


def test_claim_never_runs_before_slot(client, db, owner):
    make_due(client, db, owner, "2025-06-10T08:00:00.000Z")

    queued = claim_due(db, 360, utc("2025-06-10T07:59:59.999Z"))

    assert queued == []
    assert db.value("SELECT COUNT(*) FROM runs") == 0


def test_inactive_automation_is_not_claimed(client, db, owner):
    automation_id = make_due(client, db, owner, "2025-06-10T08:00:00.000Z")
    db.conn.execute("UPDATE automations SET active = 0 WHERE id = ?", (automation_id,))

    assert claim_due(db, 360, utc("2025-06-10T08:20:00Z")) == []


def test_recovery_requeues_running_run(client, db, owner):
    make_due(client, db, owner, "2025-06-10T08:00:00.000Z")
    [run_id] = claim_due(db, 360, utc("2025-06-10T08:20:00Z"))
    db.conn.execute("UPDATE runs SET status = 'running' WHERE id = ?", (run_id,))

    pending = recover_after_restart(db)

    assert pending == [run_id]
    assert db.value("SELECT status FROM runs WHERE id = ?", (run_id,)) == "queued"
