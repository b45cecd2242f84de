"""Alert repository: store alerts, list them, and apply operators' decisions with locking."""

from __future__ import annotations

import builtins
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigie.store.audit import append_audit
from vigie.store.columns import utcnow
from vigie.store.db import Database
from vigie.store.errors import AlertConflictError, AlertNotFoundError
from vigie.store.models import Alert, AlertAction
from vigie.store.statemachine import TransitionRequest, next_status
from vigie.store.types import (
    AlertActionKind,
    AlertActionRecord,
    AlertRecord,
    AlertStatus,
    ClipStatus,
    DismissReason,
    FollowUp,
    JsonDict,
    NewAlert,
)

__all__ = ["AlertQuery", "AlertRef", "AlertRepository"]

#: An alert is named by its integer id (API, UI) or its public uuid (pipeline, files).
AlertRef = int | UUID
_RECORD_FIELDS = tuple(f.name for f in fields(AlertRecord))


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters for ``AlertRepository.list``; None means any.

    Attributes:
        kind: Event type id.
        camera_id: Camera.
        camera_ids: Only these cameras (an account limited to a sector).
        status: One status, or a set of them (e.g. the open ones: new and acknowledged).
        since: Raised at or after (UTC).
        until: Raised before (UTC).
    """

    kind: str | None = None
    camera_id: str | None = None
    camera_ids: frozenset[str] | None = None
    status: AlertStatus | str | frozenset[AlertStatus] | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Add the WHERE clauses to a query on ``Alert``."""
        if self.kind is not None:
            query = query.where(Alert.kind == self.kind)
        if self.camera_id is not None:
            query = query.where(Alert.camera_id == self.camera_id)
        if self.camera_ids is not None:
            query = query.where(Alert.camera_id.in_(sorted(self.camera_ids)))
        if isinstance(self.status, str):
            query = query.where(Alert.status == AlertStatus(self.status))
        elif self.status is not None:
            query = query.where(Alert.status.in_(sorted(AlertStatus(s) for s in self.status)))
        if self.since is not None:
            query = query.where(Alert.raised_at >= self.since)
        if self.until is not None:
            query = query.where(Alert.raised_at < self.until)
        return query


def json_safe(value: Any) -> Any:
    """JSON-compatible copy: tuples become lists, NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def alert_record(row: Alert) -> AlertRecord:
    """Freeze an ORM row into a record."""
    values = {name: getattr(row, name) for name in _RECORD_FIELDS}
    values["track_ids"] = tuple(row.track_ids)
    values["details"] = dict(row.details)
    return AlertRecord(**values)


def _action_record(row: AlertAction) -> AlertActionRecord:
    return AlertActionRecord(id=row.id, alert_id=row.alert_id, action=row.action,
                             actor=row.actor, at=row.at, from_status=row.from_status,
                             to_status=row.to_status, comment=row.comment,
                             details=dict(row.details))


def _where_ref(ref: AlertRef) -> Any:
    return Alert.uuid == ref if isinstance(ref, UUID) else Alert.id == ref


def _load(session: Session, ref: AlertRef, *, lock: bool = False) -> Alert:
    query = select(Alert).where(_where_ref(ref))
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise AlertNotFoundError(f"no alert {ref}")
    return row


def _new_row(new: NewAlert) -> Alert:
    return Alert(
        uuid=new.uuid, kind=new.kind, rule_id=new.rule_id, camera_id=new.camera_id,
        zone=new.zone, started_at=new.started_at, ended_at=new.ended_at,
        raised_at=new.raised_at, score=float(new.score), explanation=new.explanation,
        details=json_safe(dict(new.details)), track_ids=[int(t) for t in new.track_ids],
        status=AlertStatus.NEW, follow_up=FollowUp.NONE,
        snapshot_path=new.snapshot_path, clip_path=new.clip_path,
        clip_status=ClipStatus.PENDING if new.clip_path else ClipStatus.NONE, version=1,
    )


def _apply(row: Alert, request: TransitionRequest, at: datetime) -> None:
    """Write the fields an action sets (the status is set by the caller)."""
    action = request.action
    if action in (AlertActionKind.ACKNOWLEDGE, AlertActionKind.VALIDATE,
                  AlertActionKind.DISMISS):
        row.operator = request.actor
    if action is AlertActionKind.ACKNOWLEDGE:
        row.acknowledged_at = at
    if action in (AlertActionKind.VALIDATE, AlertActionKind.DISMISS):
        row.decided_at = at
        row.decision_comment = request.comment
        row.dismiss_reason = request.reason
    if request.follow_up is not None:
        row.follow_up = request.follow_up
        row.follow_up_at = at
        row.follow_up_by = request.actor
        if action is AlertActionKind.FOLLOW_UP:
            row.follow_up_comment = request.comment


class AlertRepository:
    """Alerts and their follow-up register.

    Example:
        >>> repo = AlertRepository(db)  # doctest: +SKIP
        >>> alert = repo.create(NewAlert.from_event(event, snapshot_path=snap))  # doctest: +SKIP
        >>> repo.transition(alert.id, "validate", "op1", alert.version)  # doctest: +SKIP
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, new: NewAlert, *, actor: str = "system") -> AlertRecord:
        """Store a new alert, its ``raised`` register row and an audit entry.

        Idempotent on ``new.uuid``: storing the same alert twice (a spool replay) returns the
        stored one.
        """
        with self._db.write() as session:
            existing = session.scalars(select(Alert).where(Alert.uuid == new.uuid)).first()
            if existing is not None:
                return alert_record(existing)
            row = _new_row(new)
            session.add(row)
            session.flush()
            session.add(AlertAction(alert_id=row.id, action=AlertActionKind.RAISED, actor=actor,
                                    at=new.raised_at, from_status=None,
                                    to_status=AlertStatus.NEW, details={"rule_id": new.rule_id}))
            append_audit(session, actor, "alert.raise", f"alert:{new.uuid}",
                         {"alert_id": row.id, "kind": new.kind, "camera_id": new.camera_id,
                          "rule_id": new.rule_id})
            return alert_record(row)

    def get(self, ref: AlertRef) -> AlertRecord:
        """The alert with this id or uuid.

        Raises:
            AlertNotFoundError: No such alert.
        """
        with self._db.read() as session:
            return alert_record(_load(session, ref))

    def list(self, query: AlertQuery | None = None, *, limit: int = 100,
             offset: int = 0) -> builtins.list[AlertRecord]:
        """Alerts matching ``query``, newest first."""
        statement = (query or AlertQuery()).apply(select(Alert))
        statement = statement.order_by(Alert.raised_at.desc(), Alert.id.desc())
        with self._db.read() as session:
            rows = session.scalars(statement.limit(limit).offset(offset))
            return [alert_record(row) for row in rows]

    def count(self, query: AlertQuery | None = None) -> int:
        """How many alerts match ``query``."""
        statement = (query or AlertQuery()).apply(select(func.count()).select_from(Alert))
        with self._db.read() as session:
            return int(session.scalar(statement) or 0)

    def open_counts(self, camera_ids: frozenset[str] | None = None) -> dict[str, int]:
        """Alerts waiting for a decision, by status: ``{"new": n, "acknowledged": m}``.

        Args:
            camera_ids: Count only these cameras' alerts (None: every camera).
        """
        waiting = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED)
        statement = (select(Alert.status, func.count()).where(Alert.status.in_(waiting))
                     .group_by(Alert.status))
        if camera_ids is not None:
            statement = statement.where(Alert.camera_id.in_(sorted(camera_ids)))
        with self._db.read() as session:
            by_status = {str(status): int(n) for status, n in session.execute(statement)}
        return {str(status): by_status.get(str(status), 0) for status in waiting}

    def history(self, ref: AlertRef) -> builtins.list[AlertActionRecord]:
        """The alert's register, oldest first."""
        with self._db.read() as session:
            alert_id = _load(session, ref).id
            rows = session.scalars(select(AlertAction).where(AlertAction.alert_id == alert_id)
                                   .order_by(AlertAction.at, AlertAction.id))
            return [_action_record(row) for row in rows]

    def transition(
        self,
        alert_id: AlertRef,
        action: AlertActionKind | str,
        actor: str,
        expected_version: int,
        *,
        comment: str | None = None,
        reason: DismissReason | str | None = None,
        follow_up: FollowUp | str | None = None,
        at: datetime | None = None,
    ) -> AlertRecord:
        """Apply an operator's action, under optimistic locking.

        Args:
            alert_id: The alert (id or uuid).
            action: ``acknowledge``, ``validate``, ``dismiss``, ``follow_up`` or ``comment``.
            actor: Operator login.
            expected_version: The ``version`` the operator saw. A comment does not need the
                latest version and does not change it (it overwrites nothing).
            comment: Free text: decision comment, follow-up comment or note.
            reason: Dismiss reason (``dismiss`` only).
            follow_up: What was done (``follow_up``; optional with ``validate``).
            at: When (default now, UTC).

        Returns:
            The alert after the action, with ``version`` incremented.

        Raises:
            AlertNotFoundError: No such alert.
            AlertConflictError: Someone acted first; ``error.current`` shows what they did.
            InvalidTransitionError: The action is not allowed now, or misses a field.
        """
        request = TransitionRequest(
            action=AlertActionKind(action), actor=actor, comment=comment,
            reason=None if reason is None else DismissReason(reason),
            follow_up=None if follow_up is None else FollowUp(follow_up))
        when = (at or utcnow()).astimezone(UTC)
        with self._db.write() as session:
            row = _load(session, alert_id, lock=True)
            is_comment = request.action is AlertActionKind.COMMENT
            if row.version != expected_version and not is_comment:
                raise AlertConflictError(expected_version, alert_record(row))
            before = row.status
            row.status = next_status(before, request)
            _apply(row, request, when)
            if not is_comment:
                row.version += 1
            self._register(session, row, request, before, when)
            session.flush()
            return alert_record(row)

    @staticmethod
    def _register(session: Session, row: Alert, request: TransitionRequest,
                  before: AlertStatus, at: datetime) -> None:
        details: JsonDict = {}
        if request.reason is not None:
            details["reason"] = request.reason.value
        if request.follow_up is not None:
            details["follow_up"] = request.follow_up.value
        session.add(AlertAction(alert_id=row.id, action=request.action, actor=request.actor,
                                at=at, from_status=before, to_status=row.status,
                                comment=request.comment, details=details))
        # Free-text comments stay in the register, which retention purges with the alert;
        # the audit log is kept longer and immutable, so it gets no free text.
        append_audit(session, request.actor, f"alert.{request.action}", f"alert:{row.uuid}",
                     {"alert_id": row.id, "from": before.value, "to": row.status.value,
                      "version": row.version, **details}, at)

    def set_clip(self, ref: AlertRef, path: str | None, status: ClipStatus | str) -> AlertRecord:
        """Record the clip's path and state (a system update: ``version`` is unchanged)."""
        with self._db.write() as session:
            row = _load(session, ref)
            row.clip_path = path if path is not None else row.clip_path
            row.clip_status = ClipStatus(status)
            session.flush()
            return alert_record(row)

    def set_ended(self, ref: AlertRef, ended_at: datetime,
                  track_ids: Iterable[int] = ()) -> AlertRecord:
        """Push the incident's end (never backwards) and add tracks seen since (system update)."""
        with self._db.write() as session:
            row = _load(session, ref)
            if row.ended_at is None or ended_at > row.ended_at:
                row.ended_at = ended_at
            merged = sorted({*row.track_ids, *(int(t) for t in track_ids)})
            if merged != list(row.track_ids):
                row.track_ids = merged
            session.flush()
            return alert_record(row)
