"""Console accounts and browser sessions: argon2 password hashes, lockout, hashed session tokens.

Nothing here stores a password or a session token in clear: passwords as argon2id hashes,
session tokens as their SHA-256 (the cookie holds the token itself).
"""

from __future__ import annotations

import builtins
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigie.store.audit import append_audit
from vigie.store.columns import utcnow
from vigie.store.db import Database
from vigie.store.models import User, UserSession

__all__ = [
    "LoginOutcome",
    "LoginResult",
    "Role",
    "SessionRecord",
    "SessionRepository",
    "UserError",
    "UserRecord",
    "UserRepository",
]

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    """Who uses the console; what each may do is in ``vigie.api.permissions``."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    INTEGRATOR = "integrator"
    AUDITOR = "auditor"  # data-protection officer or auditor


class UserError(ValueError):
    """An account cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An account, without its password hash."""

    id: int
    login: str
    role: Role
    display_name: str
    cameras: tuple[str, ...] | None  # None: every camera
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None

    def may_see(self, camera_id: str) -> bool:
        """Whether the account's cameras include ``camera_id``."""
        return self.cameras is None or camera_id in self.cameras


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A signed-in browser, as looked up from its cookie."""

    id: int
    user: UserRecord
    csrf_token: str
    expires_at: datetime


class LoginOutcome(StrEnum):
    """How a login attempt ended."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A login attempt's outcome; ``user`` only when it succeeded."""

    outcome: LoginOutcome
    user: UserRecord | None = None


def _user_record(row: User) -> UserRecord:
    return UserRecord(id=row.id, login=row.login, role=Role(row.role),
                      display_name=row.display_name,
                      cameras=None if row.cameras is None else tuple(row.cameras),
                      disabled=row.disabled,
                      locked_until=row.locked_until, created_at=row.created_at,
                      last_login_at=row.last_login_at)


def _check_login(login: str) -> str:
    login = login.strip()
    if not login or len(login) > 64 or not all(c.isalnum() or c in "._-@" for c in login):
        raise UserError(f"login {login!r} must be 1-64 letters, digits, '.', '_', '-' or '@'")
    return login


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserRepository:
    """Create accounts, check passwords, lock accounts after repeated failures.

    Every change is audited in the same transaction.

    Example:
        >>> from vigie.store.db import open_database, upgrade
        >>> db = open_database("sqlite://"); upgrade(db)
        >>> users = UserRepository(db)
        >>> users.add("op1", Role.OPERATOR, "correct horse battery", actor="cli").role
        <Role.OPERATOR: 'operator'>
        >>> users.authenticate("op1", "wrong password!").outcome
        <LoginOutcome.BAD_CREDENTIALS: 'bad_credentials'>
    """

    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self._db = db
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def add(self, login: str, role: Role | str, password: str, *, actor: str,
            display_name: str = "", cameras: Sequence[str] | None = None) -> UserRecord:
        """Create an account; ``cameras`` limits it to those cameras (None: every camera).

        Raises:
            UserError: Bad login, unknown role, short password, or the login exists.
        """
        login, role = _check_login(login), _role(role)
        _check_password(password)
        with self._db.write() as session:
            if session.scalar(select(User.id).where(User.login == login)) is not None:
                raise UserError(f"an account {login!r} already exists")
            row = User(login=login, role=role.value, display_name=display_name,
                       password_hash=self._hasher.hash(password), failed_logins=0,
                       cameras=_cameras(cameras), disabled=False, created_at=utcnow())
            session.add(row)
            session.flush()
            append_audit(session, actor, "user.add", f"user:{login}",
                         {"role": role.value, "cameras": row.cameras})
            return _user_record(row)

    def list(self) -> builtins.list[UserRecord]:
        """Every account, by login."""
        with self._db.read() as session:
            return [_user_record(r) for r in session.scalars(select(User).order_by(User.login))]

    def get(self, login: str) -> UserRecord:
        """One account. Raises UserError when it does not exist."""
        with self._db.read() as session:
            return _user_record(_user(session, login))

    def count(self) -> int:
        """How many accounts exist."""
        with self._db.read() as session:
            return len(session.scalars(select(User.id)).all())

    def set_role(self, login: str, role: Role | str, *, actor: str) -> UserRecord:
        """Change an account's role (audited)."""
        role = _role(role)
        with self._db.write() as session:
            row = _user(session, login)
            before, row.role = row.role, role.value
            append_audit(session, actor, "user.role", f"user:{login}",
                         {"from": before, "to": role.value})
            return _user_record(row)

    def set_cameras(self, login: str, cameras: Sequence[str] | None, *,
                    actor: str) -> UserRecord:
        """Limit an account to some cameras, or (None) give it every camera (audited)."""
        with self._db.write() as session:
            row = _user(session, login)
            before, row.cameras = row.cameras, _cameras(cameras)
            append_audit(session, actor, "user.cameras", f"user:{login}",
                         {"from": before, "to": row.cameras})
            return _user_record(row)

    def set_password(self, login: str, password: str, *, actor: str) -> None:
        """Replace a password; unlocks the account and signs out its sessions (audited)."""
        _check_password(password)
        with self._db.write() as session:
            row = _user(session, login)
            row.password_hash = self._hasher.hash(password)
            row.failed_logins, row.locked_until = 0, None
            session.execute(delete(UserSession).where(UserSession.user_id == row.id))
            append_audit(session, actor, "user.password", f"user:{login}", {})

    def set_disabled(self, login: str, disabled: bool, *, actor: str) -> UserRecord:
        """Disable (or enable) an account; disabling signs out its sessions (audited)."""
        with self._db.write() as session:
            row = _user(session, login)
            row.disabled = disabled
            if disabled:
                session.execute(delete(UserSession).where(UserSession.user_id == row.id))
            append_audit(session, actor, "user.disable" if disabled else "user.enable",
                         f"user:{login}", {})
            return _user_record(row)

    def authenticate(self, login: str, password: str, *, source: str = "",
                     now: datetime | None = None) -> LoginResult:
        """Check a password; count failures, lock after ``MAX_FAILED_LOGINS``; audit both.

        An unknown login costs the same hashing time as a known one and is audited the same
        way, so that neither timing nor the answer tells which logins exist.
        """
        now = now or utcnow()
        with self._db.write() as session:
            row = session.scalar(select(User).where(User.login == login[:64]))
            outcome = self._outcome(row, password, now)
            details = {"outcome": outcome.value, "source": source}
            action = "login.ok" if outcome is LoginOutcome.OK else "login.failed"
            append_audit(session, login[:64] or "-", action, f"user:{login[:64]}", details, now)
            if outcome is LoginOutcome.OK and row is not None:
                return LoginResult(outcome, _user_record(row))
            return LoginResult(outcome)

    def _outcome(self, row: User | None, password: str, now: datetime) -> LoginOutcome:
        if row is None:
            self._verify(self._dummy_hash(), password)
            return LoginOutcome.BAD_CREDENTIALS
        if row.locked_until is not None and row.locked_until > now:
            return LoginOutcome.LOCKED
        if not self._verify(row.password_hash, password):
            row.failed_logins += 1
            if row.failed_logins >= MAX_FAILED_LOGINS:
                row.locked_until, row.failed_logins = now + LOCKOUT, 0
            return LoginOutcome.BAD_CREDENTIALS
        if row.disabled:
            return LoginOutcome.DISABLED
        row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
        if self._hasher.check_needs_rehash(row.password_hash):
            row.password_hash = self._hasher.hash(password)
        return LoginOutcome.OK

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_hex(16))
        return self._dummy

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False


class SessionRepository:
    """Browser sessions: a random token in the cookie, its hash in the database.

    Args:
        db: The database.
        idle: A session not used for this long is over.
        lifetime: A session is over this long after sign-in, used or not.
    """

    def __init__(self, db: Database, *, idle: timedelta = timedelta(hours=12),
                 lifetime: timedelta = timedelta(hours=24)) -> None:
        self._db = db
        self.idle = idle
        self.lifetime = lifetime

    def open(self, user: UserRecord, now: datetime | None = None) -> tuple[str, SessionRecord]:
        """Start a session; returns the cookie token and the session."""
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        with self._db.write() as session:
            row = UserSession(token_hash=token_hash(token), user_id=user.id,
                              csrf_token=secrets.token_urlsafe(32), created_at=now,
                              last_seen_at=now, expires_at=now + self.lifetime)
            session.add(row)
            session.flush()
            return token, SessionRecord(row.id, user, row.csrf_token, row.expires_at)

    def lookup(self, token: str, now: datetime | None = None) -> SessionRecord | None:
        """The live session of a cookie token, touched; None if unknown, expired or disabled."""
        now = now or utcnow()
        with self._db.write() as session:
            row = session.scalar(select(UserSession).where(
                UserSession.token_hash == token_hash(token)))
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if (user is None or user.disabled or row.expires_at <= now
                    or now - row.last_seen_at > self.idle):
                session.delete(row)
                return None
            if (now - row.last_seen_at).total_seconds() > 60:
                row.last_seen_at = now
            return SessionRecord(row.id, _user_record(user), row.csrf_token, row.expires_at)

    def close(self, token: str) -> None:
        """Sign out: forget the session."""
        with self._db.write() as session:
            session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete sessions past their lifetime; returns how many."""
        now = now or utcnow()
        with self._db.write() as session:
            rows = session.scalars(select(UserSession).where(UserSession.expires_at <= now)).all()
            for row in rows:
                session.delete(row)
            return len(rows)


def _user(session: Session, login: str) -> User:
    row = session.scalar(select(User).where(User.login == login))
    if row is None:
        raise UserError(f"no account {login!r}")
    return row


def _cameras(cameras: Sequence[str] | None) -> list[str] | None:
    if cameras is None:
        return None
    chosen = sorted({c.strip() for c in cameras if c.strip()})
    if not chosen:
        raise UserError("an account limited to cameras needs at least one camera id")
    return chosen


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"unknown role {role!r}; roles: "
                        f"{', '.join(r.value for r in Role)}") from None
