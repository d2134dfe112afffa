"""Pieces every dashboard page uses: the signed-in user, CSRF checks and responses.

Handlers run in worker threads (`sync_to_thread=True`) because every one of
them reads SQLite.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from smartshare import auth
from smartshare.errors import Forbidden, Unauthorized
from smartshare.schedule import timezone_names

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
TIMEZONE_COOKIE = "smartshare_tz"
CSRF_FIELD = "_csrf"


def signed_in_user(request: Request) -> dict[str, Any] | None:
    token = request.cookies.get(auth.SESSION_COOKIE)
    return auth.find_session(request.app.state.db, token)


def require_user(request: Request) -> dict[str, Any]:
    user = signed_in_user(request)
    if user is None:
        raise Unauthorized("Log in to see this page.")
    return user


def require_admin(request: Request) -> dict[str, Any]:
    user = require_user(request)
    if not user["is_admin"]:
        raise Forbidden("Only admins can open this page.")
    return user


def check_csrf(request: Request, expected: str, form: dict[str, Any] | None) -> None:
    """Reject a state-changing request whose CSRF token does not match."""
    sent = request.headers.get(auth.CSRF_HEADER) or (form or {}).get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), expected.encode()
    ):
        raise Forbidden(
            "The form's CSRF token is missing or out of date. Reload the page and "
            "submit the form again."
        )


def authorized(request: Request, form: dict[str, Any] | None) -> dict[str, Any]:
    """Return the signed-in user of a form post, after checking its CSRF token."""
    user = require_user(request)
    check_csrf(request, user["csrf_token"], form)
    return user


def viewer_zone(request: Request) -> str:
    """Return the browser's timezone as app.js stores it in a cookie, else UTC."""
    name = request.cookies.get(TIMEZONE_COOKIE, "")
    return name if name in timezone_names() else "UTC"


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def page(
    request: Request,
    user: dict[str, Any] | None,
    name: str,
    status: int = 200,
    **context: Any,
) -> Template:
    """Render a full page or a fragment with the values every template may use."""
    base = {
        "user": user,
        "signed_in": user is not None,
        "csrf_token": user["csrf_token"] if user else "",
        "viewer_zone": viewer_zone(request),
        "path": request.url.path,
        "here": current_url(request),
    }
    return Template(name, context={**base, **context}, status_code=status)


def go_to(request: Request, url: str) -> Response:
    """Send the browser to `url` after a form post, whether htmx sent it or not."""
    if is_htmx(request):
        return Response(b"", status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


def local_path(candidate: Any, fallback: str) -> str:
    """Return `candidate` when it is a path on this site, else `fallback`."""
    if not isinstance(candidate, str) or not candidate.startswith("/"):
        return fallback
    if candidate.startswith(("//", "/\\")):
        return fallback
    return candidate


def current_url(request: Request) -> str:
    """Return the request's path and query, for a link back to this page."""
    query = request.url.query
    return request.url.path + ("?" + query if query else "")


def login_url(request: Request) -> str:
    return "/login?next=" + quote(current_url(request), safe="")


def form_text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip()


def form_list(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    return value if isinstance(value, list) else [value]
