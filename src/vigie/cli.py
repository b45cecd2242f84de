"""The `vigie` command: run, replay, evaluate, demo, bench, config, models, migrate."""

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


def _models_app() -> typer.Typer:
    from vigie.models.cli import app as models_app

    return models_app


app.add_typer(_models_app(), name="models")


def _users_app() -> typer.Typer:
    from vigie.api.cli import users_app

    return users_app


app.add_typer(_users_app(), name="users")


def _audit_app() -> typer.Typer:
    from vigie.store.cli import audit_app

    return audit_app


app.add_typer(_audit_app(), name="audit")

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


HostOption = Annotated[str | None, typer.Option("--host", help="Console bind address; "
                                               "default the site's console.host (loopback).")]
PortOption = Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Console "
                                               "port; default the site's console.port (8080).")]


@app.command()
def run(
    path: ConfigPath,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live status table.")] = False,
    host: HostOption = None,
    port: PortOption = None,
    no_console: Annotated[bool, typer.Option("--no-console", help="Do not serve the "
                                             "operator console.")] = False,
) -> None:
    """Run every camera of a site and serve the operator console (http://127.0.0.1:8080).

    Detect, track, apply the rules, store alerts and evidence. Ctrl-C stops cleanly: frames in
    hand are finished, queued writes are committed.
    """
    from vigie.config import load_config
    from vigie.runtime.console import WebOptions, run_site

    web = WebOptions(serve=not no_console, host=host, port=port, site_path=path.resolve())
    run_site(load_config(path), duration_s=duration, live=not quiet, console=_console(),
             web=web)


@app.command("console")
def console_only(
    path: ConfigPath,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Serve the operator console without running the analysis (registers, statistics...)."""
    from vigie.api.cli import serve_console

    serve_console(path, host, port, _console())


@app.command()
def replay(
    path: ConfigPath,
    camera: Annotated[str, typer.Option("--camera", "-c", help="Camera whose set-up to test.")],
    video: Annotated[Path | None, typer.Option("--video", "-v", help="Recording to play; "
                                               "default the camera's own file.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Test a scene set-up on recorded footage, as fast as possible, and list the alerts.

    Nothing is stored: this is the set-up phase required before a configuration goes live.
    """
    from vigie.config import load_config
    from vigie.errors import ConfigError
    from vigie.runtime.console import replay_site

    site = load_config(path)
    try:
        site.camera(camera)
    except KeyError as exc:
        raise ConfigError(f"{path}: {exc.args[0]}") from None
    report = replay_site(site, camera, video, console=_console(), progress=not json_out)
    if json_out:
        typer.echo(json.dumps(report.as_dict()))


@app.command("learn-directions")
def learn_directions(
    path: ConfigPath,
    camera: Annotated[str, typer.Option("--camera", "-c", help="Camera the footage shows.")],
    video: Annotated[Path, typer.Option("--video", "-v", help="Set-up footage of normal "
                                        "traffic.")],
    zone: Annotated[list[str] | None, typer.Option("--zone", help="Zone to learn (repeat); "
                                                   "default those of the wrong_way rules.")]
    = None,
    follow: Annotated[str | None, typer.Option(help="objects or motion; default the rule's.")]
    = None,
    write: Annotated[bool, typer.Option("--write", help="Set direction_deg and tolerance_deg "
                                        "of the zones' wrong_way rules in the file.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Learn each zone's allowed direction from recorded footage, once, during set-up.

    The result is frozen into the configuration (with --write) or printed as a snippet;
    nothing learns while the site runs.
    """
    from vigie.setup.learn import learn_command

    learned = learn_command(path, camera, video, zone, follow, write, _console())
    if json_out:
        typer.echo(json.dumps(learned))


@app.command()
def migrate(path: ConfigPath) -> None:
    """Create or upgrade the database of a site to the current schema."""
    from vigie.config import load_config
    from vigie.store import migrate as migrate_db

    site = load_config(path)
    Path(site.storage.data_dir).mkdir(parents=True, exist_ok=True)
    migrate_db(site.storage.resolved_url())
    _console().print(f"database up to date: {site.storage.resolved_url()}")


@app.command()
def purge(
    path: ConfigPath,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; change "
                                          "nothing.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Delete what is past its retention period now (images 30 days, alerts 12 months).

    `vigie run` does the same at start and every `retention.interval_min`; each purge is
    written to the audit log with what it removed.
    """
    from vigie.store.cli import purge_command

    purge_command(path, dry_run, json_out)


@app.command()
def report(
    path: ConfigPath,
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD, site time zone).")],
    until: Annotated[str, typer.Option(help="Day after the last (YYYY-MM-DD).")],
    markdown: Annotated[Path | None, typer.Option("--markdown", "-o", help="Write the "
                                                  "Markdown report here.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """The period's report for the authority: alerts per type, validated share, handling
    time, stops of the analysis, from the registers."""
    from vigie.compliance.cli import report_command

    report_command(path, since, until, markdown, json_out, _console())


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo site, its footage, "
                                         "database and evidence go.")] = Path("vigie-demo"),
    fast: Annotated[bool, typer.Option("--fast", help="Play the footage once, as fast as "
                                       "possible, instead of looping at its own speed.")]
    = False,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live status table.")] = False,
    host: HostOption = None,
    port: PortOption = None,
    no_console: Annotated[bool, typer.Option("--no-console", help="No operator console: play "
                                             "the footage once and print the alerts.")]
    = False,
) -> None:
    """Run the whole system on the demo site (PETS 2009 campus, SQLite, local files).

    With the console (default), the footage loops at its own speed as a live camera would,
    one account per role is created on first run (passwords in DIR/accounts.txt), and the
    console at http://127.0.0.1:8080 runs until Ctrl-C.
    """
    from vigie.demo import demo_accounts, prepare_demo, summarise_demo
    from vigie.runtime.console import WebOptions, run_site

    console = _console()
    serve = not no_console
    site = prepare_demo(folder.resolve(), realtime=not fast, loop=serve and not fast)
    console.print(f"demo site written to {folder / 'site.yaml'}; footage 80 s of PETS 2009 S2.L1")
    if serve:
        demo_accounts(site, folder.resolve() / "accounts.txt", console)
    web = WebOptions(serve=serve, host=host, port=port,
                     site_path=folder.resolve() / "site.yaml", linger=True)
    run_site(site, duration_s=duration, live=not quiet, console=console, web=web)
    summarise_demo(site, Console(highlight=False, soft_wrap=True))


@app.command()
def bench(
    cameras: Annotated[str, typer.Option(help="Camera counts to try, comma-separated; each "
                                         "mode stops at its first count that falls behind.")]
    = "4,8,12,16,20,24,28,32",
    duration: Annotated[float, typer.Option(help="Seconds per trial.")] = 30.0,
    video: Annotated[Path | None, typer.Option(help="Footage; default vtest.avi.")] = None,
    workers: Annotated[int, typer.Option(help="Detector runs at once.")] = 3,
    threads: Annotated[int, typer.Option(help="onnxruntime threads per run.")] = 1,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report "
                                                "(Markdown, plus a PNG plot beside it).")]
    = None,
    json_out: JsonFlag = False,
) -> None:
    """Measure how many cameras this machine analyses in real time, gated versus naive."""
    from vigie.bench.cli import run_benchmark

    report = run_benchmark([int(n) for n in cameras.split(",")], duration, video, workers,
                           threads, output, _console())
    if json_out:
        typer.echo(json.dumps(report.as_dict()))


@app.command()
def evaluate(
    path: Annotated[Path, typer.Argument(help="A ground-truth file (clip YAML or dataset "
                                         "pointer) or a folder of them, or a dataset folder.",
                                         show_default=False)],
    json_out: Annotated[bool, typer.Option("--json", help="Print the JSON summary on stdout.")]
    = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write report.md, "
                                                "report.html, summary.json and plots here.")]
    = None,
    markdown: Annotated[Path | None, typer.Option("--markdown", help="Also write the Markdown "
                                                  "report to this file (e.g. "
                                                  "docs/EVALUATION.md).")] = None,
    threads: Annotated[int, typer.Option(min=1, max=64, help="onnxruntime threads per model "
                                         "run.")] = 2,
    models_dir: Annotated[Path | None, typer.Option("--models-dir", help="Model cache; default "
                                                    "the usual one.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when some ground truth or "
                                         "dataset could not be evaluated.")] = False,
    detector: Annotated[str | None, typer.Option("--detector", help="Object detector instead of "
                                                 "the product default (e.g. centernet), "
                                                 "where no site chooses one.")] = None,
) -> None:
    """Score the analytics against ground truth: clips, counting, tracking and image sets.

    Exit 0 when the run completed (poor scores included; unusable files are listed as
    problems), 2 when nothing could be evaluated.
    """
    from vigie.evaluate.cli import evaluate_command

    code = evaluate_command(path, json_out=json_out, report_dir=report, markdown=markdown,
                            threads=threads, models_dir=models_dir, strict=strict,
                            console=_console(), detector=detector)
    if code:
        raise typer.Exit(code)


def main() -> None:
    """Entry point: turn Vigie errors into a message and a non-zero exit, not a traceback."""
    try:
        app()
    except VigieError as exc:
        _console().print(f"[red]error:[/red] {exc}")
        raise SystemExit(2) from None
