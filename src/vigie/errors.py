"""Vigie's exception hierarchy: every error the product raises on purpose derives from VigieError.

VigieError
├── ConfigError      invalid site configuration (file, line and path in the message)
├── SourceError      a video source cannot be opened or stops delivering frames
├── ModelError       a model file is missing, corrupt or not what its manifest promised
├── StoreError       the database or the evidence folder cannot be written
└── AlertError       (vigie.store.errors) an alert decision cannot be applied
    ├── AlertNotFoundError     no such alert
    ├── InvalidTransitionError the alert's status does not allow the action
    └── AlertConflictError     another operator decided first (carries their decision)
"""

from __future__ import annotations

__all__ = ["ConfigError", "ModelError", "SourceError", "StoreError", "VigieError"]


class VigieError(Exception):
    """Base class of every error Vigie raises on purpose."""


class ConfigError(VigieError):
    """A configuration file or value is invalid.

    Args:
        message: A human summary.
        problems: One line per problem, each ``file:line: path: message``.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n  {p}" for p in self.problems)
        super().__init__(f"{message}{detail}")


class SourceError(VigieError):
    """A video source cannot be opened, decoded or reached."""


class ModelError(VigieError):
    """A model is missing, corrupt, or does not behave as its manifest says."""


class StoreError(VigieError):
    """The database or the evidence folder cannot be written."""
