"""A fake Instagram Graph API (Instagram Login flavour) for tests.

It follows Meta's documentation of content publishing, IG Containers, the
publishing limit, the access-token endpoints and the error-code reference.
Tests change its behaviour through the attributes of GraphState, which
`create_app` stores as `app.state.graph`, and read every request in `calls`.

Like Instagram, the fake downloads `image_url` itself when a container is
created. It only fetches hosts in `GraphState.download_hosts` (loopback by
default) and returns error 9004/2207052 for any other host without contacting it.
`GraphState.download_rewrite` plays the reverse proxy in front of SmartShare: it
maps a public-looking origin such as https://smartshare.example.com to the local
server that serves /media, so tests can use a public server.public_url.

NOTE: Meta documents no error body for publishing a container twice, for an
unknown creation_id, or for refreshing a token younger than 24 hours. The fake
returns code 100 for those. The code of 2207005 (format) and 2207010
(caption) and the `status` texts of a container are also guesses.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.datastructures import State
from PIL import Image, UnidentifiedImageError

DAY = 86_400
TOKEN = "IGAA-fake-long-lived-token"
LONG_LIVED_SECONDS = 60 * DAY
SHORT_LIVED_SECONDS = 3600
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_CAPTION = 2200
PERMISSIONS = "instagram_business_basic,instagram_business_content_publish"

STATUS_TEXT = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "EXPIRED": "Expired: Media was not published within 24 hours.",
    "ERROR": "Error: Media upload has failed with error code 2207001.",
}


@dataclass
class FakeToken:
    long_lived: bool = True
    age_seconds: float = 2 * DAY
    expired: bool = False

    def is_expired(self) -> bool:
        lifetime = LONG_LIVED_SECONDS if self.long_lived else SHORT_LIVED_SECONDS
        return self.expired or self.age_seconds >= lifetime


@dataclass
class FakeError:
    """An error response for one call. Without a code, the body is plain text."""

    http_status: int
    code: int | None = None
    subcode: int | None = None
    message: str = "An unexpected error has occurred. Please retry your request later."
    type: str = "OAuthException"
    transient: bool = False


def rate_limited(code: int = 4, http_status: int = 403) -> FakeError:
    """Return Meta's rate-limit error: 4 (app), 17 (user), 32 (page), 613 (calls)."""
    message = {4: "Application request limit reached", 17: "User request limit reached"}
    text = message.get(code, "Calls to this api have exceeded the rate limit.")
    return FakeError(http_status, code, message=f"(#{code}) {text}", transient=True)


@dataclass
class Container:
    id: str
    image_url: str
    caption: str
    in_progress_polls: int
    outcome: str
    media_id: str | None = None


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, str]
    bearer: str | None


@dataclass
class GraphState:
    """Controls and records of the fake. Tests set the attributes directly.

    A new container returns IN_PROGRESS for `in_progress_polls` status reads,
    then `container_outcome` (FINISHED, ERROR or EXPIRED), and an ERROR container
    reports `error_status` as its status text. `quota_usage` grows
    by one per publish, and publishing fails once it reaches `quota_total`.
    With `permalink_fails`, permalink reads fail with code 100, subcode 33.
    The next `lost_publish_responses` media_publish calls publish the post but
    respond with 502, as when the response is lost on its way back.
    `tokens` maps each valid access token to its age and expiry.

    `errors` maps an operation to errors returned by its next calls, one per
    call. The operations: media (creating a container), media_list (reading
    the account's media), media_publish, node (GET of a container or media
    object), content_publishing_limit, me, access_token, refresh_access_token
    and oauth (the code exchange). `delays` maps an operation to seconds to
    wait before responding.
    """

    user_id: str = "17841400000000001"
    app_scoped_id: str = "27000000000000001"
    username: str = "harbor_cafe"
    app_id: str = "1000000000000001"
    app_secret: str = "fake-app-secret"
    redirect_uri: str = "https://smartshare.example.org/instagram/callback"
    auth_code: str = "fake-authorization-code"
    tokens: dict[str, FakeToken] = field(default_factory=lambda: {TOKEN: FakeToken()})
    in_progress_polls: int = 0
    container_outcome: str = "FINISHED"
    error_status: str = STATUS_TEXT["ERROR"]
    quota_usage: int = 0
    quota_total: int = 50
    permalink_fails: bool = False
    lost_publish_responses: int = 0
    download_timeout: float = 5.0
    download_hosts: set[str] = field(default_factory=lambda: {"127.0.0.1"})
    download_rewrite: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[FakeError]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    containers: dict[str, Container] = field(default_factory=dict)
    media: dict[str, dict[str, str]] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    counters: dict[str, itertools.count] = field(default_factory=dict)

    def fail_next(self, operation: str, error: FakeError) -> None:
        self.errors.setdefault(operation, []).append(error)

    def count(self, edge: str, method: str | None = None) -> int:
        """Return how many requests (of `method`, if given) went to a path
        ending in `/edge`."""
        return sum(
            1
            for call in self.calls
            if call.path.endswith("/" + edge) and method in (None, call.method)
        )

    def new_id(self, prefix: str) -> str:
        """Return the next id in the style of Instagram's: 179... for containers."""
        counter = self.counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}{next(counter):014d}"


def create_app(state: GraphState | None = None) -> Litestar:
    handlers = [
        create_media,
        list_media,
        publish_media,
        read_node,
        read_me,
        read_publishing_limit,
        exchange_token,
        refresh_token,
        exchange_code,
    ]
    return Litestar(handlers, state=State({"graph": state or GraphState()}))


def error_response(
    http_status: int,
    code: int,
    message: str,
    subcode: int | None = None,
    *,
    error_type: str = "OAuthException",
    transient: bool = False,
) -> Response:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["is_transient"] = transient
    error["fbtrace_id"] = secrets.token_urlsafe(16)
    return Response({"error": error}, status_code=http_status)


def _missing_object(node_id: str) -> Response:
    message = (
        f"Unsupported get request. Object with ID '{node_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this "
        "operation."
    )
    return error_response(400, 100, message, 33, error_type="GraphMethodException")


def _injected(error: FakeError) -> Response:
    if error.code is None:
        text = "Service Unavailable"
        return Response(text, status_code=error.http_status, media_type=MediaType.TEXT)
    return error_response(
        error.http_status,
        error.code,
        error.message,
        error.subcode,
        error_type=error.type,
        transient=error.transient,
    )


async def _prepare(
    request: Request, operation: str, *, token: bool = True
) -> tuple[GraphState, dict[str, str], Response | None]:
    """Record the call, wait its delay, and return any injected or token error."""
    state: GraphState = request.app.state.graph
    query = dict(request.query_params.items())
    body = await _body(request)
    params = {**query, **body}
    call = Call(request.method, request.url.path, query, body, _bearer(request))
    state.calls.append(call)

    if operation in state.delays:
        await asyncio.sleep(state.delays[operation])
    queued = state.errors.get(operation)
    if queued:
        return state, params, _injected(queued.pop(0))
    if not token:
        return state, params, None
    return state, params, _token_problem(state, _access_token(request, params))


async def _body(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        data = await request.json()
        return {key: str(value) for key, value in (data or {}).items()}
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
        form = await request.form()
        return {key: str(value) for key, value in form.items()}
    return {}


def _access_token(request: Request, params: dict[str, str]) -> str | None:
    return _bearer(request) or params.get("access_token")


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() in {"bearer", "oauth"} else None


def _token_problem(state: GraphState, token: str | None) -> Response | None:
    if not token:
        message = "An access token is required to request this resource."
        return error_response(400, 104, message)
    found = state.tokens.get(token)
    if found is None:
        message = "Invalid OAuth access token - Cannot parse access token"
        return error_response(400, 190, message)
    if found.is_expired():
        message = "Error validating access token: Session has expired."
        return error_response(400, 190, message, 463)
    return None


def _fields(params: dict[str, str]) -> set[str]:
    return {name.strip() for name in params.get("fields", "").split(",") if name}


def _user_problem(state: GraphState, node_id: str) -> Response | None:
    return None if node_id in {state.user_id, "me"} else _missing_object(node_id)


@post("/{version:str}/{node_id:str}/media", status_code=200)
async def create_media(request: Request, node_id: str) -> Response:
    state, params, problem = await _prepare(request, "media")
    image_url = params.get("image_url", "")
    caption = params.get("caption", "")
    problem = (
        problem
        or _user_problem(state, node_id)
        or _caption_problem(caption)
        or await _image_problem(state, image_url)
    )
    if problem:
        return problem

    container = Container(
        id=state.new_id("179"),
        image_url=image_url,
        caption=caption,
        in_progress_polls=state.in_progress_polls,
        outcome=state.container_outcome,
    )
    state.containers[container.id] = container
    return Response({"id": container.id})


def _caption_problem(caption: str) -> Response | None:
    # Meta does not say how it counts characters. UTF-16 code units are never
    # fewer than code points, so this count is the stricter one.
    if len(caption.encode("utf-16-le")) // 2 <= MAX_CAPTION:
        return None
    return error_response(400, 100, "The caption is too long.", 2207010)


async def _image_problem(state: GraphState, image_url: str) -> Response | None:
    if not image_url:
        return error_response(400, 100, "(#100) The parameter image_url is required")
    image_url = _rewrite(state, image_url)
    if urlsplit(image_url).hostname not in state.download_hosts:
        return _fetch_failed()
    try:
        async with httpx.AsyncClient(timeout=state.download_timeout) as client:
            response = await client.get(image_url)
    except httpx.TimeoutException:
        message = "It takes too long to download the media."
        return error_response(400, -2, message, 2207003, transient=True)
    except httpx.HTTPError:
        return _fetch_failed()
    if response.status_code != 200:
        return _fetch_failed()
    return _content_problem(response.content)


def _rewrite(state: GraphState, image_url: str) -> str:
    for public_origin, local_origin in state.download_rewrite.items():
        prefix = public_origin.rstrip("/") + "/"
        if image_url.startswith(prefix):
            return local_origin.rstrip("/") + "/" + image_url[len(prefix) :]
    return image_url


def _fetch_failed() -> Response:
    message = "Media download has failed. The media URI doesn't meet our requirements."
    return error_response(400, 9004, message, 2207052)


def _content_problem(content: bytes) -> Response | None:
    if len(content) >= MAX_IMAGE_BYTES:
        return error_response(400, 36000, "The image size is too large.", 2207004)
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        image_format, width, height = None, 0, 0

    if image_format != "JPEG":
        message = "The image format is not supported."
        return error_response(400, 9004, message, 2207005)
    if not 0.8 <= width / height <= 1.91:
        message = "The aspect ratio is not supported."
        return error_response(400, 36003, message, 2207009)
    return None


@post("/{version:str}/{node_id:str}/media_publish", status_code=200)
async def publish_media(request: Request, node_id: str) -> Response:
    state, params, problem = await _prepare(request, "media_publish")
    problem = problem or _user_problem(state, node_id)
    if problem:
        return problem
    container = state.containers.get(params.get("creation_id", ""))
    if container is None:
        message = "(#100) Invalid parameter: creation_id is not a container id."
        return error_response(400, 100, message)

    problem = _publish_problem(state, container)
    if problem:
        return problem
    container.media_id = state.new_id("178")
    state.media[container.media_id] = {
        "id": container.media_id,
        "caption": container.caption,
        "permalink": f"https://www.instagram.com/p/FAKE{container.media_id[-6:]}/",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }
    state.quota_usage += 1
    if state.lost_publish_responses > 0:
        state.lost_publish_responses -= 1
        return _injected(FakeError(502))
    return Response({"id": container.media_id})


def _publish_problem(state: GraphState, container: Container) -> Response | None:
    if container.media_id is not None:
        message = "(#100) The media container has already been published."
        return error_response(400, 100, message)
    if container.outcome == "EXPIRED":
        message = (
            "The media you are trying to access has expired. "
            "Please try to upload again."
        )
        return error_response(400, -2, message, 2207020)
    if container.in_progress_polls > 0 or container.outcome != "FINISHED":
        return error_response(400, 9007, "Media ID is not available", 2207027)
    if state.quota_usage >= state.quota_total:
        message = (
            "You reached maximum number of posts that is allowed to be "
            "published by Content Publishing API."
        )
        return error_response(400, 9, message, 2207042)
    return None


@get("/{version:str}/{node_id:str}/media")
async def list_media(request: Request, node_id: str) -> Response:
    """Return the account's media, newest first, with the requested fields."""
    state, params, problem = await _prepare(request, "media_list")
    problem = problem or _user_problem(state, node_id)
    if problem:
        return problem

    fields = _fields(params) | {"id"}
    limit = int(params.get("limit") or 25)
    newest = sorted(state.media.values(), key=lambda media: media["id"], reverse=True)
    data = [{k: media[k] for k in fields if k in media} for media in newest[:limit]]
    return Response({"data": data})


@get("/{version:str}/{node_id:str}")
async def read_node(request: Request, node_id: str) -> Response:
    state, params, problem = await _prepare(request, "node")
    if problem:
        return problem
    fields = _fields(params)

    container = state.containers.get(node_id)
    if container is not None:
        return Response(_container_fields(state, container, fields))
    media = state.media.get(node_id)
    if media is None or ("permalink" in fields and state.permalink_fails):
        return _missing_object(node_id)
    return Response({"id": node_id, **{k: media[k] for k in fields if k in media}})


def _container_fields(
    state: GraphState, container: Container, fields: set[str]
) -> dict[str, str]:
    body = {"id": container.id}
    if "status_code" in fields or "status" in fields:
        status_code = _next_status(container)
        if "status_code" in fields:
            body["status_code"] = status_code
        if "status" in fields:
            body["status"] = _status_text(state, status_code)
    return body


def _status_text(state: GraphState, status_code: str) -> str:
    return state.error_status if status_code == "ERROR" else STATUS_TEXT[status_code]


def _next_status(container: Container) -> str:
    """Return the status for one poll, counting down the IN_PROGRESS polls."""
    if container.media_id is not None:
        return "PUBLISHED"
    if container.in_progress_polls > 0:
        container.in_progress_polls -= 1
        return "IN_PROGRESS"
    return container.outcome


@get(["/me", "/{version:str}/me"])
async def read_me(request: Request) -> Response:
    state, params, problem = await _prepare(request, "me")
    if problem:
        return problem
    profile = {
        "id": state.app_scoped_id,
        "user_id": state.user_id,
        "username": state.username,
    }
    fields = _fields(params) or {"id"}
    return Response(
        {name: profile[name] for name in fields | {"id"} if name in profile}
    )


@get("/{version:str}/{node_id:str}/content_publishing_limit")
async def read_publishing_limit(request: Request, node_id: str) -> Response:
    state, params, problem = await _prepare(request, "content_publishing_limit")
    problem = problem or _user_problem(state, node_id)
    if problem:
        return problem

    entry: dict[str, Any] = {"quota_usage": state.quota_usage}
    if "config" in _fields(params):
        entry["config"] = {"quota_total": state.quota_total, "quota_duration": DAY}
    return Response({"data": [entry]})


@get(["/access_token", "/{version:str}/access_token"])
async def exchange_token(request: Request) -> Response:
    state, params, problem = await _prepare(request, "access_token")
    if problem:
        return problem
    if params.get("grant_type") != "ig_exchange_token":
        return error_response(400, 100, "Unsupported grant_type.")
    if params.get("client_secret") != state.app_secret:
        return error_response(400, 101, "Error validating client secret.")
    return _issue_long_lived(state)


@get(["/refresh_access_token", "/{version:str}/refresh_access_token"])
async def refresh_token(request: Request) -> Response:
    state, params, problem = await _prepare(request, "refresh_access_token")
    if problem:
        return problem
    if params.get("grant_type") != "ig_refresh_token":
        return error_response(400, 100, "Unsupported grant_type.")

    token = state.tokens[_access_token(request, params) or ""]
    if not token.long_lived:
        return error_response(400, 100, "Only long-lived tokens can be refreshed.")
    if token.age_seconds < DAY:
        message = "The access token can be refreshed only when it is 24 hours old."
        return error_response(400, 100, message)
    return _issue_long_lived(state)


def _issue_long_lived(state: GraphState) -> Response:
    token = f"IGAA-long-{secrets.token_urlsafe(12)}"
    state.tokens[token] = FakeToken(long_lived=True, age_seconds=0)
    body = {"access_token": token, "token_type": "bearer"}
    return Response({**body, "expires_in": LONG_LIVED_SECONDS})


@post("/oauth/access_token", status_code=200)
async def exchange_code(request: Request) -> Response:
    state, params, problem = await _prepare(request, "oauth", token=False)
    problem = problem or _code_problem(state, params)
    if problem:
        return problem

    state.used_codes.add(params["code"])
    token = f"IGAA-short-{secrets.token_urlsafe(12)}"
    state.tokens[token] = FakeToken(long_lived=False, age_seconds=0)
    grant = {"access_token": token, "user_id": state.user_id}
    return Response({"data": [{**grant, "permissions": PERMISSIONS}]})


def _code_problem(state: GraphState, params: dict[str, str]) -> Response | None:
    checks = (
        ("client_id", state.app_id, "Invalid platform app"),
        ("client_secret", state.app_secret, "Error validating client secret"),
        ("grant_type", "authorization_code", "Invalid grant_type"),
        ("redirect_uri", state.redirect_uri, "Error validating verification code"),
        ("code", state.auth_code, "Invalid authorization code"),
    )
    for name, expected, message in checks:
        if params.get(name) != expected:
            return _oauth_error(message)
    if params["code"] in state.used_codes:
        return _oauth_error("This authorization code has been used")
    return None


def _oauth_error(message: str) -> Response:
    # NOTE: the flat body is how api.instagram.com reported OAuth errors for the
    # retired Basic Display API. Business Login may use it too, undocumented.
    body = {"error_type": "OAuthException", "code": 400, "error_message": message}
    return Response(body, status_code=400)
