"""CameraPipeline: one camera's frame -> motion -> detect -> track -> rules, transport-free."""

from __future__ import annotations

import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from vigie.config.site import CameraConfig, SiteConfig
from vigie.core.types import STEADY, Detections, Event, Frame, FrameResult, ViewState
from vigie.detect.provider import ModelProvider
from vigie.motion import DetectionScheduler, Mog2Motion
from vigie.motion.view import ViewMonitor
from vigie.rules import CameraContext, Rule, RuleConfig, rule_class
from vigie.track import ObjectTracker

__all__ = ["CameraPipeline", "DetectFn", "build_rules", "camera_context"]

_NO_BOXES = np.zeros((0, 4), np.float32)

DetectFn = Callable[[npt.NDArray[np.uint8]], Detections]


def camera_context(camera: CameraConfig, site: SiteConfig,
                   models: ModelProvider | None = None) -> CameraContext:
    """What the rules of a camera need to know about its scene, and the models they may use."""
    return CameraContext(
        camera_id=camera.id,
        zones={z.name: tuple(z.points) for z in camera.zones},
        lines={ln.name: (ln.start, ln.end) for ln in camera.lines},
        homography=camera.calibration.homography() if camera.calibration else None,
        timezone=ZoneInfo(site.site.timezone),
        models=models,
    )


def build_rules(camera: CameraConfig, site: SiteConfig,
                models: ModelProvider | None = None) -> list[Rule[RuleConfig]]:
    """One rule instance per enabled analytic of the camera."""
    ctx = camera_context(camera, site, models)
    return [rule_class(a.kind)(a, ctx) for a in camera.analytics if a.enabled]


class CameraPipeline:
    """Turns one camera's frames into FrameResults and rule events.

    It knows nothing of threads or queues: ``detect`` may run the model in place or hand the
    image to a shared detector pool and wait.

    Args:
        camera: The camera's configuration.
        site: The whole site (motion, tracker and time-zone settings).
        detect: Runs the detector on one BGR image.
        models: Secondary models for the rules that need them (pose, faces); default one
            provider for this camera alone, reading the site's models folder.
    """

    def __init__(self, camera: CameraConfig, site: SiteConfig, detect: DetectFn,
                 models: ModelProvider | None = None) -> None:
        self.camera = camera
        self._detect = detect
        self._motion = Mog2Motion(site.motion) if site.motion.enabled else None
        self._scheduler = DetectionScheduler(site.motion)
        self._tracker = ObjectTracker(site.tracker, camera.analysis_fps,
                                      camera_context(camera, site).homography)
        self._view = ViewMonitor(site.motion.steady_s) if site.motion.view_guard else None
        self.rules = build_rules(camera, site,
                                 models or ModelProvider(site.detector.models_dir))
        self._paused: set[int] = set()
        self.frames = 0
        self.detector_runs = 0

    def process(self, frame: Frame) -> tuple[FrameResult, list[Event]]:
        """Analyse one frame; return what was seen and the events it completes."""
        stages: dict[str, float] = {}
        t = time.perf_counter()
        motion = self._motion.detect(frame.image) if self._motion else _NO_BOXES
        view = self._watch_view(frame)
        t = _lap(stages, "motion", t)
        known = self._tracker.known_boxes(frame.ts, frame.size)
        if self._scheduler.should_detect(frame.ts, motion, known, self._tracker.tentative > 0):
            detections, windows = self._run_detector(frame, motion, known)
            self._scheduler.observed(frame.ts, motion, detections.xyxy)
            t = _lap(stages, "detect", t)
            detections, tracks = self._tracker.update(detections, frame.ts, frame.size, windows)
            detected = True
            self.detector_runs += 1
        else:
            tracks, detections, detected = self._tracker.coast(), Detections.empty(), False
        t = _lap(stages, "track", t)
        result = FrameResult(frame, detections, tracks, motion, detected, stages, view)
        events = self._run_rules(result)
        _lap(stages, "rules", t)
        self.frames += 1
        return result, events

    def _watch_view(self, frame: Frame) -> ViewState:
        """The view's state; after a cut nothing learnt on the old picture survives."""
        if self._view is None:
            return STEADY
        view = self._view.update(frame.image, frame.ts)
        if view.cut:
            self._restart(keep_view=True)
        return view

    def _run_rules(self, result: FrameResult) -> list[Event]:
        """Events of the rules that can work on this frame's view.

        A rule that needs a fixed view pauses while the view moves and starts afresh after.
        """
        events: list[Event] = []
        for index, rule in enumerate(self.rules):
            if result.view.moving and rule.needs_steady_view:
                self._paused.add(index)
                continue
            if index in self._paused:
                self._paused.discard(index)
                rule.reset()
            events.extend(rule.update(result))
        return events

    def _run_detector(self, frame: Frame, motion: npt.NDArray[np.float32],
                      known: npt.NDArray[np.float32],
                      ) -> tuple[Detections, npt.NDArray[np.float32] | None]:
        """The whole frame, or, with ``detector.regions``, windows around what moves.

        Windows are used only for motion-triggered runs and when cheaper than the whole
        frame; the first run and every ``recheck_s`` see the whole frame.

        Returns:
            The detections, and the windows looked through (None: the whole frame).
        """
        regional = getattr(self._detect, "regional", None)
        if regional is None or not len(motion) or self._scheduler.full_frame_due(frame.ts):
            self._scheduler.ran_full_frame(frame.ts)
            return self._detect(frame.image), None
        regions = _regions_of_interest(motion, known, frame.size)
        crops = regional.plan(regions, frame.size)
        if not crops or any(c.is_full_frame(frame.size) for c in crops):
            self._scheduler.ran_full_frame(frame.ts)
            return self._detect(frame.image), None
        found = self._detect.detect_crops(frame.image, crops, regions)  # type: ignore[attr-defined]
        windows: npt.NDArray[np.float32] = np.stack([c.xyxy for c in crops]).astype(np.float32)
        return found, windows

    def reset(self) -> None:
        """Start afresh (the source reconnected or looped): no state survives."""
        self._restart(keep_view=False)

    def _restart(self, *, keep_view: bool) -> None:
        if self._motion:
            self._motion.reset()
        if self._view and not keep_view:
            self._view.reset()
        self._scheduler.reset()
        self._tracker.reset()
        self._paused.clear()
        for rule in self.rules:
            rule.reset()


def _lap(stages: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    stages[name] = stages.get(name, 0.0) + (now - since) * 1000
    return now


def _regions_of_interest(motion: npt.NDArray[np.float32], known: npt.NDArray[np.float32],
                         frame_size: tuple[int, int]) -> npt.NDArray[np.float32]:
    """Moving regions and the known objects they touch, grown so a whole person fits.

    Motion often catches only a walker's legs: regions grow by a quarter of their width
    sideways and by most of their height upwards.
    """
    touching = known[_overlaps(known, motion)] if len(known) else known
    boxes = np.concatenate([motion, touching]).astype(np.float32)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    grown = np.stack([boxes[:, 0] - 0.25 * w, boxes[:, 1] - 0.75 * h,
                      boxes[:, 2] + 0.25 * w, boxes[:, 3] + 0.25 * h], axis=1)
    limit = np.array([frame_size[0], frame_size[1]] * 2, np.float32)
    out: npt.NDArray[np.float32] = np.clip(grown, 0, limit).astype(np.float32)
    return out


def _overlaps(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """(len(a),) whether each box of ``a`` intersects some box of ``b``."""
    if not len(b):
        return np.zeros(len(a), bool)
    apart = ((a[:, None, 2] < b[None, :, 0]) | (b[None, :, 2] < a[:, None, 0])
             | (a[:, None, 3] < b[None, :, 1]) | (b[None, :, 3] < a[:, None, 1]))
    return np.asarray((~apart).any(axis=1))
