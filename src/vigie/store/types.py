"""Enumerations and plain, frozen records that the store hands to the rest of Vigie.

Callers outside ``vigie.store`` never see live ORM objects: every repository returns the
dataclasses below, which are safe to pass between threads and to serialise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from vigie.core.types import Event

__all__ = [
    "AlertActionKind",
    "AlertActionRecord",
    "AlertRecord",
    "AlertStatus",
    "AuditRecord",
    "CameraRecord",
    "ClipStatus",
    "CountPoint",
    "DismissReason",
    "FollowUp",
    "HealthRecord",
    "HealthState",
    "JsonDict",
    "NewAlert",
]

JsonDict = dict[str, Any]


class AlertStatus(StrEnum):
    """Where an alert is in its life: ``new → acknowledged → validated | dismissed``."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    VALIDATED = "validated"
    DISMISSED = "dismissed"


class AlertActionKind(StrEnum):
    """What can happen to an alert; each one is a row of the follow-up register."""

    RAISED = "raised"            # the system stored it (never requested by an operator)
    ACKNOWLEDGE = "acknowledge"  # an operator takes it in hand
    VALIDATE = "validate"        # the operator confirms a real incident
    DISMISS = "dismiss"          # the operator rejects it (reason required)
    FOLLOW_UP = "follow_up"      # what was done about a validated alert
    COMMENT = "comment"          # a note, in any state


class DismissReason(StrEnum):
    """Why an operator dismissed an alert (kept for false-alarm statistics)."""

    FALSE_POSITIVE = "false_positive"
    DUPLICATE = "duplicate"
    AUTHORISED_ACTIVITY = "authorised_activity"
    TEST = "test"
    OTHER = "other"


class FollowUp(StrEnum):
    """What was done about a validated alert."""

    NONE = "none"
    TRANSMITTED_TO_FIELD = "transmitted_to_field"
    INTERVENTION = "intervention"
    NO_ACTION = "no_action"


class ClipStatus(StrEnum):
    """State of an alert's video clip."""

    NONE = "none"        # no clip was asked for
    PENDING = "pending"  # recording or encoding
    READY = "ready"
    FAILED = "failed"
    PURGED = "purged"    # removed by retention (images are kept at most 30 days)


class HealthState(StrEnum):
    """Whether a camera is being analysed."""

    UP = "up"
    DOWN = "down"
    STOPPED = "stopped"  # analysis stopped on purpose by an operator


@dataclass(frozen=True, slots=True)
class NewAlert:
    """What the alert stage stores for a new alert.

    The public ``uuid`` is chosen by the caller, so that later commands (clip ready, end of the
    incident) can name the alert before its row is committed.

    Attributes:
        kind: Event type id (``zone_intrusion``, ``tripwire``...).
        rule_id: Rule instance in the camera configuration.
        camera_id: The camera; must exist in the ``cameras`` table.
        started_at: When the incident began (UTC).
        raised_at: When the rule fired (UTC).
        score: 0..1 confidence of the rule.
        explanation: One sentence for the operator.
        zone: Zone or line name, if any.
        ended_at: When the incident ended, if known.
        details: Measured values and thresholds (JSON-compatible).
        track_ids: Per-camera track ids involved (not identities: they mean nothing elsewhere).
        snapshot_path: Snapshot JPEG relative to the data folder.
        clip_path: Clip relative to the data folder, once asked for.
        uuid: Public id of the alert.
    """

    kind: str
    rule_id: str
    camera_id: str
    started_at: datetime
    raised_at: datetime
    score: float
    explanation: str
    zone: str | None = None
    ended_at: datetime | None = None
    details: JsonDict = field(default_factory=dict)
    track_ids: tuple[int, ...] = ()
    snapshot_path: str | None = None
    clip_path: str | None = None
    uuid: UUID = field(default_factory=uuid4)

    @classmethod
    def from_event(
        cls,
        event: Event,
        *,
        snapshot_path: str | None = None,
        clip_path: str | None = None,
        alert_uuid: UUID | None = None,
    ) -> NewAlert:
        """Build from a rule event; stream times become wall-clock times around ``event.wall``.

        Args:
            event: The event the alert stage admitted.
            snapshot_path: Snapshot relative to the data folder.
            clip_path: Clip relative to the data folder, when one will be recorded.
            alert_uuid: Public id, when already chosen for the evidence file names.

        Returns:
            The new alert, ``raised_at = event.wall``.
        """
        wall = event.wall.astimezone(UTC)
        return cls(
            kind=event.kind, rule_id=event.rule_id, camera_id=event.camera_id,
            started_at=wall - timedelta(seconds=max(0.0, event.ts - event.started_at)),
            raised_at=wall, score=float(event.confidence), explanation=event.explanation,
            zone=event.zone, details=dict(event.details), track_ids=tuple(event.track_ids),
            snapshot_path=snapshot_path, clip_path=clip_path,
            uuid=alert_uuid or uuid4(),
        )


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A stored alert, as read at one moment (``version`` says which)."""

    id: int
    uuid: UUID
    kind: str
    rule_id: str
    camera_id: str
    zone: str | None
    started_at: datetime
    ended_at: datetime | None
    raised_at: datetime
    score: float
    explanation: str
    details: JsonDict
    track_ids: tuple[int, ...]
    status: AlertStatus
    operator: str | None
    acknowledged_at: datetime | None
    decided_at: datetime | None
    decision_comment: str | None
    dismiss_reason: DismissReason | None
    follow_up: FollowUp
    follow_up_comment: str | None
    follow_up_at: datetime | None
    follow_up_by: str | None
    snapshot_path: str | None
    clip_path: str | None
    clip_status: ClipStatus
    version: int


@dataclass(frozen=True, slots=True)
class AlertActionRecord:
    """One row of an alert's follow-up register."""

    id: int
    alert_id: int
    action: AlertActionKind
    actor: str
    at: datetime
    from_status: AlertStatus | None
    to_status: AlertStatus
    comment: str | None
    details: JsonDict


@dataclass(frozen=True, slots=True)
class CameraRecord:
    """A camera as the database knows it."""

    id: str
    name: str
    enabled: bool
    analysis_stopped: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """One health event of a camera."""

    id: int
    camera_id: str
    state: HealthState
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry of the hash-chained audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: JsonDict
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class CountPoint:
    """A count over one time bucket."""

    bucket_start: datetime
    rule_id: str
    name: str
    direction: str
    count: int
