"""Writes against a real `smartshare serve` while another connection holds the lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import automation_body
from tests.served import Served


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path / "data").start()
    yield server
    server.stop()


def hold_write_lock(path, seconds: float, locked: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE users SET created_at = created_at")
    locked.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_creates_survive_held_write_lock(served):
    key = served.setup_owner()
    headers = {"Authorization": f"Bearer {key}"}
    locked = threading.Event()
    holder = threading.Thread(
        target=hold_write_lock, args=(served.data_dir / "app.db", 1.0, locked)
    )
    holder.start()
    locked.wait(5)

    def create(_):
        return httpx.post(
            served.url + "/api/v1/automations",
            json=automation_body(),
            headers=headers,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(create, range(20)))
    holder.join()
    listed = httpx.get(served.url + "/api/v1/automations", headers=headers).json()

    assert statuses == [201] * 20
    assert len(listed["automations"]) == 20
    assert "database is locked" not in served.log()
