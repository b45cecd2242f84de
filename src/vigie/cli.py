"""The `vigie` command: run, replay, demo, bench, config, models, migrate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vigie.errors import VigieError

__all__ = ["app", "main"]

app = typer.Typer(
    name="vigie",
    help="Privacy-by-design augmented video-protection: real-time analytics for the eight "
         "events law 2023-380 allows, every alert validated by a human.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Check and document site configuration files.",
                         no_args_is_help=True)
app.add_typer(config_app, name="config")

ConfigPath = Annotated[Path, typer.Argument(help="Site configuration YAML file.",
                                            show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


@config_app.command("check")
def config_check(path: ConfigPath, json_out: JsonFlag = False) -> None:
    """Validate a site file; print each problem as file:line: path: message."""
    from vigie.config import load_config
    from vigie.errors import ConfigError

    try:
        site = load_config(path)
    except ConfigError as exc:
        if json_out:
            typer.echo(json.dumps({"valid": False, "problems": exc.problems or [str(exc)]}))
        else:
            _console().print(f"[red]invalid[/red] {exc}")
        raise typer.Exit(2) from None
    summary = {
        "valid": True,
        "site": site.site.name,
        "cameras": [{"id": c.id, "zones": len(c.zones), "lines": len(c.lines),
                     "analytics": [a.rule_id for a in c.analytics]} for c in site.cameras],
    }
    if json_out:
        typer.echo(json.dumps(summary))
    else:
        _console().print(f"[green]valid[/green] {path}: site '{site.site.name}', "
                         f"{len(site.cameras)} camera(s), "
                         f"{sum(len(c.analytics) for c in site.cameras)} analytic(s)")


@config_app.command("reference")
def config_reference(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
) -> None:
    """Print the configuration reference (Markdown) generated from the config models."""
    from vigie.config.reference import render_reference

    text = render_reference()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


def main() -> None:
    """Entry point: turn Vigie errors into a message and a non-zero exit, not a traceback."""
    try:
        app()
    except VigieError as exc:
        _console().print(f"[red]error:[/red] {exc}")
        raise SystemExit(2) from None
