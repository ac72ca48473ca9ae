"""Camera health: status and debounce per camera, reference looks, hourly uptime, maintenance windows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:21:58.932052
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('camera_uptime',
    sa.Column('camera_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('hour', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('up', sa.Integer(), nullable=False),
    sa.Column('degraded', sa.Integer(), nullable=False),
    sa.Column('down', sa.Integer(), nullable=False),
    sa.Column('maintenance', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('camera_code', 'hour')
    )
    op.create_table('camera_reference',
    sa.Column('camera_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['set_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('camera_code', 'period')
    )
    op.create_table('maintenance_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('starts_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('maintenance_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_window_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_window_ends_at'), ['ends_at'], unique=False)

    op.create_table('camera_health',
    sa.Column('camera_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('conditions', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('bad_streak', sa.Integer(), nullable=False),
    sa.Column('good_streak', sa.Integer(), nullable=False),
    sa.Column('since', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_probe_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_good_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fault_id', sa.Integer(), nullable=True),
    sa.Column('last_fault_id', sa.Integer(), nullable=True),
    sa.Column('recovered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['fault_id'], ['fault.id'], ),
    sa.ForeignKeyConstraint(['last_fault_id'], ['fault.id'], ),
    sa.PrimaryKeyConstraint('camera_code')
    )


def downgrade() -> None:
    op.drop_table('camera_health')
    with op.batch_alter_table('maintenance_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_window_ends_at'))
        batch_op.drop_index(batch_op.f('ix_maintenance_window_code'))

    op.drop_table('maintenance_window')
    op.drop_table('camera_reference')
    op.drop_table('camera_uptime')
