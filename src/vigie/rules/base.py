"""Rule plug-in interface, the rule registry, and what a rule knows about its camera."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

import shapely
from pydantic import Field, field_validator, model_validator

from vigie.config.base import VigieModel
from vigie.core.types import VEHICLE_CLASSES, Event, FrameResult, Track
from vigie.geometry import Homography, points_in_polygon, prepared_polygon

if TYPE_CHECKING:
    from vigie.detect.provider import ModelProvider

__all__ = [
    "AreaRuleConfig",
    "CameraContext",
    "Rule",
    "RuleConfig",
    "TimeWindow",
    "WatchedArea",
    "Weekday",
    "register_rule",
    "registered_rules",
    "rule_class",
]

Point = tuple[float, float]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Weekday(StrEnum):
    """Days of the week, as written in schedules."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_ORDER = list(Weekday)


class TimeWindow(VigieModel):
    """A daily window of local time during which a rule is active; may wrap past midnight."""

    start: str = Field(description="Local start time, HH:MM.", examples=["22:00"])
    end: str = Field(description="Local end time, HH:MM; earlier than start wraps midnight.")
    days: list[Weekday] = Field(default_factory=lambda: list(Weekday),
                                description="Days on which the window starts.")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"time must be HH:MM (00:00..23:59), got {value!r}")
        return value

    def contains(self, local: datetime) -> bool:
        """Whether a local datetime falls in the window."""
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        now, day = local.time(), _ORDER[local.weekday()]
        if start <= end:
            return day in self.days and start <= now < end
        yesterday = _ORDER[(local.weekday() - 1) % 7]
        return (day in self.days and now >= start) or (yesterday in self.days and now < end)


class RuleConfig(VigieModel):
    """Settings shared by every analytic; each rule kind adds its own."""

    kind: str
    name: str | None = Field(None, description="Rule id, unique per camera; default kind-zone.")
    enabled: bool = Field(True, description="Whether the rule runs.")
    classes: list[str] = Field(default_factory=lambda: ["person"],
                               description="Object labels the rule watches; 'vehicle' stands "
                                           "for bicycle, car, motorcycle, bus and truck.")
    schedule: list[TimeWindow] | None = Field(
        None, description="Local time windows in which the rule is active; none = always.")
    cooldown_s: float | None = Field(None, ge=0, description="Seconds after an alert during "
                                     "which the same rule and zone raise no new alert; "
                                     "default: the site's alerts.cooldown_s.")

    @model_validator(mode="after")
    def _classes_not_empty(self) -> RuleConfig:
        if not self.classes:
            raise ValueError("classes must name at least one object label")
        return self

    @property
    def rule_id(self) -> str:
        """The rule's id on its camera."""
        return self.name or "-".join(p for p in (self.kind, self.target) if p)

    @property
    def target(self) -> str | None:
        """Zone or line the rule watches, if any."""
        return None

    def label_set(self) -> frozenset[str]:
        """Labels the rule watches, with the 'vehicle' group expanded."""
        out: set[str] = set()
        for name in self.classes:
            out |= VEHICLE_CLASSES if name == "vehicle" else {name}
        return frozenset(out)


class AreaRuleConfig(RuleConfig):
    """Settings of the rules that watch a zone when one is named, else the whole frame."""

    zone: str | None = Field(None, description="Name of the camera zone watched; none = the "
                             "whole frame.")

    @property
    def target(self) -> str | None:  # noqa: D102
        return self.zone


@dataclass(frozen=True)
class WatchedArea:
    """The zone a rule watches, prepared once, or the whole frame (``polygon`` None)."""

    polygon: shapely.Polygon | None = None

    def contains(self, point: Point) -> bool:
        """Whether a normalised point lies in the area (always, for the whole frame)."""
        return self.polygon is None or bool(points_in_polygon([point], self.polygon)[0])


@dataclass(frozen=True)
class CameraContext:
    """The scene set-up a rule needs: named zones and lines, calibration, local time zone.

    Coordinates are normalised to 0..1 of the frame width and height.

    Attributes:
        models: Secondary models (pose, faces) for the rules that need them; None where the
            caller provides none (a rule that needs one then raises at construction).
    """

    camera_id: str
    zones: dict[str, tuple[Point, ...]] = field(default_factory=dict)
    lines: dict[str, tuple[Point, Point]] = field(default_factory=dict)
    homography: Homography | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    models: ModelProvider | None = None

    def watched_area(self, zone: str | None) -> WatchedArea:
        """The named zone as a prepared polygon, or the whole frame when ``zone`` is None."""
        return WatchedArea(prepared_polygon(self.zones[zone]) if zone else None)

    def require_models(self, kind: str) -> ModelProvider:
        """The model provider, for a rule kind that cannot work without one."""
        if self.models is None:
            raise ValueError(f"rule kind {kind!r} needs secondary models (pose, faces), but "
                             f"none were provided to camera {self.camera_id!r}")
        return self.models


C = TypeVar("C", bound=RuleConfig)


class Rule(ABC, Generic[C]):
    """A stateful, I/O-free detector of one kind of event on one camera.

    Time comes only from the FrameResult; a rule never reads the clock, the database or
    the network.
    """

    kind: ClassVar[str]
    config_model: ClassVar[type[RuleConfig]]
    #: False for a rule that copes with a moving view itself (it then sees every frame and
    #: reads ``result.view``); True rules pause while the view moves and are reset after.
    needs_steady_view: ClassVar[bool] = True

    def __init__(self, config: C, camera: CameraContext) -> None:
        self.config = config
        self.camera = camera
        self.labels = config.label_set()

    @property
    def rule_id(self) -> str:
        """The rule's id on its camera."""
        return self.config.rule_id

    def is_active(self, result: FrameResult) -> bool:
        """Whether the rule's schedule allows it to fire at this frame's wall time."""
        windows = self.config.schedule
        if not windows:
            return True
        local = result.frame.wall.astimezone(self.camera.timezone)
        return any(w.contains(local) for w in windows)

    def watched(self, result: FrameResult) -> list[Track]:
        """Tracks of this frame whose label the rule watches."""
        return [t for t in result.tracks if t.label in self.labels]

    @abstractmethod
    def update(self, result: FrameResult) -> list[Event]:
        """Consume one analysed frame; return the events it completes."""

    def reset(self) -> None:
        """Forget all per-track state (the source restarted or jumped)."""


_REGISTRY: dict[str, type[Rule[RuleConfig]]] = {}

R = TypeVar("R", bound=type[Rule])  # type: ignore[type-arg]


def register_rule(cls: R) -> R:
    """Class decorator: make a rule kind available to configurations."""
    kind = cls.kind
    if kind in _REGISTRY and _REGISTRY[kind] is not cls:
        raise ValueError(f"rule kind {kind!r} is registered twice")
    _REGISTRY[kind] = cls
    return cls


def registered_rules() -> dict[str, type[Rule[RuleConfig]]]:
    """Rule kinds by name."""
    return dict(_REGISTRY)


def rule_class(kind: str) -> type[Rule[RuleConfig]]:
    """The rule class for a kind; the error lists the valid kinds."""
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise KeyError(f"unknown rule kind {kind!r}; known: {', '.join(sorted(_REGISTRY))}")\
            from None

