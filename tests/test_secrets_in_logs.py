"""No secret reaches the server log or the database files in plain text: API
keys, passwords, Instagram tokens and webhook secrets, through a whole flow
against a real `smartshare serve`."""

from __future__ import annotations

import httpx

from tests.conftest import automation_body
from tests.fakes.graph_api import TOKEN
from tests.fakes.receiver import Receiver
from tests.fakes.server import serve
from tests.test_e2e_instagram import (  # noqa: F401 (fixtures)
    EMAIL,
    graph,
    make_slot_due,
    served,
    wait_for_post,
)
from tests.test_e2e_schedule import wait_for

PASSWORD = "correct horse battery staple"


def test_flow_logs_no_secret(served, data_dir):  # noqa: F811
    served.env["SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS"] = "true"
    served.stop()
    served.start()
    served.cli("user", "create", EMAIL, "--password-stdin", stdin=PASSWORD + "\n")
    served.cli(
        "account", "add", EMAIL, "harbor_cafe", "--access-token-stdin", stdin=TOKEN
    )
    key = served.cli("apikey", "create", EMAIL)
    headers = {"Authorization": f"Bearer {key}"}
    receiver = Receiver()
    with serve(receiver) as receiver_url:
        endpoint = httpx.post(
            f"{served.url}/api/v1/webhooks",
            json={"url": receiver_url + "/hook"},
            headers=headers,
        ).json()
        automation = httpx.post(
            f"{served.url}/api/v1/automations",
            json=automation_body("harbor_cafe"),
            headers=headers,
        ).json()
        make_slot_due(data_dir, automation["id"])
        post = wait_for_post(served, headers)
        wait_for(lambda: len(receiver.requests) >= 2, 30, "the webhook deliveries")
    httpx.post(
        f"{served.url}/login",
        data={"email": EMAIL, "password": PASSWORD + "-wrong"},
    )
    httpx.get(f"{served.url}/api/v1/posts", headers={"Authorization": "Bearer ss_bad"})
    log = served.log()
    stored = b"".join(
        path.read_bytes() for path in data_dir.glob("*.db*") if path.is_file()
    )

    assert post["status"] == "published"
    assert key not in log
    assert key[3:] not in log
    assert PASSWORD not in log
    assert TOKEN not in log
    assert endpoint["secret"] not in log
    assert endpoint["secret"].removeprefix("whsec_") not in log
    assert "ss_bad" not in log
    assert b"harbor_cafe" in stored  # the scan reads the real rows
    for secret in (key, PASSWORD, TOKEN, endpoint["secret"]):
        assert secret.encode() not in stored
