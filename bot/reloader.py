"""Playbooks that reload without a restart: on a file change (polled) or on demand (SIGHUP).

A change is checked as ``lint`` checks it (schema, patterns RE2 can run, every example resolving to
its playbook, no counterexample to it, Chinese for every step); a change that fails is refused with
each problem's file and line in the log, and the bot keeps answering from the last good knowledge base.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.knowledge import SHIPPED_DIR, KnowledgeBase
from bot.lint import check
from bot.matcher import Matcher
from bot.playbook import PlaybookLoadError

log = logging.getLogger(__name__)


def fingerprint(folder: Path) -> tuple:
    """Changes whenever a playbook file is added, removed, renamed or written."""
    entries = []
    for path in folder.rglob("*.yaml"):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


class LiveKnowledge:
    """Call it for the current matcher; ``reload()`` swaps in a new one only if it loads cleanly."""

    def __init__(self, folder: str | Path | None = None, on_reload: Callable[[bool], None] | None = None):
        self.folder = Path(folder) if folder else SHIPPED_DIR
        self._on_reload = on_reload or (lambda ok: None)
        self._lock = threading.Lock()
        self._stamp = fingerprint(self.folder)
        self._matcher = Matcher(KnowledgeBase.load(self.folder))
        self._stop = threading.Event()

    def __call__(self) -> Matcher:
        return self._matcher

    def reload(self) -> bool:
        """Load the folder again; keep the current knowledge base if the new one has errors."""
        with self._lock:
            self._stamp = fingerprint(self.folder)
            try:
                kb = KnowledgeBase.load(self.folder)
                matcher = Matcher(kb)
                errors = check(kb, matcher)[0]
            except PlaybookLoadError as exc:
                errors = exc.errors
            if errors:
                for error in errors:
                    log.error("playbook change refused, still serving the last good knowledge base: %s", error)
                self._on_reload(False)
                return False
            self._matcher = matcher
        log.info("playbooks reloaded: %d playbooks from %s", len(kb), self.folder)
        self._on_reload(True)
        return True

    def watch(self, interval_s: float = 2.0) -> None:
        """Poll the folder in a daemon thread and reload when it changes; an error is logged, never fatal."""

        def loop():
            while not self._stop.wait(interval_s):
                try:
                    if fingerprint(self.folder) != self._stamp:
                        self.reload()
                except Exception:  # e.g. a file vanishing mid-save: log it, look again next time
                    log.exception("watching %s failed; still watching", self.folder)

        threading.Thread(target=loop, daemon=True, name="playbook-watch").start()

    def stop(self) -> None:
        self._stop.set()
