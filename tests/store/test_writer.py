"""The single DB writer: retries on a locked database, spools when unwritable, replays, drains."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from vigie.store import (
    AlertRepository,
    AlertWriter,
    AppendAudit,
    CameraRepository,
    ClipStatus,
    CountRepository,
    CreateAlert,
    Database,
    HealthState,
    IncrementCount,
    RecordHealth,
    SetClip,
    SetEnded,
    open_database,
)
from vigie.store.commands import Command, decode_command, encode_command
from vigie.store.models import Count

from .helpers import T0, cameras, new_alert

FAST = {"backoff_s": 0.01, "max_backoff_s": 0.05, "probe_interval_s": 0.05}


class ReadOnlySwitch:
    """Makes every transaction of an engine read-only while ``on`` (SQLITE_READONLY)."""

    def __init__(self, db: Database) -> None:
        self.on = False

        @event.listens_for(db.engine, "checkout")
        def _checkout(dbapi_connection: sqlite3.Connection, *_: object) -> None:
            dbapi_connection.execute(f"PRAGMA query_only = {int(self.on)}")


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    """A migrated SQLite database with cameras, whose lock waits are short (50 ms)."""
    db = open_database(sqlite_url, busy_timeout_s=0.05)
    CameraRepository(db).upsert_from_config(cameras("hall", "yard"))
    yield db
    db.close()


def _wait_for(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_future_carries_the_stored_alert(sqlite_db: Database, tmp_path: Path) -> None:
    with AlertWriter(sqlite_db, tmp_path) as writer:
        before = time.monotonic()
        result = writer.submit(CreateAlert(new_alert())).result(timeout=5)
    assert result.committed
    assert result.record is not None
    assert result.record.id == AlertRepository(sqlite_db).list()[0].id
    assert result.committed_at is not None
    assert result.committed_at >= before
    assert result.attempts == 1


def test_locked_database_is_retried_until_released(sqlite_db: Database, tmp_path: Path) -> None:
    locker = sqlite3.connect(sqlite_db.url.database or "", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    with AlertWriter(sqlite_db, tmp_path, max_attempts=100, **FAST) as writer:
        future = writer.submit(CreateAlert(new_alert()))
        time.sleep(0.5)
        assert not future.done()
        locker.execute("ROLLBACK")
        result = future.result(timeout=5)
    locker.close()
    assert result.committed
    assert result.attempts > 1
    assert writer.stats.retried >= 1
    assert writer.stats.spooled == 0
    assert AlertRepository(sqlite_db).count() == 1


def test_unwritable_database_spools_then_replays(sqlite_db: Database, tmp_path: Path) -> None:
    switch = ReadOnlySwitch(sqlite_db)
    switch.on = True
    alerts = AlertRepository(sqlite_db)
    with AlertWriter(sqlite_db, tmp_path, max_attempts=2, **FAST) as writer:
        new = new_alert()
        created = writer.submit(CreateAlert(new)).result(timeout=5)
        clip = writer.submit(SetClip(new.uuid, "evidence/x.webm", ClipStatus.READY)).result(5)
        assert not created.committed
        assert not clip.committed
        assert writer.spool.pending()
        assert alerts.count() == 0
        spooled = [json.loads(line)["type"] for seg in sorted((tmp_path / "spool").glob("*.jsonl"))
                   for line in seg.read_text().splitlines()]
        assert spooled == ["create_alert", "set_clip"]
        switch.on = False
        assert _wait_for(lambda: alerts.count() == 1)
        assert _wait_for(lambda: alerts.get(new.uuid).clip_status is ClipStatus.READY)
    assert not writer.spool.pending()
    assert writer.stats.replayed == 2


def test_spool_is_replayed_at_next_start(sqlite_db: Database, tmp_path: Path) -> None:
    switch = ReadOnlySwitch(sqlite_db)
    switch.on = True
    with AlertWriter(sqlite_db, tmp_path, max_attempts=1, **FAST) as writer:
        writer.submit(CreateAlert(new_alert()))
        writer.submit(IncrementCount("hall", "door", "door", "in", T0))
    assert writer.stats.spooled == 2
    switch.on = False
    with AlertWriter(sqlite_db, tmp_path, **FAST) as writer:
        writer.flush(timeout=5)
    assert writer.stats.replayed == 2
    assert AlertRepository(sqlite_db).count() == 1
    assert CountRepository(sqlite_db).series("hall", T0 - timedelta(hours=1), T0)[0].count == 1


def test_close_drains_everything(sqlite_db: Database, tmp_path: Path) -> None:
    writer = AlertWriter(sqlite_db, tmp_path, queue_size=10_000)
    for i in range(300):
        writer.submit(IncrementCount("hall", "door", "door", "in", T0 + timedelta(seconds=i)))
    writer.close()
    with sqlite_db.read() as session:
        assert session.scalar(select(func.sum(Count.count))) == 300
    assert writer.stats.committed == 300


def test_full_queue_spools_instead_of_blocking(sqlite_db: Database, tmp_path: Path) -> None:
    locker = sqlite3.connect(sqlite_db.url.database or "", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    writer = AlertWriter(sqlite_db, tmp_path, queue_size=1, submit_timeout_s=0.01,
                         max_attempts=1000, **FAST)
    started = time.monotonic()
    futures = [writer.submit(CreateAlert(new_alert(minutes=i))) for i in range(5)]
    assert time.monotonic() - started < 1.0
    assert writer.stats.spooled >= 1
    locker.execute("ROLLBACK")
    locker.close()
    writer.close()
    assert all(f.done() for f in futures)
    assert AlertRepository(sqlite_db).count() == 5


def test_refused_command_is_kept_aside(sqlite_db: Database, tmp_path: Path) -> None:
    with AlertWriter(sqlite_db, tmp_path) as writer:
        future = writer.submit(IncrementCount("unknown-camera", "r", "n", "in", T0))
        assert isinstance(future.exception(timeout=5), Exception)
    rejected = (tmp_path / "spool" / "rejected.jsonl").read_text().splitlines()
    assert json.loads(rejected[0])["entry"]["data"]["camera_id"] == "unknown-camera"
    assert writer.stats.rejected == 1


def test_writer_finishes_after_the_main_thread(sqlite_db: Database, tmp_path: Path) -> None:
    """Without close(), queued writes still land once the submitting thread is gone."""
    writer = AlertWriter(sqlite_db, tmp_path)
    submitter = threading.Thread(target=lambda: writer.submit(CreateAlert(new_alert())))
    submitter.start()
    submitter.join()
    writer.flush(timeout=5)
    writer.close()
    assert AlertRepository(sqlite_db).count() == 1


COMMANDS: list[Command] = [
    CreateAlert(new_alert(clip_path="c.webm")),
    SetClip(new_alert().uuid, "c.webm", ClipStatus.FAILED),
    SetEnded(new_alert().uuid, T0, (1, 2)),
    RecordHealth("hall", HealthState.DOWN, T0, "no frame"),
    IncrementCount("hall", "door", "door", "in", T0, 3),
    AppendAudit("op1", "camera.stop", "camera:hall", T0, {"reason": "x"}),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c.type for c in COMMANDS])
def test_commands_round_trip_through_json(command: Command) -> None:
    entry = json.loads(json.dumps(encode_command(command)))
    assert decode_command(entry) == command


EXIT_WITHOUT_CLOSE = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from vigie.store import AlertWriter, IncrementCount, open_database
db = open_database(sys.argv[1])
writer = AlertWriter(db, Path(sys.argv[2]), queue_size=10_000, probe_interval_s=0.1)
for i in range(500):
    writer.submit(IncrementCount("hall", "door", "door", "in", datetime.now(UTC)))
raise KeyboardInterrupt  # Ctrl-C, and nobody calls close()
"""


def test_ctrl_c_without_close_loses_nothing(sqlite_db: Database, tmp_path: Path) -> None:
    url = sqlite_db.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", EXIT_WITHOUT_CLOSE, url, str(tmp_path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert "KeyboardInterrupt" in done.stderr
    with sqlite_db.read() as session:
        assert session.scalar(select(func.sum(Count.count))) == 500


@pytest.mark.postgres
def test_lost_postgres_connections_are_survived(pg_db: Database, tmp_path: Path) -> None:
    """The server drops every connection (restart, failover): the next writes still land."""
    with AlertWriter(pg_db, tmp_path, **FAST) as writer:
        assert writer.submit(CreateAlert(new_alert(minutes=0))).result(timeout=10).committed
        with pg_db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        second = writer.submit(CreateAlert(new_alert(minutes=1))).result(timeout=10)
    assert second.committed
    assert AlertRepository(pg_db).count() == 2
