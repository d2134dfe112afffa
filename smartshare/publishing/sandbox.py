"""The sandbox publisher: writes each post to data/outbox/<username>/.

It lets a fresh install run the whole pipeline without Meta credentials.
Writing the same post twice replaces the same two files, so a retry is harmless.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from smartshare.config import Settings
from smartshare.publishing.base import Published, PublishError


def outbox_dir(settings: Settings, username: str) -> Path:
    return settings.data_dir / "outbox" / username


def publish(db, settings: Settings, post: dict[str, Any], account: dict[str, Any]):
    folder = outbox_dir(settings, account["username"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _replace(folder / f"{post['id']}.txt", post["caption"].encode())
        image = settings.data_dir / post["image_path"]
        shutil.copyfile(image, folder / f"{post['id']}.jpg.tmp")
        os.replace(folder / f"{post['id']}.jpg.tmp", folder / f"{post['id']}.jpg")
    except OSError as error:
        raise PublishError(
            f"Writing to the sandbox outbox {folder} failed: {error.strerror}.",
            retry_in=60,
        ) from None
    return Published(media_id=f"sandbox-{post['id']}")


def _replace(target: Path, data: bytes) -> None:
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
