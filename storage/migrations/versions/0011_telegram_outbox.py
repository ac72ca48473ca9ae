"""The Telegram outbox: notices are rows before they are messages.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 01:00:29.363483
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('telegram_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('markup', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('reply_to', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('quote_message_id', sa.Integer(), nullable=True),
    sa.Column('record', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('refusals', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telegram_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_outbox_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_telegram_outbox_sent_at'), ['sent_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('telegram_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_outbox_sent_at'))
        batch_op.drop_index(batch_op.f('ix_telegram_outbox_key'))

    op.drop_table('telegram_outbox')
