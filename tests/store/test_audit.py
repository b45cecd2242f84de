"""The hash-chained audit log: appends, concurrency, and tampering that verify_chain detects."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import exc, text

from vigie.store import AuditRepository, Database
from vigie.store.audit import GENESIS_HASH, entry_hash

from .helpers import T0


@pytest.fixture
def audit(db: Database) -> AuditRepository:
    """An audit log of five entries (the cameras' creation is entry 1)."""
    repo = AuditRepository(db)
    for i in range(2, 6):
        repo.append(f"op{i}", "camera.stop", f"camera:cam{i}", {"reason": f"test {i}", "n": i},
                    at=T0 + timedelta(seconds=i))
    return repo


def _tamper(db: Database, statement: str, **params: object) -> None:
    """Run SQL as an attacker with the owner's rights would: triggers out of the way."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        conn.execute(text(statement), params)


def test_hash_format_is_stable() -> None:
    digest = entry_hash(id=1, at=T0, actor="op1", action="camera.stop", target="camera:hall",
                        details={"b": 1, "a": "é"}, prev_hash=GENESIS_HASH)
    canonical = ('{"action":"camera.stop","actor":"op1","at":"2026-03-14T09:26:53.589793+00:00",'
                 '"details":{"a":"é","b":1},"id":1,"prev_hash":"' + "0" * 64 + '",'
                 '"target":"camera:hall"}')
    assert digest == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_chain_links_every_entry(audit: AuditRepository) -> None:
    entries = sorted(audit.list(), key=lambda e: e.id)
    assert [e.id for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert audit.verify_chain() is None
    assert audit.verify_chain(batch=2) is None
    assert audit.head() == (5, entries[-1].hash)


def test_edited_row_is_found(audit: AuditRepository, db: Database) -> None:
    _tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    assert audit.verify_chain() == 3


def test_deleted_row_is_found(audit: AuditRepository, db: Database) -> None:
    _tamper(db, "DELETE FROM audit_log WHERE id = 3")
    assert audit.verify_chain() == 4


def test_inserted_row_is_found(audit: AuditRepository, db: Database) -> None:
    """A forged entry slipped in after entry 2, with a correct hash, breaks the next one."""
    second = next(e for e in audit.list() if e.id == 2)
    _tamper(db, "UPDATE audit_log SET id = id + 1000 WHERE id > 2")
    _tamper(db, "UPDATE audit_log SET id = id - 999 WHERE id > 1000")
    details = {"reason": "forged"}
    at = T0 + timedelta(seconds=2, milliseconds=500)
    forged = entry_hash(id=3, at=at, actor="mallory", action="camera.resume",
                        target="camera:cam2", details=details, prev_hash=second.hash)
    _tamper(db, "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash) "
                "VALUES (3, :at, 'mallory', 'camera.resume', 'camera:cam2', '{\"reason\":"
                "\"forged\"}', :prev, :hash)",
            at=at if db.dialect == "postgresql" else at.replace(tzinfo=None),
            prev=second.hash, hash=forged)
    assert audit.verify_chain() == 4


def test_appended_row_with_a_bad_hash_is_found(audit: AuditRepository, db: Database) -> None:
    head = audit.head()
    assert head is not None
    _tamper(db, "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash) "
                "VALUES (6, :at, 'mallory', 'x', 'y', '{}', :prev, :hash)",
            at=T0.replace(tzinfo=None), prev=head[1], hash="f" * 64)
    assert audit.verify_chain() == 6


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'",
                                       "DELETE FROM audit_log"], ids=["update", "delete"])
def test_database_refuses_changes(audit: AuditRepository, db: Database, statement: str) -> None:
    with pytest.raises(exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert audit.verify_chain() is None


def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    repo = AuditRepository(db)
    errors: list[BaseException] = []

    def append_many(worker: int) -> None:
        try:
            for i in range(10):
                repo.append(f"w{worker}", "test.append", f"n:{i}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=append_many, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert repo.head() is not None
    assert repo.head()[0] == 41  # type: ignore[index]
    assert repo.verify_chain() is None


def test_row_before_the_first_is_found(audit: AuditRepository, db: Database) -> None:
    _tamper(db, "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash) "
                "VALUES (0, :at, 'mallory', 'x', 'y', '{}', :prev, :hash)",
            at=T0.replace(tzinfo=None), prev=GENESIS_HASH, hash="e" * 64)
    assert audit.verify_chain() == 0
