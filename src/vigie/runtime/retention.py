"""RetentionScheduler: the purge of expired data, inside `vigie run`, at start and periodically."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from vigie.store import Database
from vigie.store.retention import PurgeReport, RetentionPolicy, purge

__all__ = ["RetentionScheduler"]

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RetentionScheduler:
    """Purge at start, then every ``interval_s``, in a daemon thread, until :meth:`stop`.

    Args:
        db: The site database.
        data_dir: The site's data folder.
        policy: Retention periods.
        interval_s: Seconds between purges.
        clock: The current time (injected by tests).
    """

    def __init__(self, db: Database, data_dir: Path, policy: RetentionPolicy,
                 interval_s: float, clock: Callable[[], datetime] = _utcnow) -> None:
        self._db = db
        self._data_dir = data_dir
        self._policy = policy
        self._interval_s = interval_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vigie-retention", daemon=True)
        self.last: PurgeReport | None = None
        self.runs = 0

    def start(self) -> None:
        """Start the thread (the first purge runs at once)."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the purge in progress, if any."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last = purge(self._db, self._data_dir, self._policy, now=self._clock())
            except Exception:  # the next run retries; analysis must go on
                log.exception("retention purge failed")
            self.runs += 1
            self._stop.wait(self._interval_s)
