"""Storage: SQLAlchemy models, Alembic migrations, repositories and the single DB writer.

Everything returned to callers is a frozen record (``vigie.store.types``), never an ORM row.
"""

from vigie.store.alerts import AlertQuery, AlertRef, AlertRepository
from vigie.store.audit import AuditRepository, append_audit
from vigie.store.cameras import CameraLike, CameraRepository, HealthRepository
from vigie.store.commands import (
    AppendAudit,
    Command,
    CreateAlert,
    IncrementCount,
    RecordHealth,
    SetClip,
    SetEnded,
)
from vigie.store.counts import CountRepository, bucket_of
from vigie.store.db import Database, current_revision, migrate, open_database, upgrade
from vigie.store.errors import (
    AlertConflictError,
    AlertError,
    AlertNotFoundError,
    InvalidTransitionError,
)
from vigie.store.types import (
    AlertActionKind,
    AlertActionRecord,
    AlertRecord,
    AlertStatus,
    AuditRecord,
    CameraRecord,
    ClipStatus,
    CountPoint,
    DismissReason,
    FollowUp,
    HealthRecord,
    HealthState,
    NewAlert,
)
from vigie.store.writer import AlertWriter, WriteResult, WriterStats

__all__ = [
    "AlertActionKind",
    "AlertActionRecord",
    "AlertConflictError",
    "AlertError",
    "AlertNotFoundError",
    "AlertQuery",
    "AlertRecord",
    "AlertRef",
    "AlertRepository",
    "AlertStatus",
    "AlertWriter",
    "AppendAudit",
    "AuditRecord",
    "AuditRepository",
    "CameraLike",
    "CameraRecord",
    "CameraRepository",
    "ClipStatus",
    "Command",
    "CountPoint",
    "CountRepository",
    "CreateAlert",
    "Database",
    "DismissReason",
    "FollowUp",
    "HealthRecord",
    "HealthRepository",
    "HealthState",
    "IncrementCount",
    "InvalidTransitionError",
    "NewAlert",
    "RecordHealth",
    "SetClip",
    "SetEnded",
    "WriteResult",
    "WriterStats",
    "append_audit",
    "bucket_of",
    "current_revision",
    "migrate",
    "open_database",
    "upgrade",
]
