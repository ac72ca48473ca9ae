"""A report's observations kept as a JSON list: one observation may run to several lines, and
joined by line breaks a two-paragraph observation came back as two.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 16:05:00.000000
"""

import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT = sa.table("report", sa.column("id", sa.Integer), sa.column("observations", sa.String))


def _rewrite(convert: Callable[[str], str]) -> None:
    connection = op.get_bind()
    for row_id, observations in connection.execute(sa.select(REPORT.c.id, REPORT.c.observations)).all():
        connection.execute(sa.update(REPORT).where(REPORT.c.id == row_id).values(observations=convert(observations)))


def upgrade() -> None:
    _rewrite(lambda joined: json.dumps([line for line in joined.split("\n") if line], ensure_ascii=False))


def downgrade() -> None:
    _rewrite(lambda listed: "\n".join(json.loads(listed)))
