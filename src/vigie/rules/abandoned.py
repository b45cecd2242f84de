"""abandoned_object: an object (bag, or a static foreground blob) left unattended."""

from __future__ import annotations

from collections import deque
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from vigie.core.types import VEHICLE_CLASSES, Event, FrameResult, Track
from vigie.motion.static import Blob, StaticForeground, StaticParams
from vigie.rules.base import AreaRuleConfig, CameraContext, Rule, register_rule
from vigie.rules.left_object import LeftObject, box_area, explained, person_sized
from vigie.rules.unattended import Box, PeopleMemory, Proximity, Sighting, overlap, proximity

__all__ = ["AbandonedObject", "AbandonedObjectConfig"]

_MEMORY_S = 60.0      # how far back people are remembered (owner, last attendance)
_SEED_S = 1.0         # pixels static this long form candidate regions
_CHECK_S = 2.0        # a region is judged (ghost, lighting) once static this long
_PRESENT = 0.3        # share of an object's pixels still foreground for it to be present
_WALKING = 0.25       # pace (box heights per second) above which a person only walks past


class AbandonedObjectConfig(AreaRuleConfig):
    """An object (bag, or a static foreground blob) left unattended."""

    kind: Literal["abandoned_object"] = "abandoned_object"
    classes: list[str] = Field(default_factory=lambda: ["backpack", "handbag", "suitcase"],
                               description="Detector labels that name the object when one "
                                           "overlaps it (bags by default).")
    static_s: float = Field(20.0, gt=0, le=3600, description="Seconds the object must have "
                            "stayed still, counted from when it was set down.")
    unattended_s: float = Field(10.0, gt=0, le=3600, description="Seconds with nobody "
                                "attending the object: no one near it who stands still (or "
                                "is just arriving at it), and not its owner (people walking "
                                "past do not count).")
    radius_m: float = Field(3.0, gt=0, le=50, description="A person within this distance "
                            "(metres; estimated from the person's height, 1.7 m, on an "
                            "uncalibrated camera) who is not walking attends the object.")
    relative_radius: float = Field(2.0, ge=0, le=20, description="Uncalibrated camera: a "
                                   "person within this many object widths also attends it.")
    unknown_objects: bool = Field(True, description="Also alert on static objects the detector "
                                  "does not recognise as one of `classes` (most bags seen "
                                  "from CCTV distance); false alerts only on recognised ones.")
    min_area: float = Field(0.0005, gt=0, le=1, description="Smallest object, as a fraction "
                            "of the frame area (its still pixels).")
    max_area: float = Field(0.05, gt=0, le=1, description="Largest object, as a fraction of "
                            "the frame area: anything bigger is a change of the scene.")
    min_size_m: float = Field(0.15, ge=0, le=20, description="Calibrated camera: smallest "
                              "object width on the ground, metres.")
    max_size_m: float = Field(2.0, gt=0, le=50, description="Calibrated camera: largest "
                              "object width on the ground, metres (cars are wider).")
    min_contrast: float = Field(25.0, ge=5, le=255, description="Smallest colour difference "
                                "(0-255 levels) between the object and the empty scene; "
                                "raised automatically on noisy pictures.")
    short_term_s: float = Field(2.0, gt=0, le=60, description="Time constant of the "
                                "short-term background: something still for a few times "
                                "this long counts as static.")
    long_term_s: float = Field(30.0, gt=0, le=3600, description="Time constant with which "
                               "the long-term background follows slow light changes.")
    forget_s: float = Field(600.0, gt=0, le=86400, description="Time constant with which "
                            "anything that stays fades into the long-term background "
                            "(an object is lost after a few times this long).")
    removal_s: float = Field(1.0, ge=0, le=60, description="Seconds the object's place must "
                             "look empty before it counts as removed (its alert can recur "
                             "for a new object).")
    work_width: int = Field(320, ge=80, le=1920, description="Width in pixels at which the "
                            "background is modelled.")

    @model_validator(mode="after")
    def _sizes(self) -> AbandonedObjectConfig:
        if self.min_area >= self.max_area:
            raise ValueError("min_area must be below max_area")
        if self.min_size_m >= self.max_size_m:
            raise ValueError("min_size_m must be below max_size_m")
        return self

    def static_params(self) -> StaticParams:
        """The background model's settings."""
        return StaticParams(width=self.work_width, short_s=self.short_term_s,
                            long_s=self.long_term_s, absorb_s=self.forget_s,
                            min_diff=self.min_contrast)


@register_rule
class AbandonedObject(Rule[AbandonedObjectConfig]):
    """Fires once per object still for ``static_s`` and unattended for ``unattended_s``.

    Objects come from a dual background model (see :mod:`vigie.motion.static`), not from
    the detector alone: bag classes are rarely recognised at CCTV distance. Detected bags
    name the object; people and vehicles explain static regions away (standing people,
    parked cars) and attend objects.
    """

    kind = "abandoned_object"
    config_model = AbandonedObjectConfig

    def __init__(self, config: AbandonedObjectConfig, camera: CameraContext) -> None:
        super().__init__(config, camera)
        self._area = camera.watched_area(config.zone)
        self._static = StaticForeground(config.static_params())
        self._people = PeopleMemory(_MEMORY_S)
        self._objects: list[LeftObject] = []
        self._labelled: deque[tuple[float, Track]] = deque()  # recent watched (bag) tracks
        self._serial = 0

    def reset(self) -> None:  # noqa: D102
        self._static.reset()
        self._people.reset()
        self._objects.clear()
        self._labelled.clear()

    def update(self, result: FrameResult) -> list[Event]:  # noqa: D102
        ts, size = result.ts, result.frame.size
        self._static.update(result.frame.image, ts)
        self._people.add(ts, [t for t in result.tracks if t.label == "person"], size)
        self._remember_labelled(ts, self.watched(result))
        self._drop_removed(ts)
        self._adopt(result)
        people = self._people.at(ts)
        for obj in self._objects:
            self._attend(obj, people, ts, size)
            self._name(obj)
        if not self.is_active(result):
            return []
        return [self._event(o, people, result) for o in self._objects if self._due(o, ts)]

    def _drop_removed(self, ts: float) -> None:
        """Forget objects whose place has looked empty for ``removal_s``."""
        kept = []
        for obj in self._objects:
            if self._static.presence(obj.blob) >= _PRESENT:
                obj.missing_since = None
            elif obj.missing_since is None:
                obj.missing_since = ts
            if obj.missing_since is not None and ts - obj.missing_since >= self.config.removal_s:
                self._static.absorb(obj.blob)
                continue
            kept.append(obj)
        self._objects = kept

    def _adopt(self, result: FrameResult) -> None:
        """Turn new static regions into objects; refresh the outline of known ones.

        A region mostly inside a person or vehicle box is explained by it (someone standing,
        a car waiting at a light); an object not yet alerted that becomes so again is
        dropped (its evidence stays, so it comes back at once if the box moves away).
        """
        scale = self._static.scale
        explaining = [t.box for t in result.tracks
                      if t.label == "person" or t.label in VEHICLE_CLASSES]
        for blob in self._static.blobs(_SEED_S):
            box = blob.box(scale)
            if explained(blob, scale, explaining) or not self._plausible(blob, box, result):
                continue
            known = [o for o in self._objects
                     if max(overlap(box, o.box), overlap(o.box, box)) > 0.2]
            if known:
                self._merge(known, blob, box)
            elif blob.static_s >= _CHECK_S and self._in_zone(box, result.frame.size):
                self._objects.append(self._new_object(blob, box, result))
        for obj in [o for o in self._objects if not o.alerted]:
            if explained(obj.blob, scale, explaining):
                self._objects.remove(obj)  # a vehicle or person again: not an object (yet)
            elif self._is_scene(obj, explaining):
                self._static.absorb(obj.blob)
                self._objects.remove(obj)

    def _is_scene(self, obj: LeftObject, explaining: list[Box]) -> bool:
        """Whether a new object is the scene itself: seen before, a ghost, or light.

        Judged only while nothing moves on or around it and no person or vehicle box
        touches it (a person bending over a bag makes every test unreliable). The ghost
        and light tests are made once; the comparison with older views on every such
        frame until the object alerts.
        """
        s = self._static
        if not s.quiet(obj.blob) or any(overlap(obj.box, b, grow=0.25) > 0 for b in explaining):
            return False
        if s.seen_before(obj.blob, obj.static_since - 2 * self.config.short_term_s):
            return True
        if obj.judged:
            return False
        obj.judged = True
        return s.is_ghost(obj.blob) or s.is_lighting(obj.blob)

    def _merge(self, known: list[LeftObject], blob: Blob, box: Box) -> None:
        """One region, one object: the oldest takes the region and the others' history."""
        first, rest = known[0], known[1:]
        first.blob, first.box = blob, box
        for other in rest:
            first.static_since = min(first.static_since, other.static_since)
            first.attended_at = max(first.attended_at, other.attended_at)
            first.owner = first.owner or other.owner
            first.alerted = first.alerted or other.alerted
            self._objects.remove(other)

    def _plausible(self, blob: Blob, box: Box, result: FrameResult) -> bool:
        """Whether a region has the size of an object; scene-sized changes are absorbed."""
        h, w = self._static.shape
        area = blob.area / float(w * h)
        if area > self.config.max_area:
            self._static.absorb(blob)
            return False
        if area < self.config.min_area:
            return False
        homography = self.camera.homography
        if homography is None:
            return True
        fw, fh = result.frame.size
        g = homography.to_ground([(box[0] / fw, box[3] / fh), (box[2] / fw, box[3] / fh)])
        width = float(np.hypot(*(g[0] - g[1])))
        return self.config.min_size_m <= width <= self.config.max_size_m

    def _in_zone(self, box: Box, size: tuple[int, int]) -> bool:
        return self._area.contains(((box[0] + box[2]) / 2 / size[0], box[3] / size[1]))

    def _new_object(self, blob: Blob, box: Box, result: FrameResult) -> LeftObject:
        self._serial += 1
        since = result.ts - blob.static_s
        size = result.frame.size
        owner = self._people.owner(since, lambda p: self._distance(p, box, size))
        attended = self._people.last_attended(lambda p: self._attends(p, box, owner, size))
        person = self._people.largest(lambda p: self._distance(p, box, size) is not None)
        return LeftObject(self._serial, blob, box, static_since=since,
                       attended_at=max(since, attended if attended is not None else since),
                       owner=owner, person_area=person)

    def _near(self, person: Box, obj: Box, size: tuple[int, int]) -> Proximity:
        c = self.config
        return proximity(person, obj, size, c.radius_m, c.relative_radius, self.camera.homography)

    def _distance(self, person: Sighting, obj: Box, size: tuple[int, int]) -> float | None:
        """Metres from a person to an object when the person is near it, else None."""
        p = self._near(person.box, obj, size)
        return p.metres if p.near else None

    def _attends(self, person: Sighting, obj: Box, owner: Sighting | None,
                 size: tuple[int, int]) -> bool:
        """Whether a person attends an object: near and not walking past, or its owner.

        A track seen only once has no known pace: it attends only when touching the object.
        """
        if not self._near(person.box, obj, size).near:
            return False
        if owner is not None and person.track_id == owner.track_id:
            return True
        if person.pace is None:
            return overlap(obj, person.box, grow=0.25) > 0
        return person.pace <= _WALKING

    def _attend(self, obj: LeftObject, people: list[Sighting], ts: float,
                size: tuple[int, int]) -> None:
        """Restart the unattended clock when someone attends the object; note people's size."""
        for p in people:
            if self._attends(p, obj.box, obj.owner, size):
                obj.attended_at = ts
            if self._near(p.box, obj.box, size).near:
                obj.person_area = max(obj.person_area, box_area(p.box))

    def _remember_labelled(self, ts: float, tracks: list[Track]) -> None:
        self._labelled.extend((ts, t) for t in tracks)
        while self._labelled and self._labelled[0][0] < ts - _MEMORY_S:
            self._labelled.popleft()

    def _name(self, obj: LeftObject) -> None:
        """Take the label of a watched detection (a bag) seen on the object since it stopped."""
        for ts, t in self._labelled:
            if ts >= obj.static_since - _SEED_S and t.confidence > obj.score \
                    and overlap(t.box, obj.box, grow=0.25) > 0.5:
                obj.label, obj.score = t.label, t.confidence

    def _due(self, obj: LeftObject, ts: float) -> bool:
        c = self.config
        return (not obj.alerted and (c.unknown_objects or obj.label is not None)
                and not person_sized(obj)
                and self._static.static_s(obj.blob) >= c.static_s
                and ts - obj.attended_at >= c.unattended_s)

    def _event(self, obj: LeftObject, people: list[Sighting], result: FrameResult) -> Event:
        obj.alerted = True
        c, ts = self.config, result.ts
        still, alone = self._static.static_s(obj.blob), ts - obj.attended_at
        nearest = min((self._near(p.box, obj.box, result.frame.size).metres for p in people),
                      default=None)
        owner = self._people.latest(obj.owner.track_id) if obj.owner else None
        label = obj.label or "object"
        who = f"nearest person {nearest:.1f} m away" if nearest is not None else "nobody in view"
        brought = f", brought by track {owner.track_id}" if owner else ""
        explanation = (f"unattended {label} still for {still:.0f} s, nobody standing by it for "
                       f"{alone:.0f} s ({who}{brought}); thresholds {c.static_s:g} s still, "
                       f"{c.unattended_s:g} s unattended within {c.radius_m:g} m")
        return Event(
            kind=self.kind, rule_id=self.rule_id, camera_id=result.camera_id, ts=ts,
            wall=result.frame.wall, started_at=obj.attended_at,
            confidence=round(0.6 + 0.2 * obj.score + (0.2 if owner else 0.0), 3),
            explanation=explanation, incident_key=f"{self.rule_id}:object-{obj.serial}",
            zone=c.zone, track_ids=(owner.track_id,) if owner else (),
            boxes=(obj.box,) + ((owner.box,) if owner else ()),
            details={"label": label, "static_s": round(still, 1),
                     "unattended_s": round(alone, 1),
                     "nearest_m": round(nearest, 2) if nearest is not None else -1.0,
                     "owner_track": owner.track_id if owner else -1,
                     "static_threshold_s": c.static_s, "unattended_threshold_s": c.unattended_s,
                     "radius_m": c.radius_m},
        )
