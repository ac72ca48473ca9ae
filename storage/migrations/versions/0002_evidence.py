"""Evidence: every photo, mosaic and clip the bot sent, named by its SHA-256.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("case_ref", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("purged_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["requester_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_captured_at"), ["captured_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_camera_id"), ["camera_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_camera_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_case_ref"))
        batch_op.drop_index(batch_op.f("ix_evidence_captured_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
    op.drop_table("evidence")
