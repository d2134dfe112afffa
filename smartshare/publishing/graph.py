"""Client for the Instagram Graph API with Instagram Login.

Each method makes one request and never retries. A failed call raises
GraphError, and its `kind` is the action for the caller: retry, fix the input,
ask the user to reconnect the account, or stop.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from smartshare import http

logger = logging.getLogger(__name__)

OAUTH_URL = "https://api.instagram.com"
AUTHORIZE_URL = "https://www.instagram.com"
SCOPES = ("instagram_business_basic", "instagram_business_content_publish")

# A failed image fetch (9004/2207052) is worth a few retries only, because it
# usually means that the image URL is not public.
FETCH_RETRIES = 3


class ErrorKind(StrEnum):
    """The action a caller should take after a GraphError."""

    RETRY = "retry"  # temporary, such as a rate limit, server error or timeout
    FIX_INPUT = "fix_input"  # the image or caption breaks Instagram's rules
    RECONNECT = "reconnect"  # token invalid, expired or missing a permission
    EXPIRED_CONTAINER = "expired_container"  # create a new container
    NOT_READY = "not_ready"  # poll the container status, then publish
    QUOTA = "quota"  # the 24-hour publishing limit is reached
    STOP = "stop"  # account restricted or post flagged as spam
    UNKNOWN = "unknown"  # not classified, so not retried


class GraphError(Exception):
    """A failed Graph API call.

    `message` is Meta's own text, empty when there was no error body.
    `user_message`, also the exception's string, states what failed and what to do.
    """

    def __init__(
        self,
        kind: ErrorKind,
        user_message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        message: str = "",
        http_status: int | None = None,
        fbtrace_id: str | None = None,
    ):
        super().__init__(user_message)
        self.kind = kind
        self.user_message = user_message
        self.code = code
        self.subcode = subcode
        self.message = message
        self.http_status = http_status
        self.fbtrace_id = fbtrace_id
        fetch_failed = code == 9004 or subcode == 2207052
        self.max_retries = FETCH_RETRIES if fetch_failed else None


_LATER = "Retry later."
_RATE_LIMIT = (ErrorKind.RETRY, "Instagram's rate limit was reached", _LATER)
_SERVER = (ErrorKind.RETRY, "Instagram had a server error", _LATER)
_DOWNLOAD_TIMEOUT = (
    ErrorKind.RETRY,
    "Instagram timed out downloading the image",
    _LATER,
)
_FETCH = (
    ErrorKind.RETRY,
    "Instagram could not fetch the image from its URL",
    "Check that server.public_url is a public https address that serves the "
    "image without a login, then retry.",
)
_TOO_LARGE = (
    ErrorKind.FIX_INPUT,
    "the image is larger than Instagram's limit of 8 MiB",
    "Use a smaller image.",
)
_ASPECT = (
    ErrorKind.FIX_INPUT,
    "the image's aspect ratio is outside Instagram's range of 4:5 to 1.91:1",
    "Crop or pad the image.",
)
_NOT_READY = (
    ErrorKind.NOT_READY,
    "the media container is not ready yet",
    "Wait until its status is FINISHED, then publish it.",
)
_QUOTA = (
    ErrorKind.QUOTA,
    "the account reached Instagram's limit of published posts for 24 hours",
    "Publish again when the 24-hour window has room.",
)
_PERMISSION = (
    ErrorKind.RECONNECT,
    "the Instagram token lacks a permission this call needs",
    "Reconnect the account in Settings and allow content publishing.",
)

# (kind, reason, advice) by error subcode, which Instagram sets for media errors.
_BY_SUBCODE = {
    2207001: _SERVER,
    2207032: _SERVER,
    2207003: _DOWNLOAD_TIMEOUT,
    2207052: _FETCH,
    2207004: _TOO_LARGE,
    2207005: (
        ErrorKind.FIX_INPUT,
        "the image format is not supported",
        "Convert the image to JPEG.",
    ),
    2207009: _ASPECT,
    2207010: (
        ErrorKind.FIX_INPUT,
        "the caption is longer than 2,200 characters",
        "Shorten the caption.",
    ),
    2207020: (
        ErrorKind.EXPIRED_CONTAINER,
        "the media container expired before it was published",
        "Create a new container and publish that one.",
    ),
    2207027: _NOT_READY,
    2207042: _QUOTA,
    2207050: (
        ErrorKind.STOP,
        "the Instagram account is inactive, checkpointed or restricted",
        "Sign in to the Instagram app and complete the steps it asks for.",
    ),
    2207051: (
        ErrorKind.STOP,
        "Instagram suspects the post is spam and restricted the action",
        "Check the account in the Instagram app before publishing again.",
    ),
}

# (kind, reason, advice) by error code, used when the subcode is not listed above.
_BY_CODE = {
    1: (ErrorKind.RETRY, "Instagram returned an unknown error", _LATER),
    2: (ErrorKind.RETRY, "Instagram is temporarily unavailable", _LATER),
    4: _RATE_LIMIT,
    17: _RATE_LIMIT,
    32: _RATE_LIMIT,
    613: _RATE_LIMIT,
    -1: _SERVER,
    -2: _DOWNLOAD_TIMEOUT,
    9004: _FETCH,
    36000: _TOO_LARGE,
    36003: _ASPECT,
    190: (
        ErrorKind.RECONNECT,
        "the Instagram token is invalid or expired",
        "Reconnect the account in Settings.",
    ),
    10: _PERMISSION,
    9007: _NOT_READY,
    9: _QUOTA,
}


def graph_error(
    operation: str,
    account: str | None,
    *,
    code: int | None = None,
    subcode: int | None = None,
    message: str = "",
    http_status: int | None = None,
    fbtrace_id: str | None = None,
    transient: bool = False,
) -> GraphError:
    """Classify Meta's error fields and phrase the message for users."""
    kind, reason, advice = _describe(code, subcode, message, http_status, transient)
    return _error(
        kind,
        operation,
        account,
        f"{reason}. {advice}",
        code=code,
        subcode=subcode,
        message=message,
        http_status=http_status,
        fbtrace_id=fbtrace_id,
    )


def _describe(
    code: int | None,
    subcode: int | None,
    message: str,
    http_status: int | None,
    transient: bool,
) -> tuple[ErrorKind, str, str]:
    known = _BY_SUBCODE.get(subcode) or _BY_CODE.get(code)
    if known:
        return known
    if code is not None and 200 <= code <= 299:
        return _PERMISSION

    if code is None:
        reason = f"Instagram returned HTTP {http_status} without an error body"
    elif subcode is None:
        reason = f"Instagram returned error {code} ({message})"
    else:
        reason = f"Instagram returned error {code}, subcode {subcode} ({message})"
    if transient or http_status == 429 or (http_status or 0) >= 500:
        return ErrorKind.RETRY, reason, _LATER
    return ErrorKind.UNKNOWN, reason, "Check the post and the account before retrying."


def _error(
    kind: ErrorKind, operation: str, account: str | None, detail: str, **fields: Any
) -> GraphError:
    subject = f"@{account}" if account else "the Instagram account"
    text = f"{operation} for {subject} failed because {detail}"
    return GraphError(kind, text, **fields)


def error_from_response(
    response: httpx.Response, operation: str, account: str | None
) -> GraphError:
    """Build the GraphError for a non-2xx response from Meta."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None

    if isinstance(error, dict):
        return graph_error(
            operation,
            account,
            code=_integer(error.get("code")),
            subcode=_integer(error.get("error_subcode")),
            message=str(error.get("message", "")),
            http_status=response.status_code,
            fbtrace_id=error.get("fbtrace_id"),
            transient=bool(error.get("is_transient")),
        )
    if isinstance(body, dict) and "error_message" in body:
        return _oauth_error(body, response.status_code, operation, account)
    return graph_error(operation, account, http_status=response.status_code)


def _oauth_error(
    body: dict[str, Any], http_status: int, operation: str, account: str | None
) -> GraphError:
    # OAuth endpoints on api.instagram.com can report errors in this flat body
    # instead of Graph's `error` object.
    message = str(body["error_message"])
    return _error(
        ErrorKind.RECONNECT,
        operation,
        account,
        f"Instagram rejected the authorization ({message}). "
        "Connect the account again from Settings.",
        code=_integer(body.get("code")),
        message=message,
        http_status=http_status,
    )


def _integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GraphClient:
    """Graph API calls made with one access token.

    Graph calls send the token in a Bearer header. The token endpoints take it
    and the app secret as query parameters, which smartshare.http never logs.
    """

    def __init__(
        self,
        graph_url: str,
        api_version: str,
        access_token: str,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
        *,
        oauth_url: str = OAUTH_URL,
        account: str | None = None,
    ):
        self.account = account
        self._graph_url = graph_url.rstrip("/")
        self._version = api_version.strip("/")
        self._oauth_url = oauth_url.rstrip("/")
        self._token = access_token
        self._timeout = timeout
        self._http = http.client(timeout=timeout, transport=transport)

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def create_container(self, ig_user_id: str, image_url: str, caption: str) -> str:
        """Create an image container and return its id."""
        operation = "Creating the media container"
        form = {"image_url": image_url, "caption": caption}
        body = self._graph("POST", self._url(ig_user_id, "media"), operation, data=form)
        return self._field(body, "id", operation)

    def container_status(self, container_id: str) -> tuple[str, str]:
        """Return the container's status_code (such as FINISHED) and status."""
        operation = "Reading the media container status"
        fields = {"fields": "status_code,status"}
        body = self._graph("GET", self._url(container_id), operation, params=fields)
        return self._field(body, "status_code", operation), str(body.get("status", ""))

    def publish(self, ig_user_id: str, creation_id: str) -> str:
        """Publish a FINISHED container and return the new media id.

        After a timeout or connection error the post may be live anyway, so
        read the container status (PUBLISHED) before publishing again.
        """
        operation = "Publishing the post"
        url = self._url(ig_user_id, "media_publish")
        body = self._graph("POST", url, operation, data={"creation_id": creation_id})
        return self._field(body, "id", operation)

    def permalink(self, media_id: str) -> str | None:
        """Return the post's permalink, or None when reading it fails.

        Instagram can fail this read right after publishing although the post
        is live, so a failed read is logged as a warning instead of raised.
        """
        operation = "Reading the permalink"
        fields = {"fields": "permalink"}
        try:
            body = self._graph("GET", self._url(media_id), operation, params=fields)
        except GraphError as error:
            logger.warning("media %s: permalink not read: %s", media_id, error)
            return None

        permalink = body.get("permalink")
        return permalink if isinstance(permalink, str) and permalink else None

    def publishing_quota(self, ig_user_id: str) -> tuple[int, int]:
        """Return (quota_usage, quota_total) for the moving 24-hour window."""
        operation = "Reading the publishing quota"
        url = self._url(ig_user_id, "content_publishing_limit")
        fields = {"fields": "quota_usage,config"}
        body = self._graph("GET", url, operation, params=fields)

        try:
            entry = body["data"][0]
            return int(entry["quota_usage"]), int(entry["config"]["quota_total"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise self._malformed(operation, "quota_usage or quota_total") from None

    def me(self) -> tuple[str, str]:
        """Return the Instagram user id and username behind the token."""
        operation = "Reading the account profile"
        fields = {"fields": "user_id,username"}
        body = self._graph("GET", self._url("me"), operation, params=fields)
        user_id = self._field(body, "user_id", operation)
        return user_id, self._field(body, "username", operation)

    def exchange_code(
        self, app_id: str, app_secret: str, redirect_uri: str, code: str
    ) -> str:
        """Exchange an authorization code for a short-lived token."""
        operation = "Exchanging the authorization code"
        form = {
            "client_id": app_id,
            "client_secret": app_secret,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code,
        }
        url = f"{self._oauth_url}/oauth/access_token"
        body = self._call("POST", url, operation, data=form)

        # NOTE: Meta has described this response both with the token inside a
        # `data` list and at the top level, so both shapes are read.
        data = body.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            body = data[0]
        return self._field(body, "access_token", operation)

    def exchange_long_lived(self, app_secret: str, short_token: str) -> tuple[str, int]:
        """Exchange a short-lived token for a 60-day one.

        Return the new token and its expires_in in seconds.
        """
        params = {
            "grant_type": "ig_exchange_token",
            "client_secret": app_secret,
            "access_token": short_token,
        }
        operation = "Exchanging the token for a long-lived token"
        return self._token_call("access_token", params, operation)

    def refresh(self, token: str) -> tuple[str, int]:
        """Refresh a long-lived token at least 24 hours old.

        Return the new token and its expires_in in seconds.
        """
        params = {"grant_type": "ig_refresh_token", "access_token": token}
        operation = "Refreshing the access token"
        return self._token_call("refresh_access_token", params, operation)

    def _token_call(
        self, path: str, params: dict[str, str], operation: str
    ) -> tuple[str, int]:
        url = f"{self._graph_url}/{path}"
        body = self._call("GET", url, operation, params=params)
        token = self._field(body, "access_token", operation)
        try:
            return token, int(body["expires_in"])
        except (KeyError, TypeError, ValueError):
            raise self._malformed(operation, "expires_in") from None

    def _url(self, node: str, edge: str | None = None) -> str:
        path = f"{self._graph_url}/{self._version}/{quote(str(node), safe='')}"
        return f"{path}/{edge}" if edge else path

    def _graph(
        self, method: str, url: str, operation: str, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"}
        return self._call(method, url, operation, headers=headers, **kwargs)

    def _call(
        self, method: str, url: str, operation: str, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            detail = f"Instagram did not answer within {self._timeout:g} s. {_LATER}"
            raise _error(ErrorKind.RETRY, operation, self.account, detail) from None
        except httpx.TransportError as error:
            detail = f"Instagram could not be reached ({error}). {_LATER}"
            raise _error(ErrorKind.RETRY, operation, self.account, detail) from None
        except httpx.RequestError as error:
            detail = f"the response could not be read ({error}). {_LATER}"
            raise _error(ErrorKind.RETRY, operation, self.account, detail) from None

        if not response.is_success:
            raise error_from_response(response, operation, self.account)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self._malformed(operation, "a JSON object")
        return body

    def _field(self, body: dict[str, Any], name: str, operation: str) -> str:
        value = body.get(name)
        if value is None or value == "":
            raise self._malformed(operation, name)
        return str(value)

    def _malformed(self, operation: str, expected: str) -> GraphError:
        detail = f"Instagram's response is missing {expected}. {_LATER}"
        return _error(ErrorKind.UNKNOWN, operation, self.account, detail)


def authorize_url(
    app_id: str, redirect_uri: str, state: str, base: str = AUTHORIZE_URL
) -> str:
    """Return the Business Login for Instagram URL with the publishing scopes."""
    query = urlencode(
        {
            "client_id": app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(SCOPES),
            "state": state,
        }
    )
    return f"{base.rstrip('/')}/oauth/authorize?{query}"


# Special-use and private-use names that never resolve on the public internet
# (RFC 6761, RFC 6762, RFC 8375, and ICANN's reservation of .internal).
_LOCAL_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "home.arpa",
    "test",
    "invalid",
    "example",
)
_LOCAL_ENDINGS = tuple("." + suffix for suffix in _LOCAL_SUFFIXES)
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_PUBLIC_URL_ADVICE = (
    "Set server.public_url to a public https address, for example through a "
    "reverse proxy or a tunnel, because Instagram downloads each image from there."
)


def check_public_url(url: str | None) -> str | None:
    """Return why Instagram could not download from `url`, or None if it could.

    The check reads the URL only. It does not resolve the host name, because
    the server may sit behind a proxy with its own DNS.
    """
    if not url:
        return f"server.public_url is unset. {_PUBLIC_URL_ADVICE}"
    problem = _public_url_problem(url)
    if problem is None:
        return None

    try:
        safe_url = repr(http.redact(url))
    except httpx.InvalidURL:
        safe_url = "(invalid URL)"
    return f"server.public_url {safe_url} {problem}. {_PUBLIC_URL_ADVICE}"


def _public_url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() != "https":
        return "is not an https URL"
    if not host:
        return "has no host name"
    if parts.username is not None or parts.password is not None:
        return "contains a user name or password"

    try:
        address = _ip_literal(host)
    except ValueError:
        return f"has {host} as host, which is neither a name nor a valid IP address"
    if address is not None:
        return _address_problem(address)
    if host in _LOCAL_SUFFIXES or host.endswith(_LOCAL_ENDINGS):
        return f"points to {host}, a name reserved for local networks"
    if "." not in host:
        return f"points to {host}, a single-label name that is not public"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return the address `host` spells, or None for a name.

    Raise ValueError for a numeric host that is no valid IPv4 address.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None and all(_NUMERIC_LABEL.fullmatch(x) for x in host.split(".")):
        # URL parsers read shorthand such as 127.1 or 2130706433 as IPv4.
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise ValueError(host) from None

    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> str | None:
    # Loopback and link-local ranges are also private, so they are tested first.
    ranges = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    for name, matches in ranges:
        if matches:
            return f"points to {address}, a {name} address"
    return None
