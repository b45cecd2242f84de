"""DiskEvidence: one camera's snapshots and clips, written under the site's data folder."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from pathlib import Path

from vigie.config.site import CameraConfig, SiteConfig
from vigie.core.types import Event, Frame, FrameResult
from vigie.detect.provider import ModelProvider
from vigie.errors import ModelError
from vigie.events.anonymise import Anonymiser, PrivacySettings
from vigie.events.evidence import ClipRecorder, ClipRequest, write_snapshot

__all__ = ["DiskEvidence", "build_anonymiser"]

log = logging.getLogger(__name__)


def build_anonymiser(settings: PrivacySettings, models: ModelProvider) -> Anonymiser | None:
    """The site's anonymiser; without the face model, heads and persons are still blurred."""
    if not settings.active:
        return None
    faces = None
    if settings.faces:
        try:
            faces = models.faces()
        except ModelError as exc:
            log.warning("faces will not be detected for blurring (%s); heads of tracked "
                        "persons are blurred instead", exc)
    return Anonymiser(settings, faces)


class DiskEvidence:
    """Snapshot JPEGs outlined with the alert's objects and zone, and clips from a recorder.

    Args:
        camera: The camera (its zones are drawn on the evidence).
        site: The site (data folder, snapshot quality).
        recorder: The site's clip recorder, shared by every camera.
    """

    def __init__(self, camera: CameraConfig, site: SiteConfig, recorder: ClipRecorder,
                 anonymise: Anonymiser | None = None) -> None:
        self._zones = {z.name: z.points for z in camera.zones}
        self._lines = {ln.name: [ln.start, ln.end] for ln in camera.lines}
        self._data_dir = Path(site.storage.data_dir)
        self._quality = site.alerts.snapshot_quality
        self._recorder = recorder
        self._anonymise = anonymise
        self._latest: FrameResult | None = None

    def push(self, result: FrameResult) -> None:
        """Keep the frame for the clips (before and after an alert)."""
        self._latest = result
        self._recorder.on_frame(result.frame, result.tracks)

    def snapshot(self, event: Event, frame: Frame, relative: str) -> str | None:
        """Write the outlined snapshot; None (logged) if the disk refuses it."""
        labels = [f"{event.details.get('label', event.kind)}"] * len(event.boxes)
        polygon = self._polygon(event, frame)
        try:
            write_snapshot(self._anonymised(frame), event.boxes, labels, polygon,
                           self._data_dir / relative, self._quality)
        except OSError as exc:
            log.error("snapshot of %s not written: %s", event.incident_key, exc)
            return None
        return relative

    def _anonymised(self, frame: Frame) -> Frame:
        if self._anonymise is None:
            return frame
        latest = self._latest
        tracks = latest.tracks if latest is not None and latest.frame.seq == frame.seq else ()
        return replace(frame, image=self._anonymise(frame.image, tracks))

    def clip(self, event: Event, frame: Frame, alert_uuid: uuid.UUID,
             relative: str) -> str | None:
        """Ask the recorder for the clip around the alert."""
        polygon = self._polygon(event, frame)
        self._recorder.start(ClipRequest.from_event(event, alert_uuid, self._data_dir / relative,
                                                    polygon))
        return relative

    def _polygon(self, event: Event, frame: Frame) -> list[tuple[float, float]] | None:
        points = self._zones.get(event.zone or "") or self._lines.get(event.zone or "")
        if points is None:
            return None
        w, h = frame.size
        return [(x * w, y * h) for x, y in points]
