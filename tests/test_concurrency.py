"""Many API clients writing at once while the scheduler, runs, publishing and
webhook deliveries work in the same real `smartshare serve` process."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from smartshare import clock
from tests.conftest import automation_body
from tests.fakes.receiver import Receiver
from tests.fakes.server import serve
from tests.served import Served
from tests.test_e2e_schedule import wait_for

CLIENTS = 16
REQUESTS_PER_CLIENT = 15


@pytest.fixture
def served(tmp_path):
    server = Served(
        tmp_path / "data",
        env={
            "SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true",
            "SMARTSHARE_SCHEDULER__TICK_SECONDS": "0.5",
        },
    )
    yield server
    server.stop()


def query(server: Served, sql: str) -> list[tuple]:
    conn = sqlite3.connect(server.data_dir / "app.db", timeout=30)
    rows = conn.execute(sql).fetchall()
    conn.close()
    return rows


def make_all_due(server: Served) -> None:
    slot = clock.to_db(datetime.now(UTC) + timedelta(seconds=1))
    conn = sqlite3.connect(server.data_dir / "app.db", timeout=30)
    conn.execute("UPDATE automations SET next_scheduled_at = ?", (slot,))
    conn.commit()
    conn.close()


def client_session(base: str, headers: dict, number: int) -> list[int]:
    """Create automations and edit, run, stop and start them; return the statuses."""
    statuses = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for step in range(REQUESTS_PER_CLIENT):
            created = client.post("/api/v1/automations", json=automation_body())
            statuses.append(created.status_code)
            automation_id = created.json()["id"]
            path = f"/api/v1/automations/{automation_id}"
            statuses.append(
                client.patch(
                    path, json={"promptDetails": f"{number}-{step}"}
                ).status_code
            )
            statuses.append(client.post(path + "/run").status_code)
            statuses.append(client.post(path + "/stop").status_code)
            statuses.append(client.post(path + "/start").status_code)
            statuses.append(client.get("/api/v1/posts?limit=5").status_code)
    return statuses


def test_concurrent_writes_with_worker(served):
    receiver = Receiver()
    with serve(receiver) as receiver_url:
        key = served.start().setup_owner()
        headers = {"Authorization": f"Bearer {key}"}
        httpx.post(
            served.url + "/api/v1/webhooks",
            json={"url": receiver_url + "/hook"},
            headers=headers,
        ).raise_for_status()
        for _ in range(20):
            httpx.post(
                served.url + "/api/v1/automations",
                json=automation_body(),
                headers=headers,
            ).raise_for_status()
        make_all_due(served)

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = pool.map(
                lambda number: client_session(served.url, headers, number),
                range(CLIENTS),
            )
            statuses = [status for result in results for status in result]

        expected_posts = 20 + CLIENTS * REQUESTS_PER_CLIENT
        wait_for(
            lambda: (
                query(served, "SELECT COUNT(*) FROM posts WHERE status = 'published'")[
                    0
                ][0]
                == expected_posts
            ),
            120,
            "every post published",
        )
        wait_for(
            lambda: (
                query(
                    served, "SELECT COUNT(*) FROM deliveries WHERE status = 'succeeded'"
                )[0][0]
                == 2 * expected_posts
            ),
            120,
            "every delivery",
        )

    assert set(statuses) <= {200, 201, 202}
    assert query(served, "SELECT COUNT(*) FROM automations")[0][0] == expected_posts
    assert query(served, "SELECT COUNT(*) FROM runs WHERE status != 'succeeded'") == [
        (0,)
    ]
    assert query(
        served,
        "SELECT COUNT(*) FROM (SELECT automation_id, scheduled_for FROM runs "
        "GROUP BY 1, 2 HAVING COUNT(*) > 1)",
    ) == [(0,)]
    assert query(served, "SELECT COUNT(*) FROM posts")[0][0] == expected_posts
    assert query(served, "SELECT COUNT(*) FROM events")[0][0] == 2 * expected_posts
    webhook_ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert len(set(webhook_ids)) == 2 * expected_posts
    assert "database is locked" not in served.log()
    assert "Traceback" not in served.log()
