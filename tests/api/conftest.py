"""Fixtures of the console API tests: a site on disk, its context, signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import client_for, make_context, write_site
from vigie.api import ConsoleContext
from vigie.store.users import Role


@pytest.fixture
def site_path(tmp_path: Path) -> Path:
    """A two-camera site with a migrated SQLite database."""
    return write_site(tmp_path / "site")


@pytest.fixture
def ctx(site_path: Path) -> Iterator[ConsoleContext]:
    """The console context of ``site_path``, one account per role (login = role name)."""
    context = make_context(site_path)
    yield context
    context.db.close()


@pytest.fixture
def client_as(ctx: ConsoleContext) -> Iterator[Callable[[Role | str | None], TestClient]]:
    """``client_as(role)``: a test client signed in as that role (None: anonymous)."""
    clients: list[TestClient] = []

    def make(role: Role | str | None) -> TestClient:
        client = client_for(ctx, role)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
