"""GraphClient against the fake Graph API, over real HTTP on 127.0.0.1.

The account persona is @harbor_cafe, a bakery's professional Instagram account.
A second local server plays the SmartShare media host that Instagram downloads
images from.
"""

from __future__ import annotations

import asyncio
import io
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar, MediaType, Response, get
from PIL import Image

from smartshare.publishing.graph import GraphClient, authorize_url
from smartshare.publishing.graph_errors import ErrorKind, GraphError
from smartshare.publishing.public_url import check_public_url
from tests.fakes.graph_api import (
    DAY,
    TOKEN,
    FakeError,
    GraphState,
    create_app,
    rate_limited,
)
from tests.fakes.server import free_port, serve

VERSION = "v23.0"
USER_ID = "17841400000000001"
CAPTION = "Fresh sourdough at 7. #bakery"


def _image(width: int, height: int, image_format: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 90)).save(buffer, image_format)
    return buffer.getvalue()


IMAGES = {
    "portrait.jpg": _image(1080, 1350),
    "square.jpg": _image(1080, 1080),
    "tall.jpg": _image(1080, 1920),
    "photo.png": _image(1080, 1080, "PNG"),
    "huge.jpg": _image(1080, 1080) + bytes(8 * 1024 * 1024),
}


@get("/media/{name:str}")
async def media_file(name: str) -> Response:
    if name == "slow.jpg":
        await asyncio.sleep(1)
    if name not in IMAGES and name != "slow.jpg":
        return Response("not found", status_code=404, media_type=MediaType.TEXT)
    content = IMAGES.get(name, IMAGES["square.jpg"])
    return Response(content, media_type="image/jpeg")


@pytest.fixture(scope="module")
def media_url():
    with serve(Litestar([media_file])) as url:
        yield f"{url}/media"


@pytest.fixture(scope="module")
def graph_app():
    return create_app()


@pytest.fixture(scope="module")
def graph_url(graph_app):
    with serve(graph_app) as url:
        yield url


@pytest.fixture
def state(graph_app) -> GraphState:
    graph_app.state.graph = GraphState()
    return graph_app.state.graph


@pytest.fixture
def graph(graph_url, state):
    with GraphClient(
        graph_url, VERSION, TOKEN, timeout=5, oauth_url=graph_url, account="harbor_cafe"
    ) as client:
        yield client


def _publish_ready_container(graph: GraphClient, media_url: str) -> str:
    container_id = graph.create_container(USER_ID, f"{media_url}/portrait.jpg", CAPTION)
    assert graph.container_status(container_id)[0] == "FINISHED"
    return container_id


# Containers and publishing


def test_create_container_sends_token_in_header(graph, state, media_url):
    container_id = graph.create_container(USER_ID, f"{media_url}/portrait.jpg", CAPTION)

    call = state.calls[-1]
    assert container_id == "17900000000000001"
    assert call.path == f"/{VERSION}/{USER_ID}/media"
    assert call.bearer == TOKEN
    assert "access_token" not in call.query
    assert call.body == {"image_url": f"{media_url}/portrait.jpg", "caption": CAPTION}
    assert state.containers[container_id].caption == CAPTION


def test_container_in_progress_then_finished(graph, state, media_url):
    state.in_progress_polls = 2
    container_id = graph.create_container(USER_ID, f"{media_url}/square.jpg", CAPTION)

    statuses = [graph.container_status(container_id)[0] for _ in range(3)]

    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    assert graph.container_status(container_id)[1].startswith("Finished")


@pytest.mark.parametrize("outcome", ["ERROR", "EXPIRED"])
def test_container_error_and_expired(graph, state, media_url, outcome):
    state.container_outcome = outcome
    container_id = graph.create_container(USER_ID, f"{media_url}/square.jpg", CAPTION)

    status_code, status = graph.container_status(container_id)

    assert status_code == outcome
    assert status


def test_publish_returns_media_id(graph, state, media_url):
    container_id = _publish_ready_container(graph, media_url)

    media_id = graph.publish(USER_ID, container_id)

    assert media_id == "17800000000000001"
    assert graph.container_status(container_id)[0] == "PUBLISHED"
    assert state.media[media_id]["caption"] == CAPTION
    assert state.count("media_publish") == 1


def test_publish_before_finished_is_not_ready(graph, state, media_url):
    state.in_progress_polls = 1
    container_id = graph.create_container(USER_ID, f"{media_url}/square.jpg", CAPTION)

    with pytest.raises(GraphError) as caught:
        graph.publish(USER_ID, container_id)

    assert caught.value.kind == ErrorKind.NOT_READY
    assert (caught.value.code, caught.value.subcode) == (9007, 2207027)
    assert state.media == {}


def test_publish_expired_container(graph, state, media_url):
    state.container_outcome = "EXPIRED"
    container_id = graph.create_container(USER_ID, f"{media_url}/square.jpg", CAPTION)

    with pytest.raises(GraphError) as caught:
        graph.publish(USER_ID, container_id)

    assert caught.value.kind == ErrorKind.EXPIRED_CONTAINER
    assert caught.value.subcode == 2207020
    assert "Create a new container" in str(caught.value)


def test_publish_published_container_again_fails(graph, state, media_url):
    container_id = _publish_ready_container(graph, media_url)
    graph.publish(USER_ID, container_id)

    with pytest.raises(GraphError) as caught:
        graph.publish(USER_ID, container_id)

    assert caught.value.kind == ErrorKind.UNKNOWN
    assert caught.value.http_status == 400
    assert len(state.media) == 1
    assert state.quota_usage == 1


def test_publish_over_quota(graph, state, media_url):
    state.quota_usage = 50
    container_id = _publish_ready_container(graph, media_url)

    with pytest.raises(GraphError) as caught:
        graph.publish(USER_ID, container_id)

    assert caught.value.kind == ErrorKind.QUOTA
    assert (caught.value.code, caught.value.subcode) == (9, 2207042)
    assert state.media == {}


# Permalink: a failed read must not turn a published post into a failed one.


def test_permalink_after_publish(graph, state, media_url):
    media_id = graph.publish(USER_ID, _publish_ready_container(graph, media_url))

    permalink = graph.permalink(media_id)

    assert permalink == state.media[media_id]["permalink"]
    assert permalink.startswith("https://www.instagram.com/p/")


def test_permalink_failure_returns_none(graph, state, media_url, caplog):
    state.permalink_fails = True
    container_id = _publish_ready_container(graph, media_url)
    media_id = graph.publish(USER_ID, container_id)

    with caplog.at_level(logging.WARNING, logger="smartshare.publishing.graph"):
        permalink = graph.permalink(media_id)

    assert container_id == "17900000000000001"
    assert media_id == "17800000000000001"
    assert permalink is None
    assert state.count("media_publish") == 1
    assert media_id in state.media
    assert f"media {media_id}: permalink not read" in caplog.text


# Quota, profile and tokens


def test_publishing_quota_counts_posts(graph, state, media_url):
    assert graph.publishing_quota(USER_ID) == (0, 50)

    graph.publish(USER_ID, _publish_ready_container(graph, media_url))

    assert graph.publishing_quota(USER_ID) == (1, 50)
    assert state.calls[-1].query["fields"] == "quota_usage,config"


def test_me_returns_user_id_and_username(graph, state):
    assert graph.me() == (USER_ID, "harbor_cafe")
    assert state.calls[-1].bearer == TOKEN


def test_exchange_code_then_long_lived(graph, state):
    short = graph.exchange_code(
        state.app_id, state.app_secret, state.redirect_uri, state.auth_code
    )
    token, expires_in = graph.exchange_long_lived(state.app_secret, short)

    assert state.tokens[short].long_lived is False
    assert state.tokens[token].long_lived is True
    assert expires_in == 60 * DAY
    assert state.calls[-2].body["grant_type"] == "authorization_code"
    assert state.calls[-1].query["grant_type"] == "ig_exchange_token"


def test_exchange_code_used_twice_fails(graph, state):
    args = (state.app_id, state.app_secret, state.redirect_uri, state.auth_code)
    graph.exchange_code(*args)

    with pytest.raises(GraphError) as caught:
        graph.exchange_code(*args)

    assert caught.value.kind == ErrorKind.RECONNECT
    assert "authorization code has been used" in str(caught.value)


def test_exchange_with_wrong_secret_fails(graph, state):
    short = graph.exchange_code(
        state.app_id, state.app_secret, state.redirect_uri, state.auth_code
    )

    with pytest.raises(GraphError) as caught:
        graph.exchange_long_lived("wrong-secret", short)

    assert caught.value.code == 101
    assert caught.value.message == "Error validating client secret."


def test_refresh_returns_new_token(graph, state):
    token, expires_in = graph.refresh(TOKEN)

    assert token != TOKEN
    assert token in state.tokens
    assert expires_in == 60 * DAY


def test_refresh_rejects_token_under_a_day(graph, state):
    state.tokens[TOKEN].age_seconds = 23 * 3600

    with pytest.raises(GraphError) as caught:
        graph.refresh(TOKEN)

    assert caught.value.kind == ErrorKind.UNKNOWN
    assert caught.value.code == 100
    assert "24 hours" in caught.value.message
    assert len(state.tokens) == 1


def test_refresh_expired_token_needs_reconnect(graph, state):
    state.tokens[TOKEN].age_seconds = 61 * DAY

    with pytest.raises(GraphError) as caught:
        graph.refresh(TOKEN)

    assert caught.value.kind == ErrorKind.RECONNECT
    assert (caught.value.code, caught.value.subcode) == (190, 463)


def test_token_requests_log_no_secrets(graph, state, caplog):
    with caplog.at_level(logging.INFO, logger="smartshare.http"):
        short = graph.exchange_code(
            state.app_id, state.app_secret, state.redirect_uri, state.auth_code
        )
        graph.exchange_long_lived(state.app_secret, short)
        graph.refresh(TOKEN)

    http_lines = [r.getMessage() for r in caplog.records if r.name == "smartshare.http"]
    assert len(http_lines) == 3
    for line in http_lines:
        assert state.app_secret not in line
        assert short not in line
        assert TOKEN not in line


def test_authorize_url_asks_for_publishing():
    url = authorize_url("1000000000000001", "https://example.org/cb", "state-1")

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.instagram.com/oauth/authorize"
    )
    assert query["client_id"] == ["1000000000000001"]
    assert query["redirect_uri"] == ["https://example.org/cb"]
    assert query["response_type"] == ["code"]
    assert query["state"] == ["state-1"]
    assert query["scope"] == [
        "instagram_business_basic,instagram_business_content_publish"
    ]


# Error classes

ERROR_CASES = [
    (rate_limited(4, 403), ErrorKind.RETRY),
    (rate_limited(17, 400), ErrorKind.RETRY),
    (rate_limited(32, 400), ErrorKind.RETRY),
    (rate_limited(613, 400), ErrorKind.RETRY),
    (FakeError(400, 4, 2207051, "We restrict certain activity"), ErrorKind.STOP),
    (FakeError(400, 25, 2207050, "The user is inactive"), ErrorKind.STOP),
    (FakeError(400, -1, 2207001, "Instagram server error"), ErrorKind.RETRY),
    (FakeError(400, -1, 2207032, "Create media fail"), ErrorKind.RETRY),
    (FakeError(400, -2, 2207003, "Too long to download"), ErrorKind.RETRY),
    (FakeError(400, 9004, 2207052, "Media download failed"), ErrorKind.RETRY),
    (FakeError(500, 2, message="Service temporarily unavailable"), ErrorKind.RETRY),
    (FakeError(500, 1, message="An unknown error occurred"), ErrorKind.RETRY),
    (FakeError(400, 36000, 2207004, "Image too large"), ErrorKind.FIX_INPUT),
    (FakeError(400, 9004, 2207005, "Format not supported"), ErrorKind.FIX_INPUT),
    (FakeError(400, 36003, 2207009, "Aspect ratio"), ErrorKind.FIX_INPUT),
    (FakeError(400, 100, 2207010, "Caption too long"), ErrorKind.FIX_INPUT),
    (FakeError(400, -2, 2207020, "Media expired"), ErrorKind.EXPIRED_CONTAINER),
    (FakeError(400, 9007, 2207027, "Media ID is not available"), ErrorKind.NOT_READY),
    (FakeError(400, 9, 2207042, "Maximum number of posts"), ErrorKind.QUOTA),
    (FakeError(400, 190, 460, "Password changed"), ErrorKind.RECONNECT),
    (FakeError(400, 10, message="Permission denied"), ErrorKind.RECONNECT),
    (FakeError(403, 200, message="Permissions error"), ErrorKind.RECONNECT),
    (FakeError(403, 299, message="Permission missing"), ErrorKind.RECONNECT),
    (FakeError(502), ErrorKind.RETRY),
    (FakeError(503), ErrorKind.RETRY),
    (FakeError(400, 100, 33, "Unsupported get request"), ErrorKind.UNKNOWN),
    (FakeError(400, 100, message="Invalid parameter"), ErrorKind.UNKNOWN),
    (FakeError(400, 100, message="Busy", transient=True), ErrorKind.RETRY),
]


@pytest.mark.parametrize(("error", "kind"), ERROR_CASES)
def test_error_kind_from_meta_body(graph, state, error, kind):
    state.fail_next("me", error)

    with pytest.raises(GraphError) as caught:
        graph.me()

    assert caught.value.kind == kind
    assert caught.value.code == error.code
    assert caught.value.subcode == error.subcode
    assert caught.value.http_status == error.http_status
    assert str(caught.value).startswith("Reading the account profile for @harbor_cafe")
    if error.code is not None:
        assert caught.value.message == error.message
        assert caught.value.fbtrace_id


def test_expired_token_message_names_account(graph, state):
    state.tokens[TOKEN].expired = True

    with pytest.raises(GraphError) as caught:
        graph.me()

    assert caught.value.kind == ErrorKind.RECONNECT
    assert (caught.value.code, caught.value.subcode) == (190, 463)
    assert str(caught.value) == (
        "Reading the account profile for @harbor_cafe failed because the "
        "Instagram token is invalid or expired. Reconnect the account in Settings."
    )


def test_unknown_token_needs_reconnect(graph_url, state):
    client = GraphClient(graph_url, VERSION, "not-a-token", timeout=5)
    with client, pytest.raises(GraphError) as caught:
        client.me()

    assert caught.value.kind == ErrorKind.RECONNECT
    assert caught.value.code == 190
    assert "for the Instagram account failed" in str(caught.value)


def test_timeout_is_retry(graph_url, state):
    state.delays["me"] = 1.0

    client = GraphClient(graph_url, VERSION, TOKEN, timeout=0.2)
    with client, pytest.raises(GraphError) as caught:
        client.me()

    assert caught.value.kind == ErrorKind.RETRY
    assert caught.value.code is None
    assert "did not answer within 0.2 s" in str(caught.value)


def test_connection_refused_is_retry():
    closed = f"http://127.0.0.1:{free_port()}"

    client = GraphClient(closed, VERSION, TOKEN, timeout=2)
    with client, pytest.raises(GraphError) as caught:
        client.me()

    assert caught.value.kind == ErrorKind.RETRY
    assert "could not be reached" in str(caught.value)


def test_unknown_error_message_quotes_meta(graph, state):
    state.fail_next("me", FakeError(400, 100, message="(#100) Invalid parameter"))

    with pytest.raises(GraphError) as caught:
        graph.me()

    assert str(caught.value) == (
        "Reading the account profile for @harbor_cafe failed because Instagram "
        "returned error 100 ((#100) Invalid parameter). "
        "Check the post and the account before retrying."
    )


def test_response_without_json_is_unknown():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    transport = httpx.MockTransport(handler)
    client = GraphClient("http://graph.test", VERSION, TOKEN, 5, transport)
    with client, pytest.raises(GraphError) as caught:
        client.me()

    assert caught.value.kind == ErrorKind.UNKNOWN
    assert "missing a JSON object" in str(caught.value)


# Image checks that Instagram makes when it downloads image_url

IMAGE_CASES = [
    ("tall.jpg", ErrorKind.FIX_INPUT, 2207009),
    ("photo.png", ErrorKind.FIX_INPUT, 2207005),
    ("huge.jpg", ErrorKind.FIX_INPUT, 2207004),
    ("missing.jpg", ErrorKind.RETRY, 2207052),
]


@pytest.mark.parametrize(("name", "kind", "subcode"), IMAGE_CASES)
def test_container_rejects_bad_image(graph, state, media_url, name, kind, subcode):
    with pytest.raises(GraphError) as caught:
        graph.create_container(USER_ID, f"{media_url}/{name}", CAPTION)

    assert caught.value.kind == kind
    assert caught.value.subcode == subcode
    assert state.containers == {}


def test_unfetchable_image_allows_few_retries(graph, state, media_url):
    with pytest.raises(GraphError) as caught:
        graph.create_container(USER_ID, f"{media_url}/missing.jpg", CAPTION)

    assert caught.value.max_retries == 3
    assert "server.public_url" in str(caught.value)


def test_fake_never_fetches_public_hosts(graph, state):
    with pytest.raises(GraphError) as caught:
        graph.create_container(USER_ID, "https://images.example.com/a.jpg", CAPTION)

    assert (caught.value.code, caught.value.subcode) == (9004, 2207052)


def test_slow_image_download_is_retry(graph, state, media_url):
    state.download_timeout = 0.2

    with pytest.raises(GraphError) as caught:
        graph.create_container(USER_ID, f"{media_url}/slow.jpg", CAPTION)

    assert caught.value.kind == ErrorKind.RETRY
    assert (caught.value.code, caught.value.subcode) == (-2, 2207003)


def test_caption_too_long(graph, state, media_url):
    caption = "a" * 2190 + "👍🏽" * 5

    with pytest.raises(GraphError) as caught:
        graph.create_container(USER_ID, f"{media_url}/square.jpg", caption)

    assert caught.value.kind == ErrorKind.FIX_INPUT
    assert caught.value.subcode == 2207010
    assert "Shorten the caption" in str(caught.value)


def test_caption_at_limit_is_accepted(graph, state, media_url):
    container_id = graph.create_container(
        USER_ID, f"{media_url}/square.jpg", "a" * 2200
    )

    assert container_id in state.containers


# Public URL check: Instagram must be able to download the image.

NOT_PUBLIC = [
    (None, "is unset"),
    ("", "is unset"),
    ("http://localhost:8000", "is not an https URL"),
    ("http://media.example.org", "is not an https URL"),
    ("https://localhost", "reserved for local networks"),
    ("https://media.localhost", "reserved for local networks"),
    ("https://nas.local", "reserved for local networks"),
    ("https://app.internal", "reserved for local networks"),
    ("https://myhost", "single-label name"),
    ("https://127.0.0.1", "loopback address"),
    ("https://127.1", "loopback address"),
    ("https://2130706433", "loopback address"),
    ("https://10.0.0.5", "private address"),
    ("https://192.168.1.20:8443/media", "private address"),
    ("https://172.16.0.1", "private address"),
    ("https://169.254.169.254", "link-local address"),
    ("https://0.0.0.0", "unspecified address"),
    ("https://224.0.0.1", "multicast address"),
    ("https://240.0.0.1", "reserved address"),
    ("https://100.64.0.1", "non-public address"),
    ("https://[::1]", "loopback address"),
    ("https://[::ffff:127.0.0.1]", "loopback address"),
    ("https://[::ffff:10.0.0.5]", "private address"),
    ("https://[fe80::1]", "link-local address"),
    ("https://[fd00::1]", "private address"),
    ("https://[::]", "unspecified address"),
    ("https://999.1.1.1", "neither a name nor a valid IP address"),
    ("https://user:secret@media.example.org", "contains a user name or password"),
    ("https:///path", "has no host name"),
]


@pytest.mark.parametrize(("url", "problem"), NOT_PUBLIC)
def test_public_url_rejected(url, problem):
    reason = check_public_url(url)

    assert reason is not None
    assert problem in reason
    assert "Set server.public_url to a public https address" in reason
    assert "secret" not in reason


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "https://media.example.org/x",
        "https://smartshare.example.org:8443/media/",
        "https://93.184.215.14",
        "https://[2606:4700::1111]",
        "https://example.com.",
    ],
)
def test_public_url_accepted(url):
    assert check_public_url(url) is None
