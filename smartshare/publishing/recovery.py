"""Finding the media of a container that an interrupted attempt published.

An IG Container has no field or edge that leads to the media it became: Meta's
IG Container reference lists only id, status, status_code and
copyright_check_status. So the media is looked up among the account's newest
media by its caption, published no earlier than the post was created.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from smartshare import clock
from smartshare.publishing.graph import GraphClient
from smartshare.publishing.graph_errors import GraphError

logger = logging.getLogger(__name__)

RECENT_MEDIA_LIMIT = 25
# Allowance for a difference between this server's clock and Instagram's.
CLOCK_SKEW = timedelta(minutes=15)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def find_media_id(
    graph: GraphClient, ig_user_id: str, post: dict[str, Any]
) -> str | None:
    """Return the id of the post's media, or None unless exactly one media of
    the account matches the post's caption and creation time."""
    try:
        recent = graph.recent_media(ig_user_id, RECENT_MEDIA_LIMIT)
    except GraphError as error:
        logger.warning("post %s: recent media not read: %s", post["id"], error)
        return None

    earliest = clock.parse(post["created_at"]) - CLOCK_SKEW
    caption = _words(post["caption"])
    matches = [
        str(media["id"])
        for media in recent
        if _words(media.get("caption")) == caption and _published_since(media, earliest)
    ]
    if len(matches) != 1:
        logger.warning(
            "post %s: %d of the account's %d newest media match its caption",
            post["id"],
            len(matches),
            len(recent),
        )
        return None
    return matches[0]


def _words(caption: Any) -> list[str]:
    # Compared word by word, in case Instagram normalizes whitespace.
    return str(caption or "").split()


def _published_since(media: dict[str, Any], earliest: datetime) -> bool:
    try:
        published = datetime.strptime(str(media.get("timestamp")), TIMESTAMP_FORMAT)
    except ValueError:
        return False
    return published >= earliest
