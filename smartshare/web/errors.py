"""Error pages of the dashboard, rendered for smartshare.errorpages."""

from __future__ import annotations

from http import HTTPStatus

from litestar import Request, Response
from litestar.response import Redirect

from smartshare import auth
from smartshare.web.headers import HEADERS
from smartshare.web.helpers import is_htmx, login_url, page


def render_error_page(
    request: Request, status: int, message: str, headers: dict[str, str]
) -> Response:
    """Send a logged-out visitor to the login page and render other errors."""
    if status == 401:
        return _to_login(request)

    if status == 404 and message.startswith("No route matches"):
        message = "This page does not exist. Check the address."
    headers = {k: v for k, v in headers.items() if k.lower() != "www-authenticate"}
    # This runs on the event loop, so it reads no session from SQLite: a
    # session cookie alone brings back the main menu.
    response = page(
        request,
        None,
        "error.html",
        status=status,
        title=HTTPStatus(status).phrase,
        message=message,
        signed_in=auth.SESSION_COOKIE in request.cookies,
    )
    # Unknown paths never reach the middleware, so the headers are set here too.
    response.headers.update({**HEADERS, **headers})
    return response


def _to_login(request: Request) -> Response:
    url = login_url(request) if request.method == "GET" else "/login"
    if is_htmx(request):
        return Response(b"", status_code=401, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)
