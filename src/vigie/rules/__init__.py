"""Rules: small stateful plug-ins that turn tracks into events. One file per kind."""

from vigie.rules.base import (
    CameraContext,
    Rule,
    RuleConfig,
    register_rule,
    registered_rules,
    rule_class,
)
from vigie.rules.configs import AnalyticConfig
from vigie.rules.loitering import Loitering
from vigie.rules.tripwire import Tripwire
from vigie.rules.zone import ZoneIntrusion

__all__ = [
    "AnalyticConfig",
    "CameraContext",
    "Loitering",
    "Rule",
    "RuleConfig",
    "Tripwire",
    "ZoneIntrusion",
    "register_rule",
    "registered_rules",
    "rule_class",
]
