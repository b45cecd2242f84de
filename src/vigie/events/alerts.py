"""From rule events to alerts: one alert per incident, and a cooldown per rule and zone."""

from __future__ import annotations

from enum import StrEnum

from vigie.config.site import AlertsConfig, CameraConfig
from vigie.core.types import Event

__all__ = ["AlertPolicy", "Admission"]

_FORGET_AFTER_S = 3600.0


class Admission(StrEnum):
    """What becomes of an event."""

    ALERT = "alert"          # a new incident: store and show an alert
    DUPLICATE = "duplicate"  # same incident as an earlier alert
    COOLDOWN = "cooldown"    # a new incident, but the rule just alerted on the same zone
    COUNT = "count"          # not an alert kind of event: counted for statistics only


class AlertPolicy:
    """Decides which events become alerts, per camera.

    Args:
        cooldown_s: Default seconds after an alert during which the same rule and zone raise
            no new alert.
        overrides: Cooldown per rule id, from each rule's ``cooldown_s``.

    Example:
        >>> from datetime import UTC, datetime
        >>> p = AlertPolicy(cooldown_s=30)
        >>> e = Event("zone_intrusion", "zi", "cam", 5.0, datetime.now(UTC), 4.0, 0.9, "why",
        ...           incident_key="zi:1", zone="yard")
        >>> p.admit(e), p.admit(e)
        (<Admission.ALERT: 'alert'>, <Admission.DUPLICATE: 'duplicate'>)
    """

    def __init__(self, cooldown_s: float, overrides: dict[str, float] | None = None) -> None:
        self._cooldown_s = cooldown_s
        self._overrides = dict(overrides or {})
        self._incidents: dict[str, float] = {}
        self._last_alert: dict[tuple[str, str, str | None], float] = {}

    @classmethod
    def for_camera(cls, camera: CameraConfig, alerts: AlertsConfig) -> AlertPolicy:
        """The policy of one camera: the site's cooldown, and each rule's own if it sets one."""
        overrides = {a.rule_id: a.cooldown_s for a in camera.analytics if a.cooldown_s is not None}
        return cls(alerts.cooldown_s, overrides)

    def admit(self, event: Event) -> Admission:
        """Classify an event and remember it."""
        if not event.alert:
            return Admission.COUNT
        self._forget(event.ts)
        if event.incident_key in self._incidents:
            self._incidents[event.incident_key] = event.ts
            return Admission.DUPLICATE
        self._incidents[event.incident_key] = event.ts
        key = (event.camera_id, event.rule_id, event.zone)
        last = self._last_alert.get(key)
        cooldown = self._overrides.get(event.rule_id, self._cooldown_s)
        if last is not None and event.ts - last < cooldown:
            return Admission.COOLDOWN
        self._last_alert[key] = event.ts
        return Admission.ALERT

    def _forget(self, now: float) -> None:
        if len(self._incidents) < 1024:
            return
        self._incidents = {k: t for k, t in self._incidents.items() if now - t < _FORGET_AFTER_S}
