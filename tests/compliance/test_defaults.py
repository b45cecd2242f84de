"""Safe by default: loopback bind, bounded request bodies, demo passwords readable only by
their owner, no secret in the repository."""

from __future__ import annotations

import io
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console

from tests.api.helpers import add_alert, write_site
from vigie.api import ConsoleContext
from vigie.api.app import MAX_BODY_BYTES
from vigie.config import ConsoleConfig, load_config
from vigie.demo import demo_accounts
from vigie.store import AlertRepository, open_database
from vigie.store.users import LoginOutcome, UserRepository

REPO = Path(__file__).resolve().parents[2]
ClientAs = Callable[[object], TestClient]


def test_the_console_listens_on_loopback_unless_told_otherwise() -> None:
    assert ConsoleConfig().host == "127.0.0.1"
    assert ConsoleConfig().secure_cookies is False  # set it behind TLS (documented)


def test_an_oversized_body_is_refused_and_changes_nothing(ctx: ConsoleContext,
                                                          client_as: ClientAs) -> None:
    alert = add_alert(ctx)
    client = client_as("operator")
    payload = {"action": "comment", "expected_version": alert.version,
               "comment": "x" * (MAX_BODY_BYTES + 10)}
    response = client.post(f"/api/alerts/{alert.id}/actions", json=payload)
    assert response.status_code == 413
    assert AlertRepository(ctx.db).get(alert.id).version == alert.version
    assert len(AlertRepository(ctx.db).history(alert.id)) == 1


def test_demo_passwords_are_generated_once_and_readable_only_by_their_owner(
        tmp_path: Path) -> None:
    site = load_config(write_site(tmp_path / "site"))
    accounts = tmp_path / "accounts.txt"
    quiet = Console(file=io.StringIO())
    demo_accounts(site, accounts, quiet)
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    first = accounts.read_text()
    demo_accounts(site, accounts, quiet)
    assert accounts.read_text() == first  # kept, not regenerated
    rows = dict(line.split("\t") for line in first.splitlines()[1:])
    assert set(rows) == {"operator", "supervisor", "integrator", "auditor"}
    db = open_database(site.storage.resolved_url())
    try:
        users = UserRepository(db)
        assert all(users.authenticate(login, pw).outcome is LoginOutcome.OK
                   for login, pw in rows.items())
    finally:
        db.close()


def test_no_secret_or_account_file_is_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    assert not [f for f in tracked if Path(f).name in {"accounts.txt", ".env", "secret.key"}
                or f.endswith((".pem", ".key", ".db"))]
