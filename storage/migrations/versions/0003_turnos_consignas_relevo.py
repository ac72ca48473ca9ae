"""Shifts, consignas, handovers (relevo) and pending prompts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 20:45:01.398047
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pinned_board',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('shift_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slot_key', 'kind')
    )
    op.create_table('check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('slot_key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('checked_in_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_out_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_slot_key'), ['slot_key'], unique=False)

    op.create_table('consigna',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('source_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('camera_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('result_photo', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('overdue_reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['holder_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consigna', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consigna_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consigna_status'), ['status'], unique=False)

    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('incoming_slot_key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('from_person_id', sa.Integer(), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['from_person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_accepted_at'), ['accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_slot_key'), ['slot_key'], unique=False)

    op.create_table('pending_prompt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('prompt_message_id', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'chat_id')
    )
    op.create_table('roster_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_day', sa.Date(), nullable=False),
    sa.Column('shift_name', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('people', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_change_shift_day'), ['shift_day'], unique=False)

    op.create_table('consigna_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consigna_id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('photo', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['consigna_id'], ['consigna.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consigna_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consigna_event_consigna_id'), ['consigna_id'], unique=False)

    op.create_table('handover_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('accepted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handover_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_item_handover_id'), ['handover_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('handover_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_item_handover_id'))

    op.drop_table('handover_item')
    with op.batch_alter_table('consigna_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consigna_event_consigna_id'))

    op.drop_table('consigna_event')
    with op.batch_alter_table('roster_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_change_shift_day'))

    op.drop_table('roster_change')
    op.drop_table('pending_prompt')
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_slot_key'))
        batch_op.drop_index(batch_op.f('ix_handover_accepted_at'))

    op.drop_table('handover')
    with op.batch_alter_table('consigna', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consigna_status'))
        batch_op.drop_index(batch_op.f('ix_consigna_due_at'))

    op.drop_table('consigna')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_slot_key'))
        batch_op.drop_index(batch_op.f('ix_check_in_person_id'))

    op.drop_table('check_in')
    op.drop_table('shift_notice')
    op.drop_table('pinned_board')
