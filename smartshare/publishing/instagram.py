"""The Instagram publisher: a post goes out as a container, then media_publish.

Every step can run again safely. The container id and the media id are each
committed to the post the moment Instagram returns them, in their own short
write, so the next attempt resumes from there. A container that is already
PUBLISHED is never published again.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from typing import Any

from smartshare import clock, posts, secretbox
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.publishing import recovery
from smartshare.publishing.base import Published, PublishError
from smartshare.publishing.graph import GraphClient, client_for
from smartshare.publishing.graph_errors import ErrorKind, GraphError, graph_error
from smartshare.publishing.public_url import check_public_url

logger = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 3.0
RETRY_SECONDS = 60
# content_publishing_limit does not say when the moving 24-hour window frees a
# slot, so a full quota is checked again after an hour.
QUOTA_RETRY_SECONDS = 3600
RETRYABLE = (ErrorKind.RETRY, ErrorKind.NOT_READY, ErrorKind.EXPIRED_CONTAINER)
# Meta puts an error subcode such as 2207001 in the status of an ERROR container.
STATUS_SUBCODE = re.compile(r"\b(\d{7})\b")


def publish(
    db: Database,
    settings: Settings,
    post: dict[str, Any],
    account: dict[str, Any],
    poll_interval: float | None = None,
) -> Published:
    """Publish the post to the account, resuming from the ids already stored."""
    reason = check_public_url(settings["server.public_url"])
    if reason is not None:
        raise PublishError(reason)
    token = access_token(settings, account)

    interval = POLL_INTERVAL_SECONDS if poll_interval is None else poll_interval
    with client_for(settings, token, account["username"]) as graph:
        attempt = Attempt(db, settings, graph, post, account, interval)
        try:
            return attempt.run()
        except GraphError as error:
            raise publish_error(error, post["publish_attempts"]) from None


def access_token(settings: Settings, account: dict[str, Any]) -> str:
    """Return the account's decrypted token, or raise a reconnect PublishError."""
    name = account["username"]
    if account["state"] == "reconnect_required":
        problem = f"@{name} needs to be reconnected"
    elif not account["access_token"] or not account["ig_user_id"]:
        problem = f"@{name} has no Instagram access token"
    elif _expired(account["token_expires_at"]):
        problem = (
            f"the access token of @{name} expired at {account['token_expires_at']}"
        )
    else:
        try:
            return secretbox.decrypt(settings.secret_key, account["access_token"])
        except secretbox.SecretUnreadable as error:
            problem = f"the access token of @{name} cannot be read ({error})"
    raise PublishError(
        f"Publishing failed because {problem}. Reconnect the account in Settings, "
        "then retry the post.",
        reconnect=True,
    )


def _expired(expires_at: str | None) -> bool:
    return expires_at is not None and clock.parse(expires_at) <= clock.now()


def publish_error(error: GraphError, attempt: int) -> PublishError:
    """Turn a failed Graph API call into the outcome of a publish attempt."""
    if error.kind is ErrorKind.RECONNECT:
        return PublishError(error.user_message, reconnect=True)
    if error.kind is ErrorKind.QUOTA:
        return PublishError(error.user_message, retry_in=QUOTA_RETRY_SECONDS)
    if error.kind in RETRYABLE:
        if error.max_retries is not None and attempt >= error.max_retries:
            return PublishError(
                f"{error.user_message} Publishing stopped after {attempt} attempts."
            )
        return PublishError(error.user_message, retry_in=RETRY_SECONDS)
    return PublishError(error.user_message)


def container_error(account: str, post_id: str, status_text: str) -> PublishError:
    """Describe a container whose status_code is ERROR, retrying when its
    subcode means a temporary fault."""
    operation = "Processing the image"
    match = STATUS_SUBCODE.search(status_text)
    if match is not None:
        error = graph_error(
            operation, account, subcode=int(match[1]), message=status_text
        )
        message = f"{error.user_message} The container status was: {status_text}"
        if error.kind is ErrorKind.RETRY:
            return PublishError(message, retry_in=RETRY_SECONDS)
        if error.kind is not ErrorKind.UNKNOWN:
            return PublishError(message)

    details = status_text or "no details"
    return PublishError(
        f"{operation} for @{account} failed because Instagram ended the media "
        f"container of post {post_id} with status ERROR ({details}). "
        "Retry the post to upload the image again, and check the image if it fails "
        "again."
    )


class Attempt:
    """One publish attempt of one post. Polling the container status lasts at
    most instagram.publish_timeout_seconds."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        graph: GraphClient,
        post: dict[str, Any],
        account: dict[str, Any],
        poll_interval: float,
    ):
        self.db = db
        self.settings = settings
        self.graph = graph
        self.post = post
        self.ig_user_id = account["ig_user_id"]
        self.container_id: str | None = post["container_id"]
        self.poll_interval = poll_interval
        self.status_text = ""
        self.timeout = settings["instagram.publish_timeout_seconds"]
        self.deadline = time.monotonic() + self.timeout

    def run(self) -> Published:
        if self.post["instagram_media_id"]:
            return self._published(self.post["instagram_media_id"])

        status = None
        if self.container_id is not None:
            status = self._status()
            if status == "PUBLISHED":
                return self._recover()

        self._check_quota()
        return self._publish(status)

    def _publish(self, status: str | None) -> Published:
        replaced = False
        while True:
            if self.container_id is None:
                self._create_container()
                status = None
            status = self._settle(status)
            if status == "PUBLISHED":
                return self._recover()
            if status == "FINISHED":
                try:
                    return self._published(self._media_publish())
                except GraphError as error:
                    status = self._status_after(error)
                if status is None:
                    continue

            # EXPIRED: Instagram keeps an unpublished container for 24 hours.
            if replaced:
                raise PublishError(
                    f"Instagram expired two media containers of post "
                    f"{self.post['id']} in one attempt.",
                    retry_in=RETRY_SECONDS,
                )
            self._forget_container()
            replaced = True

    def _check_quota(self) -> None:
        usage, total = self.graph.publishing_quota(self.ig_user_id)
        if usage < total:
            return
        raise PublishError(
            f"@{self.graph.account} has published {usage} of the {total} posts "
            "Instagram allows in a moving 24-hour window.",
            retry_in=QUOTA_RETRY_SECONDS,
        )

    def _create_container(self) -> None:
        image_url = posts.image_url(self.settings, self.post["id"], None)
        caption = self.post["caption"]
        self.container_id = self.graph.create_container(
            self.ig_user_id, image_url, caption
        )
        self._store("container_id", self.container_id)
        logger.info("post %s: container %s created", self.post["id"], self.container_id)

    def _status(self) -> str:
        status_code, self.status_text = self.graph.container_status(self.container_id)
        return status_code

    def _settle(self, status: str | None) -> str:
        """Poll until the container is FINISHED, EXPIRED or PUBLISHED."""
        while True:
            if status is None:
                status = self._status()
            if status == "ERROR":
                self._container_failed()
            if status in ("FINISHED", "EXPIRED", "PUBLISHED"):
                return status
            self._pause(status)
            status = None

    def _pause(self, status: str) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PublishError(
                f"Instagram's container {self.container_id} of post "
                f"{self.post['id']} was still {status} after {self.timeout:g} s.",
                retry_in=RETRY_SECONDS,
            )
        time.sleep(min(self.poll_interval, remaining))

    def _container_failed(self) -> None:
        # Forget the failed container so that the next attempt uploads again.
        self._forget_container()
        raise container_error(self.graph.account, self.post["id"], self.status_text)

    def _media_publish(self) -> str:
        media_id = self.graph.publish(self.ig_user_id, self.container_id)
        self._store_media_id(media_id)
        return media_id

    def _status_after(self, error: GraphError) -> str | None:
        """Return the container status that a failed media_publish implies: None
        (poll again) or EXPIRED. Raise for any other error."""
        if error.kind is ErrorKind.NOT_READY:
            self._pause("not ready")
            return None
        if error.kind is ErrorKind.EXPIRED_CONTAINER:
            return "EXPIRED"
        if error.kind is ErrorKind.UNKNOWN:
            # The post may be live although the response was not understood.
            # Retrying is safe because the next attempt reads the container
            # status before it publishes.
            raise PublishError(error.user_message, retry_in=RETRY_SECONDS) from None
        raise error

    def _recover(self) -> Published:
        media_id = recovery.find_media_id(self.graph, self.ig_user_id, self.post)
        if media_id is None:
            logger.warning(
                "post %s: container %s is PUBLISHED but its media was not found; "
                "marking the post published without a media id",
                self.post["id"],
                self.container_id,
            )
            return Published(media_id=None)

        self._store_media_id(media_id)
        return self._published(media_id)

    def _published(self, media_id: str) -> Published:
        permalink = self.post["permalink"] or self.graph.permalink(media_id)
        return Published(media_id=media_id, permalink=permalink)

    def _forget_container(self) -> None:
        self.container_id = None
        self._store("container_id", None)

    def _store_media_id(self, media_id: str) -> None:
        try:
            self._store("instagram_media_id", media_id)
        except sqlite3.Error as error:
            # The post is live. Marking it published writes the id once more.
            logger.error(
                "post %s: storing media id %s failed: %s",
                self.post["id"],
                media_id,
                error,
            )

    def _store(self, column: str, value: str | None) -> None:
        with self.db.write() as conn:
            conn.execute(
                f"UPDATE posts SET {column} = ?, updated_at = ? WHERE id = ?",
                (value, clock.now_db(), self.post["id"]),
            )
