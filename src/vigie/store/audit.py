"""Append-only, hash-chained audit log.

Each entry carries ``prev_hash`` (the previous entry's hash, 64 zeros for the first) and
``hash = sha256(canonical JSON of {id, at, actor, action, target, details, prev_hash})``.
Canonical JSON: sorted keys, no spaces, UTF-8, ``at`` as ISO 8601 UTC with microseconds.
Ids are a gapless sequence given under a lock, so that a deleted row leaves a visible gap and
two concurrent appends cannot fork the chain (they would collide on the primary key).

The chain detects edits, deletions and insertions anywhere but at the very end; someone able
to rewrite the whole tail is caught only by comparing ``head()`` with a copy kept elsewhere
(``vigie audit verify --anchor ID:HASH``, with the head printed by every export). The migrations
also forbid UPDATE and DELETE on the table with triggers.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from vigie.store.columns import utcnow
from vigie.store.db import Database
from vigie.store.models import AuditLog
from vigie.store.types import AuditRecord, JsonDict

__all__ = [
    "GENESIS_HASH",
    "AuditRepository",
    "ChainCheck",
    "append_audit",
    "canonical_json",
    "entry_hash",
]

GENESIS_HASH = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK = 0x61756469


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, non-ASCII kept, NaN refused: one text per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def normalise_details(details: JsonDict | None) -> JsonDict:
    """The details as they will read back from the database (tuples become lists...)."""
    value = json.loads(canonical_json(details or {}))
    if not isinstance(value, dict):
        raise TypeError("audit details must be a JSON object")
    return value


def entry_hash(*, id: int, at: datetime, actor: str, action: str, target: str,
               details: JsonDict, prev_hash: str) -> str:
    """The sha256 hex digest of one entry, chained to ``prev_hash``."""
    body = {
        "id": id, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor, "action": action, "target": target, "details": details,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def _row_hash(row: AuditLog) -> str:
    return entry_hash(id=row.id, at=row.at, actor=row.actor, action=row.action,
                      target=row.target, details=row.details, prev_hash=row.prev_hash)


def _record(row: AuditLog) -> AuditRecord:
    return AuditRecord(id=row.id, at=row.at, actor=row.actor, action=row.action,
                       target=row.target, details=dict(row.details), prev_hash=row.prev_hash,
                       hash=row.hash)


def append_audit(session: Session, actor: str, action: str, target: str,
                 details: JsonDict | None = None, at: datetime | None = None) -> AuditRecord:
    """Append one entry inside the caller's write transaction (see ``Database.write``).

    Args:
        session: A session inside ``Database.write()``, so the entry commits or rolls back
            with the change it describes.
        actor: Operator login, or ``system``.
        action: Dotted verb, e.g. ``alert.validate``, ``camera.stop``.
        target: What was acted on, e.g. ``alert:<uuid>``, ``camera:<id>``.
        details: JSON-compatible context.
        at: When (default now, UTC).

    Returns:
        The entry as stored.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    head = session.execute(
        select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).first()
    prev_id, prev_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
    row = AuditLog(id=prev_id + 1, at=(at or utcnow()).astimezone(UTC), actor=actor,
                   action=action, target=target, details=normalise_details(details),
                   prev_hash=prev_hash)
    row.hash = _row_hash(row)
    session.add(row)
    session.flush()
    return _record(row)


class AuditRepository:
    """Write and check the audit log.

    Example:
        >>> from vigie.store.db import open_database, upgrade
        >>> db = open_database("sqlite://"); upgrade(db)
        >>> audit = AuditRepository(db)
        >>> audit.append("op1", "camera.stop", "camera:hall", {"reason": "maintenance"}).id
        1
        >>> audit.verify_chain() is None
        True
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, actor: str, action: str, target: str, details: JsonDict | None = None,
               at: datetime | None = None) -> AuditRecord:
        """Append one entry in its own transaction (arguments as ``append_audit``)."""
        with self._db.write() as session:
            return append_audit(session, actor, action, target, details, at)

    def list(self, *, since: datetime | None = None, until: datetime | None = None,
             actor: str | None = None, action: str | None = None, limit: int = 100,
             offset: int = 0) -> builtins.list[AuditRecord]:
        """Entries, newest first, filtered."""
        query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit).offset(offset)
        if since is not None:
            query = query.where(AuditLog.at >= since)
        if until is not None:
            query = query.where(AuditLog.at < until)
        if actor is not None:
            query = query.where(AuditLog.actor == actor)
        if action is not None:
            query = query.where(AuditLog.action == action)
        with self._db.read() as session:
            return [_record(row) for row in session.scalars(query)]

    def iter_all(self, batch: int = 1000) -> Iterator[AuditRecord]:
        """Every entry, oldest first, in keyset batches (for exports)."""
        after = 0
        while True:
            with self._db.read() as session:
                rows = [_record(r) for r in session.scalars(
                    select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id)
                    .limit(batch))]
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].id

    def head(self) -> tuple[int, str] | None:
        """(id, hash) of the last entry, to keep elsewhere as an anchor; None when empty."""
        with self._db.read() as session:
            row = session.execute(
                select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).first()
            return (row[0], row[1]) if row else None

    def verify_chain(self, batch: int = 1000) -> int | None:
        """Walk the whole chain.

        Returns:
            The id of the first entry that is not where, or not what, the chain says (an
            edited entry, the entry after a deleted one, an inserted entry), or None when the
            chain is intact.
        """
        return self.verify(batch=batch).first_bad_id

    def verify(self, *, anchor: tuple[int, str] | None = None,
               batch: int = 1000) -> ChainCheck:
        """Walk the whole chain and say where and how it is broken, if it is.

        Args:
            anchor: ``(id, hash)`` of an entry recorded elsewhere earlier (e.g. from an
                export): that entry must still be there, unchanged, so that a rewritten or
                truncated tail is caught too.
            batch: Rows read at a time.
        """
        expected_id, prev_hash, entries = 1, GENESIS_HASH, 0
        hashes_seen: dict[int, str] = {}
        query = select(AuditLog).order_by(AuditLog.id).limit(batch)
        with self._db.read() as session:
            while True:
                after = query if expected_id == 1 else query.where(AuditLog.id >= expected_id)
                rows = session.scalars(after).all()
                for row in rows:
                    problem = _chain_problem(row, expected_id, prev_hash)
                    if problem:
                        return ChainCheck(False, entries, row.id, problem)
                    entries, expected_id, prev_hash = entries + 1, row.id + 1, row.hash
                    if anchor is not None and row.id == anchor[0]:
                        hashes_seen[row.id] = row.hash
                if len(rows) < batch:
                    break
                session.expunge_all()
        return _anchor_check(anchor, hashes_seen, entries)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of walking the audit chain."""

    intact: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""


def _chain_problem(row: AuditLog, expected_id: int, prev_hash: str) -> str:
    if row.id < expected_id:
        return f"entry {row.id} does not belong in the sequence: inserted"
    if row.id != expected_id:
        missing = f"{expected_id}" if row.id == expected_id + 1 else \
            f"{expected_id} to {row.id - 1}"
        return f"entry {missing} missing: deleted"
    if row.prev_hash != prev_hash:
        return (f"entry {row.id} does not follow entry {row.id - 1}: an entry was inserted, "
                "replaced or removed before it")
    if row.hash != _row_hash(row):
        return f"entry {row.id} was edited: its content no longer matches its hash"
    return ""


def _anchor_check(anchor: tuple[int, str] | None, seen: dict[int, str],
                  entries: int) -> ChainCheck:
    if anchor is None:
        return ChainCheck(True, entries)
    anchor_id, anchor_hash = anchor
    if anchor_id not in seen:
        return ChainCheck(False, entries, anchor_id,
                          f"anchored entry {anchor_id} is gone: the end of the log was cut")
    if seen[anchor_id] != anchor_hash:
        return ChainCheck(False, entries, anchor_id,
                          f"anchored entry {anchor_id} has another hash: the log was rewritten")
    return ChainCheck(True, entries)
