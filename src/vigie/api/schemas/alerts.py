"""Request and response bodies of the alert queue and alert detail (``/api/alerts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from vigie.rules import EVENT_TYPES
from vigie.rules.catalogue import CATALOGUE
from vigie.store.types import (
    AlertActionKind,
    AlertActionRecord,
    AlertRecord,
    AlertStatus,
    ClipStatus,
    DismissReason,
    FollowUp,
)

__all__ = [
    "ACTION_LABELS",
    "DISMISS_LABELS",
    "FOLLOW_UP_LABELS",
    "KIND_LABELS",
    "STATUS_LABELS",
    "ActionRequest",
    "AlertChoices",
    "AlertConflict",
    "AlertDetail",
    "AlertPage",
    "AlertSummary",
    "Choice",
    "RegisterEntry",
    "kind_label",
]

#: Event types in plain words, as the operator reads them.
KIND_LABELS: dict[str, str] = {kind: entry.short for kind, entry in CATALOGUE.items()}

STATUS_LABELS: dict[AlertStatus, str] = {
    AlertStatus.NEW: "New",
    AlertStatus.ACKNOWLEDGED: "Acknowledged",
    AlertStatus.VALIDATED: "Validated",
    AlertStatus.DISMISSED: "Dismissed",
}

DISMISS_LABELS: dict[DismissReason, str] = {
    DismissReason.FALSE_POSITIVE: "False alarm (nothing of the kind happened)",
    DismissReason.DUPLICATE: "Duplicate of another alert",
    DismissReason.AUTHORISED_ACTIVITY: "Authorised activity (works, staff, event)",
    DismissReason.TEST: "Test",
    DismissReason.OTHER: "Other (say why)",
}

FOLLOW_UP_LABELS: dict[FollowUp, str] = {
    FollowUp.TRANSMITTED_TO_FIELD: "Transmitted to field units",
    FollowUp.INTERVENTION: "Intervention",
    FollowUp.NO_ACTION: "No action",
}

#: What each register row says, in the past tense ("operator1 validated").
ACTION_LABELS: dict[AlertActionKind, str] = {
    AlertActionKind.RAISED: "raised",
    AlertActionKind.ACKNOWLEDGE: "acknowledged",
    AlertActionKind.VALIDATE: "validated",
    AlertActionKind.DISMISS: "dismissed",
    AlertActionKind.FOLLOW_UP: "recorded the follow-up of",
    AlertActionKind.COMMENT: "commented on",
}


def kind_label(kind: str) -> str:
    """The event type in plain words; an unknown one is made readable from its id.

    Example:
        >>> kind_label("tripwire"), kind_label("smoke_plume")
        ('Line crossing', 'Smoke plume')
    """
    return KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


class AlertSummary(BaseModel):
    """One line of the queue."""

    id: int
    uuid: UUID
    kind: str
    kind_label: str
    camera_id: str
    camera_name: str
    zone: str | None
    raised_at: datetime
    score: float
    status: AlertStatus
    explanation: str
    operator: str | None
    version: int
    has_snapshot: bool
    clip_status: ClipStatus

    @classmethod
    def from_record(cls, alert: AlertRecord, camera_name: str) -> AlertSummary:
        """Build from a stored alert and its camera's display name."""
        return cls(**_summary_fields(alert, camera_name))


class RegisterEntry(BaseModel):
    """One row of the follow-up register: who did what, when."""

    id: int
    action: AlertActionKind
    label: str = Field(description="The action in the past tense, e.g. 'validated'.")
    actor: str
    at: datetime
    from_status: AlertStatus | None
    to_status: AlertStatus
    comment: str | None
    details: dict[str, Any]

    @classmethod
    def from_record(cls, row: AlertActionRecord) -> RegisterEntry:
        """Build from a register row."""
        return cls(id=row.id, action=row.action, label=ACTION_LABELS[row.action],
                   actor=row.actor, at=row.at, from_status=row.from_status,
                   to_status=row.to_status, comment=row.comment, details=row.details)


class AlertDetail(AlertSummary):
    """Everything about one alert: measurements, decision, follow-up and the register."""

    rule_id: str
    started_at: datetime
    ended_at: datetime | None
    details: dict[str, Any]
    track_ids: list[int]
    acknowledged_at: datetime | None
    decided_at: datetime | None
    decision_comment: str | None
    dismiss_reason: DismissReason | None
    follow_up: FollowUp
    follow_up_comment: str | None
    follow_up_at: datetime | None
    follow_up_by: str | None
    history: list[RegisterEntry] = Field(description="The follow-up register, oldest first.")

    @classmethod
    def build(cls, alert: AlertRecord, camera_name: str,
              register: list[AlertActionRecord]) -> AlertDetail:
        """Build from a stored alert, its camera's name and its register (oldest first)."""
        return cls(
            **_summary_fields(alert, camera_name),
            rule_id=alert.rule_id, started_at=alert.started_at, ended_at=alert.ended_at,
            details=alert.details, track_ids=list(alert.track_ids),
            acknowledged_at=alert.acknowledged_at, decided_at=alert.decided_at,
            decision_comment=alert.decision_comment, dismiss_reason=alert.dismiss_reason,
            follow_up=alert.follow_up, follow_up_comment=alert.follow_up_comment,
            follow_up_at=alert.follow_up_at, follow_up_by=alert.follow_up_by,
            history=[RegisterEntry.from_record(row) for row in register])


def _summary_fields(alert: AlertRecord, camera_name: str) -> dict[str, Any]:
    return {"id": alert.id, "uuid": alert.uuid, "kind": alert.kind,
            "kind_label": kind_label(alert.kind), "camera_id": alert.camera_id,
            "camera_name": camera_name, "zone": alert.zone, "raised_at": alert.raised_at,
            "score": alert.score, "status": alert.status, "explanation": alert.explanation,
            "operator": alert.operator, "version": alert.version,
            "has_snapshot": alert.snapshot_path is not None, "clip_status": alert.clip_status}


class AlertPage(BaseModel):
    """A page of the queue, newest first."""

    items: list[AlertSummary]
    next_before_id: int | None = Field(
        description="Pass as ``before_id`` for the next (older) page; null on the last page.")


class ActionRequest(BaseModel):
    """An operator's action on an alert, made on the version they saw."""

    model_config = {"extra": "forbid"}

    action: Literal["acknowledge", "validate", "dismiss", "follow_up", "comment"]
    expected_version: int = Field(ge=1, description="The alert's version the operator saw.")
    reason: DismissReason | None = Field(None, description="Why (dismiss only).")
    comment: str | None = Field(None, max_length=2000,
                                description="Decision comment, follow-up comment or note.")
    follow_up: FollowUp | None = Field(None, description="What was done (follow_up, validate).")


class AlertConflict(BaseModel):
    """Answer to an action that came too late: the alert as it is now, and who changed it."""

    detail: str
    current: AlertDetail
    decided_by: str | None
    decided_at: datetime | None
    last_action: RegisterEntry | None


class Choice(BaseModel):
    """A value the UI offers, with its label."""

    value: str
    label: str


class AlertChoices(BaseModel):
    """What the page's filters and dialogs offer."""

    kinds: list[Choice]
    cameras: list[Choice]
    statuses: list[Choice]
    dismiss_reasons: list[Choice]
    follow_ups: list[Choice]

    @classmethod
    def for_cameras(cls, cameras: list[tuple[str, str]]) -> AlertChoices:
        """The choices, with the site's cameras as ``(id, name)``."""
        kinds = sorted({*EVENT_TYPES, *KIND_LABELS}, key=kind_label)
        return cls(
            kinds=[Choice(value=k, label=kind_label(k)) for k in kinds],
            cameras=[Choice(value=i, label=name) for i, name in cameras],
            statuses=[Choice(value=s.value, label=label) for s, label in STATUS_LABELS.items()],
            dismiss_reasons=[Choice(value=r.value, label=label)
                             for r, label in DISMISS_LABELS.items()],
            follow_ups=[Choice(value=f.value, label=label)
                        for f, label in FOLLOW_UP_LABELS.items()],
        )
