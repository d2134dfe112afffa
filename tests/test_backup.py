"""`smartshare backup` while the server runs, and restoring from the copy."""

from __future__ import annotations

import shutil

import httpx

from tests.conftest import automation_body
from tests.served import Served


def test_backup_restores_running_server(tmp_path):
    live = Served(tmp_path / "live").start()
    try:
        key = live.setup_owner()
        headers = {"Authorization": f"Bearer {key}"}
        created = httpx.post(
            live.url + "/api/v1/automations", json=automation_body(), headers=headers
        ).json()
        backup = tmp_path / "smartshare-backup.db"
        live.cli("backup", str(backup))
    finally:
        live.stop()

    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copy(backup, restored_dir / "app.db")
    shutil.copy(live.data_dir / "secret_key", restored_dir / "secret_key")
    restored = Served(restored_dir).start()
    try:
        fetched = httpx.get(
            f"{restored.url}/api/v1/automations/{created['id']}", headers=headers
        )
    finally:
        restored.stop()

    assert fetched.status_code == 200
    assert fetched.json()["general_description"] == created["general_description"]


def test_backup_refuses_to_overwrite(tmp_path):
    server = Served(tmp_path / "data")
    server.data_dir.mkdir(parents=True)
    target = tmp_path / "exists.db"
    target.write_text("keep me")

    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "smartshare", "backup", str(target)],
        capture_output=True,
        text=True,
        env={"SMARTSHARE_DATA_DIR": str(server.data_dir), "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert target.read_text() == "keep me"
