"""The JSON summary of a run: scores per event type, per clip, per dataset; errors; the machine."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from vigie.evaluate.clips import ClipResult
from vigie.evaluate.run import DatasetResult, EvalReport

__all__ = ["jsonable", "summary"]


def summary(report: EvalReport, relative_to: Path | None = None) -> dict[str, Any]:
    """The run as JSON-ready data.

    ``types`` maps each event type annotated or alerted on some clip to exactly the keys
    ``tp, fp, fn, duplicates, precision, recall, f1, mean_delay_s, max_delay_s,
    false_alarms_per_hour``.

    Args:
        report: The run.
        relative_to: Paths are written relative to this folder (None: as they are).
    """
    def rel(p: Path) -> str:
        return _relative(p, relative_to)

    negatives = report.negative_clips()
    return {
        "path": rel(report.path),
        "types": {k: s.as_dict() for k, s in report.types().items()},
        "clips": [_clip(c, rel) for c in report.clips],
        "negative_clips": {"clips": len(negatives),
                           "alerts": sum(len(c.alerts) for c in negatives),
                           "hours": round(sum(c.duration_s for c in negatives) / 3600, 4)},
        "datasets": [_dataset(d, rel) for d in report.datasets],
        "errors": [{"file": rel(p), "problem": msg} for p, msg in report.errors],
        "skipped": report.skipped,
        "run": {"started": report.started.isoformat(timespec="seconds"),
                "elapsed_s": round(report.elapsed_s, 1), "machine": report.machine,
                "detector": report.detector},
    }


def _clip(c: ClipResult, rel: Any) -> dict[str, Any]:
    return {
        "file": rel(c.truth.path), "video": rel(c.truth.video),
        "site": rel(c.truth.site) if c.truth.site else None, "camera": c.camera_id,
        "duration_s": round(c.duration_s, 2), "frames": c.frames,
        "elapsed_s": round(c.elapsed_s, 1),
        "events": [{"type": e.type, "start": e.start, "end": e.end} for e in c.truth.events],
        "alerts": [{"type": a.type, "t": round(a.t, 2), "rule": a.rule_id,
                    "explanation": a.explanation} for a in c.alerts],
        "watched": list(c.watched),
        "types": {k: s.as_dict() for k, s in c.scores.items()
                  if s.tp + s.fp + s.fn + s.duplicates},
        "notes": list(c.truth.notes),
    }


def _dataset(d: DatasetResult, rel: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": d.name, "kind": d.ref.kind, "path": rel(d.ref.folder),
                           "pointer": rel(d.ref.pointer) if d.ref.pointer else None,
                           "elapsed_s": round(d.elapsed_s, 1), "error": d.error}
    if d.score is not None:
        out["metrics"] = jsonable(d.score.metrics)
        out["rows"] = jsonable(d.score.rows)
    return out


def _relative(path: Path, base: Path | None) -> str:
    """``path`` from ``base`` (``../`` steps included, so that committed reports stay
    portable); absolute when there is no base or no relative way (another drive)."""
    if base is None:
        return str(path)
    try:
        return os.path.relpath(path.resolve(), base.resolve())
    except ValueError:
        return str(path)


def jsonable(value: Any) -> Any:
    """Plain JSON types from numpy scalars and arrays, paths, tuples; NaN and inf become None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)
