"""Faults: the triage state of each fault and its timeline.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:12:25.994819
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fault',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('camera_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('finding', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('vendor_emailed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vendor_replied_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vendor_reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('vendor_ticket', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('resolved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('treatment', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['opened_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'seq')
    )
    with op.batch_alter_table('fault', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fault_camera_code'), ['camera_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_fault_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fault_resolved_at'), ['resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_fault_site_code'), ['site_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_fault_stage'), ['stage'], unique=False)

    op.create_table('fault_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fault_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['fault_id'], ['fault.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fault_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fault_event_fault_id'), ['fault_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fault_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fault_event_fault_id'))

    op.drop_table('fault_event')
    with op.batch_alter_table('fault', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fault_stage'))
        batch_op.drop_index(batch_op.f('ix_fault_site_code'))
        batch_op.drop_index(batch_op.f('ix_fault_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_fault_opened_at'))
        batch_op.drop_index(batch_op.f('ix_fault_camera_code'))

    op.drop_table('fault')
