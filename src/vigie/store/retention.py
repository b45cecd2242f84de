"""Retention: images at most 30 days, alert records at most 12 months, by construction.

One :func:`purge` removes what is past its period, kind by kind, and reports how much; it
touches nothing else. Evidence files are removed only under ``data_dir/evidence``. The database
is changed first, files second: a crash in between leaves unreferenced files, which the next
purge removes by age.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from vigie.store.audit import append_audit
from vigie.store.db import Database
from vigie.store.models import Alert, AlertAction, CameraHealth, Count, UserSession
from vigie.store.types import ClipStatus

__all__ = ["EVIDENCE_DIR", "PurgeReport", "RetentionPolicy", "purge"]

log = logging.getLogger(__name__)
EVIDENCE_DIR = "evidence"
_BATCH = 500


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of data is kept.

    Attributes:
        images: Snapshots and clips (legal maximum 30 days).
        alerts: Alert records and their follow-up register (legal maximum 12 months).
        counts: Anonymous statistics (counts per minute).
        health: Camera health log.
    """

    images: timedelta = timedelta(days=30)
    alerts: timedelta = timedelta(days=365)
    counts: timedelta = timedelta(days=365)
    health: timedelta = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What a purge removed (or, dry, would remove)."""

    at: datetime
    dry_run: bool
    images_before: datetime
    alerts_before: datetime
    snapshots: int = 0
    clips: int = 0
    orphan_files: int = 0
    bytes_freed: int = 0
    alerts: int = 0
    register_rows: int = 0
    counts: int = 0
    health: int = 0
    sessions: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        """Records and files removed, all kinds together."""
        return (self.snapshots + self.clips + self.orphan_files + self.alerts
                + self.register_rows + self.counts + self.health + self.sessions)

    def as_dict(self) -> dict[str, Any]:
        """JSON-compatible form (also what the audit entry records)."""
        data = asdict(self)
        for key in ("at", "images_before", "alerts_before"):
            data[key] = data[key].isoformat()
        return data


def purge(db: Database, data_dir: Path, policy: RetentionPolicy, *, now: datetime,
          dry_run: bool = False, actor: str = "system") -> PurgeReport:
    """Remove everything past its retention period; audit what was removed.

    Args:
        db: The site database.
        data_dir: The site's data folder (evidence lives under ``data_dir/evidence``).
        policy: Retention periods.
        now: The current time (aware; injected by tests).
        dry_run: Count only; change nothing, audit nothing.
        actor: Who asked (``system`` for the scheduled purge, ``cli`` by hand).

    Returns:
        What was (or would be) removed.
    """
    images_before, alerts_before = now - policy.images, now - policy.alerts
    evidence = (data_dir / EVIDENCE_DIR).resolve()
    files, errors = _expire_alert_images(db, data_dir, images_before, dry_run)
    orphans, orphan_bytes = _expired_files(evidence, images_before, set(files), dry_run, errors)
    with db.write() as session:
        counts = _delete_older(session, Count, Count.bucket_start, now - policy.counts, dry_run)
        health = _delete_older(session, CameraHealth, CameraHealth.at, now - policy.health,
                               dry_run)
        sessions = _delete_older(session, UserSession, UserSession.expires_at, now, dry_run)
        alerts, register = _delete_old_alerts(session, alerts_before, dry_run)
        report = PurgeReport(
            at=now, dry_run=dry_run, images_before=images_before, alerts_before=alerts_before,
            snapshots=sum(1 for p in files if p.suffix == ".jpg"),
            clips=sum(1 for p in files if p.suffix != ".jpg"), orphan_files=orphans,
            bytes_freed=sum(files.values()) + orphan_bytes, alerts=alerts,
            register_rows=register, counts=counts, health=health, sessions=sessions,
            errors=errors)
        if not dry_run:
            append_audit(session, actor, "retention.purge", "site", report.as_dict(), now)
    if not dry_run:
        _remove_empty_folders(evidence)
    log.info("retention purge%s: %s", " (dry run)" if dry_run else "", report.as_dict())
    return report


def _expire_alert_images(db: Database, data_dir: Path, before: datetime,
                         dry_run: bool) -> tuple[dict[Path, int], list[str]]:
    """Unlink the evidence of alerts raised before ``before``; returns {file: bytes}."""
    removed: dict[Path, int] = {}
    errors: list[str] = []
    for batch in _alerts_with_images(db, before):
        paths = [p for row in batch for p in (row.snapshot_path, row.clip_path) if p]
        if not dry_run:
            with db.write() as session:
                session.execute(update(Alert).where(Alert.id.in_([r.id for r in batch])).values(
                    snapshot_path=None, clip_path=None, clip_status=ClipStatus.PURGED))
        for relative in paths:
            target = _inside(data_dir / EVIDENCE_DIR, data_dir / relative)
            if target is None:
                errors.append(f"{relative}: outside the evidence folder, left alone")
                continue
            size = _size(target)
            if size is not None:
                removed[target] = size
                if not dry_run:
                    _unlink(target, errors)
    return removed, errors


def _alerts_with_images(db: Database, before: datetime) -> Iterator[list[Any]]:
    last_id = 0
    while True:
        with db.read() as session:
            rows = session.execute(
                select(Alert.id, Alert.snapshot_path, Alert.clip_path)
                .where(Alert.raised_at < before, Alert.id > last_id,
                       (Alert.snapshot_path.is_not(None)) | (Alert.clip_path.is_not(None)))
                .order_by(Alert.id).limit(_BATCH)).all()
        if not rows:
            return
        last_id = rows[-1].id
        yield list(rows)


def _expired_files(evidence: Path, before: datetime, already: set[Path], dry_run: bool,
                   errors: list[str]) -> tuple[int, int]:
    """Any other file under the evidence folder last written before ``before``."""
    if not evidence.is_dir():
        return 0, 0
    limit = before.timestamp()
    count = size = 0
    for path in evidence.rglob("*"):
        if path in already or not path.is_file() or path.is_symlink():
            continue
        stat = path.stat()
        if stat.st_mtime >= limit:
            continue
        count, size = count + 1, size + stat.st_size
        if not dry_run:
            _unlink(path, errors)
    return count, size


def _delete_old_alerts(session: Session, before: datetime, dry_run: bool) -> tuple[int, int]:
    old = select(Alert.id).where(Alert.raised_at < before)
    alerts = session.scalar(select(func.count()).select_from(old.subquery())) or 0
    register = session.scalar(select(func.count()).select_from(AlertAction)
                              .where(AlertAction.alert_id.in_(old))) or 0
    if not dry_run and alerts:
        session.execute(delete(AlertAction).where(AlertAction.alert_id.in_(old)))
        session.execute(delete(Alert).where(Alert.raised_at < before))
    return alerts, register


def _delete_older(session: Session, table: Any, column: Any, before: datetime,
                  dry_run: bool) -> int:
    n = session.scalar(select(func.count()).select_from(table).where(column < before)) or 0
    if not dry_run and n:
        session.execute(delete(table).where(column < before))
    return n


def _inside(folder: Path, path: Path) -> Path | None:
    resolved, root = path.resolve(), folder.resolve()
    return resolved if resolved.is_relative_to(root) else None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _unlink(path: Path, errors: list[str]) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        errors.append(f"{path}: {exc.strerror}")


def _remove_empty_folders(evidence: Path) -> None:
    if not evidence.is_dir():
        return
    for folder, _dirs, _files in sorted(os.walk(evidence), key=lambda w: -len(w[0])):
        path = Path(folder)
        if path != evidence and not any(path.iterdir()):
            path.rmdir()
