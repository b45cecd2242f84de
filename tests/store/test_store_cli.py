"""`vigie purge` and `vigie audit verify|export`, as an operator of the site would run them."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.helpers import write_site
from vigie.cli import app
from vigie.config import load_config
from vigie.store import AuditRepository, open_database

runner = CliRunner()


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    path = write_site(tmp_path / "site")
    db = open_database(load_config(path).storage.resolved_url())
    try:
        audit = AuditRepository(db)
        for i in range(5):
            audit.append("op1", "alert.view", f"alert:{i}", {"n": i})
    finally:
        db.close()
    return path


def _db_file(site_file: Path) -> Path:
    return Path(load_config(site_file).storage.data_dir) / "vigie.db"


def test_verify_says_intact(site_file: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", str(site_file), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["intact"] is True
    assert body["entries"] >= 5


@pytest.mark.parametrize(("tamper", "problem"), [
    ("UPDATE audit_log SET actor = 'mallory' WHERE id = 3", "entry 3 was edited"),
    ("DELETE FROM audit_log WHERE id = 3", "entry 3 missing: deleted"),
], ids=["edited", "deleted"])
def test_verify_names_the_broken_entry(site_file: Path, tamper: str, problem: str) -> None:
    with sqlite3.connect(_db_file(site_file)) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute(tamper)
    result = runner.invoke(app, ["audit", "verify", str(site_file)])
    assert result.exit_code == 1
    assert problem in result.output


def test_export_is_logged_and_its_anchor_catches_a_cut_tail(site_file: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(app, ["audit", "export", str(site_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["id"] for e in lines] == list(range(1, len(lines) + 1))
    assert lines[-1]["action"] == "audit.export"
    anchor = result.output.split("--anchor ")[1].split()[0]
    assert anchor == f"{lines[-1]['id']}:{lines[-1]['hash']}"
    assert runner.invoke(app, ["audit", "verify", str(site_file), "--anchor", anchor]
                         ).exit_code == 0
    with sqlite3.connect(_db_file(site_file)) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    cut = runner.invoke(app, ["audit", "verify", str(site_file), "--anchor", anchor])
    assert cut.exit_code == 1
    assert "the end of the log was cut" in cut.output


def test_csv_export_neutralises_formulas(site_file: Path, tmp_path: Path) -> None:
    db = open_database(load_config(site_file).storage.resolved_url())
    try:
        AuditRepository(db).append("=HYPERLINK(\"x\")", "login.failed", "user:x", {})
    finally:
        db.close()
    out = tmp_path / "audit.csv"
    assert runner.invoke(app, ["audit", "export", str(site_file), "-o", str(out),
                               "--format", "csv"]).exit_code == 0
    with out.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert any(r["actor"] == "'=HYPERLINK(\"x\")" for r in rows)


def test_bad_anchor_is_a_clear_error(site_file: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", str(site_file), "--anchor", "12"])
    assert result.exit_code == 2
    assert "ID:HASH" in result.output


def test_purge_dry_run_then_for_real(site_file: Path) -> None:
    dry = runner.invoke(app, ["purge", str(site_file), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["dry_run"] is True
    done = runner.invoke(app, ["purge", str(site_file)])
    assert done.exit_code == 0, done.output
    assert "retention purge (done)" in done.output
    db = open_database(load_config(site_file).storage.resolved_url())
    try:
        assert AuditRepository(db).list(action="retention.purge")[0].actor == "cli"
    finally:
        db.close()
