"""The receiver example in docs/webhooks.md verifies a real test ping."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.server import free_port
from tests.served import Served
from tests.test_e2e_schedule import wait_for

DOC = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"


def receiver_source(secret: str, port: int) -> str:
    source = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    source = source.replace('"whsec_...your endpoint secret..."', repr(secret))
    return source.replace("9000", str(port))


@pytest.fixture
def served(tmp_path):
    server = Served(
        tmp_path / "data", env={"SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "true"}
    )
    yield server
    server.stop()


def test_documented_receiver_accepts_ping(served, tmp_path):
    key = served.start().setup_owner()
    headers = {"Authorization": f"Bearer {key}"}
    port = free_port()
    endpoint = httpx.post(
        served.url + "/api/v1/webhooks",
        json={"url": f"http://127.0.0.1:{port}/hook"},
        headers=headers,
    ).json()
    script = tmp_path / "receiver.py"
    script.write_text(receiver_source(endpoint["secret"], port))
    output = tmp_path / "receiver.out"
    with open(output, "w") as sink:
        receiver = subprocess.Popen(
            [sys.executable, "-u", str(script)], stdout=sink, stderr=sink
        )
    try:
        wait_for(lambda: _listening(port), 10, "the receiver to listen")
        httpx.post(
            f"{served.url}/api/v1/webhooks/{endpoint['id']}/test", headers=headers
        )
        wait_for(lambda: "webhook.test" in output.read_text(), 30, "the ping")
    finally:
        receiver.terminate()
        receiver.wait(5)

    deliveries = httpx.get(
        f"{served.url}/api/v1/webhooks/{endpoint['id']}/deliveries", headers=headers
    ).json()["deliveries"]
    assert deliveries[0]["status"] == "succeeded"
    assert deliveries[0]["attempts"][0]["status_code"] == 204


def _listening(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.TransportError:
        return False
    return True
