"""What each event type is, in plain words, and which of the law's eight events it is.

Law 2023-380 art. 10 and decree 2023-828 allow exactly eight predetermined events; the other
types are the cities' extras (counts and behaviours that are not among the eight).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "EventType", "label_of"]


@dataclass(frozen=True, slots=True)
class EventType:
    """One event type as the public, the operators and the authority read it.

    Attributes:
        kind: The rule kind (``zone_intrusion``...).
        label: Plain words, in full (the public notice, the authority's report).
        short: A few words for the operator's screens.
        legal: Number of the event in decree 2023-828 (1-8), or None for a city extra.
        alert: Whether it raises alerts (False: statistics only).
    """

    kind: str
    label: str
    short: str
    legal: int | None
    alert: bool = True


CATALOGUE: dict[str, EventType] = {e.kind: e for e in (
    EventType("abandoned_object", "Abandoned object", "Abandoned object", 1),
    EventType("weapon", "Presence or use of a weapon", "Weapon", 2),
    EventType("wrong_way", "Person or vehicle going the wrong way", "Wrong way", 3),
    EventType("zone_intrusion", "Person or vehicle in a forbidden or sensitive zone",
              "Zone intrusion", 4),
    EventType("person_down", "Person on the ground after a fall", "Person on the ground", 5),
    EventType("crowd_movement", "Crowd movement (sudden rush)", "Crowd rush", 6),
    EventType("crowd_density", "Excessive crowd density", "Excessive crowd density", 7),
    EventType("fire", "Fire start", "Fire start", 8),
    EventType("tripwire", "Virtual line crossing (counts)", "Line crossing", None),
    EventType("loitering", "Loitering", "Loitering", None),
    EventType("running", "Rushed movement (running)", "Running", None),
    EventType("mask_share", "Share of people wearing a mask (counts only)", "Mask share", None,
              alert=False),
)}


def label_of(kind: str) -> str:
    """Plain words for ``kind`` (the kind itself when unknown).

    Example:
        >>> label_of("fire")
        'Fire start'
    """
    entry = CATALOGUE.get(kind)
    return entry.label if entry else kind
