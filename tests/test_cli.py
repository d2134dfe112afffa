"""The command line, run as a subprocess the way users run it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from tests.served import cli


def test_user_apikey_account_flow(tmp_path):
    data = tmp_path / "data"

    created = cli(
        data,
        "user",
        "create",
        "ana@example.com",
        "--password-stdin",
        stdin="s3cret-pass\n",
    )
    key = cli(data, "apikey", "create", "ana@example.com", "--name", "laptop")
    account = cli(data, "account", "add", "ana@example.com", "@Ana.Shop", "--sandbox")

    assert created.startswith("ana@example.com ")
    assert created.endswith(" admin")
    assert key.startswith("ss_")
    assert "\n" not in key
    assert account.startswith("@ana.shop ")
    conn = sqlite3.connect(data / "app.db")
    stored = conn.execute("SELECT key_hash, prefix FROM api_keys").fetchone()
    assert key not in stored
    assert stored[1] == key[:12]


def test_second_user_is_not_admin(tmp_path):
    data = tmp_path / "data"
    cli(
        data, "user", "create", "a@example.com", "--password-stdin", stdin="password1\n"
    )

    second = cli(
        data, "user", "create", "b@example.com", "--password-stdin", stdin="password2\n"
    )

    assert second.endswith(" user")


def test_unknown_user_is_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "smartshare", "apikey", "create", "nobody@example.com"],
        capture_output=True,
        text=True,
        env={"SMARTSHARE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert "No user with the email nobody@example.com" in result.stderr


def test_invalid_config_stops_with_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "smartshare", "serve"],
        capture_output=True,
        text=True,
        env={
            "SMARTSHARE_DATA_DIR": str(tmp_path / "data"),
            "SMARTSHARE_SERVER__PORT": "abc",
            "PATH": "/usr/bin:/bin",
        },
        timeout=30,
    )

    assert result.returncode == 1
    assert "server.port = 'abc'" in result.stderr
    assert "expected an integer" in result.stderr


def test_backup_copies_live_database(tmp_path):
    data = tmp_path / "data"
    cli(
        data, "user", "create", "a@example.com", "--password-stdin", stdin="password1\n"
    )
    target = tmp_path / "backup.db"

    printed = cli(data, "backup", str(target))

    assert printed == str(target)
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT email FROM users").fetchall() == [("a@example.com",)]
