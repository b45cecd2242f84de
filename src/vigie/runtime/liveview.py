"""Live views of the camera wall: the latest analysed frame with zones, lines and tracks drawn.

:func:`draw_live` draws on a downscaled copy of a :class:`FrameResult`'s picture what the
analysis sees: each zone (translucent, named), each line (named, with an arrow towards the
side an ``in`` crossing goes to), each tracked object (box in its class colour, label with
the track id, recent trail). :class:`LiveViews` turns a camera's latest frame into a JPEG once,
however many browsers watch it, and renders a plain card instead when there is no picture to
show (analysis stopped, camera down, no frame yet): a stopped camera shows no picture at all.

Example:
    >>> views = LiveViews()  # doctest: +SKIP
    >>> jpeg = views.jpeg(runner.live_frame("hall"))  # doctest: +SKIP
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache

import cv2
import numpy as np

from vigie.config.site import CameraConfig, LineConfig, ZoneConfig
from vigie.core.types import VEHICLE_CLASSES, FrameResult, ImageArray, Track
from vigie.events.evidence import ZONE_COLOR, Anonymise
from vigie.runtime.camera import LiveFrame

__all__ = ["LINE_COLOR", "MAX_WIDTH", "LiveViews", "Placeholder", "class_color", "draw_live",
           "encode_jpeg", "placeholder_for", "render_placeholder"]

BGR = tuple[int, int, int]

MAX_WIDTH = 960                    # live views are scaled down to this width at most
QUALITY = 75                       # JPEG quality of live views
LINE_COLOR: BGR = (255, 255, 0)    # cyan: tripwires
WARN_COLOR: BGR = (65, 179, 227)   # amber-ish, as --warn in the console
_PERSON: BGR = (255, 160, 60)      # blue
_VEHICLE: BGR = (90, 220, 90)      # green
_PALETTE: tuple[BGR, ...] = ((200, 120, 255), (80, 200, 255), (255, 120, 200), (160, 255, 160),
                             (120, 160, 255), (255, 220, 120))
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_ZONE_ALPHA = 0.25
_TRAIL_S = 3.0                     # seconds of a track's path drawn behind it
_BACKGROUND: BGR = (25, 20, 15)    # the console's --bg (#0f1419)


def class_color(label: str) -> BGR:
    """The colour of a class on live views: persons blue, vehicles green, others by name.

    Red is kept for alerts (snapshots), amber for zones, cyan for lines.

    Example:
        >>> class_color("person") != class_color("car")
        True
    """
    if label == "person":
        return _PERSON
    if label in VEHICLE_CLASSES:
        return _VEHICLE
    return _PALETTE[zlib.crc32(label.encode()) % len(_PALETTE)]


def draw_live(result: FrameResult, camera: CameraConfig, *, max_width: int = MAX_WIDTH,
              anonymise: Anonymise | None = None, tz: tzinfo | None = None) -> ImageArray:
    """The frame, scaled down to ``max_width``, with the camera's scene and tracks drawn.

    Args:
        result: The analysed frame (its pixels are not modified).
        camera: The camera's configuration: zones and lines (fractions of the frame).
        max_width: Wider frames are scaled down (aspect kept).
        anonymise: Blurs the frame (faces, heads, persons) before it is drawn on: live views
            of roles without clearance are anonymised as stored pictures are.
        tz: Time zone of the clock in the corner; default UTC.

    Returns:
        A new (H, W, 3) BGR image, W <= ``max_width``.
    """
    image = _scaled(_pixels(result, anonymise), max_width)
    height, width = image.shape[:2]
    scale = width / result.frame.size[0]
    style = _Style.for_width(width)
    _draw_zones(image, camera.zones, style)
    for line in camera.lines:
        _draw_line(image, line, style)
    for track in result.tracks:
        _draw_track(image, track, scale, style)
    wall = result.frame.wall.astimezone(tz) if tz else result.frame.wall
    _draw_tag(image, f"{camera.name or camera.id}  {wall:%H:%M:%S}", (style.pad, style.pad),
              (0, 0, 0), style)
    if result.view.moving:
        text = "view moving: rules paused"
        tw = cv2.getTextSize(text, _FONT, style.font, style.text)[0][0]
        _draw_tag(image, text, (width - tw - 3 * style.pad, style.pad), WARN_COLOR, style)
    return image


def encode_jpeg(image: ImageArray, quality: int = QUALITY) -> bytes:
    """JPEG bytes of a BGR image.

    Raises:
        ValueError: The image cannot be encoded.
    """
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"JPEG encoding failed for an image of shape {image.shape}")
    return bytes(data.tobytes())


@dataclass(frozen=True, slots=True)
class Placeholder:
    """What a live view shows instead of a picture: a title and one line of detail."""

    title: str
    detail: str = ""


#: Reader states without a live picture, and what the tile says instead.
_NO_PICTURE = {
    "paused": Placeholder("ANALYSIS STOPPED", "no picture while the analysis is stopped"),
    "starting": Placeholder("STARTING", "waiting for the first picture"),
    "down": Placeholder("CAMERA DOWN", ""),
    "ended": Placeholder("FOOTAGE ENDED", ""),
    "stopped": Placeholder("ANALYSIS ENDED", "the analysis was shut down"),
    "error": Placeholder("CAMERA ERROR", ""),
}


def placeholder_for(live: LiveFrame | None) -> Placeholder | None:
    """The card a camera shows instead of its picture, or None when it has one to show."""
    if live is None:
        return Placeholder("NOT ANALYSED", "analysis is not running in this console")
    known = _NO_PICTURE.get(live.state)
    if known is not None:
        return known if live.state == "paused" else Placeholder(known.title,
                                                                 live.reason or known.detail)
    if live.result is None:
        return Placeholder("WAITING", "no analysed frame yet")
    return None


def render_placeholder(placeholder: Placeholder, name: str = "",
                       size: tuple[int, int] = (768, 576)) -> bytes:
    """A dark JPEG card with the camera's name, a title and a detail line (ASCII only)."""
    return _placeholder_jpeg(placeholder.title, placeholder.detail, name, size)


@lru_cache(maxsize=64)
def _placeholder_jpeg(title: str, detail: str, name: str, size: tuple[int, int]) -> bytes:
    width, height = size
    image = np.full((height, width, 3), _BACKGROUND, np.uint8)
    font = max(0.5, width / 800)  # legible once the tile scales the card down
    thick = max(1, round(font * 1.6))
    cv2.rectangle(image, (0, 0), (width - 1, height - 1), (72, 59, 46), 2)
    middle, step = height // 2, int(38 * font)
    _centered(image, _ascii(name), middle - 2 * step, font, (174, 161, 147), thick)
    _centered(image, _ascii(title), middle - step // 4, font * 1.9, WARN_COLOR,
              max(3, round(font * 4)))
    columns = max(20, int(width / (22 * font)))
    for index, chunk in enumerate(_wrap(_ascii(detail), columns)):
        _centered(image, chunk, middle + int((1.4 + index) * step), font, (243, 237, 230), thick)
    return encode_jpeg(image)


class LiveViews:
    """Renders each camera's latest frame once, however many browsers watch it.

    Thread-safe; drawing happens outside the lock (two threads may rarely draw the same frame).

    Args:
        max_width: Live views are scaled down to this width at most.
        quality: JPEG quality.
        tz: Time zone of the clock drawn in the corner.
        anonymise: Blurs each frame first (see :func:`draw_live`); one renderer per variant.
    """

    def __init__(self, *, max_width: int = MAX_WIDTH, quality: int = QUALITY,
                 tz: tzinfo | None = None, anonymise: Anonymise | None = None) -> None:
        self.max_width, self.quality, self.tz, self.anonymise = max_width, quality, tz, anonymise
        self._lock = threading.Lock()
        self._last: dict[str, tuple[FrameResult, CameraConfig, bytes]] = {}
        self._sizes: dict[str, tuple[int, int]] = {}

    def jpeg(self, live: LiveFrame, *, overlay: bool = True) -> bytes | None:
        """The camera's latest frame drawn and encoded, or None when it has no picture to show.

        Args:
            live: The camera's latest frame and state.
            overlay: Draw zones, lines and tracks; False gives the bare (scaled) picture.
        """
        result = live.result
        if result is None or placeholder_for(live) is not None:
            return None
        if not overlay:
            return encode_jpeg(_scaled(_pixels(result, self.anonymise), self.max_width),
                               self.quality)
        with self._lock:
            cached = self._last.get(live.camera_id)
        if cached is not None and cached[0] is result and cached[1] is live.camera:
            return cached[2]
        image = draw_live(result, live.camera, max_width=self.max_width,
                          anonymise=self.anonymise, tz=self.tz)
        data = encode_jpeg(image, self.quality)
        with self._lock:
            self._last[live.camera_id] = (result, live.camera, data)
            self._sizes[live.camera_id] = (image.shape[1], image.shape[0])
        return data

    def placeholder(self, camera_id: str, placeholder: Placeholder, name: str = "") -> bytes:
        """A card the size of the camera's last live view (4:3 before the first one)."""
        with self._lock:
            size = self._sizes.get(camera_id, (768, 576))
        return render_placeholder(placeholder, name, size)

    def frame(self, camera_id: str, live: LiveFrame | None, name: str = "") -> bytes:
        """What a tile shows now: the live picture, or the card saying why there is none."""
        if live is not None:
            data = self.jpeg(live)
            if data is not None:
                return data
        card = placeholder_for(live) or Placeholder("WAITING", "no analysed frame yet")
        return self.placeholder(camera_id, card, name)


# -- drawing --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    """Stroke and text sizes for one output width."""

    thick: int
    font: float
    text: int
    pad: int

    @classmethod
    def for_width(cls, width: int) -> _Style:
        unit = width / 960
        return cls(thick=max(2, round(2 * unit)), font=max(0.45, 0.6 * unit),
                   text=max(1, round(unit)), pad=max(4, round(8 * unit)))


def _scaled(image: ImageArray, max_width: int) -> ImageArray:
    height, width = image.shape[:2]
    if width <= max_width:
        return np.ascontiguousarray(image).copy()
    size = (max_width, max(1, round(height * max_width / width)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def _px(point: Sequence[float], width: int, height: int) -> tuple[int, int]:
    return int(round(point[0] * (width - 1))), int(round(point[1] * (height - 1)))


def _draw_zones(image: ImageArray, zones: Sequence[ZoneConfig], style: _Style) -> None:
    if not zones:
        return
    height, width = image.shape[:2]
    polygons = [np.array([_px(p, width, height) for p in z.points], np.int32) for z in zones]
    shaded = image.copy()
    cv2.fillPoly(shaded, polygons, ZONE_COLOR)
    cv2.addWeighted(shaded, _ZONE_ALPHA, image, 1 - _ZONE_ALPHA, 0, dst=image)
    cv2.polylines(image, polygons, True, ZONE_COLOR, style.thick, cv2.LINE_AA)
    for zone, polygon in zip(zones, polygons, strict=True):
        top = polygon[np.argmin(polygon[:, 1])]
        _draw_tag(image, zone.name, (int(top[0]) + style.pad, int(top[1]) + style.pad),
                  ZONE_COLOR, style)


def _draw_line(image: ImageArray, line: LineConfig, style: _Style) -> None:
    """The line, its name at the start, and an arrow from its middle towards the 'in' side.

    ``in`` crosses from the right of start->end (as seen on screen) to its left, so the arrow
    points along (dy, -dx).
    """
    height, width = image.shape[:2]
    start, end = _px(line.start, width, height), _px(line.end, width, height)
    cv2.line(image, start, end, LINE_COLOR, style.thick + 1, cv2.LINE_AA)
    for point in (start, end):
        cv2.circle(image, point, style.thick + 3, LINE_COLOR, cv2.FILLED, cv2.LINE_AA)
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = float(np.hypot(dx, dy)) or 1.0
    arrow = 0.05 * float(np.hypot(width, height))
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    tip = (int(round(mid[0] + dy / length * arrow)), int(round(mid[1] - dx / length * arrow)))
    cv2.arrowedLine(image, (int(round(mid[0])), int(round(mid[1]))), tip, LINE_COLOR,
                    style.thick + 1, cv2.LINE_AA, tipLength=0.35)
    _draw_tag(image, "in", (tip[0] + style.pad, tip[1] - style.pad), LINE_COLOR, style)
    _draw_tag(image, line.name, (start[0] + style.pad, start[1] + style.pad), LINE_COLOR, style)


def _draw_track(image: ImageArray, track: Track, scale: float, style: _Style) -> None:
    height, width = image.shape[:2]
    color = class_color(track.label)
    recent = [(x, y) for ts, x, y in track.history if ts >= track.last_seen - _TRAIL_S]
    if len(recent) > 1:
        trail = np.array([_px(point, width, height) for point in recent], np.int32)
        cv2.polylines(image, [trail], False, color, max(1, style.thick - 1), cv2.LINE_AA)
    x1, y1, x2, y2 = (int(round(v * scale)) for v in track.box)
    x1, x2 = sorted((min(max(x1, 0), width - 1), min(max(x2, 0), width - 1)))
    y1, y2 = sorted((min(max(y1, 0), height - 1), min(max(y2, 0), height - 1)))
    cv2.rectangle(image, (x1, y1), (x2, y2), color, style.thick)
    cv2.circle(image, _px(track.anchor, width, height), style.thick + 1, color, cv2.FILLED)
    label = f"{track.label} {track.track_id}"
    (_, th), base = cv2.getTextSize(label, _FONT, style.font, style.text)
    above = y1 - th - base - 4
    _draw_tag(image, label, (x1, above if above >= 0 else y1), color, style, pad=2)


def _pixels(result: FrameResult, anonymise: Anonymise | None) -> ImageArray:
    """The frame's pixels, anonymised when asked (full resolution: boxes are in its pixels)."""
    if anonymise is None:
        return result.frame.image
    return anonymise(result.frame.image, result.tracks)


def _draw_tag(image: ImageArray, text: str, corner: tuple[int, int], color: BGR,
              style: _Style, pad: int | None = None) -> None:
    """Text on a filled box whose top-left corner is ``corner`` (kept inside the image)."""
    pad = style.pad // 2 if pad is None else pad
    text = _ascii(text)
    (tw, th), base = cv2.getTextSize(text, _FONT, style.font, style.text)
    height, width = image.shape[:2]
    x = min(max(corner[0], 0), max(0, width - tw - 2 * pad))
    y = min(max(corner[1], 0), max(0, height - th - base - 2 * pad))
    cv2.rectangle(image, (x, y), (x + tw + 2 * pad, y + th + base + 2 * pad), color, cv2.FILLED)
    ink = (0, 0, 0) if sum(color) > 380 else (255, 255, 255)
    cv2.putText(image, text, (x + pad, y + pad + th), _FONT, style.font, ink, style.text,
                cv2.LINE_AA)


def _centered(image: ImageArray, text: str, y: int, font: float, color: BGR,
              thickness: int) -> None:
    if not text:
        return
    (tw, th), _ = cv2.getTextSize(text, _FONT, font, thickness)
    x = max(0, (image.shape[1] - tw) // 2)
    cv2.putText(image, text, (x, y + th // 2), _FONT, font, color, thickness, cv2.LINE_AA)


def _ascii(text: str) -> str:
    """OpenCV draws ASCII only: accents are dropped (é -> e), other characters removed."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _wrap(text: str, columns: int, lines: int = 3) -> list[str]:
    """At most ``lines`` lines of ``columns`` characters; longer words are cut across lines."""
    words = [w[i:i + columns] for w in text.split() for i in range(0, len(w), columns)]
    out: list[str] = []
    for word in words:
        if out and len(out[-1]) + 1 + len(word) <= columns:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: columns - 3] + "..."
    return out
