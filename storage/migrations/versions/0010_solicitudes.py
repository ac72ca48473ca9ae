"""Information requests: the request, its timeline and its documents.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:54:02.399176
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('solicitud',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('unit_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('requester', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('requester_email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('asked', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('cameras', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('window_start', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('window_end', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('plates', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('older_than_five_years', sa.Boolean(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('consigna_id', sa.Integer(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retention_warned_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consigna_id'], ['consigna.id'], ),
    sa.ForeignKeyConstraint(['registered_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'seq')
    )
    with op.batch_alter_table('solicitud', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solicitud_state'), ['state'], unique=False)

    op.create_table('solicitud_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solicitud_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('added_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ),
    sa.ForeignKeyConstraint(['solicitud_id'], ['solicitud.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('solicitud_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solicitud_document_solicitud_id'), ['solicitud_id'], unique=False)

    op.create_table('solicitud_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solicitud_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['solicitud_id'], ['solicitud.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('solicitud_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solicitud_event_solicitud_id'), ['solicitud_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('solicitud_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solicitud_event_solicitud_id'))

    op.drop_table('solicitud_event')
    with op.batch_alter_table('solicitud_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solicitud_document_solicitud_id'))

    op.drop_table('solicitud_document')
    with op.batch_alter_table('solicitud', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solicitud_state'))

    op.drop_table('solicitud')
