"""The single DB writer: one thread, a bounded queue, retries, and a spool so nothing is lost.

Disk full, a locked SQLite file or a lost PostgreSQL connection are logged and retried with
backoff; a command that still fails is appended to ``data_dir/spool/`` and replayed, in order,
as soon as the database answers again (and at the next start). While commands wait in the
spool, new ones queue behind them, so the database sees them in submission order.
``submit`` blocks at most ``submit_timeout_s``: past that, the command is spooled from the
caller's thread rather than stalling the video pipeline.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from sqlalchemy import exc as sa_exc

from vigie.errors import StoreError
from vigie.store.commands import Command, SetClip, SetEnded, decode_command, encode_command
from vigie.store.db import Database
from vigie.store.errors import AlertNotFoundError
from vigie.store.spool import Spool
from vigie.store.types import AlertRecord

__all__ = ["AlertWriter", "WriteResult", "WriterStats", "is_transient"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How a submitted command ended.

    Attributes:
        committed: True once in the database; False when spooled for a later replay.
        record: The alert, for commands about one, when committed.
        committed_at: ``time.monotonic()`` just after the commit (latency figures).
        committed_wall: Wall-clock time of the commit, UTC.
        attempts: Tries made before committing or spooling.
    """

    committed: bool
    record: AlertRecord | None = None
    committed_at: float | None = None
    committed_wall: datetime | None = None
    attempts: int = 0


@dataclass(slots=True)
class WriterStats:
    """Counters since the writer started."""

    committed: int = 0
    retried: int = 0
    spooled: int = 0
    replayed: int = 0
    rejected: int = 0


@dataclass(slots=True)
class _Item:
    command: Command
    future: Future[WriteResult] = field(default_factory=Future)


_STOP = object()

#: SQLSTATE classes and codes worth retrying: connection, resources (disk full), operator
#: intervention (shutdown), read-only transaction (failover), serialization and deadlock.
_TRANSIENT_SQLSTATES = ("08", "53", "57P", "25006", "40001", "40P01")


def is_transient(exc: BaseException) -> bool:
    """Whether a failed write may succeed if tried again later (locked, disk full, offline)."""
    if isinstance(exc, sa_exc.OperationalError | sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or ""
        return sqlstate.startswith(_TRANSIENT_SQLSTATES)
    return False


class AlertWriter:
    """Owns every write of the analysis side to the database.

    Args:
        db: The open, migrated database.
        data_dir: Data folder; the spool lives in ``data_dir/spool``.
        queue_size: Commands waiting at most, in memory.
        max_attempts: Tries per command before it is spooled.
        backoff_s: First wait between tries; doubles up to ``max_backoff_s``.
        max_backoff_s: Longest wait between tries.
        submit_timeout_s: Longest time ``submit`` waits for room in the queue.
        probe_interval_s: While the database is down, how often a replay is tried.

    Example:
        >>> writer = AlertWriter(db, data_dir)  # doctest: +SKIP
        >>> writer.submit(CreateAlert(new)).add_done_callback(on_stored)  # doctest: +SKIP
        >>> writer.close()  # drains the queue: nothing submitted is lost  # doctest: +SKIP
    """

    def __init__(self, db: Database, data_dir: Path, *, queue_size: int = 1024,
                 max_attempts: int = 5, backoff_s: float = 0.05, max_backoff_s: float = 2.0,
                 submit_timeout_s: float = 0.2, probe_interval_s: float = 2.0) -> None:
        self._db = db
        self.spool = Spool(data_dir / "spool")
        self._queue: queue.Queue[_Item | object] = queue.Queue(maxsize=queue_size)
        self._max_attempts = max_attempts
        self._backoff = (backoff_s, max_backoff_s)
        self._submit_timeout_s = submit_timeout_s
        self._probe_interval_s = probe_interval_s
        self._down_since: float | None = None
        self._closed = threading.Event()
        self.stats = WriterStats()
        self._thread = threading.Thread(target=self._run, name="vigie-db-writer")
        self._thread.start()

    def __enter__(self) -> AlertWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def submit(self, command: Command) -> Future[WriteResult]:
        """Queue a write; the future resolves once it is committed, or spooled.

        Callbacks added to the future run on the writer thread: keep them short.
        """
        item = _Item(command)
        if self._closed.is_set():
            log.warning("writer closed: %s spooled", command.type)
            self._spool_item(item, "submitted after close")
            return item.future
        try:
            self._queue.put(item, timeout=self._submit_timeout_s)
        except queue.Full:
            log.warning("write queue full (%d): %s spooled", self._queue.maxsize, command.type)
            self._spool_item(item, "queue full")
        return item.future

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is committed or spooled.

        Returns:
            False if ``timeout`` passed first.
        """
        if not self._thread.is_alive():
            return True
        done = threading.Event()
        marker: _Item = _Item(_Marker(done))
        self._queue.put(marker)
        return done.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting commands, write (or spool) everything queued, stop the thread."""
        if not self._closed.is_set():
            self._closed.set()
            self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.error("DB writer still busy after %.1f s; it keeps draining", timeout or 0)
        else:
            self.spool.close()

    @property
    def queued(self) -> int:
        """Commands waiting in memory."""
        return self._queue.qsize()

    # -- writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        self._guarded_replay(force=True)
        while True:
            try:
                item = self._queue.get(timeout=self._probe_interval_s)
            except queue.Empty:
                if not threading.main_thread().is_alive():
                    self._closed.set()
                    self._queue.put(_STOP)
                elif self._down_since is not None or self.spool.pending():
                    self._guarded_replay()
                continue
            if item is _STOP:
                if self._queue.empty():
                    return
                self._queue.put(_STOP)  # drain what was queued concurrently, then stop
                continue
            assert isinstance(item, _Item)
            try:
                self._handle(item)
            except Exception:  # a bug must not stop the writer nor lose the command
                log.exception("DB writer error on %s", item.command.type)
                if not item.future.done():
                    self._spool_item(item, "writer error")

    def _guarded_replay(self, *, force: bool = False) -> None:
        try:
            self._replay(force=force)
        except Exception:
            log.exception("spool replay failed; retried in %.1f s", self._probe_interval_s)
            self._down_since = time.monotonic()

    def _handle(self, item: _Item) -> None:
        if isinstance(item.command, _Marker):
            item.command.done.set()
            return
        if self.spool.pending() and not self._replay():
            self._spool_item(item, "database unavailable, earlier writes still spooled")
            return
        self._execute(item)

    def _execute(self, item: _Item) -> None:
        wait, max_wait = self._backoff
        error: Exception | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                record = item.command.apply(self._db)
            except AlertNotFoundError as exc:
                self._not_found(item, exc)
                return
            except Exception as exc:
                if not is_transient(exc):
                    self._reject(item, exc)
                    return
                error = exc
                self.stats.retried += 1
                log.warning("%s failed (try %d/%d): %s", item.command.type, attempt,
                            self._max_attempts, _short(exc))
                if attempt < self._max_attempts:
                    time.sleep(wait)
                    wait = min(wait * 2, max_wait)
                continue
            self._committed(item, record, attempt)
            return
        self._down_since = time.monotonic()
        self._spool_item(item, f"database unavailable: {_short(error)}")

    def _committed(self, item: _Item, record: AlertRecord | None, attempts: int) -> None:
        self.stats.committed += 1
        self._down_since = None
        item.future.set_result(WriteResult(
            committed=True, record=record, committed_at=time.monotonic(),
            committed_wall=datetime.now(UTC), attempts=attempts))

    def _not_found(self, item: _Item, exc: AlertNotFoundError) -> None:
        # An update about an alert whose creation is still spooled waits behind it.
        if isinstance(item.command, SetClip | SetEnded) and self.spool.pending():
            self._spool_item(item, str(exc))
        else:
            self._reject(item, exc)

    def _reject(self, item: _Item, exc: Exception) -> None:
        self.stats.rejected += 1
        log.error("%s refused by the database, kept in %s: %s", item.command.type,
                  self.spool.folder / "rejected.jsonl", _short(exc))
        try:
            self.spool.reject(encode_command(item.command), repr(exc))
        except OSError:
            log.critical("cannot keep refused %s: %r", item.command.type, item.command)
        item.future.set_exception(exc)

    def _spool_item(self, item: _Item, reason: str) -> None:
        try:
            self.spool.append({**encode_command(item.command), "reason": reason,
                               "spooled_at": datetime.now(UTC).isoformat()})
        except OSError as exc:
            log.critical("LOST WRITE %s: database and spool both failed (%s): %r",
                         item.command.type, exc, item.command)
            item.future.set_exception(StoreError(f"cannot write {item.command.type}: {exc}"))
            return
        self.stats.spooled += 1
        item.future.set_result(WriteResult(committed=False))

    def _replay(self, *, force: bool = False) -> bool:
        """Replay the spool in order; True when it is empty afterwards."""
        if not force and self._down_since is not None and \
                time.monotonic() - self._down_since < self._probe_interval_s:
            return False
        for seal in (False, True):  # older segments first, then the one still appended to
            for segment in self.spool.segments(seal=seal):
                if not self._replay_segment(segment):
                    self._down_since = time.monotonic()
                    return False
        self._down_since = None
        return True

    def _replay_segment(self, segment: Path) -> bool:
        for line_number, entry in self.spool.entries(segment):
            if not self._replay_entry(entry):
                return False
            self.spool.mark_done(segment, line_number)
        self.spool.remove(segment)
        return True

    def _replay_entry(self, entry: dict[str, object]) -> bool:
        """Apply one spooled command; False when the database is still unavailable."""
        try:
            decode_command(entry).apply(self._db)
        except Exception as exc:
            if is_transient(exc):
                log.info("spool replay paused, database still unavailable: %s", _short(exc))
                return False
            self.stats.rejected += 1
            log.error("spooled %s refused by the database: %s", entry.get("type"), _short(exc))
            self.spool.reject(entry, repr(exc))
            return True
        self.stats.replayed += 1
        return True


@dataclass(frozen=True, slots=True)
class _Marker:
    """A no-op command that ``flush`` queues to learn when the queue got past it."""

    type: ClassVar[str] = "flush"
    done: threading.Event

    def apply(self, db: Database) -> AlertRecord | None:  # pragma: no cover - never applied
        return None


def _short(exc: BaseException | None) -> str:
    text = str(exc).splitlines()[0] if exc is not None and str(exc) else repr(exc)
    return text[:300]
