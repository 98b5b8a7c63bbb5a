"""Works the store's inbox: leases the jobs taken in (by this replica or any other) and answers them.

Nothing is lost: a job leaves the inbox only once it is answered (or given up on, which is logged and
counted). A job whose work fails for a passing reason (``Retry``: Slack rate limits, server errors, a
dropped connection) goes back to the inbox with exponential backoff, a bounded number of times. A job
leased by a replica that died comes back when its lease runs out, to whichever replica asks first.

One dispatcher thread leases jobs while the work pool has room, woken when a job is taken in here and
every ``POLL_S`` for jobs taken in elsewhere, retries come due and leases run out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from bot.metrics import Metrics
from bot.settings import IntakeSettings
from bot.store import Job, Store
from bot.workpool import WorkPool

log = logging.getLogger(__name__)
POLL_S = 0.25
"""Seconds between two looks at the inbox when nothing here woke the dispatcher."""
BACKOFF_CAP_S = 300.0
"""The longest wait between two attempts."""


class Retry(Exception):
    """The work failed for a reason that passes (rate limit, server error, dropped connection): try again later.

    ``uncertain``: the failed call may have taken effect (a time-out or a dropped connection after a
    post), so the next attempt looks for the answer before posting it.
    """

    def __init__(self, reason: str, uncertain: bool = False):
        super().__init__(reason)
        self.reason, self.uncertain = reason, uncertain


class Intake:
    """Takes jobs in (before the ack) and feeds them to the work pool; ``work`` answers one job."""

    def __init__(self, store: Store, pool: WorkPool, work: Callable[[Job], None], metrics: Metrics,
                 settings: IntakeSettings, capacity: int):  # fmt: skip
        self.store, self.pool, self.work, self.metrics, self.settings = store, pool, work, metrics, settings
        self.capacity = capacity
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def take_in(self, job: Job) -> bool:
        """Write ``job`` to the inbox (the caller acks after this); False for a repeat of a job taken in already."""
        new = self.store.enqueue(job)
        if new:
            self._wake.set()
        return new

    def start(self) -> None:
        self._thread = threading.Thread(target=self._dispatch, name="intake", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Lease nothing more; jobs already leased finish on the pool, the rest wait in the inbox."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def idle(self, timeout: float) -> bool:
        """Wait until the inbox is empty and the pool has nothing left; False if that takes over ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.store.backlog() or self.pool.in_flight:
            if time.monotonic() >= deadline:
                return False
            self._wake.set()
            time.sleep(0.01)
        return True

    def _dispatch(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(POLL_S)
            self._wake.clear()
            try:
                while not self._stopped.is_set() and self.pool.in_flight < self.capacity:
                    job = self.store.lease(self.owner, self.settings.lease_s)
                    if job is None:
                        break
                    self.pool.submit(self._work, job)
            except Exception:  # a store bug must not end the dispatcher: the next look may succeed
                log.exception("could not lease from the inbox")

    def _work(self, job: Job) -> None:
        try:
            self.work(job)
        except Retry as failed:
            self._retry(job, failed)
        except Exception:
            log.exception("giving up on %s: its work failed", job.key)
            self.metrics.intake.labels(outcome="failed").inc()
            self.store.finish(job)
        else:
            self.store.finish(job)
            self.metrics.intake.labels(outcome="done").inc()
        finally:
            self._wake.set()  # the next job of its paste, if any, may go now

    def _retry(self, job: Job, failed: Retry) -> None:
        attempt = job.attempt + 1
        if attempt >= self.settings.attempts:
            log.error("giving up on %s after %d attempts: %s", job.key, attempt, failed.reason)
            self.metrics.intake.labels(outcome="given_up").inc()
            self.store.finish(job)
            return
        delay = min(BACKOFF_CAP_S, self.settings.retry_s * 2 ** (attempt - 1))
        log.warning("%s failed (%s); attempt %d of %d in %.1f s", job.key, failed.reason, attempt + 1,
                    self.settings.attempts, delay)  # fmt: skip
        self.metrics.intake.labels(outcome="retried").inc()
        self.store.retry(replace(job, attempt=attempt, uncertain=job.uncertain or failed.uncertain), delay)
