"""Runs: one execution of an automation for one slot, from generation to a post.

A run has no outside effect until its post is stored, so a run cut short by a
crash is simply executed again. The post, its event and the run's outcome are
committed in one transaction.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from smartshare import automations, clock, events, posts
from smartshare.captions import CaptionError, assemble_caption
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.errors import Conflict
from smartshare.generation import caption_provider, image_provider
from smartshare.generation.base import GenerationError, GenerationRequest
from smartshare.publishing.media import MediaError, prepare_image

logger = logging.getLogger(__name__)
POST_NAMESPACE = uuid.UUID("5d3c3f5e-8f0c-4b8e-9a4f-6b1d2c7e9a10")


def queue_manual_run(db: Database, user_id: str, automation_id: str) -> str:
    """Record a run for now; it does not move next_scheduled_at.

    Two manual runs in the same millisecond get slots one millisecond apart,
    because a run is unique per (automation, slot).
    """
    automation = automations.get_automation(db, user_id, automation_id)
    run_id = str(uuid.uuid4())
    moment = clock.now()
    with db.write() as conn:
        for offset in range(100):
            slot = clock.to_db(moment + timedelta(milliseconds=offset))
            inserted = conn.execute(
                "INSERT OR IGNORE INTO runs (id, automation_id, user_id, "
                "scheduled_for, trigger, status, created_at) "
                "VALUES (?, ?, ?, ?, 'manual', 'queued', ?)",
                (run_id, automation["id"], user_id, slot, clock.to_db(moment)),
            ).rowcount
            if inserted:
                return run_id
    raise Conflict("Too many runs of this automation were queued at once; retry.")


def list_runs(db: Database, user_id: str, automation_id: str, limit: int = 50):
    automation = automations.get_automation(db, user_id, automation_id)
    return db.all(
        "SELECT * FROM runs WHERE automation_id = ? "
        "ORDER BY scheduled_for DESC, created_at DESC LIMIT ?",
        (automation["id"], limit),
    )


def to_api(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "automation_id": run["automation_id"],
        "scheduled_for": clock.to_api(run["scheduled_for"]),
        "trigger": run["trigger"],
        "status": run["status"],
        "started_at": clock.to_api(run["started_at"]),
        "finished_at": clock.to_api(run["finished_at"]),
        "error": run["error"],
        "post_id": run["post_id"],
    }


def execute_run(
    db: Database, settings: Settings, run_id: str
) -> tuple[str, int] | None:
    """Generate and store the post of a queued run.

    Returns (post id, attempt number) when the post should be published now.
    """
    claimed = _claim(db, run_id)
    if claimed is None:
        return None
    run, automation = claimed
    started = time.monotonic()
    try:
        post = _generate(db, settings, run, automation)
    except (GenerationError, MediaError, CaptionError) as error:
        _fail(db, run, automation, error.message)
        logger.warning(
            "run %s of automation %s failed in %.1f s: %s",
            run_id,
            automation["id"],
            time.monotonic() - started,
            error.message,
        )
        return None

    publish = _store(db, run, automation, post)
    logger.info(
        "run %s of automation %s created post %s in %.1f s",
        run_id,
        automation["id"],
        post["id"],
        time.monotonic() - started,
    )
    return publish


def _claim(db: Database, run_id: str):
    moment = clock.now_db()
    with db.write() as conn:
        claimed = conn.execute(
            "UPDATE runs SET status = 'running', started_at = ? "
            "WHERE id = ? AND status = 'queued' RETURNING *",
            (moment, run_id),
        ).fetchone()
        if claimed is None:
            return None
        automation = conn.execute(
            "SELECT * FROM automations WHERE id = ?", (claimed["automation_id"],)
        ).fetchone()
        conn.execute(
            "UPDATE automations SET status = 'running' WHERE id = ?",
            (claimed["automation_id"],),
        )
    return dict(claimed), dict(automation)


def _generate(db, settings, run, automation) -> dict[str, Any]:
    request = GenerationRequest(
        general_description=automation["general_description"],
        prompt_details=automation["prompt_details"],
        negative_prompt=automation["negative_prompt"],
        mandatory_caption_or_hashtags=automation["mandatory_caption_or_hashtags"],
        generate_extra_hashtags=bool(automation["generate_extra_hashtags"]),
        seed=run["id"],
    )
    image = image_provider(settings).generate_image(request)
    caption = caption_provider(settings).generate_caption(request)
    post_id = str(uuid.uuid5(POST_NAMESPACE, run["id"]))
    path = posts.write_image(settings, post_id, prepare_image(image.data))
    text = assemble_caption(
        caption.text,
        automation["mandatory_caption_or_hashtags"],
        caption.hashtags if automation["generate_extra_hashtags"] else [],
        settings["instagram.max_hashtags"],
    )
    return {"id": post_id, "caption": text, "image_path": path}


def _store(db, run, automation, post) -> tuple[str, int] | None:
    moment = clock.now_db()
    auto_publish = not automation["requires_approval"]
    with db.write() as conn:
        posts.insert_post(conn, run, automation, post, publishing=auto_publish)
        events.record(
            conn,
            automation["user_id"],
            events.POST_CREATED,
            {"automationId": automation["id"], "createdPostId": post["id"]},
        )
        _finish(conn, run, "succeeded", None, post["id"], moment)
        conn.execute(
            "UPDATE automations SET status = 'idle', last_error = NULL, "
            "last_run_at = ? WHERE id = ?",
            (moment, automation["id"]),
        )
    return (post["id"], 1) if auto_publish else None


def _fail(db, run, automation, message: str) -> None:
    moment = clock.now_db()
    with db.write() as conn:
        _finish(conn, run, "failed", message, None, moment)
        conn.execute(
            "UPDATE automations SET status = 'error', last_error = ?, last_run_at = ? "
            "WHERE id = ?",
            (message, moment, automation["id"]),
        )
        events.record(
            conn,
            automation["user_id"],
            events.RUN_FAILED,
            {"automationId": automation["id"], "runId": run["id"], "error": message},
        )


def _finish(conn, run, status, error, post_id, moment) -> None:
    conn.execute(
        "UPDATE runs SET status = ?, error = ?, post_id = ?, finished_at = ? "
        "WHERE id = ?",
        (status, error, post_id, moment, run["id"]),
    )
