"""Builders and checks shared by the runtime, end-to-end and CLI tests.

Sites are written to a real YAML file and loaded with ``load_config``, as ``vigie run`` does,
so that path resolution and validation are part of what is tested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from ruamel.yaml import YAML

from vigie.config import load_config
from vigie.config.site import SiteConfig
from vigie.core.types import Event
from vigie.events.evidence import ALERT_COLOR
from vigie.runtime.camera import CameraStatus
from vigie.runtime.site import SiteRunner
from vigie.store import (
    AlertRecord,
    AlertRepository,
    AuditRepository,
    CountRepository,
    HealthRecord,
    HealthRepository,
    HealthState,
    WriterStats,
    open_database,
)

#: The demo's tripwire across the main path; "in" is walking left to right.
MAIN_PATH = {"name": "main-path", "start": [0.42, 0.30], "end": [0.42, 0.66]}
#: A band of the main path that somebody walks through every few seconds of vtest.avi.
PATH_ZONE = {"name": "path", "points": [[0.3, 0.3], [0.6, 0.3], [0.6, 0.7], [0.3, 0.7]]}


def demo_site_data(video: Path, models_dir: Path) -> dict[str, Any]:
    """The bundled demo site as plain data, on ``video``, with its models in ``models_dir``."""
    text = files("vigie.demo").joinpath("site.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = YAML(typ="safe").load(text)
    data["cameras"][0]["source"]["url"] = str(video)
    data["detector"] = {"models_dir": str(models_dir)}
    return data


def campus_camera(camera_id: str, video: Path, *, realtime: bool = False) -> dict[str, Any]:
    """A camera on PETS 2009 footage: intrusion into the path band (after 1 s), path counter."""
    return {
        "id": camera_id,
        "source": {"url": str(video), "realtime": realtime},
        "zones": [PATH_ZONE],
        "lines": [MAIN_PATH],
        "analytics": [
            {"kind": "zone_intrusion", "name": "path-intrusion", "zone": "path",
             "min_dwell_s": 1.0},
            {"kind": "tripwire", "name": "main-path-count", "line": "main-path"},
        ],
    }


def site_data(cameras: list[dict[str, Any]], models_dir: Path, *,
              database_url: str | None = None, clip_after_s: float = 5.0) -> dict[str, Any]:
    """A whole site around ``cameras``; data in ``data/`` beside the site file."""
    storage: dict[str, Any] = {"data_dir": "data"}
    if database_url is not None:
        storage["database_url"] = database_url
    return {
        "version": 1,
        "site": {"name": "Vigie runtime test", "timezone": "Europe/Paris"},
        "cameras": cameras,
        "detector": {"models_dir": str(models_dir)},
        "alerts": {"cooldown_s": 5, "clip_after_s": clip_after_s},
        "storage": storage,
    }


def write_site(folder: Path, data: Mapping[str, Any], name: str = "site.yaml") -> Path:
    """Write ``data`` as a site YAML file in ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    yaml = YAML(typ="safe")
    yaml.default_flow_style = None
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(dict(data), out)
    return path


def load_site(folder: Path, data: Mapping[str, Any]) -> SiteConfig:
    """Write and load a site, as ``vigie run`` would."""
    return load_config(write_site(folder, data))


# -- running a site -------------------------------------------------------------------------


@dataclass
class SiteOutcome:
    """What a finished ``SiteRunner`` run left behind."""

    site: SiteConfig
    statuses: dict[str, CameraStatus]
    alerts: list[AlertRecord]
    health: dict[str, list[HealthRecord]]  # oldest first, per camera
    counts: dict[tuple[str, str, str], int]  # (camera, rule, direction) -> crossings
    audit_break: int | None  # first broken audit entry, None when the chain holds
    audit_actions: list[str]  # oldest first
    events: list[Event] = field(default_factory=list)
    writer_stats: WriterStats | None = None
    queued_after_stop: int = -1
    elapsed_s: float = 0.0

    def alerts_of(self, camera_id: str) -> list[AlertRecord]:
        """The stored alerts of one camera."""
        return [a for a in self.alerts if a.camera_id == camera_id]


class EventLog:
    """``on_alert`` callback that keeps every admitted event (camera threads call it)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)


def run_to_end(site: SiteConfig, timeout_s: float = 120.0) -> SiteOutcome:
    """Start a site, wait until every file camera has ended, stop it, read the database."""
    log = EventLog()
    runner = SiteRunner(site, on_alert=log)
    started = time.monotonic()
    runner.start()
    try:
        finished = runner.wait(timeout=timeout_s)
        statuses = {s.camera_id: s for s in runner.status()}
    finally:
        runner.stop()
    assert finished, f"the site did not finish within {timeout_s} s: {statuses}"
    assert runner.writer is not None
    outcome = read_outcome(site, statuses)
    outcome.events = log.events
    outcome.writer_stats = runner.writer.stats
    outcome.queued_after_stop = runner.writer.queued
    outcome.elapsed_s = time.monotonic() - started
    return outcome


_ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def read_outcome(site: SiteConfig, statuses: dict[str, CameraStatus]) -> SiteOutcome:
    """Alerts, health rows, counts and audit log stored by a run of ``site``."""
    db = open_database(site.storage.resolved_url())
    try:
        alerts = AlertRepository(db).list(limit=1000)
        health_repo = HealthRepository(db)
        health = {c.id: list(reversed(health_repo.history(c.id))) for c in site.cameras}
        counts: dict[tuple[str, str, str], int] = {}
        for camera in site.cameras:
            for point in CountRepository(db).series(camera.id, *_ALL_TIME):
                key = (camera.id, point.rule_id, point.direction)
                counts[key] = counts.get(key, 0) + point.count
        audit = AuditRepository(db)
        audit_break = audit.verify_chain()
        actions = [entry.action for entry in reversed(audit.list(limit=10_000))]
    finally:
        db.close()
    return SiteOutcome(site, statuses, alerts, health, counts, audit_break, actions)


def event_of(alert: AlertRecord, events: Iterable[Event]) -> Event:
    """The admitted event an alert was stored from (same camera, kind and wall time)."""
    matches = [e for e in events if e.camera_id == alert.camera_id and e.kind == alert.kind
               and e.wall == alert.raised_at]
    assert len(matches) == 1, f"{len(matches)} events match alert {alert.uuid} ({alert.kind} " \
                              f"raised {alert.raised_at})"
    return matches[0]


def before_shutdown(rows: list[HealthRecord]) -> list[HealthRecord]:
    """Health rows without the trailing 'stopped' rows that a shutdown appends."""
    end = len(rows)
    while end and rows[end - 1].state is HealthState.STOPPED:
        end -= 1
    return rows[:end]


# -- evidence checks ------------------------------------------------------------------------

Box = tuple[float, float, float, float]


def outline_fraction(image: npt.NDArray[np.uint8], box: Box,
                     color: tuple[int, int, int] = ALERT_COLOR, tolerance: int = 80) -> float:
    """Share of the pixels on the four sides of ``box`` that have ``color`` (BGR, +-tolerance).

    The box is rounded and clamped to the image as ``draw_overlay`` does; the JPEG tolerance
    allows for compression and chroma subsampling on a line a few pixels thick.
    """
    height, width = image.shape[:2]
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    x1, x2 = sorted((min(max(x1, 0), width - 1), min(max(x2, 0), width - 1)))
    y1, y2 = sorted((min(max(y1, 0), height - 1), min(max(y2, 0), height - 1)))
    xs, ys = np.arange(x1, x2 + 1), np.arange(y1, y2 + 1)
    pixels = np.concatenate([image[y1, xs], image[y2, xs], image[ys, x1], image[ys, x2]])
    diff = np.abs(pixels.astype(np.int32) - np.asarray(color, np.int32))
    return float(np.all(diff <= tolerance, axis=1).mean())


@dataclass(frozen=True)
class ClipFacts:
    """What a player would find in a clip file."""

    format: str
    codec: str
    size: tuple[int, int]
    duration_s: float
    frames: int


def clip_facts(path: Path) -> ClipFacts:
    """Open a clip with PyAV: container, codec, frame size, duration (from packets), frames."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        end = 0.0
        for packet in container.demux(stream):
            if packet.pts is not None and packet.time_base is not None:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
        codec, size = stream.codec_context.codec.canonical_name, (stream.width, stream.height)
        name = container.format.name
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    return ClipFacts(name, codec, size, end, frames)
