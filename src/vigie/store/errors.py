"""Errors of the alert workflow, below ``vigie.errors.VigieError``.

VigieError
├── StoreError                 the database or the evidence folder cannot be written
└── AlertError                 an alert operation was refused
    ├── AlertNotFoundError     no alert with this id
    ├── InvalidTransitionError the action is not allowed in the alert's state (or lacks a field)
    └── AlertConflictError     someone else changed the alert first (stale ``version``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vigie.errors import VigieError

if TYPE_CHECKING:
    from vigie.store.types import AlertActionKind, AlertRecord, AlertStatus

__all__ = ["AlertConflictError", "AlertError", "AlertNotFoundError", "InvalidTransitionError"]


class AlertError(VigieError):
    """An operation on an alert was refused; nothing was written."""


class AlertNotFoundError(AlertError, LookupError):
    """No alert has this id or uuid."""


class InvalidTransitionError(AlertError):
    """The action is not allowed from the alert's current status, or misses a field.

    Attributes:
        status: The alert's status.
        action: The refused action.
    """

    def __init__(self, message: str, status: AlertStatus, action: AlertActionKind) -> None:
        super().__init__(message)
        self.status = status
        self.action = action


class AlertConflictError(AlertError):
    """The alert changed since the caller read it: show ``current`` and let the operator redo.

    Attributes:
        expected_version: The version the caller acted on.
        current: The alert as it is now, with the other operator's decision.
    """

    def __init__(self, expected_version: int, current: AlertRecord) -> None:
        who = f" by {current.operator}" if current.operator else ""
        super().__init__(
            f"alert {current.id} changed{who} (now {current.status}, version {current.version}; "
            f"you acted on version {expected_version})"
        )
        self.expected_version = expected_version
        self.current = current
