"""How far the reply mailbox has been read, so mail left unread for a person is not read again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_cursor",
        sa.Column("mailbox", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("uid_validity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox"),
    )


def downgrade() -> None:
    op.drop_table("inbox_cursor")
