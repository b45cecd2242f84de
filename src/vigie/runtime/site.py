"""SiteRunner: every camera of a site, one shared detector, one DB writer, evidence on disk."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from vigie.config.site import CameraConfig, SiteConfig
from vigie.core.types import Event
from vigie.detect.base import Detector
from vigie.detect.provider import ModelProvider
from vigie.events.alerts import AlertPolicy
from vigie.events.anonymise import Anonymiser
from vigie.events.evidence import ClipRecorder, ClipResult
from vigie.ingest import CameraReader, Health, ReaderState
from vigie.runtime.alerting import AlertSink, LatencyLog
from vigie.runtime.camera import CameraStatus, CameraWorker, LiveFrame
from vigie.runtime.detectors import SharedDetector
from vigie.runtime.evidence import DiskEvidence, build_anonymiser
from vigie.runtime.pipeline import CameraPipeline
from vigie.runtime.retention import RetentionScheduler
from vigie.store import (
    AlertWriter,
    AppendAudit,
    CameraRepository,
    ClipStatus,
    Database,
    HealthState,
    RecordHealth,
    SetClip,
    migrate,
    open_database,
)

__all__ = ["SiteRunner"]

log = logging.getLogger(__name__)


class SiteRunner:
    """Runs a whole site until stopped (or until every file source has ended).

    Args:
        site: The validated site configuration.
        detector: The detector to share; default: built from ``site.detector``.
        detector_workers: Detector runs allowed at the same time; default
            ``site.detector.workers``.
        on_alert: Called with each event that became an alert.

    Example:
        >>> runner = SiteRunner(load_config("site.yaml"))  # doctest: +SKIP
        >>> runner.start(); runner.wait(); runner.stop()  # doctest: +SKIP
    """

    def __init__(self, site: SiteConfig, *, detector: Detector | None = None,
                 detector_workers: int | None = None,
                 on_alert: Callable[[Event], None] | None = None) -> None:
        self.site = site
        self.data_dir = Path(site.storage.data_dir)
        self._detector = detector
        self._detector_workers = detector_workers or site.detector.workers
        self._on_alert = on_alert
        self.latency = LatencyLog()
        self.workers: dict[str, CameraWorker] = {}
        self.db: Database | None = None
        self.writer: AlertWriter | None = None
        self.shared_detector: SharedDetector | None = None
        self.recorder: ClipRecorder | None = None
        self.models: ModelProvider | None = None
        self.retention: RetentionScheduler | None = None
        self.anonymiser: Anonymiser | None = None
        self.started_at = 0.0
        self._stopped = False

    def start(self) -> None:
        """Load the detector, open the database, start the writer and every enabled camera.

        If anything fails, what was started is stopped again before the error propagates.
        """
        if self._detector is None:
            from vigie.detect.factory import build_detector

            self._detector = build_detector(self.site.detector)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        assert self._detector is not None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        url = self.site.storage.resolved_url()
        migrate(url)
        self.db = open_database(url)
        CameraRepository(self.db).upsert_from_config(self.site.cameras)
        self.writer = AlertWriter(self.db, self.data_dir)
        alerts = self.site.alerts
        self.shared_detector = SharedDetector(self._detector, self._detector_workers)
        self.models = ModelProvider(self.site.detector.models_dir)
        self.anonymiser = build_anonymiser(self.site.privacy.settings(), self.models)
        self.recorder = ClipRecorder(before_s=alerts.clip_before_s, after_s=alerts.clip_after_s,
                                     on_done=self._clip_done, anonymise=self.anonymiser)
        retention = self.site.retention
        self.retention = RetentionScheduler(self.db, self.data_dir, retention.policy(),
                                            retention.interval_min * 60)
        self.retention.start()
        for camera in self.site.cameras:
            if camera.enabled:
                self.workers[camera.id] = self._worker(camera, self.writer,
                                                       self.shared_detector, self.recorder)
        self._audit("analysis.start", "site", {"cameras": sorted(self.workers),
                                               "config_sha256": config_digest(self.site)})
        stopped = {c.id for c in CameraRepository(self.db).list() if c.analysis_stopped}
        self.started_at = time.monotonic()
        for camera_id, worker in self.workers.items():
            if camera_id in stopped:  # an operator's stop survives a restart
                worker.reader.pause()
            worker.start()

    def _worker(self, camera: CameraConfig, writer: AlertWriter, detector: SharedDetector,
                recorder: ClipRecorder) -> CameraWorker:
        reader = CameraReader.from_config(camera, on_health=self._record_health)
        pipeline = CameraPipeline(camera, self.site, detector, self.models)
        policy = AlertPolicy.for_camera(camera, self.site.alerts)
        evidence = DiskEvidence(camera, self.site, recorder, self.anonymiser)
        sink = AlertSink(policy, writer, evidence, self.latency, self._on_alert)
        return CameraWorker(reader, pipeline, sink, evidence)

    def set_camera_stopped(self, camera_id: str, stopped: bool, actor: str,
                           reason: str) -> None:
        """Stop (or resume) the analysis of one camera at once; stored, audited, logged.

        Raises:
            KeyError: The camera is not running on this site.
        """
        worker = self.workers.get(camera_id)
        if worker is None or self.db is None:
            raise KeyError(f"camera {camera_id!r} is not running; running: "
                           f"{sorted(self.workers)}")
        _switch(worker, stopped)
        CameraRepository(self.db).set_stopped(camera_id, stopped, actor, reason)

    def set_all_stopped(self, stopped: bool, actor: str, reason: str) -> None:
        """Stop (or resume) the analysis of every camera at once; stored, audited, logged."""
        if self.db is None:
            raise RuntimeError("the site is not started")
        for worker in self.workers.values():
            _switch(worker, stopped)
        CameraRepository(self.db).set_all_stopped(stopped, actor, reason)

    def apply_camera(self, camera: CameraConfig, actor: str) -> None:
        """Put a camera's new set-up (scene editor) into service at once.

        The camera's worker is stopped and replaced by one built with ``camera``; an
        operator's stop still holds. Audited as ``analysis.reconfigure``.

        Raises:
            KeyError: The camera is not part of the site.
            RuntimeError: The site is not started.
        """
        if self.writer is None or self.shared_detector is None or self.recorder is None \
                or self.db is None:
            raise RuntimeError("the site is not started")
        self.site.camera(camera.id)  # KeyError for a camera the site does not have
        self.site = self.site.model_copy(update={"cameras": [
            camera if c.id == camera.id else c for c in self.site.cameras]})
        old = self.workers.get(camera.id)
        if old is not None:
            old.stop()
        workers = {k: w for k, w in self.workers.items() if k != camera.id}
        if camera.enabled:
            worker = self._worker(camera, self.writer, self.shared_detector, self.recorder)
            if CameraRepository(self.db).get(camera.id).analysis_stopped:
                worker.reader.pause()
            worker.start()
            workers[camera.id] = worker
        self.workers = workers  # swapped whole: status() may be iterating the old dict
        self._audit("analysis.reconfigure", f"camera:{camera.id}", {"actor": actor})

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every camera has finished (files ended) or ``timeout``; True if done."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not all(w.finished for w in self.workers.values()):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        """Stop every camera, finish the clips, write everything queued, close the database.

        Cameras that were up are logged as stopped; a down camera keeps its reason. A second
        call does nothing.
        """
        if self._stopped:
            return
        self._stopped = True
        running = [cid for cid, w in self.workers.items() if w.reader.state is ReaderState.UP]
        for worker in self.workers.values():
            worker.stop()
        now = datetime.now(UTC)
        for camera_id in running:
            self._submit_health(camera_id, HealthState.STOPPED, now,
                                "analysis stopped: Vigie shut down")
        if self.retention is not None:
            self.retention.stop()
        if self.recorder is not None:
            self.recorder.close()
        if self.started_at:
            self._audit("analysis.stop", "site", {"cameras": sorted(self.workers)})
        if self.writer is not None:
            self.writer.close()
        if self.db is not None:
            self.db.close()

    def status(self) -> list[CameraStatus]:
        """Figures of every camera."""
        return [w.status() for w in self.workers.values()]

    def live_frame(self, camera_id: str) -> LiveFrame | None:
        """The latest analysed frame of a camera and its state; None if it is not running."""
        worker = self.workers.get(camera_id)
        return None if worker is None else worker.live()

    def _clip_done(self, result: ClipResult) -> None:
        if self.writer is None:
            return
        relative = result.path.relative_to(self.data_dir).as_posix() if result.ok else None
        status = ClipStatus.READY if result.ok else ClipStatus.FAILED
        self.writer.submit(SetClip(result.alert_uuid, relative, status))
        if not result.ok:
            log.warning("clip of alert %s failed: %s", result.alert_uuid, result.error)

    def _record_health(self, camera_id: str, state: Health, at: datetime, reason: str) -> None:
        """A reader's up/down report (``on_health``), stored and logged."""
        self._submit_health(camera_id, HealthState(str(state)), at, reason)

    def _submit_health(self, camera_id: str, state: HealthState, at: datetime,
                       reason: str) -> None:
        if self.writer is not None:
            self.writer.submit(RecordHealth(camera_id, state, at, reason))
        log.info("camera %s %s: %s", camera_id, state, reason)

    def _audit(self, action: str, target: str, details: dict[str, object]) -> None:
        if self.writer is not None:
            self.writer.submit(AppendAudit(actor="system", action=action, target=target,
                                           at=datetime.now(UTC), details=details))


def config_digest(site: SiteConfig) -> str:
    """SHA-256 of the configuration as validated: two starts with the same digest ran the
    same set-up; a different one shows the configuration changed in between."""
    text = json.dumps(site.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _switch(worker: CameraWorker, stopped: bool) -> None:
    if stopped:
        worker.reader.pause()
    else:
        worker.reader.resume()
