"""Retention: images at most 30 days, alert records at most 12 months, nothing else touched."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from vigie.runtime.retention import RetentionScheduler
from vigie.store import (
    AlertActionKind,
    AlertRepository,
    AuditRepository,
    ClipStatus,
    CountRepository,
    Database,
    HealthRepository,
    HealthState,
)
from vigie.store.retention import RetentionPolicy, purge

from .helpers import T0, new_alert

NOW = T0 + timedelta(days=400)
POLICY = RetentionPolicy()


def _evidence(data_dir: Path, camera: str, at: datetime, name: str, suffix: str) -> str:
    relative = f"evidence/{camera}/{at:%Y-%m-%d}/{name}{suffix}"
    path = data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 1000)
    stamp = at.timestamp()
    os.utime(path, (stamp, stamp))
    return relative


def _alert_aged(db: Database, data_dir: Path, days_old: float, name: str) -> int:
    at = NOW - timedelta(days=days_old)
    snap = _evidence(data_dir, "hall", at, name, ".jpg")
    clip = _evidence(data_dir, "hall", at, name, ".webm")
    repo = AlertRepository(db)
    minutes = (at - T0).total_seconds() / 60
    record = repo.create(new_alert(minutes=minutes, snapshot_path=snap, clip_path=clip))
    ready = repo.set_clip(record.id, clip, ClipStatus.READY)
    repo.transition(record.id, AlertActionKind.VALIDATE, "op1", ready.version,
                    at=at + timedelta(minutes=2))
    return record.id


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "vigie-data"


def test_images_go_after_30_days_and_the_alert_record_stays(db: Database, data_dir: Path
                                                            ) -> None:
    old = _alert_aged(db, data_dir, 31, "old")
    recent = _alert_aged(db, data_dir, 29, "recent")
    report = purge(db, data_dir, POLICY, now=NOW)
    assert (report.snapshots, report.clips) == (1, 1)
    assert report.alerts == 0
    repo = AlertRepository(db)
    kept = repo.get(old)
    assert kept.snapshot_path is None
    assert kept.clip_status is ClipStatus.PURGED
    assert kept.kind == "zone_intrusion"  # type, time, camera and register are kept
    assert [a.action for a in repo.history(old)] == [AlertActionKind.RAISED,
                                                    AlertActionKind.VALIDATE]
    assert not list((data_dir / "evidence").rglob("old.*"))
    assert repo.get(recent).snapshot_path is not None
    assert len(list((data_dir / "evidence").rglob("recent.*"))) == 2


def test_alert_records_and_their_register_go_after_12_months(db: Database, data_dir: Path
                                                             ) -> None:
    gone = _alert_aged(db, data_dir, 366, "gone")
    kept = _alert_aged(db, data_dir, 364, "kept")
    report = purge(db, data_dir, POLICY, now=NOW)
    assert report.alerts == 1
    assert report.register_rows == 2
    repo = AlertRepository(db)
    assert [a.id for a in repo.list(limit=10)] == [kept]
    with pytest.raises(Exception, match=str(gone)):
        repo.get(gone)


def test_dry_run_counts_and_changes_nothing(db: Database, data_dir: Path) -> None:
    _alert_aged(db, data_dir, 366, "gone")
    audit_before = AuditRepository(db).head()
    report = purge(db, data_dir, POLICY, now=NOW, dry_run=True)
    assert report.alerts == 1
    assert report.snapshots == 1
    assert len(AlertRepository(db).list()) == 1
    assert len(list((data_dir / "evidence").rglob("*.*"))) == 2
    assert AuditRepository(db).head() == audit_before


def test_each_purge_is_audited_with_what_it_removed(db: Database, data_dir: Path) -> None:
    _alert_aged(db, data_dir, 31, "old")
    purge(db, data_dir, POLICY, now=NOW, actor="cli")
    entry = AuditRepository(db).list(action="retention.purge")[0]
    assert entry.actor == "cli"
    assert entry.details["snapshots"] == 1
    assert entry.details["clips"] == 1
    assert entry.details["bytes_freed"] == 2000
    assert AuditRepository(db).verify_chain() is None


def test_files_outside_the_evidence_folder_are_never_touched(db: Database, data_dir: Path,
                                                             tmp_path: Path) -> None:
    outside = tmp_path / "precious.jpg"
    outside.write_bytes(b"keep me")
    os.utime(outside, (0, 0))
    repo = AlertRepository(db)
    repo.create(new_alert(minutes=0, snapshot_path="../precious.jpg"))
    report = purge(db, data_dir, POLICY, now=NOW)
    assert outside.read_bytes() == b"keep me"
    assert any("outside the evidence folder" in e for e in report.errors)


def test_orphan_evidence_files_also_expire(db: Database, data_dir: Path) -> None:
    orphan = _evidence(data_dir, "yard", NOW - timedelta(days=40), "crashed", ".webm")
    fresh = _evidence(data_dir, "yard", NOW - timedelta(days=1), "fresh", ".jpg")
    report = purge(db, data_dir, POLICY, now=NOW)
    assert report.orphan_files == 1
    assert not (data_dir / orphan).exists()
    assert (data_dir / fresh).exists()
    assert not (data_dir / orphan).parent.exists()  # empty day folder removed


def test_statistics_and_health_follow_their_own_periods(db: Database, data_dir: Path) -> None:
    counts = CountRepository(db)
    counts.increment("hall", "gate", "crossing", "in", NOW - timedelta(days=400))
    counts.increment("hall", "gate", "crossing", "in", NOW - timedelta(days=10))
    health = HealthRepository(db)
    health.record("hall", HealthState.UP, NOW - timedelta(days=400))
    health.record("hall", HealthState.DOWN, NOW - timedelta(days=1), "lost")
    policy = RetentionPolicy(counts=timedelta(days=90), health=timedelta(days=30))
    report = purge(db, data_dir, policy, now=NOW)
    assert (report.counts, report.health) == (1, 1)
    assert len(counts.series("hall", NOW - timedelta(days=500), NOW)) == 1
    assert health.current()["hall"].state is HealthState.DOWN


def test_the_scheduler_purges_at_start_with_its_clock(db: Database, data_dir: Path) -> None:
    _alert_aged(db, data_dir, 31, "old")
    scheduler = RetentionScheduler(db, data_dir, POLICY, interval_s=3600, clock=lambda: NOW)
    scheduler.start()
    deadline = time.monotonic() + 10
    while scheduler.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    assert scheduler.last is not None
    assert scheduler.last.snapshots == 1
    assert scheduler.last.at == NOW
    assert AlertRepository(db).list()[0].clip_status is ClipStatus.PURGED


