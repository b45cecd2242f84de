"""Accounts limited to some cameras (a sector of the city); null means every camera.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add users.cameras."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("cameras", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop users.cameras."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("cameras")
