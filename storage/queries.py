"""Query shapes that several areas' tables share."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


async def grouped(session: AsyncSession, model: type[Row], parent: str, parent_ids: list[int]) -> dict[int, list[Row]]:
    """The rows of `model` whose `parent` column is one of `parent_ids`, by parent, each list in the
    order made (by id), an empty list for a parent with none: one query for a batch (a mail run's
    attachments, a job's round over the open cases' notices)."""
    found: dict[int, list[Row]] = {parent_id: [] for parent_id in parent_ids}
    if not parent_ids:  # an idle round (no mail due, no case open): no query
        return found
    column = getattr(model, parent)
    statement = select(model).where(col(column).in_(parent_ids)).order_by(col(model.id))  # type: ignore[attr-defined]
    for row in (await session.exec(statement)).all():
        found[getattr(row, parent)].append(row)
    return found
