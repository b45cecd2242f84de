"""Store fixtures: a migrated SQLite file per test, and one PostgreSQL database per session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from vigie.store import CameraRepository, Database, migrate, open_database

from .helpers import cameras

#: Server used to create the per-session test database (any database on it will do).
PG_ADMIN_URL = os.environ.get("VIGIE_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
def _pg_admin() -> object:
    psycopg = pytest.importorskip("psycopg")
    conninfo = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        return psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {conninfo} (set VIGIE_TEST_PG_URL): {exc}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a migrated database created for this test session, dropped afterwards."""
    admin = _pg_admin()
    name = f"vigie_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]


def _truncate(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no audit trigger
        conn.execute(text("TRUNCATE user_sessions, users, scene_versions, counts, audit_log, "
                          "camera_health, alert_actions, alerts, "
                          "cameras RESTART IDENTITY"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database in a fresh folder."""
    url = f"sqlite:///{tmp_path / 'data' / 'vigie.db'}"
    migrate(url)
    return url


def _open_clean(url: str) -> Database:
    database = open_database(url)
    if database.dialect == "postgresql":
        _truncate(database)
    CameraRepository(database).upsert_from_config(cameras("hall", "yard"))
    return database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A migrated, empty database with cameras ``hall`` and ``yard``: SQLite, then PG."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    database = _open_clean(request.getfixturevalue(fixture))
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    """The session's PostgreSQL database, emptied, with cameras ``hall`` and ``yard``."""
    database = _open_clean(pg_url)
    try:
        yield database
    finally:
        database.close()
