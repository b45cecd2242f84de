"""Builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigie.store import NewAlert

T0 = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)


class _Camera:
    def __init__(self, id: str, name: str = "", enabled: bool = True) -> None:
        self.id, self.name, self.enabled = id, name, enabled


def cameras(*ids: str) -> list[_Camera]:
    """Camera configurations as ``upsert_from_config`` reads them."""
    return [_Camera(i, i.title()) for i in ids]


def new_alert(camera_id: str = "hall", kind: str = "zone_intrusion", minutes: float = 0,
              **changes: object) -> NewAlert:
    """A new alert ``minutes`` after T0."""
    at = T0 + timedelta(minutes=minutes)
    values: dict[str, object] = {
        "kind": kind, "rule_id": f"{kind}-1", "camera_id": camera_id,
        "started_at": at - timedelta(seconds=3), "raised_at": at, "score": 0.87,
        "explanation": "person in zone 'yard' for 3.0 s (threshold 2.0 s)", "zone": "yard",
        "details": {"dwell_s": 3.0, "threshold_s": 2.0}, "track_ids": (7,),
        "snapshot_path": f"evidence/{camera_id}/2026-03-14/x.jpg",
    }
    values.update(changes)
    return NewAlert(**values)  # type: ignore[arg-type]
