"""Time from `smartshare serve` start to the first 200 on /healthz, and idle memory.

Starts the server five times on a fresh data directory (the first start also
creates the database) and reports each time and the resident memory after
five idle seconds.

Usage: uv run python bench/startup.py
"""

from __future__ import annotations

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

from tests.fakes.server import free_port  # noqa: E402

STARTS = 5


def time_to_healthy(data_dir: Path) -> tuple[float, subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "SMARTSHARE_DATA_DIR": str(data_dir)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "smartshare", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                return time.monotonic() - started, process, port
        except httpx.TransportError:
            time.sleep(0.02)


def resident_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def main() -> None:
    data_dir = Path(tempfile.mkdtemp()) / "data"
    for number in range(1, STARTS + 1):
        elapsed, process, _ = time_to_healthy(data_dir)
        label = "first start, new database" if number == 1 else "restart"
        print(f"start {number} ({label}): healthy after {elapsed:.2f} s")
        if number == STARTS:
            time.sleep(5)
            print(f"idle RSS after 5 s: {resident_mib(process.pid):.1f} MiB")
        process.terminate()
        process.wait(20)


if __name__ == "__main__":
    main()
