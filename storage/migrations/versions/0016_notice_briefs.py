"""A notice's brief: its few lines in a backlog that shares one message (an anomaly's alert, without
its labels), so a message holds about 35 alerts instead of 20.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("brief", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("telegram_outbox", schema=None) as batch_op:
        batch_op.drop_column("brief")
