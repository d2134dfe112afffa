"""The daily refresh of Instagram tokens, against the fake Graph API over HTTP."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from smartshare import accounts, clock, config, secretbox, users
from smartshare.app import create_app
from smartshare.publishing.tokens import refresh_due_tokens, token_fields
from tests.fakes.graph_api import (
    DAY,
    TOKEN,
    FakeError,
    FakeToken,
    GraphState,
)
from tests.fakes.graph_api import create_app as create_graph_app
from tests.fakes.server import serve


@pytest.fixture(autouse=True)
def quiet_httpx():
    # httpx logs full request URLs at INFO, and the refresh URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def graph_app():
    return create_graph_app()


@pytest.fixture(scope="module")
def graph_url(graph_app):
    with serve(graph_app) as url:
        yield url


@pytest.fixture
def state(graph_app) -> GraphState:
    graph_app.state.graph = GraphState()
    return graph_app.state.graph


@pytest.fixture
def settings(data_dir, graph_url):
    environ = {
        "SMARTSHARE_DATA_DIR": str(data_dir),
        "SMARTSHARE_INSTAGRAM__GRAPH_URL": graph_url,
    }
    return config.ensure_secret_key(config.load(environ=environ))


@pytest.fixture
def app(settings):
    return create_app(settings, immediate=True)


@pytest.fixture
def db(app):
    return app.state.db


@pytest.fixture
def owner(db) -> dict:
    return users.create_user(db, "owner@example.com", "correct horse battery")


def connect(db, settings, owner, issued_days_ago, expires_in_days, token=TOKEN):
    """Store @harbor_cafe with a token issued and expiring at the given offsets."""
    issued = clock.now() - timedelta(days=issued_days_ago)
    lifetime = None
    if expires_in_days is not None:
        lifetime = int((issued_days_ago + expires_in_days) * DAY)
    fields = token_fields(settings, token, lifetime, issued)
    return accounts.add_account(
        db,
        owner["id"],
        "harbor_cafe",
        "instagram",
        ig_user_id="17841400000000001",
        **fields,
    )


def account_row(db, account_id) -> dict:
    return db.one("SELECT * FROM accounts WHERE id = ?", (account_id,))


def reconnect_events(db) -> list[dict]:
    rows = db.all(
        "SELECT data FROM events WHERE event_type = ?",
        ("instagram.account.reconnect_required",),
    )
    return [json.loads(row["data"]) for row in rows]


def test_due_token_is_refreshed(db, settings, state, owner, caplog):
    account = connect(db, settings, owner, issued_days_ago=55, expires_in_days=5)

    with caplog.at_level(logging.INFO):
        outcomes = refresh_due_tokens(db, settings)
    after = account_row(db, account["id"])
    new_token = secretbox.decrypt(settings.secret_key, after["access_token"])
    expires_at = clock.parse(after["token_expires_at"])

    assert outcomes == {"refreshed": 1}
    assert state.count("refresh_access_token") == 1
    assert new_token != TOKEN
    assert new_token in state.tokens
    assert after["access_token"].startswith("enc1:")
    assert expires_at > clock.now() + timedelta(days=59)
    assert clock.parse(after["token_issued_at"]) > clock.now() - timedelta(minutes=1)
    assert f"account {account['id']} (@harbor_cafe): token refreshed" in caplog.text
    assert TOKEN not in caplog.text
    assert new_token not in caplog.text


def test_token_far_from_expiry_not_refreshed(db, settings, state, owner):
    account = connect(db, settings, owner, issued_days_ago=30, expires_in_days=30)

    outcomes = refresh_due_tokens(db, settings)

    assert outcomes == {}
    assert state.calls == []
    assert account_row(db, account["id"])["access_token"] == account["access_token"]


def test_token_under_a_day_not_refreshed(db, settings, state, owner):
    connect(db, settings, owner, issued_days_ago=0.5, expires_in_days=5)

    outcomes = refresh_due_tokens(db, settings)

    assert outcomes == {}
    assert state.calls == []


def test_unknown_expiry_is_refreshed(db, settings, state, owner):
    account = connect(db, settings, owner, issued_days_ago=2, expires_in_days=None)

    outcomes = refresh_due_tokens(db, settings)
    after = account_row(db, account["id"])

    assert outcomes == {"refreshed": 1}
    assert after["token_expires_at"] is not None


def test_rejected_token_requires_reconnect(db, settings, state, owner, caplog):
    account = connect(db, settings, owner, issued_days_ago=55, expires_in_days=5)
    state.tokens = {}

    with caplog.at_level(logging.WARNING):
        outcomes = refresh_due_tokens(db, settings)
    again = refresh_due_tokens(db, settings)
    after = account_row(db, account["id"])

    assert outcomes == {"reconnect_required": 1}
    assert again == {}
    assert after["state"] == "reconnect_required"
    assert after["access_token"] == account["access_token"]
    assert reconnect_events(db) == [
        {"username": "harbor_cafe", "accountId": account["id"]}
    ]
    assert "reconnect required" in caplog.text
    assert TOKEN not in caplog.text


def test_expired_token_requires_reconnect(db, settings, state, owner):
    account = connect(db, settings, owner, issued_days_ago=61, expires_in_days=-1)

    outcomes = refresh_due_tokens(db, settings)

    assert outcomes == {"reconnect_required": 1}
    assert state.calls == []
    assert account_row(db, account["id"])["state"] == "reconnect_required"
    assert len(reconnect_events(db)) == 1


def test_failed_refresh_tries_tomorrow(db, settings, state, owner, caplog):
    account = connect(db, settings, owner, issued_days_ago=55, expires_in_days=5)
    state.fail_next("refresh_access_token", FakeError(503))

    with caplog.at_level(logging.WARNING):
        outcomes = refresh_due_tokens(db, settings)
    after = account_row(db, account["id"])

    assert outcomes == {"failed": 1}
    assert after["state"] == "connected"
    assert after["access_token"] == account["access_token"]
    assert "token refresh failed, retrying tomorrow" in caplog.text


def test_sandbox_and_flagged_accounts_skipped(db, settings, state, owner):
    accounts.add_account(db, owner["id"], "test_shop", "sandbox")
    account = connect(db, settings, owner, issued_days_ago=55, expires_in_days=5)
    with db.write() as conn:
        conn.execute(
            "UPDATE accounts SET state = 'reconnect_required' WHERE id = ?",
            (account["id"],),
        )

    outcomes = refresh_due_tokens(db, settings)

    assert outcomes == {}
    assert state.calls == []


def test_daily_task_refreshes(app, db, settings, state, owner):
    state.tokens["IGAA-second"] = FakeToken(age_seconds=50 * DAY)
    account = connect(
        db, settings, owner, issued_days_ago=55, expires_in_days=5, token="IGAA-second"
    )

    app.state.worker.daily()

    assert state.count("refresh_access_token") == 1
    assert account_row(db, account["id"])["access_token"] != account["access_token"]
