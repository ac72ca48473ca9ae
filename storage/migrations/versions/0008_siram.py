"""SIRAM plate reads and the files they were imported from; searches go through (plate_key, read_at).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:25:04.054536
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('siram_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    op.create_table('plate_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plate', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('plate_key', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('read_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('lane', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('image', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['siram_import.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plate_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plate_read_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_plate_read_key_read_at', ['plate_key', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_plate_read_read_at'), ['read_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plate_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plate_read_read_at'))
        batch_op.drop_index('ix_plate_read_key_read_at')
        batch_op.drop_index(batch_op.f('ix_plate_read_import_id'))

    op.drop_table('plate_read')
    op.drop_table('siram_import')
