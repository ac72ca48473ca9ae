"""The 15-day reports: one row per version, its documents as evidence, and the approval.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:44:29.567994
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('generated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('observations', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pdf_evidence_id', sa.Integer(), nullable=False),
    sa.Column('xlsx_evidence_id', sa.Integer(), nullable=False),
    sa.Column('pdf_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['generated_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['pdf_evidence_id'], ['evidence.id'], ),
    sa.ForeignKeyConstraint(['xlsx_evidence_id'], ['evidence.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'version')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_period'), ['period'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_period'))

    op.drop_table('report')
