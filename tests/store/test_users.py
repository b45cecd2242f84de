"""Accounts and sessions: hashing, lockout, expiry, audit of every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigie.store import AuditRepository, Database
from vigie.store.models import User
from vigie.store.users import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    LoginOutcome,
    Role,
    SessionRepository,
    UserError,
    UserRepository,
)

PASSWORD = "a long enough password"
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def users(db: Database) -> UserRepository:
    return UserRepository(db)


def test_the_password_is_stored_as_an_argon2_hash_only(users: UserRepository,
                                                       db: Database) -> None:
    users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    with db.read() as session:
        stored = session.query(User).one().password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert users.authenticate("op1", PASSWORD).outcome is LoginOutcome.OK


@pytest.mark.parametrize(("login", "role", "password", "message"), [
    ("", "operator", PASSWORD, "login"),
    ("op 1", "operator", PASSWORD, "login"),
    ("op1", "admin", PASSWORD, "unknown role 'admin'"),
    ("op1", "operator", "short", "at least 10 characters"),
], ids=["empty-login", "space-in-login", "unknown-role", "short-password"])
def test_bad_accounts_are_refused_with_the_reason(users: UserRepository, login: str, role: str,
                                                  password: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        users.add(login, role, password, actor="cli")
    assert users.count() == 0


def test_a_login_exists_once(users: UserRepository) -> None:
    users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    with pytest.raises(UserError, match="already exists"):
        users.add("op1", Role.SUPERVISOR, PASSWORD, actor="cli")
    assert users.get("op1").role is Role.OPERATOR


def test_lockout_after_repeated_failures_then_release(users: UserRepository) -> None:
    users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    for i in range(MAX_FAILED_LOGINS):
        assert users.authenticate("op1", "wrong", now=T0 + timedelta(seconds=i)).outcome \
            is LoginOutcome.BAD_CREDENTIALS
    locked = users.authenticate("op1", PASSWORD, now=T0 + timedelta(minutes=1))
    assert locked.outcome is LoginOutcome.LOCKED
    assert locked.user is None
    later = users.authenticate("op1", PASSWORD, now=T0 + LOCKOUT + timedelta(seconds=10))
    assert later.outcome is LoginOutcome.OK


def test_disabled_account_cannot_sign_in(users: UserRepository) -> None:
    users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    users.set_disabled("op1", True, actor="sup")
    assert users.authenticate("op1", PASSWORD).outcome is LoginOutcome.DISABLED


def test_every_account_change_and_sign_in_is_audited(users: UserRepository,
                                                     db: Database) -> None:
    users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    users.set_role("op1", Role.SUPERVISOR, actor="admin")
    users.set_password("op1", PASSWORD + "!", actor="admin")
    users.authenticate("op1", "bad")
    users.authenticate("op1", PASSWORD + "!")
    audit = AuditRepository(db)
    actions = [e.action for e in reversed(audit.list()) if e.action.startswith(("user", "login"))]
    assert actions == ["user.add", "user.role", "user.password", "login.failed", "login.ok"]
    assert audit.verify_chain() is None


def test_sessions_expire_when_idle_or_too_old(users: UserRepository, db: Database) -> None:
    user = users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    sessions = SessionRepository(db, idle=timedelta(minutes=30),
                                 lifetime=timedelta(hours=8))
    token, record = sessions.open(user, now=T0)
    assert sessions.lookup(token, now=T0 + timedelta(minutes=20)) is not None
    assert sessions.lookup(token, now=T0 + timedelta(minutes=45)) is not None  # touched at 20
    assert sessions.lookup(token, now=T0 + timedelta(hours=2)) is None  # idle 75 min
    token, _ = sessions.open(user, now=T0)
    for minutes in range(20, 8 * 60, 20):
        assert sessions.lookup(token, now=T0 + timedelta(minutes=minutes)) is not None
    assert sessions.lookup(token, now=T0 + timedelta(hours=8, minutes=1)) is None
    assert record.csrf_token
    assert sessions.lookup("forged-token") is None


def test_the_session_token_itself_is_never_stored(users: UserRepository,
                                                  db: Database) -> None:
    user = users.add("op1", Role.OPERATOR, PASSWORD, actor="cli")
    token, _ = SessionRepository(db).open(user)
    with db.read() as session:
        from vigie.store.models import UserSession

        stored = session.query(UserSession).one().token_hash
    assert stored != token
    assert len(stored) == 64
