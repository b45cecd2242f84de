"""Registers API: the alert register (no pictures) and the audit log, with the chain's state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from vigie.api.schemas.alerts import kind_label
from vigie.store.registers import RegisterRow
from vigie.store.types import AuditRecord

__all__ = ["AuditEntryOut", "AuditFacets", "AuditPage", "ChainState", "RegisterFacets",
           "RegisterPage", "RegisterRowOut", "RegisterStatus"]


class RegisterStatus(StrEnum):
    """A status filter of the register: one status, or ``open`` (new and acknowledged)."""

    OPEN = "open"
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    VALIDATED = "validated"
    DISMISSED = "dismissed"


class RegisterRowOut(BaseModel):
    """One alert of the register: what was raised, decided and done."""

    id: int
    type: str = Field(description="Event type id (zone_intrusion, tripwire...).")
    type_label: str = Field(description="The event type in plain words.")
    raised_at: datetime
    camera_id: str
    camera: str = Field(description="Camera name.")
    zone: str | None
    explanation: str
    status: str = Field(description="The decision: new, acknowledged, validated, dismissed.")
    operator: str | None
    decided_at: datetime | None
    handling_s: float | None = Field(description="Seconds from raising to the decision.")
    dismiss_reason: str | None
    decision_comment: str | None
    follow_up: str
    follow_up_comment: str | None
    follow_up_at: datetime | None

    @classmethod
    def of(cls, row: RegisterRow) -> RegisterRowOut:
        """From the store's row."""
        return cls(
            id=row.id, type=row.kind, type_label=kind_label(row.kind), raised_at=row.raised_at,
            camera_id=row.camera_id,
            camera=row.camera_name or row.camera_id, zone=row.zone,
            explanation=row.explanation, status=row.status.value, operator=row.operator,
            decided_at=row.decided_at,
            handling_s=None if row.handling_s is None else round(row.handling_s, 1),
            dismiss_reason=row.dismiss_reason.value if row.dismiss_reason else None,
            decision_comment=row.decision_comment, follow_up=row.follow_up.value,
            follow_up_comment=row.follow_up_comment, follow_up_at=row.follow_up_at)


class RegisterPage(BaseModel):
    """One page of the register, newest first, and how many alerts match in all."""

    total: int
    limit: int
    offset: int
    rows: list[RegisterRowOut]


class CameraName(BaseModel):
    """A camera in a filter's choices."""

    id: str
    name: str


class RegisterFacets(BaseModel):
    """Choices of the register's filters."""

    kinds: list[str]
    cameras: list[CameraName]
    statuses: list[str]


class AuditEntryOut(BaseModel):
    """One entry of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]

    @classmethod
    def of(cls, record: AuditRecord) -> AuditEntryOut:
        """From the store's record."""
        return cls(id=record.id, at=record.at, actor=record.actor, action=record.action,
                   target=record.target, details=record.details)


class AuditPage(BaseModel):
    """One page of the audit log, newest first."""

    total: int
    limit: int
    offset: int
    entries: list[AuditEntryOut]


class AuditFacets(BaseModel):
    """Choices of the audit log's filters."""

    actors: list[str]
    actions: list[str]


class ChainState(BaseModel):
    """Whether the hash chain of the audit log is intact."""

    intact: bool
    first_bad_id: int | None = Field(description="First entry out of the chain (edited, "
                                     "inserted, or after a deleted one).")
    entries: int
    head_id: int | None
