"""Open the database (SQLite or PostgreSQL), run the Alembic migrations, hand out sessions.

SQLite is opened in WAL mode with foreign keys on and a busy timeout; every write transaction
starts with ``BEGIN IMMEDIATE``, so that two writers queue on the lock instead of failing when
they upgrade a read snapshot. PostgreSQL goes through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["Database", "autogenerate_revision", "current_revision", "downgrade", "migrate",
           "normalise_url", "open_database", "upgrade"]

log = logging.getLogger(__name__)

_WRITE = "vigie_write"
#: Key of the PostgreSQL advisory lock taken while migrating.
_MIGRATE_LOCK = 0x76696769


@dataclass(frozen=True, slots=True)
class Database:
    """An open database: the engine and its two session factories.

    Attributes:
        engine: The SQLAlchemy engine.
        url: The URL it was opened with (password hidden in ``str``).

    Example:
        >>> db = open_database("sqlite://")
        >>> with db.read() as s:
        ...     s.scalar(text("select 1"))
        1
    """

    engine: Engine
    url: URL
    _reads: sessionmaker[Session]
    _writes: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end."""
        with self._reads() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._writes() as session, session.begin():
            yield session

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def normalise_url(url: str) -> URL:
    """Parse a URL; a driver-less ``postgresql://`` gets psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_database(url: str, *, busy_timeout_s: float = 5.0, echo: bool = False) -> Database:
    """Create the engine; the schema is not touched (see ``migrate``).

    Args:
        url: ``sqlite:///path/vigie.db`` (parent folder created), ``sqlite://`` (memory) or
            ``postgresql+psycopg://user@host/db``.
        busy_timeout_s: SQLite: how long a statement waits for another writer's lock.
        echo: Log every SQL statement.

    Returns:
        The open database.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, busy_timeout_s, echo)
    else:
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
    writes = engine.execution_options(**{_WRITE: True})
    return Database(
        engine=engine,
        url=parsed,
        _reads=sessionmaker(engine, expire_on_commit=False),
        _writes=sessionmaker(writes, expire_on_commit=False),
    )


def _sqlite_engine(url: URL, busy_timeout_s: float, echo: bool) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("vigie.store") / "migrations"))
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (idempotent; safe when two processes start at once).

    Args:
        url: Database URL, as for ``open_database``.
        revision: Alembic revision, ``head`` for the latest.
    """
    db = open_database(url)
    try:
        upgrade(db, revision)
    finally:
        db.close()


def upgrade(db: Database, revision: str = "head") -> None:
    """Upgrade an open database's schema to ``revision``."""
    cfg = _alembic_config()
    with db.engine.execution_options(**{_WRITE: True}).begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    log.info("database %s at revision %s", db.url, revision)


def downgrade(db: Database, revision: str) -> None:
    """Downgrade an open database's schema to ``revision`` (``base`` drops everything)."""
    cfg = _alembic_config()
    with db.engine.execution_options(**{_WRITE: True}).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def autogenerate_revision(db: Database, message: str, rev_id: str) -> None:
    """Developers: write a new revision into the package from the models' changes.

    Run it against a database at head, then review and tidy the generated file (custom
    column types are rendered by their SQLAlchemy names; use plain ``sa`` types).
    """
    cfg = _alembic_config()
    with db.engine.execution_options(**{_WRITE: True}).begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)


def current_revision(db: Database) -> str | None:
    """The schema's Alembic revision, None when never migrated."""
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
