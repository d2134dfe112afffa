"""The result type and the error type shared by every publisher."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    """A published post. `media_id` is None when the post is live but its id
    could not be recovered after an interrupted attempt."""

    media_id: str | None
    permalink: str | None = None


class PublishError(Exception):
    """A failed publish attempt.

    `retry_in` is the number of seconds to wait before the next attempt, or None
    when retrying cannot help (the user must fix the input or act in Instagram).
    `reconnect` marks the account as needing reconnection.
    """

    def __init__(
        self, message: str, retry_in: float | None = None, reconnect: bool = False
    ):
        super().__init__(message)
        self.message = message
        self.retry_in = retry_in
        self.reconnect = reconnect
