"""Client for the Instagram Graph API with Instagram Login.

Each method makes one request and never retries. A failed call raises
GraphError (see graph_errors), whose `kind` names the action for the caller.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from smartshare import http
from smartshare.config import Settings
from smartshare.publishing.graph_errors import (
    RETRY_LATER,
    ErrorKind,
    GraphError,
    error_from_response,
    operation_error,
)

logger = logging.getLogger(__name__)

OAUTH_URL = "https://api.instagram.com"
AUTHORIZE_URL = "https://www.instagram.com"
SCOPES = ("instagram_business_basic", "instagram_business_content_publish")
# Creating a container makes Instagram download the image during the request.
TIMEOUT_SECONDS = 60.0


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

    def recent_media(self, ig_user_id: str, limit: int = 25) -> list[dict[str, Any]]:
        """Return the account's newest media, newest first, with id, caption and
        timestamp (such as 2026-01-05T09:00:00+0000)."""
        operation = "Reading the account's recent media"
        fields = {"fields": "id,caption,timestamp", "limit": str(limit)}
        url = self._url(ig_user_id, "media")
        body = self._graph("GET", url, operation, params=fields)

        data = body.get("data")
        if not isinstance(data, list):
            raise self._malformed(operation, "data")
        return [item for item in data if isinstance(item, dict) and item.get("id")]

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
        response = self._send(method, url, operation, **kwargs)
        if not response.is_success:
            raise error_from_response(response, operation, self.account)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self._malformed(operation, "a JSON object")
        return body

    def _send(
        self, method: str, url: str, operation: str, **kwargs: Any
    ) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            detail = f"Instagram did not answer within {self._timeout:g} s"
        except httpx.TransportError as error:
            detail = f"Instagram could not be reached ({error})"
        except httpx.RequestError as error:
            detail = f"the response could not be read ({error})"
        detail = f"{detail}. {RETRY_LATER}"
        raise operation_error(ErrorKind.RETRY, operation, self.account, detail)

    def _field(self, body: dict[str, Any], name: str, operation: str) -> str:
        value = body.get(name)
        if value is None or value == "":
            raise self._malformed(operation, name)
        return str(value)

    def _malformed(self, operation: str, expected: str) -> GraphError:
        detail = f"Instagram's response is missing {expected}. {RETRY_LATER}"
        return operation_error(ErrorKind.UNKNOWN, operation, self.account, detail)


def client_for(
    settings: Settings, access_token: str, account: str | None = None
) -> GraphClient:
    """Build a client from the instagram.* settings."""
    graph_url = settings["instagram.graph_url"]
    return GraphClient(
        graph_url,
        settings["instagram.api_version"],
        access_token,
        TIMEOUT_SECONDS,
        oauth_url=oauth_url_for(graph_url),
        account=account,
    )


def oauth_url_for(graph_url: str) -> str:
    """Return the base URL of the authorization-code exchange.

    Meta serves the exchange on api.instagram.com. When instagram.graph_url
    points elsewhere (a proxy or a test double), the exchange goes there too.
    """
    if urlsplit(graph_url).hostname == "graph.instagram.com":
        return OAUTH_URL
    return graph_url


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
