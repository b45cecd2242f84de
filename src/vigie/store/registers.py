"""The registers as the console reads them: the alert register and the audit log, filtered.

The alert register is one row per alert: what was raised (type, time, camera, zone), what the
operator decided and what was done about it. It holds no picture and no track id. Both
registers are read newest first, one page at a time, or whole in keyset batches for exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from vigie.store.db import Database
from vigie.store.models import Alert, AlertAction, AuditLog, Camera
from vigie.store.types import AlertStatus, AuditRecord, DismissReason, FollowUp

__all__ = [
    "OPEN",
    "AuditQuery",
    "RegisterQuery",
    "RegisterRow",
    "audit_extent",
    "audit_facets",
    "audit_page",
    "iter_audit",
    "iter_register",
    "like_pattern",
    "register_extent",
    "register_kinds",
    "register_page",
]

#: The status filter that stands for "waiting for a decision" (new or acknowledged).
OPEN = "open"
_BATCH = 500


def like_pattern(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, its wildcards taken literally (escape ``\\``).

    Example:
        >>> like_pattern("50%_off")
        '%50\\\\%\\\\_off%'
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class RegisterQuery:
    """Filters of the alert register; None means any.

    Attributes:
        q: Text found (case-insensitively) in the explanation, zone, operator, decision or
            follow-up comment, or a comment of the alert's follow-up register.
        kind: Event type id.
        camera_id: Camera.
        camera_ids: Only these cameras (an account limited to a sector).
        status: A status, or ``open`` for new and acknowledged.
        since: Raised at or after (UTC).
        until: Raised before (UTC).
    """

    q: str | None = None
    kind: str | None = None
    camera_id: str | None = None
    camera_ids: frozenset[str] | None = None
    status: AlertStatus | Literal["open"] | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses on ``Alert``."""
        clauses: list[ColumnElement[bool]] = []
        if self.q:
            pattern = like_pattern(self.q)
            commented = select(AlertAction.alert_id).where(
                AlertAction.comment.ilike(pattern, escape="\\"))
            clauses.append(or_(*(column.ilike(pattern, escape="\\") for column in (
                Alert.explanation, Alert.zone, Alert.operator, Alert.decision_comment,
                Alert.follow_up_comment)), Alert.id.in_(commented)))
        if self.kind is not None:
            clauses.append(Alert.kind == self.kind)
        if self.camera_id is not None:
            clauses.append(Alert.camera_id == self.camera_id)
        if self.camera_ids is not None:
            clauses.append(Alert.camera_id.in_(sorted(self.camera_ids)))
        if self.status == OPEN:
            clauses.append(Alert.status.in_([AlertStatus.NEW, AlertStatus.ACKNOWLEDGED]))
        elif self.status is not None:
            clauses.append(Alert.status == AlertStatus(self.status))
        if self.since is not None:
            clauses.append(Alert.raised_at >= self.since)
        if self.until is not None:
            clauses.append(Alert.raised_at < self.until)
        return clauses


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One alert in the register: what was raised, decided and done (no picture)."""

    id: int
    kind: str
    raised_at: datetime
    camera_id: str
    camera_name: str
    zone: str | None
    explanation: str
    status: AlertStatus
    operator: str | None
    decided_at: datetime | None
    dismiss_reason: DismissReason | None
    decision_comment: str | None
    follow_up: FollowUp
    follow_up_comment: str | None
    follow_up_at: datetime | None

    @property
    def handling_s(self) -> float | None:
        """Seconds from raising to the decision; None while undecided."""
        if self.decided_at is None:
            return None
        return (self.decided_at - self.raised_at).total_seconds()


_COLUMNS = (Alert.id, Alert.kind, Alert.raised_at, Alert.camera_id,
            func.coalesce(Camera.name, ""), Alert.zone, Alert.explanation, Alert.status,
            Alert.operator, Alert.decided_at, Alert.dismiss_reason, Alert.decision_comment,
            Alert.follow_up, Alert.follow_up_comment, Alert.follow_up_at)


def _register_select(query: RegisterQuery, up_to_id: int | None) -> Select[*tuple[Any, ...]]:
    statement = (select(*_COLUMNS).outerjoin(Camera, Camera.id == Alert.camera_id)
                 .where(*query.where()).order_by(Alert.raised_at.desc(), Alert.id.desc()))
    return statement if up_to_id is None else statement.where(Alert.id <= up_to_id)


def _rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[RegisterRow]:
    return [RegisterRow(*row) for row in session.execute(statement)]


def register_page(db: Database, query: RegisterQuery, *, limit: int = 100,
                  offset: int = 0) -> tuple[int, list[RegisterRow]]:
    """How many alerts match, and one page of them, newest first."""
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(Alert).where(*query.where()))
        rows = _rows(session, _register_select(query, None).limit(limit).offset(offset))
        return int(total or 0), rows


def register_extent(db: Database, query: RegisterQuery) -> tuple[int, int]:
    """(matching rows, highest alert id now): pass the id to ``iter_register`` to export
    exactly the rows counted, whatever is raised meanwhile."""
    with db.read() as session:
        top = int(session.scalar(select(func.max(Alert.id))) or 0)
        total = session.scalar(select(func.count()).select_from(Alert)
                               .where(*query.where(), Alert.id <= top))
        return int(total or 0), top


def iter_register(db: Database, query: RegisterQuery, *, up_to_id: int | None = None,
                  batch: int = _BATCH) -> Iterator[RegisterRow]:
    """Every matching alert, newest first, read in keyset batches (one short read each)."""
    last: tuple[datetime, int] | None = None
    while True:
        statement = _register_select(query, up_to_id)
        if last is not None:
            statement = statement.where(or_(
                Alert.raised_at < last[0],
                (Alert.raised_at == last[0]) & (Alert.id < last[1])))
        with db.read() as session:
            rows = _rows(session, statement.limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = (rows[-1].raised_at, rows[-1].id)


def register_kinds(db: Database) -> list[str]:
    """Every event type found in the register, for the filter's choices."""
    with db.read() as session:
        return list(session.scalars(select(Alert.kind).distinct().order_by(Alert.kind)))


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of the audit log; None means any.

    Attributes:
        actor: Exact login (or ``system``).
        action: Exact action, or a prefix ending with a dot (``alert.`` for every alert
            action).
        since: At or after (UTC).
        until: Before (UTC).
    """

    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses on ``AuditLog``."""
        clauses: list[ColumnElement[bool]] = []
        if self.actor is not None:
            clauses.append(AuditLog.actor == self.actor)
        if self.action is not None and self.action.endswith("."):
            clauses.append(AuditLog.action.like(like_pattern(self.action)[1:], escape="\\"))
        elif self.action is not None:
            clauses.append(AuditLog.action == self.action)
        if self.since is not None:
            clauses.append(AuditLog.at >= self.since)
        if self.until is not None:
            clauses.append(AuditLog.at < self.until)
        return clauses


def _audit_record(row: AuditLog) -> AuditRecord:
    return AuditRecord(id=row.id, at=row.at, actor=row.actor, action=row.action,
                       target=row.target, details=dict(row.details), prev_hash=row.prev_hash,
                       hash=row.hash)


def audit_page(db: Database, query: AuditQuery, *, limit: int = 100,
               offset: int = 0) -> tuple[int, list[AuditRecord]]:
    """How many entries match, and one page of them, newest first."""
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(AuditLog)
                               .where(*query.where()))
        rows = session.scalars(select(AuditLog).where(*query.where())
                               .order_by(AuditLog.id.desc()).limit(limit).offset(offset))
        return int(total or 0), [_audit_record(row) for row in rows]


def audit_extent(db: Database, query: AuditQuery) -> tuple[int, int]:
    """(matching entries, highest id now), as ``register_extent``."""
    with db.read() as session:
        top = int(session.scalar(select(func.max(AuditLog.id))) or 0)
        total = session.scalar(select(func.count()).select_from(AuditLog)
                               .where(*query.where(), AuditLog.id <= top))
        return int(total or 0), top


def iter_audit(db: Database, query: AuditQuery, *, up_to_id: int | None = None,
               batch: int = _BATCH) -> Iterator[AuditRecord]:
    """Every matching entry, newest first, in keyset batches on the id."""
    below = None if up_to_id is None else up_to_id + 1
    while True:
        statement = select(AuditLog).where(*query.where()).order_by(AuditLog.id.desc())
        if below is not None:
            statement = statement.where(AuditLog.id < below)
        with db.read() as session:
            rows = [_audit_record(row) for row in session.scalars(statement.limit(batch))]
        yield from rows
        if len(rows) < batch:
            return
        below = rows[-1].id


def audit_facets(db: Database) -> tuple[list[str], list[str]]:
    """Every actor and every action found in the audit log, for the filters' choices."""
    with db.read() as session:
        actors = list(session.scalars(select(AuditLog.actor).distinct().order_by(AuditLog.actor)))
        actions = list(session.scalars(select(AuditLog.action).distinct()
                                       .order_by(AuditLog.action)))
        return actors, actions
