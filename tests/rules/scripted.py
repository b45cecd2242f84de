"""Build FrameResults from scripted track timelines, for rule tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from vigie.core.types import Detections, Frame, FrameResult, Track

W, H = 100, 100
_IMAGE = np.zeros((H, W, 3), np.uint8)
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# A step of a timeline: (track_id, x, y) anchors normalised, or with a label.
Obj = tuple[int, float, float] | tuple[int, float, float, str]


def results(steps: Sequence[Iterable[Obj]], dt: float = 0.2, t0: datetime = T0,
            first_seen: dict[int, float] | None = None) -> list[FrameResult]:
    """One FrameResult per step; tracks keep their first-seen time across steps."""
    seen = dict(first_seen or {})
    out = []
    for i, objs in enumerate(steps):
        ts = i * dt
        tracks = []
        for obj in objs:
            tid, x, y = obj[0], obj[1], obj[2]
            label = obj[3] if len(obj) > 3 else "person"  # type: ignore[misc]
            seen.setdefault(tid, ts)
            box = (x * W - 5, y * H - 20, x * W + 5, y * H)
            tracks.append(Track(track_id=tid, label=label, box=box, confidence=0.8,
                                anchor=(x, y), first_seen=seen[tid], last_seen=ts))
        frame = Frame("cam", i, ts, t0 + timedelta(seconds=ts), _IMAGE)
        out.append(FrameResult(frame, Detections.empty(), tuple(tracks)))
    return out


def run(rule: object, steps: Sequence[Iterable[Obj]], **kw: object) -> list:
    """Feed a rule every step; return all events."""
    events = []
    for r in results(steps, **kw):  # type: ignore[arg-type]
        events += rule.update(r)  # type: ignore[attr-defined]
    return events


def walk(tid: int, start: tuple[float, float], end: tuple[float, float], n: int) -> list[Obj]:
    """n anchors from start to end, inclusive."""
    xs, ys = np.linspace(start[0], end[0], n), np.linspace(start[1], end[1], n)
    return [(tid, float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
