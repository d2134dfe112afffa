"""Webhook delivery in the worker: a tick step, a Huey task and a recovery step.

Deliveries share the Huey consumer threads with run and publish tasks, under
two limits that keep one receiver from holding up the rest:

- At most one delivery per endpoint is queued or sending at a time. A slow or
  dead receiver then occupies at most one thread, one attempt at a time, with
  webhooks.timeout limiting each phase of an attempt. Endpoints whose last
  attempt failed are claimed after the healthy ones.
- At most half of the consumer threads (at least one) carry deliveries, since
  no more deliver tasks than that are ever queued or running. The other threads
  are left to run and publish tasks, except with scheduler.workers = 1, where
  the one thread is shared.

Each finished attempt claims the next due deliveries at once, so a burst of
events drains at the receivers' pace rather than one attempt per tick.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from smartshare import clock
from smartshare.webhooks import claims, delivery
from smartshare.webhooks.dispatch import dispatch_events
from smartshare.webhooks.redelivery import recover_in_flight

if TYPE_CHECKING:
    from smartshare.jobs import Worker

logger = logging.getLogger(__name__)


class DeliveryQueue:
    """Moves due deliveries onto the worker's Huey queue, within the limits above."""

    def __init__(self, worker: Worker) -> None:
        self.db = worker.db
        self.settings = worker.settings
        self.max_in_flight = max(1, worker.settings["scheduler.workers"] // 2)
        self.task = worker.huey.task(name="deliver")(self.deliver)
        self._local = threading.local()

    def tick(self, moment: datetime) -> None:
        dispatch_events(self.db, moment)
        self.enqueue_due(moment)

    def deliver(self, delivery_id: str, attempt: int) -> None:
        delivery.deliver(self.db, self.settings, delivery_id, attempt)
        self.enqueue_due(clock.now())

    def enqueue_due(self, moment: datetime) -> None:
        """Claim due deliveries up to the limits and enqueue a task for each."""
        # In Huey's immediate mode a task runs inside self.task(), and its own
        # call here would recurse once per due delivery. The outer call already
        # covers what is due, so the inner one returns.
        if getattr(self._local, "enqueueing", False):
            return
        self._local.enqueueing = True
        try:
            for delivery_id, attempt in claims.claim_due(
                self.db, moment, self.max_in_flight
            ):
                self.task(delivery_id, attempt)
        finally:
            self._local.enqueueing = False

    def recover(self) -> None:
        count = recover_in_flight(self.db)
        if count:
            logger.info("sending %d interrupted webhook deliveries again", count)


def install(worker: Worker) -> DeliveryQueue:
    """Register the deliver task, the tick step and the recovery step."""
    queue = DeliveryQueue(worker)
    worker.extra_tick_steps.append(queue.tick)
    worker.extra_recover_steps.append(queue.recover)
    return queue
