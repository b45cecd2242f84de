"""`vigie learn-directions`: the allowed direction of each zone, learned once from set-up footage.

Recorded footage of normal traffic is played through the camera's pipeline; the movement of
every object through each zone is measured; the dominant heading becomes the zone's allowed
direction, frozen into the site file. Nothing learns while the site runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from ruamel.yaml import YAML
from ruamel.yaml.util import load_yaml_guess_indent

from vigie.config.site import CameraConfig, SiteConfig, SourceConfig
from vigie.core.types import FrameResult, Track
from vigie.detect.base import Detector
from vigie.errors import ConfigError
from vigie.rules.blobs import BlobFollower
from vigie.rules.directions import (
    DirectionEstimate,
    dominant_direction,
    fitted_displacement,
    heading_deg,
    path_length,
)
from vigie.rules.paths import Path as ObjectPath
from vigie.rules.paths import PathBook
from vigie.rules.wrong_way import WrongWayConfig

__all__ = ["Movement", "Target", "ZoneDirection", "learn_command", "learn_directions",
           "observe", "round_trip_yaml", "snippet", "summary", "targets_for", "write_directions"]

#: An object must cross at least this many of its box heights of a zone to count.
MIN_MOVEMENT = 1.0
#: A trip counts only if its net displacement is at least this share of the distance walked
#: (someone wandering about shows no direction of travel).
MIN_STRAIGHTNESS = 0.6
#: A movement counts at most this much in the histogram (a long trip is not many trips).
MAX_WEIGHT = 10.0
#: Fewest movements, and least share agreeing, for a direction to be written.
MIN_MOVEMENTS = 3
MIN_SHARE = 0.7


@dataclass(frozen=True)
class Target:
    """A zone to learn (None = the whole frame), with what to watch in it."""

    zone: str | None
    labels: frozenset[str]
    follow: str = "objects"
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Movement:
    """One object's trip through a zone."""

    heading_deg: float
    distance: float  # box heights
    label: str


@dataclass
class ZoneDirection:
    """What was learned for one zone."""

    target: Target
    movements: list[Movement] = field(default_factory=list)

    @property
    def estimate(self) -> DirectionEstimate | None:
        """The dominant direction, None without movement."""
        return dominant_direction([m.heading_deg for m in self.movements],
                                  [min(m.distance, MAX_WEIGHT) for m in self.movements])

    def problem(self) -> str | None:
        """Why the estimate should not be written, or None when it is trustworthy."""
        est = self.estimate
        if est is None or est.n < MIN_MOVEMENTS:
            return f"too few movements ({0 if est is None else est.n}, need {MIN_MOVEMENTS})"
        if est.share < MIN_SHARE:
            return (f"traffic goes several ways: only {est.share:.0%} of the movements agree "
                    f"({est.opposite_share:.0%} go the opposite way); wrong_way needs one "
                    f"allowed direction")
        return None


def targets_for(camera: CameraConfig, zones: Sequence[str] | None = None,
                follow: str | None = None) -> list[Target]:
    """The zones to learn: those named, else those of the camera's wrong_way rules.

    Each takes the labels and mode of its wrong_way rules; a named zone without one takes the
    rule's defaults (people and vehicles, tracked objects). ``follow`` overrides the mode.
    """
    rules = [a for a in camera.analytics if isinstance(a, WrongWayConfig)]
    names: list[str | None] = list(zones) if zones else list(dict.fromkeys(r.zone for r in rules))
    known = {z.name for z in camera.zones}
    unknown = [z for z in names if z is not None and z not in known]
    if unknown:
        raise KeyError(f"camera {camera.id!r} has no zone {unknown}; zones: {sorted(known)}")
    out = []
    for name in names:
        mine = [r for r in rules if r.zone == name]
        default = WrongWayConfig(zone=name)
        labels = frozenset().union(*(r.label_set() for r in mine or [default]))
        mode = follow or (mine[0].follow if mine else default.follow)
        out.append(Target(name, labels, mode, tuple(r.rule_id for r in mine)))
    return out


def observe(results: Iterable[FrameResult], camera: CameraConfig,
            targets: Sequence[Target]) -> list[ZoneDirection]:
    """Measure every object's trip through each target zone."""
    zones = {z.name: tuple(z.points) for z in camera.zones}
    books = [PathBook(zones[t.zone] if t.zone else None, math.inf) for t in targets]
    followers = [BlobFollower() if t.follow == "motion" else None for t in targets]
    seen: list[dict[int, ObjectPath]] = [{} for _ in targets]
    for result in results:
        for target, book, follower, paths in zip(targets, books, followers, seen, strict=True):
            tracks: Sequence[Track] = (
                follower.update(result.motion_boxes, result.ts, result.frame.size)
                if follower is not None else
                [t for t in result.tracks if t.label in target.labels])
            for _, path in book.update(tracks, result.ts, result.frame.size):
                paths[id(path)] = path
    return [ZoneDirection(t, [m for p in paths.values() if (m := _movement(p)) is not None])
            for t, paths in zip(targets, seen, strict=True)]


def _movement(path: ObjectPath) -> Movement | None:
    """The trip of one path, if it is long and straight enough to show a direction."""
    if len(path.samples) < 3:
        return None
    ts, points = path.arrays()
    dx, dy = fitted_displacement(ts, points)
    length = float(np.hypot(dx, dy))
    height = float(np.median([s.height for s in path.samples]))
    if height <= 0 or length / height < MIN_MOVEMENT:
        return None
    if length < MIN_STRAIGHTNESS * path_length(points):
        return None
    return Movement(heading_deg(dx, dy), length / height, path.label)


def learn_directions(site: SiteConfig, camera_id: str, video: Path, detector: Detector,
                     targets: Sequence[Target]) -> list[ZoneDirection]:
    """Play set-up footage through the camera's pipeline (no rules) and learn each target.

    Args:
        site: The site.
        camera_id: The camera whose view the footage shows.
        video: Recorded footage of normal traffic.
        detector: The object detector.
        targets: Zones to learn (see :func:`targets_for`).
    """
    from vigie.ingest import PyAVSource
    from vigie.runtime.detectors import SharedDetector
    from vigie.runtime.pipeline import CameraPipeline

    camera = site.camera(camera_id).model_copy(update={
        "source": SourceConfig(url=str(video), realtime=False, loop=False), "analytics": []})
    pipeline = CameraPipeline(camera, site, SharedDetector(detector))
    source = PyAVSource.from_config(camera)
    source.open()
    try:
        return observe((pipeline.process(frame)[0] for frame in source), camera, targets)
    finally:
        source.close()


def round_trip_yaml(text: str) -> tuple[YAML, Any]:
    """A reader-writer keeping the file's indentation, quotes and comments, and its data.

    Dump the (edited) data with the returned ``YAML`` to write the file back in its own style.
    """
    _, indent, dash = load_yaml_guess_indent(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=indent or 2, offset=dash or 0)  # keep the file's style
    return yaml, yaml.load(text)


def write_directions(path: Path, camera_id: str, learned: Sequence[ZoneDirection]) -> list[str]:
    """Set ``direction_deg`` and ``tolerance_deg`` of the learned zones' wrong_way rules.

    The file is edited in place, comments and layout kept; zones whose estimate has a problem
    are left alone.

    Returns:
        The ids of the rules updated.
    """
    yaml, data = round_trip_yaml(path.read_text(encoding="utf-8"))
    camera = next(c for c in data["cameras"] if c["id"] == camera_id)
    updated = []
    for zone in learned:
        est = zone.estimate
        if est is None or zone.problem() is not None:
            continue
        for rule in camera.get("analytics") or []:
            if rule.get("kind") == "wrong_way" and rule.get("zone") == zone.target.zone:
                rule["direction_deg"] = round(est.direction_deg) % 360
                rule["tolerance_deg"] = int(est.suggested_tolerance_deg)
                updated.append(_rule_id(rule))
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)
    return updated


def snippet(zone: ZoneDirection) -> str:
    """A wrong_way rule for the zone, as YAML to paste under the camera's analytics."""
    est = zone.estimate
    if est is None:
        raise ValueError(f"nothing learned for zone {zone.target.zone!r}")
    lines = ["- kind: wrong_way"]
    if zone.target.zone:
        lines.append(f"  zone: {zone.target.zone}")
    if zone.target.follow != "objects":
        lines.append(f"  follow: {zone.target.follow}")
    lines += [f"  direction_deg: {round(est.direction_deg) % 360}",
              f"  tolerance_deg: {int(est.suggested_tolerance_deg)}"]
    return "\n".join(lines)


def _rule_id(rule: dict[str, object]) -> str:
    return str(rule.get("name") or "-".join(str(p) for p in ("wrong_way", rule.get("zone")) if p))


def summary(zone: ZoneDirection) -> dict[str, object]:
    """JSON-ready account of what was learned for one zone."""
    est = zone.estimate
    out: dict[str, object] = {"zone": zone.target.zone, "follow": zone.target.follow,
                              "rules": list(zone.target.rules), "movements": len(zone.movements),
                              "problem": zone.problem()}
    if est is not None:
        out.update(direction_deg=round(est.direction_deg) % 360, share=est.share,
                   opposite_share=est.opposite_share, spread_deg=est.spread_deg,
                   suggested_tolerance_deg=est.suggested_tolerance_deg)
    return out


def learn_command(config_path: Path, camera_id: str, video: Path, zones: Sequence[str] | None,
                  follow: str | None, write: bool, console: Console) -> list[dict[str, object]]:
    """What `vigie learn-directions` does: learn, print, and write or print snippets."""
    from vigie.config import load_config
    from vigie.detect.factory import build_detector

    if follow not in (None, "objects", "motion"):
        raise ConfigError(f"--follow must be objects or motion, not {follow!r}")
    site = load_config(config_path)
    try:
        targets = targets_for(site.camera(camera_id), zones, follow)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    if not targets:
        raise ConfigError(f"camera {camera_id!r} has no wrong_way rule; name zones with --zone")
    learned = learn_directions(site, camera_id, video, build_detector(site.detector), targets)
    updated = write_directions(config_path, camera_id, learned) if write else []
    for zone in learned:
        _print_zone(zone, updated, write, console)
    return [summary(z) for z in learned]


def _print_zone(zone: ZoneDirection, updated: Sequence[str], write: bool,
                console: Console) -> None:
    name = zone.target.zone or "(whole frame)"
    est = zone.estimate
    if est is None:
        console.print(f"zone {name}: no movement seen")
        return
    console.print(f"zone {name}: {est.n} movements, dominant direction {est.direction_deg:.0f}° "
                  f"(0 = right, 90 = down), {est.share:.0%} agree, {est.opposite_share:.0%} go "
                  f"the opposite way, spread {est.spread_deg:.0f}°, suggested tolerance "
                  f"{est.suggested_tolerance_deg:.0f}°")
    problem = zone.problem()
    if problem is not None:
        console.print(f"  [yellow]not usable:[/] {problem}")
        return
    written = [r for r in zone.target.rules if r in updated]
    if written:
        console.print(f"  written to rule(s) {', '.join(written)}")
    elif not write or not zone.target.rules:
        console.print("  rule to add under the camera's analytics (or run with --write):")
        console.print(snippet(zone), markup=False)
