"""Opening databases, migrations, and the Alembic head matching the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from vigie.store import Database, current_revision, migrate, open_database
from vigie.store.db import downgrade, normalise_url, upgrade
from vigie.store.models import Base


def test_head_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_is_idempotent(db: Database) -> None:
    head = current_revision(db)
    assert head is not None
    migrate(db.url.render_as_string(hide_password=False))
    assert current_revision(db) == head


def test_downgrade_then_upgrade_round_trips(db: Database) -> None:
    downgrade(db, "base")
    assert current_revision(db) is None
    upgrade(db)
    test_head_schema_matches_models(db)


def test_sqlite_settings_and_parent_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "vigie.db"
    db = open_database(f"sqlite:///{path}")
    try:
        with db.read() as session:
            assert session.scalar(text("PRAGMA journal_mode")) == "wal"
            assert session.scalar(text("PRAGMA foreign_keys")) == 1
            assert session.scalar(text("PRAGMA busy_timeout")) == 5000
        assert path.parent.is_dir()
    finally:
        db.close()


def _rename_then_fail(db: Database) -> None:
    with db.write() as session:
        session.execute(text("UPDATE cameras SET name = 'changed'"))
        raise RuntimeError("boom")


def test_write_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        _rename_then_fail(db)
    with db.read() as session:
        assert "changed" not in session.scalars(text("SELECT name FROM cameras")).all()


@pytest.mark.parametrize(
    ("url", "driver"),
    [("postgresql://u@h/db", "postgresql+psycopg"),
     ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
     ("sqlite:///x.db", "sqlite")],
    ids=["pg-bare", "pg-psycopg", "sqlite"],
)
def test_normalise_url(url: str, driver: str) -> None:
    assert normalise_url(url).drivername == driver
