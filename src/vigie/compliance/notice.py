"""The public notice: which cameras are analysed, for which events, on what basis, for how long.

Built from the site configuration and the cameras' stop switches; shown without sign-in at
``/notice`` (HTML) and ``/api/notice`` (JSON).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from vigie.config.site import SiteConfig
from vigie.rules.catalogue import CATALOGUE, label_of

__all__ = ["GUARANTEES", "Notice", "NoticeCamera", "NoticeEvent", "build_notice"]

#: What the product guarantees by construction (each has a test; see docs/compliance.md).
GUARANTEES = (
    "No biometric identification and no face recognition: the system recognises nobody.",
    "Faces are detected only to blur them in stored images.",
    "No cross-referencing with any other file; nothing follows a person from one camera to "
    "another.",
    "Every alert is examined by an authorised operator, who validates or dismisses it; "
    "nothing happens without a human decision.",
    "The system does not learn by itself in service: its settings are tested on recorded "
    "footage before use.",
    "The analysis can be stopped at any time, camera by camera or entirely; every stop is "
    "logged.",
)


class NoticeEvent(BaseModel):
    """An event type the site detects."""

    kind: str
    label: str
    legal_event: int | None
    alert: bool


class NoticeCamera(BaseModel):
    """A camera under analysis."""

    id: str
    name: str
    analysis: str  # "active" or "stopped"
    events: list[str]


class Notice(BaseModel):
    """Everything the public notice shows."""

    site: str
    controller: str
    dpo_contact: str
    authorisation: str
    legal_basis: str
    purpose: str
    experiment_until: date | None
    cameras: list[NoticeCamera]
    events: list[NoticeEvent]
    images_days: float
    alerts_days: float
    guarantees: list[str]


def build_notice(site: SiteConfig, stopped: set[str]) -> Notice:
    """The notice of ``site``; ``stopped`` holds the cameras whose analysis is stopped now.

    Cameras disabled in the configuration are not under analysis and are not listed.
    """
    cameras = [c for c in site.cameras if c.enabled]
    kinds = sorted({a.kind for c in cameras for a in c.analytics},
                   key=lambda k: (CATALOGUE[k].legal or 99, k) if k in CATALOGUE else (99, k))
    notice = site.notice
    return Notice(
        site=site.site.name, controller=notice.controller, dpo_contact=notice.dpo_contact,
        authorisation=notice.authorisation, legal_basis=notice.legal_basis,
        purpose=notice.purpose, experiment_until=notice.experiment_until,
        cameras=[NoticeCamera(id=c.id, name=c.name or c.id,
                              analysis="stopped" if c.id in stopped else "active",
                              events=sorted({label_of(a.kind) for a in c.analytics}))
                 for c in cameras],
        events=[NoticeEvent(kind=k, label=label_of(k),
                            legal_event=CATALOGUE[k].legal if k in CATALOGUE else None,
                            alert=CATALOGUE[k].alert if k in CATALOGUE else True)
                for k in kinds],
        images_days=site.retention.images_days, alerts_days=site.retention.alerts_days,
        guarantees=list(GUARANTEES),
    )
