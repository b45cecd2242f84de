"""crowd_density: too many persons per square metre in a zone, for long enough.

People are counted in the zone (or the whole view) from the tracks, whose bottom-centre
anchor must lie inside; CenterFace adds, every ``face_interval_s``, the people whose face is
seen but whose body the detector missed (:mod:`vigie.rules.crowdcount`); an optional frozen
regression on foreground and texture features (:mod:`vigie.rules.count_regression`) takes
over when the crowd is too dense for either. The count is smoothed by a running median and
divided by the zone's ground area, from the calibration or from ``area_m2``.

The alert has hysteresis in level and in time: it fires once the smoothed density has been
at or above ``max_density`` since it last rose past it, ``min_duration_s`` ago (dips that stay
above ``clear_density`` do not restart the clock); the incident ends once the density has
stayed below ``clear_density`` for ``clear_after_s``. Occupancy statistics go out every
``stats_interval_s`` as two counters: ``persons`` (the count then) and ``samples`` (1), so
that the mean occupancy over any period is persons / samples.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from vigie.core.types import Event, FrameResult, Track
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.count_regression import CountRegression
from vigie.rules.density_count import RunningMedian, ZoneCounter, zone_area_m2

__all__ = ["CrowdDensity", "CrowdDensityConfig"]

_MAX_BOXES = 100


class CrowdDensityConfig(AreaRuleConfig):
    """Too many persons per square metre in a zone, for long enough."""

    kind: Literal["crowd_density"] = "crowd_density"
    area_m2: float | None = Field(None, gt=0, le=1e6, description="Ground area of the zone "
                                  "(or of the whole view) in m2; needed when the camera has "
                                  "no calibration, and wins over it when given.")
    max_density: float = Field(3.0, gt=0, le=10, description="Persons per m2 at or above "
                               "which the zone is too dense (3: a dense, slow crowd; 4-5: "
                               "crush risk).")
    clear_density: float | None = Field(None, gt=0, le=10, description="Persons per m2 below "
                                        "which an incident ends; default 80 % of max_density.")
    min_duration_s: float = Field(10.0, ge=0, le=3600, description="Seconds the density must "
                                  "stay high before the alert.")
    clear_after_s: float = Field(10.0, ge=0, le=3600, description="Seconds below "
                                 "clear_density that end an incident.")
    window_s: float = Field(3.0, ge=0, le=60, description="Seconds of counts whose median is "
                            "the count (filters boxes that flicker).")
    faces: bool = Field(True, description="Also count people whose face CenterFace finds but "
                        "whose body the detector missed (faces are never stored).")
    face_interval_s: float = Field(2.0, gt=0, le=600, description="Seconds between two face "
                                   "searches (about 0.1-0.3 s of one core each).")
    face_confidence: float = Field(0.3, ge=0.2, lt=1, description="Lowest CenterFace score "
                                   "counted as a face.")
    regression: CountRegression | None = Field(None, description="Frozen count regression "
                                               "for dense crowds, fitted on this camera at "
                                               "set-up; the count is the larger of it and "
                                               "the detections.")
    stats_interval_s: float = Field(10.0, ge=0, le=3600, description="Seconds between two "
                                    "occupancy samples (counters 'persons' and 'samples'); 0 "
                                    "sends none.")

    @model_validator(mode="after")
    def _clear_below_max(self) -> CrowdDensityConfig:
        if self.clear_density is not None and self.clear_density > self.max_density:
            raise ValueError(f"clear_density ({self.clear_density}) must not exceed "
                             f"max_density ({self.max_density})")
        return self

    @property
    def clear_level(self) -> float:
        """Persons per m2 below which an incident ends."""
        return self.clear_density if self.clear_density is not None else 0.8 * self.max_density


@register_rule
class CrowdDensity(Rule[CrowdDensityConfig]):
    """Fires once per incident when the zone stays denser than ``max_density``.

    Raises:
        ValueError: (at construction) the zone has no known ground area (no ``area_m2`` and
            no calibration, or a zone reaching above the calibration's horizon), the zone is
            unknown, or ``faces`` is on without models.
    """

    kind = "crowd_density"
    config_model = CrowdDensityConfig

    def __init__(self, config: CrowdDensityConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self.area_m2 = zone_area_m2(config.zone, config.area_m2, camera)
        self.counter = ZoneCounter(config, camera, self.labels)
        self._median = RunningMedian(config.window_s)
        self._incidents = 0
        self.reset()

    def reset(self) -> None:
        """Forget counts, the pending onset, the open incident and the background."""
        self.counter.reset()
        self._median.clear()
        self._onset: float | None = None
        self._incident: tuple[str, float] | None = None
        self._below_since: float | None = None
        self._next_stats: float | None = None

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        if not self.is_active(result):
            self.reset()
            return []
        count, tracks = self.counter.update(result)
        persons = self._median.add(result.ts, count)
        density = persons / self.area_m2
        events = self._alerting(result, persons, density, tracks)
        return events + self._statistics(result, persons)

    def _alerting(self, result: FrameResult, persons: float, density: float,
                  tracks: list[Track]) -> list[Event]:
        ts, cfg = result.ts, self.config
        if self._incident is not None:
            if density >= cfg.clear_level:
                self._below_since = None
            elif self._below_since is None:
                self._below_since = ts
            if self._below_since is not None and ts - self._below_since >= cfg.clear_after_s:
                self._incident, self._onset, self._below_since = None, None, None
            return []
        if density >= cfg.max_density:
            self._onset = ts if self._onset is None else self._onset
        elif density < cfg.clear_level:
            self._onset = None
        if self._onset is None or density < cfg.max_density \
                or ts - self._onset < cfg.min_duration_s:
            return []
        self._incidents += 1
        self._incident = (f"{self.camera.camera_id}:{self.rule_id}:{self._incidents}",
                          self._onset)
        return [self._event(result, persons, density, tracks, self._incident)]

    def _event(self, result: FrameResult, persons: float, density: float,
               tracks: list[Track], incident: tuple[str, float]) -> Event:
        cfg, (key, onset) = self.config, incident
        held = result.ts - onset
        where = f"zone '{cfg.zone}'" if cfg.zone else "the whole view"
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=self.camera.camera_id,
            ts=result.ts, wall=result.frame.wall, started_at=onset,
            confidence=float(min(1.0, 0.6 + 0.8 * (density / cfg.max_density - 1))),
            explanation=(f"{persons:.0f} persons in {where} ({self.area_m2:.0f} m2): "
                         f"{density:.2f} persons/m2 for {held:.0f} s, at or above "
                         f"{cfg.max_density:g} persons/m2 (alert after "
                         f"{cfg.min_duration_s:g} s)"),
            incident_key=key, zone=cfg.zone,
            track_ids=tuple(t.track_id for t in tracks[:_MAX_BOXES]),
            boxes=tuple(t.box for t in tracks[:_MAX_BOXES]),
            details={"persons": round(persons, 1), "density": round(density, 3),
                     "area_m2": round(self.area_m2, 1), "max_density": cfg.max_density,
                     "duration_s": round(held, 1), "source": self.counter.source})

    def _statistics(self, result: FrameResult, persons: float) -> list[Event]:
        interval = self.config.stats_interval_s
        if interval <= 0 or (self._next_stats is not None and result.ts < self._next_stats):
            return []
        self._next_stats = result.ts + interval
        n = round(persons)
        series = [("samples", 1)] + ([("persons", n)] if n > 0 else [])
        return [Event(kind=self.kind, rule_id=self.rule_id, camera_id=self.camera.camera_id,
                      ts=result.ts, wall=result.frame.wall, started_at=result.ts,
                      confidence=1.0, explanation=f"occupancy sample: {n} persons",
                      incident_key=f"{self.camera.camera_id}:{self.rule_id}:stats",
                      zone=self.config.zone, details={"direction": name, "n": k},
                      alert=False) for name, k in series]
