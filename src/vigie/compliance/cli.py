"""`vigie report`: the authority's report of a period, from the site's registers."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from vigie.compliance.report import authority_report, report_markdown

__all__ = ["report_command"]


def _day_start(text: str, zone: ZoneInfo, option: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)",
                                 param_hint=option) from None
    return datetime.combine(day, time(), tzinfo=zone)


def report_command(path: Path, since: str, until: str, markdown: Path | None, json_out: bool,
                   console: Console) -> None:
    """Build the report of ``[since, until)`` and print or write it."""
    from vigie.config import load_config
    from vigie.store import migrate, open_database

    site = load_config(path)
    zone = ZoneInfo(site.site.timezone)
    start, end = _day_start(since, zone, "--since"), _day_start(until, zone, "--until")
    if end <= start:
        raise typer.BadParameter("must be after --since", param_hint="--until")
    Path(site.storage.data_dir).mkdir(parents=True, exist_ok=True)
    migrate(site.storage.resolved_url())
    db = open_database(site.storage.resolved_url())
    try:
        report = authority_report(db, site.site.name, start, end)
    finally:
        db.close()
    text = report_markdown(report)
    if markdown:
        markdown.write_text(text, encoding="utf-8")
        console.print(f"report written to {markdown}")
    if json_out:
        typer.echo(json.dumps(report.as_dict()))
    elif not markdown:
        typer.echo(text)
