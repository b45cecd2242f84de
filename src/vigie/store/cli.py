"""`vigie purge` (retention by hand) and `vigie audit verify|export` (for auditors)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console

from vigie.store.audit import AuditRepository
from vigie.store.retention import PurgeReport, purge

__all__ = ["audit_app", "purge_command"]

audit_app = typer.Typer(help="Check and export the tamper-evident audit log.",
                        no_args_is_help=True)

ConfigPath = Annotated[Path, typer.Argument(help="Site configuration YAML file.",
                                            show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _open(path: Path):  # type: ignore[no-untyped-def]
    from vigie.config import load_config
    from vigie.store import migrate, open_database

    site = load_config(path)
    Path(site.storage.data_dir).mkdir(parents=True, exist_ok=True)
    migrate(site.storage.resolved_url())
    return site, open_database(site.storage.resolved_url())


def purge_command(path: Path, dry_run: bool, json_out: bool) -> PurgeReport:
    """Run the site's retention purge now (what `vigie run` does every interval)."""
    site, db = _open(path)
    try:
        report = purge(db, Path(site.storage.data_dir), site.retention.policy(),
                       now=datetime.now(UTC), dry_run=dry_run, actor="cli")
    finally:
        db.close()
    if json_out:
        typer.echo(json.dumps(report.as_dict()))
    else:
        _print_report(report, _console())
    return report


def _print_report(report: PurgeReport, console: Console) -> None:
    verb = "would remove" if report.dry_run else "removed"
    console.print(f"retention purge ({'dry run' if report.dry_run else 'done'}): {verb}")
    console.print(f"  images older than {report.images_before:%Y-%m-%d %H:%M} UTC: "
                  f"{report.snapshots} snapshot(s), {report.clips} clip(s), "
                  f"{report.orphan_files} other file(s), {report.bytes_freed / 1e6:.1f} MB")
    console.print(f"  alerts raised before {report.alerts_before:%Y-%m-%d %H:%M} UTC: "
                  f"{report.alerts}, with {report.register_rows} register row(s)")
    console.print(f"  statistics rows: {report.counts}; health rows: {report.health}; "
                  f"expired sessions: {report.sessions}")
    for error in report.errors:
        console.print(f"  [red]not removed[/]: {error}")


@audit_app.command("verify")
def verify(
    path: ConfigPath,
    anchor: Annotated[str | None, typer.Option(help="ID:HASH of an entry noted earlier (every "
                                               "export prints its last one): it must still "
                                               "be there, unchanged.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Walk the audit chain: exit 0 if intact, 1 naming the first broken entry and how."""
    site, db = _open(path)
    try:
        check = AuditRepository(db).verify(anchor=_anchor(anchor))
    finally:
        db.close()
    if json_out:
        typer.echo(json.dumps({"intact": check.intact, "entries": check.entries,
                               "first_bad_id": check.first_bad_id, "problem": check.problem}))
    elif check.intact:
        _console().print(f"[green]audit chain intact[/]: {check.entries} entries")
    else:
        _console().print(f"[red]audit chain broken[/]: {check.problem}")
    if not check.intact:
        raise typer.Exit(1)


def _anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    ident, _, digest = text.partition(":")
    if not ident.isdigit() or len(digest) != 64:
        raise typer.BadParameter("expected ID:HASH, e.g. 1234:9f86d0...(64 hex digits)",
                                 param_hint="--anchor")
    return int(ident), digest


@audit_app.command("export")
def export(
    path: ConfigPath,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write; "
                                                "default standard output.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl (re-verifiable: every field and "
                                     "hash) or csv.")] = "jsonl",
    actor: Annotated[str, typer.Option(help="Who exports (recorded in the log).")] = "cli",
) -> None:
    """Export the whole audit log for an auditor; the export itself is logged first."""
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("jsonl or csv", param_hint="--format")
    site, db = _open(path)
    try:
        repo = AuditRepository(db)
        repo.append(actor, "audit.export", "audit_log",
                    {"format": fmt, "to": str(output) if output else "stdout"})
        head = repo.head()
        with (output.open("w", encoding="utf-8", newline="") if output
              else _stdout()) as stream:
            _write_entries(repo, stream, fmt)
    finally:
        db.close()
    if head:
        _console().print(f"exported {head[0]} entries; anchor for later checks: "
                         f"--anchor {head[0]}:{head[1]}")


def _stdout() -> TextIO:
    class _Keep:
        def __enter__(self) -> TextIO:
            return sys.stdout

        def __exit__(self, *exc: object) -> None:
            sys.stdout.flush()

    return _Keep()  # type: ignore[return-value]


def _write_entries(repo: AuditRepository, stream: TextIO, fmt: str) -> None:
    fields = ["id", "at", "actor", "action", "target", "details", "prev_hash", "hash"]
    writer = csv.writer(stream) if fmt == "csv" else None
    if writer:
        writer.writerow(fields)
    for e in repo.iter_all():
        row = {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
               "target": e.target, "details": e.details, "prev_hash": e.prev_hash,
               "hash": e.hash}
        if writer:
            writer.writerow([_safe_cell(json.dumps(row[f]) if f == "details" else row[f])
                             for f in fields])
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")


def _safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in exported text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
