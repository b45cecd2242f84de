"""Small PNG plots for the report: clip timelines, confusion tables, count scatter (matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vigie.evaluate.clips import ClipResult
from vigie.evaluate.match import TOLERANCE_S, alert_outcomes

__all__ = ["confusion_plot", "count_scatter", "timeline_plot"]

_DPI = 72
_OUTCOME_STYLE = {"tp": ("tab:green", "o", "matched"),
                  "duplicate": ("tab:orange", "s", "duplicate"),
                  "fp": ("tab:red", "x", "false alarm")}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI, pil_kwargs={"optimize": True})
    _pyplot().close(fig)


def timeline_plot(clip: ClipResult, path: Path) -> None:
    """Ground-truth intervals (tolerance shaded) and alerts by outcome, one lane per type."""
    plt = _pyplot()
    kinds = sorted({e.type for e in clip.truth.events} | {a.type for a in clip.alerts})
    lanes = kinds or ["(no event, no alert)"]
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(lanes) + 1.1))
    seen: set[str] = set()
    for y, kind in enumerate(lanes):
        events = [(e.start, e.end) for e in clip.truth.events if e.type == kind]
        for start, end in events:
            ax.barh(y, end - start + 2 * TOLERANCE_S, left=start - TOLERANCE_S, height=0.5,
                    color="tab:blue", alpha=0.15,
                    label=None if "gt" in seen else f"tolerance ±{TOLERANCE_S:g} s")
            ax.barh(y, max(end - start, 0.2), left=start, height=0.5, color="tab:blue",
                    alpha=0.55, label=None if "gt" in seen else "ground truth")
            seen.add("gt")
        times = [a.t for a in clip.alerts if a.type == kind]
        for t, outcome in zip(times, alert_outcomes(events, times), strict=True):
            color, marker, label = _OUTCOME_STYLE[outcome]
            ax.plot([t], [y], marker=marker, color=color, markersize=8, linestyle="none",
                    label=None if outcome in seen else label)
            seen.add(outcome)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_xlim(0, max(clip.duration_s, 1.0))
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlabel("seconds from the clip's start")
    ax.grid(axis="x", alpha=0.3)
    if seen:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False)
    ax.set_title(clip.truth.path.name, fontsize=9)
    fig.tight_layout()
    _save(fig, path)


def confusion_plot(tp: int, fp: int, fn: int, tn: int, title: str, path: Path) -> None:
    """A 2x2 table: truth (rows) against prediction (columns)."""
    plt = _pyplot()
    cells = [[tp, fn], [fp, tn]]
    fig, ax = plt.subplots(figsize=(3.2, 2.6))
    ax.imshow(cells, cmap="Blues")
    for r in range(2):
        for c in range(2):
            ax.text(c, r, str(cells[r][c]), ha="center", va="center", fontsize=12)
    ax.set_xticks([0, 1], ["predicted +", "predicted -"])
    ax.set_yticks([0, 1], ["truth +", "truth -"])
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    _save(fig, path)


def count_scatter(truth: Sequence[float], predicted: Sequence[float], title: str,
                  path: Path) -> None:
    """Predicted against true counts, one dot per image, with the diagonal."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    top = max([*truth, *predicted, 1.0]) * 1.08
    ax.plot([0, top], [0, top], ":", color="grey")
    ax.scatter(truth, predicted, s=14)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("true count")
    ax.set_ylabel("counted")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    _save(fig, path)
