"""Webhook delivery throughput of a real `smartshare serve`, and the cost of a
dead endpoint.

Records N events for a user with K endpoints pointing at a local receiver, then
measures the time until every delivery succeeded. The second run adds one
endpoint that accepts connections and never responds, and measures the healthy
endpoints again.

Usage: uv run python bench/webhooks.py --events 500 --endpoints 4
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartshare import config, events, users  # noqa: E402
from smartshare.app import open_database  # noqa: E402
from tests.fakes.receiver import Receiver  # noqa: E402
from tests.fakes.server import free_port, serve  # noqa: E402


class Silent:
    """An ASGI app that reads the request and never responds."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(3600)


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "SMARTSHARE_DATA_DIR": str(data_dir),
        "SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "smartshare", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("smartshare serve did not start")


def scenario(urls: list[str], healthy: list[str], count: int) -> float:
    """Deliver `count` events to every URL; time until the healthy ones got them."""
    data_dir = Path(tempfile.mkdtemp()) / "data"
    settings = config.ensure_secret_key(
        config.load(environ={"SMARTSHARE_DATA_DIR": str(data_dir)})
    )
    db = open_database(settings)
    user = users.create_user(db, "bench@example.com", "bench-password")
    key, _ = users.create_api_key(db, user["id"], "bench")
    port = free_port()
    server = start_server(data_dir, port)
    try:
        for url in urls:
            httpx.post(
                f"http://127.0.0.1:{port}/api/v1/webhooks",
                json={"url": url},
                headers={"Authorization": f"Bearer {key}"},
            ).raise_for_status()
        started = time.monotonic()
        with db.write() as conn:
            for number in range(count):
                events.record(
                    conn, user["id"], events.POST_PUBLISHED, {"postId": str(number)}
                )
        expected = count * len(healthy)
        while succeeded(data_dir / "app.db", healthy) < expected:
            time.sleep(0.1)
        return time.monotonic() - started
    finally:
        server.terminate()
        server.wait(20)


def succeeded(db_path: Path, urls: list[str]) -> int:
    conn = sqlite3.connect(db_path)
    marks = ", ".join("?" for _ in urls)
    count = conn.execute(
        "SELECT COUNT(*) FROM deliveries d JOIN webhook_endpoints e "
        f"ON e.id = d.endpoint_id WHERE d.status = 'succeeded' AND e.url IN ({marks})",
        urls,
    ).fetchone()[0]
    conn.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--endpoints", type=int, default=4)
    args = parser.parse_args()

    receiver = Receiver()
    with serve(receiver) as good, serve(Silent()) as dead:
        healthy = [f"{good}/hook/{number}" for number in range(args.endpoints)]
        alone = scenario(healthy, healthy, args.events)
        with_dead = scenario([*healthy, dead + "/hook"], healthy, args.events)

    total = args.events * args.endpoints
    print(f"events: {args.events}, healthy endpoints: {args.endpoints}")
    print(f"healthy only: {total} deliveries in {alone:.1f} s ({total / alone:.0f}/s)")
    print(
        f"plus one endpoint that never responds: {with_dead:.1f} s "
        f"({total / with_dead:.0f}/s)"
    )


if __name__ == "__main__":
    main()
