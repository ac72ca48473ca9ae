"""E-mail outbox (SMTP delivery) and inbox (IMAP replies).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # stub: tables arrive with storage/mail.py


def downgrade() -> None:
    pass
