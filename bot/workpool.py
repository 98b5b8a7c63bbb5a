"""The one thread pool that does the bot's work after an ack, counted so a graceful stop can wait for it.

Bolt runs every listener on it (``listener_executor``), so acks never wait for work, and each job
runs in the log context (request id) of the request that started it.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future, ThreadPoolExecutor


class WorkPool(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` that knows how many jobs are queued or running."""

    def __init__(self, max_workers: int, name: str = "work"):
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def submit(self, fn, /, *args, **kwargs) -> Future:
        context = contextvars.copy_context()
        with self._idle:
            self._in_flight += 1

        def run():
            try:
                return context.run(fn, *args, **kwargs)
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._idle.notify_all()

        try:
            return super().submit(run)
        except RuntimeError:  # shut down: the job never runs
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
            raise

    def drain(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False if some still are after ``timeout`` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)
