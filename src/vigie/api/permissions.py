"""What each role may do: one table, checked on the server for every page and API route."""

from __future__ import annotations

from enum import StrEnum

from vigie.store.users import Role

__all__ = ["ROLE_PERMISSIONS", "Permission", "allowed"]


class Permission(StrEnum):
    """One thing a console user may be allowed to do."""

    ALERTS_VIEW = "alerts.view"            # alert queue and detail
    ALERTS_DECIDE = "alerts.decide"        # acknowledge, validate, dismiss, follow-up, comment
    EVIDENCE_VIEW = "evidence.view"        # snapshots and clips
    CAMERAS_VIEW = "cameras.view"          # camera wall: live views and health
    ANALYSIS_STOP = "analysis.stop"        # stop / restart analysis, per camera or all
    SCENE_EDIT = "scene.edit"              # scene editor, test on footage, put live
    STATS_VIEW = "stats.view"              # anonymous statistics
    REGISTER_VIEW = "register.view"        # alert register and its CSV export
    AUDIT_VIEW = "audit.view"              # audit log


P, R = Permission, Role

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    R.OPERATOR: frozenset({P.ALERTS_VIEW, P.ALERTS_DECIDE, P.EVIDENCE_VIEW, P.CAMERAS_VIEW,
                           P.ANALYSIS_STOP, P.STATS_VIEW}),
    R.SUPERVISOR: frozenset({P.ALERTS_VIEW, P.ALERTS_DECIDE, P.EVIDENCE_VIEW, P.CAMERAS_VIEW,
                             P.ANALYSIS_STOP, P.STATS_VIEW, P.REGISTER_VIEW, P.AUDIT_VIEW}),
    R.INTEGRATOR: frozenset({P.CAMERAS_VIEW, P.SCENE_EDIT, P.STATS_VIEW}),
    R.AUDITOR: frozenset({P.STATS_VIEW, P.REGISTER_VIEW, P.AUDIT_VIEW}),
}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission``.

    Example:
        >>> allowed(Role.AUDITOR, Permission.ALERTS_DECIDE)
        False
    """
    return permission in ROLE_PERMISSIONS[role]
