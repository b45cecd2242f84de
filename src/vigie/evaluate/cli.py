"""Terminal front of `vigie evaluate`: progress on stderr, tables or JSON, reports, exit code."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigie.evaluate.discover import Discovery, InputError, discover
from vigie.evaluate.report import write_report
from vigie.evaluate.run import EvalReport, build_context, run_evaluation
from vigie.evaluate.summary import summary
from vigie.evaluate.types import EvalContext

__all__ = ["EXIT_FAILED_ITEMS", "EXIT_UNUSABLE", "evaluate_command"]

#: Nothing could be evaluated: the path is missing or holds no usable ground truth.
EXIT_UNUSABLE = 2
#: ``--strict`` only: the run completed but some ground truth or dataset failed.
EXIT_FAILED_ITEMS = 1


def evaluate_command(path: Path, *, json_out: bool, report_dir: Path | None,
                     markdown: Path | None, threads: int, models_dir: Path | None, strict: bool,
                     console: Console, detector: str | None = None) -> int:
    """Run ``vigie evaluate``; return the exit code.

    0 when the run completed, whatever the scores (unusable files are listed as problems);
    2 when nothing could be evaluated; with ``strict``, 1 when some item failed.
    """
    try:
        found = discover(path)
    except InputError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return EXIT_UNUSABLE
    for _, message in found.errors:
        console.print(f"[red]invalid ground truth:[/red] {message}")
    if not found.clips and not found.datasets:
        console.print("[red]error:[/red] nothing left to evaluate")
        return EXIT_UNUSABLE
    ctx = build_context(models_dir, threads, detector)
    report = _run_with_progress(found, ctx, path, console, show=console.is_terminal)
    command = "vigie evaluate " + shlex.join(sys.argv[2:]) if sys.argv[1:2] == ["evaluate"] \
        else f"vigie evaluate {path}"
    write_report(report, report_dir, markdown, command)
    if json_out:
        print(json.dumps(summary(report, Path.cwd()), indent=2))
    else:
        _print_tables(report, console)
    if report_dir is not None:
        console.print(f"report: {report_dir / 'report.html'}, {report_dir / 'report.md'}, "
                      f"{report_dir / 'summary.json'}")
    return EXIT_FAILED_ITEMS if strict and report.failed else 0


def _run_with_progress(found: Discovery, ctx: EvalContext, path: Path, console: Console,
                       show: bool) -> EvalReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[where]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not show, transient=True) as bar:
        total = len(found.clips) + len(found.datasets)
        task = bar.add_task("evaluate", total=total, where="")
        current = [""]

        def on_item(label: str, index: int, count: int) -> None:
            current[0] = label
            bar.update(task, completed=index, where=label)

        def on_progress(done: float, length: float) -> None:
            bar.update(task, where=f"{current[0]} [{done:.0f}/{length:.0f} s of video]")

        report = run_evaluation(found, ctx, path, on_item, on_progress)
        bar.update(task, completed=total)
    return report


def _print_tables(report: EvalReport, console: Console) -> None:
    types = Table(title="Event types", title_justify="left")
    for col in ("type", "TP", "FP", "FN", "dup.", "P", "R", "F1", "mean delay", "FA/h"):
        types.add_column(col)
    for kind, score in report.types().items():
        row = score.as_dict()
        types.add_row(kind, *(str(row[k]) for k in ("tp", "fp", "fn", "duplicates", "precision",
                                                     "recall", "f1", "mean_delay_s",
                                                     "false_alarms_per_hour")))
    console.print(types)
    negatives = report.negative_clips()
    if negatives:
        console.print(f"negative clips: {len(negatives)}, alerts on them: "
                      f"{sum(len(c.alerts) for c in negatives)}")
    for d in report.datasets:
        if d.score is None:
            console.print(f"dataset {d.name} ({d.ref.kind}): [yellow]{d.error}[/yellow]")
        else:
            figures = ", ".join(f"{k} {v:.3g}" for k, v in d.score.metrics.items())
            console.print(f"dataset {d.name} ({d.score.kind}): {figures}")
    for _, message in report.errors:
        console.print(f"[red]problem:[/red] {message}")
