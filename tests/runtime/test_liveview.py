"""Live views of the camera wall: zones, lines and tracks drawn where they belong, JPEG out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from vigie.config.site import CameraConfig
from vigie.core.types import Detections, Frame, FrameResult, Track, ViewState
from vigie.events.anonymise import Anonymiser, PrivacySettings
from vigie.events.evidence import ZONE_COLOR
from vigie.geometry import side_of_line
from vigie.runtime.camera import LiveFrame
from vigie.runtime.liveview import (
    LINE_COLOR,
    LiveViews,
    Placeholder,
    class_color,
    draw_live,
    placeholder_for,
    render_placeholder,
)

GREY = 128
Image = npt.NDArray[np.uint8]

#: Zone in the lower left quarter, line in the upper right quarter: they never overlap.
ZONE = [[0.05, 0.55], [0.45, 0.55], [0.45, 0.95], [0.05, 0.95]]
LINE = {"name": "gate", "start": [0.75, 0.1], "end": [0.75, 0.45]}


def camera(zones: bool = True, lines: bool = True) -> CameraConfig:
    return CameraConfig.model_validate({
        "id": "hall", "name": "Hall d'entrée", "source": {"url": "hall.mp4"},
        "zones": [{"name": "platform", "points": ZONE}] if zones else [],
        "lines": [LINE] if lines else [],
    })


def track(box: tuple[float, float, float, float], label: str = "person", track_id: int = 7,
          size: tuple[int, int] = (1280, 720)) -> Track:
    w, h = size
    anchor = ((box[0] + box[2]) / 2 / w, box[3] / h)
    return Track(track_id=track_id, label=label, box=box, confidence=0.9, anchor=anchor,
                 first_seen=0.0, last_seen=1.0)


def result(image: Image | None = None, tracks: tuple[Track, ...] = (),
           view: ViewState | None = None, seq: int = 0) -> FrameResult:
    pixels = np.full((720, 1280, 3), GREY, np.uint8) if image is None else image
    frame = Frame("hall", seq, float(seq), datetime(2024, 5, 1, 10, 0, tzinfo=UTC), pixels)
    return FrameResult(frame, Detections.empty(), tracks, view=view or ViewState())


def close_to(pixel: Any, color: tuple[int, ...], tolerance: int = 40) -> bool:
    return bool(np.all(np.abs(np.asarray(pixel, np.int32) - np.asarray(color)) <= tolerance))


def decode(data: bytes) -> Image:
    """A JPEG's pixels (fails the test if it does not decode)."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a decodable JPEG"
    return np.asarray(image, np.uint8)


def at(image: Image, x: float, y: float) -> Any:
    """The pixel at fractions (x, y) of the image."""
    h, w = image.shape[:2]
    return image[int(round(y * (h - 1))), int(round(x * (w - 1)))]


def test_wide_frames_are_scaled_down_to_960_and_encoded_as_jpeg() -> None:
    views = LiveViews()
    data = views.jpeg(LiveFrame("hall", camera(), result(), "up"))
    assert data is not None
    assert data[:2] == b"\xff\xd8"
    decoded = decode(data)
    assert decoded.shape == (540, 960, 3)


def test_small_frames_keep_their_size_and_the_frame_is_not_modified() -> None:
    pixels = np.full((480, 640, 3), GREY, np.uint8)
    res = result(pixels, (track((100, 100, 200, 300), size=(640, 480)),))
    out = draw_live(res, camera())
    assert out.shape == (480, 640, 3)
    assert int(res.frame.image.sum()) == 480 * 640 * 3 * GREY
    assert not np.shares_memory(out, res.frame.image)


def test_zone_is_shaded_inside_only() -> None:
    out = draw_live(result(), camera(lines=False))
    inside = at(out, 0.25, 0.8)
    assert not close_to(inside, (GREY,) * 3, 5), "the zone is not shaded"
    shaded = 0.25 * np.asarray(ZONE_COLOR) + 0.75 * GREY
    assert close_to(inside, tuple(int(v) for v in shaded), 6)
    assert close_to(at(out, 0.25, 0.3), (GREY,) * 3, 0)  # above the zone
    assert close_to(at(out, 0.7, 0.8), (GREY,) * 3, 0)   # right of it
    assert close_to(at(out, 0.45, 0.75), ZONE_COLOR, 10)  # its outline


def test_line_is_drawn_with_an_arrow_towards_the_in_side() -> None:
    out = draw_live(result(), camera(zones=False))
    assert close_to(at(out, 0.75, 0.3), LINE_COLOR, 10)
    h, w = out.shape[:2]
    start = (0.75 * (w - 1), 0.1 * (h - 1))
    end = (0.75 * (w - 1), 0.45 * (h - 1))
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    reach = 0.05 * float(np.hypot(w, h)) * 0.6  # along the arrow's shaft
    ahead, behind = (mid[0] + reach, mid[1]), (mid[0] - reach, mid[1])
    # 'in' goes from the right of start->end (positive side) to its left (negative side)
    assert side_of_line([ahead], start, end)[0] < 0 < side_of_line([behind], start, end)[0]
    assert close_to(out[int(ahead[1]), int(ahead[0])], LINE_COLOR, 10)
    assert close_to(out[int(behind[1]), int(behind[0])], (GREY,) * 3, 0)


@pytest.mark.parametrize(("label", "color"), [
    ("person", class_color("person")), ("car", class_color("car"))], ids=["person", "car"])
def test_tracks_are_boxed_in_their_class_colour(label: str, color: tuple[int, int, int]) -> None:
    box = (400.0, 200.0, 560.0, 600.0)  # on a 1280 px frame, drawn at 960 px (x 0.75)
    out = draw_live(result(tracks=(track(box, label),)), camera(zones=False, lines=False))
    left, mid_y = int(400 * 0.75), int(400 * 0.75)
    assert close_to(out[mid_y, left], color, 10)
    assert close_to(out[mid_y, int(480 * 0.75)], (GREY,) * 3, 0)  # inside the box: untouched
    label_area = out[int(200 * 0.75) - 12, left + 4: left + 60]
    assert any(close_to(p, color, 10) for p in label_area), "no label above the box"


def test_person_and_vehicle_colours_differ_and_avoid_alert_red() -> None:
    assert class_color("person") != class_color("car")
    assert class_color("car") == class_color("bus")
    assert (0, 0, 255) not in {class_color(n) for n in ("person", "car", "dog", "backpack")}


def test_anonymised_views_blur_the_head_of_persons_only() -> None:
    pattern = ((np.indices((720, 1280)).sum(axis=0) // 2) % 2 * 255).astype(np.uint8)
    image = np.repeat(pattern[:, :, None], 3, axis=2)
    box = (400.0, 200.0, 560.0, 600.0)  # head: the top fifth, y 200..280
    res = result(image, (track(box),))
    plain = draw_live(res, camera(zones=False, lines=False))
    anonymise = Anonymiser(PrivacySettings(faces=False), faces=None)
    blurred = draw_live(res, camera(zones=False, lines=False), anonymise=anonymise)
    head = (slice(int(215 * 0.75), int(270 * 0.75)), slice(int(420 * 0.75), int(540 * 0.75)))
    legs = (slice(int(400 * 0.75), int(580 * 0.75)), slice(int(420 * 0.75), int(540 * 0.75)))
    assert blurred[head].std() < 0.5 * plain[head].std()
    assert np.array_equal(blurred[legs], plain[legs])


def test_a_moving_view_is_flagged_in_the_top_right_corner() -> None:
    cam = camera(zones=False, lines=False)
    steady = draw_live(result(), cam)
    moving = draw_live(result(view=ViewState(moving=True)), cam)
    corner = (slice(0, 40), slice(700, 960))
    assert np.array_equal(steady[corner], np.full_like(steady[corner], GREY))
    assert not np.array_equal(moving[corner], steady[corner])


@pytest.mark.parametrize(("state", "reason", "card"), [
    ("paused", "paused by operator",
     Placeholder("ANALYSIS STOPPED", "no picture while the analysis is stopped")),
    ("down", "connection refused", Placeholder("CAMERA DOWN", "connection refused")),
    ("ended", "end of file", Placeholder("FOOTAGE ENDED", "end of file")),
    ("starting", "", Placeholder("STARTING", "waiting for the first picture")),
    ("error", "25 frames failed", Placeholder("CAMERA ERROR", "25 frames failed")),
], ids=["paused", "down", "ended", "starting", "error"])
def test_states_without_a_picture_have_a_card(state: str, reason: str,
                                              card: Placeholder) -> None:
    assert placeholder_for(LiveFrame("hall", camera(), result(), state, reason)) == card


def test_a_running_camera_shows_its_picture_and_no_frame_yet_says_so() -> None:
    assert placeholder_for(LiveFrame("hall", camera(), result(), "up")) is None
    waiting = placeholder_for(LiveFrame("hall", camera(), None, "up"))
    assert waiting == Placeholder("WAITING", "no analysed frame yet")
    absent = placeholder_for(None)
    assert absent is not None
    assert "not running" in absent.detail


def test_placeholder_is_a_jpeg_of_the_asked_size_even_with_accents() -> None:
    data = render_placeholder(Placeholder("ANALYSIS STOPPED", "demande d'un élu"), "Hall d'entrée",
                              (640, 360))
    decoded = decode(data)
    assert decoded.shape == (360, 640, 3)
    assert decoded[150:230, 100:540].max() > 150  # the title is written


def test_live_views_render_each_frame_once_and_hide_stopped_cameras() -> None:
    views = LiveViews()
    cam = camera()
    first = LiveFrame("hall", cam, result(seq=1), "up")
    data = views.jpeg(first)
    assert data is not None
    assert views.jpeg(LiveFrame("hall", cam, first.result, "up")) is data  # cached
    newer = views.jpeg(LiveFrame("hall", cam, result(seq=2), "up"))
    assert newer is not None
    assert newer is not data
    assert views.jpeg(LiveFrame("hall", cam, first.result, "paused")) is None
    bare = views.jpeg(first, overlay=False)
    assert bare is not None
    assert bare != data
    card = views.frame("hall", LiveFrame("hall", cam, first.result, "paused"), "Hall")
    decoded = decode(card)
    assert decoded.shape == (540, 960, 3)  # the size of the camera's live view
