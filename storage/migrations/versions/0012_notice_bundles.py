"""Notices that may share one message in a burst: an anomaly's alerts to one person.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('telegram_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundle_label', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('telegram_outbox', schema=None) as batch_op:
        batch_op.drop_column('bundle_label')
