"""Fixtures of the runtime tests: damaged footage and an empty PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.conftest import PG_ADMIN_URL, _pg_admin


@pytest.fixture(scope="session")
def vtest_cut(vtest_avi: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """vtest.avi cut at 40 % of its bytes (a recording whose copy was interrupted)."""
    data = vtest_avi.read_bytes()
    target = tmp_path_factory.mktemp("media") / "vtest-cut40.avi"
    target.write_bytes(data[: int(len(data) * 0.4)])
    return target


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """URL of a new, empty (never migrated) PostgreSQL database, dropped afterwards.

    Skips when the server is unreachable (see ``tests/store/conftest.py``).
    """
    admin = _pg_admin()
    name = f"vigie_runtime_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        admin.close()  # type: ignore[attr-defined]
