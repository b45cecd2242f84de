"""Base of the rules that fire once an object has stayed long enough in a zone."""

from __future__ import annotations

from abc import abstractmethod
from typing import TypeVar

from vigie.core.types import Event, FrameResult, Track
from vigie.rules.base import CameraContext, Rule
from vigie.rules.configs import ZoneRuleConfig
from vigie.rules.presence import Presence, PresenceTracker

__all__ = ["DwellRule"]

D = TypeVar("D", bound=ZoneRuleConfig)


class DwellRule(Rule[D]):
    """Fires once per incident when a watched object's time in the zone reaches a threshold."""

    def __init__(self, config: D, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._presence = PresenceTracker(camera.zones[config.zone], config.exit_grace_s)

    @property
    @abstractmethod
    def threshold_s(self) -> float:
        """Seconds in the zone before the rule fires."""

    @abstractmethod
    def explain(self, track: Track, dwell: float) -> str:
        """The sentence shown to the operator."""

    def confidence(self, track: Track, dwell: float) -> float:
        """How sure the rule is; the detector's score by default."""
        return track.confidence

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        present = self._presence.update(self.watched(result), result.ts)
        if not self.is_active(result):
            return []
        events = []
        for p in present:
            if not p.fired and p.dwell(result.ts) >= self.threshold_s:
                p.fired = True
                events.append(self._event(p, result))
        return events

    def _event(self, p: Presence, result: FrameResult) -> Event:
        track, dwell = p.track, p.dwell(result.ts)
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=p.entered,
            confidence=round(min(1.0, self.confidence(track, dwell)), 3),
            explanation=self.explain(track, dwell),
            incident_key=f"{self.rule_id}:{p.key}", zone=self.config.zone,
            track_ids=tuple(p.track_ids), boxes=(track.box,),
            details={"label": track.label, "dwell_s": round(dwell, 2),
                     "threshold_s": self.threshold_s, "score": round(track.confidence, 3)},
        )

    def reset(self) -> None:  # noqa: D102
        self._presence.reset()
