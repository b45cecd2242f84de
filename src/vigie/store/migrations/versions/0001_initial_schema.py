"""Initial schema: cameras, alerts and their register, health, audit log, counts.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)
_APPEND_ONLY = "audit_log is append-only"

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
    for verb in ("UPDATE", "DELETE")
]
_PG_TRIGGERS = [
    "CREATE FUNCTION vigie_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION vigie_audit_append_only()",
]


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _camera_fk(table: str) -> list[SchemaItem]:
    return [
        sa.Column("camera_id", sa.String(63), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"],
                                name=op.f(f"fk_{table}_camera_id_cameras")),
    ]


def upgrade() -> None:
    """Create every table, index and the audit log's append-only triggers."""
    _create_cameras()
    _create_alerts()
    _create_alert_actions()
    _create_camera_health()
    _create_audit_log()
    _create_counts()


def _create_cameras() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("analysis_stopped", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
    )


def _create_alerts() -> None:
    op.create_table(
        "alerts",
        _id(),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        *_camera_fk("alerts"),
        sa.Column("zone", sa.String(64), nullable=True),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("track_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", _TS, nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("dismiss_reason", sa.String(32), nullable=True),
        sa.Column("follow_up", sa.String(32), nullable=False),
        sa.Column("follow_up_comment", sa.Text(), nullable=True),
        sa.Column("follow_up_at", _TS, nullable=True),
        sa.Column("follow_up_by", sa.String(64), nullable=True),
        sa.Column("snapshot_path", sa.String(255), nullable=True),
        sa.Column("clip_path", sa.String(255), nullable=True),
        sa.Column("clip_status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("uuid", name=op.f("uq_alerts_uuid")),
    )
    op.create_index(op.f("ix_alerts_raised_at"), "alerts", ["raised_at"])
    for column in ("camera_id", "status", "kind"):
        op.create_index(op.f(f"ix_alerts_{column}_raised_at"), "alerts", [column, "raised_at"])


def _create_alert_actions() -> None:
    op.create_table(
        "alert_actions",
        _id(),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="CASCADE",
                                name=op.f("fk_alert_actions_alert_id_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_actions")),
    )
    op.create_index(op.f("ix_alert_actions_alert_id"), "alert_actions", ["alert_id"])


def _create_camera_health() -> None:
    op.create_table(
        "camera_health",
        _id(),
        *_camera_fk("camera_health"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_health")),
    )
    op.create_index(op.f("ix_camera_health_camera_id_at"), "camera_health", ["camera_id", "at"])


def _create_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    triggers = _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def _create_counts() -> None:
    op.create_table(
        "counts",
        _id(),
        *_camera_fk("counts"),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(32), nullable=False),
        sa.Column("bucket_start", _TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counts")),
        sa.UniqueConstraint("camera_id", "rule_id", "name", "direction", "bucket_start",
                            name=op.f("uq_counts_camera_id_rule_id_name_direction_bucket_start")),
    )
    op.create_index(op.f("ix_counts_bucket_start"), "counts", ["bucket_start"])


def downgrade() -> None:
    """Drop everything (the audit log included: only for tests and fresh installs)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION vigie_audit_append_only()")
    for table in ("counts", "audit_log", "camera_health", "alert_actions", "alerts", "cameras"):
        op.drop_table(table)
