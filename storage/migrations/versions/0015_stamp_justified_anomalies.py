"""Justified cases count as already reminded and escalated: the chase now follows a justificada case
while someone alerted has not justified, and such a case was never stamped before (the chase left it
at its first justification), so the first run after the deploy would remind and tell the chief of
every open justificada case older than the delay at once, about cases long settled.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 19:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANOMALY = sa.table(
    "anomaly",
    sa.column("status", sa.String),
    sa.column("justification_reminded_at", storage.types.UTCDateTime(timezone=True)),
    sa.column("justification_escalated_at", storage.types.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    now = datetime.now(UTC)
    for stage in (ANOMALY.c.justification_reminded_at, ANOMALY.c.justification_escalated_at):
        op.execute(sa.update(ANOMALY).where(ANOMALY.c.status == "justificada", stage.is_(None)).values({stage: now}))


def downgrade() -> None:
    """Nothing to undo: the stamps are what the chase before 0015 would make of such a case (it never
    chased one), and which of them this migration set is not known any more."""
