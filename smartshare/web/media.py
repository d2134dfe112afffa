"""GET /media/{token}/{post_id}.jpg: post images, for Instagram and the dashboard.

The token is an HMAC of the post id, so the URL is stable and unguessable and
needs no login: Instagram's servers download the image from it.
"""

from __future__ import annotations

import hmac

from litestar import Request, get
from litestar.response import File

from smartshare.errors import NotFound
from smartshare.ids import is_uuid
from smartshare.posts import media_dir
from smartshare.publishing.media import media_token


@get("/media/{token:str}/{name:str}", include_in_schema=False, sync_to_thread=False)
def media_file(request: Request, token: str, name: str) -> File:
    settings = request.app.state.settings
    post_id = name.removesuffix(".jpg")
    if not _valid(settings.secret_key, token, post_id, name):
        raise NotFound("Media not found.")
    path = media_dir(settings) / f"{post_id}.jpg"
    if not path.is_file():
        raise NotFound("Media not found.")
    return File(
        path,
        media_type="image/jpeg",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def _valid(secret_key: str, token: str, post_id: str, name: str) -> bool:
    if not name.endswith(".jpg"):
        return False
    if not is_uuid(post_id):
        return False
    return hmac.compare_digest(token, media_token(secret_key, post_id))
