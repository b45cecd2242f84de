"""CameraPipeline: one camera's frame -> motion -> detect -> track -> rules, transport-free."""

from __future__ import annotations

import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from vigie.config.site import CameraConfig, SiteConfig
from vigie.core.types import Detections, Event, Frame, FrameResult
from vigie.motion import DetectionScheduler, Mog2Motion
from vigie.rules import CameraContext, Rule, RuleConfig, rule_class
from vigie.track import ObjectTracker

__all__ = ["CameraPipeline", "DetectFn", "build_rules", "camera_context"]

_NO_BOXES = np.zeros((0, 4), np.float32)

DetectFn = Callable[[npt.NDArray[np.uint8]], Detections]


def camera_context(camera: CameraConfig, site: SiteConfig) -> CameraContext:
    """What the rules of a camera need to know about its scene."""
    return CameraContext(
        camera_id=camera.id,
        zones={z.name: tuple(z.points) for z in camera.zones},
        lines={ln.name: (ln.start, ln.end) for ln in camera.lines},
        homography=camera.calibration.homography() if camera.calibration else None,
        timezone=ZoneInfo(site.site.timezone),
    )


def build_rules(camera: CameraConfig, site: SiteConfig) -> list[Rule[RuleConfig]]:
    """One rule instance per enabled analytic of the camera."""
    ctx = camera_context(camera, site)
    return [rule_class(a.kind)(a, ctx) for a in camera.analytics if a.enabled]


class CameraPipeline:
    """Turns one camera's frames into FrameResults and rule events.

    It knows nothing of threads or queues: ``detect`` may run the model in place or hand the
    image to a shared detector pool and wait.

    Args:
        camera: The camera's configuration.
        site: The whole site (motion, tracker and time-zone settings).
        detect: Runs the detector on one BGR image.
    """

    def __init__(self, camera: CameraConfig, site: SiteConfig, detect: DetectFn) -> None:
        self.camera = camera
        self._detect = detect
        self._motion = Mog2Motion(site.motion) if site.motion.enabled else None
        self._scheduler = DetectionScheduler(site.motion)
        self._tracker = ObjectTracker(site.tracker, camera.analysis_fps,
                                      camera_context(camera, site).homography)
        self.rules = build_rules(camera, site)
        self.frames = 0
        self.detector_runs = 0

    def process(self, frame: Frame) -> tuple[FrameResult, list[Event]]:
        """Analyse one frame; return what was seen and the events it completes."""
        stages: dict[str, float] = {}
        t = time.perf_counter()
        motion = self._motion.detect(frame.image) if self._motion else _NO_BOXES
        t = _lap(stages, "motion", t)
        known = self._tracker.known_boxes(frame.ts, frame.size)
        if self._scheduler.should_detect(frame.ts, motion, known, self._tracker.tentative > 0):
            detections = self._detect(frame.image)
            self._scheduler.observed(frame.ts, motion, detections.xyxy)
            t = _lap(stages, "detect", t)
            detections, tracks = self._tracker.update(detections, frame.ts, frame.size)
            detected = True
            self.detector_runs += 1
        else:
            tracks, detections, detected = self._tracker.coast(), Detections.empty(), False
        t = _lap(stages, "track", t)
        result = FrameResult(frame, detections, tracks, motion, detected, stages)
        events = [e for rule in self.rules for e in rule.update(result)]
        _lap(stages, "rules", t)
        self.frames += 1
        return result, events

    def reset(self) -> None:
        """Start afresh (the source reconnected or looped): no state survives."""
        if self._motion:
            self._motion.reset()
        self._scheduler.reset()
        self._tracker.reset()
        for rule in self.rules:
            rule.reset()


def _lap(stages: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    stages[name] = stages.get(name, 0.0) + (now - since) * 1000
    return now
