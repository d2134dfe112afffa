"""Connecting Instagram accounts with a token or through the dashboard's OAuth
flow, against the fake Graph API over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from smartshare import accounts, auth, clock, config, secretbox, users
from smartshare.app import create_app
from smartshare.errors import BadRequest
from smartshare.publishing.connect import InstagramUnavailable, connect_with_token
from smartshare.publishing.oauth_state import InvalidState, sign_state, verify_state
from tests.fakes.graph_api import TOKEN, FakeError, FakeToken, GraphState
from tests.fakes.graph_api import create_app as create_graph_app
from tests.fakes.server import serve

PUBLIC_URL = "https://smartshare.example.com"
CALLBACK = f"{PUBLIC_URL}/accounts/instagram/callback"


@pytest.fixture(autouse=True)
def quiet_httpx():
    # httpx logs full request URLs at INFO, and token exchanges carry the token.
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
    graph_app.state.graph = GraphState(redirect_uri=CALLBACK)
    return graph_app.state.graph


@pytest.fixture
def settings(data_dir, graph_url, state):
    environ = {
        "SMARTSHARE_DATA_DIR": str(data_dir),
        "SMARTSHARE_SERVER__PUBLIC_URL": PUBLIC_URL,
        "SMARTSHARE_INSTAGRAM__GRAPH_URL": graph_url,
        "SMARTSHARE_INSTAGRAM__APP_ID": state.app_id,
        "SMARTSHARE_INSTAGRAM__APP_SECRET": state.app_secret,
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


@pytest.fixture
def outsider(db) -> dict:
    return users.create_user(db, "outsider@example.com", "correct horse battery")


@pytest.fixture
def browser(app, db, owner):
    """A browser with the owner's dashboard session."""
    token, _ = auth.create_session(db, owner["id"])
    with TestClient(app) as client:
        client.cookies.set(auth.SESSION_COOKIE, token)
        yield client


def stored_token(settings, account) -> str:
    return secretbox.decrypt(settings.secret_key, account["access_token"])


# connect_with_token, as `smartshare account add --access-token-stdin` uses it


def test_token_connects_long_lived_account(db, settings, state, owner):
    account = connect_with_token(db, settings, owner["id"], "@Harbor_Cafe", TOKEN)

    expires_at = clock.parse(account["token_expires_at"])
    assert account["username"] == "harbor_cafe"
    assert account["kind"] == "instagram"
    assert account["state"] == "connected"
    assert account["ig_user_id"] == state.user_id
    assert account["access_token"].startswith("enc1:")
    assert stored_token(settings, account) in state.tokens
    assert expires_at > clock.now() + timedelta(days=59)
    assert state.count("access_token") == 1


def test_token_refreshed_without_app_secret(db, settings, state, owner):
    no_secret = settings.with_overrides(**{"instagram.app_secret": ""})

    account = connect_with_token(db, no_secret, owner["id"], "harbor_cafe", TOKEN)

    assert state.count("access_token") == 0
    assert state.count("refresh_access_token") == 1
    assert stored_token(settings, account) != TOKEN
    assert account["token_expires_at"] is not None


def test_young_token_kept_with_unknown_expiry(db, settings, state, owner):
    state.tokens["IGAA-new"] = FakeToken(age_seconds=60)
    no_secret = settings.with_overrides(**{"instagram.app_secret": ""})

    account = connect_with_token(db, no_secret, owner["id"], "harbor_cafe", "IGAA-new")

    assert stored_token(settings, account) == "IGAA-new"
    assert account["token_expires_at"] is None
    assert account["token_issued_at"] is not None


def test_token_of_other_username_rejected(db, settings, state, owner):
    with pytest.raises(BadRequest) as caught:
        connect_with_token(db, settings, owner["id"], "other_shop", TOKEN)

    assert str(caught.value) == (
        "The access token belongs to @harbor_cafe, not @other_shop. Connect "
        "@harbor_cafe instead, or use a token of @other_shop."
    )
    assert accounts.list_accounts(db, owner["id"]) == []


def test_invalid_token_rejected(db, settings, state, owner):
    with pytest.raises(BadRequest) as caught:
        connect_with_token(db, settings, owner["id"], "harbor_cafe", "IGAA-wrong")

    assert "Instagram rejected the access token" in str(caught.value)
    assert "Cannot parse access token" in str(caught.value)
    assert "Meta App Dashboard" in str(caught.value)
    assert accounts.list_accounts(db, owner["id"]) == []


def test_empty_token_rejected(db, settings, state, owner):
    with pytest.raises(BadRequest, match="access token is missing"):
        connect_with_token(db, settings, owner["id"], "harbor_cafe", "  ")

    assert state.calls == []


def test_unreachable_instagram_is_502(db, settings, state, owner):
    state.fail_next("me", FakeError(503))

    with pytest.raises(InstagramUnavailable) as caught:
        connect_with_token(db, settings, owner["id"], "harbor_cafe", TOKEN)

    assert caught.value.status == 502


def test_token_reconnects_flagged_account(db, settings, state, owner):
    first = connect_with_token(db, settings, owner["id"], "harbor_cafe", TOKEN)
    with db.write() as conn:
        conn.execute("UPDATE accounts SET state = 'reconnect_required'")

    again = connect_with_token(db, settings, owner["id"], "harbor_cafe", TOKEN)

    assert again["id"] == first["id"]
    assert accounts.find_account(db, owner["id"], "harbor_cafe")["state"] == (
        "connected"
    )


def test_connect_logs_no_token(db, settings, state, owner, caplog):
    with caplog.at_level(logging.DEBUG):
        account = connect_with_token(db, settings, owner["id"], "harbor_cafe", TOKEN)

    assert "(@harbor_cafe): connected" in caplog.text
    assert TOKEN not in caplog.text
    assert stored_token(settings, account) not in caplog.text


# The signed OAuth state


def test_state_accepted_for_its_user(settings, owner):
    state = sign_state(settings.secret_key, owner["id"])

    verify_state(settings.secret_key, state, owner["id"])


@pytest.mark.parametrize(
    "change",
    [
        lambda state: state[:-2] + ("AA" if not state.endswith("AA") else "BB"),
        lambda state: "x" + state,
        lambda state: state.split(".")[0],
        lambda state: "",
    ],
)
def test_tampered_state_rejected(settings, owner, change):
    state = sign_state(settings.secret_key, owner["id"])

    with pytest.raises(InvalidState, match="invalid"):
        verify_state(settings.secret_key, change(state), owner["id"])


def test_state_of_other_user_rejected(settings, owner, outsider):
    state = sign_state(settings.secret_key, outsider["id"])

    with pytest.raises(InvalidState, match="another user"):
        verify_state(settings.secret_key, state, owner["id"])


def test_expired_state_rejected(settings, owner):
    state = sign_state(
        settings.secret_key, owner["id"], clock.now() - timedelta(hours=1)
    )

    with pytest.raises(InvalidState, match="expired"):
        verify_state(settings.secret_key, state, owner["id"])


# The dashboard routes


def test_connect_redirects_to_instagram(browser, settings, state, owner):
    response = browser.get("/accounts/instagram/connect", follow_redirects=False)

    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert response.status_code == 303
    assert f"{location.scheme}://{location.netloc}" == "https://www.instagram.com"
    assert location.path == "/oauth/authorize"
    assert query["client_id"] == [state.app_id]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["response_type"] == ["code"]
    assert query["scope"] == [
        "instagram_business_basic,instagram_business_content_publish"
    ]
    verify_state(settings.secret_key, query["state"][0], owner["id"])


def test_connect_needs_dashboard_login(app, state):
    with TestClient(app) as client:
        response = client.get("/accounts/instagram/connect", follow_redirects=False)

    assert response.status_code in (303, 401)
    assert "instagram.com" not in response.headers.get("location", "")


def test_connect_without_app_id_explains(app, browser, settings, state):
    app.state.settings = settings.with_overrides(**{"instagram.app_id": ""})

    response = browser.get("/accounts/instagram/connect", follow_redirects=False)

    assert response.status_code == 400
    assert "instagram.app_id or instagram.app_secret is unset" in response.text


def test_callback_connects_account(browser, db, settings, state, owner):
    oauth_state = sign_state(settings.secret_key, owner["id"])

    response = browser.get(
        "/accounts/instagram/callback",
        params={"code": state.auth_code, "state": oauth_state},
        follow_redirects=False,
    )
    account = accounts.find_account(db, owner["id"], "harbor_cafe")

    assert response.status_code == 303
    assert response.headers["location"] == (
        "/settings?flash=instagram_connected&account=harbor_cafe"
    )
    assert account["kind"] == "instagram"
    assert account["ig_user_id"] == state.user_id
    assert stored_token(settings, account) in state.tokens
    assert state.tokens[stored_token(settings, account)].long_lived is True
    assert clock.parse(account["token_expires_at"]) > clock.now() + timedelta(days=59)
    assert state.used_codes == {state.auth_code}
    oauth_call = next(
        call for call in state.calls if call.path == "/oauth/access_token"
    )
    assert oauth_call.body["redirect_uri"] == CALLBACK


def test_callback_rejects_tampered_state(browser, db, settings, state, owner):
    oauth_state = sign_state(settings.secret_key, owner["id"]) + "x"

    response = browser.get(
        "/accounts/instagram/callback",
        params={"code": state.auth_code, "state": oauth_state},
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert "the state parameter is invalid" in response.text
    assert state.calls == []
    assert accounts.list_accounts(db, owner["id"]) == []


def test_callback_rejects_other_users_state(browser, settings, state, outsider):
    oauth_state = sign_state(settings.secret_key, outsider["id"])

    response = browser.get(
        "/accounts/instagram/callback",
        params={"code": state.auth_code, "state": oauth_state},
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert "started by another user" in response.text
    assert state.calls == []


def test_callback_reports_denied_authorization(browser, state):
    response = browser.get(
        "/accounts/instagram/callback",
        params={
            "error": "access_denied",
            "error_reason": "user_denied",
            "error_description": "The user denied your request.",
        },
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert "The user denied your request." in response.text
    assert state.calls == []


def test_callback_with_used_code_fails(browser, db, settings, state, owner):
    state.used_codes.add(state.auth_code)
    oauth_state = sign_state(settings.secret_key, owner["id"])

    response = browser.get(
        "/accounts/instagram/callback",
        params={"code": state.auth_code, "state": oauth_state},
        follow_redirects=False,
    )

    assert response.status_code == 400
    assert "Instagram rejected the authorization" in response.text
    assert "This authorization code has been used" in response.text
    assert accounts.list_accounts(db, owner["id"]) == []
