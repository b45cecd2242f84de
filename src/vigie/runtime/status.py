"""Live status table of a running site (rich), one line per camera."""

from __future__ import annotations

from rich.table import Table

from vigie.runtime.camera import CameraStatus

__all__ = ["status_table"]

_STATE_STYLE = {"up": "green", "down": "red", "error": "bold red", "paused": "yellow",
                "ended": "dim", "starting": "cyan", "stopped": "dim"}


def status_table(rows: list[CameraStatus], title: str, elapsed_s: float) -> Table:
    """One line per camera: state, analysed fps, lag, dropped frames, detector share, alerts."""
    table = Table(title=f"{title} — {elapsed_s:,.0f} s", title_justify="left", expand=False)
    for name, justify in (("camera", "left"), ("state", "left"), ("fps", "right"),
                          ("lag", "right"), ("dropped", "right"), ("detector", "right"),
                          ("alerts", "right"), ("note", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        share = row.detector_runs / row.analysed if row.analysed else 0.0
        style = _STATE_STYLE.get(row.state, "")
        table.add_row(row.camera_id, f"[{style}]{row.state}[/]", f"{row.fps:.1f}",
                      f"{row.lag_s * 1000:.0f} ms", str(row.dropped), f"{share:.0%}",
                      str(row.alerts), row.reason[:60])
    return table
