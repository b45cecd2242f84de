"""Cameras (with the operator's stop switch) and their health log."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigie.store.audit import append_audit
from vigie.store.columns import utcnow
from vigie.store.db import Database
from vigie.store.models import Camera, CameraHealth
from vigie.store.types import CameraRecord, HealthRecord, HealthState

__all__ = ["CameraLike", "CameraRepository", "HealthRepository"]


class CameraLike(Protocol):
    """What the store needs of a camera's configuration (``vigie.config.CameraConfig`` fits)."""

    @property
    def id(self) -> str:
        """Camera id."""

    @property
    def name(self) -> str:
        """Name shown to operators."""

    @property
    def enabled(self) -> bool:
        """Whether the camera is analysed."""


def _camera_record(row: Camera) -> CameraRecord:
    return CameraRecord(id=row.id, name=row.name, enabled=row.enabled,
                        analysis_stopped=row.analysis_stopped, updated_at=row.updated_at)


def _health_record(row: CameraHealth) -> HealthRecord:
    return HealthRecord(id=row.id, camera_id=row.camera_id, state=row.state, at=row.at,
                        reason=row.reason)


def _camera(session: Session, camera_id: str) -> Camera:
    row = session.get(Camera, camera_id)
    if row is None:
        raise KeyError(f"no camera {camera_id!r} in the database (run upsert_from_config)")
    return row


class CameraRepository:
    """Cameras as the database knows them; the stop switch survives restarts.

    Example:
        >>> cams = CameraRepository(db)  # doctest: +SKIP
        >>> cams.upsert_from_config(site.cameras)  # doctest: +SKIP
        >>> cams.set_stopped("hall", True, actor="op1", reason="privacy request")  # doctest: +SKIP
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def upsert_from_config(self, cameras: Iterable[CameraLike],
                           actor: str = "system") -> builtins.list[CameraRecord]:
        """Add new cameras and update names and ``enabled`` from the configuration.

        Cameras gone from the configuration stay (their alerts refer to them) but become
        disabled. ``analysis_stopped`` is kept: the operator's switch survives restarts.

        Returns:
            Every camera in the database, by id.
        """
        configs = {c.id: c for c in cameras}
        now = utcnow()
        with self._db.write() as session:
            rows = {row.id: row for row in session.scalars(select(Camera))}
            changed: dict[str, str] = {}
            for cam_id, cfg in configs.items():
                row = rows.get(cam_id)
                if row is None:
                    row = rows[cam_id] = Camera(id=cam_id, analysis_stopped=False)
                    session.add(row)
                    changed[cam_id] = "added"
                elif row.name != cfg.name or row.enabled != cfg.enabled:
                    changed[cam_id] = "updated"
                row.name, row.enabled, row.updated_at = cfg.name, cfg.enabled, now
            for cam_id, row in rows.items():
                if cam_id not in configs and row.enabled:
                    row.enabled, row.updated_at = False, now
                    changed[cam_id] = "removed from configuration"
            if changed:
                append_audit(session, actor, "camera.config", "cameras", {"changes": changed})
            session.flush()
            return [_camera_record(rows[k]) for k in sorted(rows)]

    def list(self) -> builtins.list[CameraRecord]:
        """Every camera, by id."""
        with self._db.read() as session:
            return [_camera_record(r) for r in session.scalars(select(Camera).order_by(Camera.id))]

    def get(self, camera_id: str) -> CameraRecord:
        """One camera.

        Raises:
            KeyError: Unknown camera.
        """
        with self._db.read() as session:
            return _camera_record(_camera(session, camera_id))

    def set_stopped(self, camera_id: str, stopped: bool, actor: str,
                    reason: str) -> CameraRecord:
        """Stop or resume analysis of one camera; audited, and a stop is logged as health.

        On resume no health row is written: the pipeline records ``up`` when frames flow.

        Raises:
            KeyError: Unknown camera.
        """
        with self._db.write() as session:
            row = _camera(session, camera_id)
            self._switch(session, row, stopped, actor, reason)
            return _camera_record(row)

    def set_all_stopped(self, stopped: bool, actor: str,
                        reason: str) -> builtins.list[CameraRecord]:
        """Stop or resume analysis of every camera at once (the global switch)."""
        with self._db.write() as session:
            rows = list(session.scalars(select(Camera).order_by(Camera.id)))
            for row in rows:
                self._switch(session, row, stopped, actor, reason, audit=False)
            append_audit(session, actor, "camera.stop_all" if stopped else "camera.resume_all",
                         "cameras", {"reason": reason, "cameras": [r.id for r in rows]})
            return [_camera_record(r) for r in rows]

    @staticmethod
    def _switch(session: Session, row: Camera, stopped: bool, actor: str, reason: str,
                *, audit: bool = True) -> None:
        now = utcnow()
        row.analysis_stopped, row.updated_at = stopped, now
        if stopped:
            session.add(CameraHealth(camera_id=row.id, state=HealthState.STOPPED, at=now,
                                     reason=f"stopped by {actor}: {reason}"[:500]))
        if audit:
            append_audit(session, actor, "camera.stop" if stopped else "camera.resume",
                         f"camera:{row.id}", {"reason": reason})
        session.flush()


class HealthRepository:
    """Camera health as an event log; record transitions (up→down...), not every frame."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, camera_id: str, state: HealthState | str, at: datetime | None = None,
               reason: str = "") -> HealthRecord:
        """Log a health change of one camera."""
        with self._db.write() as session:
            row = CameraHealth(camera_id=camera_id, state=HealthState(state),
                               at=(at or utcnow()).astimezone(UTC), reason=reason[:500])
            session.add(row)
            session.flush()
            return _health_record(row)

    def current(self) -> dict[str, HealthRecord]:
        """The latest health row of each camera that has one, by camera id."""
        ranked = select(
            CameraHealth.id,
            func.row_number().over(partition_by=CameraHealth.camera_id,
                                   order_by=(CameraHealth.at.desc(), CameraHealth.id.desc()))
            .label("rank"),
        ).subquery()
        query = (select(CameraHealth).join(ranked, ranked.c.id == CameraHealth.id)
                 .where(ranked.c.rank == 1))
        with self._db.read() as session:
            return {row.camera_id: _health_record(row) for row in session.scalars(query)}

    def history(self, camera_id: str, since: datetime | None = None,
                limit: int = 100) -> list[HealthRecord]:
        """One camera's health rows, newest first."""
        query = select(CameraHealth).where(CameraHealth.camera_id == camera_id)
        if since is not None:
            query = query.where(CameraHealth.at >= since)
        query = query.order_by(CameraHealth.at.desc(), CameraHealth.id.desc()).limit(limit)
        with self._db.read() as session:
            return [_health_record(row) for row in session.scalars(query)]
