"""Write commands for the single DB writer: small frozen dataclasses, JSON round-trippable.

Each command names alerts by their public uuid, so that a command can be queued (or spooled)
before the alert's row exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol
from uuid import UUID

from pydantic import TypeAdapter

from vigie.store.alerts import AlertRepository
from vigie.store.audit import AuditRepository
from vigie.store.cameras import HealthRepository
from vigie.store.counts import CountRepository
from vigie.store.db import Database
from vigie.store.types import AlertRecord, ClipStatus, HealthState, JsonDict, NewAlert

__all__ = [
    "AppendAudit",
    "Command",
    "CreateAlert",
    "IncrementCount",
    "RecordHealth",
    "SetClip",
    "SetEnded",
    "decode_command",
    "encode_command",
]


class Command(Protocol):
    """A write the DB writer performs in one transaction."""

    type: ClassVar[str]

    def apply(self, db: Database) -> AlertRecord | None:
        """Write it; return the alert when the command is about one."""


@dataclass(frozen=True, slots=True)
class CreateAlert:
    """Store a new alert (idempotent on its uuid)."""

    type: ClassVar[str] = "create_alert"
    alert: NewAlert

    def apply(self, db: Database) -> AlertRecord | None:
        """Create the alert."""
        return AlertRepository(db).create(self.alert)


@dataclass(frozen=True, slots=True)
class SetClip:
    """Record that an alert's clip is ready, or failed."""

    type: ClassVar[str] = "set_clip"
    alert_uuid: UUID
    path: str | None
    status: ClipStatus

    def apply(self, db: Database) -> AlertRecord | None:
        """Update the clip columns."""
        return AlertRepository(db).set_clip(self.alert_uuid, self.path, self.status)


@dataclass(frozen=True, slots=True)
class SetEnded:
    """Push an incident's end time and add the tracks seen since the alert."""

    type: ClassVar[str] = "set_ended"
    alert_uuid: UUID
    ended_at: datetime
    track_ids: tuple[int, ...] = ()

    def apply(self, db: Database) -> AlertRecord | None:
        """Update ``ended_at`` and ``track_ids``."""
        return AlertRepository(db).set_ended(self.alert_uuid, self.ended_at, self.track_ids)


@dataclass(frozen=True, slots=True)
class RecordHealth:
    """Log a camera health change."""

    type: ClassVar[str] = "record_health"
    camera_id: str
    state: HealthState
    at: datetime
    reason: str = ""

    def apply(self, db: Database) -> AlertRecord | None:
        """Insert the health row."""
        HealthRepository(db).record(self.camera_id, self.state, self.at, self.reason)
        return None


@dataclass(frozen=True, slots=True)
class IncrementCount:
    """Add to a statistics counter."""

    type: ClassVar[str] = "increment_count"
    camera_id: str
    rule_id: str
    name: str
    direction: str
    at: datetime
    n: int = 1

    def apply(self, db: Database) -> AlertRecord | None:
        """Upsert-increment the bucket."""
        CountRepository(db).increment(self.camera_id, self.rule_id, self.name, self.direction,
                                      self.at, self.n)
        return None


@dataclass(frozen=True, slots=True)
class AppendAudit:
    """Append an audit entry (``at`` is when it happened, not when it was written)."""

    type: ClassVar[str] = "append_audit"
    actor: str
    action: str
    target: str
    at: datetime
    details: JsonDict | None = None

    def apply(self, db: Database) -> AlertRecord | None:
        """Append to the chain."""
        AuditRepository(db).append(self.actor, self.action, self.target, self.details, self.at)
        return None


_TYPES: dict[str, type[Any]] = {cls.type: cls for cls in (
    CreateAlert, SetClip, SetEnded, RecordHealth, IncrementCount, AppendAudit)}


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls.type)
    if adapter is None:
        adapter = _ADAPTERS[cls.type] = TypeAdapter(cls)
    return adapter


def encode_command(command: Command) -> JsonDict:
    """``{"type": ..., "data": {...}}``, JSON-compatible."""
    data = _adapter(type(command)).dump_python(command, mode="json")
    return {"type": command.type, "data": data}


def decode_command(entry: JsonDict) -> Command:
    """The command ``encode_command`` wrote.

    Raises:
        ValueError: Unknown type or invalid fields.
    """
    cls = _TYPES.get(str(entry.get("type")))
    if cls is None:
        raise ValueError(f"unknown command type {entry.get('type')!r}; known: {sorted(_TYPES)}")
    command: Command = _adapter(cls).validate_python(entry.get("data"))
    return command
