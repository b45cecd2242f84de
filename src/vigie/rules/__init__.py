"""Rules: small stateful plug-ins that turn tracks into events. One file per kind."""

from vigie.rules.abandoned import AbandonedObject
from vigie.rules.base import (
    AreaRuleConfig,
    CameraContext,
    Rule,
    RuleConfig,
    register_rule,
    registered_rules,
    rule_class,
)
from vigie.rules.configs import AnalyticConfig
from vigie.rules.crowd_movement import CrowdMovement
from vigie.rules.density import CrowdDensity
from vigie.rules.fire import Fire
from vigie.rules.loitering import Loitering
from vigie.rules.mask_share import MaskShare
from vigie.rules.person_down import PersonDown
from vigie.rules.running import Running
from vigie.rules.tripwire import Tripwire
from vigie.rules.weapon import Weapon
from vigie.rules.wrong_way import WrongWay
from vigie.rules.zone import ZoneIntrusion

#: The event type ids: the evaluator, the database and the console use them.
EVENT_TYPES: tuple[str, ...] = (
    "abandoned_object", "weapon", "wrong_way", "zone_intrusion", "person_down",
    "crowd_movement", "crowd_density", "fire", "tripwire", "loitering", "running",
)

__all__ = [
    "EVENT_TYPES",
    "AbandonedObject",
    "AnalyticConfig",
    "AreaRuleConfig",
    "CameraContext",
    "CrowdDensity",
    "CrowdMovement",
    "Fire",
    "Loitering",
    "MaskShare",
    "PersonDown",
    "Rule",
    "RuleConfig",
    "Running",
    "Tripwire",
    "Weapon",
    "WrongWay",
    "ZoneIntrusion",
    "register_rule",
    "registered_rules",
    "rule_class",
]
