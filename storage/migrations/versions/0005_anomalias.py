"""Anomalies: reports, who was notified and how, photos, and the timeline.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:04:04.376504
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('anomaly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('cameras', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closing_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('justification_reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('justification_escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['reporter_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'seq')
    )
    with op.batch_alter_table('anomaly', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomaly_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_anomaly_site_code'), ['site_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_anomaly_status'), ['status'], unique=False)

    op.create_table('anomaly_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anomaly_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['anomaly_id'], ['anomaly.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('anomaly_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomaly_event_anomaly_id'), ['anomaly_id'], unique=False)

    op.create_table('anomaly_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anomaly_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('backup', sa.Boolean(), nullable=False),
    sa.Column('call_outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('called_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notified_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('alert_message_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('justified_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('justified_via', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('posted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['anomaly_id'], ['anomaly.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('anomaly_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomaly_notice_anomaly_id'), ['anomaly_id'], unique=False)

    op.create_table('anomaly_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anomaly_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['anomaly_id'], ['anomaly.id'], ),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('anomaly_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomaly_photo_anomaly_id'), ['anomaly_id'], unique=False)



    op.create_table(
        "anomaly_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("site_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cameras", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("photos", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "chat_id"),
    )


def downgrade() -> None:
    op.drop_table("anomaly_draft")
    with op.batch_alter_table('anomaly_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomaly_photo_anomaly_id'))

    op.drop_table('anomaly_photo')
    with op.batch_alter_table('anomaly_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomaly_notice_anomaly_id'))

    op.drop_table('anomaly_notice')
    with op.batch_alter_table('anomaly_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomaly_event_anomaly_id'))

    op.drop_table('anomaly_event')
    with op.batch_alter_table('anomaly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomaly_status'))
        batch_op.drop_index(batch_op.f('ix_anomaly_site_code'))
        batch_op.drop_index(batch_op.f('ix_anomaly_created_at'))

    op.drop_table('anomaly')
