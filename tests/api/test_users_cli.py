"""`vigie users ...`: the first account is made from the command line, every change audited."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.helpers import write_site
from vigie.api import ConsoleContext, ConsoleServer
from vigie.cli import app
from vigie.config import load_config
from vigie.errors import VigieError
from vigie.store import AuditRepository, open_database
from vigie.store.users import LoginOutcome, Role, UserRepository

runner = CliRunner()


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site")


def _users(site_file: Path) -> tuple[UserRepository, AuditRepository, object]:
    db = open_database(load_config(site_file).storage.resolved_url())
    return UserRepository(db), AuditRepository(db), db


def test_add_list_change_role_and_disable(site_file: Path) -> None:
    added = runner.invoke(app, ["users", "add", str(site_file), "chief", "--role", "supervisor",
                                "--password-stdin"], input="a long secret phrase\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["users", "list", str(site_file)])
    assert "chief" in listed.stdout
    assert "supervisor" in listed.stdout
    assert "a long secret" not in listed.stdout
    assert runner.invoke(app, ["users", "set-role", str(site_file), "chief", "--role",
                               "auditor"]).exit_code == 0
    assert runner.invoke(app, ["users", "disable", str(site_file), "chief"]).exit_code == 0
    users, audit, db = _users(site_file)
    try:
        assert users.get("chief").role is Role.AUDITOR
        assert users.authenticate("chief", "a long secret phrase").outcome \
            is LoginOutcome.DISABLED
        actions = [e.action for e in audit.list(actor="cli")]
        assert actions[:3] == ["user.disable", "user.role", "user.add"]
    finally:
        db.close()  # type: ignore[attr-defined]


def test_generated_password_is_printed_once_and_works(site_file: Path) -> None:
    result = runner.invoke(app, ["users", "add", str(site_file), "op1", "--role", "operator",
                                 "--generate"])
    assert result.exit_code == 0, result.output
    generated = result.stdout.strip().splitlines()[-1]
    assert len(generated) >= 12
    users, _, db = _users(site_file)
    try:
        assert users.authenticate("op1", generated).outcome is LoginOutcome.OK
    finally:
        db.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--role", "admin"], "a long secret phrase\n", "admin"),
    (["--role", "operator"], "short\n", "at least 10 characters"),
], ids=["unknown-role", "short-password"])
def test_bad_account_requests_exit_2_with_the_reason(site_file: Path, args: list[str],
                                                     stdin: str, message: str) -> None:
    result = runner.invoke(app, ["users", "add", str(site_file), "op1", *args,
                                 "--password-stdin"], input=stdin)
    assert result.exit_code == 2
    assert message in result.output
    users, _, db = _users(site_file)
    try:
        assert users.count() == 0
    finally:
        db.close()  # type: ignore[attr-defined]


def test_a_taken_port_is_a_clear_error(site_file: Path) -> None:
    site = load_config(site_file)
    db = open_database(site.storage.resolved_url())
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    try:
        server = ConsoleServer(ConsoleContext(site=site, db=db), "127.0.0.1",
                               blocker.getsockname()[1])
        with pytest.raises(VigieError, match="cannot listen on 127.0.0.1"):
            server.start()
    finally:
        blocker.close()
        db.close()
