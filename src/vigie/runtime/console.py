"""Terminal front of `vigie run` and `vigie replay`: live status, progress bar, alert tables."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigie.api import ConsoleContext, ConsoleServer
from vigie.config.site import SiteConfig
from vigie.core.types import Event
from vigie.runtime.replay import ReplayReport, replay
from vigie.runtime.site import SiteRunner
from vigie.runtime.status import status_table
from vigie.store import open_database

__all__ = ["WebOptions", "replay_site", "run_site"]


@dataclass(frozen=True)
class WebOptions:
    """Whether and where `vigie run` serves the operator console.

    Attributes:
        serve: Serve it (the site's ``console.enabled`` must also be true).
        host: Bind address; default the site's ``console.host``.
        port: TCP port; default the site's ``console.port``.
        site_path: The site file, where the scene editor saves.
        linger: Keep serving after the analysis ends, until Ctrl-C (the demo).
    """

    serve: bool = True
    host: str | None = None
    port: int | None = None
    site_path: Path | None = None
    linger: bool = False


def run_site(site: SiteConfig, duration_s: float | None, live: bool,
             console: Console, web: WebOptions | None = None) -> SiteRunner:
    """Run a site until Ctrl-C, the duration, or the end of every file; then stop cleanly.

    The operator console is served meanwhile (unless ``web.serve`` is false or the site
    turns it off); with ``web.linger`` it stays up after the analysis ends, until Ctrl-C.
    """
    web = web or WebOptions()
    stop = threading.Event()
    runner = SiteRunner(site, on_alert=lambda e: console.print(_alert_line(e)))
    previous = signal.signal(signal.SIGINT, _set_on_signal(stop))
    server = None
    try:
        runner.start()
        console.print(f"[bold]{site.site.name}[/]: {len(runner.workers)} camera(s); data in "
                      f"{runner.data_dir}; Ctrl-C to stop")
        server = _serve_console(site, runner, web, console)
        _watch(runner, stop, duration_s, live, console)
        console.print("stopping: finishing clips and writes...")
    finally:
        runner.stop()
        if server is not None and web.linger and not stop.is_set() and duration_s is None:
            console.print(f"analysis finished; the console stays at {server.url} "
                          "until Ctrl-C")
            stop.wait()
        if server is not None:
            server.stop()
            server.ctx.db.close()
        signal.signal(signal.SIGINT, previous)
    return runner


def _serve_console(site: SiteConfig, runner: SiteRunner, web: WebOptions,
                   console: Console) -> ConsoleServer | None:
    if not (web.serve and site.console.enabled):
        return None
    ctx = ConsoleContext(site=site, db=open_database(site.storage.resolved_url()),
                         site_path=web.site_path, control=runner,
                         secure_cookies=site.console.secure_cookies,
                         anonymiser=runner.anonymiser)
    server = ConsoleServer(ctx, web.host or site.console.host, web.port or site.console.port)
    try:
        server.start()
    except BaseException:
        ctx.db.close()
        raise
    console.print(f"operator console: [bold]{server.url}[/]")
    if ctx.users.count() == 0:
        console.print("[yellow]no console account yet[/]: create one with "
                      "vigie users add SITE.yaml LOGIN --role operator")
    return server


def _watch(runner: SiteRunner, stop: threading.Event, duration_s: float | None, live: bool,
           console: Console) -> None:
    deadline = None if duration_s is None else time.monotonic() + duration_s
    title = runner.site.site.name

    def table() -> Table:
        return status_table(runner.status(), title, time.monotonic() - runner.started_at)

    with Live(table(), console=console, refresh_per_second=2, transient=False) if live \
            else _NoLive() as view:
        while not stop.is_set() and not runner.wait(timeout=0.5):
            if deadline is not None and time.monotonic() >= deadline:
                break
            if live:
                view.update(table())
        if live:
            view.update(table())


class _NoLive:
    """Stands in for rich's Live when no status table is wanted."""

    def __enter__(self) -> _NoLive:
        return self

    def update(self, renderable: Table) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _set_on_signal(stop: threading.Event):  # type: ignore[no-untyped-def]
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()
    return handler


def _alert_line(event: Event) -> str:
    return (f"[bold red]ALERT[/] {event.wall:%H:%M:%S} {event.camera_id} "
            f"[bold]{event.kind}[/] {event.explanation}")


def replay_site(site: SiteConfig, camera_id: str, video: Path | None, console: Console,
                progress: bool = True) -> ReplayReport:
    """Replay with a progress bar, then print the alerts and counts."""
    from vigie.detect.factory import build_detector

    detector = build_detector(site.detector)
    columns = (TextColumn("replay"), BarColumn(), TextColumn("{task.fields[where]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not progress) as bar:
        task = bar.add_task("replay", total=None, where="")

        def advance(done: float, total: float) -> None:
            bar.update(task, completed=done, total=total or None,
                       where=f"{done:.0f}/{total:.0f} s of video")

        report = replay(site, camera_id, detector, video, on_progress=advance)
    if progress:
        console.print(_report_table(report))
    return report


def _report_table(report: ReplayReport) -> Table:
    table = Table(title=f"{len(report.alerts)} alert(s) on {report.video} "
                        f"({report.duration_s:.0f} s, {report.frames} frames analysed, "
                        f"{report.suppressed} duplicate(s) suppressed)", title_justify="left")
    for col in ("t (s)", "type", "rule", "zone", "why"):
        table.add_column(col)
    for e in report.alerts:
        table.add_row(f"{e.ts:.1f}", e.kind, e.rule_id, e.zone or "", e.explanation)
    for rule_id, counts in report.counts.items():
        table.caption = (table.caption or "") + f"{rule_id}: in {counts['in']}, out " \
                                                f"{counts['out']}  "
    return table
