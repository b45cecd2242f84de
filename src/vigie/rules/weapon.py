"""weapon: a weapon is visible, or held by a person (use).

The rule trusts the object detector: it watches tracks whose label is a weapon class
(``knife`` in the COCO models shipped; ``gun``, ``pistol``, ``rifle``... when a site supplies a
model that has them). A single detection is not enough: the weapon must be seen in ``k`` of
the last ``n`` frames where the detector ran, at a score of at least ``min_score``. Sightings
are kept per *spot* (the track, or the place where a new track reappears after an id switch
or a gap), so a knife that the detector finds every other time still adds up.

A weapon whose box touches a person's box (widened by ``reach`` for an outstretched arm) is
held: the alert's severity is ``use``; otherwise ``presence``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, model_validator

from vigie.core.types import Event, FrameResult, Track
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule

__all__ = ["WEAPON_LABELS", "Weapon", "WeaponConfig", "held_by_person", "weapon_sightings"]

#: Weapon class names the rule watches by default; a model has at most a few of them.
WEAPON_LABELS = ("knife", "gun", "pistol", "handgun", "rifle", "shotgun", "firearm", "weapon")
Box = tuple[float, float, float, float]


class WeaponConfig(AreaRuleConfig):
    """A weapon is visible, or held by a person (use)."""

    kind: Literal["weapon"] = "weapon"
    classes: list[str] = Field(
        default_factory=lambda: list(WEAPON_LABELS),
        description="Detector labels counted as weapons (COCO models: knife only; a site's "
                    "own model may add gun, pistol, rifle...; they must also be kept by "
                    "detector.classes).")
    min_score: float = Field(0.35, gt=0, le=1, description="Smallest detection score of a "
                             "weapon sighting (0..1).")
    k: int = Field(3, ge=1, le=100, description="Sightings needed among the last n frames "
                   "where the detector ran.")
    n: int = Field(5, ge=1, le=100, description="Detector runs over which sightings are "
                   "counted.")
    reach: float = Field(0.25, ge=0, le=2, description="How far a person's box is widened on "
                         "each side, as a fraction of its width, to count a weapon as held "
                         "(an outstretched arm).")
    max_gap_s: float = Field(3.0, gt=0, le=60, description="Seconds a weapon spot is kept "
                             "without any sighting.")
    match_distance: float = Field(0.1, gt=0, le=1, description="A sighting by a new track "
                                  "joins a known spot whose last box centre is this close "
                                  "(fraction of the frame diagonal).")

    @model_validator(mode="after")
    def _k_within_n(self) -> WeaponConfig:
        if self.k > self.n:
            raise ValueError(f"k ({self.k}) must not exceed n ({self.n})")
        return self


def held_by_person(weapon: Box, people: list[Box], reach: float) -> bool:
    """Whether a weapon's box touches a person's box widened by ``reach`` of its width."""
    for x1, y1, x2, y2 in people:
        margin = reach * (x2 - x1)
        if (weapon[0] <= x2 + margin and weapon[2] >= x1 - margin
                and weapon[1] <= y2 and weapon[3] >= y1):
            return True
    return False


def weapon_sightings(tracks: tuple[Track, ...], ts: float, labels: frozenset[str],
                     min_score: float) -> list[Track]:
    """Weapon tracks matched to a detection at ``ts`` (not coasting) with a high enough score."""
    return [t for t in tracks
            if t.label in labels and t.last_seen >= ts - 1e-6 and t.confidence >= min_score]


@dataclass
class _Spot:
    """Sightings of one weapon: one track, or the place where it keeps being found."""

    spot_id: int
    first_seen: float
    track_ids: set[int]
    box: Box
    label: str
    last_hit: float
    hits: deque[tuple[float, bool, float, bool]] = field(default_factory=deque)
    fired: bool = False

    def count(self) -> int:
        """Sightings among the remembered detector runs."""
        return sum(hit for _, hit, _, _ in self.hits)


@register_rule
class Weapon(Rule[WeaponConfig]):
    """Fires once per weapon seen in ``k`` of the last ``n`` detector runs.

    Example:
        >>> rule = Weapon(WeaponConfig(), CameraContext("cam"))
        >>> rule.update(result)  # doctest: +SKIP
    """

    kind = "weapon"
    config_model = WeaponConfig

    def __init__(self, config: WeaponConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._area = camera.watched_area(config.zone)
        self._spots: list[_Spot] = []
        self._next_id = 1

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        if not result.detected:
            return []  # the detector did not run: nothing was looked for, nothing missed
        sightings = [t for t in weapon_sightings(result.tracks, result.ts, self.labels,
                                                 self.config.min_score)
                     if self._inside(t, result.frame.size)]
        people = [t.box for t in result.tracks if t.label == "person"]
        seen = self._record(sightings, people, result)
        self._spots = [s for s in self._spots
                       if result.ts - s.last_hit <= self.config.max_gap_s]
        if not self.is_active(result):
            return []
        events = []
        for spot in seen:
            if not spot.fired and spot.count() >= self.config.k:
                spot.fired = True
                events.append(self._event(spot, result))
        return events

    def reset(self) -> None:  # noqa: D102
        self._spots = []

    def _inside(self, track: Track, size: tuple[int, int]) -> bool:
        x1, y1, x2, y2 = track.box
        return self._area.contains(((x1 + x2) / 2 / size[0], (y1 + y2) / 2 / size[1]))

    def _record(self, sightings: list[Track], people: list[Box],
                result: FrameResult) -> list[_Spot]:
        """One hit or miss per spot for this detector run; return the spots hit."""
        hit: dict[int, tuple[Track, bool]] = {}
        for track in sightings:
            spot = self._spot_of(track, result)
            if spot.spot_id not in hit or track.confidence > hit[spot.spot_id][0].confidence:
                hit[spot.spot_id] = (track, held_by_person(track.box, people, self.config.reach))
        for spot in self._spots:
            found = hit.get(spot.spot_id)
            if found is None:
                spot.hits.append((result.ts, False, 0.0, False))
            else:
                track, held = found
                spot.hits.append((result.ts, True, track.confidence, held))
                spot.track_ids.add(track.track_id)
                spot.box, spot.label, spot.last_hit = track.box, track.label, result.ts
            while len(spot.hits) > self.config.n:
                spot.hits.popleft()
        return [s for s in self._spots if s.spot_id in hit]

    def _spot_of(self, track: Track, result: FrameResult) -> _Spot:
        """The spot a sighting belongs to: its track's, a nearby one, or a new one."""
        for spot in self._spots:
            if track.track_id in spot.track_ids:
                return spot
        w, h = result.frame.size
        limit = self.config.match_distance * (w * w + h * h) ** 0.5
        near = [s for s in self._spots if _distance(s.box, track.box) <= limit]
        if near:
            return min(near, key=lambda s: _distance(s.box, track.box))
        spot = _Spot(self._next_id, result.ts, set(), track.box, track.label, result.ts)
        self._next_id += 1
        self._spots.append(spot)
        return spot

    def _event(self, spot: _Spot, result: FrameResult) -> Event:
        hits = [(ts, score, held) for ts, hit, score, held in spot.hits if hit]
        severity = "use" if any(held for _, _, held in hits) else "presence"
        score = sum(s for _, s, _ in hits) / len(hits)
        n = len(spot.hits)
        what = "held by a person" if severity == "use" else "visible"
        where = f" in zone '{self.config.zone}'" if self.config.zone else ""
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=result.ts,
            wall=result.frame.wall, started_at=hits[0][0], confidence=round(score, 3),
            explanation=(f"{spot.label} {what}{where} (severity {severity}): seen in "
                         f"{len(hits)} of the last {n} detector runs (alert from "
                         f"{self.config.k} of {self.config.n}), mean score {score:.2f} "
                         f">= {self.config.min_score:g}"),
            incident_key=f"{self.rule_id}:{spot.spot_id}@{spot.first_seen:.1f}",
            zone=self.config.zone, track_ids=tuple(sorted(spot.track_ids)), boxes=(spot.box,),
            details={"severity": severity, "label": spot.label, "score": round(score, 3),
                     "sightings": len(hits), "runs": n, "k": self.config.k,
                     "n": self.config.n, "min_score": self.config.min_score},
        )


def _distance(a: Box, b: Box) -> float:
    """Distance between box centres, in pixels."""
    dx = (a[0] + a[2] - b[0] - b[2]) / 2
    dy = (a[1] + a[3] - b[1] - b[3]) / 2
    return float((dx * dx + dy * dy) ** 0.5)
