"""The authority's report: figures from the registers, per type, with stops."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from tests.api.helpers import add_alert
from vigie.api import ConsoleContext
from vigie.cli import app
from vigie.compliance.report import authority_report, report_markdown
from vigie.store import AlertRepository, CameraRepository

NOW = datetime.now(UTC)


def _decide(ctx: ConsoleContext, kind: str, action: str, after_s: float, **extra: str) -> None:
    raised = NOW - timedelta(hours=1)
    alert = add_alert(ctx, kind=kind, raised_at=raised, snapshot=False)
    AlertRepository(ctx.db).transition(alert.id, action, "op1", alert.version,
                                       at=raised + timedelta(seconds=after_s), **extra)


def _seed(ctx: ConsoleContext) -> None:
    _decide(ctx, "zone_intrusion", "validate", 30)
    _decide(ctx, "zone_intrusion", "validate", 90)
    _decide(ctx, "zone_intrusion", "dismiss", 60, reason="false_positive")
    _decide(ctx, "fire", "dismiss", 20, reason="false_positive")
    add_alert(ctx, kind="fire", raised_at=NOW - timedelta(minutes=5), snapshot=False)
    cameras = CameraRepository(ctx.db)
    cameras.set_stopped("cam-a", True, "sup", "market day")
    cameras.set_stopped("cam-a", False, "sup", "market over")


def test_figures_per_type_from_the_registers(ctx: ConsoleContext) -> None:
    _seed(ctx)
    report = authority_report(ctx.db, "Test site", NOW - timedelta(days=1),
                              NOW + timedelta(days=1))
    kinds = {k.kind: k for k in report.kinds}
    assert kinds["zone_intrusion"].validated == 2
    assert kinds["zone_intrusion"].dismissed == 1
    assert kinds["zone_intrusion"].mean_handling_s == 60
    assert kinds["fire"].open == 1
    assert report.alerts == 5
    assert report.validated_share == 0.5
    assert [(s.stopped, s.reason) for s in report.stops] == [(True, "market day"),
                                                            (False, "market over")]
    assert report.audit_intact
    text = report_markdown(report)
    assert "| Person or vehicle in a forbidden or sensitive zone | 3 | 2 | 1 | 0 | 67% | " \
           "1.0 min |" in text
    assert "market day" in text


def test_the_period_excludes_what_lies_outside(ctx: ConsoleContext) -> None:
    _seed(ctx)
    report = authority_report(ctx.db, "Test site", NOW - timedelta(days=3),
                              NOW - timedelta(days=2))
    assert report.alerts == 0
    assert report.stops == []


def test_report_command(ctx: ConsoleContext, site_path: Path, tmp_path: Path) -> None:
    _seed(ctx)
    today = NOW.date()
    out = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["report", str(site_path), "--since",
                                      str(today - timedelta(days=1)), "--until",
                                      str(today + timedelta(days=2)), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["alerts"] == 5
    assert "## Alerts per type" in out.read_text()
    bad = CliRunner().invoke(app, ["report", str(site_path), "--since", "2026-13-01",
                                   "--until", "2026-12-01"])
    assert bad.exit_code == 2
    assert "not a date" in bad.output
