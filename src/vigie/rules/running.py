"""running: a person moves faster than a threshold, sustained.

Speed is measured over a sliding window of the track's own positions, as a net displacement
(start to end) divided by the time: a tracker ID switch makes one big jump, a jittering box
goes back and forth, and neither survives the window's consistency checks. On a calibrated
camera the positions are on the ground (metres); otherwise they are pixels divided by the
person's height in the image (body heights per second).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import Field

from vigie.core.types import Event, FrameResult, Track
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule

__all__ = ["Running", "RunningConfig"]

#: Labels whose box under a person means the person rides (cyclists are not runners).
_RIDDEN = frozenset({"bicycle", "motorcycle"})
#: Seconds a fired runner is remembered, so that the same runner under a new track id raises
#: no second alert.
_FIRED_MEMORY_S = 2.0
#: Over every two consecutive steps of the window the speed stays above this share of the
#: threshold: a short dash inside a walk is not running.
_HELD = 0.8
#: Mean height of a person (m), only to express body heights per second in the explanation.
_PERSON_M = 1.7


class RunningConfig(AreaRuleConfig):
    """A person moves faster than a threshold, sustained."""

    kind: Literal["running"] = "running"
    min_speed_mps: float = Field(3.0, gt=0, le=20, description="Calibrated cameras: ground "
                                 "speed (m/s) from which a person runs (walking is 1-2 m/s).")
    min_speed_hps: float = Field(1.8, gt=0, le=20, description="Uncalibrated cameras: speed "
                                 "in the image, in body heights per second (the person's box "
                                 "height as the scale: walking across the view is about 0.8).")
    min_duration_s: float = Field(1.5, gt=0, le=60, description="Seconds the speed must be "
                                  "held, measured start to end over that window.")
    min_height_px: int = Field(24, ge=8, le=1000, description="Smallest box height (pixels) "
                               "whose speed is trusted.")
    min_straightness: float = Field(0.7, ge=0, le=1, description="Net displacement over path "
                                    "length in the window: below it the box jitters.")


@dataclass
class _Runner:
    """Recent positions of one track: (ts, x, y, scale) in metres or pixels."""

    samples: deque[tuple[float, float, float, float]] = field(default_factory=deque)
    ridden: int = 0
    seen: int = 0
    fired: bool = False


@dataclass(frozen=True)
class _Pace:
    speed: float        # m/s, or body heights per second, over the window
    held: float         # the lowest speed over two consecutive steps in the window
    duration: float     # seconds covered by the window
    straightness: float
    jump: float         # largest step over net displacement


@register_rule
class Running(Rule[RunningConfig]):
    """Fires once per person whose speed stays above the threshold for ``min_duration_s``.

    With a calibrated camera the threshold is ``min_speed_mps`` on ground positions; without,
    ``min_speed_hps`` on image positions scaled by the person's box height (a person running
    towards or away from the camera looks slower: the rule errs on the side of silence).
    """

    kind = "running"
    config_model = RunningConfig

    def __init__(self, config: RunningConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._area = camera.watched_area(config.zone)
        self._runners: dict[int, _Runner] = {}
        self._fired: dict[int, tuple[float, float, float]] = {}  # id -> last ts, x, y

    def reset(self) -> None:  # noqa: D102
        self._runners.clear()
        self._fired.clear()

    @property
    def calibrated(self) -> bool:
        """Whether speeds are in metres per second."""
        return self.camera.homography is not None

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        ts = result.ts
        riders = [t.box for t in result.tracks if t.label in _RIDDEN]
        events = []
        for track in self.watched(result):
            if track.last_seen < ts - 1e-6 or not self._area.contains(track.anchor):
                continue
            runner = self._runners.get(track.track_id)
            if runner is None:
                # A new id next to a runner just lost is that runner: no second alert.
                runner = _Runner(fired=self._continues_fired(track, ts, result.frame.size[1]))
                self._runners[track.track_id] = runner
            self._record(runner, track, ts, riders)
            pace = None if runner.fired else self._pace(runner)
            if pace is not None and self._running(runner, pace):
                runner.fired = True
                if self.is_active(result):
                    events.append(self._event(track, pace, result))
            if runner.fired:
                self._fired[track.track_id] = (ts, *track.anchor)
        self._forget(ts)
        return events

    def _record(self, runner: _Runner, track: Track, ts: float,
                riders: list[tuple[float, float, float, float]]) -> None:
        h = track.box[3] - track.box[1]
        if self.calibrated and track.ground is not None:
            runner.samples.append((ts, track.ground[0], track.ground[1], 1.0))
        else:
            x = (track.box[0] + track.box[2]) / 2
            runner.samples.append((ts, x, track.box[3], h))
        runner.seen += 1
        runner.ridden += any(_rides(track.box, r) for r in riders)
        horizon = ts - self.config.min_duration_s - 0.5
        while runner.samples and runner.samples[0][0] < horizon:
            runner.samples.popleft()

    def _pace(self, runner: _Runner) -> _Pace | None:
        """Speed over the last ``min_duration_s`` (from the last sample at or before the
        window's start), with the window's consistency measures."""
        s = np.asarray(runner.samples, np.float64)
        if len(s) < 3:
            return None
        before = np.nonzero(s[:, 0] <= s[-1, 0] - self.config.min_duration_s + 1e-6)[0]
        window = s[before[-1]:] if len(before) else s
        if len(window) < 3:
            return None
        scale = 1.0 if self.calibrated else float(np.percentile(window[:, 3], 75))
        if not self.calibrated and scale < self.config.min_height_px:
            return None
        steps = np.hypot(np.diff(window[:, 1]), np.diff(window[:, 2]))
        pieces = [_speed(window[i:i + 3]) for i in range(len(window) - 2)]
        net, path = float(np.hypot(*(window[-1, 1:3] - window[0, 1:3]))), float(steps.sum())
        if net <= 0:
            return None
        return _Pace(speed=_speed(window) / scale, held=min(pieces) / scale,
                     duration=float(window[-1, 0] - window[0, 0]), straightness=net / path,
                     jump=float(steps.max()) / net)

    def _running(self, runner: _Runner, pace: _Pace) -> bool:
        c = self.config
        threshold = c.min_speed_mps if self.calibrated else c.min_speed_hps
        return (pace.speed >= threshold and pace.held >= _HELD * threshold
                and pace.duration >= 0.9 * c.min_duration_s
                and pace.straightness >= c.min_straightness and pace.jump <= 0.5
                and runner.ridden <= 0.2 * runner.seen)

    def _continues_fired(self, track: Track, ts: float, frame_h: int) -> bool:
        """Whether a new track is a fired runner under a new id: one lost (not seen in this
        frame) in the last seconds, last seen within two body heights."""
        reach = 2 * (track.box[3] - track.box[1]) / max(frame_h, 1)
        return any(float(np.hypot(x - track.anchor[0], y - track.anchor[1])) <= reach
                   for tid, (t, x, y) in self._fired.items()
                   if tid != track.track_id and t < ts and ts - t <= _FIRED_MEMORY_S)

    def _forget(self, ts: float) -> None:
        horizon = ts - self.config.min_duration_s - 2.0
        for tid in [t for t, r in self._runners.items()
                    if not r.samples or r.samples[-1][0] < horizon]:
            del self._runners[tid]
        self._fired = {k: f for k, f in self._fired.items() if ts - f[0] <= _FIRED_MEMORY_S}

    def _event(self, track: Track, pace: _Pace, result: FrameResult) -> Event:
        c = self.config
        if self.calibrated:
            threshold, unit = c.min_speed_mps, "m/s"
            approx = ""
        else:
            threshold, unit = c.min_speed_hps, "body heights/s"
            approx = f" (about {pace.speed * _PERSON_M:.1f} m/s for a {_PERSON_M} m person)"
        where = f" in zone '{c.zone}'" if c.zone else ""
        why = (f"person running{where}: {pace.speed:.1f} {unit}{approx} held over "
               f"{pace.duration:.1f} s (threshold {threshold:g} {unit} for "
               f"{c.min_duration_s:g} s)")
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=result.ts - pace.duration,
            confidence=round(min(0.95, 0.55 + 0.3 * min(1.0, pace.speed / threshold - 1)
                                 + 0.1 * pace.straightness), 3),
            explanation=why, incident_key=f"{self.rule_id}:{track.track_id}", zone=c.zone,
            track_ids=(track.track_id,), boxes=(track.box,),
            details={"speed": round(pace.speed, 2), "unit": unit, "threshold": threshold,
                     "duration_s": round(pace.duration, 2),
                     "straightness": round(pace.straightness, 2),
                     "calibrated": int(self.calibrated)},
        )


def _speed(samples: np.ndarray) -> float:
    """Net displacement over time of (ts, x, y, ...) samples."""
    dt = float(samples[-1, 0] - samples[0, 0])
    return float(np.hypot(*(samples[-1, 1:3] - samples[0, 1:3]))) / dt if dt > 0 else 0.0


def _rides(person: tuple[float, float, float, float],
           vehicle: tuple[float, float, float, float]) -> bool:
    """A bicycle or motorcycle box under the person's lower half: a rider."""
    px1, py1, px2, py2 = person
    vx1, vy1, vx2, vy2 = vehicle
    mid = (py1 + py2) / 2
    overlap_x = min(px2, vx2) - max(px1, vx1)
    return overlap_x > 0.3 * (px2 - px1) and vy2 > mid and vy1 < py2
