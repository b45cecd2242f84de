"""Who fell and stays down: person sightings followed over time, tolerant of lost detections.

The object tracker gives a new id to a person whose box shrinks at once (as in a fall), and
detectors lose people lying on the ground, so falls are followed here by place, not by id:
a *subject* is a person followed from sighting to sighting by box overlap, or by the shape
a fall takes (the box drops to the feet of where the person stood, growing sideways).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from vigie.rules.posture import Box, Sighting, box_iou
from vigie.rules.scene_memory import SceneMemory, Snapshot

__all__ = ["FallParams", "FallTracker", "Subject"]

#: Torso and body-axis angles below this (degrees from vertical) read as upright.
UPRIGHT_DEG = 30.0
#: Without keypoints, a box this many times taller than wide is a standing person.
_TALL_BOX = 1.8
#: Share of a fallen person's box that must still differ from before the fall to keep them
#: down while no detector sees them.
_OCCUPIED = 0.25
#: A drop of the top of the body this deep (standing heights) is on the ground whatever the
#: posture reads (a person lying along the line of sight looks neither tilted nor wide).
_DEEP_DROP = 0.6
#: Seconds a fired incident's place stays known, so that the same person found again later
#: raises no second alert.
_FIRED_MEMORY_S = 600.0


@dataclass(frozen=True)
class FallParams:
    """Thresholds of the fall logic (see PersonDownConfig for their meaning)."""

    min_drop: float = 0.5
    min_speed: float = 0.5
    fall_window_s: float = 2.0
    min_down_s: float = 1.0
    unseen_down_s: float | None = 15.0
    lying_deg: float = 60.0
    hold_s: float = 10.0
    gap_s: float = 1.0


@dataclass
class Subject:
    """One person followed over time; ``down_since`` is set while they are on the ground."""

    key: int
    last: Sighting
    standing: deque[Sighting] = field(default_factory=deque)
    ref: Sighting | None = None
    down_since: float | None = None
    seen_fall: bool = False
    last_down: Sighting | None = None
    first_down: Sighting | None = None
    down_sightings: int = 0
    drop: float = 0.0
    speed: float = 0.0
    tilt: float = 0.0
    before: Snapshot | None = None
    fired: bool = False
    held: bool = False
    probed: bool = False
    track_ids: set[int] = field(default_factory=set)

    def down_for(self, ts: float) -> float:
        """Seconds on the ground so far (0 when not down)."""
        return 0.0 if self.down_since is None else ts - self.down_since

    @property
    def box(self) -> Box:
        """Where the person is: the last down sighting while down, else the last one."""
        return (self.last_down or self.last).box


def is_standing(s: Sighting) -> bool:
    """Upright torso and body axis in a tall box (or, without keypoints, a very tall box)."""
    p = s.posture
    if p is None or (p.torso_deg is None and p.axis_deg is None):
        return 1 / s.wide >= _TALL_BOX
    return p.tilt() < UPRIGHT_DEG and 1 / s.wide >= 1.2


def is_lying(s: Sighting, lying_deg: float) -> bool:
    """Body across the view: torso or axis tilted past ``lying_deg``, not on the feet."""
    p = s.posture
    if p is None:
        return s.wide >= 1.5
    return p.tilt() >= lying_deg and not p.legs_upright and s.wide >= 0.7


def drop_of(s: Sighting, ref: Sighting) -> float:
    """How far the top of the box fell below the standing top, in standing heights."""
    return (s.top - ref.top) / ref.height


class FallTracker:
    """Follows person sightings and reports subjects down long enough to raise an alert.

    A *seen fall* is a standing person whose box top then drops by ``min_drop`` standing
    heights within ``fall_window_s``, box bottom still near their feet, not standing any more;
    they count as down until they stand up again. While no detector sees them, they stay down
    as long as the place where they fell still differs from before the fall, up to
    ``hold_s``. A person found already lying (no fall seen) must lie ``unseen_down_s``.

    Args:
        params: Thresholds.
    """

    def __init__(self, params: FallParams) -> None:
        self.params = params
        self.scene = SceneMemory(keep_s=params.fall_window_s + 2.0)
        self.subjects: list[Subject] = []
        self._fired_places: list[tuple[float, Box]] = []
        self._next_key = 1

    def reset(self) -> None:
        """Forget every subject and frame."""
        self.scene.reset()
        self.subjects.clear()
        self._fired_places.clear()

    def update(self, sightings: Sequence[Sighting], ts: float) -> list[Subject]:
        """Take this frame's sightings (the frame itself already added to ``scene``).

        Returns:
            Subjects that just became alerts (each is returned once).
        """
        matched = self._associate(sightings, ts)
        seen = {id(subject) for subject, _ in matched}
        for subject, sighting in matched:
            self._observe(subject, sighting)
        for subject in self.subjects:
            if id(subject) not in seen:
                self._coast(subject, ts)
        self._expire(ts)
        return [s for s in self.subjects if self._ready(s, ts)]

    def suspects(self, ts: float) -> list[Subject]:
        """Subjects that may be falling or are down: worth a pose look every frame."""
        return [s for s in self.subjects if self._suspect(s, ts)]

    def _suspect(self, s: Subject, ts: float) -> bool:
        if s.down_since is not None:
            return True
        if s.last.ts < ts - 1.0:
            return False
        p = s.last.posture
        if (p.tilt() >= UPRIGHT_DEG) if p is not None else s.last.wide >= 1 / 1.2:
            return True
        ref = self._standing_ref(s, ts)
        return ref is not None and drop_of(s.last, ref) >= 0.2

    def _ready(self, s: Subject, ts: float) -> bool:
        if s.fired or s.down_since is None or not (s.last.ts >= ts or s.held):
            return False
        if s.seen_fall:
            ready = s.down_for(ts) >= self.params.min_down_s
        else:
            limit = self.params.unseen_down_s
            ready = limit is not None and s.down_for(ts) >= limit
        if ready:
            s.fired = True
            if self._fired_here(s.box, ts):
                return False
            self._fired_places.append((ts, s.box))
        return ready

    def _observe(self, s: Subject, sighting: Sighting) -> None:
        s.last, s.held, s.probed = sighting, False, False
        if sighting.track_id is not None:
            s.track_ids.add(sighting.track_id)
        if s.down_since is not None:
            self._observe_down(s, sighting)
        elif is_standing(sighting):
            s.standing.append(sighting)
        else:
            self._maybe_fall(s, sighting)
        while s.standing and s.standing[0].ts < sighting.ts - self.params.fall_window_s:
            s.standing.popleft()

    def _observe_down(self, s: Subject, sighting: Sighting) -> None:
        ref = s.ref
        if is_standing(sighting) and (ref is None or sighting.height >= 0.75 * ref.height):
            self._stand_up(s, sighting)
            return
        low = ref is None or drop_of(sighting, ref) >= self.params.min_drop
        if low or is_lying(sighting, self.params.lying_deg):
            s.down_sightings += 1
            s.last_down = sighting
            s.tilt = max(s.tilt, sighting.posture.tilt() if sighting.posture else 0.0)

    def _maybe_fall(self, s: Subject, sighting: Sighting) -> None:
        ref = self._standing_ref(s, sighting.ts)
        p = self.params
        if ref is not None and _fell_from(sighting, ref, p):
            drop = drop_of(sighting, ref)
            speed = drop / max(sighting.ts - s.standing[-1].ts, 1e-3)
            if speed < p.min_speed:
                return
            s.ref, s.seen_fall, s.drop, s.speed = ref, True, drop, speed
            s.before = self.scene.before(ref.ts)
        elif is_lying(sighting, p.lying_deg) and not sighting.at_border():
            s.ref, s.seen_fall, s.before = None, False, None
        else:
            return
        s.down_since, s.down_sightings = sighting.ts, 1
        s.last_down = s.first_down = sighting
        s.tilt = sighting.posture.tilt() if sighting.posture else 0.0

    def _stand_up(self, s: Subject, sighting: Sighting) -> None:
        _end_down(s)
        s.standing.clear()
        s.standing.append(sighting)
        self._fired_places = [(t, b) for t, b in self._fired_places
                              if box_iou(b, sighting.box) < 0.1 and not _inside(b, sighting.box)]

    def _coast(self, s: Subject, ts: float) -> None:
        """No sighting this frame: a fallen person stays down while their place stays changed.

        The place is where they were first seen down, grown by half its size: a detector
        often loses a person while they fall, before they come to rest.
        """
        if s.down_since is None:
            return
        unseen = ts - s.last.ts
        share, where = (0.0, None)
        if s.before is not None and s.first_down is not None and unseen <= self.params.hold_s:
            share, where = self.scene.changed_region(s.before, s.first_down.box,
                                                     exclude=s.ref.box if s.ref else None)
        s.held = share >= _OCCUPIED and where is not None
        if s.held and where is not None and s.last_down is not None:
            s.last_down = replace(s.last_down, box=where)
        elif unseen > self.params.gap_s:
            s.down_since, s.last_down, s.first_down, s.down_sightings = None, None, None, 0

    def _expire(self, ts: float) -> None:
        keep_s = self.params.fall_window_s + 1.0
        self.subjects = [s for s in self.subjects
                         if s.down_since is not None or ts - s.last.ts <= keep_s]
        self._fired_places = [(t, b) for t, b in self._fired_places if ts - t <= _FIRED_MEMORY_S]

    def _fired_here(self, box: Box, ts: float) -> bool:
        return any(box_iou(b, box) >= 0.3 for t, b in self._fired_places if t < ts)

    def _standing_ref(self, s: Subject, ts: float) -> Sighting | None:
        """The tallest standing sighting of the last ``fall_window_s``."""
        recent = [x for x in s.standing if x.ts >= ts - self.params.fall_window_s]
        return max(recent, key=lambda x: x.height) if recent else None

    def _associate(self, sightings: Sequence[Sighting], ts: float,
                   ) -> list[tuple[Subject, Sighting]]:
        """Greedy matching of sightings to subjects; unmatched sightings start subjects."""
        pairs = sorted(((_affinity(subj, sg), i, j) for i, subj in enumerate(self.subjects)
                        for j, sg in enumerate(sightings)), reverse=True)
        used_s: set[int] = set()
        used_g: set[int] = set()
        out = []
        for score, i, j in pairs:
            if score <= 0 or i in used_s or j in used_g:
                continue
            used_s.add(i)
            used_g.add(j)
            out.append((self.subjects[i], sightings[j]))
        for j, sg in enumerate(sightings):
            if j not in used_g:
                subject = Subject(key=self._next_key, last=sg)
                self._next_key += 1
                self.subjects.append(subject)
                out.append((subject, sg))
        return out


def _fell_from(s: Sighting, ref: Sighting, p: FallParams) -> bool:
    """The box top fell far below the standing top while the bottom stayed near the feet,
    and the person now lies, or fills a box wider than tall, or is very low.

    Sitting on the ground on purpose (torso upright in a narrow box, head at half height) is
    not a fall.
    """
    drop = drop_of(s, ref)
    if drop < p.min_drop or is_standing(s) or s.bottom < ref.bottom - 0.3 * ref.height:
        return False
    if s.posture is not None and s.posture.legs_upright:
        return False
    return is_lying(s, p.lying_deg) or s.wide >= 1.0 or drop >= _DEEP_DROP


def _affinity(subject: Subject, s: Sighting) -> float:
    """How likely a sighting continues a subject: > 0 to match, higher is better.

    Besides overlap, two shape changes keep a subject: falling (the box drops to the feet of
    the standing box and widens) and getting up (a standing box rises from a lying one).
    """
    if s.track_id is not None and s.track_id in subject.track_ids:
        return 2.0
    last = subject.last
    iou = box_iou(last.box, s.box)
    if iou >= 0.2:
        return 1.0 + iou
    if s.ts - last.ts > 3.0:
        return 0.0
    if subject.down_since is not None and is_standing(s):
        last, s = s, last  # getting up is a fall backwards in time
    h = last.height
    cx = (s.box[0] + s.box[2]) / 2
    near = last.box[0] - 0.5 * h <= cx <= last.box[2] + 0.5 * h
    below = last.bottom - 0.3 * h <= s.bottom <= last.bottom + h and s.top >= last.top - 0.2 * h
    return 0.5 if near and below else 0.0


def _end_down(s: Subject) -> None:
    """The subject is no longer down (stood up, or left): forget the fall."""
    s.down_since, s.ref, s.last_down, s.first_down, s.before = None, None, None, None, None
    s.down_sightings, s.seen_fall, s.fired, s.held = 0, False, False, False


def _inside(a: Box, b: Box) -> bool:
    """Whether the centre of ``a`` lies in ``b``."""
    cx, cy = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    return b[0] <= cx <= b[2] and b[1] <= cy <= b[3]
