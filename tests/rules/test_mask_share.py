"""mask_share: masked and bare faces counted once per track, nothing but counts leaving the rule.

Frames are assembled from face_mask photos: two masked and two bare faces side by side on a
grey background, each at the top of a scripted person track.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from tests.conftest import shared_file
from vigie.core.types import Detections, Event, Frame, FrameResult, Track
from vigie.detect.provider import ModelProvider
from vigie.rules import CameraContext
from vigie.rules.mask_share import MaskShare, MaskShareConfig

Image = npt.NDArray[np.uint8]
W, H = 640, 360
# Left to right: mask, bare, mask, bare.
FACES = ("with_mask/306.jpg", "without_mask/0_0_liyapeng_0144.jpg", "with_mask/0_0_53.jpg",
         "without_mask/0_0_pubajia_0042.jpg")
LEFT = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def models(models_dir: Path) -> ModelProvider:
    for name in ("centerface.onnx", "mask_clf.onnx"):
        if not (models_dir / name).is_file():
            pytest.skip(f"{name} not among the shared models")
    return ModelProvider(models_dir)


@pytest.fixture(scope="module")
def scene() -> Image:
    """The four faces, 150 px tall, at x = 20, 175, 330, 485."""
    canvas = np.full((H, W, 3), 120, np.uint8)
    for k, name in enumerate(FACES):
        image = cv2.imread(str(shared_file(f"face_mask/{name}")))
        assert image is not None
        h, w = image.shape[:2]
        image = cv2.resize(image, (round(w * 150 / h), 150))[:, :150]
        x = 20 + 155 * k
        canvas[30:180, x:x + image.shape[1]] = image
    return canvas


def person(track_id: int, k: int, ts: float) -> Track:
    """A person track whose box holds face k in its top half."""
    x1, x2 = 10 + 155 * k, 160 + 155 * k
    return Track(track_id=track_id, label="person", box=(x1, 20.0, x2, 350.0), confidence=0.9,
                 anchor=((x1 + x2) / 2 / W, 350 / H), first_seen=0.0, last_seen=ts)


def frames(image: Image, ids: Sequence[Sequence[int]], dt: float = 0.2) -> list[FrameResult]:
    """One frame per step; ids[i][k] is the track id of face k (0: not tracked)."""
    out = []
    for i, step in enumerate(ids):
        ts = i * dt
        tracks = tuple(person(tid, k, ts) for k, tid in enumerate(step) if tid)
        frame = Frame("cam", i, ts, T0 + timedelta(seconds=ts), image)
        out.append(FrameResult(frame, Detections.empty(), tracks))
    return out


def run(rule: MaskShare, results: Sequence[FrameResult]) -> list[Event]:
    return [e for r in results for e in rule.update(r)]


def totals(events: Sequence[Event]) -> dict[str, int]:
    out = {"mask": 0, "no_mask": 0}
    for e in events:
        out[str(e.details["direction"])] += int(e.details["n"])
    return out


def rule_for(models: ModelProvider, zones: dict[str, tuple[tuple[float, float], ...]] | None = None,
             **kw: object) -> MaskShare:
    cam = CameraContext("cam", zones=zones or {}, models=models)
    return MaskShare(MaskShareConfig.model_validate(kw), cam)


def test_each_tracked_face_counts_once(models: ModelProvider, scene: Image) -> None:
    events = run(rule_for(models), frames(scene, [[1, 2, 3, 4]] * 30))  # 6 s
    assert totals(events) == {"mask": 2, "no_mask": 2}
    assert {e.ts for e in events} == {0.0}


def test_only_counts_leave_the_rule(models: ModelProvider, scene: Image) -> None:
    rule = rule_for(models)
    events = run(rule, frames(scene, [[1, 2, 3, 4]] * 5))
    assert events
    for e in events:
        assert e.alert is False
        assert set(e.details) == {"direction", "n"}
        assert e.track_ids == ()
        assert e.boxes == ()
        assert e.kind == "mask_share"
    # What the rule keeps: track ids and times, no pixels.
    kept = [v for v in vars(rule).values() if isinstance(v, np.ndarray)]
    assert kept == []
    assert all(isinstance(k, int) and isinstance(v, float) for k, v in rule._counted.items())


def test_a_new_track_id_counts_again(models: ModelProvider, scene: Image) -> None:
    ids = [[1, 2, 0, 0]] * 15 + [[5, 2, 0, 0]] * 15  # face 0 changes id after 3 s
    assert totals(run(rule_for(models), frames(scene, ids))) == {"mask": 2, "no_mask": 1}


def test_zone_keeps_the_faces_of_people_standing_in_it(models: ModelProvider,
                                                       scene: Image) -> None:
    rule = rule_for(models, zones={"left": LEFT}, zone="left")
    events = run(rule, frames(scene, [[1, 2, 3, 4]] * 10))
    assert totals(events) == {"mask": 1, "no_mask": 1}
    assert all(e.zone == "left" for e in events)


def test_untracked_faces_are_ignored_unless_asked(models: ModelProvider, scene: Image) -> None:
    steps = [[0, 0, 0, 0]] * 15  # 3 s: searches at 0 and 2 s when asked
    assert run(rule_for(models), frames(scene, steps)) == []
    counted = totals(run(rule_for(models, count_untracked=True), frames(scene, steps)))
    assert counted == {"mask": 4, "no_mask": 4}


def test_small_faces_are_skipped(models: ModelProvider, scene: Image) -> None:
    assert run(rule_for(models, min_face_px=200), frames(scene, [[1, 2, 3, 4]] * 5)) == []


def test_reset_forgets_the_counted_tracks(models: ModelProvider, scene: Image) -> None:
    rule = rule_for(models)
    run(rule, frames(scene, [[1, 2, 3, 4]] * 3))
    rule.reset()
    assert totals(run(rule, frames(scene, [[1, 2, 3, 4]] * 3))) == {"mask": 2, "no_mask": 2}


def test_rule_needs_models() -> None:
    with pytest.raises(ValueError, match="needs secondary models"):
        MaskShare(MaskShareConfig(), CameraContext("cam"))
