"""The in-process worker: a Huey queue on SQLite, its consumer threads and the
scheduler tick.

The queue carries ids only; every task first claims its row in app.db, so a
task that runs twice does its work once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from huey import SqliteHuey, crontab
from huey.consumer import Consumer

from smartshare import clock, runs, scheduler
from smartshare.config import Settings
from smartshare.db import Database
from smartshare.publishing.service import publish_post
from smartshare.webhooks import worker as webhook_worker

logger = logging.getLogger(__name__)


class QuietConsumer(Consumer):
    """A consumer that leaves signal handling to the web server."""

    def _set_signal_handlers(self) -> None:
        pass


class Worker:
    """Owns the queue, the consumer and the tick thread of one SmartShare process."""

    def __init__(self, settings: Settings, db: Database, immediate: bool = False):
        self.settings = settings
        self.db = db
        self.huey = SqliteHuey(
            "smartshare",
            filename=str(settings.data_dir / "huey.db"),
            results=False,
            immediate=immediate,
            utc=True,
        )
        self.run_task = self.huey.task(name="run")(self.execute_run)
        self.publish_task = self.huey.task(name="publish")(self.publish)
        self.daily_task = self.huey.periodic_task(
            crontab(minute="17", hour="3"), name="daily"
        )(self.daily)
        self.extra_tick_steps: list = []
        self.extra_recover_steps: list = []
        webhook_worker.install(self)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.consumer: Consumer | None = None

    def execute_run(self, run_id: str) -> None:
        publish = runs.execute_run(self.db, self.settings, run_id)
        if publish is not None:
            self.publish_task(*publish)

    def publish(self, post_id: str, attempt: int) -> None:
        publish_post(self.db, self.settings, post_id, attempt)

    def daily(self) -> None:
        """Refresh Instagram tokens close to expiry and read missing permalinks."""
        from smartshare.publishing.permalinks import fill_missing_permalinks
        from smartshare.publishing.tokens import refresh_due_tokens

        refresh_due_tokens(self.db, self.settings)
        fill_missing_permalinks(self.db, self.settings)

    def tick(self, moment: datetime | None = None) -> None:
        """Queue due runs and publish attempts; called every few seconds."""
        moment = moment or clock.now()
        catch_up = self.settings["scheduler.catch_up_minutes"]
        for run_id in scheduler.claim_due(self.db, catch_up, moment):
            self.run_task(run_id)
        for post_id, attempt in scheduler.claim_due_posts(self.db, moment):
            self.publish_task(post_id, attempt)
        for step in self.extra_tick_steps:
            step(moment)

    def recover(self) -> None:
        """Queue again what the last process left unfinished."""
        self.huey.flush()
        pending = scheduler.recover_after_restart(self.db)
        if pending:
            logger.info("queueing %d unfinished run(s) again", len(pending))
        for run_id in pending:
            self.run_task(run_id)
        for step in self.extra_recover_steps:
            step()

    def start(self) -> None:
        self.recover()
        self.consumer = QuietConsumer(
            self.huey,
            workers=self.settings["scheduler.workers"],
            worker_type="thread",
            periodic=True,
            check_worker_health=False,
            max_delay=0.5,
            shutdown_timeout=3,
        )
        self.consumer.start()
        # Once at start-up too, so a process that was down at 03:17 UTC still
        # refreshes tokens that are about to expire.
        self.daily_task()
        self._ticker = threading.Thread(
            target=self._tick_loop, name="tick", daemon=True
        )
        self._ticker.start()
        logger.info(
            "worker started with %d thread(s)", self.settings["scheduler.workers"]
        )

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
        if self.consumer is not None:
            self.consumer.stop(graceful=True)
        logger.info("worker stopped")

    def _tick_loop(self) -> None:
        interval = self.settings["scheduler.tick_seconds"]
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("scheduler tick failed; retrying in %s s", interval)
            self._stop.wait(interval)
