"""API throughput and latency: SmartShare against a bare Litestar app.

Both servers run under uvicorn (one process each) on the same SQLite file with
50 automations, and wrk drives both with the same settings in the same run.
Also reports the idle resident memory of `smartshare serve`.

Usage: uv run python bench/api.py [--duration 10] [--connections 32]
Needs wrk (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartshare import accounts, config, users  # noqa: E402
from smartshare.app import open_database  # noqa: E402
from smartshare.automations import create_automation  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402

AUTOMATIONS = 50


def seed(data_dir: Path) -> tuple[str, str]:
    """Create a user with 50 automations; return (API key, one automation id)."""
    settings = config.ensure_secret_key(
        config.load(environ={"SMARTSHARE_DATA_DIR": str(data_dir)})
    )
    db = open_database(settings)
    user = users.create_user(db, "bench@example.com", "bench-password")
    key, _ = users.create_api_key(db, user["id"], "bench")
    accounts.add_account(db, user["id"], "bench_shop", "sandbox")
    body = {
        "instagram_username": "bench_shop",
        "schedule": {"type": "weekly", "time": "09:00", "timezone": "Europe/Paris"},
        "generalDescription": "Benchmark automation",
        "promptDetails": "A lighthouse at dawn",
        "mandatoryCaptionOrHashtags": "#bench",
        "generateExtraHashtags": True,
        "contentType": "ai_generated",
    }
    rows = [create_automation(db, settings, user, body) for _ in range(AUTOMATIONS)]
    return key, rows[0]["id"]


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start: {command}")


def wrk(url: str, key: str, duration: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {key}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"non-2xx responses from {url}:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
    }


def _latency(output: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def resident_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp()) / "data"
    key, automation_id = seed(data_dir)
    env = {**os.environ, "SMARTSHARE_DATA_DIR": str(data_dir)}
    ours, bare = free_port(), free_port()
    smartshare = start(
        [sys.executable, "-m", "smartshare", "serve", "--port", str(ours)], env, ours
    )
    baseline = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(ROOT / "bench"),
            "--port",
            str(bare),
            "--log-level",
            "warning",
            "--no-access-log",
            "bare_app:app",
        ],
        {**env, "BENCH_DB": str(data_dir / "app.db")},
        bare,
    )
    try:
        time.sleep(5)
        idle = resident_mib(smartshare.pid)
        paths = {
            "GET /api/v1/automations": "/api/v1/automations",
            "GET /api/v1/automations/{id}": f"/api/v1/automations/{automation_id}",
        }
        print(f"idle RSS of smartshare serve: {idle:.1f} MiB")
        print("| endpoint | server | req/s | p50 ms | p99 ms |")
        print("| --- | --- | ---: | ---: | ---: |")
        for name, path in paths.items():
            for label, port in (("bare Litestar", bare), ("SmartShare", ours)):
                wrk(f"http://127.0.0.1:{port}{path}", key, 2, args.connections)
                result = wrk(
                    f"http://127.0.0.1:{port}{path}",
                    key,
                    args.duration,
                    args.connections,
                )
                print(
                    f"| {name} | {label} | {result['rps']:.0f} | "
                    f"{result['p50']:.2f} | {result['p99']:.2f} |"
                )
    finally:
        smartshare.terminate()
        baseline.terminate()
        smartshare.wait(10)
        baseline.wait(10)


if __name__ == "__main__":
    main()
