"""The pipeline pauses rules that need a fixed view while it moves, and restarts after a cut."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np

from vigie.config.loader import parse_config
from vigie.core.types import Detections, Event, Frame, FrameResult
from vigie.rules import CameraContext, Rule, RuleConfig
from vigie.runtime.pipeline import CameraPipeline


class _Probe(Rule[RuleConfig]):
    """Records what the pipeline does to it."""

    kind = "probe"
    config_model = RuleConfig

    def __init__(self, steady: bool) -> None:
        super().__init__(RuleConfig(kind="probe"), CameraContext("cam"))
        self.needs_steady_view = steady  # type: ignore[misc]
        self.seen: list[tuple[float, bool]] = []
        self.resets: list[int] = []

    def update(self, result: FrameResult) -> list[Event]:
        self.seen.append((result.ts, result.view.moving))
        return []

    def reset(self) -> None:
        self.resets.append(len(self.seen))


def _scene(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grey = cv2.GaussianBlur((rng.random((240, 320)) * 255).astype(np.uint8), (7, 7), 0)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def _pipeline() -> tuple[CameraPipeline, _Probe, _Probe]:
    site = parse_config("site: {name: t}\nmotion: {steady_s: 0.6}\n"
                        "cameras:\n  - id: cam\n    source: {url: x.mp4}\n")
    pipeline = CameraPipeline(site.cameras[0], site, lambda image: Detections.empty())
    fixed, mobile = _Probe(steady=True), _Probe(steady=False)
    pipeline.rules = [fixed, mobile]
    return pipeline, fixed, mobile


def _feed(pipeline: CameraPipeline, images: list[np.ndarray], start: int = 0) -> None:
    for i, image in enumerate(images, start):
        pipeline.process(Frame("cam", i, 0.2 * i, datetime.now(UTC), image))


def test_a_pan_pauses_fixed_view_rules_and_resets_them_after() -> None:
    pipeline, fixed, mobile = _pipeline()
    scene = _scene(0)
    _feed(pipeline, [scene] * 3)
    _feed(pipeline, [np.roll(scene, 6 * k, axis=1) for k in range(1, 6)], start=3)
    _feed(pipeline, [np.roll(scene, 30, axis=1)] * 8, start=8)
    assert len(mobile.seen) == 16
    assert any(moving for _, moving in mobile.seen)
    assert all(not moving for _, moving in fixed.seen)
    assert len(fixed.seen) < 16
    assert fixed.resets == [4]  # the first pan frame alone is not a moving view; reset after
    assert mobile.resets == []


def test_a_cut_restarts_every_rule() -> None:
    pipeline, fixed, mobile = _pipeline()
    _feed(pipeline, [_scene(1)] * 3)
    _feed(pipeline, [cv2.add(_scene(2), 90)] * 3, start=3)
    assert mobile.resets == [3]
    assert fixed.resets[0] == 3
