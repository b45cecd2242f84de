"""SQLAlchemy 2 table models: cameras, alerts and their register, health, audit log, counts.

Privacy by design: no biometric data of any kind lives here (no face crops, no embeddings, no
person identity across cameras). ``track_ids`` are per-camera tracker counters that mean
nothing outside one camera's run. Evidence pictures stay in files, referenced by relative path,
so that retention can remove them after 30 days while alert records live up to 12 months.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vigie.store.columns import StrEnumType, UTCDateTime, utcnow
from vigie.store.types import (
    AlertActionKind,
    AlertStatus,
    ClipStatus,
    DismissReason,
    FollowUp,
    HealthState,
)

__all__ = [
    "Alert",
    "AlertAction",
    "AuditLog",
    "Base",
    "Camera",
    "CameraHealth",
    "Count",
    "SceneVersion",
    "User",
    "UserSession",
]

#: Deterministic constraint names, so that migrations can name what they alter.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(63)
ACTOR = String(64)
NAME = String(64)
PATH = String(255)


class Base(DeclarativeBase):
    """Declarative base of every Vigie table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), UUID: Uuid()}


class Camera(Base):
    """A camera of the site; ``analysis_stopped`` is the operator's stop switch."""

    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    analysis_stopped: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """An alert: what a rule raised, and what the operator decided and did about it."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "camera_id", "raised_at"),
        Index(None, "status", "raised_at"),
        Index(None, "kind", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(NAME)
    rule_id: Mapped[str] = mapped_column(NAME)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    zone: Mapped[str | None] = mapped_column(NAME)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    raised_at: Mapped[datetime] = mapped_column(index=True)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    track_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[AlertStatus] = mapped_column(StrEnumType(AlertStatus, 16),
                                                default=AlertStatus.NEW)
    operator: Mapped[str | None] = mapped_column(ACTOR)
    acknowledged_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    dismiss_reason: Mapped[DismissReason | None] = mapped_column(StrEnumType(DismissReason, 32))
    follow_up: Mapped[FollowUp] = mapped_column(StrEnumType(FollowUp, 32), default=FollowUp.NONE)
    follow_up_comment: Mapped[str | None] = mapped_column(Text)
    follow_up_at: Mapped[datetime | None]
    follow_up_by: Mapped[str | None] = mapped_column(ACTOR)
    snapshot_path: Mapped[str | None] = mapped_column(PATH)
    clip_path: Mapped[str | None] = mapped_column(PATH)
    clip_status: Mapped[ClipStatus] = mapped_column(StrEnumType(ClipStatus, 16),
                                                    default=ClipStatus.NONE)
    version: Mapped[int] = mapped_column(default=1)


class AlertAction(Base):
    """The follow-up register: one row per thing done to an alert, never updated."""

    __tablename__ = "alert_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"),
                                          index=True)
    action: Mapped[AlertActionKind] = mapped_column(StrEnumType(AlertActionKind, 32))
    actor: Mapped[str] = mapped_column(ACTOR)
    at: Mapped[datetime]
    from_status: Mapped[AlertStatus | None] = mapped_column(StrEnumType(AlertStatus, 16))
    to_status: Mapped[AlertStatus] = mapped_column(StrEnumType(AlertStatus, 16))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]]


class CameraHealth(Base):
    """Camera health as an event log; the latest row per camera is its current state."""

    __tablename__ = "camera_health"
    __table_args__ = (Index(None, "camera_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    state: Mapped[HealthState] = mapped_column(StrEnumType(HealthState, 16))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")


class AuditLog(Base):
    """Append-only, hash-chained audit log.

    ``id`` is a gapless sequence given under a lock (not autoincrement), so that a deleted row
    shows as a gap; ``hash = sha256(prev_hash + canonical JSON of the entry)``.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(ACTOR)
    action: Mapped[str] = mapped_column(NAME)
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Count(Base):
    """Statistics: how many times something was counted in one 1-minute bucket."""

    __tablename__ = "counts"
    __table_args__ = (
        UniqueConstraint("camera_id", "rule_id", "name", "direction", "bucket_start"),
        Index(None, "bucket_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    rule_id: Mapped[str] = mapped_column(NAME)
    name: Mapped[str] = mapped_column(NAME)
    direction: Mapped[str] = mapped_column(String(32), default="")
    bucket_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)


class User(Base):
    """A console account: login, role and an argon2 password hash (never the password)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(ACTOR, unique=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    cameras: Mapped[list[str] | None] = mapped_column(JSON)  # None: every camera
    disabled: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie token is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SceneVersion(Base):
    """One saved version of a camera's scene set-up (zones, lines, calibration, analytics).

    ``status`` is ``draft`` or ``live``; the live version of a camera is its latest ``live`` row.
    """

    __tablename__ = "scene_versions"
    __table_args__ = (Index(None, "camera_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(ACTOR)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")
    scene: Mapped[dict[str, Any]]
