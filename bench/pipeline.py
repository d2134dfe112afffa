"""N automations due in the same minute, run by a real `smartshare serve`.

Images come from a fake OpenAI-compatible server in this process that responds
at once with a small PNG. Captions come from the builtin provider, and posts go
to sandbox accounts. Reports the time from the slot until every post is
published, the lag from slot to run start (p50, p99) and the server's peak
resident memory.

Usage: uv run python bench/pipeline.py --automations 1000
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartshare import accounts, clock, config, users  # noqa: E402
from smartshare.app import open_database  # noqa: E402
from smartshare.automations import create_automation  # noqa: E402
from tests.fakes.openai_api import FakeOpenAI  # noqa: E402
from tests.fakes.server import free_port, serve  # noqa: E402


def seed(data_dir: Path, count: int, slot: datetime) -> None:
    settings = config.ensure_secret_key(
        config.load(environ={"SMARTSHARE_DATA_DIR": str(data_dir)})
    )
    db = open_database(settings)
    user = users.create_user(db, "bench@example.com", "bench-password")
    accounts.add_account(db, user["id"], "bench_shop", "sandbox")
    body = {
        "instagram_username": "bench_shop",
        "schedule": {"type": "daily", "time": "09:00", "timezone": "UTC"},
        "generalDescription": "Benchmark automation",
        "promptDetails": "A lighthouse at dawn",
        "mandatoryCaptionOrHashtags": "#bench",
        "generateExtraHashtags": True,
        "contentType": "ai_generated",
    }
    for _ in range(count):
        create_automation(db, settings, user, body)
    with db.write() as conn:
        conn.execute(
            "UPDATE automations SET next_scheduled_at = ?", (clock.to_db(slot),)
        )


def published(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    count = conn.execute(
        "SELECT COUNT(*) FROM posts WHERE status = 'published'"
    ).fetchone()
    conn.close()
    return count[0]


def lags(db_path: Path) -> list[float]:
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT scheduled_for, started_at FROM runs").fetchall()
    conn.close()
    return [(clock.parse(b) - clock.parse(a)).total_seconds() for a, b in rows]


def peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--automations", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp()) / "data"
    slot = (datetime.now(UTC) + timedelta(seconds=30)).replace(microsecond=0)
    seed(data_dir, args.automations, slot)
    fake = FakeOpenAI()
    port = free_port()
    with serve(fake.app()) as fake_url:
        env = {
            **os.environ,
            "SMARTSHARE_DATA_DIR": str(data_dir),
            "SMARTSHARE_GENERATION__IMAGE_PROVIDER": "openai",
            "SMARTSHARE_GENERATION__OPENAI__BASE_URL": fake_url + "/v1",
            "SMARTSHARE_GENERATION__OPENAI__API_KEY": fake.api_key,
        }
        with open(data_dir.parent / "serve.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "smartshare", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            _wait_until(slot)
            done = _wait_published(data_dir / "app.db", args.automations, args.timeout)
            peak = peak_mib(server.pid)
        finally:
            server.terminate()
            server.wait(20)

    measured = lags(data_dir / "app.db")
    print(f"automations due at {slot:%H:%M:%S}Z: {args.automations}")
    print(f"all published after the slot: {(done - slot).total_seconds():.1f} s")
    print(f"earliest run start after its slot: {min(measured):.2f} s")
    print(
        f"lag slot -> run start: p50 {statistics.median(measured):.2f} s, "
        f"p99 {percentile(measured, 0.99):.2f} s"
    )
    print(f"peak RSS of smartshare serve: {peak:.0f} MiB")


def _wait_until(moment: datetime) -> None:
    while datetime.now(UTC) < moment:
        time.sleep(0.1)


def _wait_published(db_path: Path, count: int, timeout: float) -> datetime:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if published(db_path) >= count:
            return datetime.now(UTC)
        time.sleep(0.2)
    raise RuntimeError(f"only {published(db_path)} of {count} posts published")


if __name__ == "__main__":
    main()
